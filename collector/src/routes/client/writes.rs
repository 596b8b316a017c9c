//! The widget's writes: displays, two-step answers, completion and feedback, each made
//! durable before it is acknowledged.

use super::*;

/// Refuses answers beyond the survey's response caps (only capped surveys pay the count).
async fn enforce_response_caps(state: &State, survey: &Survey) -> ApiResult<()> {
    let caps = survey.rules.response_caps;
    if caps.per_day.is_none() && caps.total.is_none() {
        return Ok(());
    }
    let now = now_ms();
    let (today, total) = state.store.response_counts(survey.id, now - now.rem_euclid(86_400_000)).await?;
    let over = caps.per_day.is_some_and(|cap| today >= u64::from(cap)) || caps.total.is_some_and(|cap| total >= u64::from(cap));
    if over {
        return Err(ApiError::client(ErrorCode::SurveyClosed, format!("survey {} has reached its response cap", survey.id)));
    }
    Ok(())
}

/// Records that a survey was shown.
#[utoipa::path(
    tag = "client",
    post,
    path = "/v1/p/{key}/displays",
    params(("key" = String, Path, description = "Project public key")),
    request_body = DisplayRequest,
    responses((status = 202, body = Accepted), (status = 404, body = nps_core::ApiErrorBody), (status = 422, body = nps_core::ApiErrorBody), crate::contract::AnswerErrors)
)]
#[post("/displays")]
pub async fn display(state: State, key: web::Path<String>, req: HttpRequest, body: JsonBody<DisplayRequest>) -> ApiResult<HttpResponse> {
    let display = body.0;
    let project = project(&state, &key).await?;
    answerable_survey(&project, display.survey_id)?;
    authorize_user(&state, &project, &req, &display.user_id)?;
    let (id, user) = (display.display_id.clone(), display.user_id.clone());
    let key = state.ingestor.submit(IngestRecord::Display { project_id: project.project.id, at: now_ms(), display }).await?;
    state.note_write(project.project.id, &user, key);
    Ok(accepted(id))
}

/// Stores the score as soon as it is tapped. Retries with the same `response_id` are stored
/// once.
#[utoipa::path(
    tag = "client",
    post,
    path = "/v1/p/{key}/responses",
    params(("key" = String, Path, description = "Project public key")),
    request_body = ResponseRequest,
    responses((status = 202, body = Accepted), (status = 404, body = nps_core::ApiErrorBody), (status = 422, body = nps_core::ApiErrorBody), crate::contract::AnswerErrors)
)]
#[post("/responses")]
pub async fn response(state: State, key: web::Path<String>, req: HttpRequest, body: JsonBody<ResponseRequest>) -> ApiResult<HttpResponse> {
    let response = body.0;
    let project = project(&state, &key).await?;
    let survey = answerable_survey(&project, response.survey_id)?;
    authorize_user(&state, &project, &req, &response.user_id)?;
    enforce_response_caps(&state, survey).await?;
    let (id, user) = (response.response_id.clone(), response.user_id.clone());
    let key = state.ingestor.submit(IngestRecord::Response { project_id: project.project.id, at: now_ms(), response }).await?;
    state.note_write(project.project.id, &user, key);
    Ok(accepted(id))
}

/// Adds the follow-up comment and extra answers to a response.
#[utoipa::path(
    tag = "client",
    post,
    path = "/v1/p/{key}/responses/{id}/complete",
    params(("key" = String, Path, description = "Project public key"), ("id" = String, Path, description = "response_id", min_length = 1, max_length = 128, pattern = r"^[^\x00-\x1F\x7F-\x9F]+$")),
    request_body = CompleteRequest,
    responses((status = 202, body = Accepted), (status = 404, body = nps_core::ApiErrorBody), (status = 422, body = nps_core::ApiErrorBody), crate::contract::AnswerErrors)
)]
#[post("/responses/{id}/complete")]
pub async fn complete(
    state: State,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    body: JsonBody<CompleteRequest>,
) -> ApiResult<HttpResponse> {
    let (key, response_id) = path.into_inner();
    let complete = body.0;
    let response_id = ClientId::parse(response_id).map_err(|e| ApiError::invalid(format!("response id {e}")))?;
    if complete.extra_answers.len() > 20 {
        return Err(ApiError::invalid("extra_answers may hold at most 20 answers"));
    }
    validate::attributes("extra_answers", &complete.extra_answers)?;
    let project = project(&state, &key).await?;
    answerable_survey(&project, complete.survey_id)?;
    authorize_user(&state, &project, &req, &complete.user_id)?;
    state
        .ingestor
        .submit(IngestRecord::Complete { project_id: project.project.id, at: now_ms(), response_id: response_id.to_string(), complete })
        .await?;
    Ok(accepted(response_id))
}

/// Decline (closed without answering), snooze ("ask me later") or opt-out (never again).
#[utoipa::path(
    tag = "client",
    post,
    path = "/v1/p/{key}/feedback",
    params(("key" = String, Path, description = "Project public key")),
    request_body = FeedbackRequest,
    responses((status = 202, body = Accepted), (status = 404, body = nps_core::ApiErrorBody), (status = 422, body = nps_core::ApiErrorBody), crate::contract::AnswerErrors)
)]
#[post("/feedback")]
pub async fn feedback(state: State, key: web::Path<String>, req: HttpRequest, body: JsonBody<FeedbackRequest>) -> ApiResult<HttpResponse> {
    let feedback = body.0;
    let project = project(&state, &key).await?;
    match feedback.survey_id {
        Some(survey_id) => {
            answerable_survey(&project, survey_id)?;
        }
        None if feedback.kind != nps_core::wire::FeedbackKind::OptOut => {
            return Err(ApiError::invalid("survey_id is required for a decline or a snooze"));
        }
        None => {}
    }
    authorize_user(&state, &project, &req, &feedback.user_id)?;
    let (id, user) = (feedback.action_id.clone(), feedback.user_id.clone());
    let key = state.ingestor.submit(IngestRecord::Feedback { project_id: project.project.id, at: now_ms(), feedback }).await?;
    state.note_write(project.project.id, &user, key);
    Ok(accepted(id))
}
