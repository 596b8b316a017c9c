//! Erasure in the spool: records of an erased respondent that were acknowledged but not yet
//! drained are removed, and the file is rewritten so no byte of them (nor of their records
//! drained earlier, whose freed pages still hold them) is left in it.

use super::IngestRecord;
use super::spool::{SharedDb, read_db};
use redb::{ReadableDatabase, TableDefinition};
use std::path::Path;
use std::sync::Arc;

/// Picks the records (spool bytes) to remove.
pub type Pick = Box<dyn Fn(&[u8]) -> bool + Send>;

pub(super) use crate::redb_rewrite::remove_leftover;

/// The project and user a record is about (every record names its user).
pub fn record_subject(record: &IngestRecord) -> (i64, &str) {
    match record {
        IngestRecord::Identify { project_id, user_id, .. } => (*project_id, user_id),
        IngestRecord::Display { project_id, display, .. } => (*project_id, &display.user_id),
        IngestRecord::Response { project_id, response, .. } => (*project_id, &response.user_id),
        IngestRecord::Complete { project_id, complete, .. } => (*project_id, &complete.user_id),
        IngestRecord::Feedback { project_id, feedback, .. } => (*project_id, &feedback.user_id),
        IngestRecord::Decision { project_id, decision, .. } => (*project_id, &decision.user_id),
    }
}

/// When the record was acknowledged (server time).
pub fn record_at(record: &IngestRecord) -> i64 {
    match record {
        IngestRecord::Identify { at, .. }
        | IngestRecord::Display { at, .. }
        | IngestRecord::Response { at, .. }
        | IngestRecord::Complete { at, .. }
        | IngestRecord::Feedback { at, .. }
        | IngestRecord::Decision { at, .. } => *at,
    }
}

/// The answer id a record carries, if it is an answer or its completion.
pub fn record_response_id(record: &IngestRecord) -> Option<&str> {
    match record {
        IngestRecord::Response { response, .. } => Some(&response.response_id),
        IngestRecord::Complete { response_id, .. } => Some(response_id),
        _ => None,
    }
}

/// Runs on the spool's writer thread, so no append or removal interleaves: copies every record
/// `pick` does not choose into a new file with the same keys, puts it in place and swaps it in.
pub(super) fn rewrite(db: &SharedDb, path: &Path, table: TableDefinition<u64, &[u8]>, cache_bytes: usize, pick: &Pick) -> anyhow::Result<u64> {
    let old = read_db(db).clone();
    let read = old.begin_read()?;
    let source = read.open_table(table)?;
    let mut removed = 0;
    let new = crate::redb_rewrite::rewrite_file(path, cache_bytes, |txn| {
        let mut target = txn.open_table(table)?;
        for entry in redb::ReadableTable::range::<u64>(&source, ..)? {
            let (key, value) = entry?;
            if pick(value.value()) {
                removed += 1;
            } else {
                target.insert(key.value(), value.value())?;
            }
        }
        Ok(())
    })?;
    drop(source);
    drop(read);
    // Readers hold the read lock for the whole of their read: once this is taken, none is
    // left on the old file, and the next one opens the new.
    *db.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(new);
    Ok(removed)
}
