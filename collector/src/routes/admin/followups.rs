//! The follow-up queue that closes the loop, and the metrics that show whether it does.

use crate::auth::AdminSession;
use crate::error::{ApiError, ApiResult};
use crate::extract::JsonBody;
use crate::ingest::now_ms;
use crate::state::State;
use actix_web::{HttpResponse, get, post, put, web};
use nps_core::followup::{FollowUpItem, FollowUpPolicy, FollowUpUpdate, LoopMetrics, loop_metrics};
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(set_policy).service(queue).service(update).service(metrics);
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ProjectParam {
    pub project_id: i64,
}

/// Follow-ups belong to customer and partner programmes: HR never sees people here.
fn require_followup_role(session: &AdminSession) -> ApiResult<()> {
    if session.role == nps_core::wire::AdminRole::Hr {
        return Err(ApiError::forbidden("employee NPS has no follow-ups: answers are not tied to people"));
    }
    Ok(())
}

#[utoipa::path(tag = "admin", params(("id" = i64, Path)), request_body = Object, responses((status = 200)))]
#[put("/api/admin/projects/{id}/followup-policy")]
pub async fn set_policy(state: State, session: AdminSession, id: web::Path<i64>, body: JsonBody<FollowUpPolicy>) -> ApiResult<HttpResponse> {
    session.require_configure()?;
    let policy = body.0;
    if policy.sla_hours == 0 || policy.sla_hours > 24 * 90 {
        return Err(ApiError::invalid("sla_hours must be between 1 and 2160"));
    }
    state.store.get_project(*id).await?.ok_or_else(|| ApiError::not_found("project"))?;
    state.store.set_followup_policy(*id, &policy).await?;
    Ok(HttpResponse::Ok().json(policy))
}

/// The queue, oldest due first; new answers in the policy's bands get their follow-up here.
#[utoipa::path(tag = "admin", params(ProjectParam), responses((status = 200, body = Vec<FollowUpItem>)))]
#[get("/api/admin/followups")]
pub async fn queue(state: State, session: AdminSession, params: web::Query<ProjectParam>) -> ApiResult<HttpResponse> {
    require_followup_role(&session)?;
    let now = now_ms();
    let policy = state.store.followup_policy(params.project_id).await?;
    state.store.sync_followups(params.project_id, &policy, now).await?;
    Ok(HttpResponse::Ok().json(state.store.list_followups(params.project_id, now).await?))
}

#[utoipa::path(tag = "admin", params(("response_id" = String, Path)), request_body = FollowUpUpdate, responses((status = 200, body = FollowUpItem)))]
#[post("/api/admin/followups/{response_id}")]
pub async fn update(state: State, session: AdminSession, id: web::Path<String>, body: JsonBody<FollowUpUpdate>) -> ApiResult<HttpResponse> {
    require_followup_role(&session)?;
    crate::validate::text("note", body.0.note.as_deref(), 5_000)?;
    crate::validate::text("outcome", body.0.outcome.as_deref(), 500)?;
    let item = state
        .store
        .update_followup(&id, &body.0, &session.email, now_ms())
        .await?
        .ok_or_else(|| ApiError::not_found("follow-up"))?;
    Ok(HttpResponse::Ok().json(item))
}

/// Loop-closure rate, time to first contact, overdue follow-ups and recovery rate.
#[utoipa::path(tag = "admin", params(ProjectParam), responses((status = 200, body = LoopMetrics)))]
#[get("/api/admin/reports/loop")]
pub async fn metrics(state: State, session: AdminSession, params: web::Query<ProjectParam>) -> ApiResult<HttpResponse> {
    require_followup_role(&session)?;
    let now = now_ms();
    let policy = state.store.followup_policy(params.project_id).await?;
    state.store.sync_followups(params.project_id, &policy, now).await?;
    let items = state.store.list_followups(params.project_id, now).await?;
    let facts: Vec<_> = items.iter().map(FollowUpItem::facts).collect();
    let answers = state.store.scored_answers(params.project_id).await?;
    Ok(HttpResponse::Ok().json(loop_metrics(&facts, &answers, now)))
}
