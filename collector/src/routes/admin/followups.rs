//! The follow-up queue that closes the loop, and the metrics that show whether it does.
//! Partner-NPS follow-ups go to the partner's owning manager, who sees only those.

use crate::auth::AdminSession;
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, Query};
use crate::ingest::now_ms;
use crate::state::State;
use actix_web::{HttpResponse, get, post, put, web};
use crate::store::{PartnerKey, ResponseQuery};
use nps_core::followup::{FollowUpItem, FollowUpPolicy, FollowUpUpdate, LoopMetrics, ScoredAnswer, loop_metrics};
use nps_core::wire::{AdminRole, SurveyKind};
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
    if !session.role.works_followups() {
        return Err(ApiError::forbidden(
            "employee NPS has no follow-ups: answers are not tied to people",
        ));
    }
    Ok(())
}

/// Partner managers work the follow-ups of the partners they own and no others (`None`: every
/// follow-up of the project).
async fn partner_scope(state: &State, session: &AdminSession) -> ApiResult<Option<Vec<PartnerKey>>> {
    Ok(match session.role {
        AdminRole::PartnerManager => Some(state.store.partners_owned_by(&session.email).await?),
        _ => None,
    })
}

/// Whether a follow-up of `project_id` naming `partner` is in the scope: a partner id counts
/// only together with its project (another project's `p1` is another organisation).
fn in_scope(project_id: i64, partner: Option<&String>, scope: Option<&[PartnerKey]>) -> bool {
    scope.is_none_or(|owned| partner.is_some_and(|p| owned.iter().any(|(project, id)| *project == project_id && id == p)))
}

/// The project's follow-ups the session may see, after creating the ones now due.
async fn visible_followups(state: &State, session: &AdminSession, project_id: i64, now: i64) -> ApiResult<Vec<FollowUpItem>> {
    let policy = state.store.followup_policy(project_id).await?;
    state.store.sync_followups(project_id, &policy, now).await?;
    let scope = partner_scope(state, session).await?;
    let items = state.store.list_followups(project_id, now).await?;
    Ok(items.into_iter().filter(|i| in_scope(project_id, i.partner.as_ref(), scope.as_deref())).collect())
}

/// Scored answers for recovery: a partner manager's are those of their partners only.
async fn recovery_answers(state: &State, session: &AdminSession, project_id: i64) -> ApiResult<Vec<ScoredAnswer>> {
    let Some(owned) = partner_scope(state, session).await? else {
        return Ok(state.store.scored_answers(project_id).await?);
    };
    let surveys = state.store.list_surveys(Some(project_id)).await?;
    let survey_ids: Vec<i64> = surveys.iter().filter(|s| s.kind == SurveyKind::Partner).map(|s| s.id).collect();
    if survey_ids.is_empty() {
        return Ok(Vec::new());
    }
    let query = ResponseQuery { survey_ids, partners: Some(owned), limit: 1_000_000, ..Default::default() };
    let rows = state.store.list_responses(&query).await?;
    Ok(rows.into_iter().filter_map(|r| Some(ScoredAnswer { user_id: r.user_id, at: r.created_at, band: r.band? })).collect())
}

#[utoipa::path(tag = "admin", params(("id" = i64, Path)), request_body = FollowUpPolicy, responses((status = 200, body = FollowUpPolicy)))]
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
pub async fn queue(state: State, session: AdminSession, params: Query<ProjectParam>) -> ApiResult<HttpResponse> {
    require_followup_role(&session)?;
    Ok(HttpResponse::Ok().json(visible_followups(&state, &session, params.project_id, now_ms()).await?))
}

#[utoipa::path(tag = "admin", params(("response_id" = String, Path)), request_body = FollowUpUpdate, responses((status = 200, body = FollowUpItem)))]
#[post("/api/admin/followups/{response_id}")]
pub async fn update(state: State, session: AdminSession, id: web::Path<String>, body: JsonBody<FollowUpUpdate>) -> ApiResult<HttpResponse> {
    require_followup_role(&session)?;
    if let Some(owned) = partner_scope(&state, &session).await? {
        // Someone else's follow-up is as good as missing to a partner manager.
        let found = state.store.followup_partner(&id).await?;
        if !found.is_some_and(|(project_id, partner)| in_scope(project_id, partner.as_ref(), Some(&owned))) {
            return Err(ApiError::not_found("follow-up"));
        }
    }
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
pub async fn metrics(state: State, session: AdminSession, params: Query<ProjectParam>) -> ApiResult<HttpResponse> {
    require_followup_role(&session)?;
    let now = now_ms();
    let items = visible_followups(&state, &session, params.project_id, now).await?;
    let facts: Vec<_> = items.iter().map(FollowUpItem::facts).collect();
    let answers = recovery_answers(&state, &session, params.project_id).await?;
    Ok(HttpResponse::Ok().json(loop_metrics(&facts, &answers, now)))
}
