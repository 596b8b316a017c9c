//! NPS per account over time: answers cut into waves (one survey per wave, or calendar
//! periods), and per account and wave the NPS under one of the roll-up rules of
//! [`crate::rollup`].

use super::calendar::{civil_from_days, date_of, days_from_civil};
use super::{Answer, DAY_MS};
use crate::rollup;
use crate::stats::{BandCounts, NpsInterval};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How answers are cut into waves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum WaveBy {
    /// Each survey is a wave (relationship NPS run as one survey per round), in the order the
    /// surveys got their first answer.
    Survey,
    /// Calendar months (UTC).
    Month,
    /// Calendar quarters (UTC).
    Quarter,
    /// Fixed periods of this many days, counted from 1970-01-01.
    Days(u32),
}

impl WaveBy {
    /// `survey`, `month`, `quarter` or `days:<n>` (1..=3650).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "survey" => Some(Self::Survey),
            "month" => Some(Self::Month),
            "quarter" => Some(Self::Quarter),
            _ => s.strip_prefix("days:")?.parse().ok().filter(|n| (1..=3_650).contains(n)).map(Self::Days),
        }
    }
}

/// How the answers of one account inside one wave become its NPS (see
/// `shared/reference/nps-statistics.md`, roll-ups for B2B accounts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AccountRollup {
    /// Every answer of the account counts once.
    EveryResponse,
    /// The executive buyer's latest answer stands for the account, else the admin's, else
    /// the end users' (the account's NPS is then -100, 0 or 100).
    DecisionMakerFirst,
}

impl AccountRollup {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "every_response" => Some(Self::EveryResponse),
            "decision_maker_first" => Some(Self::DecisionMakerFirst),
            _ => None,
        }
    }

    /// The counts of a set of answers under this rule.
    pub fn counts<'a>(self, answers: impl IntoIterator<Item = &'a Answer>) -> BandCounts {
        let list: Vec<rollup::AccountAnswer> = answers.into_iter().map(Answer::as_rollup).collect();
        match self {
            Self::EveryResponse => rollup::every_response(&list),
            Self::DecisionMakerFirst => rollup::decision_maker_first(&list),
        }
    }
}

/// One account in one wave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WaveNps {
    pub wave: String,
    /// The account's first and last answer in the wave (unix ms).
    pub first_answer_at: i64,
    pub last_answer_at: i64,
    /// Answers the account gave in the wave.
    pub answers: u64,
    /// Counts under the roll-up rule (for decision-maker first: one per account).
    pub counts: BandCounts,
    pub nps: f64,
    /// 95% adjusted-Wald interval of the counts.
    pub interval: NpsInterval,
    /// NPS points against the account's previous wave.
    pub change: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountTimeline {
    pub account: String,
    /// Oldest wave first.
    pub waves: Vec<WaveNps>,
}

/// (sort key, label) of the wave an answer belongs to.
fn wave_of(by: WaveBy, answer: &Answer, survey_starts: &BTreeMap<i64, i64>) -> (i64, String) {
    wave_key(by, answer.at, answer.survey_id, survey_starts)
}

/// (sort key, label) of the wave of an answer given at `at` to `survey_id`: what orders and
/// names the waves, shared with the timelines built from account aggregates.
pub(crate) fn wave_key(by: WaveBy, at: i64, survey_id: i64, survey_starts: &BTreeMap<i64, i64>) -> (i64, String) {
    let day = at.div_euclid(DAY_MS);
    match by {
        WaveBy::Survey => {
            let start = survey_starts.get(&survey_id).copied().unwrap_or(at);
            (start, format!("survey {survey_id}"))
        }
        WaveBy::Month => {
            let (y, m, _) = civil_from_days(day);
            (days_from_civil(y, m, 1) * DAY_MS, format!("{y:04}-{m:02}"))
        }
        WaveBy::Quarter => {
            let (y, m, _) = civil_from_days(day);
            let first = (m - 1) / 3 * 3 + 1;
            (days_from_civil(y, first, 1) * DAY_MS, format!("{y:04}-Q{}", (m - 1) / 3 + 1))
        }
        WaveBy::Days(n) => {
            let start = day.div_euclid(i64::from(n)) * i64::from(n) * DAY_MS;
            (start, date_of(start))
        }
    }
}

/// What one wave of one account adds up to, however it was counted (answers or aggregates).
pub(crate) struct WaveTotals {
    pub first_answer_at: i64,
    pub last_answer_at: i64,
    pub answers: u64,
    pub counts: BandCounts,
}

impl WaveTotals {
    /// The wave as reported; `None` when it counts nobody. `previous` is the account's
    /// previous wave NPS (for `change`).
    pub fn into_wave(self, label: String, previous: Option<f64>) -> Option<WaveNps> {
        let nps = self.counts.nps()?;
        Some(WaveNps {
            wave: label,
            first_answer_at: self.first_answer_at,
            last_answer_at: self.last_answer_at,
            answers: self.answers,
            counts: self.counts,
            nps,
            interval: self.counts.interval95(),
            change: previous.map(|p| nps - p),
        })
    }
}

/// The waves of one account, oldest first, each with its change against the one before.
pub(crate) fn chain(waves: impl IntoIterator<Item = (String, WaveTotals)>) -> Vec<WaveNps> {
    let mut previous: Option<f64> = None;
    waves
        .into_iter()
        .filter_map(|(label, totals)| {
            let wave = totals.into_wave(label, previous)?;
            previous = Some(wave.nps);
            Some(wave)
        })
        .collect()
}

/// Each account's NPS per wave, accounts in id order, waves oldest first. Answers without an
/// account are left out.
pub fn timelines(answers: &[Answer], by: WaveBy, rollup: AccountRollup) -> Vec<AccountTimeline> {
    let mut survey_starts: BTreeMap<i64, i64> = BTreeMap::new();
    for a in answers {
        let start = survey_starts.entry(a.survey_id).or_insert(a.at);
        *start = (*start).min(a.at);
    }
    // account -> (wave key, survey tie-break, label) -> answers
    let mut grouped: BTreeMap<&str, BTreeMap<(i64, String), Vec<&Answer>>> = BTreeMap::new();
    for a in answers {
        if let Some(account) = a.account.as_deref() {
            grouped.entry(account).or_default().entry(wave_of(by, a, &survey_starts)).or_default().push(a);
        }
    }
    grouped
        .into_iter()
        .map(|(account, waves)| {
            let waves = chain(waves.into_iter().filter_map(|((_, label), list)| {
                let totals = WaveTotals {
                    first_answer_at: list.iter().map(|a| a.at).min()?,
                    last_answer_at: list.iter().map(|a| a.at).max()?,
                    answers: list.len() as u64,
                    counts: rollup.counts(list.iter().copied()),
                };
                Some((label, totals))
            }));
            AccountTimeline { account: account.to_owned(), waves }
        })
        .collect()
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::score::NpsScore;

    /// An end user's answer, for the churn tests.
    pub(crate) fn answer(account: &str, user: &str, survey: i64, score: i64, at: i64) -> Answer {
        Answer {
            response_id: format!("{user}-{survey}-{at}"),
            survey_id: survey,
            user_id: user.into(),
            account: Some(account.into()),
            role: Some("end_user".into()),
            score: NpsScore::new(score).expect("valid"),
            at,
        }
    }

    const T0: i64 = 1_767_225_600_000; // 2026-01-01

    #[test]
    fn waves_by_survey_follow_the_first_answer_of_each_survey() {
        // Survey 9 ran first, survey 3 second: ids do not decide the order.
        let answers = [
            answer("acme", "a", 9, 10, T0),
            answer("acme", "b", 9, 9, T0 + 1),
            answer("acme", "a", 3, 5, T0 + 10 * DAY_MS),
            answer("acme", "b", 3, 9, T0 + 11 * DAY_MS),
            answer("globex", "g", 3, 8, T0 + 12 * DAY_MS),
        ];
        let t = timelines(&answers, WaveBy::Survey, AccountRollup::EveryResponse);
        assert_eq!(t.len(), 2);
        let acme = &t[0];
        assert_eq!(acme.account, "acme");
        let labels: Vec<&str> = acme.waves.iter().map(|w| w.wave.as_str()).collect();
        assert_eq!(labels, ["survey 9", "survey 3"]);
        assert_eq!((acme.waves[0].nps, acme.waves[1].nps), (100.0, 0.0));
        assert_eq!(acme.waves[1].change, Some(-100.0));
        assert_eq!((acme.waves[1].first_answer_at, acme.waves[1].last_answer_at), (T0 + 10 * DAY_MS, T0 + 11 * DAY_MS));
        assert_eq!(t[1].waves[0].nps, 0.0);
    }

    #[test]
    fn calendar_waves_cut_months_quarters_and_fixed_periods() {
        let feb = T0 + 31 * DAY_MS; // 2026-02-01
        let april = T0 + 90 * DAY_MS; // 2026-04-01
        let answers = [answer("acme", "a", 1, 9, T0), answer("acme", "a", 1, 3, feb), answer("acme", "a", 1, 7, april)];
        let months = timelines(&answers, WaveBy::Month, AccountRollup::EveryResponse);
        let labels: Vec<&str> = months[0].waves.iter().map(|w| w.wave.as_str()).collect();
        assert_eq!(labels, ["2026-01", "2026-02", "2026-04"]);
        let quarters = timelines(&answers, WaveBy::Quarter, AccountRollup::EveryResponse);
        let q: Vec<(&str, u64)> = quarters[0].waves.iter().map(|w| (w.wave.as_str(), w.answers)).collect();
        assert_eq!(q, [("2026-Q1", 2), ("2026-Q2", 1)]);
        assert_eq!(quarters[0].waves[0].nps, 0.0);
        let days = timelines(&answers, WaveBy::Days(45), AccountRollup::EveryResponse);
        // Day 20454 (2026-01-01) falls in the 45-day period starting on day 20430.
        let starts: Vec<&str> = days[0].waves.iter().map(|w| w.wave.as_str()).collect();
        assert_eq!(starts, ["2025-12-08", "2026-01-22", "2026-03-08"]);
    }

    #[test]
    fn the_roll_up_rule_decides_what_one_wave_counts() {
        let mut buyer = answer("acme", "boss", 1, 2, T0);
        buyer.role = Some("executive_buyer".into());
        let answers = [buyer, answer("acme", "u1", 1, 10, T0 + 1), answer("acme", "u2", 1, 10, T0 + 2)];
        let every = timelines(&answers, WaveBy::Survey, AccountRollup::EveryResponse);
        assert_eq!(every[0].waves[0].counts, BandCounts::new(2, 0, 1));
        let dmf = timelines(&answers, WaveBy::Survey, AccountRollup::DecisionMakerFirst);
        assert_eq!(dmf[0].waves[0].counts, BandCounts::new(0, 0, 1));
        assert_eq!(dmf[0].waves[0].nps, -100.0);
        assert_eq!(dmf[0].waves[0].answers, 3);
    }

    #[test]
    fn wave_names_parse() {
        assert_eq!(WaveBy::parse("days:30"), Some(WaveBy::Days(30)));
        for bad in ["days:0", "days:x", "year", ""] {
            assert_eq!(WaveBy::parse(bad), None, "{bad}");
        }
        assert_eq!(AccountRollup::parse("decision_maker_first"), Some(AccountRollup::DecisionMakerFirst));
    }
}
