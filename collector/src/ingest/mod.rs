//! The write path: a validated record is made durable, then acknowledged.

mod drainer;
mod hook;
mod record;
mod spool;

pub use drainer::{Drainer, now_ms};
pub use hook::ApplyHook;
pub use record::{BatchParts, DecisionLog, IngestRecord};
pub use spool::{Spool, SpoolError};

use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::store::{DynStore, StoreError};
use std::sync::Arc;

/// Where acknowledged writes go.
#[derive(Clone)]
pub enum Ingestor {
    /// The production path: redb spool with group commit, drained to SQL in the background.
    Spool { spool: Arc<Spool>, metrics: Arc<Metrics> },
    /// The naive baseline: one SQL transaction per request. `hook` hears of what committed
    /// (webhook events), before the request is acknowledged.
    Direct { store: DynStore, metrics: Arc<Metrics>, hook: Option<Arc<dyn ApplyHook>> },
}

impl Ingestor {
    /// Returns once the record is durable (spool fsync or SQL commit), with its spool key
    /// when it went through the spool.
    #[tracing::instrument(skip_all, fields(kind = record.kind()))]
    pub async fn submit(&self, record: IngestRecord) -> Result<Option<u64>, ApiError> {
        let kind = record.kind();
        match self {
            Ingestor::Spool { spool, metrics } => {
                let bytes = serde_json::to_vec(&record).map_err(|e| ApiError::Internal(e.into()))?;
                let key = spool.append(bytes).await.map_err(|e| ApiError::Unavailable(e.into()))?;
                metrics.accepted.with_label_values(&[kind]).inc();
                return Ok(Some(key));
            }
            Ingestor::Direct { store, metrics, hook } => {
                match store.apply_batch(std::slice::from_ref(&record)).await {
                    Ok(()) => {}
                    Err(StoreError::Unavailable(e)) => return Err(ApiError::Unavailable(e.into())),
                    Err(e) => return Err(ApiError::Internal(e.into())),
                }
                // Refused (503) if the events cannot be recorded: the client retries, the
                // upsert is idempotent and the hook enqueues the same ids again.
                if let Some(hook) = hook {
                    hook.on_applied(std::slice::from_ref(&record)).await.map_err(ApiError::Unavailable)?;
                }
                metrics.accepted.with_label_values(&[kind]).inc();
            }
        }
        Ok(None)
    }
}

/// The last spooled write of each recently active user, so that a decision can wait for that
/// user's own writes (identify, answers, declines) to reach SQL before it reads their history:
/// the browser sends `identify` and then `decide` within milliseconds.
#[derive(Default)]
pub struct RecentWrites {
    last: std::sync::Mutex<std::collections::HashMap<(i64, String), u64>>,
}

impl RecentWrites {
    const CLEAN_ABOVE: usize = 100_000;

    pub fn record(&self, project_id: i64, user_id: &str, key: Option<u64>, drained_up_to: u64) {
        let Some(key) = key else { return };
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if last.len() >= Self::CLEAN_ABOVE {
            last.retain(|_, k| *k > drained_up_to);
        }
        last.insert((project_id, user_id.to_owned()), key);
    }

    pub fn last(&self, project_id: i64, user_id: &str) -> Option<u64> {
        let last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        last.get(&(project_id, user_id.to_owned())).copied()
    }
}
