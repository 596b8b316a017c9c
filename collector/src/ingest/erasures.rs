//! The ledger of erasures, as the drainer reads it: which respondents were erased and when,
//! keyed by an HMAC of (project, user id) with a key derived from the server secret, never the
//! identifier itself.
//!
//! Why the drainer needs it: records acknowledged before an erasure may still sit in a spool
//! (this collector's, if the process died between the SQL commit and the spool rewrite; another
//! collector's, on a shared PostgreSQL). The drainer drops a record whose respondent was erased
//! at or after the record's acknowledgement time; a later record is new data (the person used
//! the product again after asking to be forgotten) and is kept.
//!
//! The erasure and the drainer's passes exclude each other through [`ErasureLedger::lock`]: a
//! pass holds it from reading the ledger to removing its records from the spool, the erasure
//! from its SQL transaction to the spool rewrite. So a pass either applied the records before
//! the erasure (which then deletes them from SQL) or sees the erasure (and drops them).

use crate::ingest::IngestRecord;
use crate::ingest::purge::{record_at, record_subject};
use crate::store::{DynStore, StoreResult};
use crate::keyed_hash::KeyedHash;
use std::collections::HashMap;
use tokio::sync::{Mutex, MutexGuard};

/// How far back a refresh re-reads the shared ledger: an erasure committed on another collector
/// becomes visible a little after its `erased_at` (clock skew, commit latency).
const REFRESH_OVERLAP_MS: i64 = 5 * 60 * 1000;

#[derive(Default)]
pub struct LedgerState {
    /// project -> subject -> erased at (ms).
    erased: HashMap<i64, HashMap<String, i64>>,
    /// The latest `erased_at` read from SQL.
    seen: i64,
}

pub struct ErasureLedger {
    key: KeyedHash,
    store: DynStore,
    /// Re-read the ledger from SQL before every drain pass: other collectors may erase
    /// (PostgreSQL). A SQLite collector is the only writer and knows every erasure it made.
    shared: bool,
    state: Mutex<LedgerState>,
}

impl ErasureLedger {
    /// `secret` is the server secret; the ledger key is derived from it, so the ledger cannot be
    /// matched against session tokens or anything else keyed with the secret itself.
    pub fn new(secret: &[u8], store: DynStore, shared: bool) -> Self {
        Self { key: KeyedHash::for_purpose(secret, b"nps erasure ledger v1"), store, shared, state: Mutex::default() }
    }

    /// The ledger's name for a user of a project.
    pub fn subject(&self, project_id: i64, user_id: &str) -> String {
        hex::encode(self.key.of(&[&project_id.to_be_bytes(), user_id.as_bytes()]))
    }

    /// Reads the whole ledger from SQL (at start-up).
    pub async fn load(&self) -> StoreResult<()> {
        let mut state = self.state.lock().await;
        for (project_id, subject, at) in self.store.erasures_since(i64::MIN).await? {
            state.note(project_id, subject, at);
        }
        Ok(())
    }

    /// Excludes erasures and drain passes from each other (see the module comment).
    pub async fn lock(&self) -> LedgerGuard<'_> {
        LedgerGuard { ledger: self, state: self.state.lock().await }
    }
}

impl LedgerState {
    fn note(&mut self, project_id: i64, subject: String, at: i64) {
        let slot = self.erased.entry(project_id).or_default().entry(subject).or_insert(at);
        *slot = (*slot).max(at);
        self.seen = self.seen.max(at);
    }
}

pub struct LedgerGuard<'a> {
    ledger: &'a ErasureLedger,
    state: MutexGuard<'a, LedgerState>,
}

impl LedgerGuard<'_> {
    /// Picks up erasures other collectors made (shared database only).
    pub async fn refresh(&mut self) -> StoreResult<()> {
        if !self.ledger.shared {
            return Ok(());
        }
        let since = self.state.seen.saturating_sub(REFRESH_OVERLAP_MS);
        for (project_id, subject, at) in self.ledger.store.erasures_since(since).await? {
            self.state.note(project_id, subject, at);
        }
        Ok(())
    }

    /// Records an erasure this collector just committed.
    pub fn record(&mut self, project_id: i64, subjects: &[String], at: i64) {
        for subject in subjects {
            self.state.note(project_id, subject.clone(), at);
        }
    }

    /// Whether the record was acknowledged before its respondent was erased. Costs one HMAC
    /// only for records of projects that have erasures.
    pub fn erased(&self, record: &IngestRecord) -> bool {
        let (project_id, user_id) = record_subject(record);
        let Some(erased) = self.state.erased.get(&project_id) else { return false };
        erased.get(&self.ledger.subject(project_id, user_id)).is_some_and(|at| record_at(record) <= *at)
    }

    /// Takes the records of erased respondents out of a drain batch: their keys go to `done`
    /// (removed from the spool without reaching SQL).
    pub fn drop_erased(&self, done: &mut Vec<u64>, keys: &mut Vec<u64>, records: &mut Vec<IngestRecord>) {
        if self.state.erased.is_empty() {
            return;
        }
        let mut kept_keys = Vec::with_capacity(keys.len());
        let mut kept = Vec::with_capacity(records.len());
        for (key, record) in keys.drain(..).zip(records.drain(..)) {
            if self.erased(&record) {
                done.push(key);
            } else {
                kept_keys.push(key);
                kept.push(record);
            }
        }
        *keys = kept_keys;
        *records = kept;
    }
}
