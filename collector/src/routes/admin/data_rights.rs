//! Data subject rights: erase and export one respondent of a project, and run the project's
//! retention now. Owners and admins only. The respondent is named in a POST body, never in
//! the URL, so identifiers do not end up in access logs or browser history.

use crate::auth::AdminSession;
use crate::data_rights::{Target, retention};
use crate::error::{ApiError, ApiResult};
use crate::extract::JsonBody;
use crate::ingest::now_ms;
use crate::state::State;
use actix_web::{HttpResponse, post, web};
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(erase).service(export).service(run_retention);
}

const MAX_USER_ID: usize = 256;
const MAX_EMAIL: usize = 320;

/// The respondent by the id the host app identifies the user with, or a campaign recipient id:
/// 1 to 256 characters, not only spaces.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ByUserId {
    #[schema(schema_with = nps_core::wire::limits::not_blank_id)]
    pub user_id: String,
}

/// The respondent by e-mail: campaign recipients with that address, and users whose identity
/// attribute `email` is that address (compared trimmed and lower-cased). At most 320
/// characters, something before the first `@` and something after it, spaces around ignored.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ByEmail {
    #[schema(schema_with = nps_core::wire::limits::lookup_email)]
    pub email: String,
}

/// Exactly one of `user_id` and `email`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum RespondentRequest {
    UserId(ByUserId),
    Email(ByEmail),
}

impl RespondentRequest {
    /// The schema's rules, checked (serde does not read the schema).
    fn target(&self) -> ApiResult<Target> {
        match self {
            RespondentRequest::UserId(ByUserId { user_id }) => {
                if user_id.trim().is_empty() || user_id.chars().count() > MAX_USER_ID {
                    return Err(ApiError::invalid(format!("user_id must be 1 to {MAX_USER_ID} characters, not only spaces")));
                }
                Ok(Target::UserId(user_id.clone()))
            }
            RespondentRequest::Email(ByEmail { email }) => {
                let trimmed = email.trim();
                let shaped = email.chars().count() <= MAX_EMAIL
                    && trimmed.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty());
                if !shaped {
                    return Err(ApiError::invalid(format!("email must be an address like name@example.com of at most {MAX_EMAIL} characters")));
                }
                Ok(Target::Email(trimmed.to_lowercase()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(body: serde_json::Value) -> Option<Target> {
        serde_json::from_value::<RespondentRequest>(body).ok().and_then(|r| r.target().ok())
    }

    #[test]
    fn exactly_one_of_user_id_and_email() {
        assert!(matches!(target(serde_json::json!({ "user_id": "u1" })), Some(Target::UserId(id)) if id == "u1"));
        assert!(matches!(target(serde_json::json!({ "email": " Ann@X.io " })), Some(Target::Email(e)) if e == "ann@x.io"));
        for bad in [
            serde_json::json!({}),
            serde_json::json!({ "user_id": "u1", "email": "a@b" }),
            serde_json::json!({ "user_id": "u1", "email": null }),
            serde_json::json!({ "user_id": " " }),
            serde_json::json!({ "email": " @b" }),
            serde_json::json!({ "email": "a@ " }),
            serde_json::json!({ "email": "ab" }),
        ] {
            assert!(target(bad.clone()).is_none(), "{bad}");
        }
        assert!(target(serde_json::json!({ "email": "a@@" })).is_some(), "the domain is what follows the first @");
    }
}

async fn checked(state: &State, session: &AdminSession, project_id: i64) -> ApiResult<nps_core::wire::Project> {
    session.require_configure()?;
    state.store.get_project(project_id).await?.ok_or_else(|| ApiError::not_found("project"))
}

/// Erases the respondent everywhere in the project: answers (taken off the rollups), displays,
/// decisions, declines, identity, account membership, follow-ups and their notes, campaign
/// recipient records and messages, the delivery log, dead letters, records still in the spool
/// and messages in the outbox. Answers with the count removed per kind.
#[utoipa::path(tag = "admin", params(("id" = i64, Path)), request_body = RespondentRequest, responses(
    (status = 200, body = Object, description = "`erased`: rows removed per kind; `note`: about anonymous campaigns"),
    (status = 401, body = nps_core::ApiErrorBody), (status = 403, body = nps_core::ApiErrorBody),
    (status = 404, body = nps_core::ApiErrorBody), (status = 413, body = nps_core::ApiErrorBody),
    (status = 415, body = nps_core::ApiErrorBody), (status = 422, body = nps_core::ApiErrorBody),
    (status = 503, body = nps_core::ApiErrorBody)))]
#[post("/api/admin/projects/{id}/respondents/erase")]
pub async fn erase(state: State, session: AdminSession, id: web::Path<i64>, body: JsonBody<RespondentRequest>) -> ApiResult<HttpResponse> {
    let target = body.0.target()?;
    let project = checked(&state, &session, *id).await?;
    let report = state.data_rights.erase(project.id, &target).await?;
    Ok(HttpResponse::Ok().json(report))
}

/// One JSON document of everything held about the respondent in the project: answers, displays,
/// decisions, declines, identity, account membership, follow-ups, campaign recipient records and
/// messages, the delivery log, records still in the spool and messages waiting in the outbox.
#[utoipa::path(tag = "admin", params(("id" = i64, Path)), request_body = RespondentRequest, responses(
    (status = 200, body = Object, description = "one section per kind of record"),
    (status = 401, body = nps_core::ApiErrorBody), (status = 403, body = nps_core::ApiErrorBody),
    (status = 404, body = nps_core::ApiErrorBody), (status = 413, body = nps_core::ApiErrorBody),
    (status = 415, body = nps_core::ApiErrorBody), (status = 422, body = nps_core::ApiErrorBody),
    (status = 503, body = nps_core::ApiErrorBody)))]
#[post("/api/admin/projects/{id}/respondents/export")]
pub async fn export(state: State, session: AdminSession, id: web::Path<i64>, body: JsonBody<RespondentRequest>) -> ApiResult<HttpResponse> {
    let target = body.0.target()?;
    let project = checked(&state, &session, *id).await?;
    let document = state.data_rights.export(project.id, &target).await?;
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(document))
}

/// Runs the project's retention now (it also runs hourly): deletes raw answers, displays and
/// decisions older than `retention_months`; rollups keep the trend. 409 when the project keeps
/// answers for ever.
#[utoipa::path(tag = "admin", params(("id" = i64, Path)), responses(
    (status = 200, body = crate::store::data_rights::RetentionCounts),
    (status = 401, body = nps_core::ApiErrorBody), (status = 403, body = nps_core::ApiErrorBody),
    (status = 404, body = nps_core::ApiErrorBody), (status = 409, body = nps_core::ApiErrorBody),
    (status = 503, body = nps_core::ApiErrorBody)))]
#[post("/api/admin/projects/{id}/retention/run")]
pub async fn run_retention(state: State, session: AdminSession, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let project = checked(&state, &session, *id).await?;
    let counts = retention::run_project(&state.store, project.id, project.retention_months, now_ms())
        .await?
        .ok_or_else(|| ApiError::client(nps_core::ErrorCode::Conflict, "the project keeps answers for ever (no retention_months)"))?;
    Ok(HttpResponse::Ok().json(counts))
}
