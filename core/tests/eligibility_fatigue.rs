//! Fatigue and the decision order on a fake clock: each row is a user's history, a moment and
//! the rule that must decide (with when it lets go).

use nps_core::eligibility::{
    DAY_MS, Decision, DecisionInput, FatigueOverrides, FatiguePolicy, HistoryEvent, HistoryKind, Rule, Schedule,
    Subject, SurveyRules, Trigger, UserHistory, decide, explain, parse_date_ms,
};
use nps_core::wire::{Attributes, BasisPoints};
use proptest::prelude::*;
use serde_json::json;

use HistoryKind::{Decline, Display, Response, Snooze};

/// 2024-01-01T00:00:00Z, the fake clock's day 0.
fn t0() -> i64 {
    parse_date_ms("2024-01-01").expect("valid date")
}

/// Day `days` of the fake clock.
fn d(days: i64) -> i64 {
    t0() + days * DAY_MS
}

const MINUTE: i64 = 60_000;

fn ev(survey_id: i64, kind: HistoryKind, at: i64) -> HistoryEvent {
    HistoryEvent { survey_id, kind, at }
}

/// One situation: a user who has been around for a year, survey 1, the default policy, unless
/// a builder call says otherwise.
#[derive(Clone)]
struct Row {
    name: &'static str,
    survey_id: i64,
    rules: SurveyRules,
    policy: FatiguePolicy,
    history: UserHistory,
    attributes: Attributes,
    now: i64,
    live: bool,
    today: u64,
    total: u64,
}

impl Row {
    fn new(name: &'static str) -> Self {
        Self {
            name,
            survey_id: 1,
            rules: SurveyRules::default(),
            policy: FatiguePolicy::default(),
            history: UserHistory { first_seen_at: d(-365), opted_out: false, events: Vec::new() },
            attributes: Attributes::new(),
            now: d(0),
            live: true,
            today: 0,
            total: 0,
        }
    }
    fn survey(mut self, id: i64) -> Self {
        self.survey_id = id;
        self
    }
    fn events(mut self, events: &[HistoryEvent]) -> Self {
        self.history.events = events.to_vec();
        self
    }
    fn first_seen(mut self, at: i64) -> Self {
        self.history.first_seen_at = at;
        self
    }
    fn at(mut self, now: i64) -> Self {
        self.now = now;
        self
    }
    fn rules(mut self, edit: impl FnOnce(&mut SurveyRules)) -> Self {
        edit(&mut self.rules);
        self
    }
    fn policy(mut self, edit: impl FnOnce(&mut FatiguePolicy)) -> Self {
        edit(&mut self.policy);
        self
    }
    fn opted_out(mut self) -> Self {
        self.history.opted_out = true;
        self
    }
    fn not_live(mut self) -> Self {
        self.live = false;
        self
    }
    fn responses(mut self, today: u64, total: u64) -> Self {
        (self.today, self.total) = (today, total);
        self
    }
    fn attribute(mut self, key: &str, value: serde_json::Value) -> Self {
        self.attributes.insert(key.to_owned(), value);
        self
    }

    fn input(&self) -> DecisionInput<'_> {
        DecisionInput {
            now: self.now,
            survey_id: self.survey_id,
            rules: &self.rules,
            policy: &self.policy,
            subject: Subject::new("user-1", &self.attributes),
            history: &self.history,
            responses_today: self.today,
            responses_total: self.total,
            survey_live: self.live,
        }
    }

    fn decide(&self) -> Decision {
        decide(&self.input())
    }
}

/// (row, expected rule, expected retry_after).
fn check(table: Vec<(Row, Rule, Option<i64>)>) {
    for (row, rule, retry_after) in table {
        let decision = row.decide();
        assert_eq!(decision.rule, rule, "{}: {}", row.name, decision.detail);
        assert_eq!(decision.eligible, rule == Rule::Eligible, "{}", row.name);
        assert_eq!(decision.retry_after, retry_after, "{}: {}", row.name, decision.detail);
        assert!(!decision.detail.is_empty(), "{}", row.name);
    }
}

#[test]
fn first_survey_waits_after_first_seen() {
    check(vec![
        (Row::new("new user").first_seen(d(0)).at(d(10)), Rule::FirstSurveyDelay, Some(d(30))),
        (Row::new("one ms early").first_seen(d(0)).at(d(30) - 1), Rule::FirstSurveyDelay, Some(d(30))),
        (Row::new("30 days on").first_seen(d(0)).at(d(30)), Rule::Eligible, None),
        (Row::new("long-time user, no history").at(d(0)), Rule::Eligible, None),
        (
            Row::new("survey override: 0 days turns it off").first_seen(d(0)).at(d(0)).rules(|r| {
                r.fatigue.first_survey_after_days = Some(0);
            }),
            Rule::Eligible,
            None,
        ),
    ]);
}

#[test]
fn answering_a_survey_rests_it_and_cools_down_the_others() {
    let answered = [ev(1, Display, d(0)), ev(1, Response, d(0) + MINUTE)];
    let r = d(0) + MINUTE;
    check(vec![
        (Row::new("same survey, day 10").events(&answered).at(d(10)), Rule::AfterResponse, Some(r + 90 * DAY_MS)),
        (Row::new("same survey, day 89").events(&answered).at(d(89)), Rule::AfterResponse, Some(r + 90 * DAY_MS)),
        (Row::new("same survey, 90 days on").events(&answered).at(r + 90 * DAY_MS), Rule::Eligible, None),
        (
            Row::new("other survey, day 10").events(&answered).survey(2).at(d(10)),
            Rule::GlobalCooldown,
            Some(r + 14 * DAY_MS),
        ),
        (Row::new("other survey, 14 days on").events(&answered).survey(2).at(r + 14 * DAY_MS), Rule::Eligible, None),
        (
            Row::new("survey override: 30 days after an answer").events(&answered).at(r + 30 * DAY_MS).rules(|r| {
                r.fatigue.after_response_days = Some(30);
            }),
            Rule::Eligible,
            None,
        ),
        (
            Row::new("project policy: no global cooldown").events(&answered).survey(2).at(d(1)).policy(|p| {
                p.global_cooldown_days = 0;
            }),
            Rule::Eligible,
            None,
        ),
    ]);
}

/// Answer survey 1 on day 0, decline survey 2 on day 20, then look at surveys 1, 2 and 3.
#[test]
fn response_then_decline_then_global_cooldown() {
    let story = [ev(1, Display, d(0)), ev(1, Response, d(0)), ev(2, Display, d(20)), ev(2, Decline, d(20))];
    check(vec![
        (
            Row::new("survey 2 on day 15: cooldown from the answer").events(&story[..2]).survey(2).at(d(15)),
            Rule::Eligible,
            None,
        ),
        (
            Row::new("survey 2 on day 40: declined 20 days ago").events(&story).survey(2).at(d(40)),
            Rule::AfterDecline,
            Some(d(50)),
        ),
        (Row::new("survey 2 on day 50").events(&story).survey(2).at(d(50)), Rule::Eligible, None),
        (Row::new("survey 1 on day 40: answered").events(&story).survey(1).at(d(40)), Rule::AfterResponse, Some(d(90))),
        (
            Row::new("survey 3 on day 25: cooldown from the decline").events(&story).survey(3).at(d(25)),
            Rule::GlobalCooldown,
            Some(d(34)),
        ),
        (Row::new("survey 3 on day 34").events(&story).survey(3).at(d(34)), Rule::Eligible, None),
    ]);
}

#[test]
fn snooze_means_ask_again_after_seven_days() {
    let snoozed = [ev(1, Display, d(0)), ev(1, Snooze, d(0) + MINUTE)];
    let s = d(0) + MINUTE;
    check(vec![
        (Row::new("3 days after the snooze").events(&snoozed).at(d(3)), Rule::AfterSnooze, Some(s + 7 * DAY_MS)),
        (
            Row::new("7 days after: eligible, not held by the 14-day cooldown").events(&snoozed).at(s + 7 * DAY_MS),
            Rule::Eligible,
            None,
        ),
        (
            Row::new("another survey still cools down").events(&snoozed).survey(2).at(s + 7 * DAY_MS),
            Rule::GlobalCooldown,
            Some(s + 14 * DAY_MS),
        ),
        (
            Row::new("shown again on day 8 and ignored: cooldown from that display")
                .events(&[snoozed[0], snoozed[1], ev(1, Display, d(8))])
                .at(d(9)),
            Rule::GlobalCooldown,
            Some(d(22)),
        ),
        (
            Row::new("survey override: 1 day")
                .events(&snoozed)
                .at(s + DAY_MS)
                .rules(|r| r.fatigue.after_snooze_days = Some(1)),
            Rule::Eligible,
            None,
        ),
    ]);
}

#[test]
fn three_declines_bring_the_long_back_off() {
    let declines = |days: &[i64]| days.iter().map(|&day| ev(1, Decline, d(day))).collect::<Vec<_>>();
    let two = declines(&[0, 40]);
    let three = declines(&[0, 40, 80]);
    let mut answered_since = declines(&[0, 40, 80]);
    answered_since.extend([ev(1, Response, d(300)), ev(1, Decline, d(400))]);
    check(vec![
        (Row::new("2 declines: 30 days").events(&two).at(d(60)), Rule::AfterDecline, Some(d(70))),
        (Row::new("2 declines, day 70").events(&two).at(d(70)), Rule::Eligible, None),
        (Row::new("3 declines: 180 days").events(&three).at(d(120)), Rule::DeclineBackoff, Some(d(260))),
        (Row::new("3 declines, one ms early").events(&three).at(d(260) - 1), Rule::DeclineBackoff, Some(d(260))),
        (Row::new("3 declines, day 260").events(&three).at(d(260)), Rule::Eligible, None),
        (Row::new("an answer resets the count").events(&answered_since).at(d(420)), Rule::AfterDecline, Some(d(430))),
        (Row::new("declines of another survey do not count").events(&three).survey(2).at(d(120)), Rule::Eligible, None),
        (
            Row::new("back-off off (0)").events(&three).at(d(120)).policy(|p| p.decline_backoff_after = 0),
            Rule::Eligible,
            None,
        ),
        (
            Row::new("back-off after 2").events(&two).at(d(60)).rules(|r| r.fatigue.decline_backoff_after = Some(2)),
            Rule::DeclineBackoff,
            Some(d(220)),
        ),
    ]);
}

#[test]
fn opt_out_is_forever_and_beats_fatigue() {
    let history = [ev(1, Response, d(0))];
    check(vec![
        (Row::new("opted out, ten years later").opted_out().at(d(3650)), Rule::OptedOut, None),
        (Row::new("opted out while in a cooldown").opted_out().events(&history).at(d(1)), Rule::OptedOut, None),
        (Row::new("opted out, other survey").opted_out().survey(9).at(d(1)), Rule::OptedOut, None),
    ]);
}

#[test]
fn relational_cadence_replaces_the_after_response_delay() {
    let answered = [ev(1, Display, d(0)), ev(1, Response, d(0))];
    let every_180 = |r: &mut SurveyRules| r.cadence_days = Some(180);
    let trigger_30 = |r: &mut SurveyRules| r.triggers = vec![Trigger::Cadence { every_days: 30 }];
    check(vec![
        (Row::new("cadence 180, day 100").events(&answered).at(d(100)).rules(every_180), Rule::Cadence, Some(d(180))),
        (Row::new("cadence 180, day 180").events(&answered).at(d(180)).rules(every_180), Rule::Eligible, None),
        (
            Row::new("cadence trigger 30, day 20").events(&answered).at(d(20)).rules(trigger_30),
            Rule::Cadence,
            Some(d(30)),
        ),
        (
            Row::new("cadence trigger 30 beats after_response 90").events(&answered).at(d(30)).rules(trigger_30),
            Rule::Eligible,
            None,
        ),
        (Row::new("never answered: only the usual rules").at(d(0)).rules(every_180), Rule::Eligible, None),
    ]);
}

#[test]
fn schedule_bounds_the_survey() {
    let window = |r: &mut SurveyRules| r.schedule = Schedule { starts_at: Some(d(10)), ends_at: Some(d(20)) };
    check(vec![
        (Row::new("before the start").at(d(5)).rules(window), Rule::Schedule, Some(d(10))),
        (Row::new("at the start").at(d(10)).rules(window), Rule::Eligible, None),
        (Row::new("inside").at(d(15)).rules(window), Rule::Eligible, None),
        (Row::new("at the end (exclusive)").at(d(20)).rules(window), Rule::Schedule, None),
        (
            Row::new("open-ended start, before the end").at(d(-100)).rules(|r| r.schedule.ends_at = Some(d(0))),
            Rule::Eligible,
            None,
        ),
        (Row::new("open-ended start, ended").at(d(1)).rules(|r| r.schedule.ends_at = Some(d(0))), Rule::Schedule, None),
    ]);
}

#[test]
fn response_caps_stop_the_survey() {
    let caps = |r: &mut SurveyRules| {
        r.response_caps.per_day = Some(50);
        r.response_caps.total = Some(1_000);
    };
    let noon = d(3) + DAY_MS / 2;
    check(vec![
        (Row::new("under both caps").at(noon).rules(caps).responses(49, 999), Rule::Eligible, None),
        (
            Row::new("daily cap: back at midnight UTC").at(noon).rules(caps).responses(50, 500),
            Rule::ResponseCapDaily,
            Some(d(4)),
        ),
        (Row::new("total cap: for good").at(noon).rules(caps).responses(0, 1_000), Rule::ResponseCapTotal, None),
        (Row::new("no caps set").at(noon).responses(1_000_000, 1_000_000), Rule::Eligible, None),
    ]);
}

#[test]
fn survey_cap_limits_displays_per_window() {
    let shown = [ev(1, Display, d(0)), ev(2, Display, d(15))];
    let two_per_30 = |p: &mut FatiguePolicy| p.max_surveys_per_window = Some((2, 30));
    check(vec![
        (
            Row::new("2 shown in 30 days").events(&shown).survey(3).at(d(29)).policy(two_per_30),
            Rule::SurveyCap,
            Some(d(30)),
        ),
        (
            Row::new("the first leaves the window").events(&shown).survey(3).at(d(30)).policy(two_per_30),
            Rule::Eligible,
            None,
        ),
        (
            Row::new("one ms early").events(&shown).survey(3).at(d(30) - 1).policy(two_per_30),
            Rule::SurveyCap,
            Some(d(30)),
        ),
        (
            Row::new("survey lifts the cap with a 0-day window")
                .events(&shown)
                .survey(3)
                .at(d(29))
                .policy(two_per_30)
                .rules(|r| {
                    r.fatigue.max_surveys_per_window = Some((2, 0));
                }),
            Rule::Eligible,
            None,
        ),
        (
            Row::new("cap of 3")
                .events(&shown)
                .survey(3)
                .at(d(29))
                .policy(|p| p.max_surveys_per_window = Some((3, 30))),
            Rule::Eligible,
            None,
        ),
    ]);
}

/// The permanent, cheap reasons are named before the timing ones.
#[test]
fn the_first_blocking_rule_in_order_is_named() {
    let answered = [ev(1, Display, d(0)), ev(1, Response, d(0))];
    let internal = |r: &mut SurveyRules| r.targeting.exclude.email_domains = vec!["vendor.com".to_owned()];
    let busy = Row::new("everything at once")
        .events(&answered)
        .first_seen(d(0))
        .opted_out()
        .at(d(1))
        .attribute("email", json!("me@vendor.com"))
        .rules(internal)
        .rules(|r| r.sampling_rate_bp = BasisPoints::new(0))
        .rules(|r| r.response_caps.total = Some(1))
        .responses(0, 1);
    let rules: Vec<Rule> = explain(&busy.input()).iter().map(|d| d.rule).collect();
    assert_eq!(
        rules,
        [
            Rule::OptedOut,
            Rule::InternalUser,
            Rule::Sampling,
            Rule::ResponseCapTotal,
            Rule::FirstSurveyDelay,
            Rule::AfterResponse,
            Rule::GlobalCooldown
        ]
    );
    check(vec![
        (busy.clone().not_live(), Rule::SurveyNotLive, None),
        (busy.clone().rules(|r| r.schedule.starts_at = Some(d(2))), Rule::Schedule, Some(d(2))),
        (busy.clone(), Rule::OptedOut, None),
    ]);
    assert!(explain(&Row::new("nothing").input()).is_empty());
}

#[test]
fn decision_carries_the_sampling_rate_in_force() {
    let row = Row::new("rate").rules(|r| r.sampling_rate_bp = BasisPoints::new(10_000));
    assert_eq!(row.decide().sampling_rate_bp, 10_000);
    assert_eq!(Row::new("default").decide().sampling_rate_bp, 10_000);
    let row = Row::new("rate").rules(|r| r.sampling_rate_bp = BasisPoints::new(2_500));
    assert_eq!(row.decide().sampling_rate_bp, 2_500);
    let row = Row::new("blocked").not_live().rules(|r| r.sampling_rate_bp = BasisPoints::new(2_500));
    assert_eq!(row.decide().sampling_rate_bp, 2_500);
}

#[test]
fn overrides_replace_only_what_they_set() {
    let policy = FatiguePolicy { max_surveys_per_window: Some((4, 30)), ..FatiguePolicy::default() };
    let merged =
        policy.with_overrides(&FatigueOverrides { after_decline_days: Some(5), ..FatigueOverrides::default() });
    assert_eq!(merged, FatiguePolicy { after_decline_days: 5, ..policy });
    assert_eq!(policy.with_overrides(&FatigueOverrides::default()), policy);
    let defaults = FatiguePolicy::default();
    assert_eq!(
        (
            defaults.first_survey_after_days,
            defaults.after_response_days,
            defaults.after_decline_days,
            defaults.decline_backoff_after,
            defaults.decline_backoff_days,
            defaults.after_snooze_days,
            defaults.global_cooldown_days,
            defaults.max_surveys_per_window,
        ),
        (30, 90, 30, 3, 180, 7, 14, None)
    );
}

fn kind() -> impl Strategy<Value = HistoryKind> {
    prop_oneof![Just(Display), Just(Response), Just(Decline), Just(Snooze)]
}

fn history() -> impl Strategy<Value = UserHistory> {
    let event = (1i64..4, kind(), 0i64..400 * DAY_MS).prop_map(|(s, k, at)| ev(s, k, d(-400) + at));
    (proptest::collection::vec(event, 0..12), -500i64..0).prop_map(|(events, seen)| UserHistory {
        first_seen_at: d(seen),
        opted_out: false,
        events,
    })
}

proptest! {
    /// `retry_after` is exact: at that moment the named rule no longer blocks, one ms before it
    /// still does; and with a history that does not grow, a user never becomes ineligible again
    /// by waiting.
    #[test]
    fn retry_after_is_when_the_rule_lets_go(h in history(), survey in 1i64..4, cap in proptest::option::of((1u32..4, 1u32..60))) {
        let mut row = Row::new("prop").survey(survey).at(d(0));
        row.history = h;
        row.policy.max_surveys_per_window = cap;
        let decision = row.decide();
        if let Some(retry) = decision.retry_after {
            prop_assert!(retry > row.now);
            let later = row.clone().at(retry);
            prop_assert!(!explain(&later.input()).iter().any(|d| d.rule == decision.rule), "{} still blocks at retry_after", decision.rule.as_str());
            let just_before = row.clone().at(retry - 1);
            prop_assert!(explain(&just_before.input()).iter().any(|d| d.rule == decision.rule));
        }
        if decision.eligible {
            for days in [1, 7, 30, 365] {
                prop_assert!(row.clone().at(row.now + days * DAY_MS).decide().eligible);
            }
        }
    }
}
