//! The revenue report: revenue-weighted NPS, NPS of churned against retained accounts (with
//! the two-sample test) and the renewals coming up with each account's latest NPS. The figures
//! come from the account aggregates or every answer (`account_source.rs`).

use super::account_source::{self, AccountData, RangeFigures, Scope};
use super::business::monthly_cents;
use super::risk::{SignalParams, account_surveys, parse_rollup};
use crate::extract::Query;
use crate::auth::AdminSession;
use crate::error::ApiResult;
use crate::ingest::now_ms;
use crate::state::State;
use crate::store::accounts::BusinessRecord;
use actix_web::{HttpResponse, get, web};
use nps_core::churn::revenue::WeightedNps;
use nps_core::churn::{AccountTimeline, AtRiskAccount, DAY_MS, revenue_weighted};
use nps_core::wire::{ChurnReport, NpsSummary, Renewal, RevenueReport, WeightedAccount};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap, HashSet};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(revenue_report);
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct RevenueParams {
    pub project_id: i64,
    /// Comma-separated in-app survey ids of the project; all of them when absent.
    #[param(pattern = r"^( *-?[0-9]{1,18} *(, *-?[0-9]{1,18} *)*)?$")]
    pub survey_id: Option<String>,
    /// Unix ms, inclusive.
    pub from: Option<i64>,
    /// Unix ms, exclusive.
    pub to: Option<i64>,
    /// How an account's answers make its NPS: `every_response` (default) or `decision_maker_first`.
    #[param(pattern = r"^(every_response|decision_maker_first)$")]
    pub rollup: Option<String>,
    /// Weigh churned accounts too (default false: the revenue still at stake).
    pub include_churned: Option<bool>,
    /// Renewals listed: those within this many days (default 90).
    #[param(minimum = 1, maximum = 3650)]
    pub renewal_days: Option<u32>,
    /// Waves for the renewals' latest NPS: as in the at-risk list (default `quarter`).
    #[param(pattern = r"^(quarter|month|survey|days:([1-9][0-9]{0,2}|[1-2][0-9]{3}|3[0-5][0-9]{2}|36[0-4][0-9]|3650))$")]
    pub wave: Option<String>,
    /// `false` reads every answer instead of the account aggregates (same figures, slower). The
    /// aggregates count whole calendar quarters: with `from` or `to` inside a quarter, every
    /// answer is read.
    pub rollups: Option<bool>,
}

pub const FORMULA: &str = "NPS_w = Σ_a MRR_a · NPS_a / Σ_a MRR_a, NPS_a = 100 · (promoters_a − detractors_a) / answers_a \
     (MRR, else ARR / 12); SE² = k/(k−1) · Σ_a (MRR_a/ΣMRR)² · (NPS_a − NPS_w)², interval NPS_w ± 1.96 · SE";

/// Revenue-weighted NPS, NPS of churned against retained accounts (two-sample test), and the
/// renewals coming up with each account's latest NPS.
#[utoipa::path(tag = "admin", params(RevenueParams), responses((status = 200, body = RevenueReport), (status = 403, body = nps_core::ApiErrorBody)))]
#[get("/api/admin/reports/revenue")]
pub async fn revenue_report(state: State, session: AdminSession, params: Query<RevenueParams>) -> ApiResult<HttpResponse> {
    let rollup = parse_rollup(params.rollup.as_deref())?;
    // `from` at or after `to` is an empty window and answers nothing (no error): OpenAPI
    // cannot declare a rule across two parameters, so the contract could not say it.
    let signal_params = SignalParams {
        project_id: params.project_id,
        survey_id: params.survey_id.clone(),
        wave: params.wave.clone(),
        rollup: params.rollup.clone(),
        renewal_days: params.renewal_days,
        drop_points: None,
        window_days: None,
        min_answers: None,
        low_nps: None,
        silent_displays: None,
        silent_declines: None,
        rollups: params.rollups,
    };
    let signals = signal_params.signals()?;
    let surveys = account_surveys(&state, &session, params.project_id, params.survey_id.as_deref()).await?;
    let scope = Scope {
        project_id: params.project_id,
        surveys: &surveys,
        wave: signals.wave,
        rollup,
        account: None,
        aggregates: params.rollups.unwrap_or(true) && account_source::whole_quarters(params.from, params.to),
    };
    let data = std::sync::Arc::new(account_source::load(&state, &scope, &signals.config).await?);
    let now = now_ms();
    // The at-risk list (for the renewals' flag) is CPU only: it is worked out on a blocking
    // thread while the figures of the range read the churned accounts' answers.
    let listing = {
        let (data, config) = (data.clone(), signals.config.clone());
        tokio::task::spawn_blocking(move || data.at_risk(now, &config))
    };
    let figures = account_source::range_figures(&state, &scope, &data, params.from, params.to).await?;
    let business: BTreeMap<&str, &BusinessRecord> = data.business.iter().map(|b| (b.account_id.as_str(), b)).collect();
    let weighing = weigh(&figures, &business, params.include_churned.unwrap_or(false));
    let listed = listing.await.map_err(|e| crate::error::ApiError::Internal(e.into()))?;
    let RangeFigures { per_account, every_response, churn_every_response, churn_decision_maker_first, .. } = figures;
    Ok(HttpResponse::Ok().json(RevenueReport {
        project_id: params.project_id,
        from: params.from,
        to: params.to,
        rollup,
        formula: FORMULA.into(),
        revenue_weighted: revenue_weighted(&weighing.points),
        per_account,
        every_response: NpsSummary::new(every_response, 0),
        accounts: weighing.accounts,
        accounts_without_revenue: weighing.without_revenue,
        churned_left_out: weighing.churned_left_out,
        churn: ChurnReport { every_response: churn_every_response, decision_maker_first: churn_decision_maker_first },
        renewal_days: signals.config.renewal_days,
        renewals: renewals(&data, &listed, now, signals.config.renewal_days),
    }))
}

struct Weighing {
    points: Vec<WeightedNps>,
    accounts: Vec<WeightedAccount>,
    without_revenue: Vec<String>,
    churned_left_out: Vec<String>,
}

fn weigh(figures: &RangeFigures, business: &BTreeMap<&str, &BusinessRecord>, include_churned: bool) -> Weighing {
    let mut w = Weighing { points: Vec::new(), accounts: Vec::new(), without_revenue: Vec::new(), churned_left_out: Vec::new() };
    for (account, (counts, answers)) in &figures.accounts {
        let record = business.get(account.as_str());
        if !include_churned && record.is_some_and(|b| b.churned == Some(true)) {
            w.churned_left_out.push(account.clone());
            continue;
        }
        match (counts.nps(), record.and_then(|b| monthly_cents(b)).filter(|m| *m > 0)) {
            (Some(nps), Some(mrr_cents)) => {
                w.points.push(WeightedNps { nps, mrr_cents });
                w.accounts.push(WeightedAccount { account: account.clone(), nps, answers: *answers, mrr_cents, weight: 0.0 });
            }
            _ => w.without_revenue.push(account.clone()),
        }
    }
    let total: i64 = w.accounts.iter().map(|a| a.mrr_cents).sum();
    for a in &mut w.accounts {
        a.weight = a.mrr_cents as f64 / total as f64;
    }
    w
}

fn renewals(data: &AccountData, listed: &[AtRiskAccount], now: i64, days: u32) -> Vec<Renewal> {
    let horizon = now + i64::from(days) * DAY_MS;
    // Looked up by account, not scanned per renewal: 20,000 timelines scanned for each of a
    // few thousand renewals took 70 ms in `bench-accounts`.
    let timelines: HashMap<&str, &AccountTimeline> = data.timelines.iter().map(|t| (t.account.as_str(), t)).collect();
    let listed: HashSet<&str> = listed.iter().map(|a| a.account.as_str()).collect();
    let mut out: Vec<Renewal> = data
        .business
        .iter()
        .filter(|b| b.churned != Some(true))
        .filter_map(|b| {
            let renewal_at = b.renewal_at.filter(|r| (now..=horizon).contains(r))?;
            let latest = timelines.get(b.account_id.as_str()).and_then(|t| t.waves.last());
            Some(Renewal {
                account: b.account_id.clone(),
                renewal_date: nps_core::churn::calendar::date_of(renewal_at),
                renewal_at,
                days_left: (renewal_at - now) as f64 / DAY_MS as f64,
                mrr_cents: monthly_cents(b),
                plan: b.plan.clone(),
                owner: b.owner.clone(),
                latest_wave: latest.map(|w| w.wave.clone()),
                latest_nps: latest.map(|w| w.nps),
                latest_answer_at: latest.map(|w| w.last_answer_at),
                at_risk: listed.contains(b.account_id.as_str()),
            })
        })
        .collect();
    out.sort_by(|a, b| a.renewal_at.cmp(&b.renewal_at).then_with(|| a.account.cmp(&b.account)));
    out
}
