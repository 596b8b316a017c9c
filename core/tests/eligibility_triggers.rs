//! Triggers: events with property conditions and occurrence counts, page views with URL rules.

use nps_core::eligibility::{SurveyRules, Trigger, TriggerContext, UrlOp, UrlRule, glob_match, trigger_fires};
use serde_json::{Value, json};

fn rules(triggers: Value) -> SurveyRules {
    serde_json::from_value(json!({ "triggers": triggers })).expect("valid rules")
}

fn event(name: &str, properties: Value, occurrence: u32) -> TriggerContext {
    let properties = properties.as_object().cloned().unwrap_or_default();
    TriggerContext::Event { name: name.to_owned(), properties, occurrence }
}

fn page(url: &str) -> TriggerContext {
    TriggerContext::PageView { url: url.to_owned() }
}

#[test]
fn event_triggers_match_name_conditions_and_occurrence() {
    let r = rules(json!([{
        "type": "event",
        "name": "report_exported",
        "conditions": [
            { "property": "format", "op": "in", "value": ["pdf", "xlsx"] },
            { "property": "pages", "op": "gt", "value": 2 }
        ],
        "nth_occurrence": 3,
        "delay_ms": 1500
    }]));
    let good = json!({ "format": "pdf", "pages": 10 });
    let table = [
        (event("report_exported", good.clone(), 3), true, "third export"),
        (event("report_exported", good.clone(), 7), true, "from the third on"),
        (event("report_exported", good.clone(), 2), false, "too early"),
        (event("report_exported", good.clone(), 1), false, "first"),
        (event("report_viewed", good.clone(), 3), false, "other event"),
        (event("Report_Exported", good.clone(), 3), false, "names are case-sensitive"),
        (event("report_exported", json!({ "format": "csv", "pages": 10 }), 3), false, "format not in list"),
        (event("report_exported", json!({ "format": "pdf", "pages": 2 }), 3), false, "pages not > 2"),
        (event("report_exported", json!({ "format": "pdf" }), 3), false, "missing property"),
        (page("https://app.example.com/reports"), false, "a page view is not the event"),
    ];
    for (ctx, fires, why) in table {
        assert_eq!(trigger_fires(&r, &ctx).is_some(), fires, "{why}");
    }
    let fired = trigger_fires(&r, &event("report_exported", good, 3)).expect("fires");
    assert_eq!(fired.delay_ms(), 1500);
    assert_eq!(fired.label(), "event:report_exported");
}

#[test]
fn a_bare_event_fires_on_every_occurrence() {
    let r = rules(json!([{ "type": "event", "name": "checkout_completed" }]));
    for n in [1, 2, 100] {
        assert!(trigger_fires(&r, &event("checkout_completed", json!({ "anything": 1 }), n)).is_some());
    }
    let ctx: TriggerContext =
        serde_json::from_value(json!({ "type": "event", "name": "checkout_completed" })).expect("valid");
    assert_eq!(ctx, event("checkout_completed", json!({}), 1), "occurrence defaults to the first");
    assert_eq!(trigger_fires(&r, &ctx).map(Trigger::delay_ms), Some(0));
}

#[test]
fn url_rules_compare_the_page_url() {
    let table = [
        (UrlOp::Exact, "https://app.example.com/billing", "https://app.example.com/billing", true),
        (UrlOp::Exact, "https://app.example.com/billing", "https://app.example.com/billing?tab=1", false),
        (UrlOp::Prefix, "https://app.example.com/settings", "https://app.example.com/settings/team", true),
        (UrlOp::Prefix, "https://app.example.com/settings", "https://app.example.com/set", false),
        (UrlOp::Contains, "/checkout/", "https://shop.example.com/en/checkout/done", true),
        (UrlOp::Contains, "/checkout/", "https://shop.example.com/en/cart", false),
        (UrlOp::Glob, "https://*.example.com/projects/*/settings", "https://eu.example.com/projects/42/settings", true),
        (
            UrlOp::Glob,
            "https://*.example.com/projects/*/settings",
            "https://eu.example.com/projects/42/settings/x",
            false,
        ),
        (UrlOp::Glob, "*/orders/??", "https://a.b/orders/12", true),
        (UrlOp::Glob, "*/orders/??", "https://a.b/orders/123", false),
    ];
    for (op, value, url, matches) in table {
        let rule = UrlRule { op, value: value.to_owned() };
        assert_eq!(rule.matches(url), matches, "{op:?} {value} on {url}");
    }
}

#[test]
fn glob_handles_stars_question_marks_and_unicode() {
    let table = [
        ("", "", true),
        ("", "a", false),
        ("*", "", true),
        ("*", "anything/at/all", true),
        ("**", "x", true),
        ("?", "", false),
        ("?", "é", true),
        ("a*b*c", "abc", true),
        ("a*b*c", "aXXbYYc", true),
        ("a*b*c", "aXXbYY", false),
        ("a*c", "abcbc", true),
        ("*ab", "aab", true),
        ("*a?c*", "zzabcz", true),
        ("/docs/*", "/docs/", true),
        ("/docs/*", "/doc", false),
        ("/über/*", "/über/uns", true),
    ];
    for (pattern, text, matches) in table {
        assert_eq!(glob_match(pattern, text), matches, "{pattern:?} on {text:?}");
    }
    // No exponential blow-up on a pathological pattern.
    let text = "a".repeat(10_000);
    assert!(!glob_match(&format!("{}b", "*a".repeat(50)), &text));
}

#[test]
fn spa_route_changes_are_page_views() {
    let r =
        rules(json!([{ "type": "page_view", "url": { "op": "glob", "value": "*/app/projects/*" }, "delay_ms": 3000 }]));
    assert!(trigger_fires(&r, &page("https://x.test/app/home")).is_none());
    let fired = trigger_fires(&r, &page("https://x.test/app/projects/7")).expect("route change fires");
    assert_eq!(fired.delay_ms(), 3000);
    assert_eq!(fired.label(), "page_view:*/app/projects/*");
}

#[test]
fn the_first_matching_trigger_wins_and_cadence_fires_anywhere() {
    let r = rules(json!([
        { "type": "page_view", "url": { "op": "prefix", "value": "/billing" } },
        { "type": "event", "name": "upgraded" },
        { "type": "cadence", "every_days": 90 }
    ]));
    assert_eq!(trigger_fires(&r, &page("/billing/plans")), Some(&r.triggers[0]));
    assert_eq!(trigger_fires(&r, &event("upgraded", json!({}), 1)), Some(&r.triggers[1]));
    assert_eq!(trigger_fires(&r, &page("/home")), Some(&r.triggers[2]));
    assert_eq!(r.triggers[2].label(), "cadence:90d");
    assert!(trigger_fires(&SurveyRules::default(), &page("/home")).is_none(), "no triggers, no survey");
}

#[test]
fn triggers_round_trip_through_json() {
    let r = rules(json!([
        { "type": "event", "name": "a", "conditions": [{ "property": "p", "op": "exists" }], "nth_occurrence": 2 },
        { "type": "page_view", "url": { "op": "exact", "value": "/x" } },
        { "type": "cadence", "every_days": 30 }
    ]));
    let back: SurveyRules = serde_json::from_value(serde_json::to_value(&r).expect("serialises")).expect("parses");
    assert_eq!(back, r);
    assert!(serde_json::from_value::<SurveyRules>(json!({ "triggers": [{ "type": "hover" }] })).is_err());
    assert!(
        serde_json::from_value::<SurveyRules>(
            json!({ "triggers": [{ "type": "page_view", "url": { "op": "regex", "value": "x" } }] })
        )
        .is_err()
    );
}
