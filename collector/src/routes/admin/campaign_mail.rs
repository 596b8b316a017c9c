//! E-mail delivery of a link campaign: delivery settings (reminders, recurring cadence), "send
//! now", and the campaign's status per wave (sent, delivered, answered).

use super::campaigns::campaign_for;
use crate::auth::AdminSession;
use crate::campaign::scheduler::StepOutcome;
use crate::campaign::{DeliverySettings, Wave, wave_token_id};
use crate::error::{ApiError, ApiResult};
use crate::extract::JsonBody;
use crate::ingest::now_ms;
use crate::campaign::links::token_hash;
use crate::state::State;
use actix_web::{HttpResponse, get, post, put, web};
use nps_core::wire::{Campaign, CampaignStatus, WaveStatus};
use serde::Serialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(set_delivery).service(send_now).service(get_status);
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SendResult {
    pub step: StepOutcome,
    pub status: CampaignStatus,
}

/// The campaign's smallest group when its answers are protected (see `WaveStatus`).
async fn participation_k(state: &State, campaign: &Campaign) -> ApiResult<Option<u64>> {
    let Some(survey) = state.store.get_survey(campaign.survey_id).await? else { return Ok(None) };
    Ok(crate::disclosure::protected_among(state, [survey]).await?.first().map(|(_, t, _)| t.k()))
}

async fn campaign_status(state: &State, campaign: &Campaign) -> ApiResult<CampaignStatus> {
    let protected_k = participation_k(state, campaign).await?;
    let schedule = state.store.campaign_schedule(campaign.id).await?;
    let settings = schedule.as_ref().map(|s| s.settings.clone()).unwrap_or_default();
    let mut waves = state.store.waves(campaign.id).await?;
    if waves.is_empty() {
        waves.push(Wave::first(campaign));
    }
    let recipients = state.store.list_recipients(campaign.id).await?;
    let counts = state.store.message_counts(campaign.id).await?;
    let mut out = Vec::with_capacity(waves.len());
    for wave in &waves {
        let count = |kind: &str| counts.iter().find(|c| c.wave == wave.wave && c.kind == kind).map_or((0, 0), |c| (c.sent, c.delivered));
        let hashes: Vec<String> = recipients.iter().map(|r| token_hash(&wave_token_id(&r.token_id, wave.wave))).collect();
        let answered = state.store.spent_tokens(&hashes).await?.len() as u64;
        let (invitations_sent, invitations_delivered) = count("invitation");
        let (reminders_sent, reminders_delivered) = count("reminder");
        let recipients = hashes.len() as u64;
        let shown = |n: u64| protected_k.is_none().then_some(n);
        let answered = match protected_k {
            Some(k) => nps_core::disclosure::subset_releasable(answered, recipients, k).then_some(answered),
            None => Some(answered),
        };
        out.push(WaveStatus {
            wave: wave.clone(),
            invitations_sent,
            invitations_delivered,
            reminders_sent: shown(reminders_sent),
            reminders_delivered: shown(reminders_delivered),
            answered,
        });
    }
    let next_wave_at = waves.last().and_then(|last| state.campaigns.next_wave_at(&settings, last));
    Ok(CampaignStatus {
        campaign_id: campaign.id,
        delivery_active: schedule.is_some_and(|s| s.active),
        settings,
        recipients: recipients.len() as u64,
        waves: out,
        next_wave_at,
    })
}

/// Reminders and the recurring cadence of the campaign's e-mails.
#[utoipa::path(tag = "admin", params(("id" = i64, Path)), request_body = DeliverySettings, responses((status = 200, body = DeliverySettings), (status = 422, body = nps_core::ApiErrorBody)))]
#[put("/api/admin/campaigns/{id}/delivery")]
pub async fn set_delivery(state: State, session: AdminSession, id: web::Path<i64>, body: JsonBody<DeliverySettings>) -> ApiResult<HttpResponse> {
    let campaign = campaign_for(&state, &session, *id).await?;
    let settings = body.0;
    if let Some(problem) = settings.problems().into_iter().next() {
        return Err(ApiError::invalid(problem));
    }
    state.store.save_delivery_settings(campaign.id, &settings, now_ms()).await?;
    Ok(HttpResponse::Ok().json(settings))
}

/// Switches e-mail delivery on and hands the current wave's invitations to the outbox now
/// (the scheduler then keeps going: new recipients, reminders, the next waves).
#[utoipa::path(tag = "admin", params(("id" = i64, Path)), responses((status = 200, body = SendResult)))]
#[post("/api/admin/campaigns/{id}/send")]
pub async fn send_now(state: State, session: AdminSession, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let campaign = campaign_for(&state, &session, *id).await?;
    let now = now_ms();
    state.store.activate_delivery(campaign.id, now).await?;
    let step = state.campaigns.step(&state.campaign_deps(), campaign.id, now).await.map_err(ApiError::Internal)?;
    let status = campaign_status(&state, &campaign).await?;
    Ok(HttpResponse::Ok().json(SendResult { step, status }))
}

/// Per wave: invitations and reminders sent and delivered, links answered.
#[utoipa::path(tag = "admin", params(("id" = i64, Path)), responses((status = 200, body = CampaignStatus)))]
#[get("/api/admin/campaigns/{id}/status")]
pub async fn get_status(state: State, session: AdminSession, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let campaign = campaign_for(&state, &session, *id).await?;
    Ok(HttpResponse::Ok().json(campaign_status(&state, &campaign).await?))
}
