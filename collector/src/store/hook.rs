//! What happens after records reached SQL (declared with the records, so that what reacts to
//! them, such as the outbox, needs nothing of the spool): the drainer (and the direct ingest path) call an
//! [`ApplyHook`] once a batch has committed and before the records leave the spool. If the hook
//! fails, the records stay in the spool and the batch is applied again later (idempotently),
//! so the hook sees them again: a hook must itself be idempotent (the outbox is, by message id).

use super::records::IngestRecord;
use async_trait::async_trait;

#[async_trait]
pub trait ApplyHook: Send + Sync {
    async fn on_applied(&self, records: &[IngestRecord]) -> anyhow::Result<()>;
}
