//! Hosted survey pages for link campaigns (employee NPS, partner NPS): `/s/{token}`.
//!
//! Plain HTML forms that work with JavaScript off, mobile-first, accessible (a fieldset of
//! eleven labelled radio buttons). Each link is a signed single-use invitation; answering
//! spends it in the same transaction that stores the answer. In anonymous campaigns the answer
//! keeps only the campaign's group attributes and the day, and the ledger of spent links keeps
//! only a hash of the link's id: nothing joins the two.

use crate::auth::InviteClaims;
use crate::error::ApiResult;
use crate::ingest::now_ms;
use crate::state::State;
use crate::store::{LinkAnswer, RecipientRecord};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use nps_core::wire::{Anonymity, Attributes, Campaign, MAX_COMMENT_CHARS, Survey, SurveyStatus};
use nps_core::{ErrorCode, NpsScore};
use serde::Deserialize;
use sha2::{Digest, Sha256};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(show).service(answer);
}

pub fn token_hash(token_id: &str) -> String {
    hex::encode(Sha256::digest(token_id.as_bytes()))
}

pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
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

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1f2328}\
main{max-width:36rem;margin:0 auto;padding:1.5rem}h1{font-size:1.25rem;line-height:1.4}\
fieldset{border:0;padding:0;margin:1rem 0}legend{font-weight:600;margin-bottom:.5rem}\
.scale{display:grid;grid-template-columns:repeat(11,1fr);gap:.25rem}\
.scale label{display:flex;flex-direction:column;align-items:center;padding:.5rem 0;border:1px solid #c9ced6;border-radius:.375rem;background:#fff}\
.scale input{margin:0 0 .25rem}.ends{display:flex;justify-content:space-between;font-size:.85rem;color:#57606a}\
textarea{width:100%;min-height:6rem;box-sizing:border-box;font:inherit;padding:.5rem}\
button{font:inherit;padding:.6rem 1.2rem;border:0;border-radius:.375rem;background:#4f46e5;color:#fff}\
.error{color:#b42318;font-weight:600}";

fn error_page(status: StatusCode, message: &str) -> HttpResponse {
    page(status, "en", "Survey link", &format!("<h1>{}</h1>", escape(message)))
}

/// Why a link cannot be used, as a clear page.
fn link_error(code: ErrorCode) -> HttpResponse {
    match code {
        ErrorCode::IdentityExpired => error_page(StatusCode::GONE, "This survey link has expired."),
        _ => error_page(StatusCode::FORBIDDEN, "This survey link is not valid. Please use the link from your invitation."),
    }
}

struct Invitation {
    claims: InviteClaims,
    campaign: Campaign,
    survey: Survey,
    recipient: RecipientRecord,
}

/// Verifies the link and loads what it points to; `Err` is the page to show instead.
async fn invitation(state: &State, token: &str) -> ApiResult<Result<Invitation, HttpResponse>> {
    let claims = match state.keys.verify_invite(token) {
        Ok(claims) => claims,
        Err((code, _)) => return Ok(Err(link_error(code))),
    };
    let campaign = state.store.get_campaign(claims.cid).await?;
    let recipient = state.store.get_recipient(&claims.sub).await?;
    let (Some(campaign), Some(recipient)) = (campaign, recipient) else {
        return Ok(Err(link_error(ErrorCode::IdentityInvalid)));
    };
    if recipient.token_id != claims.jti || recipient.campaign_id != campaign.id {
        return Ok(Err(link_error(ErrorCode::IdentityInvalid)));
    }
    let Some(survey) = state.store.get_survey(campaign.survey_id).await? else {
        return Ok(Err(link_error(ErrorCode::IdentityInvalid)));
    };
    if !matches!(survey.status, SurveyStatus::Live | SurveyStatus::Paused) {
        return Ok(Err(error_page(StatusCode::GONE, "This survey is closed. Thank you for your interest.")));
    }
    if state.store.token_spent(&token_hash(&claims.jti)).await? {
        return Ok(Err(error_page(StatusCode::CONFLICT, "You have already answered this survey. Thank you!")));
    }
    Ok(Ok(Invitation { claims, campaign, survey, recipient }))
}

fn form(inv: &Invitation, token: &str, error: Option<&str>) -> HttpResponse {
    let language = inv.recipient.language.as_deref();
    let texts = inv.survey.definition.texts_for(language).cloned().unwrap_or_default();
    let lang = language.unwrap_or(&inv.survey.definition.default_language);
    let options: String = NpsScore::all()
        .map(|s| format!("<label><input type=\"radio\" name=\"score\" value=\"{s}\" required>{s}</label>"))
        .collect();
    let error = error.map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e))).unwrap_or_default();
    let anonymous = if inv.campaign.anonymity == Anonymity::Anonymous {
        "<p>Your answer is anonymous: it is stored without your name or e-mail address.</p>"
    } else {
        ""
    };
    let body = format!(
        "<h1 id=\"q\">{question}</h1>{anonymous}{error}<form method=\"post\" action=\"/s/{token}\">\
         <fieldset aria-describedby=\"ends\"><legend>{question}</legend><div class=\"scale\">{options}</div>\
         <div class=\"ends\" id=\"ends\"><span>0 = Not at all likely</span><span>10 = Extremely likely</span></div></fieldset>\
         <p><label for=\"comment\">{follow_up}</label><textarea id=\"comment\" name=\"comment\" maxlength=\"{MAX_COMMENT_CHARS}\"></textarea></p>\
         <button type=\"submit\">Send</button></form>",
        question = escape(&texts.question),
        follow_up = escape(&texts.follow_up.passive),
        token = escape(token),
    );
    page(StatusCode::OK, lang, &texts.question, &body)
}

#[get("/s/{token}")]
pub async fn show(state: State, token: web::Path<String>) -> ApiResult<HttpResponse> {
    Ok(match invitation(&state, &token).await? {
        Ok(inv) => form(&inv, &token, None),
        Err(page) => page,
    })
}

#[derive(Debug, Deserialize)]
pub struct AnswerForm {
    pub score: Option<String>,
    pub comment: Option<String>,
}

/// The attributes an answer keeps: only the campaign's group attributes when anonymous.
fn kept_attributes(campaign: &Campaign, recipient: &RecipientRecord) -> Attributes {
    match campaign.anonymity {
        Anonymity::Anonymous => recipient
            .attributes
            .iter()
            .filter(|(k, _)| campaign.group_attributes.contains(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        Anonymity::Confidential | Anonymity::Identified => recipient.attributes.clone(),
    }
}

#[post("/s/{token}")]
pub async fn answer(state: State, token: web::Path<String>, form_data: web::Form<AnswerForm>) -> ApiResult<HttpResponse> {
    let inv = match invitation(&state, &token).await? {
        Ok(inv) => inv,
        Err(page) => return Ok(page),
    };
    let score = form_data.score.as_deref().and_then(|s| s.trim().parse::<i64>().ok()).and_then(|s| NpsScore::new(s).ok());
    let Some(score) = score else {
        return Ok(form(&inv, &token, Some("Please choose a score from 0 to 10.")));
    };
    let comment = form_data.comment.as_deref().map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned);
    if comment.as_ref().is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS) {
        return Ok(form(&inv, &token, Some("Your comment is too long.")));
    }
    let now = now_ms();
    let anonymous = inv.campaign.anonymity == Anonymity::Anonymous;
    let answer = LinkAnswer {
        id: uuid::Uuid::new_v4().to_string(),
        project_id: inv.survey.project_id,
        survey_id: inv.survey.id,
        // Anonymous answers get a fresh random id: nothing in the row points to the person.
        user_id: if anonymous { uuid::Uuid::new_v4().to_string() } else { inv.recipient.id.clone() },
        score: i64::from(score.value()),
        comment,
        attributes: kept_attributes(&inv.campaign, &inv.recipient),
        language: inv.recipient.language.clone(),
        created_at: if anonymous { now - now.rem_euclid(86_400_000) } else { now },
    };
    if !state.store.submit_link_answer(&token_hash(&inv.claims.jti), &answer).await? {
        return Ok(error_page(StatusCode::CONFLICT, "You have already answered this survey. Thank you!"));
    }
    let texts = inv.survey.definition.texts_for(inv.recipient.language.as_deref()).cloned().unwrap_or_default();
    let thanks = match score.band() {
        nps_core::Band::Promoter => texts.thank_you.promoter,
        nps_core::Band::Passive => texts.thank_you.passive,
        nps_core::Band::Detractor => texts.thank_you.detractor,
    };
    Ok(page(StatusCode::OK, "en", "Thank you", &format!("<h1>{}</h1>", escape(&thanks))))
}
