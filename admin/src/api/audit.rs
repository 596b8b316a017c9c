//! The audit log (owners): a filtered page of entries, the CSV export of the same filters, and
//! the check of its hash chain.

use super::*;
use nps_core::wire::{AuditKind, AuditPage, AuditVerification};

/// The filters of the audit log (and of its CSV export).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditFilters {
    /// The actor's e-mail.
    pub actor: String,
    pub kind: Option<AuditKind>,
    /// Text the action contains, e.g. `/api/admin/users`.
    pub action: String,
    /// Unix ms, inclusive.
    pub from: Option<i64>,
    /// Unix ms, exclusive.
    pub to: Option<i64>,
}

/// Entries per page the admin app asks for.
pub const AUDIT_PAGE: u32 = 50;

impl AuditFilters {
    fn pairs(&self) -> Vec<(&'static str, String)> {
        let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        vec![
            ("actor", self.actor.trim().to_owned()),
            ("kind", self.kind.map(|k| k.as_str().to_owned()).unwrap_or_default()),
            ("action", self.action.trim().to_owned()),
            ("from", opt(self.from)),
            ("to", opt(self.to)),
        ]
    }

    /// The CSV export of exactly these filters.
    pub fn export_url(&self) -> String {
        format!("/api/admin/audit/export.csv{}", query(&self.pairs()))
    }
}

/// One page, newest first; `before` is the previous page's `next_before`.
pub async fn audit_page(filters: &AuditFilters, before: Option<i64>) -> ApiResult<AuditPage> {
    let mut pairs = filters.pairs();
    pairs.push(("limit", AUDIT_PAGE.to_string()));
    pairs.push(("before", before.map(|b| b.to_string()).unwrap_or_default()));
    call("GET", &format!("/api/admin/audit{}", query(&pairs)), None).await
}

/// Recomputes every entry's hash on the collector: whether the chain is intact, or where it breaks.
pub async fn audit_verify() -> ApiResult<AuditVerification> {
    call("GET", "/api/admin/audit/verify", None).await
}
