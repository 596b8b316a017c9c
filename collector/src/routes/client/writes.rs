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

/// What a client write names, for [`accept`].
struct Write {
    /// The survey it answers (an opt-out names none).
    survey_id: Option<i64>,
    /// Whether the survey's response caps apply (a new score).
    caps: bool,
    user: ClientId,
    /// The id the client gave the write, acknowledged back.
    id: String,
}

/// The one path of every client write, so that none can skip a step: the project (404), the
/// survey still taking answers, the user's authorization (enforce mode), the response caps,
/// then the record made durable and the user's latest write remembered (the next decision
/// for the user waits for it to reach SQL; `AppState::await_user_writes`).
async fn accept(
    state: &State,
    key: &str,
    req: &HttpRequest,
    write: Write,
    record: impl FnOnce(i64, i64) -> IngestRecord,
) -> ApiResult<HttpResponse> {
    let project = project(state, key).await?;
    let survey = write.survey_id.map(|id| answerable_survey(&project, id)).transpose()?;
    authorize_user(state, &project, req, &write.user)?;
    if let (Some(survey), true) = (survey, write.caps) {
        enforce_response_caps(state, survey).await?;
    }
    let spooled = state.ingestor.submit(record(project.project.id, now_ms())).await?;
    state.note_write(project.project.id, &write.user, spooled);
    Ok(accepted(write.id))
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
    let write = Write { survey_id: Some(display.survey_id), caps: false, user: display.user_id.clone(), id: display.display_id.to_string() };
    accept(&state, &key, &req, write, |project_id, at| IngestRecord::Display { project_id, at, display }).await
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
    let write = Write { survey_id: Some(response.survey_id), caps: true, user: response.user_id.clone(), id: response.response_id.to_string() };
    accept(&state, &key, &req, write, |project_id, at| IngestRecord::Response { project_id, at, response }).await
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
    path: web::Path<(String, ClientId)>,
    req: HttpRequest,
    body: JsonBody<CompleteRequest>,
) -> ApiResult<HttpResponse> {
    let (key, response_id) = path.into_inner();
    let complete = body.0;
    if complete.extra_answers.len() > 20 {
        return Err(ApiError::invalid("extra_answers may hold at most 20 answers"));
    }
    let write = Write { survey_id: Some(complete.survey_id), caps: false, user: complete.user_id.clone(), id: response_id.to_string() };
    let response_id = response_id.into_inner();
    accept(&state, &key, &req, write, |project_id, at| IngestRecord::Complete { project_id, at, response_id, complete }).await
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
    if feedback.survey_id.is_none() && feedback.kind != nps_core::wire::FeedbackKind::OptOut {
        return Err(ApiError::invalid("survey_id is required for a decline or a snooze"));
    }
    let write = Write { survey_id: feedback.survey_id, caps: false, user: feedback.user_id.clone(), id: feedback.action_id.to_string() };
    accept(&state, &key, &req, write, |project_id, at| IngestRecord::Feedback { project_id, at, feedback }).await
}
