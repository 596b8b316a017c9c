//! Targeting: every operator, all/any, roles, languages, devices and internal-user exclusion.

use nps_core::eligibility::{Condition, Op, Source, Subject, Targeting, is_internal, targeting_miss};
use nps_core::wire::Attributes;
use serde_json::{Value, json};

fn attrs(v: Value) -> Attributes {
    v.as_object().cloned().unwrap_or_default()
}

fn targeting(v: Value) -> Targeting {
    serde_json::from_value(v).expect("valid targeting")
}

fn user() -> Attributes {
    attrs(json!({
        "plan": "pro",
        "seats": 12,
        "mrr": "49.90",
        "signed_up": "2023-06-15",
        "last_login": 1_704_067_200_000_i64,
        "tags": ["beta", "eu"],
        "company": "Acme Widgets",
        "nickname": null,
        "address": { "country": "DE" }
    }))
}

fn matches(condition: Value, user: &Attributes) -> bool {
    let condition: Condition = serde_json::from_value(condition).expect("valid condition");
    condition.matches(&Subject::new("u", user))
}

#[test]
fn every_operator() {
    let u = user();
    let table = [
        (json!({ "attribute": "plan", "op": "equals", "value": "pro" }), true),
        (json!({ "attribute": "plan", "op": "equals", "value": "Pro" }), false),
        (json!({ "attribute": "seats", "op": "equals", "value": 12.0 }), true),
        (json!({ "attribute": "plan", "op": "not_equals", "value": "free" }), true),
        (json!({ "attribute": "plan", "op": "not_equals", "value": "pro" }), false),
        (json!({ "attribute": "plan", "op": "in", "value": ["pro", "enterprise"] }), true),
        (json!({ "attribute": "plan", "op": "in", "value": ["free"] }), false),
        (json!({ "attribute": "plan", "op": "not_in", "value": ["free", "trial"] }), true),
        (json!({ "attribute": "plan", "op": "not_in", "value": ["pro"] }), false),
        (json!({ "attribute": "seats", "op": "gt", "value": 10 }), true),
        (json!({ "attribute": "seats", "op": "gt", "value": 12 }), false),
        (json!({ "attribute": "seats", "op": "lt", "value": 12.5 }), true),
        (json!({ "attribute": "mrr", "op": "gt", "value": 40 }), true),
        (json!({ "attribute": "plan", "op": "gt", "value": 1 }), false),
        (json!({ "attribute": "company", "op": "contains", "value": "Widget" }), true),
        (json!({ "attribute": "company", "op": "contains", "value": "widget" }), false),
        (json!({ "attribute": "tags", "op": "contains", "value": "beta" }), true),
        (json!({ "attribute": "tags", "op": "contains", "value": "us" }), false),
        (json!({ "attribute": "plan", "op": "exists" }), true),
        (json!({ "attribute": "nickname", "op": "exists" }), false),
        (json!({ "attribute": "nickname", "op": "not_exists" }), true),
        (json!({ "attribute": "plan", "op": "not_exists" }), false),
        (json!({ "attribute": "signed_up", "op": "before", "value": "2024-01-01" }), true),
        (json!({ "attribute": "signed_up", "op": "after", "value": "2023-06-15T00:00:01Z" }), false),
        (json!({ "attribute": "signed_up", "op": "after", "value": 0 }), true),
        (json!({ "attribute": "last_login", "op": "after", "value": "2023-12-31T23:59:59Z" }), true),
        (json!({ "attribute": "last_login", "op": "before", "value": "2024-01-01" }), false),
        (json!({ "attribute": "plan", "op": "before", "value": "2024-01-01" }), false),
        (json!({ "attribute": "address.country", "op": "equals", "value": "DE" }), true),
    ];
    for (condition, expected) in table {
        assert_eq!(matches(condition.clone(), &u), expected, "{condition}");
    }
    // Every operator is covered above.
    for op in Op::ALL {
        assert!(serde_json::to_string(&op).expect("serialises").contains(op.as_str()));
    }
}

#[test]
fn a_missing_attribute_never_matches_a_positive_operator() {
    let u = Attributes::new();
    for op in Op::ALL {
        let value = match op {
            Op::In | Op::NotIn => json!(["x"]),
            Op::Before | Op::After => json!("2024-01-01"),
            Op::Gt | Op::Lt => json!(1),
            _ => json!("x"),
        };
        let negative = matches!(op, Op::NotEquals | Op::NotIn | Op::NotExists);
        let got = matches(json!({ "attribute": "plan", "op": op, "value": value }), &u);
        assert_eq!(got, negative, "{} on a missing attribute", op.as_str());
    }
}

#[test]
fn all_and_any() {
    let u = user();
    let subject = Subject::new("u", &u);
    let conditions = json!([
        { "attribute": "plan", "op": "equals", "value": "pro" },
        { "attribute": "seats", "op": "gt", "value": 100 }
    ]);
    let all = targeting(json!({ "match_mode": "all", "conditions": conditions }));
    let any = targeting(json!({ "match_mode": "any", "conditions": conditions }));
    assert!(targeting_miss(&all, &subject).is_some_and(|m| m.contains("seats")));
    assert_eq!(targeting_miss(&any, &subject), None);
    let none = targeting(
        json!({ "match_mode": "any", "conditions": [{ "attribute": "plan", "op": "equals", "value": "free" }] }),
    );
    assert!(targeting_miss(&none, &subject).is_some());
    assert_eq!(targeting_miss(&targeting(json!({})), &subject), None, "empty targeting is everyone");
    assert_eq!(targeting_miss(&targeting(json!({ "match_mode": "any" })), &subject), None);
}

#[test]
fn account_conditions_read_the_account() {
    let u = user();
    let account = attrs(json!({ "plan": "enterprise", "arr": 120000 }));
    let t = targeting(json!({ "conditions": [
        { "source": "account", "attribute": "plan", "op": "equals", "value": "enterprise" },
        { "attribute": "plan", "op": "equals", "value": "pro" }
    ] }));
    let with_account = Subject { account_attributes: Some(&account), ..Subject::new("u", &u) };
    assert_eq!(targeting_miss(&t, &with_account), None);
    assert!(targeting_miss(&t, &Subject::new("u", &u)).is_some(), "no account, no account attributes");
    let c = Condition { source: Source::Account, attribute: "arr".to_owned(), op: Op::Gt, value: json!(100000) };
    assert!(c.matches(&with_account));
}

#[test]
fn roles_languages_and_devices_filter() {
    let u = Attributes::new();
    let t = targeting(json!({
        "roles": ["executive_buyer", "admin"],
        "languages": ["de", "en-GB"],
        "devices": ["desktop"]
    }));
    let base =
        Subject { role: Some("admin"), language: Some("de-AT"), device: Some("Desktop"), ..Subject::new("u", &u) };
    let table = [
        (base, true, "admin, de-AT, desktop"),
        (Subject { role: Some("Executive_Buyer"), ..base }, true, "roles are case-insensitive"),
        (Subject { role: Some("end_user"), ..base }, false, "end user"),
        (Subject { role: None, ..base }, false, "no role"),
        (Subject { language: Some("de"), ..base }, true, "de"),
        (Subject { language: Some("en-GB"), ..base }, true, "en-GB"),
        (Subject { language: Some("en_gb"), ..base }, true, "en_gb"),
        (Subject { language: Some("en-US"), ..base }, false, "en-US is not en-GB"),
        (Subject { language: Some("deu"), ..base }, false, "deu is not de"),
        (Subject { language: None, ..base }, false, "no language"),
        (Subject { device: Some("mobile"), ..base }, false, "mobile"),
        (Subject { device: None, ..base }, false, "no device"),
    ];
    for (subject, targeted, why) in table {
        assert_eq!(targeting_miss(&t, &subject).is_none(), targeted, "{why}");
    }
    assert_eq!(targeting_miss(&targeting(json!({})), &Subject::new("u", &u)), None, "empty lists are anyone");
}

#[test]
fn internal_users_are_excluded_by_attribute_or_e_mail_domain() {
    let t = targeting(json!({ "exclude": {
        "conditions": [{ "attribute": "is_staff", "op": "equals", "value": true }],
        "email_domains": ["vendor.com", "@test.vendor.io"]
    } }));
    let staff = attrs(json!({ "is_staff": true }));
    let customer = attrs(json!({ "is_staff": false, "email": "jo@customer.com" }));
    let by_attribute_email = attrs(json!({ "email": "Jo@Vendor.COM" }));
    let empty = Attributes::new();
    let table = [
        (Subject::new("u", &staff), true, "staff attribute"),
        (Subject::new("u", &customer), false, "customer"),
        (Subject::new("u", &by_attribute_email), true, "e-mail from the attributes, any case"),
        (Subject { email: Some("a@eu.vendor.com"), ..Subject::new("u", &empty) }, true, "subdomain"),
        (Subject { email: Some("a@x.test.vendor.io"), ..Subject::new("u", &empty) }, true, "leading @ in the rule"),
        (Subject { email: Some("a@notvendor.com"), ..Subject::new("u", &empty) }, false, "lookalike domain"),
        (Subject { email: Some("vendor.com"), ..Subject::new("u", &empty) }, false, "not an e-mail"),
        (Subject::new("u", &empty), false, "nothing known"),
    ];
    for (subject, internal, why) in table {
        assert_eq!(is_internal(&t, &subject), internal, "{why}");
    }
    assert!(!is_internal(&targeting(json!({})), &Subject::new("u", &staff)), "no exclusion rules, nobody internal");
}
