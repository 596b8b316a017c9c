//! The strings and maps clients send (`nps_core::wire::text`): lengths in characters, control
//! characters (never NUL, which PostgreSQL cannot store; line breaks only in free text), blank
//! names, origins, attribute bounds, and that deserialising refuses what parsing refuses.

use nps_core::wire::*;

#[test]
fn ids_are_short_visible_text() {
    assert!(ClientId::parse("0b9a3c1e-5a8e-4a4e-9d6f-1f2e3d4c5b6a").is_ok());
    assert_eq!(ClientId::parse(""), Err(TextError::Empty));
    assert_eq!(ClientId::parse("a\u{0}b"), Err(TextError::ControlCharacter));
    assert_eq!(ClientId::parse("a\u{85}b"), Err(TextError::ControlCharacter), "C1 controls too");
    assert_eq!(ClientId::parse("x".repeat(129)), Err(TextError::TooLong { max_chars: 128 }));
    assert!(ClientId::parse("é".repeat(128)).is_ok(), "characters, not bytes");
}

#[test]
fn names_must_not_be_blank() {
    assert_eq!(Name::parse(" \u{3000}\t"), Err(TextError::Blank), "every whitespace `trim` strips");
    assert_eq!(Name::parse(""), Err(TextError::Empty));
    assert!(Name::parse(" Pricing page ").is_ok());
    assert_eq!(ThemeName::parse("t".repeat(65)), Err(TextError::TooLong { max_chars: 64 }));
    assert!(DecisionText::parse("d".repeat(5_000)).is_ok());
}

#[test]
fn origins_are_a_scheme_and_host_or_everyone() {
    for good in ["*", "https://app.example.com", "http://localhost:3000", "https://app.example.com/"] {
        assert!(Origin::parse(good).is_ok(), "{good}");
    }
    for bad in ["app.example.com", "https://app.example.com/path", "https://a.com?x", "https://a.com#f", "ftp://a.com", ""] {
        assert!(Origin::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn texts_are_limited_in_characters_and_may_be_empty() {
    assert!(CommentText::parse("😀".repeat(5_000)).is_ok());
    assert!(CommentText::parse(format!("{}!", "😀".repeat(5_000))).is_err());
    assert!(Language::parse("").is_ok());
    assert!(Device::parse("d".repeat(33)).is_err());
}

#[test]
fn no_text_holds_nul_and_only_free_text_holds_line_breaks() {
    // PostgreSQL's TEXT cannot store NUL: refused at the edge, never acknowledged.
    assert_eq!(PageUrl::parse("https://a.test/\u{0}"), Err(TextError::ControlCharacter));
    assert_eq!(Language::parse("de\u{0}"), Err(TextError::ControlCharacter));
    assert_eq!(Device::parse("mobile\n"), Err(TextError::ControlCharacter));
    assert_eq!(TriggerLabel::parse("event:\u{1b}x"), Err(TextError::ControlCharacter));
    assert_eq!(EmailText::parse("a@b.test\u{7f}"), Err(TextError::ControlCharacter));
    assert_eq!(CommentText::parse("fine\u{0}"), Err(TextError::ControlCharacterInText));
    assert_eq!(CommentText::parse("a\u{8}b"), Err(TextError::ControlCharacterInText));
    assert!(CommentText::parse("line one\r\nline two\n\tindented").is_ok(), "a text area's line breaks and tabs");
    assert_eq!(Name::parse("Acme\u{0}"), Err(TextError::ControlCharacterInText));
    assert!(DecisionText::parse("first\nsecond").is_ok());
    let message = serde_json::from_str::<CommentText>(r#""a\u0000b""#).map_err(|e| e.to_string());
    assert_eq!(message, Err("must not contain control characters other than tabs and line breaks".to_owned()));
}

#[test]
fn attributes_hold_no_nul_and_keys_no_control_characters() {
    let parse = |v: serde_json::Value| serde_json::from_value::<Attributes>(v).map_err(|e| e.to_string()).and_then(|m| ClientAttributes::parse(m).map_err(|e| e.to_string()));
    assert!(parse(serde_json::json!({ "note": "two\nlines", "n": 1, "list": ["a", { "b": "c" }] })).is_ok());
    assert_eq!(parse(serde_json::json!({ "plan": "pro\u{0}" })), Err(AttributesError::Nul.to_string()));
    // Deeper, where the schema cannot state it, NUL is replaced rather than refused.
    let deep = parse(serde_json::json!({ "deep": [{ "x": ["a\u{0}b"] }], "map": { "k\u{0}": "\u{0}" } })).map(|a| serde_json::to_value(&*a).unwrap_or_default());
    assert_eq!(deep, Ok(serde_json::json!({ "deep": [{ "x": ["a\u{FFFD}b"] }], "map": { "k\u{FFFD}": "\u{FFFD}" } })));
    assert!(matches!(ClientAttributes::parse(serde_json::from_value(serde_json::json!({ "a\nb": 1 })).unwrap_or_default()), Err(AttributesError::BadKey(k)) if k == "ab"));
}

#[test]
fn deserialising_refuses_what_parse_refuses() {
    let refused = serde_json::from_str::<ClientId>(r#""""#).map_err(|e| e.to_string());
    assert_eq!(refused, Err("must not be empty".to_owned()));
    assert_eq!(serde_json::from_str::<ClientId>(r#""u1""#).ok().map(ClientId::into_inner), Some("u1".to_owned()));
    assert!(serde_json::from_str::<BasisPoints>("10001").is_err());
    assert_eq!(serde_json::from_str::<BasisPoints>("10000").ok(), Some(BasisPoints::EVERYONE));
    assert_eq!(serde_json::to_string(&ClientId::parse("u1").expect("valid")).ok().as_deref(), Some(r#""u1""#));
}

#[test]
fn attributes_are_bounded_in_keys_key_length_and_size() {
    let map = |pairs: Vec<(String, serde_json::Value)>| pairs.into_iter().collect::<Attributes>();
    let plan = map(vec![("plan".into(), "pro".into())]);
    assert_eq!(ClientAttributes::parse(plan.clone()).map(ClientAttributes::into_inner), Ok(plan));
    let many = map((0..101).map(|i| (format!("k{i}"), i.into())).collect());
    assert_eq!(ClientAttributes::parse(many), Err(AttributesError::TooManyKeys));
    assert!(matches!(ClientAttributes::parse(map(vec![(String::new(), 1.into())])), Err(AttributesError::BadKey(_))));
    assert!(matches!(ClientAttributes::parse(map(vec![("k".repeat(129), 1.into())])), Err(AttributesError::BadKey(_))));
    let big = map(vec![("notes".into(), "x".repeat(16 * 1024).into())]);
    assert_eq!(ClientAttributes::parse(big), Err(AttributesError::TooLarge));
    let refused = serde_json::from_str::<ClientAttributes>(r#"{"": 1}"#).map_err(|e| e.to_string());
    assert_eq!(refused, Err("has a key that is empty, longer than 128 characters or holds a control character: ``".to_owned()));
    assert_eq!(serde_json::to_string(&ClientAttributes::default()).ok().as_deref(), Some("{}"), "serialised as the bare map");
}
