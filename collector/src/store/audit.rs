//! The audit log's storage: append under the chain lock, page through, walk the chain. The SQL
//! is in `sql/audit.rs`, instantiated per backend by [`impl_audit_store!`].
//!
//! Entries form a hash chain: `hash = SHA-256(prev_hash "\n" canonical content)`, the first
//! entry's `prev_hash` being 64 zeros. The chain head (`audit_chain`: seq and hash of the
//! newest entry) is read and advanced in the transaction that inserts the entry, under a lock
//! every collector sharing the database takes (SQLite: the single writer, `BEGIN IMMEDIATE`;
//! PostgreSQL: a transaction-scoped advisory lock), so concurrent appends cannot fork the chain.

use super::StoreResult;
use async_trait::async_trait;
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The advisory lock that serialises appends on PostgreSQL (any constant unlikely to collide
/// with the FNV-hashed keys of the other locks; a collision would only serialise more).
pub const AUDIT_LOCK_KEY: i64 = 0x6175_6469_745f_6c67; // "audit_lg"

/// An entry's content, as recorded (everything the hash covers besides seq and prev_hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor_email: Option<String>,
    pub actor_role: Option<String>,
    /// `nps_core::wire::AuditKind` as text.
    pub kind: String,
    pub action: String,
    /// Canonical JSON object (sorted keys) of the target.
    pub target: String,
    pub status: i32,
    pub client_addr: Option<String>,
    pub user_agent: Option<String>,
}

/// An entry as stored: its content and its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    pub seq: i64,
    pub record: AuditRecord,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditRecord {
    /// The hash of this content at `seq` after `prev_hash`. The content is a JSON array in a
    /// fixed order, so the same values always hash the same and no field can be shifted into
    /// another.
    pub fn chain_hash(&self, seq: i64, prev_hash: &str) -> String {
        let content = serde_json::json!([
            seq,
            self.at,
            self.actor_id,
            self.actor_email,
            self.actor_role,
            self.kind,
            self.action,
            self.target,
            self.status,
            self.client_addr,
            self.user_agent,
        ]);
        let mut hasher = Sha256::new();
        hasher.update(prev_hash.as_bytes());
        hasher.update(b"\n");
        hasher.update(content.to_string().as_bytes());
        hex::encode(hasher.finalize())
    }
}

/// Which entries a listing reads, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Keyset cursor: only entries with a smaller seq.
    pub before: Option<i64>,
    pub actor_id: Option<i64>,
    /// Lower-cased e-mail of the actor snapshot.
    pub actor_email: Option<String>,
    pub kind: Option<String>,
    /// A `LIKE` pattern (lower-cased, `\`-escaped) on the action.
    pub action_like: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub limit: i64,
}

#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends one entry at the chain head; answers its seq and hash.
    async fn append_audit(&self, record: &AuditRecord) -> StoreResult<(i64, String)>;

    /// Entries matching the query, newest first.
    async fn list_audit(&self, query: &AuditQuery) -> StoreResult<Vec<AuditRow>>;

    /// Up to `limit` entries after `after_seq`, oldest first (for walking the chain).
    async fn audit_chain_after(&self, after_seq: i64, limit: i64) -> StoreResult<Vec<AuditRow>>;

    /// The stored chain head: seq and hash of the newest entry (0 and [`GENESIS_HASH`] when
    /// empty).
    async fn audit_head(&self) -> StoreResult<(i64, String)>;
}

macro_rules! impl_audit_store {
    ($store:ident, $row:ty) => {
        impl $store {
            fn audit_row(r: &$row) -> crate::store::StoreResult<crate::store::audit::AuditRow> {
                use sqlx::Row;
                Ok(crate::store::audit::AuditRow {
                    seq: r.try_get("seq")?,
                    record: crate::store::audit::AuditRecord {
                        at: r.try_get("at")?,
                        actor_id: r.try_get("actor_id")?,
                        actor_email: r.try_get("actor_email")?,
                        actor_role: r.try_get("actor_role")?,
                        kind: r.try_get("kind")?,
                        action: r.try_get("action")?,
                        target: r.try_get("target")?,
                        status: r.try_get("status")?,
                        client_addr: r.try_get("client_addr")?,
                        user_agent: r.try_get("user_agent")?,
                    },
                    prev_hash: r.try_get("prev_hash")?,
                    hash: r.try_get("hash")?,
                })
            }
        }

        #[async_trait::async_trait]
        impl crate::store::audit::AuditStore for $store {
            async fn append_audit(&self, record: &crate::store::audit::AuditRecord) -> crate::store::StoreResult<(i64, String)> {
                use crate::store::sql::audit as sql;
                use sqlx::Row;
                let mut tx = self.begin_keyed_transaction(crate::store::audit::AUDIT_LOCK_KEY).await?;
                let head = sqlx::query(sql::HEAD).fetch_optional(&mut *tx).await?;
                let Some(head) = head else {
                    return Err(crate::store::StoreError::Corrupt("the audit chain head row is missing".into()));
                };
                let (prev_seq, prev_hash): (i64, String) = (head.try_get("seq")?, head.try_get("hash")?);
                let seq = prev_seq + 1;
                let hash = record.chain_hash(seq, &prev_hash);
                sqlx::query(sql::INSERT)
                    .bind(seq)
                    .bind(record.at)
                    .bind(record.actor_id)
                    .bind(record.actor_email.as_deref())
                    .bind(record.actor_role.as_deref())
                    .bind(record.kind.as_str())
                    .bind(record.action.as_str())
                    .bind(record.target.as_str())
                    .bind(record.status)
                    .bind(record.client_addr.as_deref())
                    .bind(record.user_agent.as_deref())
                    .bind(prev_hash.as_str())
                    .bind(hash.as_str())
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(sql::ADVANCE_HEAD).bind(seq).bind(hash.as_str()).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok((seq, hash))
            }

            async fn list_audit(&self, q: &crate::store::audit::AuditQuery) -> crate::store::StoreResult<Vec<crate::store::audit::AuditRow>> {
                let rows: Vec<$row> = sqlx::query(crate::store::sql::audit::LIST)
                    .bind(q.before)
                    .bind(q.actor_id)
                    .bind(q.actor_email.as_deref())
                    .bind(q.kind.as_deref())
                    .bind(q.action_like.as_deref())
                    .bind(q.from)
                    .bind(q.to)
                    .bind(q.limit)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(Self::audit_row).collect()
            }

            async fn audit_chain_after(&self, after_seq: i64, limit: i64) -> crate::store::StoreResult<Vec<crate::store::audit::AuditRow>> {
                let rows: Vec<$row> =
                    sqlx::query(crate::store::sql::audit::CHAIN_AFTER).bind(after_seq).bind(limit).fetch_all(&self.pool).await?;
                rows.iter().map(Self::audit_row).collect()
            }

            async fn audit_head(&self) -> crate::store::StoreResult<(i64, String)> {
                use sqlx::Row;
                match sqlx::query(crate::store::sql::audit::HEAD).fetch_optional(&self.pool).await? {
                    Some(r) => Ok((r.try_get("seq")?, r.try_get("hash")?)),
                    None => Err(crate::store::StoreError::Corrupt("the audit chain head row is missing".into())),
                }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> AuditRecord {
        AuditRecord {
            at: 1_700_000_000_000,
            actor_id: Some(1),
            actor_email: Some("owner@example.com".into()),
            actor_role: Some("owner".into()),
            kind: "write".into(),
            action: "PUT /api/admin/projects/{id}".into(),
            target: r#"{"id":"3"}"#.into(),
            status: 200,
            client_addr: Some("127.0.0.1".into()),
            user_agent: None,
        }
    }

    #[test]
    fn the_hash_covers_every_field_the_seq_and_the_previous_hash() {
        let base = record().chain_hash(1, GENESIS_HASH);
        assert_eq!(base.len(), 64);
        assert_eq!(base, record().chain_hash(1, GENESIS_HASH), "the hash is deterministic");
        assert_ne!(base, record().chain_hash(2, GENESIS_HASH));
        assert_ne!(base, record().chain_hash(1, &"1".repeat(64)));
        let changes: [fn(&mut AuditRecord); 6] = [
            |r| r.status = 403,
            |r| r.actor_id = None,
            |r| r.target = r#"{"id":"4"}"#.into(),
            |r| r.user_agent = Some(String::new()),
            |r| r.at += 1,
            |r| r.kind = "export".into(),
        ];
        for change in changes {
            let mut changed = record();
            change(&mut changed);
            assert_ne!(changed.chain_hash(1, GENESIS_HASH), base);
        }
    }

    #[test]
    fn moving_text_between_fields_changes_the_hash() {
        let mut a = record();
        a.actor_email = Some("a".into());
        a.actor_role = Some("bc".into());
        let mut b = record();
        b.actor_email = Some("ab".into());
        b.actor_role = Some("c".into());
        assert_ne!(a.chain_hash(1, GENESIS_HASH), b.chain_hash(1, GENESIS_HASH));
    }
}
