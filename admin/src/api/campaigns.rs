//! Link campaigns: recipients, links, sending and per-wave status.

use super::*;
pub use nps_core::wire::{CampaignStatus, ImportResult, WaveStatus};

pub async fn create_campaign(input: &nps_core::wire::CampaignInput) -> ApiResult<nps_core::wire::Campaign> {
    call("POST", "/api/admin/campaigns", json(input)).await
}

pub async fn campaign(id: i64) -> ApiResult<nps_core::wire::Campaign> {
    call("GET", &format!("/api/admin/campaigns/{id}"), None).await
}

/// Adds recipients from CSV text (an `email` column; `name`, `language`, any other column
/// becomes an attribute), read here with `nps_core::recipients_csv`.
pub async fn add_recipients_csv(id: i64, csv: &str) -> ApiResult<ImportResult> {
    let recipients = nps_core::recipients_csv::parse(csv)
        .map_err(|message| ApiError { status: 422, code: nps_core::ErrorCode::InvalidField, message })?;
    call("POST", &format!("/api/admin/campaigns/{id}/recipients"), json(&serde_json::json!({ "recipients": recipients }))).await
}

pub async fn campaign_links(id: i64) -> ApiResult<Vec<nps_core::wire::RecipientLink>> {
    call("GET", &format!("/api/admin/campaigns/{id}/links"), None).await
}

/// Hands every recipient's invitation to the outbox and switches e-mail delivery on.
pub async fn campaign_send(id: i64) -> ApiResult<serde_json::Value> {
    call("POST", &format!("/api/admin/campaigns/{id}/send"), None).await
}

/// Reminders and the recurring cadence of the campaign's e-mails.
pub async fn set_delivery(
    id: i64,
    settings: &nps_core::wire::DeliverySettings,
) -> ApiResult<nps_core::wire::DeliverySettings> {
    call(
        "PUT",
        &format!("/api/admin/campaigns/{id}/delivery"),
        json(settings),
    )
    .await
}

pub async fn campaign_status(id: i64) -> ApiResult<CampaignStatus> {
    call("GET", &format!("/api/admin/campaigns/{id}/status"), None).await
}

/// A survey's campaigns, newest first.
pub async fn campaigns(survey_id: i64) -> ApiResult<Vec<nps_core::wire::Campaign>> {
    call("GET", &format!("/api/admin/campaigns?survey_id={survey_id}"), None).await
}
