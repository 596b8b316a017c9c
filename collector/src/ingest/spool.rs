//! The local durable spool: a redb table of records waiting to reach SQL.
//!
//! One writer thread owns all writes. Requests queue on a channel; the writer takes everything
//! queued (up to `max_group`), writes it in one transaction and commits with
//! `Durability::Immediate` (one fsync), then answers every waiting request. While one fsync
//! runs the next group gathers, so a single fsync serves many concurrent requests (group
//! commit) and nobody is acknowledged before their record is on disk.

use crate::metrics::Metrics;
use redb::{Database, Durability, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition};
use std::path::Path;
use std::sync::Arc;
use tokio::sync::{Notify, mpsc, oneshot, watch};

const SPOOL: TableDefinition<u64, &[u8]> = TableDefinition::new("spool");
const SPOOL_CACHE_BYTES: usize = 32 * 1024 * 1024;

enum Command {
    /// Records appended together (consecutive keys); the reply is the last key.
    Append(Vec<Vec<u8>>, oneshot::Sender<Result<u64, String>>),
    Remove(Vec<u64>, oneshot::Sender<Result<(), String>>),
    /// Rewrites the file without the records the predicate picks (see `super::purge`); the
    /// reply is how many went.
    Purge(super::purge::Pick, oneshot::Sender<Result<u64, String>>),
}

/// The open database, swapped for a rewritten file by a purge. Readers hold the read lock for
/// the whole of their read; the writer thread takes the write lock to swap.
pub(super) type SharedDb = Arc<std::sync::RwLock<Arc<Database>>>;

pub(super) fn read_db(db: &SharedDb) -> std::sync::RwLockReadGuard<'_, Arc<Database>> {
    db.read().unwrap_or_else(|p| p.into_inner())
}

pub struct Spool {
    db: SharedDb,
    commands: mpsc::Sender<Command>,
    /// Woken after every commit that appended records.
    appended: Arc<Notify>,
    /// The highest key that has reached SQL (the drainer moves forward in key order).
    drained: watch::Sender<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    #[error("spool writer has stopped")]
    Stopped,
    #[error("spool write failed: {0}")]
    Write(String),
    #[error(transparent)]
    Redb(#[from] redb::Error),
}

fn redb_err(e: impl Into<redb::Error>) -> SpoolError {
    SpoolError::Redb(e.into())
}

impl Spool {
    /// Opens (or creates) the spool file and starts its writer thread.
    pub fn open(path: &Path, max_group: usize, metrics: Arc<Metrics>) -> Result<Arc<Self>, SpoolError> {
        // The spool holds seconds of writes at most; a small cache keeps memory flat (redb's
        // default would let it grow towards 1 GiB under sustained load).
        super::purge::remove_leftover(path);
        let db = Arc::new(Database::builder().set_cache_size(SPOOL_CACHE_BYTES).create(path).map_err(redb_err)?);
        let txn = db.begin_write().map_err(redb_err)?;
        let next_key = {
            let table = txn.open_table(SPOOL).map_err(redb_err)?;
            let last = table.last().map_err(redb_err)?;
            last.map_or(1, |(k, _)| k.value() + 1)
        };
        txn.commit().map_err(redb_err)?;
        let (commands, receiver) = mpsc::channel(65_536);
        let appended = Arc::new(Notify::new());
        let first_left = first_key_left(&db)?;
        let db: SharedDb = Arc::new(std::sync::RwLock::new(db));
        let writer = Writer { db: db.clone(), path: path.to_path_buf(), receiver, next_key, max_group: max_group.max(1), appended: appended.clone(), metrics };
        std::thread::Builder::new()
            .name("spool-writer".into())
            .spawn(move || writer.run())
            .map_err(|e| SpoolError::Write(e.to_string()))?;
        let (drained, _) = watch::channel(next_key.saturating_sub(1).min(first_left.map_or(u64::MAX, |k| k - 1)));
        Ok(Arc::new(Self { db, commands, appended, drained }))
    }

    /// Appends one record; returns its key once it is on disk.
    pub async fn append(&self, record: Vec<u8>) -> Result<u64, SpoolError> {
        self.append_all(vec![record]).await
    }

    /// Appends records in one commit (all or none); returns the last key once they are on disk.
    pub async fn append_all(&self, records: Vec<Vec<u8>>) -> Result<u64, SpoolError> {
        if records.is_empty() {
            return Err(SpoolError::Write("nothing to append".into()));
        }
        let (tx, rx) = oneshot::channel();
        self.commands.send(Command::Append(records, tx)).await.map_err(|_| SpoolError::Stopped)?;
        rx.await.map_err(|_| SpoolError::Stopped)?.map_err(SpoolError::Write)
    }

    /// Removes records that have reached SQL.
    pub async fn remove(&self, keys: Vec<u64>) -> Result<(), SpoolError> {
        let (tx, rx) = oneshot::channel();
        self.commands.send(Command::Remove(keys, tx)).await.map_err(|_| SpoolError::Stopped)?;
        rx.await.map_err(|_| SpoolError::Stopped)?.map_err(SpoolError::Write)
    }

    /// Removes the records `pick` chooses and rewrites the file with the others, so no byte of
    /// the removed records is left in it; returns how many were removed.
    pub async fn purge(&self, pick: super::purge::Pick) -> Result<u64, SpoolError> {
        let (tx, rx) = oneshot::channel();
        self.commands.send(Command::Purge(pick, tx)).await.map_err(|_| SpoolError::Stopped)?;
        rx.await.map_err(|_| SpoolError::Stopped)?.map_err(SpoolError::Write)
    }

    /// The oldest `limit` records, in spool order.
    pub async fn peek(&self, limit: usize) -> Result<Vec<(u64, Vec<u8>)>, SpoolError> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || {
            let db = read_db(&db);
            let txn = db.begin_read().map_err(redb_err)?;
            let table = txn.open_table(SPOOL).map_err(redb_err)?;
            let mut out = Vec::with_capacity(limit.min(4096));
            for entry in table.range::<u64>(..).map_err(redb_err)?.take(limit) {
                let (k, v) = entry.map_err(redb_err)?;
                out.push((k.value(), v.value().to_vec()));
            }
            Ok(out)
        })
        .await
        .map_err(|e| SpoolError::Write(e.to_string()))?
    }

    pub async fn depth(&self) -> Result<u64, SpoolError> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || {
            let db = read_db(&db);
            let txn = db.begin_read().map_err(redb_err)?;
            let table = txn.open_table(SPOOL).map_err(redb_err)?;
            table.len().map_err(redb_err)
        })
        .await
        .map_err(|e| SpoolError::Write(e.to_string()))?
    }

    /// Records that every key up to `key` has reached SQL.
    pub fn mark_drained(&self, key: u64) {
        self.drained.send_if_modified(|current| {
            let moved = key > *current;
            if moved {
                *current = key;
            }
            moved
        });
    }

    /// Waits until `key` has reached SQL, at most `timeout`; `false` if it has not.
    pub async fn wait_drained(&self, key: u64, timeout: std::time::Duration) -> bool {
        let mut rx = self.drained.subscribe();
        tokio::time::timeout(timeout, rx.wait_for(|drained| *drained >= key)).await.is_ok_and(|r| r.is_ok())
    }

    pub fn drained_up_to(&self) -> u64 {
        *self.drained.borrow()
    }

    pub async fn wait_for_append(&self) {
        self.appended.notified().await;
    }
}

/// The oldest key still in the spool, if any (at start-up: everything before it is in SQL).
fn first_key_left(db: &Database) -> Result<Option<u64>, SpoolError> {
    let txn = db.begin_read().map_err(redb_err)?;
    let table = txn.open_table(SPOOL).map_err(redb_err)?;
    Ok(table.first().map_err(redb_err)?.map(|(k, _)| k.value()))
}

struct Writer {
    db: SharedDb,
    path: std::path::PathBuf,
    receiver: mpsc::Receiver<Command>,
    next_key: u64,
    max_group: usize,
    appended: Arc<Notify>,
    metrics: Arc<Metrics>,
}

impl Writer {
    fn run(mut self) {
        while let Some(first) = self.receiver.blocking_recv() {
            let mut group = vec![first];
            while group.len() < self.max_group {
                match self.receiver.try_recv() {
                    Ok(command) => group.push(command),
                    Err(_) => break,
                }
            }
            // A purge runs on its own, after the appends and removals queued before it.
            let (purges, group): (Vec<_>, Vec<_>) = group.into_iter().partition(|c| matches!(c, Command::Purge(..)));
            if !group.is_empty() {
                self.commit_group(group);
            }
            for purge in purges {
                if let Command::Purge(pick, reply) = purge {
                    let _ = reply.send(super::purge::rewrite(&self.db, &self.path, SPOOL, SPOOL_CACHE_BYTES, &pick).map_err(|e| e.to_string()));
                }
            }
        }
        tracing::info!("spool writer stopped");
    }

    fn commit_group(&mut self, group: Vec<Command>) {
        let first_key = self.next_key;
        match self.write(&group) {
            Ok(appended) => {
                self.next_key += appended;
                self.metrics.spool_commits.inc();
                self.metrics.spool_group_size.observe(group.len() as f64);
                let mut key = first_key;
                for command in group {
                    match command {
                        Command::Append(records, reply) => {
                            key += records.len() as u64;
                            let _ = reply.send(Ok(key - 1));
                        }
                        Command::Remove(_, reply) => {
                            let _ = reply.send(Ok(()));
                        }
                        Command::Purge(..) => {}
                    }
                }
                if appended > 0 {
                    self.appended.notify_one();
                }
            }
            Err(e) => {
                // Nothing of this group was acknowledged; every caller hears about the failure.
                tracing::error!(error = %e, "spool commit failed");
                let message = e.to_string();
                for command in group {
                    match command {
                        Command::Append(_, reply) => {
                            let _ = reply.send(Err(message.clone()));
                        }
                        Command::Remove(_, reply) => {
                            let _ = reply.send(Err(message.clone()));
                        }
                        Command::Purge(..) => {}
                    }
                }
            }
        }
    }

    /// Writes the group in one transaction and commits it durably; returns how many records
    /// were appended.
    fn write(&self, group: &[Command]) -> Result<u64, SpoolError> {
        let db = read_db(&self.db);
        let mut txn = db.begin_write().map_err(redb_err)?;
        txn.set_durability(Durability::Immediate).map_err(|e| SpoolError::Write(e.to_string()))?;
        let mut key = self.next_key;
        {
            let mut table = txn.open_table(SPOOL).map_err(redb_err)?;
            for command in group {
                match command {
                    Command::Append(records, _) => {
                        for bytes in records {
                            table.insert(key, bytes.as_slice()).map_err(redb_err)?;
                            key += 1;
                        }
                    }
                    Command::Remove(keys, _) => {
                        for k in keys {
                            table.remove(*k).map_err(redb_err)?;
                        }
                    }
                    Command::Purge(..) => {}
                }
            }
        }
        txn.commit().map_err(redb_err)?;
        Ok(key - self.next_key)
    }
}
