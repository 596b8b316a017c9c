//! Storage of alerts and integrations: webhook endpoints, the e-mail alert policy, the answers
//! events are built from, and the delivery log. One SQL text for both backends, instantiated by
//! [`impl_webhook_store!`] in `sqlite.rs` and `postgres.rs`.

use super::StoreResult;
use async_trait::async_trait;
use nps_core::webhooks::{AlertPolicy, DeliveryRow, ResponseEvent, Webhook, WebhookInput};

/// Which delivery log rows to read, newest first.
#[derive(Debug, Clone, Default)]
pub struct DeliveryQuery {
    pub project_id: Option<i64>,
    pub channel: Option<nps_core::webhooks::Channel>,
    pub status: Option<nps_core::webhooks::DeliveryStatus>,
    pub message_id: Option<String>,
    pub kind: Option<String>,
    pub since: Option<i64>,
    pub limit: i64,
}

#[async_trait]
pub trait WebhookStore: Send + Sync {
    async fn create_webhook(&self, project_id: i64, input: &WebhookInput, secret: &str, now: i64) -> StoreResult<Webhook>;
    async fn update_webhook(&self, id: i64, input: &WebhookInput, now: i64) -> StoreResult<Option<Webhook>>;
    async fn set_webhook_secret(&self, id: i64, secret: &str, now: i64) -> StoreResult<Option<Webhook>>;
    async fn delete_webhook(&self, id: i64) -> StoreResult<bool>;
    async fn get_webhook(&self, id: i64) -> StoreResult<Option<Webhook>>;
    async fn list_webhooks(&self, project_id: i64) -> StoreResult<Vec<Webhook>>;

    async fn alert_policy(&self, project_id: i64) -> StoreResult<AlertPolicy>;
    async fn set_alert_policy(&self, project_id: i64, policy: &AlertPolicy) -> StoreResult<()>;

    /// The stored answers with these ids (with their survey's name and kind); unknown ids are
    /// left out.
    async fn response_events(&self, ids: &[String]) -> StoreResult<Vec<ResponseEvent>>;
    /// The follow-up owner of each of these answers that has a follow-up.
    async fn followup_owners(&self, response_ids: &[String]) -> StoreResult<Vec<(String, Option<String>)>>;

    /// Appends one row to the delivery log (its `id` is ignored).
    async fn record_delivery(&self, row: &DeliveryRow) -> StoreResult<()>;
    async fn list_deliveries(&self, query: &DeliveryQuery) -> StoreResult<Vec<DeliveryRow>>;
}

pub(crate) const WEBHOOK_COLUMNS: &str =
    "id, project_id, url, secret, events, bands, format, enabled, description, created_at, updated_at";

/// Ids per `IN (...)` list, far below both backends' bind limits.
pub(crate) const IDS_PER_STATEMENT: usize = 500;

macro_rules! impl_webhook_store {
    ($store:ident, $db:ty, $row:ty) => {
        // An anonymous scope, so these imports cannot clash with those of `impl_sql_store!`.
        const _: () = {
            use crate::store::webhooks::{DeliveryQuery, IDS_PER_STATEMENT, WEBHOOK_COLUMNS, WebhookStore};
            use crate::store::{StoreError, StoreResult};
            use nps_core::webhooks::{AlertPolicy, DeliveryRow, ResponseEvent, Webhook, WebhookInput};
            use sqlx::{AssertSqlSafe, QueryBuilder, Row as _};

            fn webhook_from_row(row: &$row) -> StoreResult<Webhook> {
                Ok(Webhook {
                    id: row.try_get("id")?,
                    project_id: row.try_get("project_id")?,
                    url: row.try_get("url")?,
                    secret: row.try_get("secret")?,
                    events: serde_json::from_str(&row.try_get::<String, _>("events")?)?,
                    bands: serde_json::from_str(&row.try_get::<String, _>("bands")?)?,
                    format: crate::store::typed("format", row.try_get("format")?)?,
                    enabled: row.try_get("enabled")?,
                    description: crate::store::typed_opt("description", row.try_get("description")?)?,
                    created_at: row.try_get("created_at")?,
                    updated_at: row.try_get("updated_at")?,
                })
            }

            fn delivery_from_row(row: &$row) -> StoreResult<DeliveryRow> {
                Ok(DeliveryRow {
                    id: row.try_get("id")?,
                    message_id: row.try_get("message_id")?,
                    project_id: row.try_get("project_id")?,
                    channel: crate::store::typed("channel", row.try_get("channel")?)?,
                    kind: row.try_get("kind")?,
                    target: row.try_get("target")?,
                    attempt: row.try_get("attempt")?,
                    status: crate::store::typed("status", row.try_get("status")?)?,
                    status_code: row.try_get("status_code")?,
                    error: row.try_get("error")?,
                    duration_ms: row.try_get("duration_ms")?,
                    reference: row.try_get("reference")?,
                    at: row.try_get("at")?,
                })
            }

            fn event_from_row(row: &$row) -> StoreResult<ResponseEvent> {
                let score: Option<i64> = row.try_get("score")?;
                let score = score.map(nps_core::NpsScore::new).transpose().map_err(|e| StoreError::Corrupt(e.to_string()))?;
                Ok(ResponseEvent {
                    response_id: row.try_get("id")?,
                    project_id: row.try_get("project_id")?,
                    survey_id: row.try_get("survey_id")?,
                    survey_name: row.try_get("survey_name")?,
                    survey_kind: crate::store::typed("survey_kind", row.try_get("survey_kind")?)?,
                    user_id: row.try_get("user_id")?,
                    account_id: row.try_get("account_id")?,
                    score: score.map(nps_core::NpsScore::value),
                    band: score.map(nps_core::NpsScore::band),
                    comment: row.try_get("comment")?,
                    language: row.try_get("language")?,
                    created_at: row.try_get("created_at")?,
                    completed_at: row.try_get("completed_at")?,
                })
            }

            #[async_trait::async_trait]
            impl WebhookStore for $store {
                async fn create_webhook(&self, project_id: i64, input: &WebhookInput, secret: &str, now: i64) -> StoreResult<Webhook> {
                    let row = sqlx::query(AssertSqlSafe(format!(
                        "INSERT INTO webhook_endpoints (project_id, url, secret, events, bands, format, enabled, description, \
                         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING {WEBHOOK_COLUMNS}"
                    )))
                    .bind(project_id)
                    .bind(&input.url)
                    .bind(secret)
                    .bind(serde_json::to_string(&input.events)?)
                    .bind(serde_json::to_string(&input.bands)?)
                    .bind(input.format.as_str())
                    .bind(input.enabled)
                    .bind(input.description.as_deref())
                    .bind(now)
                    .fetch_one(&self.pool)
                    .await?;
                    webhook_from_row(&row)
                }

                async fn update_webhook(&self, id: i64, input: &WebhookInput, now: i64) -> StoreResult<Option<Webhook>> {
                    let row = sqlx::query(AssertSqlSafe(format!(
                        "UPDATE webhook_endpoints SET url = $1, events = $2, bands = $3, format = $4, enabled = $5, \
                         description = $6, updated_at = $7 WHERE id = $8 RETURNING {WEBHOOK_COLUMNS}"
                    )))
                    .bind(&input.url)
                    .bind(serde_json::to_string(&input.events)?)
                    .bind(serde_json::to_string(&input.bands)?)
                    .bind(input.format.as_str())
                    .bind(input.enabled)
                    .bind(input.description.as_deref())
                    .bind(now)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                    row.as_ref().map(webhook_from_row).transpose()
                }

                async fn set_webhook_secret(&self, id: i64, secret: &str, now: i64) -> StoreResult<Option<Webhook>> {
                    let row = sqlx::query(AssertSqlSafe(format!(
                        "UPDATE webhook_endpoints SET secret = $1, updated_at = $2 WHERE id = $3 RETURNING {WEBHOOK_COLUMNS}"
                    )))
                    .bind(secret)
                    .bind(now)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                    row.as_ref().map(webhook_from_row).transpose()
                }

                async fn delete_webhook(&self, id: i64) -> StoreResult<bool> {
                    let done = sqlx::query("DELETE FROM webhook_endpoints WHERE id = $1").bind(id).execute(&self.pool).await?;
                    Ok(done.rows_affected() > 0)
                }

                async fn get_webhook(&self, id: i64) -> StoreResult<Option<Webhook>> {
                    let row = sqlx::query(AssertSqlSafe(format!("SELECT {WEBHOOK_COLUMNS} FROM webhook_endpoints WHERE id = $1")))
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?;
                    row.as_ref().map(webhook_from_row).transpose()
                }

                async fn list_webhooks(&self, project_id: i64) -> StoreResult<Vec<Webhook>> {
                    let rows = sqlx::query(AssertSqlSafe(format!(
                        "SELECT {WEBHOOK_COLUMNS} FROM webhook_endpoints WHERE project_id = $1 ORDER BY id"
                    )))
                    .bind(project_id)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter().map(webhook_from_row).collect()
                }

                async fn alert_policy(&self, project_id: i64) -> StoreResult<AlertPolicy> {
                    project_policy_get!(&self.pool, "alert_policies", project_id, AlertPolicy)
                }

                async fn set_alert_policy(&self, project_id: i64, policy: &AlertPolicy) -> StoreResult<()> {
                    project_policy_set!(&self.pool, "alert_policies", project_id, policy)
                }

                async fn response_events(&self, ids: &[String]) -> StoreResult<Vec<ResponseEvent>> {
                    let mut events = Vec::with_capacity(ids.len());
                    for chunk in ids.chunks(IDS_PER_STATEMENT) {
                        let mut qb = QueryBuilder::<$db>::new(
                            "SELECT r.id, r.project_id, r.survey_id, s.name AS survey_name, s.kind AS survey_kind, r.user_id, \
                             r.account_id, r.score, r.comment, r.language, r.created_at, r.completed_at \
                             FROM responses r JOIN surveys s ON s.id = r.survey_id WHERE r.id IN (",
                        );
                        let mut list = qb.separated(", ");
                        for id in chunk {
                            list.push_bind(id);
                        }
                        qb.push(")");
                        for row in qb.build().fetch_all(&self.pool).await? {
                            events.push(event_from_row(&row)?);
                        }
                    }
                    Ok(events)
                }

                async fn followup_owners(&self, response_ids: &[String]) -> StoreResult<Vec<(String, Option<String>)>> {
                    let mut owners = Vec::with_capacity(response_ids.len());
                    for chunk in response_ids.chunks(IDS_PER_STATEMENT) {
                        let mut qb = QueryBuilder::<$db>::new("SELECT response_id, owner FROM followups WHERE response_id IN (");
                        let mut list = qb.separated(", ");
                        for id in chunk {
                            list.push_bind(id);
                        }
                        qb.push(")");
                        for row in qb.build().fetch_all(&self.pool).await? {
                            owners.push((row.try_get("response_id")?, row.try_get("owner")?));
                        }
                    }
                    Ok(owners)
                }

                async fn record_delivery(&self, d: &DeliveryRow) -> StoreResult<()> {
                    sqlx::query(
                        "INSERT INTO deliveries (message_id, project_id, channel, kind, target, attempt, status, status_code, \
                         error, duration_ms, reference, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                    )
                    .bind(&d.message_id)
                    .bind(d.project_id)
                    .bind(d.channel.as_str())
                    .bind(&d.kind)
                    .bind(&d.target)
                    .bind(d.attempt)
                    .bind(d.status.as_str())
                    .bind(d.status_code)
                    .bind(&d.error)
                    .bind(d.duration_ms)
                    .bind(&d.reference)
                    .bind(d.at)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn list_deliveries(&self, q: &DeliveryQuery) -> StoreResult<Vec<DeliveryRow>> {
                    let mut qb = QueryBuilder::<$db>::new(
                        "SELECT id, message_id, project_id, channel, kind, target, attempt, status, status_code, error, \
                         duration_ms, reference, at FROM deliveries WHERE 1 = 1",
                    );
                    if let Some(p) = q.project_id {
                        qb.push(" AND project_id = ").push_bind(p);
                    }
                    if let Some(c) = q.channel {
                        qb.push(" AND channel = ").push_bind(c.as_str());
                    }
                    if let Some(s) = q.status {
                        qb.push(" AND status = ").push_bind(s.as_str());
                    }
                    if let Some(m) = &q.message_id {
                        qb.push(" AND message_id = ").push_bind(m.clone());
                    }
                    if let Some(k) = &q.kind {
                        qb.push(" AND kind = ").push_bind(k.clone());
                    }
                    if let Some(since) = q.since {
                        qb.push(" AND at >= ").push_bind(since);
                    }
                    qb.push(" ORDER BY id DESC LIMIT ").push_bind(q.limit);
                    let rows = qb.build().fetch_all(&self.pool).await?;
                    rows.iter().map(delivery_from_row).collect()
                }
            }
        };
    };
}
