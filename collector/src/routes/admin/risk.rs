//! Accounts at risk: per-account NPS over time, the at-risk list with the evidence behind each
//! flag, and the revenue report (revenue-weighted NPS, churned against retained accounts,
//! upcoming renewals with their latest NPS). The rules live in `nps_core::churn`; this file
//! reads the rows and checks the parameters.

use super::business::{BusinessView, facts_of, monthly_cents, require_account_reader};
use crate::auth::AdminSession;
use crate::error::{ApiError, ApiResult};
use crate::ingest::now_ms;
use crate::state::State;
use crate::store::ResponseQuery;
use crate::store::accounts::BusinessRecord;
use actix_web::{HttpResponse, get, web};
use nps_core::NpsScore;
use nps_core::churn::revenue::{WeightedNps, account_counts};
use nps_core::churn::signals::{latest_detractor_answers, risk_score};
use nps_core::churn::{
    AccountRollup, AccountTimeline, Answer, AtRiskAccount, ChurnConfig, ChurnSplit, DAY_MS, RevenueWeighted, RiskReason,
    SilentDetractor, WaveBy, WaveNps, account_reasons, at_risk, churn_split, revenue_weighted, silent_detractors, timelines,
};
use nps_core::rollup::{AccountAverage, per_account};
use nps_core::wire::{NpsSummary, SurveyKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(at_risk_list).service(account_timeline).service(revenue_report);
}

/// Answers are read in one go: the signals need every answer of every account.
const MAX_ANSWERS: i64 = 2_000_000;

/// Which answers and which rules: shared by the at-risk list and the timeline.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SignalParams {
    pub project_id: i64,
    /// Comma-separated in-app survey ids of the project; all of them when absent.
    #[param(pattern = r"^( *-?[0-9]{1,18} *(, *-?[0-9]{1,18} *)*)?$")]
    pub survey_id: Option<String>,
    /// `quarter` (default), `month`, `days:<n>` or `survey` (each survey is one wave).
    #[param(pattern = r"^(quarter|month|survey|days:([1-9][0-9]{0,2}|[1-2][0-9]{3}|3[0-5][0-9]{2}|36[0-4][0-9]|3650))$")]
    pub wave: Option<String>,
    /// How an account's answers in one wave make its NPS: `every_response` (default) or
    /// `decision_maker_first`.
    #[param(pattern = r"^(every_response|decision_maker_first)$")]
    pub rollup: Option<String>,
    /// Points of NPS lost that flag a falling account (default 15).
    #[param(exclusive_minimum = 0, maximum = 200)]
    pub drop_points: Option<f64>,
    /// Days inside which a slide over several waves counts as one fall (default 90).
    #[param(minimum = 1, maximum = 3650)]
    pub window_days: Option<u32>,
    /// Waves with fewer answers are ignored by the flags (default 1).
    #[param(minimum = 1, maximum = 10000)]
    pub min_answers: Option<u64>,
    /// A latest NPS below this is low (default 0).
    #[param(minimum = -100, maximum = 100)]
    pub low_nps: Option<f64>,
    /// A renewal within this many days makes a risk more urgent (default 90).
    #[param(minimum = 1, maximum = 3650)]
    pub renewal_days: Option<u32>,
    /// Surveys shown since a detractor's answer, unanswered, that make them silent (default 2).
    #[param(minimum = 1)]
    pub silent_displays: Option<u32>,
    /// Surveys declined since a detractor's answer that make them silent (default 2).
    #[param(minimum = 1)]
    pub silent_declines: Option<u32>,
}

pub struct Signals {
    pub wave: WaveBy,
    pub rollup: AccountRollup,
    pub config: ChurnConfig,
}

fn parse_rollup(value: Option<&str>) -> ApiResult<AccountRollup> {
    value.map_or(Ok(AccountRollup::EveryResponse), |r| {
        AccountRollup::parse(r).ok_or_else(|| ApiError::invalid(format!("rollup must be every_response or decision_maker_first (got `{r}`)")))
    })
}

impl SignalParams {
    fn signals(&self) -> ApiResult<Signals> {
        let wave = match self.wave.as_deref() {
            None => WaveBy::Quarter,
            Some(w) => WaveBy::parse(w)
                .ok_or_else(|| ApiError::invalid(format!("wave must be survey, month, quarter or days:<1..3650> (got `{w}`)")))?,
        };
        let d = ChurnConfig::default();
        let config = ChurnConfig {
            drop_points: self.drop_points.unwrap_or(d.drop_points),
            window_days: self.window_days.unwrap_or(d.window_days),
            min_answers: self.min_answers.unwrap_or(d.min_answers),
            low_nps: self.low_nps.unwrap_or(d.low_nps),
            renewal_days: self.renewal_days.unwrap_or(d.renewal_days),
            silent_displays: self.silent_displays.unwrap_or(d.silent_displays),
            silent_declines: self.silent_declines.unwrap_or(d.silent_declines),
        };
        if let Some(problem) = config.problem() {
            return Err(ApiError::invalid(problem));
        }
        Ok(Signals { wave, rollup: parse_rollup(self.rollup.as_deref())?, config })
    }
}

/// The in-app (customer) surveys of the project this session may read, narrowed to the
/// requested ones. Employee and partner NPS have no accounts here.
async fn account_surveys(state: &State, session: &AdminSession, project_id: i64, requested: Option<&str>) -> ApiResult<Vec<i64>> {
    require_account_reader(session)?;
    state.store.get_project(project_id).await?.ok_or_else(|| ApiError::not_found("project"))?;
    let surveys = state.store.list_surveys(Some(project_id)).await?;
    let usable: Vec<i64> = surveys
        .iter()
        .filter(|s| matches!(s.kind, SurveyKind::Tnps | SurveyKind::Rnps) && session.can_read(s.kind))
        .map(|s| s.id)
        .collect();
    let Some(requested) = requested.filter(|r| !r.trim().is_empty()) else {
        return Ok(usable);
    };
    requested
        .split(',')
        .map(|part| {
            let id: i64 = part.trim().parse().map_err(|_| ApiError::invalid(format!("survey_id `{part}` is not a number")))?;
            if usable.contains(&id) {
                Ok(id)
            } else {
                // An id that names nothing this reader may use here: a 404, like every unknown id.
                Err(ApiError::not_found(format!("in-app survey {id} of project {project_id}")))
            }
        })
        .collect()
}

/// Every scored answer of these surveys in `[from, to)`.
async fn answers_of(state: &State, survey_ids: &[i64], from: Option<i64>, to: Option<i64>) -> ApiResult<Vec<Answer>> {
    let query = ResponseQuery { survey_ids: survey_ids.to_vec(), from, to, limit: MAX_ANSWERS, ..Default::default() };
    let rows = state.store.list_responses(&query).await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let score = NpsScore::new(i64::from(r.score?)).ok()?;
            Some(Answer { response_id: r.id, survey_id: r.survey_id, user_id: r.user_id, account: r.account_id, role: r.role, score, at: r.created_at })
        })
        .collect())
}

/// Everything the signals look at, read once.
struct AccountData {
    answers: Vec<Answer>,
    timelines: Vec<AccountTimeline>,
    silent: Vec<SilentDetractor>,
    business: Vec<BusinessRecord>,
}

async fn load(state: &State, session: &AdminSession, params: &SignalParams, signals: &Signals) -> ApiResult<AccountData> {
    let surveys = account_surveys(state, session, params.project_id, params.survey_id.as_deref()).await?;
    let answers = answers_of(state, &surveys, None, None).await?;
    let candidates = latest_detractor_answers(&answers);
    let users: Vec<String> = candidates.iter().map(|a| a.user_id.clone()).collect();
    let since = candidates.iter().map(|a| a.at).min().unwrap_or(0);
    let events = state.store.engagement(params.project_id, &surveys, &users, since).await?;
    Ok(AccountData {
        timelines: timelines(&answers, signals.wave, signals.rollup),
        silent: silent_detractors(&answers, &events, &signals.config),
        business: state.store.list_business(params.project_id).await?,
        answers,
    })
}

fn wave_name(wave: WaveBy) -> String {
    match wave {
        WaveBy::Survey => "survey".into(),
        WaveBy::Month => "month".into(),
        WaveBy::Quarter => "quarter".into(),
        WaveBy::Days(n) => format!("days:{n}"),
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AtRiskReport {
    pub project_id: i64,
    pub as_of: i64,
    pub wave: String,
    pub rollup: AccountRollup,
    pub config: ChurnConfig,
    /// Accounts with answers.
    pub accounts_considered: u64,
    /// Most urgent first. Churned accounts are never listed.
    pub accounts: Vec<AtRiskAccount>,
    /// Silent detractors whose answer named no account (not in any account's reasons).
    pub silent_without_account: Vec<SilentDetractor>,
}

/// Accounts at risk, most urgent first, each with its reasons and their evidence: falling NPS
/// (between consecutive waves or inside the window), silent detractors, low NPS, and a renewal
/// soon (which only ever adds urgency to another reason).
#[utoipa::path(tag = "admin", params(SignalParams), responses((status = 200, body = AtRiskReport), (status = 403, body = nps_core::ApiErrorBody), (status = 422, body = nps_core::ApiErrorBody)))]
#[get("/api/admin/accounts/at-risk")]
pub async fn at_risk_list(state: State, session: AdminSession, params: web::Query<SignalParams>) -> ApiResult<HttpResponse> {
    let signals = params.signals()?;
    let data = load(&state, &session, &params, &signals).await?;
    let now = now_ms();
    let accounts = at_risk(&data.timelines, &data.silent, &facts_of(&data.business), now, &signals.config);
    Ok(HttpResponse::Ok().json(AtRiskReport {
        project_id: params.project_id,
        as_of: now,
        wave: wave_name(signals.wave),
        rollup: signals.rollup,
        accounts_considered: data.timelines.len() as u64,
        accounts,
        silent_without_account: data.silent.iter().filter(|s| s.account.is_none()).cloned().collect(),
        config: signals.config,
    }))
}

/// One answer of the account, for the timeline.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TimelineAnswer {
    pub response_id: String,
    pub survey_id: i64,
    pub user_id: String,
    pub role: Option<String>,
    pub score: u8,
    pub at: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccountTimelineReport {
    pub account: String,
    pub wave: String,
    pub rollup: AccountRollup,
    /// NPS per wave, oldest first.
    pub waves: Vec<WaveNps>,
    /// Why the account is at risk (empty when it is not).
    pub reasons: Vec<RiskReason>,
    pub risk_score: f64,
    pub business: Option<BusinessView>,
    /// Oldest first.
    pub answers: Vec<TimelineAnswer>,
}

/// One account over time: NPS per wave with intervals and changes, its risk reasons with
/// evidence, its business data and its answers.
#[utoipa::path(
    tag = "admin",
    params(("account" = String, Path, description = "account external id"), SignalParams),
    responses((status = 200, body = AccountTimelineReport), (status = 404, body = nps_core::ApiErrorBody))
)]
#[get("/api/admin/accounts/{account}/timeline")]
pub async fn account_timeline(
    state: State,
    session: AdminSession,
    account: web::Path<String>,
    params: web::Query<SignalParams>,
) -> ApiResult<HttpResponse> {
    let signals = params.signals()?;
    let data = load(&state, &session, &params, &signals).await?;
    let account = account.into_inner();
    let timeline = data.timelines.iter().find(|t| t.account == account);
    let business = data.business.iter().find(|b| b.account_id == account);
    if timeline.is_none() && business.is_none() {
        return Err(ApiError::not_found(format!("account `{account}`")));
    }
    let silent: Vec<SilentDetractor> = data.silent.iter().filter(|s| s.account.as_deref() == Some(account.as_str())).cloned().collect();
    let facts = facts_of(business.map(std::slice::from_ref).unwrap_or_default());
    let reasons = if facts.get(&account).is_some_and(|f| f.churned) {
        Vec::new()
    } else {
        account_reasons(timeline, &silent, facts.get(&account), now_ms(), &signals.config)
    };
    let mut answers: Vec<TimelineAnswer> = data
        .answers
        .iter()
        .filter(|a| a.account.as_deref() == Some(account.as_str()))
        .map(|a| TimelineAnswer {
            response_id: a.response_id.clone(),
            survey_id: a.survey_id,
            user_id: a.user_id.clone(),
            role: a.role.clone(),
            score: a.score.value(),
            at: a.at,
        })
        .collect();
    answers.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.response_id.cmp(&b.response_id)));
    Ok(HttpResponse::Ok().json(AccountTimelineReport {
        wave: wave_name(signals.wave),
        rollup: signals.rollup,
        waves: timeline.map(|t| t.waves.clone()).unwrap_or_default(),
        risk_score: risk_score(&reasons),
        reasons,
        business: business.map(BusinessView::from),
        answers,
        account,
    }))
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
}

/// One account in the revenue-weighted NPS.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WeightedAccount {
    pub account: String,
    pub nps: f64,
    pub answers: u64,
    pub mrr_cents: i64,
    /// Its share of the total weight (0..1).
    pub weight: f64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChurnReport {
    /// Every answer counts (answers of one account are not independent).
    pub every_response: ChurnSplit,
    /// One answer per account (decision-maker first): independent samples.
    pub decision_maker_first: ChurnSplit,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Renewal {
    pub account: String,
    pub renewal_date: String,
    pub renewal_at: i64,
    pub days_left: f64,
    pub mrr_cents: Option<i64>,
    pub plan: Option<String>,
    pub owner: Option<String>,
    /// The account's latest wave, if it ever answered.
    pub latest_wave: Option<String>,
    pub latest_nps: Option<f64>,
    pub latest_answer_at: Option<i64>,
    /// Whether the account is on the at-risk list (default thresholds).
    pub at_risk: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RevenueReport {
    pub project_id: i64,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub rollup: AccountRollup,
    /// How the revenue-weighted NPS is computed.
    pub formula: String,
    pub revenue_weighted: RevenueWeighted,
    /// Every account with answers in the range, each weighing the same (for comparison).
    #[schema(value_type = Object)]
    pub per_account: AccountAverage,
    /// Every answer in the range, unweighted.
    pub every_response: NpsSummary,
    pub accounts: Vec<WeightedAccount>,
    /// Accounts with answers but no MRR or ARR: left out of the weighted NPS.
    pub accounts_without_revenue: Vec<String>,
    /// Churned accounts left out of the weighted NPS (see `include_churned`).
    pub churned_left_out: Vec<String>,
    pub churn: ChurnReport,
    pub renewal_days: u32,
    /// Renewals from now to `renewal_days` ahead, soonest first.
    pub renewals: Vec<Renewal>,
}

pub const FORMULA: &str = "NPS_w = Σ_a MRR_a · NPS_a / Σ_a MRR_a, NPS_a = 100 · (promoters_a − detractors_a) / answers_a \
     (MRR, else ARR / 12); SE² = k/(k−1) · Σ_a (MRR_a/ΣMRR)² · (NPS_a − NPS_w)², interval NPS_w ± 1.96 · SE";

/// Revenue-weighted NPS, NPS of churned against retained accounts (two-sample test), and the
/// renewals coming up with each account's latest NPS.
#[utoipa::path(tag = "admin", params(RevenueParams), responses((status = 200, body = RevenueReport), (status = 403, body = nps_core::ApiErrorBody)))]
#[get("/api/admin/reports/revenue")]
pub async fn revenue_report(state: State, session: AdminSession, params: web::Query<RevenueParams>) -> ApiResult<HttpResponse> {
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
    };
    let signals = signal_params.signals()?;
    let data = load(&state, &session, &signal_params, &signals).await?;
    let in_range: Vec<Answer> = data
        .answers
        .iter()
        .filter(|a| params.from.is_none_or(|f| a.at >= f) && params.to.is_none_or(|t| a.at < t))
        .cloned()
        .collect();
    let business: BTreeMap<&str, &BusinessRecord> = data.business.iter().map(|b| (b.account_id.as_str(), b)).collect();
    let weighing = weigh(&in_range, &business, rollup, params.include_churned.unwrap_or(false));
    let churned: BTreeMap<String, Option<i64>> =
        data.business.iter().filter(|b| b.churned == Some(true)).map(|b| (b.account_id.clone(), b.churn_at)).collect();
    let now = now_ms();
    let listed = at_risk(&data.timelines, &data.silent, &facts_of(&data.business), now, &signals.config);
    let rolled: Vec<_> = in_range.iter().map(Answer::as_rollup).collect();
    Ok(HttpResponse::Ok().json(RevenueReport {
        project_id: params.project_id,
        from: params.from,
        to: params.to,
        rollup,
        formula: FORMULA.into(),
        revenue_weighted: revenue_weighted(&weighing.points),
        per_account: per_account(&rolled),
        every_response: NpsSummary::new(AccountRollup::EveryResponse.counts(&in_range), 0),
        accounts: weighing.accounts,
        accounts_without_revenue: weighing.without_revenue,
        churned_left_out: weighing.churned_left_out,
        churn: ChurnReport {
            every_response: churn_split(&in_range, &churned, AccountRollup::EveryResponse),
            decision_maker_first: churn_split(&in_range, &churned, AccountRollup::DecisionMakerFirst),
        },
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

fn weigh(answers: &[Answer], business: &BTreeMap<&str, &BusinessRecord>, rollup: AccountRollup, include_churned: bool) -> Weighing {
    let mut w = Weighing { points: Vec::new(), accounts: Vec::new(), without_revenue: Vec::new(), churned_left_out: Vec::new() };
    let answers_per_account = account_counts(answers, AccountRollup::EveryResponse);
    for (account, counts) in account_counts(answers, rollup) {
        let record = business.get(account.as_str());
        if !include_churned && record.is_some_and(|b| b.churned == Some(true)) {
            w.churned_left_out.push(account);
            continue;
        }
        match (counts.nps(), record.and_then(|b| monthly_cents(b)).filter(|m| *m > 0)) {
            (Some(nps), Some(mrr_cents)) => {
                w.points.push(WeightedNps { nps, mrr_cents });
                let answers = answers_per_account.get(&account).map_or(0, |c| c.n());
                w.accounts.push(WeightedAccount { account, nps, answers, mrr_cents, weight: 0.0 });
            }
            _ => w.without_revenue.push(account),
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
    let mut out: Vec<Renewal> = data
        .business
        .iter()
        .filter(|b| b.churned != Some(true))
        .filter_map(|b| {
            let renewal_at = b.renewal_at.filter(|r| (now..=horizon).contains(r))?;
            let latest = data.timelines.iter().find(|t| t.account == b.account_id).and_then(|t| t.waves.last());
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
                at_risk: listed.iter().any(|a| a.account == b.account_id),
            })
        })
        .collect();
    out.sort_by(|a, b| a.renewal_at.cmp(&b.renewal_at).then_with(|| a.account.cmp(&b.account)));
    out
}
