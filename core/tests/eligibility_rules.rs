//! The rule set as stored and edited: JSON shape, defaults and the editor's problem list.

use nps_core::eligibility::{Decision, FatiguePolicy, HistoryEvent, HistoryKind, Rule, SurveyRules, UserHistory};
use serde_json::json;

#[test]
fn empty_json_is_a_valid_rule_set() {
    let rules: SurveyRules = serde_json::from_str("{}").expect("{} deserialises");
    assert_eq!(rules, SurveyRules::default());
    assert_eq!(rules.sampling_rate(), 10_000);
    assert!(rules.problems().is_empty());
    let policy: FatiguePolicy = serde_json::from_str(r#"{ "global_cooldown_days": 7 }"#).expect("partial policy");
    assert_eq!(policy, FatiguePolicy { global_cooldown_days: 7, ..FatiguePolicy::default() });
}

#[test]
fn a_full_rule_set_round_trips() {
    let text = json!({
        "triggers": [{ "type": "event", "name": "saved", "delay_ms": 2000 }],
        "targeting": {
            "match_mode": "any",
            "conditions": [{ "source": "account", "attribute": "plan", "op": "in", "value": ["pro"] }],
            "roles": ["admin"], "languages": ["en"], "devices": ["desktop"],
            "exclude": { "conditions": [], "email_domains": ["vendor.com"] }
        },
        "sampling_rate_bp": 2500,
        "fatigue": { "after_response_days": 60, "max_surveys_per_window": [2, 30] },
        "schedule": { "starts_at": 1, "ends_at": 2 },
        "response_caps": { "per_day": 10, "total": 500 },
        "cadence_days": 90
    });
    let rules: SurveyRules = serde_json::from_value(text).expect("parses");
    assert_eq!(rules.fatigue.max_surveys_per_window, Some((2, 30)));
    assert_eq!(rules.effective_cadence_days(), Some(90));
    let back: SurveyRules = serde_json::from_value(serde_json::to_value(&rules).expect("serialises")).expect("parses");
    assert_eq!(back, rules);
}

#[test]
fn history_and_decisions_use_snake_case() {
    let history: UserHistory = serde_json::from_value(json!({
        "first_seen_at": 5, "opted_out": true,
        "events": [{ "survey_id": 1, "kind": "snooze", "at": 9 }]
    }))
    .expect("parses");
    assert_eq!(history.events, [HistoryEvent { survey_id: 1, kind: HistoryKind::Snooze, at: 9 }]);
    let decision = Decision {
        eligible: false,
        rule: Rule::DeclineBackoff,
        detail: "x".to_owned(),
        retry_after: Some(3),
        sampling_rate_bp: 100,
    };
    let value = serde_json::to_value(&decision).expect("serialises");
    assert_eq!(value["rule"], "decline_backoff");
    for rule in Rule::ALL {
        assert_eq!(serde_json::to_value(rule).expect("serialises"), rule.as_str());
        assert_eq!(Rule::parse(rule.as_str()), Some(rule));
    }
    assert_eq!(Rule::ALL.iter().filter(|r| r.is_fatigue()).count(), 8);
}

#[test]
fn problems_name_the_field() {
    // A rate above everyone is not a rate: refused when parsed, before any rule is checked.
    let refused = serde_json::from_value::<SurveyRules>(json!({ "sampling_rate_bp": 10001 })).map_err(|e| e.to_string());
    assert!(refused.is_err_and(|e| e.contains("must be at most 10000")));
    let rules: SurveyRules = serde_json::from_value(json!({
        "sampling_rate_bp": 10000,
        "triggers": [
            { "type": "event", "name": " ", "nth_occurrence": 0,
              "conditions": [{ "property": "", "op": "gt", "value": "many" }] },
            { "type": "page_view", "url": { "op": "glob", "value": "/docs/[a-z]*" } },
            { "type": "page_view", "url": { "op": "prefix", "value": "" } },
            { "type": "cadence", "every_days": 0 }
        ],
        "targeting": {
            "conditions": [
                { "attribute": "plan", "op": "in", "value": "pro" },
                { "attribute": "", "op": "exists" },
                { "attribute": "signed_up", "op": "before", "value": "last week" }
            ],
            "roles": [""],
            "exclude": { "email_domains": ["@"] }
        },
        "fatigue": { "max_surveys_per_window": [0, 30] },
        "schedule": { "starts_at": 200, "ends_at": 100 },
        "response_caps": { "per_day": 0 },
        "cadence_days": 0
    }))
    .expect("parses");
    let problems = rules.problems();
    let expected = [
        "rules.triggers[0].name must not be empty",
        "rules.triggers[0].nth_occurrence must be at least 1",
        "rules.triggers[0].conditions[0].property must not be empty",
        "rules.triggers[0].conditions[0].value must be a number for `gt`",
        "rules.triggers[1].url.value uses [ ] or { }",
        "rules.triggers[2].url.value must not be empty",
        "rules.triggers[3].every_days must be at least 1",
        "rules.targeting.conditions[0].value must be an array for `in`",
        "rules.targeting.conditions[1].attribute must not be empty",
        "rules.targeting.conditions[2].value must be a date",
        "rules.targeting.roles[0] must not be empty",
        "rules.targeting.exclude.email_domains[0] must not be empty",
        "rules.fatigue.max_surveys_per_window allows 0 surveys",
        "rules.schedule.starts_at must be before rules.schedule.ends_at",
        "rules.response_caps.per_day must be at least 1",
        "rules.cadence_days must be at least 1",
    ];
    for (i, want) in expected.iter().enumerate() {
        assert!(problems.get(i).is_some_and(|p| p.starts_with(want)), "problem {i}: want {want:?}, got {problems:#?}");
    }
    assert_eq!(problems.len(), expected.len(), "{problems:#?}");
}

#[test]
fn disagreeing_cadences_are_reported() {
    let rules: SurveyRules =
        serde_json::from_value(json!({ "cadence_days": 90, "triggers": [{ "type": "cadence", "every_days": 30 }] }))
            .expect("parses");
    assert_eq!(rules.problems(), ["rules.cadence_days (90) and rules.triggers[0].every_days (30) disagree"]);
    assert_eq!(rules.effective_cadence_days(), Some(90), "the explicit field wins");
    assert!(
        FatiguePolicy { max_surveys_per_window: Some((0, 7)), ..FatiguePolicy::default() }.problems("policy")[0]
            .starts_with("policy.max_surveys_per_window")
    );
    assert!(FatiguePolicy::default().problems("policy").is_empty());
}
