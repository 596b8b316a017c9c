//! "Why was (or wasn't) user X asked survey Y at time T?", and how many users each rule
//! excluded: exclusions are shown, so nobody surveys only the happy customers unknowingly.

use crate::extract::Query;
use crate::auth::AdminSession;
use crate::error::{ApiError, ApiResult};
use crate::ingest::now_ms;
use crate::state::State;
use actix_web::{HttpResponse, get, web};
use nps_core::eligibility::{DecisionInput, Subject, decide, explain as explain_rules};
use nps_core::wire::{Exclusions, Explanation, SurveyStatus};
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(explain).service(exclusions);
}

const DAY: i64 = 86_400_000;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ExplainParams {
    pub survey_id: i64,
    pub user_id: String,
    /// Unix milliseconds; now when absent.
    pub at: Option<i64>,
}

async fn readable_survey(state: &State, session: &AdminSession, survey_id: i64) -> ApiResult<nps_core::wire::Survey> {
    let survey = state.store.get_survey(survey_id).await?.ok_or_else(|| ApiError::not_found(format!("survey {survey_id}")))?;
    if !session.can_read(survey.kind) {
        return Err(ApiError::forbidden(format!("the {} role cannot read survey {survey_id}", session.role.as_str())));
    }
    // Eligibility is decided for in-app surveys only; through an employee or partner survey,
    // HR or a partner manager would read a customer's project-wide history and profile.
    if !survey.kind.is_in_app() {
        let message = format!("survey {survey_id} is not answered in the app: eligibility decisions exist only for tnps and rnps surveys");
        return Err(ApiError::client(nps_core::ErrorCode::SurveyNotInApp, message));
    }
    Ok(survey)
}

#[utoipa::path(tag = "admin", params(ExplainParams), responses((status = 200, body = Explanation), (status = 404, body = nps_core::ApiErrorBody), (status = 409, body = nps_core::ApiErrorBody)))]
#[get("/api/admin/explain")]
pub async fn explain(state: State, session: AdminSession, params: Query<ExplainParams>) -> ApiResult<HttpResponse> {
    let survey = readable_survey(&state, &session, params.survey_id).await?;
    let project = state.store.get_project(survey.project_id).await?.ok_or_else(|| ApiError::not_found("project"))?;
    let at = params.at.unwrap_or_else(now_ms);
    let facts = state.store.decision_facts(project.id, survey.id, &params.user_id, at).await?;
    let input = DecisionInput {
        now: at,
        survey_id: survey.id,
        rules: &survey.rules,
        policy: &project.fatigue,
        subject: Subject {
            user_key: &params.user_id,
            user_attributes: &facts.user_attributes,
            account_attributes: facts.account_attributes.as_ref(),
            role: facts.role.as_deref(),
            language: facts.language.as_deref(),
            device: None,
            email: None,
        },
        history: &facts.history,
        responses_today: facts.responses_today,
        responses_total: facts.responses_total,
        survey_live: survey.status == SurveyStatus::Live,
    };
    let logged = state.store.decisions(survey.id, &params.user_id, at.saturating_sub(90 * DAY), at.saturating_add(1)).await?.pop();
    Ok(HttpResponse::Ok().json(Explanation {
        survey_id: survey.id,
        user_id: params.user_id.clone(),
        at,
        decision: decide(&input),
        blocking: explain_rules(&input),
        logged,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ExclusionParams {
    pub survey_id: i64,
    /// Unix milliseconds; 30 days ago when absent.
    pub from: Option<i64>,
    /// Unix milliseconds; now when absent.
    pub to: Option<i64>,
}

/// Per rule, how many users the eligibility decisions excluded over a period.
#[utoipa::path(tag = "admin", params(ExclusionParams), responses((status = 200, body = Exclusions), (status = 404, body = nps_core::ApiErrorBody), (status = 409, body = nps_core::ApiErrorBody)))]
#[get("/api/admin/reports/exclusions")]
pub async fn exclusions(state: State, session: AdminSession, params: Query<ExclusionParams>) -> ApiResult<HttpResponse> {
    let survey = readable_survey(&state, &session, params.survey_id).await?;
    let to = params.to.unwrap_or_else(now_ms);
    let from = params.from.unwrap_or(to.saturating_sub(30 * DAY));
    let rules = state.store.decision_counts(&[survey.id], from, to).await?;
    Ok(HttpResponse::Ok().json(Exclusions { survey_id: survey.id, from, to, rules }))
}
