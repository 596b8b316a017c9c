//! The outbox: webhooks and e-mails still to deliver, in their own redb file
//! (`data_dir/outbox.redb`), so that a message handed over is never lost, whatever happens to
//! the process, the receiver or the SMTP relay.
//!
//! Tables:
//! - `pending`: id -> envelope (message, attempts so far, next attempt time, last error);
//! - `due_webhook` / `due_email`: (next attempt ms, id) -> (), the schedule the worker reads
//!   in time order (one per channel, so e-mails can wait while SMTP is not configured without
//!   being scanned);
//! - `delivered`: id -> delivery time, kept for the retention window so that enqueueing the
//!   same id again is a no-op;
//! - `failed`: id -> envelope, messages that used up their attempts.
//!
//! Every write commits with `Durability::Immediate` (fsync) before returning.
//!
//! Delivery is at-least-once: a message leaves `pending` only in the same transaction that
//! records it in `delivered`, after the receiver said yes. A crash between the receiver's yes
//! and that commit repeats the delivery. Each webhook carries its stable `webhook-id`, the same
//! on every retry and across restarts, and Standard Webhooks receivers drop a `webhook-id` they
//! have already processed; at-least-once delivery plus a stable id the receiver dedupes on is
//! exactly-once processing at the receiver. E-mails carry a `Message-ID` derived from the id
//! for the same reason.

pub mod address;
mod alert_budget;
mod events;
mod purge;
pub mod signature;
mod transport;
mod worker;

pub use alert_budget::AlertBudget;
pub use events::EventPublisher;
pub use crate::config::{OutboxSettings, SmtpSettings, SmtpTls};
pub use transport::Transports;
pub use worker::{Worker, backoff_ms};

use crate::metrics::Metrics;
use crate::store::DynStore;
use anyhow::Context;
use redb::{Database, Durability, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use tokio::sync::Notify;

const PENDING: TableDefinition<&str, &[u8]> = TableDefinition::new("pending");
const DUE_WEBHOOK: TableDefinition<(u64, &str), ()> = TableDefinition::new("due_webhook");
const DUE_EMAIL: TableDefinition<(u64, &str), ()> = TableDefinition::new("due_email");
const DELIVERED: TableDefinition<&str, u64> = TableDefinition::new("delivered");
const FAILED: TableDefinition<&str, &[u8]> = TableDefinition::new("failed");

/// A message to deliver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "channel", rename_all = "snake_case")]
pub enum Message {
    Webhook(WebhookMessage),
    Email(EmailMessage),
}

/// One event for one endpoint. The body is built (and frozen) when the event is enqueued; the
/// endpoint's URL and secret are read at each attempt, so fixing a wrong URL or rotating the
/// secret applies to messages already waiting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookMessage {
    pub project_id: i64,
    pub endpoint_id: i64,
    /// `response.created`, `response.completed`, `webhook.test`.
    pub event: String,
    /// The exact JSON body sent and signed.
    pub body: String,
}

/// The `kind` of a campaign's reminder e-mails, whose recipients the delivery log withholds
/// (see `worker.rs`).
pub const REMINDER_KIND: &str = "reminder";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmailMessage {
    pub project_id: i64,
    /// One address.
    pub to: String,
    pub subject: String,
    /// Plain-text body (always).
    pub text: String,
    /// Optional HTML alternative.
    pub html: Option<String>,
    /// `invitation`, `reminder`, `alert` ...: shown in the delivery log.
    pub kind: String,
    /// Free text for the delivery log, e.g. "campaign 3 recipient r_ab12".
    pub reference: String,
}

pub use nps_core::webhooks::{Channel, DeliveryStatus};

/// The schedule of one channel's due messages.
fn due_table(channel: Channel) -> TableDefinition<'static, (u64, &'static str), ()> {
    match channel {
        Channel::Webhook => DUE_WEBHOOK,
        Channel::Email => DUE_EMAIL,
    }
}

impl Message {
    pub fn channel(&self) -> Channel {
        match self {
            Message::Webhook(_) => Channel::Webhook,
            Message::Email(_) => Channel::Email,
        }
    }

    pub fn project_id(&self) -> i64 {
        match self {
            Message::Webhook(w) => w.project_id,
            Message::Email(e) => e.project_id,
        }
    }

    /// What the delivery log shows as the kind.
    pub fn kind(&self) -> &str {
        match self {
            Message::Webhook(w) => &w.event,
            Message::Email(e) => &e.kind,
        }
    }
}

/// A message with its delivery state, as stored in `pending` and `failed`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope {
    pub message: Message,
    /// Attempts made so far.
    pub attempts: u32,
    /// When the next attempt is due (unix ms); also its key in the channel's schedule.
    pub next_at: u64,
    pub enqueued_at: u64,
    pub last_error: Option<String>,
}

pub struct Outbox {
    /// Swapped for a rewritten file by an erasure (see `purge.rs`): every read and write holds
    /// the read lock for its whole transaction.
    db: Arc<std::sync::RwLock<Arc<Database>>>,
    path: std::path::PathBuf,
    wake: Arc<Notify>,
    retention_ms: u64,
    smtp_configured: bool,
    store: DynStore,
    metrics: Arc<Metrics>,
}

fn now_ms() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0)
}

fn redb_err(e: impl Into<redb::Error>) -> anyhow::Error {
    anyhow::Error::new(e.into())
}

impl Outbox {
    pub fn open(path: &Path, settings: &OutboxSettings, smtp_configured: bool, store: DynStore, metrics: Arc<Metrics>) -> anyhow::Result<Arc<Self>> {
        crate::redb_rewrite::remove_leftover(path);
        let db = Database::create(path).with_context(|| format!("opening the outbox {}", path.display()))?;
        // Create the tables so that readers never meet a missing one.
        let txn = db.begin_write().map_err(redb_err)?;
        for table in [PENDING, FAILED] {
            txn.open_table(table).map_err(redb_err)?;
        }
        txn.open_table(DUE_WEBHOOK).map_err(redb_err)?;
        txn.open_table(DUE_EMAIL).map_err(redb_err)?;
        txn.open_table(DELIVERED).map_err(redb_err)?;
        txn.commit().map_err(redb_err)?;
        let outbox = Self {
            db: Arc::new(std::sync::RwLock::new(Arc::new(db))),
            path: path.to_path_buf(),
            wake: Arc::new(Notify::new()),
            retention_ms: settings.delivered_retention_days.saturating_mul(86_400_000),
            smtp_configured,
            store,
            metrics,
        };
        let depth = outbox.depth_blocking()?;
        outbox.metrics.outbox_pending.set(i64::try_from(depth).unwrap_or(i64::MAX));
        Ok(Arc::new(outbox))
    }

    /// Durably (fsync'd) records the message for delivery unless a message with this `id` was
    /// already enqueued (pending, failed, or delivered within the retention window): idempotent
    /// by id, so callers that may repeat themselves after a crash pass a deterministic id.
    /// Returns true when newly enqueued.
    pub async fn enqueue(&self, id: &str, message: Message) -> anyhow::Result<bool> {
        let added = self.enqueue_batch(vec![(id.to_owned(), message)]).await?;
        Ok(added.first().copied().unwrap_or(false))
    }

    /// [`enqueue`](Self::enqueue) for many messages in one transaction (one fsync); returns,
    /// per message, whether it was newly enqueued.
    pub async fn enqueue_batch(&self, messages: Vec<(String, Message)>) -> anyhow::Result<Vec<bool>> {
        if messages.is_empty() {
            return Ok(Vec::new());
        }
        let db = self.db.clone();
        let retention = self.retention_ms;
        let (added, messages) = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            let db = purge::read_db(&db);
            let now = now_ms();
            let mut txn = db.begin_write().map_err(redb_err)?;
            txn.set_durability(Durability::Immediate).map_err(|e| anyhow::anyhow!("{e}"))?;
            let mut added = Vec::with_capacity(messages.len());
            {
                let mut pending = txn.open_table(PENDING).map_err(redb_err)?;
                let delivered = txn.open_table(DELIVERED).map_err(redb_err)?;
                let failed = txn.open_table(FAILED).map_err(redb_err)?;
                let mut due_webhook = txn.open_table(DUE_WEBHOOK).map_err(redb_err)?;
                let mut due_email = txn.open_table(DUE_EMAIL).map_err(redb_err)?;
                for (id, message) in &messages {
                    let delivered_at = delivered.get(id.as_str()).map_err(redb_err)?.map(|v| v.value());
                    let known = pending.get(id.as_str()).map_err(redb_err)?.is_some()
                        || failed.get(id.as_str()).map_err(redb_err)?.is_some()
                        || delivered_at.is_some_and(|at| at.saturating_add(retention) > now);
                    if known {
                        added.push(false);
                        continue;
                    }
                    let envelope = Envelope { message: message.clone(), attempts: 0, next_at: now, enqueued_at: now, last_error: None };
                    pending.insert(id.as_str(), serde_json::to_vec(&envelope)?.as_slice()).map_err(redb_err)?;
                    match message.channel() {
                        Channel::Webhook => due_webhook.insert((now, id.as_str()), ()).map_err(redb_err)?,
                        Channel::Email => due_email.insert((now, id.as_str()), ()).map_err(redb_err)?,
                    };
                    added.push(true);
                }
            }
            txn.commit().map_err(redb_err)?;
            Ok((added, messages))
        })
        .await??;
        let count = added.iter().filter(|a| **a).count();
        if count > 0 {
            self.metrics.outbox_pending.add(i64::try_from(count).unwrap_or(i64::MAX));
            self.wake.notify_one();
            self.note_unsendable(&messages, &added).await;
        }
        Ok(added)
    }

    /// E-mails enqueued while SMTP is not configured wait; the delivery log says why.
    async fn note_unsendable(&self, messages: &[(String, Message)], added: &[bool]) {
        if self.smtp_configured {
            return;
        }
        for ((id, message), _) in messages.iter().zip(added).filter(|(_, a)| **a) {
            if let Message::Email(email) = message {
                let row = worker::log_row(id, message, &email.to, 0, DeliveryStatus::Waiting, None, Some("SMTP not configured".into()), None);
                if let Err(e) = self.store.record_delivery(&row).await {
                    tracing::warn!(error = %e, "could not write the delivery log");
                }
            }
        }
    }

    /// Up to `limit` messages of `channel` due at `now`, oldest due first, leaving out `busy` ids.
    pub(crate) async fn due(&self, channel: Channel, now: u64, limit: usize, busy: HashSet<String>) -> anyhow::Result<Vec<(String, Envelope)>> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            let db = purge::read_db(&db);
            let txn = db.begin_read().map_err(redb_err)?;
            let schedule = txn.open_table(due_table(channel)).map_err(redb_err)?;
            let pending = txn.open_table(PENDING).map_err(redb_err)?;
            let mut out = Vec::new();
            for entry in schedule.range(..(now.saturating_add(1), "")).map_err(redb_err)? {
                if out.len() >= limit {
                    break;
                }
                let (key, _) = entry.map_err(redb_err)?;
                let (_, id) = key.value();
                if busy.contains(id) {
                    continue;
                }
                if let Some(bytes) = pending.get(id).map_err(redb_err)? {
                    out.push((id.to_owned(), serde_json::from_slice(bytes.value())?));
                }
            }
            Ok(out)
        })
        .await?
    }

    /// When the next message of `channel` not in `busy` is due.
    pub(crate) async fn next_due(&self, channel: Channel, busy: HashSet<String>) -> anyhow::Result<Option<u64>> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            let db = purge::read_db(&db);
            let txn = db.begin_read().map_err(redb_err)?;
            let schedule = txn.open_table(due_table(channel)).map_err(redb_err)?;
            for entry in schedule.iter().map_err(redb_err)? {
                let (key, _) = entry.map_err(redb_err)?;
                let (at, id) = key.value();
                if !busy.contains(id) {
                    return Ok(Some(at));
                }
            }
            Ok(None)
        })
        .await?
    }

    /// Records the success and removes the message from `pending` in one durable transaction.
    pub(crate) async fn mark_delivered(&self, id: &str, envelope: &Envelope) -> anyhow::Result<()> {
        let (id, envelope) = (id.to_owned(), envelope.clone());
        self.finish(move |txn| {
            // Purged by an erasure while it was being delivered: leave no trace of it.
            if !Self::still_pending(txn, &id)? {
                return Ok(());
            }
            txn.open_table(DELIVERED).map_err(redb_err)?.insert(id.as_str(), now_ms()).map_err(redb_err)?;
            Self::unschedule(txn, &id, &envelope)
        })
        .await?;
        self.metrics.outbox_pending.dec();
        Ok(())
    }

    /// Moves a message that used up its attempts (or cannot be delivered) to `failed`.
    pub(crate) async fn mark_failed(&self, id: &str, envelope: &Envelope) -> anyhow::Result<()> {
        let (id, envelope) = (id.to_owned(), envelope.clone());
        self.finish(move |txn| {
            if !Self::still_pending(txn, &id)? {
                return Ok(());
            }
            let bytes = serde_json::to_vec(&envelope)?;
            txn.open_table(FAILED).map_err(redb_err)?.insert(id.as_str(), bytes.as_slice()).map_err(redb_err)?;
            Self::unschedule(txn, &id, &envelope)
        })
        .await?;
        self.metrics.outbox_pending.dec();
        Ok(())
    }

    /// Stores the envelope after a failed attempt, scheduled for its next attempt.
    pub(crate) async fn reschedule(&self, id: &str, previous_next_at: u64, envelope: &Envelope) -> anyhow::Result<()> {
        let (id, envelope) = (id.to_owned(), envelope.clone());
        self.finish(move |txn| {
            if !Self::still_pending(txn, &id)? {
                return Ok(());
            }
            let channel = envelope.message.channel();
            let mut schedule = txn.open_table(due_table(channel)).map_err(redb_err)?;
            schedule.remove((previous_next_at, id.as_str())).map_err(redb_err)?;
            schedule.insert((envelope.next_at, id.as_str()), ()).map_err(redb_err)?;
            let bytes = serde_json::to_vec(&envelope)?;
            txn.open_table(PENDING).map_err(redb_err)?.insert(id.as_str(), bytes.as_slice()).map_err(redb_err)?;
            Ok(())
        })
        .await
    }

    /// Whether the message is still waiting (an erasure may have purged it meanwhile).
    fn still_pending(txn: &redb::WriteTransaction, id: &str) -> anyhow::Result<bool> {
        Ok(txn.open_table(PENDING).map_err(redb_err)?.get(id).map_err(redb_err)?.is_some())
    }

    fn unschedule(txn: &redb::WriteTransaction, id: &str, envelope: &Envelope) -> anyhow::Result<()> {
        txn.open_table(due_table(envelope.message.channel())).map_err(redb_err)?.remove((envelope.next_at, id)).map_err(redb_err)?;
        txn.open_table(PENDING).map_err(redb_err)?.remove(id).map_err(redb_err)?;
        Ok(())
    }

    async fn finish<F>(&self, change: F) -> anyhow::Result<()>
    where
        F: FnOnce(&redb::WriteTransaction) -> anyhow::Result<()> + Send + 'static,
    {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            let db = purge::read_db(&db);
            let mut txn = db.begin_write().map_err(redb_err)?;
            txn.set_durability(Durability::Immediate).map_err(|e| anyhow::anyhow!("{e}"))?;
            change(&txn)?;
            txn.commit().map_err(redb_err)?;
            Ok(())
        })
        .await?
    }

    /// Forgets delivered ids older than the retention window; returns how many.
    pub(crate) async fn purge_delivered(&self) -> anyhow::Result<u64> {
        let db = self.db.clone();
        let cutoff = now_ms().saturating_sub(self.retention_ms);
        tokio::task::spawn_blocking(move || -> anyhow::Result<u64> {
            let db = purge::read_db(&db);
            let txn = db.begin_write().map_err(redb_err)?;
            let removed = {
                let mut delivered = txn.open_table(DELIVERED).map_err(redb_err)?;
                let before = delivered.len().map_err(redb_err)?;
                delivered.retain(|_, at| at >= cutoff).map_err(redb_err)?;
                before - delivered.len().map_err(redb_err)?
            };
            txn.commit().map_err(redb_err)?;
            Ok(removed)
        })
        .await?
    }

    fn depth_blocking(&self) -> anyhow::Result<u64> {
        let txn = purge::read_db(&self.db).begin_read().map_err(redb_err)?;
        txn.open_table(PENDING).map_err(redb_err)?.len().map_err(redb_err)
    }

    /// Messages waiting for delivery.
    pub async fn depth(&self) -> anyhow::Result<u64> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<u64> {
            let db = purge::read_db(&db);
            let txn = db.begin_read().map_err(redb_err)?;
            txn.open_table(PENDING).map_err(redb_err)?.len().map_err(redb_err)
        })
        .await?
    }

    /// Messages that used up their attempts.
    pub async fn failed_count(&self) -> anyhow::Result<u64> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<u64> {
            let db = purge::read_db(&db);
            let txn = db.begin_read().map_err(redb_err)?;
            txn.open_table(FAILED).map_err(redb_err)?.len().map_err(redb_err)
        })
        .await?
    }

    pub(crate) fn wake(&self) -> Arc<Notify> {
        self.wake.clone()
    }
}

#[cfg(test)]
mod tests;
