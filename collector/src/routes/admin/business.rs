//! Business data per account (MRR, ARR, renewal, churn, plan, owner), imported by CSV or JSON
//! and upserted by the account's external id. A bad import stores nothing and answers 422
//! naming each bad line and field.

use crate::auth::AdminSession;
use crate::error::{ApiError, ApiResult};
use crate::extract::JsonBody;
use crate::ingest::now_ms;
use crate::state::State;
use crate::store::accounts::BusinessRecord;
use actix_web::{HttpResponse, get, post, web};
use nps_core::churn::BusinessFacts;
use nps_core::churn::calendar::{date_of, parse_date};
use nps_core::wire::AdminRole;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(import).service(list);
}

/// Accounts and churn data are for the customer programme: owners, admins and analysts.
pub fn require_account_reader(session: &AdminSession) -> ApiResult<()> {
    match session.role {
        AdminRole::Owner | AdminRole::Admin | AdminRole::Analyst => Ok(()),
        other => Err(ApiError::forbidden(format!("the {} role cannot read account and revenue data", other.as_str()))),
    }
}

/// The largest amount accepted (in currency units): far above any real MRR, far below i64.
const MAX_AMOUNT: f64 = 1e13;
/// At most this many problems are listed in one error.
const MAX_PROBLEMS: usize = 20;
pub const CSV_COLUMNS: [&str; 9] = ["account_id", "mrr", "arr", "revenue", "renewal_date", "churned", "churn_date", "plan", "owner"];

/// One account as sent in JSON (amounts in currency units, dates `YYYY-MM-DD`). A field left
/// out keeps its stored value.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BusinessInput {
    pub account_id: String,
    pub mrr: Option<f64>,
    pub arr: Option<f64>,
    /// Annual revenue, for accounts not on a subscription (stored as ARR).
    pub revenue: Option<f64>,
    pub renewal_date: Option<String>,
    pub churned: Option<bool>,
    pub churn_date: Option<String>,
    pub plan: Option<String>,
    pub owner: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BusinessImport {
    #[serde(default)]
    pub accounts: Vec<BusinessInput>,
    /// CSV with a header line. Columns: `account_id` (required), `mrr`, `arr` or `revenue`
    /// (amounts like `1200.50`), `renewal_date` and `churn_date` (`YYYY-MM-DD`), `churned`
    /// (`true`/`false`, `yes`/`no`, `1`/`0`), `plan`, `owner`. An empty cell keeps the stored value.
    pub csv: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportSummary {
    pub upserted: usize,
}

/// Business data as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BusinessView {
    pub account_id: String,
    pub mrr: Option<f64>,
    pub arr: Option<f64>,
    pub renewal_date: Option<String>,
    pub churned: bool,
    pub churn_date: Option<String>,
    pub plan: Option<String>,
    pub owner: Option<String>,
    pub updated_at: i64,
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

/// Collects problems as `<where>, field <name>: <what>`.
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn add(&mut self, place: &str, field: &str, what: impl std::fmt::Display) {
        self.0.push(format!("{place}, field {field}: {what}"));
    }

    fn into_result(self, what: &str) -> ApiResult<()> {
        if self.0.is_empty() {
            return Ok(());
        }
        let total = self.0.len();
        let mut shown: Vec<String> = self.0.into_iter().take(MAX_PROBLEMS).collect();
        if total > MAX_PROBLEMS {
            shown.push(format!("and {} more", total - MAX_PROBLEMS));
        }
        Err(ApiError::invalid(format!("{what}: nothing was imported; {}", shown.join("; "))))
    }
}

/// `1200`, `1200.5` or `1200.50` → cents. No signs, separators or currency symbols.
fn parse_amount(text: &str) -> Result<i64, String> {
    let bad = || format!("`{text}` is not an amount (digits, an optional `.` and at most 2 decimals, e.g. 1200.50)");
    let (units, decimals) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if units.is_empty() || units.len() > 13 || decimals.len() > 2 || !digits(units) || !digits(decimals) || (text.contains('.') && decimals.is_empty()) {
        return Err(bad());
    }
    let units: i64 = units.parse().map_err(|_| bad())?;
    let cents: i64 = format!("{decimals:0<2}").parse().map_err(|_| bad())?;
    Ok(units * 100 + cents)
}

fn amount_cents(value: f64) -> Result<i64, String> {
    if !value.is_finite() || !(0.0..=MAX_AMOUNT).contains(&value) {
        return Err(format!("{value} is not an amount between 0 and {MAX_AMOUNT}"));
    }
    Ok((value * 100.0).round() as i64)
}

fn parse_flag(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Ok(true),
        "false" | "no" | "0" => Ok(false),
        _ => Err(format!("`{text}` is not true/false, yes/no or 1/0")),
    }
}

fn parse_day(text: &str) -> Result<i64, String> {
    parse_date(text).ok_or_else(|| format!("`{text}` is not a date YYYY-MM-DD"))
}

/// Checks that hold whatever the source: the id, text lengths, churn consistency.
fn check_record(r: &BusinessRecord, place: &str, problems: &mut Problems) {
    let id_len = r.account_id.chars().count();
    if id_len == 0 || id_len > nps_core::wire::MAX_ID_CHARS || r.account_id.chars().any(char::is_control) {
        problems.add(place, "account_id", "must be 1 to 128 visible characters");
    }
    for (field, value) in [("plan", &r.plan), ("owner", &r.owner)] {
        if value.as_ref().is_some_and(|v| v.chars().count() > 200) {
            problems.add(place, field, "must be at most 200 characters");
        }
    }
    if r.churn_at.is_some() && r.churned == Some(false) {
        problems.add(place, "churn_date", "is given but churned is false");
    }
}

fn record_from_json(input: &BusinessInput, place: &str, problems: &mut Problems) -> BusinessRecord {
    let mut money = |field: &str, value: Option<f64>| value.and_then(|v| amount_cents(v).map_err(|e| problems.add(place, field, e)).ok());
    let mrr_cents = money("mrr", input.mrr);
    let arr_cents = money("arr", input.arr).or(money("revenue", input.revenue));
    let mut day = |field: &str, value: &Option<String>| value.as_deref().and_then(|v| parse_day(v).map_err(|e| problems.add(place, field, e)).ok());
    let renewal_at = day("renewal_date", &input.renewal_date);
    let churn_at = day("churn_date", &input.churn_date);
    if input.arr.is_some() && input.revenue.is_some() {
        problems.add(place, "revenue", "give arr or revenue, not both");
    }
    let record = BusinessRecord {
        account_id: input.account_id.trim().to_owned(),
        mrr_cents,
        arr_cents,
        renewal_at,
        churned: input.churned.or(churn_at.map(|_| true)),
        churn_at,
        plan: input.plan.clone().filter(|p| !p.is_empty()),
        owner: input.owner.clone().filter(|o| !o.is_empty()),
        updated_at: 0,
    };
    check_record(&record, place, problems);
    record
}

/// Parses the CSV; `line N` counts from the header (line 1), as an editor shows it.
fn records_from_csv(text: &str, problems: &mut Problems) -> Vec<(String, BusinessRecord)> {
    // Spreadsheets often start their UTF-8 export with a byte-order mark.
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            problems.add("csv line 1", "header", e);
            return Vec::new();
        }
    };
    for name in headers.iter().filter(|h| !CSV_COLUMNS.contains(h)) {
        problems.add("csv line 1", name, format!("unknown column; the columns are {}", CSV_COLUMNS.join(", ")));
    }
    if !headers.iter().any(|h| h == "account_id") {
        problems.add("csv line 1", "account_id", "the header must have an account_id column");
    }
    if headers.iter().any(|h| h == "arr") && headers.iter().any(|h| h == "revenue") {
        problems.add("csv line 1", "revenue", "give an arr or a revenue column, not both");
    }
    let mut out = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                problems.add(&format!("csv line {line}"), "row", e);
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let place = format!("csv line {line}");
        let mut row = BusinessRecord::default();
        for (header, value) in headers.iter().zip(record.iter()) {
            if value.is_empty() {
                continue;
            }
            let mut fail = |e: String| problems.add(&place, header, e);
            match header {
                "account_id" => row.account_id = value.to_owned(),
                "mrr" => row.mrr_cents = parse_amount(value).map_err(&mut fail).ok(),
                "arr" | "revenue" => row.arr_cents = parse_amount(value).map_err(&mut fail).ok(),
                "renewal_date" => row.renewal_at = parse_day(value).map_err(&mut fail).ok(),
                "churned" => row.churned = parse_flag(value).map_err(&mut fail).ok(),
                "churn_date" => row.churn_at = parse_day(value).map_err(&mut fail).ok(),
                "plan" => row.plan = Some(value.to_owned()),
                "owner" => row.owner = Some(value.to_owned()),
                _ => {}
            }
        }
        if row.churn_at.is_some() && row.churned.is_none() {
            row.churned = Some(true);
        }
        check_record(&row, &place, problems);
        out.push((place, row));
    }
    out
}

/// One account twice in one import is ambiguous (which line wins?): refused.
fn refuse_duplicates(rows: &[(String, BusinessRecord)], problems: &mut Problems) {
    let mut first: BTreeMap<&str, &str> = BTreeMap::new();
    for (place, r) in rows {
        if r.account_id.is_empty() {
            continue;
        }
        if let Some(earlier) = first.insert(&r.account_id, place) {
            problems.add(place, "account_id", format!("`{}` is also on {earlier}", r.account_id));
        }
    }
}

/// Everything the body holds, validated: all of it, or an error naming every problem.
pub fn parse_import(body: &BusinessImport) -> ApiResult<Vec<BusinessRecord>> {
    let mut problems = Problems::default();
    let mut rows: Vec<(String, BusinessRecord)> = body
        .accounts
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let place = format!("accounts[{i}]");
            let record = record_from_json(a, &place, &mut problems);
            (place, record)
        })
        .collect();
    if let Some(text) = body.csv.as_deref() {
        let csv_rows = records_from_csv(text, &mut problems);
        rows.extend(csv_rows);
    }
    if rows.is_empty() {
        problems.add("body", "accounts", "nothing to import: send accounts or csv");
    }
    refuse_duplicates(&rows, &mut problems);
    problems.into_result("bad business data")?;
    Ok(rows.into_iter().map(|(_, r)| r).collect())
}

/// Adds or updates business data per account (by account id); owners and admins only.
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
    state.store.upsert_business(*id, &records, now_ms()).await?;
    tracing::info!(project_id = *id, accounts = records.len(), "business data imported");
    Ok(HttpResponse::Ok().json(ImportSummary { upserted: records.len() }))
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

    fn csv_import(text: &str) -> ApiResult<Vec<BusinessRecord>> {
        parse_import(&BusinessImport { accounts: vec![], csv: Some(text.into()) })
    }

    fn message(result: ApiResult<Vec<BusinessRecord>>) -> String {
        match result {
            Err(ApiError::Client { message, .. }) => message,
            other => panic!("expected a client error, got {other:?}"),
        }
    }

    #[test]
    fn amounts_are_exact_cents() {
        assert_eq!(parse_amount("1200"), Ok(120_000));
        assert_eq!(parse_amount("1200.5"), Ok(120_050));
        assert_eq!(parse_amount("0.07"), Ok(7));
        for bad in ["", "12,5", "-3", "1.234", "1.", ".5", "1e3", "$12", "99999999999999"] {
            assert!(parse_amount(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_good_csv_becomes_records() {
        let records = csv_import("account_id,mrr,renewal_date,churned,churn_date,plan,owner\nacme,1200.50,2026-05-01,,,pro,ann@x.io\n\"globex, inc\",99,,yes,2026-01-15,,\n")
            .expect("valid");
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].mrr_cents, Some(120_050));
        assert_eq!(records[0].renewal_at, parse_date("2026-05-01"));
        assert_eq!((records[0].churned, records[0].plan.as_deref()), (None, Some("pro")));
        assert_eq!(records[1].account_id, "globex, inc");
        assert_eq!((records[1].churned, records[1].churn_at), (Some(true), parse_date("2026-01-15")));
    }

    #[test]
    fn bad_lines_are_named_with_their_field() {
        let text = "account_id,mrr,renewal_date,churned\nacme,12;5,2026-05-01,no\nglobex,10,2026-02-30,maybe\nacme,1,,\n";
        let m = message(csv_import(text));
        assert!(m.contains("csv line 2, field mrr: `12;5` is not an amount"), "{m}");
        assert!(m.contains("csv line 3, field renewal_date: `2026-02-30` is not a date"), "{m}");
        assert!(m.contains("csv line 3, field churned: `maybe`"), "{m}");
        assert!(m.contains("csv line 4, field account_id: `acme` is also on csv line 2"), "{m}");
        let m = message(csv_import("account,mrr\nacme,1\n"));
        assert!(m.contains("csv line 1, field account: unknown column") && m.contains("field account_id: the header must"), "{m}");
        let m = message(csv_import("account_id,mrr\n,5\n"));
        assert!(m.contains("csv line 2, field account_id"), "{m}");
        let m = message(csv_import("account_id,churned,churn_date\nacme,false,2026-01-01\n"));
        assert!(m.contains("csv line 2, field churn_date: is given but churned is false"), "{m}");
    }

    #[test]
    fn json_accounts_are_checked_by_index() {
        let body = BusinessImport {
            accounts: vec![
                BusinessInput { account_id: "acme".into(), mrr: Some(10.005), ..Default::default() },
                BusinessInput { account_id: "x".into(), mrr: Some(-1.0), renewal_date: Some("soon".into()), ..Default::default() },
            ],
            csv: None,
        };
        let m = message(parse_import(&body));
        assert!(m.contains("accounts[1], field mrr") && m.contains("accounts[1], field renewal_date"), "{m}");
        assert!(!m.contains("accounts[0]"), "{m}");
        let ok = parse_import(&BusinessImport { accounts: vec![BusinessInput { account_id: "a".into(), arr: Some(1200.0), ..Default::default() }], csv: None })
            .expect("valid");
        assert_eq!(monthly_cents(&ok[0]), Some(10_000));
        assert!(message(parse_import(&BusinessImport { accounts: vec![], csv: None })).contains("nothing to import"));
    }
}
