//! The widget's brain: the commands of the host page, trigger evaluation, the authoritative
//! decision and the writes of an answer.

use crate::browser::{self, Reply};
use crate::outbox::{self, Session};
use crate::ui;
use nps_core::NpsScore;
use nps_core::eligibility::{SurveyRules, Trigger, TriggerContext, trigger_fires};
use nps_core::wire::{
    AccountMembership, Attributes, CompleteRequest, DecideRequest, DecideResponse, FeedbackKind, FeedbackRequest,
    IdentifyRequest, IdentifyResponse, ResponseRequest, SurveyDefinition, SurveyTexts,
};
use serde::Deserialize;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// The signed-in user of the host app, as the host identified them.
#[derive(Clone)]
struct User {
    id: String,
    language: Option<String>,
    email: Option<String>,
    /// The collector has acknowledged the identify (or given up): decisions may be asked.
    identified: bool,
}

/// The part of the project's `ProjectConfig` the widget uses. Only `rules.triggers` is read:
/// targeting, sampling and fatigue are the collector's to apply in `decide`, and leaving their
/// parsers out keeps the bundle smaller.
#[derive(Deserialize)]
struct WireConfig {
    surveys: Vec<WireSurvey>,
}

#[derive(Deserialize)]
struct WireSurvey {
    id: i64,
    definition: SurveyDefinition,
    rules: WireRules,
}

#[derive(Deserialize)]
struct WireRules {
    #[serde(default)]
    triggers: Vec<Trigger>,
}

#[derive(Clone)]
struct Survey {
    id: i64,
    definition: SurveyDefinition,
    rules: SurveyRules,
}

#[derive(Default)]
struct App {
    collector: String,
    project_key: String,
    emit: Option<js_sys::Function>,
    config: Option<Rc<Vec<Survey>>>,
    user: Option<User>,
    /// What happened before the configuration and the identity were known.
    waiting: Vec<TriggerContext>,
    /// A survey is on screen or being decided: one at a time.
    busy: bool,
}

thread_local! {
    static APP: RefCell<App> = RefCell::new(App::default());
}

fn with<R>(f: impl FnOnce(&mut App) -> R) -> R {
    APP.with(|a| f(&mut a.borrow_mut()))
}

pub fn set_emitter(f: js_sys::Function) {
    with(|a| a.emit = Some(f));
}

/// Tells the host page's `nps('on', ...)` listeners.
pub fn emit(event: &str, detail: serde_json::Value) {
    let Some(f) = with(|a| a.emit.clone()) else { return };
    let detail = js_sys::JSON::parse(&detail.to_string()).unwrap_or(wasm_bindgen::JsValue::NULL);
    let _ = f.call2(&wasm_bindgen::JsValue::NULL, &event.into(), &detail);
}

fn base() -> (String, String) {
    with(|a| (a.collector.clone(), a.project_key.clone()))
}

fn url(path: &str) -> String {
    let (collector, key) = base();
    format!("{collector}/v1/p/{key}/{path}")
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InitOptions {
    project_key: String,
    collector_url: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct IdentifyOptions {
    #[serde(alias = "user_id")]
    user_id: String,
    #[serde(default)]
    attributes: Attributes,
    /// Date of sign-up: unix ms, or anything `Date.parse` reads.
    #[serde(default, alias = "created_at")]
    created_at: Option<CreatedAt>,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    account: Option<AccountMembership>,
    #[serde(default, alias = "identity_token")]
    identity_token: Option<String>,
}

/// One command of the host page, already in the order the page issued them; `args` holds each
/// argument as JSON (parsed straight into its type: no intermediate `Value`).
pub fn command(name: &str, args: &[String]) {
    let arg = |i: usize| args.get(i).map_or("null", String::as_str);
    match name {
        "init" => match serde_json::from_str::<InitOptions>(arg(0)) {
            Ok(o) => init(o),
            Err(e) => warn(&format!("init: {e}")),
        },
        "identify" => match serde_json::from_str::<IdentifyOptions>(arg(0)) {
            Ok(o) => identify(o),
            Err(e) => warn(&format!("identify: {e}")),
        },
        "track" => {
            let Ok(name) = serde_json::from_str::<String>(arg(0)) else { return warn("track: the event name must be a string") };
            let properties = serde_json::from_str::<Attributes>(arg(1)).unwrap_or_default();
            // The occurrence count is filled in once the user is known.
            observe(TriggerContext::Event { name, properties, occurrence: 0 });
        }
        "page" => {
            let href = serde_json::from_str::<String>(arg(0)).ok().or_else(|| browser::window().location().href().ok());
            if let Some(url) = href {
                observe(TriggerContext::PageView { url });
            }
        }
        "reset" => {
            with(|a| {
                a.user = None;
                a.waiting.clear();
            });
            ui::close_now();
        }
        "flush" => flush(false),
        "preview" => match serde_json::from_str::<PreviewOptions>(arg(0)) {
            Ok(o) => preview(o),
            Err(e) => warn(&format!("preview: {e}")),
        },
        other => warn(&format!("unknown command `{other}`")),
    }
}

/// `nps('preview', {definition, language})`: the admin's survey editor shows the unsaved
/// survey in the real card. Nothing is asked of or sent to the collector.
#[derive(Deserialize)]
struct PreviewOptions {
    definition: nps_core::wire::SurveyDefinition,
    #[serde(default)]
    language: Option<String>,
    /// `question` (default), `follow_up` or `thank_you`.
    #[serde(default)]
    step: Option<String>,
    #[serde(default)]
    band: Option<nps_core::Band>,
}

fn preview(o: PreviewOptions) {
    let band = o.band.unwrap_or(nps_core::Band::Promoter);
    let (start_band, start_thanks) = match o.step.as_deref() {
        Some("follow_up") => (Some(band), false),
        Some("thank_you") => (Some(band), true),
        _ => (None, false),
    };
    let survey_like = Survey { id: 0, definition: o.definition, rules: SurveyRules::default() };
    let lang = o.language.unwrap_or_else(|| survey_like.definition.default_language.clone());
    let Some((lang, texts)) = texts_for(&survey_like, &lang) else { return warn("preview: the survey has no texts") };
    ui::close_now();
    ui::show(ui::Shown {
        survey_id: 0,
        user_id: "preview".to_owned(),
        display_id: "preview".to_owned(),
        response_id: "preview".to_owned(),
        trigger: None,
        sampling_rate_bp: 10_000,
        lang,
        texts,
        appearance: survey_like.definition.appearance.clone(),
        preview: true,
        start_band,
        start_thanks,
    });
}

fn warn(message: &str) {
    web_sys::console::warn_1(&format!("nps: {message}").into());
}

fn init(o: InitOptions) {
    with(|a| {
        a.collector = o.collector_url.trim_end_matches('/').to_owned();
        a.project_key = o.project_key;
    });
    // Answers left behind by an earlier page go first, without waiting for their back-off.
    flush(true);
    wasm_bindgen_futures::spawn_local(async {
        match browser::fetch("GET", &url("config"), None, None).await {
            Reply::Status(200, body) => match serde_json::from_str::<WireConfig>(&body) {
                Ok(config) => {
                    let surveys = config.surveys.into_iter().map(|s| Survey {
                        id: s.id,
                        definition: s.definition,
                        rules: SurveyRules { triggers: s.rules.triggers, ..SurveyRules::default() },
                    });
                    let surveys = Rc::new(surveys.collect());
                    with(|a| a.config = Some(surveys));
                }
                Err(e) => warn(&format!("config: {e}")),
            },
            Reply::Status(status, body) => warn(&format!("config: {status} {body}")),
            Reply::Network => warn("config: the collector cannot be reached"),
        }
        drain();
    });
}

pub fn flush(reset: bool) {
    let (collector, key) = base();
    if key.is_empty() {
        return;
    }
    if reset {
        outbox::make_due(&key);
    }
    wasm_bindgen_futures::spawn_local(async move { outbox::flush(&collector, &key).await });
}

/// Unix ms, or a date string `Date.parse` reads.
#[derive(Deserialize)]
#[serde(untagged)]
enum CreatedAt {
    Ms(f64),
    Text(String),
}

fn created_at_ms(v: &CreatedAt) -> Option<i64> {
    match v {
        CreatedAt::Ms(ms) => Some(*ms as i64),
        CreatedAt::Text(s) => Some(js_sys::Date::parse(s)).filter(|f| f.is_finite()).map(|f| f as i64),
    }
}

fn identify(o: IdentifyOptions) {
    let email = o.email.clone().or_else(|| o.attributes.get("email").and_then(|e| e.as_str()).map(str::to_owned));
    let user = User { id: o.user_id.clone(), language: o.language.clone(), email, identified: false };
    with(|a| a.user = Some(user));
    let request = IdentifyRequest {
        user_id: o.user_id,
        attributes: o.attributes,
        created_at: o.created_at.as_ref().and_then(created_at_ms),
        language: o.language,
        account: o.account,
        identity_token: o.identity_token,
    };
    let body = serde_json::to_string(&request).unwrap_or_default();
    wasm_bindgen_futures::spawn_local(async move {
        // A few quick retries: decisions wait for this, answers do not (they are queued).
        for wait in [0, 1_000, 4_000] {
            browser::sleep(wait).await;
            match browser::fetch("POST", &url("identify"), Some(&body), None).await {
                Reply::Status(200, text) => {
                    if let Ok(r) = serde_json::from_str::<IdentifyResponse>(&text) {
                        let key = base().1;
                        outbox::save_session(&key, &Session { user_id: r.user_id, token: r.session_token, expires_at: r.expires_at });
                    }
                    break;
                }
                Reply::Status(status, text) if status < 500 && status != 429 => {
                    warn(&format!("identify: {status} {text}"));
                    break;
                }
                _ => {}
            }
        }
        let still_same = with(|a| match &mut a.user {
            Some(u) if u.id == request.user_id => {
                u.identified = true;
                true
            }
            _ => false,
        });
        if still_same {
            flush(true);
            drain();
        }
    });
}

/// Something happened in the host app: evaluate it now if we can, else when we can.
fn observe(ctx: TriggerContext) {
    with(|a| {
        if a.waiting.len() < 50 {
            a.waiting.push(ctx);
        }
    });
    drain();
}

fn drain() {
    let ready = with(|a| a.config.is_some() && a.user.as_ref().is_some_and(|u| u.identified));
    if !ready {
        return;
    }
    let waiting = with(|a| std::mem::take(&mut a.waiting));
    for ctx in waiting {
        evaluate(ctx);
    }
}

fn events_key(project_key: &str, user_id: &str) -> String {
    format!("nps:events:{project_key}:{user_id}")
}

/// Counts the event for this user (kept across page loads for `nth_occurrence`).
fn count_occurrence(user_id: &str, name: &str) -> u32 {
    let key = events_key(&base().1, user_id);
    let mut counts: BTreeMap<String, u32> = browser::load(&key).unwrap_or_default();
    let n = counts.entry(name.to_owned()).or_default();
    *n = n.saturating_add(1);
    let n = *n;
    browser::save(&key, &counts);
    n
}

fn evaluate(mut ctx: TriggerContext) {
    let Some((config, user)) = with(|a| Some((a.config.clone()?, a.user.clone()?))) else { return };
    if let TriggerContext::Event { name, occurrence, .. } = &mut ctx {
        *occurrence = count_occurrence(&user.id, name);
    }
    if with(|a| a.busy) {
        return;
    }
    let now = browser::now_ms();
    let found = config.iter().find_map(|s| {
        let held_back = browser::load::<i64>(&retry_key(&user.id, s.id)).is_some_and(|until| until > now);
        if held_back { None } else { trigger_fires(&s.rules, &ctx).map(|t| (s.clone(), t.label(), t.delay_ms())) }
    });
    let Some((survey, label, delay)) = found else { return };
    with(|a| a.busy = true);
    wasm_bindgen_futures::spawn_local(async move {
        browser::sleep(delay).await;
        let shown = decide(&survey, &user, label).await;
        if !shown {
            with(|a| a.busy = false);
        }
    });
}

fn retry_key(user_id: &str, survey_id: i64) -> String {
    format!("nps:retry:{}:{user_id}:{survey_id}", base().1)
}

pub fn device() -> &'static str {
    if browser::matches_media("(max-width: 640px)") { "mobile" } else { "desktop" }
}

/// The language to show: the identified user's, else the browser's.
fn language(user: &User) -> String {
    user.language.clone().or_else(|| browser::window().navigator().language()).unwrap_or_else(|| "en".to_owned())
}

/// The survey texts for `lang` and the language they are really in (it may be the default).
fn texts_for(survey: &Survey, lang: &str) -> Option<(String, SurveyTexts)> {
    let d = &survey.definition;
    let primary = crate::i18n::primary(lang);
    [lang, primary, d.default_language.as_str()]
        .into_iter()
        .find_map(|l| d.texts.get(l).map(|t| (l.to_owned(), t.clone())))
        .or_else(|| d.texts.iter().next().map(|(l, t)| (l.clone(), t.clone())))
}

/// Asks the collector; shows the survey when it says yes. Returns whether it is shown.
async fn decide(survey: &Survey, user: &User, trigger: String) -> bool {
    let lang = language(user);
    let request = DecideRequest {
        survey_id: survey.id,
        user_id: user.id.clone(),
        display_id: browser::uuid(),
        trigger: Some(trigger.clone()),
        url: browser::window().location().href().ok(),
        language: Some(lang.clone()),
        device: Some(device().to_owned()),
        email: user.email.clone(),
    };
    let body = serde_json::to_string(&request).unwrap_or_default();
    let key = base().1;
    let token = outbox::token(&key, &user.id);
    let decision = match browser::fetch("POST", &url("decide"), Some(&body), token.as_deref()).await {
        Reply::Status(200, text) => serde_json::from_str::<DecideResponse>(&text).ok(),
        _ => None,
    };
    let Some(decision) = decision else { return false };
    if !decision.eligible {
        // Hold back local re-asks for a while (cadence triggers fire on every page view), but
        // never for long: the collector stays the authority, and its history may change.
        if let Some(until) = decision.retry_after {
            browser::save(&retry_key(&user.id, survey.id), &until.min(browser::now_ms() + 3_600_000));
        }
        return false;
    }
    let Some((lang, texts)) = texts_for(survey, &lang) else { return false };
    ui::show(ui::Shown {
        survey_id: survey.id,
        user_id: user.id.clone(),
        display_id: decision.display_id.unwrap_or(request.display_id),
        response_id: browser::uuid(),
        trigger: Some(trigger),
        sampling_rate_bp: decision.sampling_rate_bp,
        lang,
        texts,
        appearance: survey.definition.appearance.clone(),
        preview: false,
        start_band: None,
        start_thanks: false,
    });
    emit("shown", serde_json::json!({ "surveyId": survey.id }));
    true
}

// --- writes of an answer (all through the outbox) ---

fn enqueue(path: String, user_id: &str, body: &impl serde::Serialize) {
    let key = base().1;
    let Ok(body) = serde_json::to_string(body) else { return };
    outbox::push(&key, path, user_id, body);
    flush(false);
}

pub fn send_score(s: &ui::Shown, score: NpsScore) {
    if s.preview {
        return;
    }
    let body = ResponseRequest {
        response_id: s.response_id.clone(),
        survey_id: s.survey_id,
        user_id: s.user_id.clone(),
        display_id: Some(s.display_id.clone()),
        score,
        language: Some(s.lang.clone()),
        device: Some(device().to_owned()),
        trigger: s.trigger.clone(),
        sampling_rate_bp: Some(s.sampling_rate_bp),
    };
    enqueue("responses".to_owned(), &s.user_id, &body);
    emit("answered", serde_json::json!({ "surveyId": s.survey_id, "score": score.value() }));
}

pub fn send_completion(s: &ui::Shown, comment: Option<String>, extra_answers: Attributes) {
    if s.preview {
        return;
    }
    let body = CompleteRequest { survey_id: s.survey_id, user_id: s.user_id.clone(), comment, extra_answers };
    enqueue(format!("responses/{}/complete", s.response_id), &s.user_id, &body);
}

pub fn send_feedback(s: &ui::Shown, kind: FeedbackKind) {
    if s.preview {
        return;
    }
    let body = FeedbackRequest { action_id: browser::uuid(), survey_id: Some(s.survey_id), user_id: s.user_id.clone(), kind };
    enqueue("feedback".to_owned(), &s.user_id, &body);
}

/// The card is gone: the next trigger may show a survey again.
pub fn closed(survey_id: i64, reason: &str) {
    with(|a| a.busy = false);
    emit("closed", serde_json::json!({ "surveyId": survey_id, "reason": reason }));
}
