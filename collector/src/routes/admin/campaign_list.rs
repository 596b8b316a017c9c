//! The campaigns of a survey, newest first, for the admin app's Campaigns tab. The same roles
//! as running a campaign of that survey's kind; a partner manager lists only their own.

use super::campaigns::{may_see_campaign, require_campaign_role};
use crate::extract::Query;
use crate::auth::AdminSession;
use crate::error::{ApiError, ApiResult};
use crate::state::State;
use actix_web::{HttpResponse, get, web};
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list);
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SurveyParam {
    pub survey_id: i64,
}

#[utoipa::path(tag = "admin", params(SurveyParam), responses((status = 200, body = Vec<nps_core::wire::Campaign>), (status = 403, body = nps_core::ApiErrorBody), (status = 404, body = nps_core::ApiErrorBody)))]
#[get("/api/admin/campaigns")]
pub async fn list(state: State, session: AdminSession, params: Query<SurveyParam>) -> ApiResult<HttpResponse> {
    let survey = state.store.get_survey(params.survey_id).await?.ok_or_else(|| ApiError::not_found(format!("survey {}", params.survey_id)))?;
    require_campaign_role(&session, survey.kind)?;
    let mut campaigns = state.store.campaigns_for_surveys(&[survey.id]).await?;
    campaigns.retain(|c| may_see_campaign(&session, c));
    campaigns.sort_by_key(|c| std::cmp::Reverse((c.created_at, c.id)));
    Ok(HttpResponse::Ok().json(campaigns))
}
