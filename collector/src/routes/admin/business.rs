//! Business data per account (MRR, ARR, renewal, churn, plan, owner), imported as JSON and
//! upserted by the account's external id. Every rule of a field is in the schema; a CSV file is
//! read client-side (`nps_core::business_csv`) into the same accounts.

use crate::auth::AdminSession;
use crate::error::{ApiError, ApiResult};
use crate::extract::JsonBody;
use crate::ingest::now_ms;
use crate::state::State;
use crate::store::accounts::BusinessRecord;
use actix_web::{HttpResponse, get, post, web};
use nps_core::churn::BusinessFacts;
use nps_core::churn::calendar::{date_of, parse_date};
use nps_core::wire::{
    BusinessImport, BusinessInput, BusinessView, ImportSummary, MAX_AMOUNT,
    MAX_BUSINESS_TEXT_CHARS, MAX_ID_CHARS,
};
use std::collections::BTreeMap;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(import).service(list);
}

/// Accounts and churn data are for the customer programme: owners, admins and analysts.
pub fn require_account_reader(session: &AdminSession) -> ApiResult<()> {
    if session.role.reads_accounts() {
        return Ok(());
    }
    Err(ApiError::forbidden(format!(
        "the {} role cannot read account and revenue data",
        session.role.as_str()
    )))
}

impl From<&BusinessRecord> for BusinessView {
    fn from(r: &BusinessRecord) -> Self {
        let money = |c: Option<i64>| c.map(|c| c as f64 / 100.0);
        Self {
            account_id: r.account_id.clone(),
            mrr: money(r.mrr_cents),
            arr: money(r.arr_cents),
            renewal_date: r.renewal_at.map(date_of),
            churned: r.churned.unwrap_or(false),
            churn_date: r.churn_at.map(date_of),
            plan: r.plan.clone(),
            owner: r.owner.clone(),
            updated_at: r.updated_at,
        }
    }
}

/// The facts the churn signals use. The weight of an account is its MRR, else its ARR / 12.
pub fn facts_of(records: &[BusinessRecord]) -> BTreeMap<String, BusinessFacts> {
    records
        .iter()
        .map(|r| {
            let facts = BusinessFacts { mrr_cents: monthly_cents(r), renewal_at: r.renewal_at, churned: r.churned.unwrap_or(false) };
            (r.account_id.clone(), facts)
        })
        .collect()
}

pub fn monthly_cents(r: &BusinessRecord) -> Option<i64> {
    r.mrr_cents.or(r.arr_cents.map(|a| a / 12))
}

/// An amount in currency units, in the schema's range (0 to [`MAX_AMOUNT`]), to cents.
fn cents(field: &str, value: Option<f64>) -> Result<Option<i64>, String> {
    match value {
        Some(v) if !(0.0..=MAX_AMOUNT).contains(&v) => Err(format!("{field} must be between 0 and {MAX_AMOUNT}")),
        Some(v) => Ok(Some((v * 100.0).round() as i64)),
        None => Ok(None),
    }
}

/// A date the schema declares `format: date`; one that is not refused by the caller.
fn day(value: Option<&str>) -> Result<Option<i64>, ()> {
    value.map(|v| parse_date(v).ok_or(())).transpose()
}

/// The schema's rules of one account, checked: the body is parsed by serde, not validated
/// against the schema. The message names the field.
fn record_of(input: &BusinessInput) -> Result<BusinessRecord, String> {
    if !nps_core::wire::ClientId::is_valid(&input.account_id) {
        return Err(format!("account_id must be 1 to {MAX_ID_CHARS} characters, none a control character"));
    }
    for (field, value) in [("plan", &input.plan), ("owner", &input.owner)] {
        if value.as_ref().is_some_and(|v| v.chars().count() > MAX_BUSINESS_TEXT_CHARS) {
            return Err(format!("{field} must be at most {MAX_BUSINESS_TEXT_CHARS} characters"));
        }
    }
    let date = |field: &str| format!("{field} must be a date YYYY-MM-DD that exists");
    let renewal_at = day(input.renewal_date.as_deref()).map_err(|()| date("renewal_date"))?;
    let churn_at = day(input.churn_date.as_deref()).map_err(|()| date("churn_date"))?;
    // `churned: false` marks the account active: no churn date, whatever was sent.
    let churned = input.churned.or(churn_at.map(|_| true));
    Ok(BusinessRecord {
        account_id: input.account_id.clone(),
        mrr_cents: cents("mrr", input.mrr)?,
        arr_cents: cents("arr", input.arr)?,
        renewal_at,
        churned,
        churn_at: if churned == Some(false) { None } else { churn_at },
        plan: input.plan.clone().filter(|p| !p.is_empty()),
        owner: input.owner.clone().filter(|o| !o.is_empty()),
        updated_at: 0,
    })
}

/// `later` applied over `earlier`, as two imports one after the other would be.
fn merge(earlier: BusinessRecord, later: BusinessRecord) -> BusinessRecord {
    let churned = later.churned.or(earlier.churned);
    BusinessRecord {
        mrr_cents: later.mrr_cents.or(earlier.mrr_cents),
        arr_cents: later.arr_cents.or(earlier.arr_cents),
        renewal_at: later.renewal_at.or(earlier.renewal_at),
        churned,
        churn_at: if later.churned == Some(false) { None } else { later.churn_at.or(earlier.churn_at) },
        plan: later.plan.or(earlier.plan),
        owner: later.owner.or(earlier.owner),
        ..later
    }
}

/// The records of an import, one per account id (in order of first appearance; a repeated id
/// merged, the later entry's fields winning). Every rule refused here is in the schema; the
/// first broken one is named in the error, and nothing is imported.
pub fn parse_import(body: &BusinessImport) -> ApiResult<Vec<BusinessRecord>> {
    let mut order: Vec<String> = Vec::new();
    let mut by_id: BTreeMap<String, BusinessRecord> = BTreeMap::new();
    for (i, input) in body.accounts.iter().enumerate() {
        let record = record_of(input)
            .map_err(|problem| ApiError::invalid(format!("accounts[{i}].{problem}: nothing was imported")))?;
        match by_id.remove(&record.account_id) {
            Some(earlier) => {
                by_id.insert(record.account_id.clone(), merge(earlier, record));
            }
            None => {
                order.push(record.account_id.clone());
                by_id.insert(record.account_id.clone(), record);
            }
        }
    }
    Ok(order.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// Adds or updates business data per account (by account id); owners and admins only. Entries
/// are applied in order: when an account id repeats, the later entry's fields win. Import a CSV
/// file by parsing it client-side (`nps_core::business_csv::parse`) and sending the accounts.
#[utoipa::path(
    tag = "admin",
    params(("id" = i64, Path, description = "project id")),
    request_body = BusinessImport,
    responses((status = 200, body = ImportSummary), (status = 422, body = nps_core::ApiErrorBody), (status = 403, body = nps_core::ApiErrorBody))
)]
#[post("/api/admin/projects/{id}/business-data")]
pub async fn import(state: State, session: AdminSession, id: web::Path<i64>, body: JsonBody<BusinessImport>) -> ApiResult<HttpResponse> {
    session.require_configure()?;
    state.store.get_project(*id).await?.ok_or_else(|| ApiError::not_found("project"))?;
    let records = parse_import(&body.0)?;
    if !records.is_empty() {
        state.store.upsert_business(*id, &records, now_ms()).await?;
    }
    tracing::info!(project_id = *id, accounts = records.len(), "business data imported");
    Ok(HttpResponse::Ok().json(ImportSummary { upserted: records.len() as u64 }))
}

#[utoipa::path(tag = "admin", params(("id" = i64, Path, description = "project id")), responses((status = 200, body = Vec<BusinessView>)))]
#[get("/api/admin/projects/{id}/business-data")]
pub async fn list(state: State, session: AdminSession, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    require_account_reader(&session)?;
    let records = state.store.list_business(*id).await?;
    Ok(HttpResponse::Ok().json(records.iter().map(BusinessView::from).collect::<Vec<_>>()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn import(accounts: Vec<BusinessInput>) -> Vec<BusinessRecord> {
        parse_import(&BusinessImport { accounts }).expect("valid")
    }

    fn account(id: &str) -> BusinessInput {
        BusinessInput { account_id: id.into(), ..Default::default() }
    }

    #[test]
    fn accounts_become_records_in_cents() {
        let records = import(vec![
            BusinessInput { mrr: Some(10.005), renewal_date: Some("0001-01-01".into()), ..account("acme") },
            BusinessInput { arr: Some(1200.0), plan: Some(String::new()), ..account(" globex ") },
        ]);
        assert_eq!(records[0].mrr_cents, Some(1_001));
        assert_eq!(records[0].renewal_at, parse_date("0001-01-01"));
        assert_eq!(records[1].account_id, " globex ", "ids are compared as sent");
        assert_eq!((monthly_cents(&records[1]), records[1].plan.as_deref()), (Some(10_000), None));
        assert!(import(vec![]).is_empty(), "no accounts: nothing to import");
    }

    #[test]
    fn churn_date_implies_churned_and_false_clears_it() {
        let records = import(vec![
            BusinessInput { churn_date: Some("2026-01-15".into()), ..account("a") },
            BusinessInput { churned: Some(false), churn_date: Some("2026-01-15".into()), ..account("b") },
        ]);
        assert_eq!((records[0].churned, records[0].churn_at), (Some(true), parse_date("2026-01-15")));
        assert_eq!((records[1].churned, records[1].churn_at), (Some(false), None));
    }

    #[test]
    fn a_repeated_account_merges_the_later_entry_over_the_earlier() {
        let records = import(vec![
            BusinessInput { mrr: Some(1.0), plan: Some("pro".into()), churn_date: Some("2026-01-15".into()), ..account("a") },
            account("b"),
            BusinessInput { mrr: Some(2.0), churned: Some(false), ..account("a") },
        ]);
        assert_eq!(records.iter().map(|r| r.account_id.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!((records[0].mrr_cents, records[0].plan.as_deref()), (Some(200), Some("pro")));
        assert_eq!((records[0].churned, records[0].churn_at), (Some(false), None));
    }

    #[test]
    fn what_the_schema_refuses_is_refused_and_named() {
        let refused = |input: BusinessInput| match parse_import(&BusinessImport { accounts: vec![account("a"), input] }) {
            Err(ApiError::Client { message, .. }) => message,
            other => panic!("expected a client error, got {other:?}"),
        };
        assert!(refused(BusinessInput { renewal_date: Some("2026-02-30".into()), ..account("b") }).contains("accounts[1].renewal_date"));
        assert!(refused(BusinessInput { churn_date: Some(" 2026-01-01".into()), ..account("b") }).contains("accounts[1].churn_date"));
        assert!(refused(account("")).contains("accounts[1].account_id"));
        assert!(refused(account("a\nb")).contains("accounts[1].account_id"));
        assert!(refused(account(&"x".repeat(129))).contains("accounts[1].account_id"));
        assert!(refused(BusinessInput { owner: Some("o".repeat(201)), ..account("b") }).contains("accounts[1].owner"));
        assert!(refused(BusinessInput { mrr: Some(-1.0), ..account("b") }).contains("accounts[1].mrr"));
        assert!(refused(BusinessInput { arr: Some(1.000_001e13), ..account("b") }).contains("accounts[1].arr"));
        assert_eq!(import(vec![BusinessInput { plan: Some("é".repeat(200)), ..account(&"é".repeat(128)) }]).len(), 1, "lengths count characters");
    }
}
