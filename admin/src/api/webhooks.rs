//! Webhooks, the delivery log and e-mail alerts.

use super::*;
pub use nps_core::webhooks::Enqueued;

pub async fn webhooks(project_id: i64) -> ApiResult<Vec<nps_core::webhooks::Webhook>> {
    call("GET", &format!("/api/admin/projects/{project_id}/webhooks"), None).await
}

pub async fn create_webhook(project_id: i64, input: &nps_core::webhooks::WebhookInput) -> ApiResult<nps_core::webhooks::Webhook> {
    call("POST", &format!("/api/admin/projects/{project_id}/webhooks"), json(input)).await
}

/// Sends a `webhook.test` event through the outbox.
pub async fn test_webhook(id: i64) -> ApiResult<Enqueued> {
    call("POST", &format!("/api/admin/webhooks/{id}/test"), None).await
}

/// The delivery log of a project, newest first; `status` empty = every status.
pub async fn deliveries(project_id: i64, status: &str) -> ApiResult<Vec<nps_core::webhooks::DeliveryRow>> {
    let q = query(&[("project_id", project_id.to_string()), ("status", status.to_owned()), ("limit", "200".to_owned())]);
    call("GET", &format!("/api/admin/deliveries{q}"), None).await
}

pub async fn alert_policy(project_id: i64) -> ApiResult<nps_core::webhooks::AlertPolicy> {
    call("GET", &format!("/api/admin/projects/{project_id}/alert-policy"), None).await
}

pub async fn set_alert_policy(project_id: i64, policy: &nps_core::webhooks::AlertPolicy) -> ApiResult<nps_core::webhooks::AlertPolicy> {
    call("PUT", &format!("/api/admin/projects/{project_id}/alert-policy"), json(policy)).await
}
