//! The churn signals on a fake clock: every time below is an explicit number.

use super::revenue::{WeightedNps, account_counts};
use super::signals::risk_score;
use super::waves::tests::answer;
use super::*;
use crate::rollup;
use crate::stats::BandCounts;
use proptest::prelude::*;
use std::collections::BTreeMap;

const T0: i64 = 1_767_225_600_000; // 2026-01-01
const D: i64 = DAY_MS;

/// One wave per survey for `account`: survey i+1 answered on day `days[i]` with `scores[i]`.
fn history(account: &str, waves: &[(i64, &[i64])]) -> Vec<Answer> {
    let mut out = Vec::new();
    for (i, (day, scores)) in waves.iter().enumerate() {
        for (u, score) in scores.iter().enumerate() {
            out.push(answer(account, &format!("{account}-u{u}"), i as i64 + 1, *score, T0 + day * D + u as i64));
        }
    }
    out
}

fn timeline(answers: &[Answer]) -> AccountTimeline {
    timelines(answers, WaveBy::Survey, AccountRollup::EveryResponse).remove(0)
}

fn shown(user: &str, at: i64) -> Engagement {
    Engagement { user_id: user.into(), kind: EngagementKind::Shown, at }
}

fn declined(user: &str, at: i64) -> Engagement {
    Engagement { user_id: user.into(), kind: EngagementKind::Declined, at }
}

#[test]
fn a_drop_between_consecutive_waves_is_flagged_with_its_evidence() {
    // 60 → 40: twenty points.
    let t = timeline(&history("acme", &[(0, &[10, 10, 10, 10, 2]), (30, &[10, 10, 10, 8, 2])]));
    let evidence = falling(&t, &ChurnConfig::default());
    assert_eq!(evidence.len(), 1);
    let e = &evidence[0];
    assert_eq!(e.rule, FallRule::ConsecutiveWaves);
    assert_eq!((e.from.wave.as_str(), e.to.wave.as_str()), ("survey 1", "survey 2"));
    assert!((e.from.nps - 60.0).abs() < 1e-9 && (e.to.nps - 40.0).abs() < 1e-9);
    assert!((e.drop - 20.0).abs() < 1e-9);
    assert!((e.days_apart - 30.0).abs() < 0.01);
    assert_eq!(e.comparison, e.to.counts.compare(&e.from.counts));
    assert!(e.comparison.difference < 0.0);

    // 60 → 50 is not a fall; a stricter threshold lets 20 points pass too.
    let small = timeline(&history("acme", &[(0, &[10, 10, 10, 10, 2]), (30, &[10, 10, 10, 10, 10, 10, 8, 8, 8, 1])]));
    assert!(falling(&small, &ChurnConfig::default()).is_empty());
    let strict = ChurnConfig { drop_points: 25.0, ..Default::default() };
    assert!(falling(&t, &strict).is_empty());
}

#[test]
fn exactly_the_threshold_counts_despite_float_rounding() {
    // 2/3 promoters (66.67) → 31/60 net (51.67): 15 points that float arithmetic makes 14.999...
    let first: Vec<i64> = [vec![10; 2], vec![8; 1]].concat();
    let second: Vec<i64> = [vec![10; 31], vec![8; 29]].concat();
    let t = timeline(&history("acme", &[(0, &first), (10, &second)]));
    let drop = t.waves[0].nps - t.waves[1].nps;
    assert!((drop - 15.0).abs() < 1e-9, "{drop}");
    assert_eq!(falling(&t, &ChurnConfig::default()).len(), 1);
}

#[test]
fn a_slide_over_several_waves_counts_inside_the_window_only() {
    // 50 → 40 → 30: ten points a wave, twenty in 60 days.
    let waves: [(i64, &[i64]); 3] = [
        (0, &[10, 10, 10, 10, 10, 8, 8, 8, 8, 8]),
        (30, &[10, 10, 10, 10, 8, 8, 8, 8, 8, 8]),
        (60, &[10, 10, 10, 8, 8, 8, 8, 8, 8, 8]),
    ];
    let t = timeline(&history("acme", &waves));
    assert_eq!(t.waves.iter().map(|w| w.nps.round() as i64).collect::<Vec<_>>(), [50, 40, 30]);
    let evidence = falling(&t, &ChurnConfig::default());
    assert_eq!(evidence.len(), 1);
    assert_eq!(evidence[0].rule, FallRule::WithinWindow);
    assert_eq!((evidence[0].from.wave.as_str(), evidence[0].to.wave.as_str()), ("survey 1", "survey 3"));
    assert!((evidence[0].drop - 20.0).abs() < 1e-9);

    // The same slide over 200 days: the best wave inside 90 days is only ten points higher.
    let slow: [(i64, &[i64]); 3] = [(0, waves[0].1), (100, waves[1].1), (200, waves[2].1)];
    assert!(falling(&timeline(&history("acme", &slow)), &ChurnConfig::default()).is_empty());
    // ...unless the window is widened.
    let wide = ChurnConfig { window_days: 365, ..Default::default() };
    assert_eq!(falling(&timeline(&history("acme", &slow)), &wide).len(), 1);
}

#[test]
fn a_recovered_account_is_not_falling_and_thin_waves_can_be_ignored() {
    let recovering = timeline(&history("acme", &[(0, &[10, 9, 9]), (30, &[3, 5, 9]), (60, &[9, 9, 10])]));
    assert!(falling(&recovering, &ChurnConfig::default()).is_empty());

    // The latest wave has one answer: with min_answers 2 it is not judged, and the wave
    // before it did not fall.
    let thin = timeline(&history("acme", &[(0, &[10, 9]), (30, &[10, 9]), (60, &[2])]));
    assert_eq!(falling(&thin, &ChurnConfig::default()).len(), 1);
    assert!(falling(&thin, &ChurnConfig { min_answers: 2, ..Default::default() }).is_empty());
}

#[test]
fn detractors_go_silent_by_displays_declines_or_opt_out() {
    let cfg = ChurnConfig::default();
    let answers = [
        answer("acme", "quiet", 1, 3, T0),       // then shown twice: silent
        answer("acme", "once", 1, 4, T0),        // shown once: not yet
        answer("acme", "back", 1, 2, T0),        // shown twice, then answered 8: not silent
        answer("acme", "back", 2, 8, T0 + 5 * D),
        answer("acme", "no", 1, 5, T0),          // declines twice
        answer("acme", "gone", 1, 6, T0),        // opted out
        answer("acme", "happy", 1, 10, T0),      // a promoter shown twice: not a detractor
        answer("acme", "early", 1, 1, T0 + 9 * D), // displays before the answer do not count
    ];
    let events = [
        shown("quiet", T0 + D),
        shown("quiet", T0 + 3 * D),
        shown("once", T0 + D),
        shown("back", T0 + D),
        shown("back", T0 + 2 * D),
        shown("no", T0 + D),
        declined("no", T0 + D + 1),
        shown("no", T0 + 2 * D),
        declined("no", T0 + 2 * D + 1),
        Engagement { user_id: "gone".into(), kind: EngagementKind::OptedOut, at: T0 + D },
        shown("happy", T0 + D),
        shown("happy", T0 + 2 * D),
        shown("early", T0 + D),
        shown("early", T0 + 2 * D),
    ];
    let silent = silent_detractors(&answers, &events, &cfg);
    let found: Vec<(&str, SilenceRule)> = silent.iter().map(|s| (s.user_id.as_str(), s.rule)).collect();
    assert_eq!(
        found,
        [("gone", SilenceRule::OptedOut), ("no", SilenceRule::KeepsDeclining), ("quiet", SilenceRule::StoppedAnswering)]
    );
    let quiet = &silent[2];
    assert_eq!((quiet.score, quiet.answered_at, quiet.shown_since, quiet.last_shown_at), (3, T0, 2, Some(T0 + 3 * D)));
    assert_eq!(quiet.response_id, answers[0].response_id);
    assert_eq!(silent[1].declined_since, 2);
    assert_eq!(silent[0].opted_out_at, Some(T0 + D));
    // Stricter: three displays needed.
    let strict = ChurnConfig { silent_displays: 3, silent_declines: 3, ..Default::default() };
    let names: Vec<String> = silent_detractors(&answers, &events, &strict).into_iter().map(|s| s.user_id).collect();
    assert_eq!(names, ["gone"]);
}

fn business(mrr: i64, renewal_day: Option<i64>, churned: bool) -> BusinessFacts {
    BusinessFacts { mrr_cents: Some(mrr), renewal_at: renewal_day.map(|d| T0 + d * D), churned }
}

#[test]
fn the_at_risk_list_ranks_accounts_with_their_reasons() {
    let now = T0 + 61 * D;
    let mut answers = Vec::new();
    answers.extend(history("falling", &[(0, &[10, 9, 9]), (30, &[9, 8, 7]), (60, &[6, 5, 8])]));
    answers.extend(history("stable", &[(0, &[9, 9, 8]), (30, &[9, 10, 8]), (60, &[9, 8, 10])]));
    answers.extend(history("recovering", &[(0, &[10, 9, 9]), (30, &[3, 5, 9]), (60, &[9, 9, 10])]));
    answers.extend(history("sour", &[(0, &[5, 6, 9]), (30, &[5, 6, 9]), (60, &[4, 6, 9])]));
    answers.extend(history("lost", &[(0, &[2, 3, 9]), (30, &[1, 1, 1])]));
    answers.push(answer("quiet", "q1", 1, 9, T0));
    answers.push(answer("quiet", "q2", 1, 3, T0 + 1));
    answers.push(answer("quiet", "q1", 2, 10, T0 + 30 * D));
    let events = [shown("quiet-q2", 0), shown("q2", T0 + 30 * D), shown("q2", T0 + 60 * D)];
    let cfg = ChurnConfig::default();
    let timelines = timelines(&answers, WaveBy::Survey, AccountRollup::EveryResponse);
    let silent = silent_detractors(&answers, &events, &cfg);
    let facts = BTreeMap::from([
        ("falling".to_owned(), business(50_000, Some(80), false)),
        ("stable".to_owned(), business(90_000, Some(70), false)),
        ("sour".to_owned(), business(10_000, None, false)),
        ("lost".to_owned(), business(20_000, Some(70), true)),
    ]);
    let list = at_risk(&timelines, &silent, &facts, now, &cfg);
    let names: Vec<&str> = list.iter().map(|a| a.account.as_str()).collect();
    // falling: (10 + 166.7 fallen inside 90 days) + (10 + 66.7 below zero), x1.5 for the
    // renewal; sour: 10 + 33.3 below zero; quiet: one silent detractor (20). Stable (renewing soon, but nothing wrong), recovering and the churned
    // account are not listed.
    assert_eq!(names, ["falling", "sour", "quiet"]);
    let kinds = |a: &AtRiskAccount| -> Vec<&'static str> {
        a.reasons
            .iter()
            .map(|r| match r {
                RiskReason::Falling { .. } => "falling",
                RiskReason::SilentDetractors { .. } => "silent",
                RiskReason::LowNps { .. } => "low",
                RiskReason::RenewalSoon { .. } => "renewal",
            })
            .collect()
    };
    assert_eq!(kinds(&list[0]), ["falling", "low", "renewal"]);
    assert_eq!(kinds(&list[1]), ["low"]);
    assert_eq!(kinds(&list[2]), ["silent"]);
    assert!((list[0].risk_score - 1.5 * (10.0 + 500.0 / 3.0 + 10.0 + 200.0 / 3.0)).abs() < 1e-6, "{}", list[0].risk_score);
    assert_eq!(list[0].risk_score, risk_score(&list[0].reasons));
    match &list[0].reasons[2] {
        RiskReason::RenewalSoon { renewal_at, days_left, .. } => {
            assert_eq!(*renewal_at, T0 + 80 * D);
            assert!((days_left - 19.0).abs() < 1e-9);
        }
        other => panic!("expected a renewal, got {other:?}"),
    }
    match &list[2].reasons[0] {
        RiskReason::SilentDetractors { users } => assert_eq!(users.iter().map(|u| u.user_id.as_str()).collect::<Vec<_>>(), ["q2"]),
        other => panic!("expected silent detractors, got {other:?}"),
    }
    assert_eq!(list[0].mrr_cents, Some(50_000));
    // A renewal already past, or beyond the window, adds nothing.
    let later = at_risk(&timelines, &silent, &facts, T0 + 81 * D, &cfg);
    assert_eq!(kinds(&later[0]), ["falling", "low"]);
}

#[test]
fn equal_risks_put_more_revenue_first() {
    let answers = [answer("small", "a", 1, 2, T0), answer("big", "b", 1, 2, T0)];
    let timelines = timelines(&answers, WaveBy::Survey, AccountRollup::EveryResponse);
    let facts = BTreeMap::from([("small".to_owned(), business(100, None, false)), ("big".to_owned(), business(900, None, false))]);
    let list = at_risk(&timelines, &[], &facts, T0, &ChurnConfig::default());
    assert_eq!(list.iter().map(|a| a.account.as_str()).collect::<Vec<_>>(), ["big", "small"]);
}

#[test]
fn revenue_weighted_nps_by_hand() {
    let accounts = [WeightedNps { nps: 50.0, mrr_cents: 100 }, WeightedNps { nps: -50.0, mrr_cents: 300 }, WeightedNps { nps: 100.0, mrr_cents: 0 }];
    let w = revenue_weighted(&accounts);
    assert_eq!((w.accounts, w.total_mrr_cents), (2, 400));
    assert!((w.nps.expect("accounts") - -25.0).abs() < 1e-12);
    // SE² = 2/1 · (0.25² · 75² + 0.75² · 25²) = 1406.25.
    assert!((w.se.expect("two accounts") - 37.5).abs() < 1e-12);
    assert!((w.low.expect("two") - (-25.0 - Z95_FOR_TESTS * 37.5).max(-100.0)).abs() < 1e-9);
    assert!((w.effective_accounts.expect("accounts") - 1.6).abs() < 1e-12);
    let one = revenue_weighted(&accounts[..1]);
    assert_eq!((one.nps, one.se, one.low), (Some(50.0), None, None));
    assert!(one.interval.starts_with("unavailable"));
    assert!(revenue_weighted(&[]).nps.is_none());
}

const Z95_FOR_TESTS: f64 = crate::stats::Z95;

#[test]
fn churned_accounts_are_compared_with_retained_ones() {
    let mut answers = history("lost", &[(0, &[2, 3, 9]), (30, &[9, 9])]);
    answers.extend(history("kept", &[(0, &[9, 10, 8])]));
    answers.push(Answer { account: None, ..answer("x", "anon", 1, 0, T0) });
    // Lost churned on day 20: its day-30 answers do not count.
    let churned = BTreeMap::from([("lost".to_owned(), Some(T0 + 20 * D))]);
    let split = churn_split(&answers, &churned, AccountRollup::EveryResponse);
    assert_eq!((split.churned, split.retained), (BandCounts::new(1, 0, 2), BandCounts::new(2, 1, 0)));
    assert_eq!((split.churned_accounts, split.retained_accounts), (1, 1));
    assert_eq!(split.comparison, Some(BandCounts::new(1, 0, 2).compare(&BandCounts::new(2, 1, 0))));
    let dmf = churn_split(&answers, &churned, AccountRollup::DecisionMakerFirst);
    assert_eq!(dmf.churned.n() + dmf.retained.n(), 2, "one answer per account");
    let unknown_date = BTreeMap::from([("lost".to_owned(), None)]);
    assert_eq!(churn_split(&answers, &unknown_date, AccountRollup::EveryResponse).churned.n(), 5);
}

fn accounts_strategy() -> impl Strategy<Value = Vec<Vec<i64>>> {
    prop::collection::vec(prop::collection::vec(0i64..=10, 1..8), 1..12)
}

proptest! {
    /// With equal weights the revenue-weighted NPS and its interval are the per-account
    /// roll-up's (`rollup::per_account`), whatever the weight.
    #[test]
    fn equal_weights_give_the_per_account_average(accounts in accounts_strategy(), weight in 1i64..1_000_000) {
        let mut answers = Vec::new();
        for (i, scores) in accounts.iter().enumerate() {
            for (j, s) in scores.iter().enumerate() {
                answers.push(answer(&format!("a{i}"), &format!("u{i}-{j}"), 1, *s, T0));
            }
        }
        let counts = account_counts(&answers, AccountRollup::EveryResponse);
        let weighted: Vec<WeightedNps> = counts.values().filter_map(|c| Some(WeightedNps { nps: c.nps()?, mrr_cents: weight })).collect();
        let w = revenue_weighted(&weighted);
        let rolled: Vec<rollup::AccountAnswer> = answers.iter().map(Answer::as_rollup).collect();
        let average = rollup::per_account(&rolled);
        prop_assert!((w.nps.unwrap_or(f64::NAN) - average.mean_nps.unwrap_or(f64::NAN)).abs() < 1e-9);
        match (w.se, average.se) {
            (Some(a), Some(b)) => prop_assert!((a - b).abs() < 1e-9),
            (None, None) => {}
            other => prop_assert!(false, "{other:?}"),
        }
        prop_assert!((w.effective_accounts.unwrap_or(0.0) - accounts.len() as f64).abs() < 1e-6);
    }

    /// The weighted NPS lies between the lowest and the highest account NPS, and its interval
    /// stays in range.
    #[test]
    fn weighted_nps_is_a_weighted_mean(points in prop::collection::vec((-100.0f64..=100.0, 1i64..10_000_000), 1..20)) {
        let accounts: Vec<WeightedNps> = points.iter().map(|(nps, w)| WeightedNps { nps: *nps, mrr_cents: *w }).collect();
        let w = revenue_weighted(&accounts);
        let nps = w.nps.unwrap_or(f64::NAN);
        let (min, max) = points.iter().fold((f64::MAX, f64::MIN), |(lo, hi), (x, _)| (lo.min(*x), hi.max(*x)));
        prop_assert!(min - 1e-9 <= nps && nps <= max + 1e-9);
        if let (Some(low), Some(high)) = (w.low, w.high) {
            prop_assert!(-100.0 <= low && low <= nps + 1e-9 && nps - 1e-9 <= high && high <= 100.0);
        }
    }

    /// Only the latest wave is judged: appending a wave at least as good as the previous
    /// latest one never flags a fall between consecutive waves.
    #[test]
    fn a_wave_no_worse_than_the_last_is_no_consecutive_fall(waves in prop::collection::vec(prop::collection::vec(0i64..=10, 1..6), 1..6)) {
        let mut plan: Vec<(i64, &[i64])> = waves.iter().enumerate().map(|(i, w)| (i as i64 * 10, w.as_slice())).collect();
        let last = plan.last().map(|(_, s)| s.to_vec()).unwrap_or_default();
        plan.push((plan.len() as i64 * 10, &last));
        let t = timeline(&history("acme", &plan));
        prop_assert!(falling(&t, &ChurnConfig::default()).iter().all(|e| e.rule != FallRule::ConsecutiveWaves));
    }
}
