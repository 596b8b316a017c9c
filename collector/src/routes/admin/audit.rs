//! The audit log for owners: list with filters and keyset pages, CSV export, chain check.
//! Reading or exporting it is recorded in it too (`crate::audit` records every request under
//! `/api/admin/audit`).

use crate::extract::Query;
use crate::auth::AdminSession;
use crate::error::{ApiError, ApiResult};
use crate::state::State;
use crate::store::audit::{AuditQuery, AuditRow};
use actix_web::{HttpResponse, get, http::header, web};
use nps_core::wire::{AuditEntry, AuditKind, AuditPage, AuditVerification};
use serde::Deserialize;
use std::collections::BTreeMap;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list).service(export_csv).service(verify);
}

/// Entries per page when `limit` is absent.
const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 500;
/// Rows of one CSV export; narrow the filters for more.
const MAX_EXPORT_ROWS: usize = 100_000;
const MAX_EMAIL_CHARS: usize = 254;
const MAX_ACTION_CHARS: usize = 200;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Only entries of this admin user (by id).
    pub actor_id: Option<i64>,
    /// Only entries of the user with this e-mail (as it was when the entry was written).
    #[param(max_length = 254)]
    pub actor: Option<String>,
    pub kind: Option<AuditKind>,
    /// Text the action (method and route) contains, e.g. `/api/admin/users`.
    #[param(max_length = 200)]
    pub action: Option<String>,
    /// Unix milliseconds, inclusive.
    pub from: Option<i64>,
    /// Unix milliseconds, exclusive.
    pub to: Option<i64>,
    /// Keyset cursor: the `next_before` of the previous page.
    pub before: Option<i64>,
    /// Entries per page, 1 to 500 (default 100); the export checks it, and exports every
    /// matching entry.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

/// `%` and `_` match themselves in the action filter.
fn like_pattern(text: &str) -> String {
    let escaped = text.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

/// The page size asked for, checked against its declared range (the export checks it too,
/// although it exports every matching entry: the parameter keeps one meaning).
fn limit_of(params: &AuditParams) -> ApiResult<u32> {
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid(format!("limit must be between 1 and {MAX_LIMIT}")));
    }
    Ok(limit)
}

fn query_of(params: &AuditParams, limit: u32) -> ApiResult<AuditQuery> {
    // Lengths as sent, as the schema counts them; then spaces around are ignored.
    if params.actor.as_deref().is_some_and(|a| a.chars().count() > MAX_EMAIL_CHARS) {
        return Err(ApiError::invalid(format!("actor must be at most {MAX_EMAIL_CHARS} characters")));
    }
    if params.action.as_deref().is_some_and(|a| a.chars().count() > MAX_ACTION_CHARS) {
        return Err(ApiError::invalid(format!("action must be at most {MAX_ACTION_CHARS} characters")));
    }
    let actor = params.actor.as_deref().map(str::trim).filter(|a| !a.is_empty());
    let action = params.action.as_deref().map(str::trim).filter(|a| !a.is_empty());
    Ok(AuditQuery {
        before: params.before,
        actor_id: params.actor_id,
        actor_email: actor.map(str::to_lowercase),
        kind: params.kind.map(|k| k.as_str().to_owned()),
        action_like: action.map(like_pattern),
        from: params.from,
        to: params.to,
        limit: i64::from(limit),
    })
}

fn entry_of(row: AuditRow) -> AuditEntry {
    let r = row.record;
    // A target altered in the database to something else than an object still shows.
    let target = serde_json::from_str(&r.target).unwrap_or_else(|_| BTreeMap::from([("unreadable".to_owned(), r.target.clone())]));
    AuditEntry {
        seq: row.seq,
        at: r.at,
        actor_id: r.actor_id,
        actor_email: r.actor_email,
        actor_role: r.actor_role,
        kind: AuditKind::parse(&r.kind).unwrap_or(AuditKind::Write),
        action: r.action,
        target,
        status: u16::try_from(r.status).unwrap_or(0),
        client_addr: r.client_addr,
        user_agent: r.user_agent,
        hash: row.hash,
    }
}

/// The audit log, newest first, one page at a time (owners).
#[utoipa::path(tag = "admin", params(AuditParams), responses(
    (status = 200, body = AuditPage),
    (status = 401, body = nps_core::ApiErrorBody),
    (status = 403, body = nps_core::ApiErrorBody),
    (status = 422, body = nps_core::ApiErrorBody),
    (status = 503, body = nps_core::ApiErrorBody)))]
#[get("/api/admin/audit")]
pub async fn list(state: State, session: AdminSession, params: Query<AuditParams>) -> ApiResult<HttpResponse> {
    session.require_owner()?;
    let limit = limit_of(&params)?;
    let rows = state.store.list_audit(&query_of(&params, limit)?).await?;
    let next_before = (rows.len() == limit as usize).then(|| rows.last().map(|r| r.seq)).flatten();
    Ok(HttpResponse::Ok().json(AuditPage { entries: rows.into_iter().map(entry_of).collect(), next_before }))
}

const CSV_COLUMNS: [&str; 12] =
    ["seq", "at", "actor_id", "actor_email", "actor_role", "kind", "action", "target", "status", "client_addr", "user_agent", "hash"];

fn csv_record(e: &AuditEntry) -> Vec<String> {
    let at = chrono::DateTime::from_timestamp_millis(e.at).map(|t| t.to_rfc3339()).unwrap_or_default();
    crate::csv_safe::row([
        e.seq.to_string(),
        at,
        e.actor_id.map(|i| i.to_string()).unwrap_or_default(),
        e.actor_email.clone().unwrap_or_default(),
        e.actor_role.clone().unwrap_or_default(),
        e.kind.as_str().to_owned(),
        e.action.clone(),
        serde_json::to_string(&e.target).unwrap_or_default(),
        e.status.to_string(),
        e.client_addr.clone().unwrap_or_default(),
        e.user_agent.clone().unwrap_or_default(),
        e.hash.clone(),
    ])
}

/// The entries the filters select (newest first, at most 100,000) as a CSV download (owners).
/// Every cell passes through the formula guard: user agents and e-mails come from outside.
#[utoipa::path(tag = "admin", params(AuditParams), responses(
    (status = 200, content_type = "text/csv", body = String),
    (status = 401, body = nps_core::ApiErrorBody),
    (status = 403, body = nps_core::ApiErrorBody),
    (status = 422, body = nps_core::ApiErrorBody),
    (status = 503, body = nps_core::ApiErrorBody)))]
#[get("/api/admin/audit/export.csv")]
pub async fn export_csv(state: State, session: AdminSession, params: Query<AuditParams>) -> ApiResult<HttpResponse> {
    session.require_owner()?;
    limit_of(&params)?;
    let mut query = query_of(&params, MAX_LIMIT)?;
    let io = |e: csv::Error| ApiError::Internal(e.into());
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(CSV_COLUMNS).map_err(io)?;
    let mut written = 0;
    while written < MAX_EXPORT_ROWS {
        let rows = state.store.list_audit(&query).await?;
        let last = rows.last().map(|r| r.seq);
        let full = rows.len() == MAX_LIMIT as usize;
        for row in rows {
            writer.write_record(csv_record(&entry_of(row))).map_err(io)?;
            written += 1;
        }
        match last {
            Some(seq) if full => query.before = Some(seq),
            _ => break,
        }
    }
    let bytes = writer.into_inner().map_err(|e| ApiError::Internal(anyhow::anyhow!("csv: {e}")))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((header::CONTENT_DISPOSITION, "attachment; filename=\"audit-log.csv\""))
        .body(bytes))
}

/// Checks the hash chain of the whole log (owners): `intact` false names the first broken
/// entry. Run it after restoring a backup, or regularly, and keep `head_hash` elsewhere.
#[utoipa::path(tag = "admin", responses(
    (status = 200, body = AuditVerification),
    (status = 401, body = nps_core::ApiErrorBody),
    (status = 403, body = nps_core::ApiErrorBody),
    (status = 503, body = nps_core::ApiErrorBody)))]
#[get("/api/admin/audit/verify")]
pub async fn verify(state: State, session: AdminSession) -> ApiResult<HttpResponse> {
    session.require_owner()?;
    let result = crate::audit::verify::verify(state.store.as_ref()).await?;
    if !result.intact {
        tracing::error!(broken_at = ?result.broken_at, problem = ?result.problem, "the audit log's hash chain is broken");
    }
    Ok(HttpResponse::Ok().json(result))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_action_filter_matches_wildcards_literally() {
        assert_eq!(like_pattern("/api/ADMIN/users"), "%/api/admin/users%");
        assert_eq!(like_pattern("100%_\\"), "%100\\%\\_\\\\%");
    }
}
