//! Account aggregates: what the collector keeps per survey and account so that the account
//! reports need not read every answer. One [`Cell`] per account and calendar quarter (UTC): the
//! answers per band, the first and last answer time, and the latest answer of each role class
//! (what decision-maker first needs). Quarters because the reports must read every account at
//! once: a few cells per account stay cheap to read where one per day or month would not.
//!
//! Timelines cut by quarter or by survey, each account's figures for the revenue report and
//! the churn split are built from cells here, and equal what the same reports compute from
//! the answers (tests below; `tests/tests/account_rollups.rs` end to end on both backends).

use super::calendar::{civil_from_days, days_from_civil};
use super::revenue::ChurnSplit;
use super::waves::{AccountRollup, AccountTimeline, WaveBy, WaveTotals, chain, wave_key};
use super::{Answer, DAY_MS};
use crate::rollup::ROLE_PRECEDENCE;
use crate::score::NpsScore;
use crate::stats::BandCounts;
use std::collections::{BTreeMap, HashMap};

/// Role classes in decision-maker-first precedence: executive buyer, admin, end user, then
/// any other role or none.
pub const ROLE_CLASSES: usize = 4;

/// The account name under which a survey's row holds every answer of the survey (with or
/// without an account): its first answer and its every-response total. Account ids are never
/// empty (the client API refuses one).
pub const SURVEY_TOTAL: &str = "";

/// The class of a role: its place in [`ROLE_PRECEDENCE`], or 3 for any other role or none.
pub fn role_class(role: Option<&str>) -> usize {
    role.and_then(|r| ROLE_PRECEDENCE.iter().position(|p| *p == r)).unwrap_or(ROLE_CLASSES - 1)
}

/// Calendar quarters counted from year 0: `year * 4 + quarter - 1` (UTC).
pub fn quarter_of(at: i64) -> i64 {
    let (y, m, _) = civil_from_days(at.div_euclid(DAY_MS));
    y * 4 + i64::from((m - 1) / 3)
}

/// Unix ms of the first moment of quarter `q`, clamped to the `i64` range: the quarter of a
/// query bound near `i64::MIN` starts before the earliest representable millisecond.
pub fn quarter_start(q: i64) -> i64 {
    let (y, i) = (q.div_euclid(4), q.rem_euclid(4));
    days_from_civil(y, (i * 3 + 1) as u32, 1).saturating_mul(DAY_MS)
}

/// The latest answer of a role class: ordered by time, then score (the same tie-break as
/// `rollup::decision_maker_first`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Latest {
    pub at: i64,
    pub score: NpsScore,
}

/// A set of answers summed up: what a cell holds, and what cells add up to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub counts: BandCounts,
    pub first_at: i64,
    pub last_at: i64,
    /// Per role class (see [`role_class`]), its latest answer.
    pub latest: [Option<Latest>; ROLE_CLASSES],
}

impl Default for Tally {
    fn default() -> Self {
        Self { counts: BandCounts::default(), first_at: i64::MAX, last_at: i64::MIN, latest: [None; ROLE_CLASSES] }
    }
}

impl Tally {
    /// Counts an answer without keeping it as its role's latest (the survey totals).
    pub fn count(&mut self, at: i64, score: NpsScore) {
        self.counts.add(score.band());
        self.first_at = self.first_at.min(at);
        self.last_at = self.last_at.max(at);
    }

    pub fn add(&mut self, at: i64, score: NpsScore, role: Option<&str>) {
        self.count(at, score);
        let slot = &mut self.latest[role_class(role)];
        *slot = (*slot).max(Some(Latest { at, score }));
    }

    pub fn absorb(&mut self, other: &Tally) {
        self.counts.merge(other.counts);
        self.first_at = self.first_at.min(other.first_at);
        self.last_at = self.last_at.max(other.last_at);
        for (mine, theirs) in self.latest.iter_mut().zip(other.latest) {
            *mine = (*mine).max(theirs);
        }
    }

    pub fn answers(&self) -> u64 {
        self.counts.n()
    }

    /// Decision-maker first: the latest answer of the first role class that answered.
    pub fn representative(&self) -> Option<NpsScore> {
        self.latest.iter().flatten().next().map(|l| l.score)
    }

    /// The counts under a roll-up rule (decision-maker first: one answer for the account).
    pub fn counts(&self, rollup: AccountRollup) -> BandCounts {
        match rollup {
            AccountRollup::EveryResponse => self.counts,
            AccountRollup::DecisionMakerFirst => BandCounts::from_scores(self.representative()),
        }
    }

    fn totals(&self, rollup: AccountRollup) -> WaveTotals {
        WaveTotals { first_answer_at: self.first_at, last_answer_at: self.last_at, answers: self.answers(), counts: self.counts(rollup) }
    }
}

/// One account's answers to one survey in one quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell {
    pub quarter: i64,
    pub tally: Tally,
}

/// Every cell of one account in one survey, quarters in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountCells {
    pub survey_id: i64,
    /// [`SURVEY_TOTAL`] for the survey's own row.
    pub account: String,
    pub cells: Vec<Cell>,
}

impl AccountCells {
    /// Adds cells (of the same survey and account), keeping quarters in order, one cell each.
    pub fn absorb(&mut self, cells: &[Cell]) {
        for cell in cells {
            match self.cells.binary_search_by_key(&cell.quarter, |c| c.quarter) {
                Ok(i) => self.cells[i].tally.absorb(&cell.tally),
                Err(i) => self.cells.insert(i, *cell),
            }
        }
    }
}

/// The rows of every account and every survey total, built from answers as the collector
/// keeps them (each answer in its account's row and in its survey's total).
pub fn cells_of(answers: &[Answer]) -> Vec<AccountCells> {
    let mut rows: BTreeMap<(i64, &str), BTreeMap<i64, Tally>> = BTreeMap::new();
    for a in answers {
        let accounts = [Some(SURVEY_TOTAL), a.account.as_deref()];
        for account in accounts.into_iter().flatten() {
            let tally = rows.entry((a.survey_id, account)).or_default().entry(quarter_of(a.at)).or_default();
            // The survey total keeps no latest answers: nothing reads a role there.
            if account == SURVEY_TOTAL { tally.count(a.at, a.score) } else { tally.add(a.at, a.score, a.role.as_deref()) }
        }
    }
    rows.into_iter()
        .map(|((survey_id, account), quarters)| AccountCells {
            survey_id,
            account: account.to_owned(),
            cells: quarters.into_iter().map(|(quarter, tally)| Cell { quarter, tally }).collect(),
        })
        .collect()
}

/// Whether timelines with these waves can be cut from quarterly cells: quarters and surveys,
/// not months or periods of days.
pub fn cuts_waves(by: WaveBy) -> bool {
    matches!(by, WaveBy::Quarter | WaveBy::Survey)
}

/// When each survey got its first answer (orders the waves by survey).
fn survey_starts(rows: &[AccountCells]) -> BTreeMap<i64, i64> {
    let mut starts: BTreeMap<i64, i64> = BTreeMap::new();
    for row in rows.iter().filter(|r| r.account == SURVEY_TOTAL) {
        for cell in row.cells.iter().filter(|c| c.tally.answers() > 0) {
            let start = starts.entry(row.survey_id).or_insert(cell.tally.first_at);
            *start = (*start).min(cell.tally.first_at);
        }
    }
    starts
}

/// [`super::timelines`] from cells: `None` when the waves cannot be cut from quarters.
///
/// The reports cut every cell of every account per request (20,000 accounts of nine quarters
/// each in `bench-accounts`), so the work per cell is an array index: each (quarter, survey)
/// is given its wave's place in the timeline order once, and each account adds its cells up in
/// one scratch row of tallies, one slot per wave.
pub fn timelines_from_cells(rows: &[AccountCells], by: WaveBy, rollup: AccountRollup) -> Option<Vec<AccountTimeline>> {
    if !cuts_waves(by) {
        return None;
    }
    let waves = WaveIndex::of(rows, by);
    let accounts = account_rows_in_order(rows);
    let mut scratch: Vec<Option<Tally>> = vec![None; waves.labels.len()];
    let mut timelines = Vec::new();
    for same in accounts.chunk_by(|a, b| a.account == b.account) {
        let mut answered = false;
        for row in same {
            let Some(places) = waves.places.get(&row.survey_id) else { continue };
            for cell in row.cells.iter().filter(|c| c.tally.answers() > 0) {
                scratch[places.of(cell.quarter)].get_or_insert_with(Tally::default).absorb(&cell.tally);
                answered = true;
            }
        }
        // An account is listed once it answered, even when no wave counts anybody under the
        // roll-up rule (as the timelines from answers list it).
        let waves = chain(scratch.iter_mut().enumerate().filter_map(|(i, slot)| slot.take().map(|t| (waves.labels[i].clone(), t.totals(rollup)))));
        if answered {
            timelines.push(AccountTimeline { account: same[0].account.clone(), waves });
        }
    }
    Some(timelines)
}

/// The accounts' rows (not the survey totals) in account order, for `chunk_by` to group:
/// sorting, not hashing, as the store returns them sorted by account (its key), which the
/// sort then only checks.
fn account_rows_in_order(rows: &[AccountCells]) -> Vec<&AccountCells> {
    let mut accounts: Vec<&AccountCells> = rows.iter().filter(|r| r.account != SURVEY_TOTAL).collect();
    accounts.sort_by(|a, b| a.account.cmp(&b.account));
    accounts
}

/// Where each (quarter, survey) cell goes in an account's timeline: the waves in timeline
/// order (by start, then label, as [`super::timelines`] orders them), and per survey the place
/// of each of its quarters.
struct WaveIndex {
    labels: Vec<String>,
    places: HashMap<i64, QuarterPlaces>,
}

/// One survey's quarters `first..` mapped to wave places.
struct QuarterPlaces {
    first: i64,
    place: Vec<usize>,
}

impl QuarterPlaces {
    fn of(&self, quarter: i64) -> usize {
        self.place[(quarter - self.first) as usize]
    }
}

impl WaveIndex {
    fn of(rows: &[AccountCells], by: WaveBy) -> Self {
        let starts = survey_starts(rows);
        // Each survey's quarter range over the account rows.
        let mut ranges: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
        for row in rows.iter().filter(|r| r.account != SURVEY_TOTAL) {
            if let (Some(first), Some(last)) = (row.cells.first(), row.cells.last()) {
                let range = ranges.entry(row.survey_id).or_insert((first.quarter, last.quarter));
                *range = (range.0.min(first.quarter), range.1.max(last.quarter));
            }
        }
        let keyed: Vec<(i64, i64, (i64, String))> = ranges
            .iter()
            .flat_map(|(&survey, &(first, last))| (first..=last).map(move |q| (survey, q)))
            .map(|(survey, q)| (survey, q, wave_key(by, quarter_start(q), survey, &starts)))
            .collect();
        let mut keys: Vec<&(i64, String)> = keyed.iter().map(|(_, _, key)| key).collect();
        keys.sort_unstable();
        keys.dedup();
        // Every key is in `keys`, which was made from them.
        let place_of = |key: &(i64, String)| keys.binary_search(&key).unwrap_or_default();
        let mut places: HashMap<i64, QuarterPlaces> = HashMap::new();
        for (survey, q, key) in &keyed {
            let (first, _) = ranges[survey];
            let entry = places.entry(*survey).or_insert_with(|| QuarterPlaces { first, place: Vec::new() });
            debug_assert_eq!(entry.place.len() as i64, q - first);
            entry.place.push(place_of(key));
        }
        WaveIndex { labels: keys.iter().map(|(_, label)| label.clone()).collect(), places }
    }
}

/// Each account's tally over the quarters `keep` accepts; accounts without answers there are
/// left out. The survey totals are not accounts.
pub fn account_tallies(rows: &[AccountCells], keep: impl Fn(i64) -> bool) -> BTreeMap<String, Tally> {
    account_rows_in_order(rows)
        .chunk_by(|a, b| a.account == b.account)
        .filter_map(|same| {
            let mut tally = Tally::default();
            let mut answered = false;
            for cell in same.iter().flat_map(|r| &r.cells).filter(|c| keep(c.quarter) && c.tally.answers() > 0) {
                tally.absorb(&cell.tally);
                answered = true;
            }
            answered.then(|| (same[0].account.clone(), tally))
        })
        .collect()
}

/// Every answer (with or without an account) in the quarters `keep` accepts.
pub fn survey_total(rows: &[AccountCells], keep: impl Fn(i64) -> bool) -> BandCounts {
    let mut total = BandCounts::default();
    for row in rows.iter().filter(|r| r.account == SURVEY_TOTAL) {
        row.cells.iter().filter(|c| keep(c.quarter)).for_each(|c| total.merge(c.tally.counts));
    }
    total
}

/// How many of these accounts answered, and their counts under the roll-up rule.
fn side<'a>(tallies: impl IntoIterator<Item = &'a Tally>, rollup: AccountRollup) -> (u64, BandCounts) {
    let (mut accounts, mut counts) = (0, BandCounts::default());
    for tally in tallies.into_iter().filter(|t| t.answers() > 0) {
        accounts += 1;
        counts.merge(tally.counts(rollup));
    }
    (accounts, counts)
}

/// [`super::churn_split`] from each account's tally: `lost` holds the churned accounts' answers
/// before their churn, `kept` the other accounts' answers.
pub fn churn_split_of<'a>(lost: impl IntoIterator<Item = &'a Tally>, kept: impl IntoIterator<Item = &'a Tally>, rollup: AccountRollup) -> ChurnSplit {
    let ((churned_accounts, churned), (retained_accounts, retained)) = (side(lost, rollup), side(kept, rollup));
    ChurnSplit {
        rollup,
        churned_accounts,
        retained_accounts,
        churned,
        retained,
        churned_nps: churned.nps(),
        retained_nps: retained.nps(),
        comparison: (churned.n() > 0 && retained.n() > 0).then(|| churned.compare(&retained)),
    }
}

#[cfg(test)]
#[path = "cells_tests.rs"]
mod tests;
