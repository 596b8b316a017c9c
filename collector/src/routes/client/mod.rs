//! The client API the widget calls: `/v1/p/{project_key}/...`.
//!
//! Every write is validated against the cached project configuration, made durable (spool
//! fsync) and only then acknowledged with 202. CORS and rate limits are applied before these
//! handlers run (see `guard.rs`).

use crate::auth::{IdentityClaims, WidgetClaims, verify_identity_token};
use crate::cache::CachedProject;
use crate::error::{ApiError, ApiResult};
use crate::extract::JsonBody;
use crate::ingest::{DecisionLog, IngestRecord, now_ms};
use crate::state::State;
use crate::store::{DecisionFacts, DisplayClaim};
use nps_core::eligibility::{Decision, DecisionInput, Subject};
use nps_core::wire::{DecideRequest, DecideResponse};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use nps_core::ErrorCode;
use nps_core::wire::{
    AccountMembership, Accepted, ClientAttributes, ClientId, CompleteRequest, DisplayRequest, FeedbackRequest, IdentifyRequest, IdentifyResponse,
    ProjectConfig, PublicSurvey, ResponseRequest, Survey, SurveyStatus,
};
use std::sync::Arc;

mod decision;
mod identity;
mod project_config;
mod writes;

pub use decision::*;
pub use identity::*;
pub use project_config::*;
pub use writes::*;

/// One scope for the whole client API: the router matches the `{key}` prefix once per request
/// and the rest as plain strings (matching every full pattern with a regex cost ~15% of the
/// CPU of an ingest request).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/v1/p/{key}")
            .service(config)
            .service(identify)
            .service(decide)
            .service(display)
            .service(response)
            .service(complete)
            .service(feedback),
    );
}

async fn project(state: &State, key: &str) -> ApiResult<Arc<CachedProject>> {
    state
        .projects
        .get(key)
        .await?
        .ok_or_else(|| ApiError::client(ErrorCode::UnknownProject, "no project has this key"))
}

/// The single place where a client request resolves its survey: it must belong to this
/// project and be answered in the app. Employee and partner NPS are answered only through
/// personal links; the public key of the widget must not write into them (issue #11).
fn in_app_survey(project: &CachedProject, survey_id: i64) -> ApiResult<&Survey> {
    let survey = project
        .surveys
        .get(&survey_id)
        .ok_or_else(|| ApiError::client(ErrorCode::UnknownSurvey, format!("survey_id {survey_id} is not a survey of this project")))?;
    if !survey.kind.is_in_app() {
        return Err(ApiError::client(
            ErrorCode::SurveyNotInApp,
            format!("survey_id {survey_id} is a {} survey, answered only through personal links, not through the in-app widget", survey.kind.as_str()),
        ));
    }
    Ok(survey)
}

/// The in-app survey, if it still takes answers.
fn answerable_survey(project: &CachedProject, survey_id: i64) -> ApiResult<&Survey> {
    let survey = in_app_survey(project, survey_id)?;
    match survey.status {
        SurveyStatus::Live | SurveyStatus::Paused => Ok(survey),
        status => Err(ApiError::client(
            ErrorCode::SurveyClosed,
            format!("survey {survey_id} is {} and takes no answers", status.as_str()),
        )),
    }
}

/// In enforce mode, the write must carry the widget session issued by a verified identify for
/// this very user; otherwise anyone could answer as anyone.
fn authorize_user(state: &State, project: &CachedProject, req: &HttpRequest, user_id: &str) -> ApiResult<()> {
    if !project.project.identity_enforced {
        return Ok(());
    }
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| {
            ApiError::client(
                ErrorCode::IdentityRequired,
                "this project verifies identities: identify with an identity_token and send the session_token as Authorization: Bearer",
            )
        })?;
    let claims: WidgetClaims = state.keys.verify_widget(token).map_err(|(code, msg)| ApiError::client(code, msg))?;
    if claims.pid != project.project.id || claims.sub != user_id {
        return Err(ApiError::client(ErrorCode::IdentityInvalid, "the session token was issued for another user"));
    }
    current_session(project, &claims)
}

/// A session counts in enforce mode only if an identity token signed with the project's
/// current secret vouched for it. Both refusals are codes the widget keeps its queued writes
/// for (`identity_required`, `identity_expired`) until the page identifies again.
fn current_session(project: &CachedProject, claims: &WidgetClaims) -> ApiResult<()> {
    if !claims.ver {
        return Err(ApiError::client(
            ErrorCode::IdentityRequired,
            "the session token was issued without an identity_token (before this project verified identities): identify again with an identity_token",
        ));
    }
    let secret = project.project.identity_secret.as_deref().unwrap_or_default();
    if claims.sfp.as_deref() != Some(crate::tokens::secret_fingerprint(secret).as_str()) {
        return Err(ApiError::client(
            ErrorCode::IdentityExpired,
            "the session token was verified with an identity secret that has since been rotated: identify again with a token signed with the new secret",
        ));
    }
    Ok(())
}

fn accepted(id: impl Into<String>) -> HttpResponse {
    HttpResponse::Accepted().json(Accepted { id: id.into(), durable: true })
}
