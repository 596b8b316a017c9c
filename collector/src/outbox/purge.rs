//! Erasure in the outbox: messages about an erased respondent (webhooks and alerts about their
//! answers, invitations and reminders to them), waiting, failed or remembered as delivered, are
//! removed, and the file is rewritten with the rest so none of their bytes is left in it (see
//! [`crate::redb_rewrite`]).

use super::{DELIVERED, DUE_EMAIL, DUE_WEBHOOK, Envelope, FAILED, Message, Outbox, PENDING, redb_err};
use redb::{Database, ReadableDatabase, ReadableTable};
use std::sync::Arc;

/// The outbox's default cache (redb's own default would be far more than it needs).
const CACHE_BYTES: usize = 16 * 1024 * 1024;

pub(super) fn read_db(db: &std::sync::RwLock<Arc<Database>>) -> std::sync::RwLockReadGuard<'_, Arc<Database>> {
    db.read().unwrap_or_else(|p| p.into_inner())
}

/// A waiting or failed message, as [`Outbox::purge`] shows it to the caller.
pub struct Held<'a> {
    pub id: &'a str,
    pub message: Option<&'a Message>,
}

impl Outbox {
    /// Messages (pending or failed) `pick` chooses, for an export.
    pub async fn find(&self, pick: impl Fn(&Held) -> bool + Send + 'static) -> anyhow::Result<Vec<(String, Envelope)>> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            let db = read_db(&db);
            let txn = db.begin_read().map_err(redb_err)?;
            let mut out = Vec::new();
            for table in [PENDING, FAILED] {
                for entry in txn.open_table(table).map_err(redb_err)?.iter().map_err(redb_err)? {
                    let (id, bytes) = entry.map_err(redb_err)?;
                    let envelope: Envelope = serde_json::from_slice(bytes.value())?;
                    if pick(&Held { id: id.value(), message: Some(&envelope.message) }) {
                        out.push((id.value().to_owned(), envelope));
                    }
                }
            }
            Ok(out)
        })
        .await?
    }

    /// Removes every message `pick` chooses (by id, and by content where the message is still
    /// held) and rewrites the file with the others; returns how many messages went. Holds the
    /// write lock throughout, so no enqueue or delivery outcome can be written to the old file
    /// and lost.
    pub async fn purge(&self, pick: impl Fn(&Held) -> bool + Send + 'static) -> anyhow::Result<u64> {
        let (db, path) = (self.db.clone(), self.path.clone());
        let removed = tokio::task::spawn_blocking(move || -> anyhow::Result<u64> {
            let mut current = db.write().unwrap_or_else(|p| p.into_inner());
            let read = current.begin_read().map_err(redb_err)?;
            let mut removed = 0;
            let new = crate::redb_rewrite::rewrite_file(&path, CACHE_BYTES, |txn| {
                let mut gone = std::collections::HashSet::new();
                for table in [PENDING, FAILED] {
                    let mut target = txn.open_table(table).map_err(redb_err)?;
                    for entry in read.open_table(table).map_err(redb_err)?.iter().map_err(redb_err)? {
                        let (id, bytes) = entry.map_err(redb_err)?;
                        let envelope: Option<Envelope> = serde_json::from_slice(bytes.value()).ok();
                        if pick(&Held { id: id.value(), message: envelope.as_ref().map(|e| &e.message) }) {
                            gone.insert(id.value().to_owned());
                        } else {
                            target.insert(id.value(), bytes.value()).map_err(redb_err)?;
                        }
                    }
                }
                for table in [DUE_WEBHOOK, DUE_EMAIL] {
                    let mut target = txn.open_table(table).map_err(redb_err)?;
                    for entry in read.open_table(table).map_err(redb_err)?.iter().map_err(redb_err)? {
                        let (key, _) = entry.map_err(redb_err)?;
                        let (at, id) = key.value();
                        if !gone.contains(id) {
                            target.insert((at, id), ()).map_err(redb_err)?;
                        }
                    }
                }
                let mut target = txn.open_table(DELIVERED).map_err(redb_err)?;
                for entry in read.open_table(DELIVERED).map_err(redb_err)?.iter().map_err(redb_err)? {
                    let (id, at) = entry.map_err(redb_err)?;
                    if pick(&Held { id: id.value(), message: None }) {
                        gone.insert(id.value().to_owned());
                    } else {
                        target.insert(id.value(), at.value()).map_err(redb_err)?;
                    }
                }
                removed = gone.len() as u64;
                Ok(())
            })?;
            drop(read);
            *current = Arc::new(new);
            Ok(removed)
        })
        .await??;
        let depth = self.depth().await?;
        self.metrics.outbox_pending.set(i64::try_from(depth).unwrap_or(i64::MAX));
        Ok(removed)
    }
}
