//! The audit log (issue #12): what `GET /api/admin/audit` and `/audit/verify` answer.

use crate::names::names;
use super::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// What an audit entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum AuditKind {
    /// Any request that is not a read under `/api/admin` (sign-in, sign-out, bootstrap,
    /// invitations, user lifecycle, configuration), whatever its outcome.
    Write,
    /// A download of answers or links (CSV, XLSX, JSON export).
    Export,
    /// A read of protected answers (employee NPS, anonymous or confidential partner NPS).
    ProtectedRead,
    /// A read or export of the audit log itself.
    AuditRead,
    /// Another read refused with 401 (credentials presented) or 403.
    Denied,
}

names!(AuditKind { Write => "write", Export => "export", ProtectedRead => "protected_read", AuditRead => "audit_read", Denied => "denied" });

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditEntry {
    /// Position in the chain, from 1; pages are keyed by it.
    pub seq: i64,
    /// Unix milliseconds.
    pub at: i64,
    /// The signed-in user, when there was one (a snapshot: the user may since be deleted).
    pub actor_id: Option<i64>,
    pub actor_email: Option<String>,
    pub actor_role: Option<String>,
    /// Stored as text; an unknown value reads as `write`.
    pub kind: AuditKind,
    /// Method and route pattern, e.g. `PUT /api/admin/projects/{id}`.
    pub action: String,
    /// The route's path parameters (tokens never), and for protected reads `survey_id` and
    /// `wave`, for exports `format`.
    pub target: BTreeMap<String, String>,
    /// The HTTP status answered.
    pub status: u16,
    /// The peer address of the connection.
    pub client_addr: Option<String>,
    /// At most 200 characters.
    pub user_agent: Option<String>,
    /// SHA-256 (hex) of the previous entry's hash and this entry's content.
    pub hash: String,
}

/// One page of the audit log, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    pub next_before: Option<i64>,
}

/// The result of checking the audit log's hash chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditVerification {
    /// Every entry links to the one before and the chain head matches the newest entry.
    pub intact: bool,
    /// Entries checked.
    pub entries: u64,
    /// The chain head as stored (seq and hash of the newest entry).
    pub head_seq: i64,
    pub head_hash: String,
    /// The first entry (seq) where the chain breaks.
    pub broken_at: Option<i64>,
    /// What is wrong there.
    pub problem: Option<String>,
}
