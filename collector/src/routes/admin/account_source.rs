//! Where the account reports get their figures: from the account aggregates (cells per account
//! and quarter, each user's latest answer; `store/account_rollups.rs`) when the request can be
//! answered from them, else, and always with `rollups=false`, from every answer of the project
//! (the reference the aggregates are tested against, `tests/tests/account_rollups.rs`, and the
//! raw side of `cargo xtask bench-accounts`).
//!
//! Both sources give the same timelines, silent detractors and per-account figures, so the
//! reports above them are one code path. Retention is where they part: raw answers it deleted
//! are gone from the raw source, while the aggregates keep them (like the report rollups).

use super::business::facts_of;
use crate::error::{ApiError, ApiResult};
use crate::state::State;
use crate::store::ResponseQuery;
use crate::store::account_rollups::AnswerWindow;
use crate::store::accounts::BusinessRecord;
use nps_core::NpsScore;
use nps_core::churn::cells::{self, AccountCells, Tally, quarter_of, quarter_start};
use nps_core::churn::revenue::account_counts;
use nps_core::churn::signals::latest_detractor_answers;
use nps_core::churn::{
    AccountRollup, AccountTimeline, Answer, AtRiskAccount, ChurnConfig, ChurnSplit, SilentDetractor, WaveBy, at_risk, churn_split,
    silent_detractors, timelines,
};
use nps_core::rollup::{AccountAverage, per_account};
use nps_core::stats::BandCounts;
use std::collections::BTreeMap;

/// Answers are read in one go: the signals need every answer of every account.
const MAX_ANSWERS: i64 = 2_000_000;

/// Which answers a report reads and how it cuts them.
pub struct Scope<'a> {
    pub project_id: i64,
    /// In-app surveys this reader may read (see `risk::account_surveys`).
    pub surveys: &'a [i64],
    pub wave: WaveBy,
    pub rollup: AccountRollup,
    /// One account only (the timeline), or every account.
    pub account: Option<&'a str>,
    /// `false`: every answer, whatever the aggregates could answer.
    pub aggregates: bool,
}

impl Scope<'_> {
    /// Whether the aggregates can answer (quarterly cells cut quarters and surveys only).
    pub fn from_cells(&self) -> bool {
        self.aggregates && cells::cuts_waves(self.wave)
    }
}

/// What the answers were read as.
pub enum Read {
    /// Every scored answer of the surveys.
    Answers(Vec<Answer>),
    /// The cells of the surveys (of the one account, for a timeline).
    Cells(Vec<AccountCells>),
}

/// Everything the signals look at, read once.
pub struct AccountData {
    pub read: Read,
    /// Every account's waves (the one account's, for a timeline).
    pub timelines: Vec<AccountTimeline>,
    pub silent: Vec<SilentDetractor>,
    pub business: Vec<BusinessRecord>,
}

impl AccountData {
    /// The accounts at risk as of `now` (see `nps_core::churn::at_risk`).
    pub fn at_risk(&self, now: i64, config: &ChurnConfig) -> Vec<AtRiskAccount> {
        at_risk(&self.timelines, &self.silent, &facts_of(&self.business), now, config)
    }
}

pub async fn load(state: &State, scope: &Scope<'_>, config: &ChurnConfig) -> ApiResult<AccountData> {
    if scope.from_cells() {
        // Three independent reads at once: each runs on a connection (and, on SQLite, a
        // worker thread) of its own while this task decodes what has arrived.
        let (business, rows, candidates) = futures::try_join!(
            state.store.list_business(scope.project_id),
            state.store.account_cells(scope.surveys, scope.account),
            state.store.silent_candidates(scope.project_id, scope.surveys, scope.account),
        )?;
        // The timelines (CPU) are built on a blocking thread while the silent detractors' read
        // runs: on SQLite at 20,000 accounts each is tens of milliseconds.
        let (wave, rollup) = (scope.wave, scope.rollup);
        let building = tokio::task::spawn_blocking(move || {
            let timelines = cells::timelines_from_cells(&rows, wave, rollup).unwrap_or_default();
            (rows, timelines)
        });
        let silent = silent_of(state, scope, &candidates, config).await?;
        let (rows, timelines) = building.await.map_err(|e| ApiError::Internal(e.into()))?;
        return Ok(AccountData { read: Read::Cells(rows), timelines, silent, business });
    }
    let business = state.store.list_business(scope.project_id).await?;
    let answers = answers_of(state, scope.surveys, None, None).await?;
    let silent = silent_of(state, scope, &answers, config).await?;
    Ok(AccountData { timelines: timelines(&answers, scope.wave, scope.rollup), silent, business, read: Read::Answers(answers) })
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

/// Detractors gone silent, among the users whose answers are given (all of them, or each
/// survey's latest answer of the users who may be silent).
async fn silent_of(state: &State, scope: &Scope<'_>, answers: &[Answer], config: &ChurnConfig) -> ApiResult<Vec<SilentDetractor>> {
    let candidates = latest_detractor_answers(answers);
    let users: Vec<String> = candidates.iter().map(|a| a.user_id.clone()).collect();
    let since = candidates.iter().map(|a| a.at).min().unwrap_or(0);
    let events = state.store.engagement(scope.project_id, scope.surveys, &users, since).await?;
    Ok(silent_detractors(answers, &events, config))
}

/// The account's answers, oldest first, for its timeline.
pub async fn answers_of_account(state: &State, scope: &Scope<'_>, data: &AccountData, account: &str) -> ApiResult<Vec<Answer>> {
    let mut answers: Vec<Answer> = match &data.read {
        Read::Answers(all) => all.iter().filter(|a| a.account.as_deref() == Some(account)).cloned().collect(),
        Read::Cells(_) => state.store.account_answers(scope.project_id, scope.surveys, &[AnswerWindow::all(account)]).await?,
    };
    answers.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.response_id.cmp(&b.response_id)));
    Ok(answers)
}

/// The answers of `[from, to)` as the revenue report counts them.
pub struct RangeFigures {
    /// Each account with answers in the range: its counts under the roll-up rule and its
    /// number of answers.
    pub accounts: BTreeMap<String, (BandCounts, u64)>,
    /// Every account weighing the same (every response per account).
    pub per_account: AccountAverage,
    /// Every answer in the range, with or without an account.
    pub every_response: BandCounts,
    pub churn_every_response: ChurnSplit,
    pub churn_decision_maker_first: ChurnSplit,
}

/// Whether `[from, to)` is made of whole quarters (what cells can count).
pub fn whole_quarters(from: Option<i64>, to: Option<i64>) -> bool {
    [from, to].into_iter().flatten().all(|t| quarter_start(quarter_of(t)) == t)
}

/// The churned accounts and when they churned (if known).
fn churned_of(business: &[BusinessRecord]) -> BTreeMap<String, Option<i64>> {
    business.iter().filter(|b| b.churned == Some(true)).map(|b| (b.account_id.clone(), b.churn_at)).collect()
}

pub async fn range_figures(state: &State, scope: &Scope<'_>, data: &AccountData, from: Option<i64>, to: Option<i64>) -> ApiResult<RangeFigures> {
    let churned = churned_of(&data.business);
    match &data.read {
        Read::Answers(all) => Ok(raw_figures(all, &churned, scope.rollup, from, to)),
        Read::Cells(rows) => cell_figures(state, scope, rows, &churned, from, to).await,
    }
}

fn raw_figures(all: &[Answer], churned: &BTreeMap<String, Option<i64>>, rollup: AccountRollup, from: Option<i64>, to: Option<i64>) -> RangeFigures {
    let in_range: Vec<Answer> = all.iter().filter(|a| from.is_none_or(|f| a.at >= f) && to.is_none_or(|t| a.at < t)).cloned().collect();
    let answers = account_counts(&in_range, AccountRollup::EveryResponse);
    let accounts = account_counts(&in_range, rollup)
        .into_iter()
        .map(|(account, counts)| {
            let n = answers.get(&account).map_or(0, BandCounts::n);
            (account, (counts, n))
        })
        .collect();
    let rolled: Vec<_> = in_range.iter().map(Answer::as_rollup).collect();
    RangeFigures {
        accounts,
        per_account: per_account(&rolled),
        every_response: AccountRollup::EveryResponse.counts(&in_range),
        churn_every_response: churn_split(&in_range, churned, AccountRollup::EveryResponse),
        churn_decision_maker_first: churn_split(&in_range, churned, AccountRollup::DecisionMakerFirst),
    }
}

async fn cell_figures(
    state: &State,
    scope: &Scope<'_>,
    rows: &[AccountCells],
    churned: &BTreeMap<String, Option<i64>>,
    from: Option<i64>,
    to: Option<i64>,
) -> ApiResult<RangeFigures> {
    let in_range = |q: i64| from.is_none_or(|f| quarter_start(q) >= f) && to.is_none_or(|t| quarter_start(q) < t);
    let tallies = cells::account_tallies(rows, in_range);
    let accounts = tallies.iter().map(|(a, t)| (a.clone(), (t.counts(scope.rollup), t.answers()))).collect();
    let values: Vec<f64> = tallies.values().filter_map(|t| t.counts.nps()).collect();
    let (lost, kept) = churn_sides(state, scope, rows, &tallies, churned, in_range).await?;
    Ok(RangeFigures {
        accounts,
        per_account: AccountAverage::of_values(&values),
        every_response: cells::survey_total(rows, in_range),
        churn_every_response: cells::churn_split_of(lost.values(), kept.iter().copied(), AccountRollup::EveryResponse),
        churn_decision_maker_first: cells::churn_split_of(lost.values(), kept.iter().copied(), AccountRollup::DecisionMakerFirst),
    })
}

/// The churned accounts' answers before their churn (whole quarters from the cells, the
/// quarter of the churn itself from its answers) and the other accounts' answers.
async fn churn_sides<'t>(
    state: &State,
    scope: &Scope<'_>,
    rows: &[AccountCells],
    tallies: &'t BTreeMap<String, Tally>,
    churned: &BTreeMap<String, Option<i64>>,
    in_range: impl Fn(i64) -> bool + Copy,
) -> ApiResult<(BTreeMap<String, Tally>, Vec<&'t Tally>)> {
    let kept: Vec<&Tally> = tallies.iter().filter(|(a, _)| !churned.contains_key(*a)).map(|(_, t)| t).collect();
    // Each churned account with answers in the range: when it churned, and that quarter.
    let churning: BTreeMap<&str, (Option<i64>, i64)> = churned
        .iter()
        .filter(|(a, _)| tallies.contains_key(*a))
        .map(|(a, churn_at)| (a.as_str(), (*churn_at, churn_at.map_or(i64::MAX, quarter_of))))
        .collect();
    // One pass over the rows (a scan of every row per churned account was quadratic).
    let mut lost: BTreeMap<String, Tally> = churning.keys().map(|a| ((*a).to_owned(), Tally::default())).collect();
    for row in rows {
        let (Some(&(_, churn_quarter)), Some(tally)) = (churning.get(row.account.as_str()), lost.get_mut(&row.account)) else { continue };
        for cell in row.cells.iter().filter(|c| in_range(c.quarter) && c.quarter < churn_quarter && c.tally.answers() > 0) {
            tally.absorb(&cell.tally);
        }
    }
    // Churned inside a quarter of the range: that quarter's answers before the churn are read.
    let windows: Vec<AnswerWindow> = churning
        .iter()
        .filter_map(|(account, (churn_at, quarter))| {
            // Only with a churn date: without one, the quarter is `i64::MAX`, which has no start.
            let to = churn_at.filter(|_| in_range(*quarter))?;
            let from = quarter_start(*quarter);
            (from < to).then(|| AnswerWindow { account: (*account).to_owned(), from, to })
        })
        .collect();
    for a in state.store.account_answers(scope.project_id, scope.surveys, &windows).await? {
        if let Some(account) = a.account.as_deref() {
            lost.entry(account.to_owned()).or_default().add(a.at, a.score, a.role.as_deref());
        }
    }
    Ok((lost, kept))
}
