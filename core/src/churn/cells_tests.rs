//! Cells against the answers they sum up: every report figure built from cells equals the one
//! the same report computes from the answers, on generated histories with ties, answers
//! without an account, roles outside the precedence and several surveys.

use super::*;
use crate::churn::revenue::account_counts;
use crate::churn::{churn_split, timelines};
use crate::rollup::{AccountAverage, per_account};

const T0: i64 = 1_704_067_200_000; // 2024-01-01

struct Rng(u64);

impl Rng {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

fn generated(seed: u64, n: usize) -> Vec<Answer> {
    let mut rng = Rng(seed);
    let roles = [Some("executive_buyer"), Some("admin"), Some("end_user"), Some("champion"), None];
    let mut out: Vec<Answer> = Vec::with_capacity(n);
    for i in 0..n {
        let account = rng.next(12);
        let mut answer = Answer {
            response_id: format!("r{i:05}"),
            survey_id: [3, 9, 4][rng.next(3) as usize],
            user_id: format!("u{}", rng.next(40)),
            account: (account < 10).then(|| format!("acct{account}")),
            role: roles[rng.next(5) as usize].map(str::to_owned),
            score: NpsScore::new(rng.next(11) as i64).expect("score"),
            at: T0 + rng.next(900) as i64 * DAY_MS + rng.next(DAY_MS as u64) as i64,
        };
        // Some answers share the millisecond, account and role of the one before: the higher
        // score must stand for the role whatever the order.
        if let Some(previous) = out.last().filter(|_| i % 7 == 3) {
            answer = Answer { response_id: answer.response_id, score: answer.score, ..previous.clone() };
        }
        out.push(answer);
    }
    out
}

#[test]
fn quarters_are_calendar_quarters() {
    assert_eq!(quarter_of(T0), 2024 * 4);
    assert_eq!(quarter_of(T0 - 1), 2023 * 4 + 3);
    assert_eq!(quarter_start(2024 * 4 + 1), T0 + 91 * DAY_MS); // 2024-04-01 (leap year)
    for q in [2023 * 4 + 3, 2024 * 4, 2026 * 4 + 2] {
        assert_eq!(quarter_of(quarter_start(q)), q);
        assert_eq!(quarter_of(quarter_start(q) - 1), q - 1);
    }
    assert_eq!(role_class(Some("admin")), 1);
    assert_eq!((role_class(Some("champion")), role_class(None)), (3, 3));
}

#[test]
fn quarters_of_the_extreme_timestamps_do_not_overflow() {
    // A report's `from` may be any i64; its quarter starts before i64::MIN and is clamped.
    assert_eq!(quarter_start(quarter_of(i64::MIN)), i64::MIN);
    let last = quarter_of(i64::MAX);
    assert!(i64::MAX - quarter_start(last) < 92 * DAY_MS);
    assert_eq!(quarter_start(last + 1), i64::MAX);
}

#[test]
fn timelines_from_cells_equal_timelines_from_answers() {
    for seed in 1..6 {
        let answers = generated(seed, 700);
        let rows = cells_of(&answers);
        for by in [WaveBy::Quarter, WaveBy::Survey] {
            for rollup in [AccountRollup::EveryResponse, AccountRollup::DecisionMakerFirst] {
                let expected = timelines(&answers, by, rollup);
                assert_eq!(timelines_from_cells(&rows, by, rollup), Some(expected), "seed {seed} {by:?} {rollup:?}");
            }
        }
        assert_eq!(timelines_from_cells(&rows, WaveBy::Month, AccountRollup::EveryResponse), None);
    }
}

#[test]
fn the_order_of_answers_does_not_change_cells() {
    let answers = generated(7, 400);
    let mut reversed = answers.clone();
    reversed.reverse();
    assert_eq!(cells_of(&answers), cells_of(&reversed));
    // Merging the rows of two halves gives the rows of the whole.
    let (a, b) = answers.split_at(150);
    let mut merged = cells_of(a);
    for row in cells_of(b) {
        match merged.iter_mut().find(|m| m.survey_id == row.survey_id && m.account == row.account) {
            Some(m) => m.absorb(&row.cells),
            None => merged.push(row),
        }
    }
    merged.sort_by(|x, y| (x.survey_id, &x.account).cmp(&(y.survey_id, &y.account)));
    assert_eq!(merged, cells_of(&answers));
}

#[test]
fn revenue_figures_from_cells_equal_those_from_answers() {
    let answers = generated(11, 900);
    let rows = cells_of(&answers);
    let (from, to) = (quarter_of(T0) + 2, quarter_of(T0) + 7);
    let in_range: Vec<Answer> = answers.iter().filter(|a| (from..to).contains(&quarter_of(a.at))).cloned().collect();
    let tallies = account_tallies(&rows, |q| (from..to).contains(&q));
    for rollup in [AccountRollup::EveryResponse, AccountRollup::DecisionMakerFirst] {
        let expected = account_counts(&in_range, rollup);
        let got: BTreeMap<String, BandCounts> = tallies.iter().map(|(a, t)| (a.clone(), t.counts(rollup))).collect();
        assert_eq!(got, expected, "{rollup:?}");
    }
    let mut every = BandCounts::default();
    in_range.iter().for_each(|a| every.add(a.score.band()));
    assert_eq!(survey_total(&rows, |q| (from..to).contains(&q)), every);
    let rolled: Vec<_> = in_range.iter().map(Answer::as_rollup).collect();
    let values: Vec<f64> = tallies.values().filter_map(|t| t.counts.nps()).collect();
    assert_eq!(AccountAverage::of_values(&values), per_account(&rolled));
}

#[test]
fn churn_split_from_tallies_equals_the_split_of_answers() {
    let answers = generated(5, 900);
    let rows = cells_of(&answers);
    // acct1 churned mid-quarter, acct2 on a quarter's first day, acct3 at an unknown time.
    let mid = T0 + 400 * DAY_MS;
    let churned: BTreeMap<String, Option<i64>> =
        [("acct1", Some(mid)), ("acct2", Some(quarter_start(quarter_of(T0) + 3))), ("acct3", None)].map(|(a, t)| (a.to_owned(), t)).into();
    let mut lost: BTreeMap<String, Tally> = BTreeMap::new();
    for (account, churn_at) in &churned {
        // Whole quarters before the churn from the cells, the churn quarter from its answers,
        // as the collector does.
        let before = churn_at.map_or(i64::MAX, quarter_of);
        let row: Vec<AccountCells> = rows.iter().filter(|r| &r.account == account).cloned().collect();
        let mut tally = account_tallies(&row, |q| q < before).remove(account).unwrap_or_default();
        for a in answers.iter().filter(|a| a.account.as_ref() == Some(account)) {
            if churn_at.is_some_and(|t| quarter_of(a.at) == before && a.at < t) {
                tally.add(a.at, a.score, a.role.as_deref());
            }
        }
        lost.insert(account.clone(), tally);
    }
    let kept: BTreeMap<String, Tally> = account_tallies(&rows, |_| true).into_iter().filter(|(a, _)| !churned.contains_key(a)).collect();
    for rollup in [AccountRollup::EveryResponse, AccountRollup::DecisionMakerFirst] {
        assert_eq!(churn_split_of(lost.values(), kept.values(), rollup), churn_split(&answers, &churned, rollup), "{rollup:?}");
    }
}
