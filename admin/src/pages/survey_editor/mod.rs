//! The survey editor: texts per language, appearance, triggers, sampling, fatigue, schedule,
//! caps and cadence, with the same validation the collector runs (`core`'s `problems()`),
//! messages next to their fields, and a live preview in an iframe.

use crate::api;
use crate::components::{ErrorBox, FieldErrors};
use crate::pages::report::SurveyTabs;
use crate::{Link, Route, fmt, replace_url};
use leptos::prelude::*;
use nps_core::eligibility::{Trigger, UrlOp, UrlRule};
use nps_core::wire::{Placement, Survey, SurveyInput, SurveyKind, SurveyStatus, SurveyTexts, Theme};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

mod fields;
mod preview;
mod triggers;

use fields::*;
use preview::post_preview;
use triggers::*;

type Form = RwSignal<SurveyInput>;
type Errors = Signal<Vec<String>>;
type ParseErrors = RwSignal<BTreeMap<String, String>>;

fn new_input() -> SurveyInput {
    SurveyInput {
        name: String::new(),
        kind: SurveyKind::Tnps,
        status: SurveyStatus::Draft,
        definition: Default::default(),
        rules: Default::default(),
    }
}

/// Everything wrong with the survey before it is sent: the collector's own checks (shared
/// through `core`) plus the name.
pub fn client_problems(input: &SurveyInput) -> Vec<String> {
    let mut out = Vec::new();
    if input.name.trim().is_empty() {
        out.push("name must not be empty".to_owned());
    } else if input.name.chars().count() > 200 {
        out.push("name must be at most 200 characters".to_owned());
    }
    out.extend(input.definition.problems());
    let colour = &input.definition.appearance.brand_colour;
    let hex = colour.strip_prefix('#').is_some_and(|h| matches!(h.len(), 3 | 6) && h.chars().all(|c| c.is_ascii_hexdigit()));
    if !hex {
        out.push("definition.appearance.brand_colour must be a colour like #4f46e5".to_owned());
    }
    out.extend(input.rules.problems());
    out
}

#[component]
pub fn SurveyEditor(project_id: i64, survey_id: Option<i64>) -> impl IntoView {
    let form: Form = RwSignal::new(new_input());
    let current = RwSignal::new(survey_id);
    let project = RwSignal::new(project_id);
    let survey = RwSignal::new(None::<Survey>);
    let loaded = RwSignal::new(survey_id.is_none());
    let load_error = RwSignal::new(None::<String>);
    let lang = RwSignal::new("en".to_owned());
    let new_lang = RwSignal::new(String::new());
    let step = RwSignal::new("question".to_owned());
    let band = RwSignal::new("promoter".to_owned());
    let show_client = RwSignal::new(false);
    let server_errors = RwSignal::new(Vec::<String>::new());
    let parse_errors: ParseErrors = RwSignal::new(BTreeMap::new());
    let form_error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let errors: Errors = Signal::derive(move || {
        let mut all = if show_client.get() { form.with(client_problems) } else { Vec::new() };
        all.extend(parse_errors.get().into_values());
        for e in server_errors.get() {
            if !all.contains(&e) {
                all.push(e);
            }
        }
        all
    });

    if let Some(id) = survey_id {
        leptos::task::spawn_local(async move {
            match api::survey(id).await {
                Ok(s) => {
                    project.set(s.project_id);
                    lang.set(s.definition.default_language.clone());
                    form.set(SurveyInput {
                        name: s.name.clone(),
                        kind: s.kind,
                        status: s.status,
                        definition: s.definition.clone(),
                        rules: s.rules.clone(),
                    });
                    survey.set(Some(s));
                    loaded.set(true);
                }
                Err(e) => load_error.set(Some(e.message)),
            }
        });
    }

    let save = move |status: Option<SurveyStatus>| {
        form_error.set(None);
        saved.set(String::new());
        server_errors.set(Vec::new());
        let mut input = form.get_untracked();
        if let Some(s) = status {
            input.status = s;
        }
        let mut problems = client_problems(&input);
        problems.extend(parse_errors.get_untracked().into_values());
        if !problems.is_empty() {
            show_client.set(true);
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = match current.get_untracked() {
                Some(id) => api::update_survey(id, &input).await,
                None => api::create_survey(project.get_untracked(), &input).await,
            };
            match result {
                Ok(s) => {
                    if current.get_untracked().is_none() {
                        replace_url(Route::Survey(s.id));
                    }
                    current.set(Some(s.id));
                    form.update(|f| f.status = s.status);
                    saved.set(if s.status == SurveyStatus::Live { "Saved; the survey is live.".to_owned() } else { format!("Saved ({}).", s.status.as_str()) });
                    survey.set(Some(s));
                }
                Err(e) if e.status == 422 => {
                    server_errors.set(e.problems());
                    form_error.set(Some("The collector refused the survey; see the messages below.".to_owned()));
                }
                Err(e) => form_error.set(Some(e.message)),
            }
            busy.set(false);
        });
    };

    let frame = NodeRef::<leptos::html::Iframe>::new();
    let send_preview = move || {
        let input = form.get();
        let (l, s, b) = (lang.get(), step.get(), band.get());
        if let Some(frame) = frame.get_untracked() {
            post_preview(&frame, &input, &l, &s, &b);
        }
    };
    Effect::new(move |_| send_preview());

    let add_language = move |_| {
        let code = new_lang.get_untracked().trim().to_lowercase();
        if code.is_empty() || code.len() > 16 || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            parse_errors.update(|p| {
                p.insert("definition.texts".to_owned(), "definition.texts: a language code looks like `fr` or `pt-br`".to_owned());
            });
            return;
        }
        parse_errors.update(|p| {
            p.remove("definition.texts");
        });
        form.update(|f| {
            let template = f.definition.texts.get(&f.definition.default_language).cloned().unwrap_or_default();
            f.definition.texts.entry(code.clone()).or_insert(template);
        });
        lang.set(code);
        new_lang.set(String::new());
    };
    let remove_language = move |_| {
        let l = lang.get_untracked();
        form.update(|f| {
            if l != f.definition.default_language {
                f.definition.texts.remove(&l);
            }
        });
        lang.set(form.with_untracked(|f| f.definition.default_language.clone()));
    };
    let languages = Memo::new(move |_| form.with(|f| f.definition.texts.keys().cloned().collect::<Vec<_>>()));
    let trigger_count = Memo::new(move |_| form.with(|f| f.rules.triggers.len()));

    let header = move || match current.get() {
        Some(id) => view! { <SurveyTabs survey_id=id current=Route::Survey(id) survey=survey /> }.into_any(),
        None => view! {
            <p class="crumbs"><Link route=Route::Projects>"Projects"</Link> " / " <Link route=Route::Project(project_id)>"Project"</Link></p>
            <h1>"New survey"</h1>
        }
        .into_any(),
    };

    let texts_block = move || {
        let l = lang.get();
        view! {
            {texts_field(form, errors, l.clone(), "Question (0-10)", "question", |t| t.question.clone(), |t, v| t.question = v)}
            <fieldset>
                <legend>"Follow-up question per band"</legend>
                {texts_field(form, errors, l.clone(), "Detractors (0-6)", "follow_up.detractor", |t| t.follow_up.detractor.clone(), |t, v| t.follow_up.detractor = v)}
                {texts_field(form, errors, l.clone(), "Passives (7-8)", "follow_up.passive", |t| t.follow_up.passive.clone(), |t, v| t.follow_up.passive = v)}
                {texts_field(form, errors, l.clone(), "Promoters (9-10)", "follow_up.promoter", |t| t.follow_up.promoter.clone(), |t, v| t.follow_up.promoter = v)}
            </fieldset>
            <fieldset>
                <legend>"Thank-you message per band"</legend>
                {texts_field(form, errors, l.clone(), "Detractors", "thank_you.detractor", |t| t.thank_you.detractor.clone(), |t, v| t.thank_you.detractor = v)}
                {texts_field(form, errors, l.clone(), "Passives", "thank_you.passive", |t| t.thank_you.passive.clone(), |t, v| t.thank_you.passive = v)}
                {texts_field(form, errors, l.clone(), "Promoters", "thank_you.promoter", |t| t.thank_you.promoter.clone(), |t, v| t.thank_you.promoter = v)}
            </fieldset>
        }
    };

    let sampling_value = committed(move || form.with(|f| f.rules.sampling_rate_bp.map(|bp| format!("{}", bp as f64 / 100.0)).unwrap_or_default()));
    let set_sampling = move |ev: web_sys::Event| {
        let text = event_target_value(&ev);
        let key = "rules.sampling_rate_bp".to_owned();
        match text.trim() {
            "" => {
                parse_errors.update(|p| {
                    p.remove(&key);
                });
                form.update(|f| f.rules.sampling_rate_bp = None);
            }
            t => match t.parse::<f64>() {
                Ok(pct) if pct.is_finite() && pct >= 0.0 => {
                    parse_errors.update(|p| {
                        p.remove(&key);
                    });
                    form.update(|f| f.rules.sampling_rate_bp = Some((pct * 100.0).round().min(u32::MAX as f64) as u32));
                }
                _ => parse_errors.update(|p| {
                    p.insert(key.clone(), "rules.sampling_rate_bp: the sampling rate is a percentage from 0 to 100".to_owned());
                }),
            },
        }
    };
    let window_count = |f: &SurveyInput| f.rules.fatigue.max_surveys_per_window.map(|(c, _)| c);
    let window_days = |f: &SurveyInput| f.rules.fatigue.max_surveys_per_window.map(|(_, d)| d);

    view! {
        {header}
        {move || load_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        <Show when=move || loaded.get()>
        <div class="editor">
            <form class="editor-form" novalidate on:submit=move |ev: web_sys::SubmitEvent| { ev.prevent_default(); save(None); }>
                <section class="card">
                    <h2>"Survey"</h2>
                    {text_field(form, errors, "Name", "name", |f| f.name.clone(), |f, v| f.name = v)}
                    <div class="row">
                        <label class="field small">
                            <span>"Kind"</span>
                            <select name="kind" prop:value=committed(move || form.with(|f| f.kind.as_str().to_owned()))
                                on:change=move |ev| { if let Some(k) = SurveyKind::parse(&event_target_value(&ev)) { form.update(|f| f.kind = k) } }>
                                <option value="tnps">"tNPS (transactional)"</option>
                                <option value="rnps">"rNPS (relational)"</option>
                                <option value="enps">"eNPS (employees)"</option>
                                <option value="partner">"partner NPS"</option>
                            </select>
                        </label>
                        <label class="field small">
                            <span>"Status"</span>
                            <select name="status" prop:value=committed(move || form.with(|f| f.status.as_str().to_owned()))
                                on:change=move |ev| { if let Some(s) = SurveyStatus::parse(&event_target_value(&ev)) { form.update(|f| f.status = s) } }>
                                <option value="draft">"draft"</option>
                                <option value="live">"live"</option>
                                <option value="paused">"paused"</option>
                                <option value="closed">"closed"</option>
                            </select>
                        </label>
                    </div>
                </section>

                <section class="card">
                    <h2>"Texts"</h2>
                    <div class="row">
                        <label class="field small">
                            <span>"Default language"</span>
                            <select name="definition.default_language" prop:value=committed(move || form.with(|f| f.definition.default_language.clone()))
                                on:change=move |ev| { let v = event_target_value(&ev); form.update(|f| f.definition.default_language = v); }>
                                {move || languages.get().into_iter().map(|l| view! { <option value=l.clone()>{l.clone()}</option> }).collect_view()}
                            </select>
                        </label>
                        <div class="lang-tabs" role="group" aria-label="Language being edited">
                            {move || languages.get().into_iter().map(|l| {
                                let (code, pressed, click) = (l.clone(), l.clone(), l.clone());
                                view! {
                                    <button type="button" class="tab" class:current=move || lang.get() == code aria-pressed=move || (lang.get() == pressed).to_string()
                                        on:click=move |_| lang.set(click.clone())>{l}</button>
                                }
                            }).collect_view()}
                        </div>
                    </div>
                    <FieldErrors errors=errors path="definition.texts" />
                    <div class="row">
                        <label class="field small">
                            <span>"Add a language (code)"</span>
                            <input type="text" name="new_language" placeholder="fr" prop:value=move || new_lang.get() on:input=move |ev| new_lang.set(event_target_value(&ev)) />
                        </label>
                        <button type="button" class="secondary" on:click=add_language>"Add language"</button>
                        <Show when=move || form.with(|f| lang.get() != f.definition.default_language)>
                            <button type="button" class="link danger" on:click=remove_language>"Remove this language"</button>
                        </Show>
                    </div>
                    {texts_block}
                </section>

                <section class="card">
                    <h2>"Appearance"</h2>
                    <div class="row">
                        <label class="field small">
                            <span>"Placement"</span>
                            <select name="placement" prop:value=committed(move || form.with(|f| enum_str(&f.definition.appearance.placement)))
                                on:change=move |ev| { if let Some(p) = parse_enum::<Placement>(&event_target_value(&ev)) { form.update(|f| f.definition.appearance.placement = p) } }>
                                <option value="bottom_right">"bottom right"</option>
                                <option value="bottom_left">"bottom left"</option>
                                <option value="centre">"centre"</option>
                                <option value="bottom_sheet">"bottom sheet"</option>
                            </select>
                        </label>
                        <label class="field small">
                            <span>"Theme"</span>
                            <select name="theme" prop:value=committed(move || form.with(|f| enum_str(&f.definition.appearance.theme)))
                                on:change=move |ev| { if let Some(t) = parse_enum::<Theme>(&event_target_value(&ev)) { form.update(|f| f.definition.appearance.theme = t) } }>
                                <option value="auto">"auto (follows the user)"</option>
                                <option value="light">"light"</option>
                                <option value="dark">"dark"</option>
                            </select>
                        </label>
                        <label class="field small">
                            <span>"Brand colour"</span>
                            <input type="color" name="brand_colour_picker" prop:value=committed(move || form.with(|f| f.definition.appearance.brand_colour.clone()))
                                on:input=move |ev| { let v = event_target_value(&ev); form.update(|f| f.definition.appearance.brand_colour = v); } />
                        </label>
                        <label class="field small">
                            <span>"Brand colour (hex)"</span>
                            <input type="text" name="definition.appearance.brand_colour" prop:value=committed(move || form.with(|f| f.definition.appearance.brand_colour.clone()))
                                on:input=move |ev| { let v = event_target_value(&ev); form.update(|f| f.definition.appearance.brand_colour = v.trim().to_owned()); } />
                        </label>
                    </div>
                    <FieldErrors errors=errors path="definition.appearance" />
                </section>

                <section class="card">
                    <h2>"Triggers"</h2>
                    <p class="muted small">"When the survey may be shown; the first trigger that matches wins. No trigger = never shown by the widget."</p>
                    {move || (0..trigger_count.get()).map(|i| trigger_row(form, errors, parse_errors, i)).collect_view()}
                    <div class="row">
                        <button type="button" class="secondary" on:click=move |_| form.update(|f| f.rules.triggers.push(new_trigger("event")))>"Add event trigger"</button>
                        <button type="button" class="secondary" on:click=move |_| form.update(|f| f.rules.triggers.push(new_trigger("page_view")))>"Add page-view trigger"</button>
                    </div>
                </section>

                <section class="card">
                    <h2>"Who and how often"</h2>
                    <label class="field small">
                        <span>"Sampling rate (% of targeted users; empty = 100%)"</span>
                        <input type="number" min="0" max="100" step="0.01" name="rules.sampling_rate_bp" prop:value=sampling_value on:change=set_sampling />
                    </label>
                    <FieldErrors errors=errors path="rules.sampling_rate_bp" />
                    <fieldset>
                        <legend>"Fatigue (empty = the project's setting)"</legend>
                        <div class="grid-3">
                            {number_field(form, errors, parse_errors, "First survey after sign-up (days)", "rules.fatigue.first_survey_after_days", |f| f.rules.fatigue.first_survey_after_days, |f, v| f.rules.fatigue.first_survey_after_days = v)}
                            {number_field(form, errors, parse_errors, "After an answer (days)", "rules.fatigue.after_response_days", |f| f.rules.fatigue.after_response_days, |f, v| f.rules.fatigue.after_response_days = v)}
                            {number_field(form, errors, parse_errors, "After a decline (days)", "rules.fatigue.after_decline_days", |f| f.rules.fatigue.after_decline_days, |f, v| f.rules.fatigue.after_decline_days = v)}
                            {number_field(form, errors, parse_errors, "Back off after this many declines", "rules.fatigue.decline_backoff_after", |f| f.rules.fatigue.decline_backoff_after, |f, v| f.rules.fatigue.decline_backoff_after = v)}
                            {number_field(form, errors, parse_errors, "Back-off (days)", "rules.fatigue.decline_backoff_days", |f| f.rules.fatigue.decline_backoff_days, |f, v| f.rules.fatigue.decline_backoff_days = v)}
                            {number_field(form, errors, parse_errors, "After \"ask me later\" (days)", "rules.fatigue.after_snooze_days", |f| f.rules.fatigue.after_snooze_days, |f, v| f.rules.fatigue.after_snooze_days = v)}
                            {number_field(form, errors, parse_errors, "Global cooldown, any survey (days)", "rules.fatigue.global_cooldown_days", |f| f.rules.fatigue.global_cooldown_days, |f, v| f.rules.fatigue.global_cooldown_days = v)}
                            {number_field(form, errors, parse_errors, "At most this many surveys...", "rules.fatigue.max_surveys_per_window", window_count,
                                |f, v| f.rules.fatigue.max_surveys_per_window = v.map(|c| (c, f.rules.fatigue.max_surveys_per_window.map_or(30, |(_, d)| d))))}
                            {number_field(form, errors, parse_errors, "...within this many days", "rules.fatigue.max_surveys_per_window.days", window_days,
                                |f, v| f.rules.fatigue.max_surveys_per_window = v.map(|d| (f.rules.fatigue.max_surveys_per_window.map_or(1, |(c, _)| c), d)))}
                        </div>
                    </fieldset>
                    <fieldset>
                        <legend>"Schedule (UTC) and caps"</legend>
                        <div class="grid-3">
                            <label class="field small">
                                <span>"Starts on"</span>
                                <input type="date" name="rules.schedule.starts_at" prop:value=committed(move || form.with(|f| fmt::date(f.rules.schedule.starts_at)))
                                    on:change=move |ev| { let v = fmt::parse_date(&event_target_value(&ev)); form.update(|f| f.rules.schedule.starts_at = v); } />
                            </label>
                            <label class="field small">
                                <span>"Ends before"</span>
                                <input type="date" name="rules.schedule.ends_at" prop:value=committed(move || form.with(|f| fmt::date(f.rules.schedule.ends_at)))
                                    on:change=move |ev| { let v = fmt::parse_date(&event_target_value(&ev)); form.update(|f| f.rules.schedule.ends_at = v); } />
                            </label>
                            <div></div>
                            {number_field(form, errors, parse_errors, "Answers per day (cap)", "rules.response_caps.per_day", |f| f.rules.response_caps.per_day, |f, v| f.rules.response_caps.per_day = v)}
                            {number_field(form, errors, parse_errors, "Answers in total (cap)", "rules.response_caps.total", |f| f.rules.response_caps.total, |f, v| f.rules.response_caps.total = v)}
                            {number_field(form, errors, parse_errors, "Relational cadence (ask again every N days)", "rules.cadence_days", |f| f.rules.cadence_days, |f, v| f.rules.cadence_days = v)}
                        </div>
                        <FieldErrors errors=errors path="rules.schedule" />
                    </fieldset>
                </section>

                <div class="savebar card">
                    {move || {
                        let n = errors.with(Vec::len);
                        (n > 0).then(|| view! { <p class="error" role="alert" data-testid="problem-count">{format!("Fix the {n} problem(s) marked above before saving.")}</p> })
                    }}
                    <ErrorBox error=form_error.into() />
                    <p class="muted" role="status" data-testid="save-status">{move || saved.get()}</p>
                    <div class="actions">
                        <button type="submit" disabled=move || busy.get()>"Save"</button>
                        <button type="button" class="primary-alt" disabled=move || busy.get() on:click=move |_| save(Some(SurveyStatus::Live))>"Publish"</button>
                    </div>
                </div>
            </form>

            <aside class="preview card" aria-label="Live preview">
                <h2>"Preview"</h2>
                <div class="row">
                    <label class="field small">
                        <span>"Step"</span>
                        <select name="preview_step" prop:value=move || step.get() on:change=move |ev| step.set(event_target_value(&ev))>
                            <option value="question">"question"</option>
                            <option value="follow_up">"follow-up"</option>
                            <option value="thank_you">"thank you"</option>
                        </select>
                    </label>
                    <label class="field small">
                        <span>"As a"</span>
                        <select name="preview_band" prop:value=move || band.get() on:change=move |ev| band.set(event_target_value(&ev))>
                            <option value="promoter">"promoter"</option>
                            <option value="passive">"passive"</option>
                            <option value="detractor">"detractor"</option>
                        </select>
                    </label>
                </div>
                <iframe node_ref=frame src="/admin/preview.html" title="Survey preview" class="preview-frame"
                    on:load=move |_| send_preview()></iframe>
                <p class="muted small">"Unsaved changes are previewed as you type."</p>
            </aside>
        </div>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_validation_uses_the_collectors_messages() {
        let mut input = new_input();
        input.name = "Onboarding".into();
        assert!(client_problems(&input).is_empty(), "{:?}", client_problems(&input));
        input.rules.sampling_rate_bp = Some(15_000);
        input.rules.triggers.push(new_trigger("event"));
        let problems = client_problems(&input);
        assert!(problems.iter().any(|p| p.starts_with("rules.sampling_rate_bp must be at most 10000")), "{problems:?}");
        assert!(problems.iter().any(|p| p.starts_with("rules.triggers[0].name")), "{problems:?}");
    }

    #[test]
    fn enums_use_their_wire_names() {
        assert_eq!(enum_str(&Placement::BottomSheet), "bottom_sheet");
        assert_eq!(parse_enum::<UrlOp>("glob"), Some(UrlOp::Glob));
    }
}
