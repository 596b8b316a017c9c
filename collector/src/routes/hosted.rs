//! Hosted survey pages for link campaigns (employee NPS, partner NPS): `/s/{token}`.
//!
//! Plain HTML forms that work with JavaScript off, mobile-first, accessible (a fieldset of
//! eleven labelled radio buttons), in the recipient's language. Each link is a signed single-use
//! invitation for one wave of its campaign; answering spends it in the same transaction that
//! stores the answer. In anonymous campaigns the answer keeps only the campaign's group
//! attributes and the wave (its time is the wave's start, its id random), and the ledger of
//! spent links keeps only a hash of the link's id: nothing joins the two.

use crate::auth::InviteClaims;
use crate::campaign::i18n::{self, Strings};
use crate::campaign::wave_token_id;
use crate::error::ApiResult;
use crate::ingest::now_ms;
use crate::state::State;
use crate::store::{LinkAnswer, RecipientRecord};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use nps_core::wire::{Anonymity, Attributes, Campaign, CommentText, MAX_COMMENT_CHARS, Survey, SurveyStatus, SurveyTexts, TextError};
use nps_core::{ErrorCode, NpsScore};
use serde::Deserialize;
use crate::campaign::links::token_hash;
use crate::html::escape;

pub fn configure(cfg: &mut web::ServiceConfig) {
    // The answer form is the only `web::Form` the collector reads.
    cfg.app_data(form_config()).service(show).service(answer);
}

/// The largest answer form the page can send: a score and a comment of [`MAX_COMMENT_CHARS`]
/// characters, each percent-encoded as up to 12 bytes (a 4-byte UTF-8 character), with room to
/// spare. actix's default of 16 KiB refused a long comment in Chinese or Japanese (3 bytes a
/// character, 9 encoded), losing the answer.
pub const MAX_FORM_BYTES: usize = 64 * 1024;

/// Form bodies up to [`MAX_FORM_BYTES`]; one that cannot be read (too large, another content
/// type, garbled) gets the page's HTML error in the browser's language, not actix's plain text.
fn form_config() -> web::FormConfig {
    web::FormConfig::default().limit(MAX_FORM_BYTES).error_handler(|error, req| {
        use actix_web::error::UrlencodedError;
        let status = match &error {
            UrlencodedError::Overflow { .. } | UrlencodedError::UnknownLength => StatusCode::PAYLOAD_TOO_LARGE,
            UrlencodedError::ContentType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            _ => StatusCode::BAD_REQUEST,
        };
        tracing::debug!(%error, "unreadable answer form");
        let page = error_page(status, &browser_language(req), |s| s.unreadable);
        actix_web::error::InternalError::from_response(error, page).into()
    })
}

fn page(status: StatusCode, language: &str, title: &str, body: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"))
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .body(format!(
            "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title><style>{STYLE}</style>\
             </head><body><main>{body}</main></body></html>",
            lang = escape(language),
            title = escape(title)
        ))
}

/// Mobile first: on narrow screens the scale wraps to two rows of large touch targets. The
/// scale's legend repeats the heading for screen readers only (`.sr`).
const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1f2328}\
main{max-width:36rem;margin:0 auto;padding:1.5rem}h1{font-size:1.25rem;line-height:1.4}\
fieldset{border:0;padding:0;margin:1rem 0}legend{font-weight:600;margin-bottom:.5rem}\
.scale{display:grid;grid-template-columns:repeat(11,1fr);gap:.25rem}\
.scale label{display:flex;flex-direction:column;align-items:center;justify-content:center;min-height:2.75rem;\
border:1px solid #c9ced6;border-radius:.375rem;background:#fff;cursor:pointer}\
.scale label:focus-within{outline:3px solid #4f46e5;outline-offset:1px}\
.scale input{margin:0 0 .25rem}.ends{display:flex;justify-content:space-between;font-size:.85rem;color:#57606a}\
textarea{width:100%;min-height:6rem;box-sizing:border-box;font:inherit;padding:.5rem}\
button{font:inherit;min-height:2.75rem;padding:.6rem 1.2rem;border:0;border-radius:.375rem;background:#4f46e5;color:#fff}\
button:focus-visible,textarea:focus-visible{outline:3px solid #1f2328;outline-offset:2px}\
.error{color:#b42318;font-weight:600}\
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}\
@media (max-width:30rem){main{padding:1rem}.scale{grid-template-columns:repeat(6,1fr)}}";

/// The first language the browser asks for (for pages shown before the recipient is known).
fn browser_language(req: &HttpRequest) -> String {
    req.headers()
        .get("Accept-Language")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|l| l.split(';').next().unwrap_or("").trim().to_owned())
        .filter(|l| !l.is_empty() && l.len() <= 35)
        .unwrap_or_else(|| "en".to_owned())
}

fn error_page(status: StatusCode, lang: &str, message: impl Fn(&Strings) -> &'static str) -> HttpResponse {
    let s = i18n::strings(lang);
    page(status, i18n::primary(lang), s.link_title, &format!("<h1>{}</h1>", escape(message(s))))
}

/// Why a link cannot be used, as a clear page.
fn link_error(code: ErrorCode, lang: &str) -> HttpResponse {
    match code {
        ErrorCode::IdentityExpired => error_page(StatusCode::GONE, lang, |s| s.expired),
        _ => error_page(StatusCode::FORBIDDEN, lang, |s| s.invalid),
    }
}

struct Invitation {
    claims: InviteClaims,
    wave: u32,
    campaign: Campaign,
    survey: Survey,
    recipient: RecipientRecord,
}

impl Invitation {
    /// (language of the words around the texts, language of the texts, the texts).
    fn languages(&self) -> (String, String, SurveyTexts) {
        let recipient = self.recipient.language.as_deref();
        let texts_lang = i18n::texts_language(&self.survey.definition, recipient);
        let texts = self.survey.definition.texts_for(Some(&texts_lang)).cloned().unwrap_or_default();
        (i18n::chrome_language(&self.survey.definition, recipient), texts_lang, texts)
    }
}

/// Verifies the link and loads what it points to; `Err` is the page to show instead.
async fn invitation(state: &State, req: &HttpRequest, token: &str) -> ApiResult<Result<Invitation, HttpResponse>> {
    let claims = match state.keys.verify_invite(token) {
        Ok(claims) => claims,
        Err((code, _)) => return Ok(Err(link_error(code, &browser_language(req)))),
    };
    let invalid = || Ok(Err(link_error(ErrorCode::IdentityInvalid, &browser_language(req))));
    let campaign = state.store.get_campaign(claims.cid).await?;
    let recipient = state.store.get_recipient(&claims.sub).await?;
    let (Some(campaign), Some(recipient)) = (campaign, recipient) else {
        return invalid();
    };
    let wave = claims.wave.unwrap_or(1);
    if claims.jti != wave_token_id(&recipient.token_id, wave) || recipient.campaign_id != campaign.id {
        return invalid();
    }
    if wave > 1 && state.store.get_wave(campaign.id, wave).await?.is_none() {
        return invalid();
    }
    let Some(survey) = state.store.get_survey(campaign.survey_id).await? else {
        return invalid();
    };
    let lang = i18n::chrome_language(&survey.definition, recipient.language.as_deref());
    if !matches!(survey.status, SurveyStatus::Live | SurveyStatus::Paused) {
        return Ok(Err(error_page(StatusCode::GONE, &lang, |s| s.closed)));
    }
    if state.store.token_spent(&token_hash(&claims.jti)).await? {
        return Ok(Err(error_page(StatusCode::CONFLICT, &lang, |s| s.already_answered)));
    }
    Ok(Ok(Invitation { claims, wave, campaign, survey, recipient }))
}

/// ` lang="xx"` on survey texts when they are not in the page's language.
fn lang_attr(texts_lang: &str, page_lang: &str) -> String {
    if texts_lang == page_lang { String::new() } else { format!(" lang=\"{}\"", escape(texts_lang)) }
}

fn form(inv: &Invitation, token: &str, error: Option<&str>) -> HttpResponse {
    let (lang, texts_lang, texts) = inv.languages();
    let s = i18n::strings(&lang);
    let tl = lang_attr(&texts_lang, &lang);
    let options: String = NpsScore::all()
        .map(|v| format!("<label><input type=\"radio\" name=\"score\" value=\"{v}\" required>{v}</label>"))
        .collect();
    let error = error.map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e))).unwrap_or_default();
    let anonymous =
        if inv.campaign.anonymity == Anonymity::Anonymous { format!("<p>{}</p>", escape(s.anonymous_page)) } else { String::new() };
    let body = format!(
        "<h1 id=\"q\"{tl}>{question}</h1>{anonymous}{error}<form method=\"post\" action=\"/s/{token}\">\
         <fieldset aria-describedby=\"ends\"><legend class=\"sr\"{tl}>{question}</legend><div class=\"scale\">{options}</div>\
         <div class=\"ends\" id=\"ends\"><span>0 = {not_likely}</span><span>10 = {very_likely}</span></div></fieldset>\
         <p><label for=\"comment\"{tl}>{follow_up}</label><textarea id=\"comment\" name=\"comment\" maxlength=\"{MAX_COMMENT_CHARS}\"></textarea></p>\
         <button type=\"submit\">{send}</button></form>",
        question = escape(&texts.question),
        follow_up = escape(&texts.follow_up.passive),
        not_likely = escape(s.not_likely),
        very_likely = escape(s.very_likely),
        send = escape(s.send),
        token = escape(token),
    );
    page(StatusCode::OK, &lang, &texts.question, &body)
}

/// The form again with `error`, answered 422: what was sent cannot be stored.
fn form_refused(inv: &Invitation, token: &str, error: &str) -> HttpResponse {
    let mut response = form(inv, token, Some(error));
    *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    response
}

#[get("/s/{token}")]
pub async fn show(state: State, req: HttpRequest, token: web::Path<String>) -> ApiResult<HttpResponse> {
    Ok(match invitation(&state, &req, &token).await? {
        Ok(inv) => form(&inv, &token, None),
        Err(page) => page,
    })
}

#[derive(Debug, Deserialize)]
pub struct AnswerForm {
    pub score: Option<String>,
    pub comment: Option<String>,
}

/// The attributes an answer keeps: only the campaign's group attributes when anonymous, and
/// always the wave (a fact every answer of the wave shares).
fn kept_attributes(campaign: &Campaign, recipient: &RecipientRecord, wave: u32) -> Attributes {
    let mut kept: Attributes = match campaign.anonymity {
        Anonymity::Anonymous => recipient
            .attributes
            .iter()
            .filter(|(k, _)| campaign.group_attributes.contains(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        Anonymity::Confidential | Anonymity::Identified => recipient.attributes.clone(),
    };
    kept.insert("wave".to_owned(), wave.into());
    kept
}

#[post("/s/{token}")]
pub async fn answer(state: State, req: HttpRequest, token: web::Path<String>, form_data: web::Form<AnswerForm>) -> ApiResult<HttpResponse> {
    let inv = match invitation(&state, &req, &token).await? {
        Ok(inv) => inv,
        Err(page) => return Ok(page),
    };
    let (lang, texts_lang, texts) = inv.languages();
    let s = i18n::strings(&lang);
    let score = form_data.score.as_deref().and_then(|v| v.trim().parse::<i64>().ok()).and_then(|v| NpsScore::new(v).ok());
    let Some(score) = score else {
        return Ok(form(&inv, &token, Some(s.choose_score)));
    };
    let comment = form_data.comment.as_deref().map(str::trim).filter(|c| !c.is_empty());
    // The widget's rule for comments (no NUL, which PostgreSQL cannot store; line breaks kept).
    let comment = match comment.map(CommentText::parse).transpose() {
        Ok(comment) => comment.map(CommentText::into_inner),
        Err(TextError::TooLong { .. }) => return Ok(form(&inv, &token, Some(s.too_long))),
        Err(_) => return Ok(form_refused(&inv, &token, s.unreadable)),
    };
    let now = now_ms();
    let anonymous = inv.campaign.anonymity == Anonymity::Anonymous;
    // An anonymous answer's only time is its wave's start, which every answer of the wave shares.
    let wave_start = match state.store.get_wave(inv.campaign.id, inv.wave).await? {
        Some(wave) => wave.started_at,
        None => crate::campaign::Wave::first(&inv.campaign).started_at,
    };
    let answer = LinkAnswer {
        id: uuid::Uuid::new_v4().to_string(),
        project_id: inv.survey.project_id,
        survey_id: inv.survey.id,
        // Anonymous answers get a fresh random id: nothing in the row points to the person.
        user_id: if anonymous { uuid::Uuid::new_v4().to_string() } else { inv.recipient.id.clone() },
        score: i64::from(score.value()),
        comment,
        attributes: kept_attributes(&inv.campaign, &inv.recipient, inv.wave),
        // The language would split a group into smaller ones: anonymous answers keep none.
        language: if anonymous { None } else { inv.recipient.language.clone() },
        created_at: if anonymous { wave_start } else { now },
    };
    if !state.store.submit_link_answer(&token_hash(&inv.claims.jti), &answer).await? {
        return Ok(error_page(StatusCode::CONFLICT, &lang, |s| s.already_answered));
    }
    // The answer is stored; a failure to queue its webhooks is logged, not shown to the person.
    // Answers of anonymous and confidential campaigns never leave as per-person events.
    if inv.campaign.anonymity == Anonymity::Identified
        && let Err(e) = state.events.publish_stored(answer.project_id, std::slice::from_ref(&answer.id)).await
    {
        tracing::error!(error = %e, "could not enqueue the events of a hosted answer");
    }
    let thanks = match score.band() {
        nps_core::Band::Promoter => texts.thank_you.promoter,
        nps_core::Band::Passive => texts.thank_you.passive,
        nps_core::Band::Detractor => texts.thank_you.detractor,
    };
    let body = format!("<h1 id=\"thanks\" tabindex=\"-1\"{}>{}</h1>", lang_attr(&texts_lang, &lang), escape(&thanks));
    Ok(page(StatusCode::OK, &lang, s.thank_you_title, &body))
}
