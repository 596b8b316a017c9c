//! Surveys: create, edit, publish.

use crate::auth::AdminSession;
use crate::error::{ApiError, ApiResult};
use crate::extract::JsonBody;
use crate::ingest::now_ms;
use crate::state::State;
use actix_web::{HttpResponse, get, post, put, web};
use nps_core::wire::{Survey, SurveyInput};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list).service(create).service(get_one).service(update);
}

fn check(input: &SurveyInput) -> ApiResult<()> {
    let problems = input.problems();
    if problems.is_empty() { Ok(()) } else { Err(ApiError::invalid(problems.join("; "))) }
}

/// The input checked, as it is stored (see `SurveyDefinition::normalised`).
fn stored(mut input: SurveyInput) -> ApiResult<SurveyInput> {
    check(&input)?;
    input.definition = input.definition.normalised();
    Ok(input)
}

#[utoipa::path(tag = "admin", params(("id" = i64, Path, description = "project id")), responses((status = 200, body = Vec<Survey>)))]
#[get("/api/admin/projects/{id}/surveys")]
pub async fn list(state: State, session: AdminSession, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let surveys: Vec<Survey> =
        state.store.list_surveys(Some(*id)).await?.into_iter().filter(|s| session.can_read(s.kind)).collect();
    Ok(HttpResponse::Ok().json(surveys))
}

#[utoipa::path(tag = "admin", params(("id" = i64, Path, description = "project id")), request_body = SurveyInput, responses((status = 201, body = Survey), (status = 422, body = nps_core::ApiErrorBody)))]
#[post("/api/admin/projects/{id}/surveys")]
pub async fn create(state: State, session: AdminSession, id: web::Path<i64>, body: JsonBody<SurveyInput>) -> ApiResult<HttpResponse> {
    session.require_configure()?;
    let input = stored(body.0)?;
    state.store.get_project(*id).await?.ok_or_else(|| ApiError::not_found("project"))?;
    let survey = state.store.create_survey(*id, &input, now_ms()).await?;
    state.projects.invalidate_all();
    Ok(HttpResponse::Created().json(survey))
}

#[utoipa::path(tag = "admin", params(("id" = i64, Path)), responses((status = 200, body = Survey), (status = 404, body = nps_core::ApiErrorBody)))]
#[get("/api/admin/surveys/{id}")]
pub async fn get_one(state: State, session: AdminSession, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let survey = state.store.get_survey(*id).await?.filter(|s| session.can_read(s.kind)).ok_or_else(|| ApiError::not_found("survey"))?;
    Ok(HttpResponse::Ok().json(survey))
}

#[utoipa::path(tag = "admin", params(("id" = i64, Path)), request_body = SurveyInput, responses((status = 200, body = Survey), (status = 404, body = nps_core::ApiErrorBody), (status = 409, body = nps_core::ApiErrorBody), (status = 422, body = nps_core::ApiErrorBody)))]
#[put("/api/admin/surveys/{id}")]
pub async fn update(state: State, session: AdminSession, id: web::Path<i64>, body: JsonBody<SurveyInput>) -> ApiResult<HttpResponse> {
    session.require_configure()?;
    let input = stored(body.0)?;
    let before = state.store.get_survey(*id).await?.filter(|s| session.can_read(s.kind)).ok_or_else(|| ApiError::not_found("survey"))?;
    // The stored kind of an employee or partner survey never changes, so this read cannot be
    // raced past: every edit of one sees its kind.
    if !before.kind.may_become(input.kind) {
        return Err(ApiError::client(nps_core::ErrorCode::Conflict, format!(
            "kind cannot change from {} to {}: employee and partner answers keep the protection they were given under; create a new survey instead",
            before.kind.as_str(),
            input.kind.as_str()
        )));
    }
    let survey = state.store.update_survey(*id, &input, now_ms()).await?.ok_or_else(|| ApiError::not_found("survey"))?;
    state.projects.invalidate_all();
    Ok(HttpResponse::Ok().json(survey))
}
