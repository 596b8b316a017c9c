//! The compact facts keep the meaning the drainer gives the same records in SQL.

use super::*;
use nps_core::wire::{AccountMembership, Attributes, ClientAttributes, ClientId, DisplayRequest, FeedbackRequest};
use serde_json::json;

fn attrs(value: serde_json::Value) -> Attributes {
    serde_json::from_value(value).expect("an object")
}

fn identify(user: &str, plan: &str, at: i64) -> IngestRecord {
    IngestRecord::Identify {
        project_id: 1,
        at,
        user_id: user.into(),
        attributes: attrs(json!({ "plan": plan })),
        created_at: None,
        language: None,
        account: None,
    }
}

fn response(id: &str, at: i64) -> IngestRecord {
    crate::store::records::tests::answer(7, id, 3, at)
}

fn display(id: &str, user: &str, survey_id: i64, at: i64) -> IngestRecord {
    let display = DisplayRequest {
        display_id: ClientId::parse(id).expect("valid"),
        survey_id,
        user_id: ClientId::parse(user).expect("valid"),
        trigger: None,
        url: None,
        language: None,
        device: None,
        sampling_rate_bp: None,
    };
    IngestRecord::Display { project_id: 1, at, display }
}

#[test]
fn replayed_records_count_once_and_identify_keeps_first_sight() {
    let r = Resident::empty();
    r.apply(&identify("u", "free", 1_000));
    r.apply(&response("r1", 2_000));
    r.apply(&response("r1", 3_000));
    r.apply(&identify("u", "pro", 4_000));
    let now = 10 * MS_PER_DAY;
    let facts = r.facts(1, "u", 7, now);
    assert_eq!(facts.history.events.len(), 1, "a retried answer is one answer");
    assert_eq!(facts.history.events[0].at, 2_000, "the first arrival counts, as in SQL");
    assert_eq!(facts.history.first_seen_at, 1_000);
    assert_eq!(facts.user_attributes["plan"], "pro");
    assert_eq!(facts.responses_total, 1);
    assert_eq!(facts.responses_today, 0, "answered on day 0, asked on day 10");
}

#[test]
fn replayed_uuid_ids_are_recognised_and_other_spellings_are_not() {
    let r = Resident::empty();
    let id = "0b9a3c1e-5a8e-4a4e-9d6f-1f2e3d4c5b6a";
    r.apply(&display(id, "u", 7, 5));
    r.apply(&display(id, "u", 7, 6));
    assert_eq!(r.facts(1, "u", 7, 10).history.events.len(), 1, "the replay is the same display");
    r.apply(&display(&id.to_uppercase(), "u", 7, 7));
    assert_eq!(r.facts(1, "u", 7, 10).history.events.len(), 2, "another spelling is another id, as in SQL");
}

#[test]
fn displays_declines_and_opt_outs_reach_the_history() {
    let r = Resident::empty();
    r.apply(&display("d1", "u", 7, 5));
    let decline = FeedbackRequest { action_id: ClientId::parse("f1").expect("valid"), survey_id: Some(7), user_id: ClientId::parse("u").expect("valid"), kind: FeedbackKind::Decline };
    r.apply(&IngestRecord::Feedback { project_id: 1, at: 6, feedback: decline });
    let facts = r.facts(1, "u", 7, 10);
    assert_eq!(facts.history.last(7, HistoryKind::Display), Some(5));
    assert_eq!(facts.history.last(7, HistoryKind::Decline), Some(6));
    assert!(!facts.history.opted_out);
    assert_eq!(facts.history.first_seen_at, 10, "never identified: first seen now, as in SQL");
    let opt_out = FeedbackRequest { action_id: ClientId::parse("f2").expect("valid"), survey_id: None, user_id: ClientId::parse("u").expect("valid"), kind: FeedbackKind::OptOut };
    r.apply(&IngestRecord::Feedback { project_id: 1, at: 7, feedback: opt_out });
    assert!(r.facts(1, "u", 7, 10).history.opted_out);
    assert!(r.facts(1, "someone-else", 7, 10).history.events.is_empty());
}

#[test]
fn attributes_are_replaced_and_absent_identity_fields_kept() {
    let r = Resident::empty();
    let account = AccountMembership { id: ClientId::parse("acme").expect("valid"), attributes: ClientAttributes::parse(attrs(json!({ "tier": "gold" }))).expect("valid"), role: ClientId::parse("admin").expect("valid") };
    r.apply(&IngestRecord::Identify {
        project_id: 1,
        at: 100,
        user_id: "u".into(),
        attributes: attrs(json!({ "plan": "pro", "seats": 12, "beta": true })),
        created_at: Some(50),
        language: Some("de".into()),
        account: Some(account),
    });
    r.apply(&IngestRecord::Identify {
        project_id: 1,
        at: 200,
        user_id: "u".into(),
        attributes: attrs(json!({ "plan": "team" })),
        created_at: None,
        language: None,
        account: None,
    });
    let facts = r.facts(1, "u", 7, 1_000);
    assert_eq!(facts.user_attributes, attrs(json!({ "plan": "team" })), "the attributes are replaced as a whole");
    assert_eq!(facts.language.as_deref(), Some("de"), "an identify without a language keeps it");
    assert_eq!(facts.role.as_deref(), Some("admin"), "an identify without an account keeps account and role");
    assert_eq!(facts.account_attributes, Some(attrs(json!({ "tier": "gold" }))));
    assert_eq!(facts.history.first_seen_at, 50, "created_at is kept and is earlier than the first identify");
    assert_eq!(r.strings(), 4, "plan, \"team\", de and admin: the replaced values were let go");
}

#[test]
fn accounts_are_shared_and_described_by_the_latest_identify() {
    let r = Resident::empty();
    for (user, tier, role) in [("a", "gold", "admin"), ("b", "silver", "end_user")] {
        let account = AccountMembership { id: ClientId::parse("acme").expect("valid"), attributes: ClientAttributes::parse(attrs(json!({ "tier": tier }))).expect("valid"), role: ClientId::parse(role).expect("valid") };
        r.apply(&IngestRecord::Identify {
            project_id: 1,
            at: 1,
            user_id: user.into(),
            attributes: Attributes::new(),
            created_at: None,
            language: None,
            account: Some(account),
        });
    }
    let (a, b) = (r.facts(1, "a", 7, 10), r.facts(1, "b", 7, 10));
    assert_eq!(a.account_attributes, Some(attrs(json!({ "tier": "silver" }))), "one account, its latest attributes");
    assert_eq!(a.account_attributes, b.account_attributes);
    assert_eq!((a.role.as_deref(), b.role.as_deref()), (Some("admin"), Some("end_user")), "the role is the user's own");
    assert_eq!(lock(&r.accounts).len(), 1);
    r.apply(&identify("c", "free", 1));
    assert_eq!(r.facts(1, "c", 7, 10).account_attributes, None);
    assert_eq!(r.facts(2, "a", 7, 10).account_attributes, None, "another project's user of the same id is someone else");
}

#[test]
fn the_history_window_bounds_what_is_read_and_what_is_kept() {
    let r = Resident::empty();
    let now = 3 * HISTORY_WINDOW_MS;
    r.apply(&display("old", "u", 7, now - HISTORY_WINDOW_MS - 1));
    r.apply(&display("edge", "u", 7, now - HISTORY_WINDOW_MS));
    let facts = r.facts(1, "u", 7, now);
    assert_eq!(facts.history.events.iter().map(|e| e.at).collect::<Vec<_>>(), [now - HISTORY_WINDOW_MS], "older events are not read");
    r.apply(&display("new", "u", 8, now));
    let (shard, hash) = r.key(1, "u");
    let kept = lock(&r.users[shard]).get(hash, 1, "u").map(|u| u.events.len());
    assert_eq!(kept, Some(2), "adding an event drops the ones out of the window for good");
    assert_eq!(r.facts(1, "u", 8, now).history.last(8, HistoryKind::Display), Some(now));
}

#[test]
fn erased_users_leave_with_their_values_and_the_others_stay_reachable() {
    let r = Resident::empty();
    let users = 5_000;
    for i in 0..users {
        let plan = ["free", "pro"][i as usize % 2];
        r.apply(&IngestRecord::Identify {
            project_id: 1,
            at: i,
            user_id: format!("user-{i}"),
            attributes: attrs(json!({ "plan": plan, "email": format!("{i}@example.com") })),
            created_at: None,
            language: Some("en".into()),
            account: None,
        });
    }
    assert_eq!(r.len(), users as usize);
    for i in (0..users).filter(|i| i % 3 == 0) {
        r.forget(1, &format!("user-{i}"));
    }
    for i in 0..users {
        let facts = r.facts(1, &format!("user-{i}"), 7, users);
        if i % 3 == 0 {
            assert!(facts.user_attributes.is_empty(), "user-{i} was erased");
            assert_eq!(facts.history.first_seen_at, users, "an erased user is a user never met");
        } else {
            assert_eq!(facts.user_attributes["email"], format!("{i}@example.com"), "user-{i} moved in its shard and must stay found");
            assert_eq!(facts.history.first_seen_at, i);
        }
    }
    let left = users - (users + 2) / 3;
    // Per shard that holds users: "plan", "email", "en", the plans it still has and one
    // address per remaining user.
    let held = r.strings() as i64;
    assert!(held >= left + 3 && held <= left + 5 * SHARDS as i64, "{held} symbols for {left} users: erased addresses linger");
    for i in 0..users {
        r.forget(1, &format!("user-{i}"));
    }
    assert_eq!((r.len(), r.strings()), (0, 0), "nothing of anyone is left");
}

fn feedback(id: &str, survey_id: i64, kind: FeedbackKind, at: i64) -> IngestRecord {
    let feedback = FeedbackRequest { action_id: ClientId::parse(id).expect("valid"), survey_id: Some(survey_id), user_id: ClientId::parse("u").expect("valid"), kind };
    IngestRecord::Feedback { project_id: 1, at, feedback }
}

fn held_events(r: &Resident, user: &str) -> usize {
    let (shard, hash) = r.key(1, user);
    lock(&r.users[shard]).get(hash, 1, user).map_or(0, |u| u.events.len())
}

fn decision(history: &UserHistory, survey_id: i64, policy: &nps_core::eligibility::FatiguePolicy, now: i64) -> nps_core::eligibility::Decision {
    let (rules, attributes) = (nps_core::eligibility::SurveyRules::default(), Attributes::new());
    nps_core::eligibility::decide(&nps_core::eligibility::DecisionInput {
        now,
        survey_id,
        rules: &rules,
        policy,
        subject: nps_core::eligibility::Subject::new("u", &attributes),
        history,
        responses_today: 0,
        responses_total: 0,
        survey_live: true,
    })
}

#[test]
fn a_flood_of_fresh_display_ids_is_bounded_and_decides_as_the_whole_history() {
    let r = Resident::empty();
    let day = MS_PER_DAY;
    let mut whole = vec![(7, HistoryKind::Response, 10 * day), (8, HistoryKind::Display, 19 * day), (9, HistoryKind::Display, 25 * day), (9, HistoryKind::Snooze, 30 * day)];
    r.apply(&identify("u", "pro", 0));
    r.apply(&response("r1", 10 * day));
    r.apply(&display("d8", "u", 8, 19 * day));
    for (i, at) in [20, 21, 22].into_iter().enumerate() {
        r.apply(&feedback(&format!("decline-{i}"), 8, FeedbackKind::Decline, at * day));
        whole.push((8, HistoryKind::Decline, at * day));
    }
    r.apply(&display("d9", "u", 9, 25 * day));
    r.apply(&feedback("snooze", 9, FeedbackKind::Snooze, 30 * day));
    // What anyone can send: displays of one user with ids never seen before.
    for i in 0..10_000 {
        let at = 100 * day + i * 1_000;
        r.apply(&display(&format!("flood-{i}"), "u", 7, at));
        whole.push((7, HistoryKind::Display, at));
        assert!(held_events(&r, "u") < users::COMPACT_AT, "display {i}: {} events held", held_events(&r, "u"));
    }
    let whole = UserHistory {
        first_seen_at: 0,
        opted_out: false,
        events: whole.into_iter().map(|(survey_id, kind, at)| HistoryEvent { survey_id, kind, at }).collect(),
    };
    let now = 101 * day;
    let kept = r.facts(1, "u", 7, now).history;
    assert!(kept.events.len() < users::COMPACT_AT, "{} events", kept.events.len());
    assert_eq!(kept.declines_since_response(8), (3, Some(22 * day)), "a flood of displays drops only displays");
    let defaults = nps_core::eligibility::FatiguePolicy::default();
    let capped = nps_core::eligibility::FatiguePolicy { global_cooldown_days: 0, max_surveys_per_window: Some((3, 7)), ..defaults };
    let no_cooldown = nps_core::eligibility::FatiguePolicy { global_cooldown_days: 0, ..defaults };
    for survey_id in [7, 8, 9] {
        for (name, policy) in [("defaults", &defaults), ("no cooldown", &no_cooldown)] {
            assert_eq!(decision(&kept, survey_id, policy, now), decision(&whole, survey_id, policy, now), "survey {survey_id}, {name}");
        }
        // The survey cap's detail counts the displays kept; what it decides is the same.
        let (a, b) = (decision(&kept, survey_id, &capped, now), decision(&whole, survey_id, &capped, now));
        assert_eq!((a.eligible, a.rule, a.retry_after), (b.eligible, b.rule, b.retry_after), "survey {survey_id}, capped: {a:?} {b:?}");
    }
    assert!(!r.apply_replay_is_new("flood-9999"), "the newest ids are still recognised as replays");
}

impl Resident {
    /// Whether a replay of display `id` of user `u` would count as a new event.
    fn apply_replay_is_new(&self, id: &str) -> bool {
        self.add_event(1, "u", id, 7, HistoryKind::Display, 200 * MS_PER_DAY)
    }
}

#[test]
fn compaction_keeps_the_latest_of_each_kind_then_answers_then_the_newest_displays() {
    let event = |survey: u32, kind: HistoryKind, at: i64| users::Event { at, survey, kind, id: CompactId::new(&format!("{survey}-{at}")) };
    let mut events = vec![
        event(0, HistoryKind::Display, 1),
        event(1, HistoryKind::Decline, 2),
        event(1, HistoryKind::Decline, 3),
        event(0, HistoryKind::Display, 4),
        event(0, HistoryKind::Display, 5),
        event(2, HistoryKind::Response, 0),
    ];
    users::compact(&mut events, 4);
    let kept: Vec<(u32, i64)> = events.iter().map(|e| (e.survey, e.at)).collect();
    assert_eq!(kept, [(2, 0), (1, 2), (1, 3), (0, 5)], "the oldest answer is the latest of its kind; displays go first");
    users::compact(&mut events, 2);
    assert_eq!(events.iter().map(|e| e.at).collect::<Vec<_>>(), [3, 5], "more kinds than room: the newest latest ones");
}

#[test]
fn users_past_the_cap_are_kept_so_decisions_stay_exact() {
    let r = Resident { max_users: 3, ..Resident::empty() };
    for i in 0..5 {
        r.apply(&identify(&format!("user-{i}"), "pro", i));
        r.apply(&display(&format!("d{i}"), &format!("user-{i}"), 7, 10 + i));
    }
    assert_eq!((r.users(), r.len()), (5, 5), "nobody is dropped at the cap");
    assert!(r.warned.load(Ordering::Relaxed), "passing the cap is logged once");
    for i in 0..5 {
        assert_eq!(r.facts(1, &format!("user-{i}"), 7, 100).history.last(7, HistoryKind::Display), Some(10 + i), "user-{i}");
    }
    r.forget(1, "user-0");
    r.forget(1, "user-0");
    assert_eq!(r.users(), 4, "forgetting counts once");
}
