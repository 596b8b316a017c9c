//! Alerts and integrations: webhook endpoints per project (signed per Standard Webhooks), the
//! e-mail alert policy, a test event per endpoint, and the delivery log. Owners and admins only:
//! endpoints carry secrets and send answers out of the installation.

use crate::auth::AdminSession;
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, Query};
use crate::ingest::now_ms;
use crate::outbox::address::{Network, OutboundPolicy};
use crate::outbox::signature::generate_secret;
use crate::state::State;
use crate::store::webhooks::DeliveryQuery;
use actix_web::{HttpResponse, delete, get, post, put, web};
use nps_core::webhooks::{AlertPolicy, Channel, DeliveryRow, DeliveryStatus, Enqueued, Webhook, WebhookInput};
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(get_one)
        .service(update)
        .service(remove)
        .service(rotate_secret)
        .service(send_test)
        .service(get_alert_policy)
        .service(set_alert_policy)
        .service(deliveries);
}

const MAX_URL_CHARS: usize = 2_048;

/// Parses the endpoint into something deliverable, naming the problem otherwise. A literal
/// internal IP or `localhost` is refused here (unless in `outbox.allowed_networks`); names are
/// checked again, resolved, at every connection.
fn check(input: &mut WebhookInput, allowed: &[Network]) -> ApiResult<()> {
    input.url = input.url.trim().to_owned();
    if input.url.chars().count() > MAX_URL_CHARS {
        return Err(ApiError::invalid(format!("url must be at most {MAX_URL_CHARS} characters")));
    }
    let url = reqwest::Url::parse(&input.url).map_err(|e| ApiError::invalid(format!("url is not a URL ({e}): `{}`", input.url)))?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none_or(str::is_empty) {
        return Err(ApiError::invalid(format!("url must be http(s)://host/...: `{}`", input.url)));
    }
    OutboundPolicy::new(allowed.to_vec()).check_url(&url).map_err(|refused| ApiError::invalid(format!("url: {refused}")))?;
    if let Some(host) = url.domain()
        && !is_dns_name(host)
    {
        return Err(ApiError::invalid(format!("url: `{host}` is not a host name (letters, digits and hyphens, a dot before a letters-only top level)")));
    }
    if url.fragment().is_some() {
        return Err(ApiError::invalid("url must not have a #fragment"));
    }
    if input.events.is_empty() {
        return Err(ApiError::invalid("events must name at least one of response.created, response.completed"));
    }
    input.events.sort();
    input.events.dedup();
    input.bands.sort();
    input.bands.dedup();
    Ok(())
}

/// A name DNS can resolve, as the OpenAPI pattern states it: labels of letters, digits and
/// hyphens, the last of at least two letters. The URL parser lets more through (`*`, `_`).
fn is_dns_name(host: &str) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    let (Some(top), true) = (labels.last(), labels.len() >= 2) else { return false };
    labels.iter().all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        && top.len() >= 2
        && top.chars().all(|c| c.is_ascii_alphabetic())
}

fn check_policy(policy: &mut AlertPolicy) -> ApiResult<()> {
    // An enabled policy without bands is kept as sent: it alerts on no answer (the schema cannot
    // tie `bands` to `enabled`, so this is a meaning, not a refusal; the admin app asks for a band).
    if policy.recipients.len() > 50 {
        return Err(ApiError::invalid("recipients may hold at most 50 addresses"));
    }
    policy.bands.sort();
    policy.bands.dedup();
    Ok(())
}

async fn existing_project(state: &State, id: i64) -> ApiResult<()> {
    state.store.get_project(id).await?.ok_or_else(|| ApiError::not_found("project"))?;
    Ok(())
}

async fn existing_hook(state: &State, id: i64) -> ApiResult<Webhook> {
    state.store.get_webhook(id).await?.ok_or_else(|| ApiError::not_found("webhook"))
}

#[utoipa::path(tag = "admin", params(("id" = i64, Path, description = "project id")), responses((status = 200, body = Vec<Webhook>)))]
#[get("/api/admin/projects/{id}/webhooks")]
pub async fn list(state: State, session: AdminSession, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    session.require_configure()?;
    existing_project(&state, *id).await?;
    Ok(HttpResponse::Ok().json(state.store.list_webhooks(*id).await?))
}

/// Creates an endpoint with a new `whsec_...` secret (shown in the answer; receivers verify
/// signatures with it).
#[utoipa::path(tag = "admin", params(("id" = i64, Path, description = "project id")), request_body = WebhookInput,
    responses((status = 201, body = Webhook), (status = 422, body = nps_core::ApiErrorBody)))]
#[post("/api/admin/projects/{id}/webhooks")]
pub async fn create(state: State, session: AdminSession, id: web::Path<i64>, body: JsonBody<WebhookInput>) -> ApiResult<HttpResponse> {
    session.require_configure()?;
    let mut input = body.0;
    check(&mut input, &state.settings.outbox.allowed_networks)?;
    existing_project(&state, *id).await?;
    let hook = state.store.create_webhook(*id, &input, &generate_secret(), now_ms()).await?;
    tracing::info!(webhook = hook.id, project = *id, by = %session.email, "webhook created");
    Ok(HttpResponse::Created().json(hook))
}

#[utoipa::path(tag = "admin", params(("id" = i64, Path, description = "webhook id")), responses((status = 200, body = Webhook)))]
#[get("/api/admin/webhooks/{id}")]
pub async fn get_one(state: State, session: AdminSession, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    session.require_configure()?;
    Ok(HttpResponse::Ok().json(existing_hook(&state, *id).await?))
}

/// Replaces URL, events, band rule, format, enabled and description (the secret stays).
#[utoipa::path(tag = "admin", params(("id" = i64, Path, description = "webhook id")), request_body = WebhookInput, responses((status = 200, body = Webhook)))]
#[put("/api/admin/webhooks/{id}")]
pub async fn update(state: State, session: AdminSession, id: web::Path<i64>, body: JsonBody<WebhookInput>) -> ApiResult<HttpResponse> {
    session.require_configure()?;
    let mut input = body.0;
    check(&mut input, &state.settings.outbox.allowed_networks)?;
    let hook = state.store.update_webhook(*id, &input, now_ms()).await?.ok_or_else(|| ApiError::not_found("webhook"))?;
    Ok(HttpResponse::Ok().json(hook))
}

/// Deletes the endpoint; its messages still waiting in the outbox are dropped (logged as failed).
#[utoipa::path(tag = "admin", params(("id" = i64, Path, description = "webhook id")), responses((status = 204), (status = 404, body = nps_core::ApiErrorBody)))]
#[delete("/api/admin/webhooks/{id}")]
pub async fn remove(state: State, session: AdminSession, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    session.require_configure()?;
    if !state.store.delete_webhook(*id).await? {
        return Err(ApiError::not_found("webhook"));
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Replaces the signing secret; later attempts (including retries) are signed with the new one.
#[utoipa::path(tag = "admin", params(("id" = i64, Path, description = "webhook id")), responses((status = 200, body = Webhook)))]
#[post("/api/admin/webhooks/{id}/rotate-secret")]
pub async fn rotate_secret(state: State, session: AdminSession, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    session.require_configure()?;
    let hook = state.store.set_webhook_secret(*id, &generate_secret(), now_ms()).await?.ok_or_else(|| ApiError::not_found("webhook"))?;
    Ok(HttpResponse::Ok().json(hook))
}

/// Sends a `webhook.test` event with a sample detractor answer through the outbox.
#[utoipa::path(tag = "admin", params(("id" = i64, Path, description = "webhook id")), responses((status = 202, body = Enqueued)))]
#[post("/api/admin/webhooks/{id}/test")]
pub async fn send_test(state: State, session: AdminSession, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    session.require_configure()?;
    let hook = existing_hook(&state, *id).await?;
    let message_id = state.events.send_test(&hook).await.map_err(ApiError::Unavailable)?;
    Ok(HttpResponse::Accepted().json(Enqueued { message_id }))
}

#[utoipa::path(tag = "admin", params(("id" = i64, Path, description = "project id")), responses((status = 200, body = AlertPolicy)))]
#[get("/api/admin/projects/{id}/alert-policy")]
pub async fn get_alert_policy(state: State, session: AdminSession, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    session.require_configure()?;
    existing_project(&state, *id).await?;
    Ok(HttpResponse::Ok().json(state.store.alert_policy(*id).await?))
}

/// E-mail alerts: which bands alert, whether the follow-up owner is alerted, fixed recipients.
#[utoipa::path(tag = "admin", params(("id" = i64, Path, description = "project id")), request_body = AlertPolicy, responses((status = 200, body = AlertPolicy)))]
#[put("/api/admin/projects/{id}/alert-policy")]
pub async fn set_alert_policy(state: State, session: AdminSession, id: web::Path<i64>, body: JsonBody<AlertPolicy>) -> ApiResult<HttpResponse> {
    session.require_configure()?;
    let mut policy = body.0;
    check_policy(&mut policy)?;
    existing_project(&state, *id).await?;
    state.store.set_alert_policy(*id, &policy).await?;
    Ok(HttpResponse::Ok().json(policy))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DeliveryParams {
    pub project_id: Option<i64>,
    pub channel: Option<Channel>,
    pub status: Option<DeliveryStatus>,
    pub message_id: Option<String>,
    /// Event type or e-mail kind.
    pub kind: Option<String>,
    /// Unix ms.
    pub since: Option<i64>,
    /// 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

/// The delivery log, newest first: one row per attempt (and a `waiting` row for e-mails held
/// while SMTP is not configured).
#[utoipa::path(tag = "admin", params(DeliveryParams), responses((status = 200, body = Vec<DeliveryRow>)))]
#[get("/api/admin/deliveries")]
pub async fn deliveries(state: State, session: AdminSession, params: Query<DeliveryParams>) -> ApiResult<HttpResponse> {
    session.require_configure()?;
    let p = params.into_inner();
    let limit = p.limit.unwrap_or(100);
    if !(1..=1_000).contains(&limit) {
        return Err(ApiError::invalid("limit must be between 1 and 1000"));
    }
    let query = DeliveryQuery {
        project_id: p.project_id,
        channel: p.channel,
        status: p.status,
        message_id: p.message_id,
        kind: p.kind,
        since: p.since,
        limit,
    };
    let mut rows = state.store.list_deliveries(&query).await?;
    let protected = protected_campaigns(&state).await?;
    rows.retain(|row| !is_protected_reminder(row, &protected));
    Ok(HttpResponse::Ok().json(rows))
}

/// The campaigns whose answers are protected (employee NPS, partner NPS run anonymously).
async fn protected_campaigns(state: &State) -> ApiResult<Vec<i64>> {
    let protected = crate::disclosure::protected_among(state, state.store.list_surveys(None).await?).await?;
    Ok(protected.into_iter().flat_map(|(_, _, campaigns)| campaigns.into_iter().map(|c| c.id)).collect())
}

/// A reminder of a protected campaign (`remind:{campaign}:...`): the log shows none of them,
/// since their number per round is the number who had not answered by then (a page may hold
/// fewer rows than its limit).
fn is_protected_reminder(row: &DeliveryRow, protected: &[i64]) -> bool {
    let mut parts = row.message_id.split(':');
    parts.next() == Some("remind") && parts.next().and_then(|c| c.parse::<i64>().ok()).is_some_and(|c| protected.contains(&c))
}
