//! Checks the audit log's hash chain: every entry's hash is recomputed from its stored content,
//! every entry must name the previous entry's hash and follow it by one, and the newest entry
//! must be the stored chain head. An operator who edits, deletes or inserts rows directly in
//! the database (after dropping the triggers) cannot make all of that hold without the hashes
//! of every later entry changing too, which the head (and any copy of it kept elsewhere)
//! exposes.

use crate::store::StoreResult;
use crate::store::audit::{AuditRow, AuditStore, GENESIS_HASH};
use nps_core::wire::AuditVerification;

/// Entries read per round trip.
const PAGE: i64 = 1_000;

/// What is wrong with `row` as the successor of (`prev_seq`, `prev_hash`), if anything.
pub fn problem(row: &AuditRow, prev_seq: i64, prev_hash: &str) -> Option<String> {
    if row.seq != prev_seq + 1 {
        return Some(format!("entry {} follows entry {prev_seq}: entries are missing", row.seq));
    }
    if row.prev_hash != prev_hash {
        return Some(format!("entry {} does not link to the hash of entry {prev_seq}", row.seq));
    }
    if row.record.chain_hash(row.seq, &row.prev_hash) != row.hash {
        return Some(format!("entry {} was changed after it was written (its hash does not match its content)", row.seq));
    }
    None
}

/// Walks the whole chain, oldest first.
pub async fn verify<S: AuditStore + ?Sized>(store: &S) -> StoreResult<AuditVerification> {
    let (head_seq, head_hash) = store.audit_head().await?;
    let (mut prev_seq, mut prev_hash) = (0_i64, GENESIS_HASH.to_owned());
    let mut entries = 0_u64;
    let broken = |at: i64, what: String, entries: u64| AuditVerification {
        intact: false,
        entries,
        head_seq,
        head_hash: head_hash.clone(),
        broken_at: Some(at),
        problem: Some(what),
    };
    loop {
        let page = store.audit_chain_after(prev_seq, PAGE).await?;
        for row in &page {
            if let Some(what) = problem(row, prev_seq, &prev_hash) {
                return Ok(broken(row.seq, what, entries));
            }
            entries += 1;
            (prev_seq, prev_hash) = (row.seq, row.hash.clone());
        }
        if (page.len() as i64) < PAGE {
            break;
        }
    }
    if (prev_seq, prev_hash.as_str()) != (head_seq, head_hash.as_str()) {
        let what = format!("the newest entry is {prev_seq} but the chain head says {head_seq}: entries were removed or the head altered");
        return Ok(broken(prev_seq.max(head_seq), what, entries));
    }
    Ok(AuditVerification { intact: true, entries, head_seq, head_hash, broken_at: None, problem: None })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::audit::AuditRecord;

    fn row(seq: i64, prev_hash: &str, status: i32) -> AuditRow {
        let record = AuditRecord {
            at: seq,
            actor_id: None,
            actor_email: None,
            actor_role: None,
            kind: "write".into(),
            action: "POST /api/admin/session".into(),
            target: "{}".into(),
            status,
            client_addr: None,
            user_agent: None,
        };
        let hash = record.chain_hash(seq, prev_hash);
        AuditRow { seq, record, prev_hash: prev_hash.to_owned(), hash }
    }

    #[test]
    fn a_changed_a_missing_and_a_relinked_entry_are_each_found() {
        let first = row(1, GENESIS_HASH, 200);
        assert_eq!(problem(&first, 0, GENESIS_HASH), None);
        let second = row(2, &first.hash, 401);
        assert_eq!(problem(&second, 1, &first.hash), None);
        let mut edited = second.clone();
        edited.record.status = 200;
        assert!(problem(&edited, 1, &first.hash).is_some_and(|p| p.contains("changed")));
        assert!(problem(&second, 0, GENESIS_HASH).is_some_and(|p| p.contains("missing")));
        let forged = row(2, GENESIS_HASH, 401);
        assert!(problem(&forged, 1, &first.hash).is_some_and(|p| p.contains("does not link")));
    }
}
