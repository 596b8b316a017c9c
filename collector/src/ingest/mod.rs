//! The write path: a validated record is made durable, then acknowledged.

mod drainer;
pub mod erasures;
pub mod purge;

mod recent_writes;
mod spool;

pub use crate::clock::now_ms;
pub use drainer::Drainer;
pub use crate::store::hook::ApplyHook;
pub use crate::store::records::{BatchParts, DecisionLog, IngestRecord};
pub use recent_writes::RecentWrites;
pub use spool::{Spool, SpoolError};

use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::resident::Resident;
use crate::store::{DynStore, StoreError};
use std::sync::Arc;

/// Where acknowledged writes go.
#[derive(Clone)]
pub enum Ingestor {
    /// The production path: redb spool with group commit, drained to SQL in the background.
    /// `resident` (when eligibility facts are kept in memory) hears of every acknowledged record.
    Spool { spool: Arc<Spool>, metrics: Arc<Metrics>, resident: Option<Arc<Resident>> },
    /// The naive baseline: one SQL transaction per request. `hook` hears of what committed
    /// (webhook events), before the request is acknowledged.
    Direct { store: DynStore, metrics: Arc<Metrics>, hook: Option<Arc<dyn ApplyHook>> },
}

impl Ingestor {
    /// Returns once the record is durable (spool fsync or SQL commit), with its spool key
    /// when it went through the spool.
    #[tracing::instrument(skip_all, fields(kind = record.kind()))]
    pub async fn submit(&self, record: IngestRecord) -> Result<Option<u64>, ApiError> {
        self.submit_all(vec![record]).await
    }

    /// Makes the records durable together (one spool commit, or one SQL transaction); returns
    /// the last spool key.
    pub async fn submit_all(&self, records: Vec<IngestRecord>) -> Result<Option<u64>, ApiError> {
        match self {
            Ingestor::Spool { spool, metrics, resident } => {
                let bytes = records
                    .iter()
                    .map(serde_json::to_vec)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| ApiError::Internal(e.into()))?;
                let key = spool.append_all(bytes).await.map_err(|e| ApiError::Unavailable(e.into()))?;
                for record in &records {
                    if let Some(resident) = resident {
                        resident.apply(record);
                    }
                    metrics.accepted.with_label_values(&[record.kind()]).inc();
                }
                Ok(Some(key))
            }
            Ingestor::Direct { store, metrics, hook } => {
                match store.apply_batch(&records).await {
                    Ok(()) => {}
                    Err(StoreError::Unavailable(e)) => return Err(ApiError::Unavailable(e.into())),
                    Err(e) => return Err(ApiError::Internal(e.into())),
                }
                // Refused (503) if the events cannot be recorded: the client retries, the
                // upsert is idempotent and the hook enqueues the same ids again.
                if let Some(hook) = hook {
                    hook.on_applied(&records).await.map_err(ApiError::Unavailable)?;
                }
                for record in &records {
                    metrics.accepted.with_label_values(&[record.kind()]).inc();
                }
                Ok(None)
            }
        }
    }

    /// The in-memory eligibility facts, when this collector keeps them.
    pub fn resident(&self) -> Option<&Arc<Resident>> {
        match self {
            Ingestor::Spool { resident, .. } => resident.as_ref(),
            Ingestor::Direct { .. } => None,
        }
    }
}

