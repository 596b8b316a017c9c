//! The action log: what changed because of NPS. Owners, admins and analysts record, read,
//! change and delete actions; the list takes the same time range (and granularity) as the NPS
//! report, so a trend can show its actions alongside, and `reports/actions` answers "has an
//! NPS insight changed anything in the last N days?".

use super::business::require_account_reader;
use crate::auth::AdminSession;
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, Query};
use crate::ingest::now_ms;
use crate::state::State;
use actix_web::{HttpResponse, delete, get, post, put, web};
use nps_core::actions::{Action, ActionInput, RecentActions};
use nps_core::wire::{ClientId, Granularity};
use serde::{Deserialize, Serialize};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create).service(list).service(get_one).service(update).service(remove).service(recent);
}

/// Field checks, then the links: the survey must be one of the project's that this role may
/// read, and every response id an answer to one of those surveys.
async fn validate(state: &State, session: &AdminSession, input: &ActionInput) -> ApiResult<()> {
    let problems = input.problems();
    if !problems.is_empty() {
        return Err(ApiError::invalid(problems.join("; ")));
    }
    state.store.get_project(input.project_id).await?.ok_or_else(|| ApiError::not_found("project"))?;
    let surveys = state.store.list_surveys(Some(input.project_id)).await?;
    if let Some(survey_id) = input.survey_id {
        let survey = surveys.iter().find(|s| s.id == survey_id).ok_or_else(|| {
            ApiError::client(nps_core::ErrorCode::NotFound, format!("survey_id {survey_id} is not a survey of project {}", input.project_id))
        })?;
        if !session.can_read(survey.kind) {
            return Err(ApiError::forbidden(format!("the {} role cannot read survey {survey_id}", session.role.as_str())));
        }
    }
    let readable: Vec<i64> = surveys.iter().filter(|s| session.can_read(s.kind)).map(|s| s.id).collect();
    let unknown = state.store.unknown_responses(&readable, &input.response_ids).await?;
    if !unknown.is_empty() {
        // Ids that name nothing are a 404, as for every id in a body (contract.rs, BodyErrors).
        return Err(ApiError::client(nps_core::ErrorCode::NotFound, format!("response_ids: not answers of this project: {}", unknown.iter().map(ClientId::as_str).collect::<Vec<_>>().join(", "))));
    }
    Ok(())
}

/// The project's surveys this session may not read (none for owners and admins).
async fn unreadable_surveys(state: &State, session: &AdminSession, project_id: i64) -> ApiResult<Vec<i64>> {
    let surveys = state.store.list_surveys(Some(project_id)).await?;
    Ok(surveys.iter().filter(|s| !session.can_read(s.kind)).map(|s| s.id).collect())
}

/// Leaves out the actions that name a survey, or cite answers of a survey, the session may
/// not read: an action's title and decision speak about those answers, so the whole entry is
/// hidden rather than just its citation (issue #11: analysts read actions about eNPS answers).
async fn readable_actions(state: &State, session: &AdminSession, project_id: i64, actions: Vec<Action>) -> ApiResult<Vec<Action>> {
    let unreadable = unreadable_surveys(state, session, project_id).await?;
    if unreadable.is_empty() {
        return Ok(actions);
    }
    let cited: std::collections::BTreeSet<&ClientId> = actions.iter().flat_map(|a| &a.input.response_ids).collect();
    let cited: Vec<ClientId> = cited.into_iter().cloned().collect();
    // `unknown_responses` gives the ids that are NOT answers of the unreadable surveys.
    let elsewhere: std::collections::BTreeSet<ClientId> = state.store.unknown_responses(&unreadable, &cited).await?.into_iter().collect();
    Ok(actions
        .into_iter()
        .filter(|a| {
            !a.input.survey_id.is_some_and(|s| unreadable.contains(&s)) && a.input.response_ids.iter().all(|id| elsewhere.contains(id))
        })
        .collect())
}

/// The action, if it exists and the session may read it; an unreadable one is as good as
/// missing.
async fn existing(state: &State, session: &AdminSession, id: i64) -> ApiResult<Action> {
    let action = state.store.get_action(id).await?.ok_or_else(|| ApiError::not_found(format!("action {id}")))?;
    let project_id = action.input.project_id;
    readable_actions(state, session, project_id, vec![action])
        .await?
        .pop()
        .ok_or_else(|| ApiError::not_found(format!("action {id}")))
}

#[utoipa::path(tag = "admin", request_body = ActionInput, responses((status = 201, body = Action), (status = 403, body = nps_core::ApiErrorBody), (status = 422, body = nps_core::ApiErrorBody)))]
#[post("/api/admin/actions")]
pub async fn create(state: State, session: AdminSession, body: JsonBody<ActionInput>) -> ApiResult<HttpResponse> {
    require_account_reader(&session)?;
    let input = body.0.tidied();
    validate(&state, &session, &input).await?;
    let action = state.store.create_action(&input, &session.email, now_ms()).await?;
    tracing::info!(action_id = action.id, project_id = input.project_id, "action recorded");
    Ok(HttpResponse::Created().json(action))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListParams {
    pub project_id: i64,
    /// Decided at or after (unix ms).
    pub from: Option<i64>,
    /// Decided before (unix ms).
    pub to: Option<i64>,
    /// `day`, `week` or `month`: each action then names the report period it falls in
    /// (`period_start`, as in `reports/nps`).
    #[param(pattern = r"^(day|week|month)$")]
    pub granularity: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ListedAction {
    #[serde(flatten)]
    pub action: Action,
    /// First day of the trend period the action falls in, when a granularity was asked for.
    pub period_start: Option<String>,
}

/// The project's actions decided in `[from, to)`, oldest first.
#[utoipa::path(tag = "admin", params(ListParams), responses((status = 200, body = Vec<ListedAction>)))]
#[get("/api/admin/actions")]
pub async fn list(state: State, session: AdminSession, params: Query<ListParams>) -> ApiResult<HttpResponse> {
    require_account_reader(&session)?;
    let granularity = match params.granularity.as_deref() {
        None => None,
        Some("day") => Some(Granularity::Day),
        Some("week") => Some(Granularity::Week),
        Some("month") => Some(Granularity::Month),
        Some(other) => return Err(ApiError::invalid(format!("granularity must be day, week or month (got `{other}`)"))),
    };
    // `from` at or after `to` is an empty window and answers nothing (no error): OpenAPI
    // cannot declare a rule across two parameters, so the contract could not say it.
    let actions = state.store.list_actions(params.project_id, params.from, params.to).await?;
    let actions = readable_actions(&state, &session, params.project_id, actions).await?;
    let listed: Vec<ListedAction> = actions
        .into_iter()
        .map(|action| {
            let day = action.input.decided_at.div_euclid(86_400_000);
            let period_start = granularity.and_then(|g| super::reports::period_start(day, g)).map(|d| d.format("%Y-%m-%d").to_string());
            ListedAction { action, period_start }
        })
        .collect();
    Ok(HttpResponse::Ok().json(listed))
}

#[utoipa::path(tag = "admin", params(("id" = i64, Path)), responses((status = 200, body = Action), (status = 404, body = nps_core::ApiErrorBody)))]
#[get("/api/admin/actions/{id}")]
pub async fn get_one(state: State, session: AdminSession, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    require_account_reader(&session)?;
    Ok(HttpResponse::Ok().json(existing(&state, &session, *id).await?))
}

/// Replaces an action's fields.
#[utoipa::path(tag = "admin", params(("id" = i64, Path)), request_body = ActionInput, responses((status = 200, body = Action), (status = 404, body = nps_core::ApiErrorBody)))]
#[put("/api/admin/actions/{id}")]
pub async fn update(state: State, session: AdminSession, id: web::Path<i64>, body: JsonBody<ActionInput>) -> ApiResult<HttpResponse> {
    require_account_reader(&session)?;
    existing(&state, &session, *id).await?;
    let input = body.0.tidied();
    validate(&state, &session, &input).await?;
    let action = state.store.update_action(*id, &input, now_ms()).await?.ok_or_else(|| ApiError::not_found(format!("action {id}")))?;
    Ok(HttpResponse::Ok().json(action))
}

#[utoipa::path(tag = "admin", params(("id" = i64, Path)), responses((status = 204), (status = 404, body = nps_core::ApiErrorBody)))]
#[delete("/api/admin/actions/{id}")]
pub async fn remove(state: State, session: AdminSession, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    require_account_reader(&session)?;
    existing(&state, &session, *id).await?;
    if !state.store.delete_action(*id).await? {
        return Err(ApiError::not_found(format!("action {id}")));
    }
    tracing::info!(action_id = *id, "action deleted");
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct RecentParams {
    pub project_id: i64,
    /// The window, ending now (default 90 days).
    #[param(minimum = 1, maximum = 3650)]
    pub days: Option<u32>,
}

/// "Has an NPS insight changed anything in the last 90 days?": the count and the list of
/// actions decided in the window.
#[utoipa::path(tag = "admin", params(RecentParams), responses((status = 200, body = RecentActions)))]
#[get("/api/admin/reports/actions")]
pub async fn recent(state: State, session: AdminSession, params: Query<RecentParams>) -> ApiResult<HttpResponse> {
    require_account_reader(&session)?;
    let days = params.days.unwrap_or(90);
    if !(1..=3_650).contains(&days) {
        return Err(ApiError::invalid("days must be between 1 and 3650"));
    }
    let now = now_ms();
    let since = now - i64::from(days) * 86_400_000;
    let actions = state.store.list_actions(params.project_id, Some(since), Some(now + 1)).await?;
    let actions = readable_actions(&state, &session, params.project_id, actions).await?;
    Ok(HttpResponse::Ok().json(RecentActions::of(&actions, days, now)))
}
