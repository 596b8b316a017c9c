//! Reading a project's follow-up policy (bands, SLA, owner assignment), so the admin app can
//! show what `PUT /api/admin/projects/{id}/followup-policy` would replace.

use crate::auth::AdminSession;
use crate::error::{ApiError, ApiResult};
use crate::state::State;
use actix_web::{HttpResponse, get, web};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(get_policy);
}

/// The policy in force (the default, detractors within 48 hours, until one is set).
#[utoipa::path(tag = "admin", params(("id" = i64, Path)), responses((status = 200, body = nps_core::followup::FollowUpPolicy), (status = 403, body = nps_core::ApiErrorBody)))]
#[get("/api/admin/projects/{id}/followup-policy")]
pub async fn get_policy(state: State, session: AdminSession, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    session.require_configure()?;
    state.store.get_project(*id).await?.ok_or_else(|| ApiError::not_found("project"))?;
    Ok(HttpResponse::Ok().json(state.store.followup_policy(*id).await?))
}
