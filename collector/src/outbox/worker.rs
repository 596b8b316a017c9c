//! The delivery worker: one tokio task that hands due messages to at most `concurrency`
//! delivery tasks, retries failures with exponential back-off and jitter, wakes when a message
//! is enqueued or a delivery ends, and on shutdown stops taking new work and lets deliveries in
//! flight finish (within a grace period). Whatever is not finished stays pending in redb and is
//! picked up by the next start.

use super::transport::{AttemptResult, Outcome, Transports};
use super::{Channel, DeliveryStatus, Envelope, Message, Outbox, OutboxSettings};
use crate::metrics::Metrics;
use crate::store::DynStore;
use nps_core::webhooks::DeliveryRow;
use rand::Rng;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

pub struct Worker {
    pub outbox: Arc<Outbox>,
    pub transports: Transports,
    pub store: DynStore,
    pub settings: OutboxSettings,
    pub metrics: Arc<Metrics>,
}

/// The delay before the attempt after failed attempt number `attempt` (1-based):
/// `base * 2^(attempt-1)`, capped at `max`, of which the last quarter is random (`jitter` in
/// [0, 1)). Keeping three quarters fixed means each delay is at least the previous one, so
/// the back-off really grows, while the random part still spreads out retries of many
/// messages that failed together (a receiver coming back is not hit by all of them at once).
pub fn backoff_ms(base: u64, max: u64, attempt: u32, jitter: f64) -> u64 {
    let exponent = attempt.saturating_sub(1).min(40);
    let full = base.saturating_mul(1u64 << exponent).min(max.max(base));
    let fixed = full - full / 4;
    fixed + ((full / 4) as f64 * jitter.clamp(0.0, 1.0)) as u64
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn log_row(
    id: &str,
    message: &Message,
    target: &str,
    attempt: u32,
    status: DeliveryStatus,
    status_code: Option<i64>,
    error: Option<String>,
    duration_ms: Option<i64>,
) -> DeliveryRow {
    // A reminder goes only to those who had not answered: its recipient would tell the log's
    // readers who had not taken part by then, so the log keeps that it was sent, not to whom.
    let reminder = matches!(message, Message::Email(e) if e.kind == super::REMINDER_KIND);
    let (id, target) = if reminder { (reminder_log_id(id), "(recipient withheld)") } else { (id.to_owned(), target) };
    DeliveryRow {
        id: 0,
        message_id: id,
        project_id: Some(message.project_id()),
        channel: message.channel(),
        kind: message.kind().to_owned(),
        target: target.to_owned(),
        attempt: i64::from(attempt),
        status,
        status_code,
        error: error.map(|e| e.chars().take(1_000).collect()),
        duration_ms,
        reference: match message {
            Message::Email(_) if reminder => None,
            Message::Email(e) if !e.reference.is_empty() => Some(e.reference.clone()),
            _ => None,
        },
        at: chrono::Utc::now().timestamp_millis(),
    }
}

/// `remind:{campaign}:{wave}:{recipient}:{round}` without the recipient.
fn reminder_log_id(id: &str) -> String {
    let parts: Vec<&str> = id.split(':').collect();
    match parts.as_slice() {
        [kind, campaign, wave, _recipient, round] => format!("{kind}:{campaign}:{wave}:*:{round}"),
        _ => "remind:*".to_owned(),
    }
}

/// What every delivery task shares.
struct Shared {
    outbox: Arc<Outbox>,
    transports: Transports,
    store: DynStore,
    settings: OutboxSettings,
    metrics: Arc<Metrics>,
    busy: Mutex<HashSet<String>>,
}

const IDLE_WAKE: Duration = Duration::from_secs(60);
const PURGE_EVERY: Duration = Duration::from_secs(3_600);

impl Worker {
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let channels: Vec<Channel> =
            if self.transports.smtp_configured() { vec![Channel::Webhook, Channel::Email] } else { vec![Channel::Webhook] };
        let concurrency = self.settings.concurrency.max(1);
        let grace = Duration::from_secs(self.settings.shutdown_grace_secs);
        let shared = Arc::new(Shared {
            outbox: self.outbox,
            transports: self.transports,
            store: self.store,
            settings: self.settings,
            metrics: self.metrics,
            busy: Mutex::new(HashSet::new()),
        });
        let wake = shared.outbox.wake();
        let permits = Arc::new(Semaphore::new(concurrency));
        let mut tasks = JoinSet::new();
        let mut last_purge: Option<Instant> = None;
        loop {
            if *shutdown.borrow() {
                break;
            }
            while tasks.try_join_next().is_some() {}
            if last_purge.is_none_or(|t| t.elapsed() >= PURGE_EVERY) {
                last_purge = Some(Instant::now());
                match shared.outbox.purge_delivered().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(forgotten = n, "outbox: delivered ids past retention forgotten"),
                    Err(e) => tracing::warn!(error = %e, "outbox: could not purge delivered ids"),
                }
            }
            let sleep_for = match shared.dispatch(&channels, &permits, &mut tasks).await {
                Ok(sleep_for) => sleep_for,
                Err(e) => {
                    tracing::error!(error = %format!("{e:#}"), "outbox: could not read due messages");
                    Duration::from_secs(1)
                }
            };
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(sleep_for) => {}
                _ = shutdown.changed() => {}
            }
        }
        let in_flight = tasks.len();
        if in_flight > 0 {
            tracing::info!(in_flight, "outbox: waiting for deliveries in flight");
        }
        let finished = tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await;
        if finished.is_err() {
            // Cut short: these stay pending and are retried (same id) at the next start.
            tasks.abort_all();
            tracing::warn!("outbox: deliveries still in flight at shutdown are retried at the next start");
        }
        tracing::info!("outbox worker stopped");
    }
}

impl Shared {
    fn busy_ids(&self) -> HashSet<String> {
        self.busy.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Starts deliveries for due messages while permits last; returns how long to sleep when
    /// nothing wakes the worker earlier.
    async fn dispatch(self: &Arc<Self>, channels: &[Channel], permits: &Arc<Semaphore>, tasks: &mut JoinSet<()>) -> anyhow::Result<Duration> {
        let now = super::now_ms();
        let mut next: Option<u64> = None;
        for &channel in channels {
            let free = permits.available_permits();
            if free > 0 {
                for (id, envelope) in self.outbox.due(channel, now, free, self.busy_ids()).await? {
                    let Ok(permit) = permits.clone().try_acquire_owned() else { break };
                    self.busy.lock().unwrap_or_else(|p| p.into_inner()).insert(id.clone());
                    let shared = self.clone();
                    tasks.spawn(async move {
                        shared.deliver(&id, envelope).await;
                        shared.busy.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
                        drop(permit);
                        shared.outbox.wake().notify_one();
                    });
                }
            }
            if let Some(at) = self.outbox.next_due(channel, self.busy_ids()).await? {
                next = Some(next.map_or(at, |n| n.min(at)));
            }
        }
        // A due message with no free permit waits for a delivery to end (which wakes us).
        Ok(match next {
            Some(at) if at > now => Duration::from_millis(at - now).min(IDLE_WAKE),
            Some(_) if permits.available_permits() > 0 => Duration::ZERO,
            _ => IDLE_WAKE,
        })
    }

    #[tracing::instrument(skip_all, fields(id, channel = envelope.message.channel().as_str(), attempt = envelope.attempts + 1))]
    async fn deliver(&self, id: &str, envelope: Envelope) {
        let attempt = envelope.attempts + 1;
        let started = Instant::now();
        let result = self.transports.send(id, &envelope.message).await;
        let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let channel = envelope.message.channel().as_str();
        let status = match self.settle(id, &envelope, &result).await {
            Ok(status) => status,
            Err(e) => {
                // The message stays pending as it was and is tried again: at-least-once.
                tracing::error!(error = %format!("{e:#}"), "outbox: could not record the attempt");
                DeliveryStatus::Retrying
            }
        };
        self.metrics.outbox_attempts.with_label_values(&[channel, status.as_str()]).inc();
        match status {
            DeliveryStatus::Delivered => tracing::info!(target = %result.target, "delivered"),
            _ => tracing::warn!(target = %result.target, status = status.as_str(), error = result.error.as_deref().unwrap_or(""), "delivery attempt failed"),
        }
        let row = log_row(id, &envelope.message, &result.target, attempt, status, result.status_code, result.error, Some(duration_ms));
        if let Err(e) = self.store.record_delivery(&row).await {
            tracing::warn!(error = %e, "could not write the delivery log");
        }
    }

    /// Records the outcome in the outbox; returns the status for the log.
    async fn settle(&self, id: &str, envelope: &Envelope, result: &AttemptResult) -> anyhow::Result<DeliveryStatus> {
        let attempt = envelope.attempts + 1;
        let mut next = envelope.clone();
        next.attempts = attempt;
        next.last_error = result.error.clone();
        match result.outcome {
            Outcome::Delivered => {
                self.outbox.mark_delivered(id, envelope).await?;
                Ok(DeliveryStatus::Delivered)
            }
            Outcome::Retry if attempt < self.settings.max_attempts => {
                let jitter = rand::rng().random::<f64>();
                next.next_at = super::now_ms() + backoff_ms(self.settings.retry_base_ms, self.settings.retry_max_ms, attempt, jitter);
                self.outbox.reschedule(id, envelope.next_at, &next).await?;
                Ok(DeliveryStatus::Retrying)
            }
            Outcome::Retry | Outcome::Permanent => {
                self.outbox.mark_failed(id, &next).await?;
                self.metrics.outbox_failed.with_label_values(&[envelope.message.channel().as_str()]).inc();
                Ok(DeliveryStatus::Failed)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_is_capped_and_never_shrinks() {
        assert_eq!(backoff_ms(1_000, 3_600_000, 1, 0.0), 750);
        assert_eq!(backoff_ms(1_000, 3_600_000, 1, 1.0), 1_000);
        assert_eq!(backoff_ms(1_000, 3_600_000, 3, 1.0), 4_000);
        assert_eq!(backoff_ms(1_000, 10_000, 30, 1.0), 10_000);
        assert_eq!(backoff_ms(1_000, 10_000, u32::MAX, 0.5), backoff_ms(1_000, 10_000, 50, 0.5));
        for attempt in 1..12 {
            // Below the cap, the shortest next delay is at least the longest current one.
            assert!(backoff_ms(500, 3_600_000, attempt + 1, 0.0) >= backoff_ms(500, 3_600_000, attempt, 1.0));
        }
    }
}
