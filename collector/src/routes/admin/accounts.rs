//! B2B roll-ups for customer and partner NPS: every response, average per account, and
//! decision-maker first, with per-role NPS side by side. All three are returned and named, so
//! a report always says which one it shows.

use crate::extract::Query;
use crate::disclosure::scope::Filters;
use crate::auth::AdminSession;
use crate::error::{ApiError, ApiResult};
use crate::state::State;
use crate::store::ResponseQuery;
use actix_web::{HttpResponse, get, web};
use nps_core::NpsScore;
use nps_core::rollup::{AccountAnswer, decision_maker_first, every_response, per_account, per_role};
use nps_core::wire::{AccountRollups, NpsSummary, ResponseRow};
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(account_rollups);
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct RollupParams {
    /// Where the account comes from: `account` (the in-app account, default) or `attr:<key>`
    /// (e.g. `attr:partner` for partner NPS by link).
    #[param(pattern = r"^(account|attr:[\s\S]+)$")]
    pub account: Option<String>,
    /// Where the role comes from: `role` (default) or `attr:<key>`.
    #[param(pattern = r"^(role|attr:[\s\S]+)$")]
    pub role: Option<String>,
}

enum Source {
    Column,
    Attribute(String),
}

fn source(param: Option<&str>, column: &str) -> ApiResult<Source> {
    match param {
        None => Ok(Source::Column),
        Some(p) if p == column => Ok(Source::Column),
        Some(p) => p
            .strip_prefix("attr:")
            .filter(|k| !k.is_empty())
            .map(|k| Source::Attribute(k.to_owned()))
            .ok_or_else(|| ApiError::invalid(format!("{column} must be `{column}` or attr:<key>"))),
    }
}

fn pick<'a>(row: &'a ResponseRow, source: &Source, column: Option<&'a str>) -> Option<&'a str> {
    match source {
        Source::Column => column,
        Source::Attribute(key) => row.attributes.get(key).and_then(|v| v.as_str()),
    }
}

#[utoipa::path(tag = "admin", params(Filters, RollupParams), responses((status = 200, body = AccountRollups)))]
#[get("/api/admin/reports/accounts")]
pub async fn account_rollups(
    state: State,
    session: AdminSession,
    filters: Query<Filters>,
    params: Query<RollupParams>,
) -> ApiResult<HttpResponse> {
    let account_source = source(params.account.as_deref(), "account")?;
    let role_source = source(params.role.as_deref(), "role")?;
    let query = crate::disclosure::open_query(&state, &session, &filters, "account roll-ups").await?;
    let rows = state.store.list_responses(&ResponseQuery { limit: 1_000_000, offset: 0, ..query }).await?;
    let answers: Vec<AccountAnswer> = rows
        .iter()
        .filter_map(|r| {
            Some(AccountAnswer {
                account: pick(r, &account_source, r.account_id.as_deref()),
                role: pick(r, &role_source, r.role.as_deref()),
                score: NpsScore::new(i64::from(r.score?)).ok()?,
                at: r.created_at,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(AccountRollups {
        every_response: NpsSummary::new(every_response(&answers), 0),
        per_account: per_account(&answers),
        decision_maker_first: NpsSummary::new(decision_maker_first(&answers), 0),
        per_role: per_role(&answers).into_iter().map(|(role, counts)| (role, NpsSummary::new(counts, 0))).collect(),
        without_account: answers.iter().filter(|a| a.account.is_none()).count() as u64,
    }))
}
