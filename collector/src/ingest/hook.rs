//! What happens after records reached SQL: the drainer (and the direct ingest path) call an
//! [`ApplyHook`] once a batch has committed and before the records leave the spool. If the hook
//! fails, the records stay in the spool and the batch is applied again later (idempotently),
//! so the hook sees them again: a hook must itself be idempotent (the outbox is, by message id).

use super::IngestRecord;
use async_trait::async_trait;

#[async_trait]
pub trait ApplyHook: Send + Sync {
    async fn on_applied(&self, records: &[IngestRecord]) -> anyhow::Result<()>;
}
