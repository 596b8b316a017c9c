//! Moves spooled records into SQL in batches and removes them from the spool only after the
//! SQL transaction committed. A database outage leaves records in the spool (retried with
//! back-off); a record the database refuses goes to the dead-letter table with the reason.

use crate::clock::now_ms;
use crate::store::records::snapshot_safe_prefix;
use super::{ApplyHook, IngestRecord, Spool};
use crate::metrics::Metrics;
use crate::store::{DynStore, StoreError};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

pub struct Drainer {
    pub spool: Arc<Spool>,
    pub store: DynStore,
    pub metrics: Arc<Metrics>,
    pub batch: usize,
    /// How long to keep draining after shutdown was asked for.
    pub shutdown_grace: Duration,
    /// After a batch that was not full, how long to let records gather before the next one.
    pub linger: Duration,
    /// Hears of the records of each committed batch before they leave the spool.
    pub hook: Option<Arc<dyn ApplyHook>>,
    /// Erased respondents: their records still spooled are dropped, not applied.
    pub erasures: Option<Arc<super::erasures::ErasureLedger>>,
}

/// What became of one pass over the head of the spool.
enum Pass {
    Empty,
    /// Moved records; `caught_up` when the spool held no more than this pass took.
    Progress { caught_up: bool },
    /// The database is unavailable; wait before trying again.
    Blocked,
}

const MAX_BACKOFF: Duration = Duration::from_secs(5);
const IDLE_POLL: Duration = Duration::from_millis(250);

impl Drainer {
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut backoff = Duration::from_millis(50);
        loop {
            if *shutdown.borrow() {
                self.final_drain().await;
                return;
            }
            match self.pass().await {
                Pass::Progress { caught_up } => {
                    backoff = Duration::from_millis(50);
                    // Under a steady stream, let records gather for a moment instead of
                    // committing a small transaction (and a WAL fsync) for every few of them:
                    // fewer, fuller transactions leave the cores to the requests.
                    if caught_up && !self.linger.is_zero() {
                        tokio::select! {
                            _ = tokio::time::sleep(self.linger) => {}
                            _ = shutdown.changed() => {}
                        }
                    }
                }
                Pass::Empty => {
                    tokio::select! {
                        _ = self.spool.wait_for_append() => {}
                        _ = tokio::time::sleep(IDLE_POLL) => {}
                        _ = shutdown.changed() => {}
                    }
                }
                Pass::Blocked => {
                    tokio::select! {
                        _ = tokio::time::sleep(backoff) => {}
                        _ = shutdown.changed() => {}
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    }

    /// On shutdown: keep draining while it makes progress, up to the grace period. What is
    /// left stays in the spool for the next start; nothing is lost either way.
    async fn final_drain(&self) {
        let deadline = tokio::time::Instant::now() + self.shutdown_grace;
        while tokio::time::Instant::now() < deadline {
            match self.pass().await {
                Pass::Progress { .. } => continue,
                Pass::Empty => break,
                Pass::Blocked => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
        match self.spool.depth().await {
            Ok(0) => tracing::info!("spool drained"),
            Ok(left) => tracing::warn!(left, "records left in the spool; they will be drained at the next start"),
            Err(e) => tracing::error!(error = %e, "could not read the spool depth"),
        }
    }

    async fn pass(&self) -> Pass {
        let entries = match self.spool.peek(self.batch).await {
            Ok(entries) => entries,
            Err(e) => {
                tracing::error!(error = %e, "could not read the spool");
                return Pass::Blocked;
            }
        };
        if entries.is_empty() {
            self.metrics.spool_depth.set(0);
            return Pass::Empty;
        }
        let caught_up = entries.len() < self.batch;
        // Held until the batch has left the spool, so an erasure happens wholly before this
        // pass (and its records are dropped here) or wholly after (and deletes them from SQL).
        let mut ledger = match &self.erasures {
            Some(ledger) => Some(ledger.lock().await),
            None => None,
        };
        if let Some(ledger) = &mut ledger
            && let Err(e) = ledger.refresh().await
        {
            tracing::warn!(error = %e, "could not read the erasure ledger; records stay in the spool");
            return Pass::Blocked;
        }
        let (mut done, mut keys, mut records) = self.decode(entries).await;
        // The rest stays in the spool for the next pass (see `snapshot_safe_prefix`).
        let safe = snapshot_safe_prefix(&records);
        let caught_up = caught_up && safe == records.len();
        keys.truncate(safe);
        records.truncate(safe);
        if let Some(ledger) = &ledger {
            ledger.drop_erased(&mut done, &mut keys, &mut records);
        }
        match self.store.apply_batch(&records).await {
            Ok(()) => done.extend(keys),
            Err(StoreError::Unavailable(e)) => {
                self.metrics.drain_failures.inc();
                tracing::warn!(error = %e, "database unavailable; records stay in the spool");
                return Pass::Blocked;
            }
            Err(e) => {
                tracing::warn!(error = %e, "batch refused; applying its records one by one");
                match self.apply_one_by_one(&keys, &records).await {
                    Some(applied) => done.extend(applied),
                    None => return Pass::Blocked,
                }
            }
        }
        // After the commit, before the spool removal: a crash in between applies the batch
        // and calls the hook again, which is idempotent (deterministic outbox ids). Records
        // the database refused are not in SQL, so the hook finds nothing for them.
        if let Some(hook) = &self.hook
            && let Err(e) = hook.on_applied(&records).await
        {
            tracing::warn!(error = %format!("{e:#}"), "could not enqueue events; the batch is retried");
            return Pass::Blocked;
        }
        let count = done.len() as u64;
        let highest = done.iter().copied().max();
        if let Err(e) = self.spool.remove(done).await {
            // The records are in SQL and will be applied again (idempotently) next time.
            tracing::error!(error = %e, "could not remove drained records from the spool");
            return Pass::Blocked;
        }
        self.metrics.drained.inc_by(count);
        if let Some(highest) = highest {
            self.spool.mark_drained(highest);
        }
        // The depth gauge is refreshed when /metrics is read, not after every batch.
        Pass::Progress { caught_up }
    }

    /// Decodes entries. Returns the keys already dealt with (undecodable entries, which cannot
    /// come from this version of the collector, are dead-lettered so they never block the
    /// spool), and the keys and records still to apply.
    async fn decode(&self, entries: Vec<(u64, Vec<u8>)>) -> (Vec<u64>, Vec<u64>, Vec<IngestRecord>) {
        let mut dealt_with = Vec::new();
        let mut keys = Vec::with_capacity(entries.len());
        let mut records = Vec::with_capacity(entries.len());
        for (key, bytes) in entries {
            match serde_json::from_slice::<IngestRecord>(&bytes) {
                Ok(record) => {
                    keys.push(key);
                    records.push(record);
                }
                Err(e) => {
                    let raw = String::from_utf8_lossy(&bytes).into_owned();
                    if self.store.dead_letter(&raw, &format!("undecodable spool entry: {e}"), now_ms()).await.is_ok() {
                        self.metrics.dead_letters.inc();
                        dealt_with.push(key);
                    }
                }
            }
        }
        (dealt_with, keys, records)
    }

    /// Returns the keys that are done (stored or dead-lettered), or `None` when the database
    /// became unavailable half way (the rest will be retried).
    async fn apply_one_by_one(&self, keys: &[u64], records: &[IngestRecord]) -> Option<Vec<u64>> {
        let mut done = Vec::with_capacity(keys.len());
        for (key, record) in keys.iter().zip(records) {
            match self.store.apply_batch(std::slice::from_ref(record)).await {
                Ok(()) => done.push(*key),
                Err(StoreError::Unavailable(_)) => {
                    self.metrics.drain_failures.inc();
                    // What was applied so far is re-applied (idempotently) on the next pass.
                    return None;
                }
                Err(reason) => {
                    let raw = serde_json::to_string(record).unwrap_or_default();
                    tracing::warn!(kind = record.kind(), %reason, "record dead-lettered");
                    if self.store.dead_letter(&raw, &reason.to_string(), now_ms()).await.is_err() {
                        return None;
                    }
                    self.metrics.dead_letters.inc();
                    done.push(*key);
                }
            }
        }
        Some(done)
    }
}

