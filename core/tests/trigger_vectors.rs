//! The shared trigger-rule vectors (`trigger_vectors.json`) hold for nps-core, the reference
//! implementation. The widget's JavaScript port is checked against the same file by
//! `tests/browser/rules.test.mjs`, so the two cannot drift apart unnoticed.

use nps_core::eligibility::{Op, SurveyRules, Trigger, TriggerContext, glob_match, parse_date_ms, trigger_fires};
use serde_json::Value;

fn vectors() -> Value {
    serde_json::from_str(include_str!("trigger_vectors.json")).expect("trigger_vectors.json is valid JSON")
}

fn list<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    v[key].as_array().unwrap_or_else(|| panic!("`{key}` is an array"))
}

#[test]
fn conditions() {
    let v = vectors();
    for case in list(&v, "conditions") {
        let op: Op = serde_json::from_value(case["op"].clone()).expect("a known op");
        let got = op.test(case.get("actual"), &case["expected"]);
        assert_eq!(Some(got), case["result"].as_bool(), "{case}");
    }
}

#[test]
fn dates() {
    let v = vectors();
    for case in list(&v, "dates") {
        let text = case[0].as_str().expect("a date text");
        assert_eq!(parse_date_ms(text), case[1].as_i64(), "{case}");
    }
}

#[test]
fn globs() {
    let v = vectors();
    for case in list(&v, "globs") {
        let (pattern, text) = (case[0].as_str().expect("pattern"), case[1].as_str().expect("text"));
        assert_eq!(Some(glob_match(pattern, text)), case[2].as_bool(), "{case}");
    }
}

#[test]
fn triggers() {
    let v = vectors();
    for case in list(&v, "triggers") {
        let triggers: Vec<Trigger> = serde_json::from_value(case["triggers"].clone()).expect("triggers");
        let ctx: TriggerContext = serde_json::from_value(case["ctx"].clone()).expect("a context");
        let rules = SurveyRules { triggers, ..SurveyRules::default() };
        let fired = trigger_fires(&rules, &ctx);
        assert_eq!(fired.map(Trigger::label).as_deref(), case["label"].as_str(), "{}", case["what"]);
        if let Some(t) = fired {
            assert_eq!(Some(t.delay_ms()), case["delay_ms"].as_u64(), "{}", case["what"]);
        }
    }
}
