//! The write path: a validated record is made durable, then acknowledged.

mod drainer;
mod record;
mod spool;

pub use drainer::{Drainer, now_ms};
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
    /// The naive baseline: one SQL transaction per request.
    Direct { store: DynStore, metrics: Arc<Metrics> },
}

impl Ingestor {
    /// Returns once the record is durable (spool fsync or SQL commit).
    #[tracing::instrument(skip_all, fields(kind = record.kind()))]
    pub async fn submit(&self, record: IngestRecord) -> Result<(), ApiError> {
        let kind = record.kind();
        match self {
            Ingestor::Spool { spool, metrics } => {
                let bytes = serde_json::to_vec(&record).map_err(|e| ApiError::Internal(e.into()))?;
                spool.append(bytes).await.map_err(|e| ApiError::Unavailable(e.into()))?;
                metrics.accepted.with_label_values(&[kind]).inc();
            }
            Ingestor::Direct { store, metrics } => {
                match store.apply_batch(std::slice::from_ref(&record)).await {
                    Ok(()) => {}
                    Err(StoreError::Unavailable(e)) => return Err(ApiError::Unavailable(e.into())),
                    Err(e) => return Err(ApiError::Internal(e.into())),
                }
                metrics.accepted.with_label_values(&[kind]).inc();
            }
        }
        Ok(())
    }
}
