//! The document as a whole: what every operation must carry, whatever handler declared it.

use super::methods::allowed_methods;
use utoipa::openapi::security::SecurityRequirement;


    #[test]
    fn a_documented_path_knows_its_methods() {
        assert_eq!(allowed_methods("/api/admin/projects"), Some(vec!["GET", "POST"]));
        assert_eq!(allowed_methods("/api/admin/projects/7"), Some(vec!["GET", "PUT"]));
        assert_eq!(allowed_methods("/api/admin/projects/7/nothing"), None);
        assert_eq!(allowed_methods("/api/admin/projects//rotate-secret"), None);
    }

    /// Every `pattern` string anywhere in the document.
    fn patterns(value: &serde_json::Value, found: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, value) in map {
                    match (key.as_str(), value) {
                        ("pattern", serde_json::Value::String(p)) => found.push(p.clone()),
                        _ => patterns(value, found),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| patterns(v, found)),
            _ => {}
        }
    }

    /// `\s` and `\S` mean other sets in the fuzzer's regex engine than in Rust's `trim` and
    /// `char::is_whitespace` (U+0085 and U+001C..U+001F differ): a `\S` "not blank" rule then
    /// admits a title of one NEL, which the handler refuses as blank. Patterns spell whitespace
    /// out (`WHITESPACE_CLASS`); `[\s\S]`, "any character", means the same everywhere.
    #[test]
    fn declared_patterns_spell_whitespace_out_and_compile() {
        use utoipa::OpenApi as _;
        let doc = serde_json::to_value(super::ApiDoc::openapi()).unwrap_or_default();
        let mut found = Vec::new();
        patterns(&doc, &mut found);
        assert!(found.len() > 20, "the walk found only {} patterns", found.len());
        for pattern in &found {
            let without_any = pattern.replace(r"[\s\S]", "");
            assert!(!without_any.contains(r"\s") && !without_any.contains(r"\S"), "a bare \\s or \\S in {pattern}");
            assert!(regex::Regex::new(pattern).is_ok(), "{pattern} does not compile");
        }
    }

    /// The document's rule for an e-mail address, applied as a regex engine would, admits
    /// exactly what `EmailAddress` parses (the fuzzer's case first: NEL inside, control
    /// characters, surrounding whitespace).
    #[test]
    fn the_e_mail_pattern_admits_what_the_parser_accepts() {
        use nps_core::wire::EmailAddress;
        let schema = serde_json::to_value(<EmailAddress as utoipa::PartialSchema>::schema()).unwrap_or_default();
        let pattern = regex::Regex::new(schema["pattern"].as_str().unwrap_or_default()).expect("the pattern compiles");
        let fuzzed = "\n\t \u{c}\u{c}\t\r\n\u{c}\n\u{b}\r \u{c}\n\u{ab}0r\u{85}\u{23a}@\u{1f}\u{fc}\u{89}\u{13}9P\u{d2}\u{8b}\t\u{c}";
        let cases = [fuzzed, "ana@example.com", " Ana@Example.com\t", "a@b", "a@@b", "a\u{1f}@b", "a\u{9f}@b", "ana", "@x", "x@", "a na@x", "a@x\u{2028}y", ""];
        for email in cases {
            assert_eq!(pattern.is_match(email), EmailAddress::parse(email).is_ok(), "{email:?}");
        }
    }

    #[test]
    fn every_admin_operation_but_the_public_ones_needs_a_session() {
        use utoipa::OpenApi as _;
        let doc = super::ApiDoc::openapi();
        let public = ["/api/admin/bootstrap", "/api/admin/session"];
        for (path, item) in doc.paths.paths.iter() {
            for operation in [&item.get, &item.put, &item.post, &item.delete].into_iter().flatten() {
                let open = operation.security.as_ref().is_some_and(|s| s.iter().any(|r| *r == SecurityRequirement::default()));
                let has_401 = operation.responses.responses.contains_key("401");
                if path.starts_with("/api/admin/") && !open {
                    assert!(has_401, "{path} needs a session but does not declare 401");
                }
                if path == public[0] {
                    assert!(open, "{path} must be open");
                }
            }
        }
    }

    /// Every integer the document declares says how large it may be (a format or both bounds):
    /// a bare `integer` lets the fuzzer send 35097381195625342697472, which no i64 field takes
    /// (it found one in the opt-out shape of the hand-written feedback schema).
    #[test]
    fn every_declared_integer_has_a_range() {
        use utoipa::OpenApi as _;
        fn walk(value: &serde_json::Value, path: &str, unbounded: &mut Vec<String>) {
            match value {
                serde_json::Value::Object(map) => {
                    let integer = match map.get("type") {
                        Some(serde_json::Value::String(t)) => t == "integer",
                        Some(serde_json::Value::Array(ts)) => ts.iter().any(|t| t == "integer"),
                        _ => false,
                    };
                    let bounded = map.contains_key("format") || (map.contains_key("minimum") && map.contains_key("maximum"));
                    if integer && !bounded {
                        unbounded.push(path.to_owned());
                    }
                    map.iter().for_each(|(k, v)| walk(v, &format!("{path}/{k}"), unbounded));
                }
                serde_json::Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| walk(v, &format!("{path}/{i}"), unbounded)),
                _ => {}
            }
        }
        let doc = serde_json::to_value(super::ApiDoc::openapi()).unwrap_or_default();
        let mut unbounded = Vec::new();
        walk(&doc, "", &mut unbounded);
        assert!(unbounded.is_empty(), "integers without a format or bounds: {unbounded:?}");
    }
