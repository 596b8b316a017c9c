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
use crate::validate;
use nps_core::eligibility::{Decision, DecisionInput, Subject};
use nps_core::wire::{DecideRequest, DecideResponse};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use nps_core::ErrorCode;
use nps_core::wire::{
    AccountMembership, Accepted, Attributes, CompleteRequest, DisplayRequest, FeedbackRequest, IdentifyRequest, IdentifyResponse, MAX_COMMENT_CHARS,
    ProjectConfig, PublicSurvey, ResponseRequest, Survey, SurveyStatus,
};
use std::sync::Arc;

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
    Ok(())
}

fn accepted(id: String) -> HttpResponse {
    HttpResponse::Accepted().json(Accepted { id, durable: true })
}

/// The public configuration of a project: its live in-app surveys. Cacheable; send
/// `If-None-Match` with the last ETag to get a 304.
#[utoipa::path(
    tag = "client",
    get,
    path = "/v1/p/{key}/config",
    params(("key" = String, Path, description = "Project public key")),
    responses((status = 200, body = ProjectConfig), (status = 304), (status = 404, body = nps_core::ApiErrorBody))
)]
#[get("/config")]
pub async fn config(state: State, key: web::Path<String>, req: HttpRequest) -> ApiResult<HttpResponse> {
    let project = project(&state, &key).await?;
    let unchanged = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == project.etag));
    if unchanged {
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, project.etag.clone())).finish());
    }
    let mut surveys: Vec<PublicSurvey> = project
        .surveys
        .values()
        .filter(|s| s.status == SurveyStatus::Live && s.kind.is_in_app())
        .map(|s| PublicSurvey { id: s.id, kind: s.kind, definition: s.definition.clone(), rules: s.rules.clone() })
        .collect();
    surveys.sort_by_key(|s| s.id);
    let body = ProjectConfig {
        project_key: project.project.public_key.clone(),
        identity_enforced: project.project.identity_enforced,
        surveys,
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, project.etag.clone()))
        .insert_header((header::CACHE_CONTROL, "public, max-age=60, stale-while-revalidate=600"))
        .json(body))
}

/// Identifies the signed-in user of the host app. In enforce mode `identity_token` (signed by
/// the vendor's backend with the project's identity secret) is required and its `sub` must be
/// `user_id`; signed attributes replace the ones sent in the clear, and the account, role and
/// account attributes come only from its claims (a clear `account` is refused with 422; see
/// docs/identity-claims.md).
#[utoipa::path(
    tag = "client",
    post,
    path = "/v1/p/{key}/identify",
    params(("key" = String, Path, description = "Project public key")),
    request_body = IdentifyRequest,
    responses((status = 200, body = IdentifyResponse), (status = 401, body = nps_core::ApiErrorBody), (status = 422, body = nps_core::ApiErrorBody))
)]
#[post("/identify")]
pub async fn identify(state: State, key: web::Path<String>, body: JsonBody<IdentifyRequest>) -> ApiResult<HttpResponse> {
    let mut request = body.0;
    validate::id("user_id", &request.user_id)?;
    validate::attributes("attributes", &request.attributes)?;
    validate::text("language", request.language.as_deref(), 35)?;
    if let Some(account) = &request.account {
        validate::id("account.id", &account.id)?;
        validate::id("account.role", &account.role)?;
        validate::attributes("account.attributes", &account.attributes)?;
    }
    let project = project(&state, &key).await?;
    let enforced = project.project.identity_enforced;
    if enforced && request.account.is_some() {
        // Refused rather than ignored, so a vendor who still sends it learns why it is not kept.
        return Err(ApiError::invalid(
            "account: this project verifies identities, so the account, role and account attributes come only from \
             the identity_token claims `account`, `role` and `account_attributes`; do not send `account` in the clear",
        ));
    }
    match request.identity_token.as_deref() {
        Some(token) => {
            let secret = project.project.identity_secret.as_deref().unwrap_or_default();
            let claims: IdentityClaims = verify_identity_token(token, secret).map_err(|(code, msg)| ApiError::client(code, msg))?;
            apply_signed_claims(&mut request, claims)?;
        }
        None if enforced => {
            return Err(ApiError::client(
                ErrorCode::IdentityRequired,
                "this project verifies identities: identity_token is required",
            ));
        }
        None => {}
    }
    let now = now_ms();
    let key = state
        .ingestor
        .submit(IngestRecord::Identify {
            project_id: project.project.id,
            at: now,
            user_id: request.user_id.clone(),
            attributes: request.attributes,
            created_at: request.created_at,
            language: request.language,
            account: request.account,
        })
        .await?;
    state.note_write(project.project.id, &request.user_id, key);
    let expires_at = now / 1000 + state.settings.auth.widget_session_hours * 3600;
    let claims = WidgetClaims {
        sub: request.user_id.clone(),
        pid: project.project.id,
        aud: crate::auth::WIDGET_AUDIENCE.into(),
        exp: expires_at,
    };
    let session_token = state.keys.sign(&claims).map_err(ApiError::Internal)?;
    Ok(HttpResponse::Ok().json(IdentifyResponse { user_id: request.user_id, session_token, expires_at: expires_at * 1000 }))
}

/// What a verified identity token vouches for replaces what was sent in the clear: the user's
/// attributes (`attributes`) and account membership (`account`, `role`, `account_attributes`).
fn apply_signed_claims(request: &mut IdentifyRequest, claims: IdentityClaims) -> ApiResult<()> {
    if claims.sub != request.user_id {
        return Err(ApiError::client(ErrorCode::IdentityInvalid, "identity_token was signed for another user_id"));
    }
    if let Some(signed) = claims.attributes {
        validate::attributes("identity_token.attributes", &signed)?;
        request.attributes = signed;
    }
    if let Some(account) = signed_account(claims.account, claims.role, claims.account_attributes)? {
        request.account = Some(account);
    }
    Ok(())
}

/// The account membership the token signs, if it names an account. Without `account`, `role`
/// and `account_attributes` mean nothing and are ignored (not refused: tokens minted for other
/// uses often carry a `role` claim of their own).
fn signed_account(account: Option<String>, role: Option<String>, attributes: Option<Attributes>) -> ApiResult<Option<AccountMembership>> {
    let Some(id) = account else { return Ok(None) };
    validate::id("identity_token.account", &id)?;
    // The same default as a clear `account` without a role.
    let role = role.unwrap_or_else(|| "end_user".to_owned());
    validate::id("identity_token.role", &role)?;
    let attributes = attributes.unwrap_or_default();
    validate::attributes("identity_token.account_attributes", &attributes)?;
    Ok(Some(AccountMembership { id, role, attributes }))
}

/// The authoritative decision: may this survey be shown to this user now? Decided from the
/// server's record of the user (cross-device; the browser cannot reset it). When the answer is
/// yes the display is recorded in the same transaction, so concurrent requests for one user
/// (tabs, devices, collector processes) can never all get a survey.
#[utoipa::path(
    tag = "client",
    post,
    path = "/v1/p/{key}/decide",
    params(("key" = String, Path, description = "Project public key")),
    request_body = DecideRequest,
    responses((status = 200, body = DecideResponse), (status = 404, body = nps_core::ApiErrorBody), (status = 422, body = nps_core::ApiErrorBody))
)]
#[post("/decide")]
pub async fn decide(state: State, key: web::Path<String>, req: HttpRequest, body: JsonBody<DecideRequest>) -> ApiResult<HttpResponse> {
    let request = body.0;
    validate::id("user_id", &request.user_id)?;
    validate::id("display_id", &request.display_id)?;
    validate::text("trigger", request.trigger.as_deref(), 128)?;
    validate::text("url", request.url.as_deref(), 2048)?;
    validate::text("language", request.language.as_deref(), 35)?;
    validate::text("device", request.device.as_deref(), 32)?;
    validate::text("email", request.email.as_deref(), 254)?;
    let project = project(&state, &key).await?;
    // Not `answerable_survey`: a paused survey still gets a decision (no), with its rule.
    let survey = in_app_survey(&project, request.survey_id)?;
    authorize_user(&state, &project, &req, &request.user_id)?;
    let now = now_ms();
    let claim = DisplayClaim {
        project_id: project.project.id,
        survey_id: survey.id,
        user_id: request.user_id.clone(),
        display_id: request.display_id.clone(),
        trigger: request.trigger.clone(),
        url: request.url.clone(),
        language: request.language.clone(),
        device: request.device.clone(),
        now,
        count_responses: survey.rules.response_caps.per_day.is_some() || survey.rules.response_caps.total.is_some(),
    };
    let policy = &project.project.fatigue;
    let rules = |facts: &DecisionFacts| {
        let subject = Subject {
            user_key: &request.user_id,
            user_attributes: &facts.user_attributes,
            account_attributes: facts.account_attributes.as_ref(),
            role: facts.role.as_deref(),
            language: request.language.as_deref().or(facts.language.as_deref()),
            device: request.device.as_deref(),
            email: request.email.as_deref(),
        };
        nps_core::eligibility::decide(&DecisionInput {
            now,
            survey_id: survey.id,
            rules: &survey.rules,
            policy,
            subject,
            history: &facts.history,
            responses_today: facts.responses_today,
            responses_total: facts.responses_total,
            survey_live: survey.status == SurveyStatus::Live,
        })
    };
    let decision = match state.ingestor.resident() {
        Some(resident) => {
            // In memory: the per-user turn is held until the claimed display is in the spool.
            let _turn = resident.lock_user(claim.project_id, &claim.user_id).await;
            let decision = rules(&resident.facts(claim.project_id, &claim.user_id, claim.survey_id, now));
            let mut records = Vec::with_capacity(2);
            if decision.eligible {
                records.push(claimed_display(&claim, &decision));
            }
            records.push(decision_log(&claim, &decision));
            state.ingestor.submit_all(records).await?;
            decision
        }
        None => {
            state.await_user_writes(claim.project_id, &claim.user_id).await;
            let decision = state.store.decide_and_claim(&claim, &rules).await?;
            state.ingestor.submit(decision_log(&claim, &decision)).await?;
            decision
        }
    };
    Ok(HttpResponse::Ok().json(DecideResponse {
        eligible: decision.eligible,
        display_id: decision.eligible.then_some(claim.display_id),
        rule: decision.rule,
        detail: decision.detail,
        retry_after: decision.retry_after,
        sampling_rate_bp: decision.sampling_rate_bp,
    }))
}

/// The display a granted decision claims, as a spool record.
fn claimed_display(claim: &DisplayClaim, decision: &Decision) -> IngestRecord {
    IngestRecord::Display {
        project_id: claim.project_id,
        at: claim.now,
        display: DisplayRequest {
            display_id: claim.display_id.clone(),
            survey_id: claim.survey_id,
            user_id: claim.user_id.clone(),
            trigger: claim.trigger.clone(),
            url: claim.url.clone(),
            language: claim.language.clone(),
            device: claim.device.clone(),
            sampling_rate_bp: Some(decision.sampling_rate_bp),
        },
    }
}

fn decision_log(claim: &DisplayClaim, decision: &Decision) -> IngestRecord {
    let log = DecisionLog {
        key: claim.display_id.clone(),
        survey_id: claim.survey_id,
        user_id: claim.user_id.clone(),
        eligible: decision.eligible,
        rule: decision.rule.as_str().to_owned(),
        detail: decision.detail.clone(),
        retry_after: decision.retry_after,
        sampling_rate_bp: decision.sampling_rate_bp,
        trigger: claim.trigger.clone(),
    };
    IngestRecord::Decision { project_id: claim.project_id, at: claim.now, decision: log }
}

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
    responses((status = 202, body = Accepted), (status = 404, body = nps_core::ApiErrorBody), (status = 422, body = nps_core::ApiErrorBody))
)]
#[post("/displays")]
pub async fn display(state: State, key: web::Path<String>, req: HttpRequest, body: JsonBody<DisplayRequest>) -> ApiResult<HttpResponse> {
    let display = body.0;
    validate::id("display_id", &display.display_id)?;
    validate::id("user_id", &display.user_id)?;
    validate::text("trigger", display.trigger.as_deref(), 128)?;
    validate::text("url", display.url.as_deref(), 2048)?;
    validate::text("language", display.language.as_deref(), 35)?;
    validate::text("device", display.device.as_deref(), 32)?;
    validate::sampling_rate("sampling_rate_bp", display.sampling_rate_bp)?;
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
    responses((status = 202, body = Accepted), (status = 404, body = nps_core::ApiErrorBody), (status = 422, body = nps_core::ApiErrorBody))
)]
#[post("/responses")]
pub async fn response(state: State, key: web::Path<String>, req: HttpRequest, body: JsonBody<ResponseRequest>) -> ApiResult<HttpResponse> {
    let response = body.0;
    validate::id("response_id", &response.response_id)?;
    validate::id("user_id", &response.user_id)?;
    if let Some(display_id) = &response.display_id {
        validate::id("display_id", display_id)?;
    }
    validate::text("trigger", response.trigger.as_deref(), 128)?;
    validate::text("language", response.language.as_deref(), 35)?;
    validate::text("device", response.device.as_deref(), 32)?;
    validate::sampling_rate("sampling_rate_bp", response.sampling_rate_bp)?;
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
    params(("key" = String, Path, description = "Project public key"), ("id" = String, Path, description = "response_id")),
    request_body = CompleteRequest,
    responses((status = 202, body = Accepted), (status = 404, body = nps_core::ApiErrorBody), (status = 422, body = nps_core::ApiErrorBody))
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
    validate::id("response id", &response_id)?;
    validate::id("user_id", &complete.user_id)?;
    validate::text("comment", complete.comment.as_deref(), MAX_COMMENT_CHARS)?;
    if complete.extra_answers.len() > 20 {
        return Err(ApiError::invalid("extra_answers may hold at most 20 answers"));
    }
    validate::attributes("extra_answers", &complete.extra_answers)?;
    let project = project(&state, &key).await?;
    answerable_survey(&project, complete.survey_id)?;
    authorize_user(&state, &project, &req, &complete.user_id)?;
    state
        .ingestor
        .submit(IngestRecord::Complete { project_id: project.project.id, at: now_ms(), response_id: response_id.clone(), complete })
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
    responses((status = 202, body = Accepted), (status = 404, body = nps_core::ApiErrorBody), (status = 422, body = nps_core::ApiErrorBody))
)]
#[post("/feedback")]
pub async fn feedback(state: State, key: web::Path<String>, req: HttpRequest, body: JsonBody<FeedbackRequest>) -> ApiResult<HttpResponse> {
    let feedback = body.0;
    validate::id("action_id", &feedback.action_id)?;
    validate::id("user_id", &feedback.user_id)?;
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
