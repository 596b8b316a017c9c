//! Strings the widget sends, parsed at the edge: each type holds only what its field may hold,
//! so no handler checks a length, and the OpenAPI document states the same limits (each type's
//! schema below). Deserialising refuses anything else; the JSON extractor prefixes the message
//! with the field's path (`user_id: must not be empty`).

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a string was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextError {
    Empty,
    Blank,
    TooLong { max_chars: usize },
    ControlCharacter,
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TextError::Empty => f.write_str("must not be empty"),
            TextError::Blank => f.write_str("must not be only spaces"),
            TextError::TooLong { max_chars } => write!(f, "must be at most {max_chars} characters"),
            TextError::ControlCharacter => f.write_str("must not contain control characters"),
        }
    }
}

impl std::error::Error for TextError {}

/// Lengths count characters, not bytes, as JSON Schema's `maxLength` does; "blank" is what
/// `str::trim` empties.
fn check(value: &str, min_chars: usize, max_chars: usize, visible: bool, not_blank: bool) -> Result<(), TextError> {
    let chars = value.chars().count();
    if chars < min_chars {
        return Err(TextError::Empty);
    }
    if not_blank && value.trim().is_empty() {
        return Err(TextError::Blank);
    }
    if chars > max_chars {
        return Err(TextError::TooLong { max_chars });
    }
    if visible && value.chars().any(char::is_control) {
        return Err(TextError::ControlCharacter);
    }
    Ok(())
}

/// What `check` allows, as JSON Schema (Rust's `char::is_control` is exactly the C0 and C1
/// control ranges the pattern excludes; "not blank" is one character outside the whitespace
/// `str::trim` strips, spelled out because a bare `\s` means other sets in other engines).
#[cfg(feature = "openapi")]
fn schema(min_chars: usize, max_chars: usize, visible: bool, not_blank: bool) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    debug_assert!(!(visible && not_blank), "one pattern per schema");
    let pattern = if visible {
        Some(r"^[^\x00-\x1F\x7F-\x9F]+$".to_owned())
    } else {
        not_blank.then(crate::patterns::not_blank_pattern)
    };
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .min_length((min_chars > 0).then_some(min_chars))
        .max_length(Some(max_chars))
        .pattern(pattern)
        .into()
}

macro_rules! bounded_text {
    ($(#[$doc:meta])* $name:ident { min: $min:expr, max: $max:expr, visible: $visible:expr }) => {
        bounded_text! { $(#[$doc])* $name { min: $min, max: $max, visible: $visible, not_blank: false } }
    };
    ($(#[$doc:meta])* $name:ident { min: $min:expr, max: $max:expr, visible: $visible:expr, not_blank: $not_blank:expr }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String")]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARS: usize = $max;

            pub fn parse(value: impl Into<String>) -> Result<Self, TextError> {
                let value = value.into();
                check(&value, $min, $max, $visible, $not_blank)?;
                Ok(Self(value))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = TextError;

            fn try_from(value: String) -> Result<Self, TextError> {
                Self::parse(value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        // Sound: the derived `Hash` and `Ord` are the inner string's, which are `str`'s.
        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                schema($min, $max, $visible, $not_blank)
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}
    };
}

bounded_text! {
    /// A client-generated id (response, display, action) or a user, account or role id: 1 to
    /// 128 characters, none a control character.
    ClientId { min: 1, max: super::MAX_ID_CHARS, visible: true }
}

impl ClientId {
    /// Whether `value` is a valid id, for readers that report problems their own way (the CSV
    /// files, the business-data import).
    pub fn is_valid(value: &str) -> bool {
        check(value, 1, Self::MAX_CHARS, true, false).is_ok()
    }

    /// An id written in the code (a default); checked in debug builds.
    pub(crate) fn from_static(value: &'static str) -> Self {
        debug_assert!(Self::is_valid(value), "{value:?}");
        Self(value.to_owned())
    }
}

bounded_text! {
    /// The user's language as the browser reports it (a BCP 47 tag, at most 35 characters).
    Language { min: 0, max: 35, visible: false }
}

bounded_text! {
    /// The kind of device the widget ran on (`desktop`, `mobile`, ...).
    Device { min: 0, max: 32, visible: false }
}

bounded_text! {
    /// The label of the trigger that fired, e.g. `event:ticket_resolved`.
    TriggerLabel { min: 0, max: 128, visible: false }
}

bounded_text! {
    /// The address of the host page the survey was shown on.
    PageUrl { min: 0, max: 2048, visible: false }
}

bounded_text! {
    /// An e-mail address as the host app knows it (for internal-user rules).
    EmailText { min: 0, max: 254, visible: false }
}

bounded_text! {
    /// A follow-up comment.
    CommentText { min: 0, max: super::MAX_COMMENT_CHARS, visible: false }
}

bounded_text! {
    /// A short free text an admin writes: a follow-up's outcome, a webhook's description.
    ShortText { min: 0, max: 500, visible: false }
}

bounded_text! {
    /// A name an admin gives (a project, an action's title): 1 to 200 characters, not only
    /// spaces.
    Name { min: 1, max: 200, visible: false, not_blank: true }
}

bounded_text! {
    /// What an action decided or changed: 1 to 5000 characters, not only spaces.
    DecisionText { min: 1, max: 5000, visible: false, not_blank: true }
}

bounded_text! {
    /// A comment theme an action names (`performance`, `pricing`): 1 to 64 characters, not only
    /// spaces.
    ThemeName { min: 1, max: 64, visible: false, not_blank: true }
}

/// An origin allowed to call a project's client API: `*`, or a scheme and host (and port)
/// such as `https://app.example.com`, without path, query, fragment or spaces (a trailing `/`
/// is allowed; origins are compared without it).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub struct Origin(String);

impl Origin {
    pub fn parse(value: impl Into<String>) -> Result<Self, &'static str> {
        let value = value.into();
        let host_only = |v: &str| v.splitn(4, '/').nth(3).is_none_or(str::is_empty);
        let ok = value == "*"
            || ((value.starts_with("https://") || value.starts_with("http://"))
                && !value.trim_end_matches('/').contains(['?', '#', ' '])
                && host_only(&value));
        if ok { Ok(Self(value)) } else { Err("must be `*` or a scheme and host like https://app.example.com") }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Origin {
    type Error = &'static str;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<Origin> for String {
    fn from(value: Origin) -> String {
        value.0
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Origin {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
        ObjectBuilder::new().schema_type(SchemaType::Type(Type::String)).pattern(Some(r"^(\*|https?://[^/?# ]*/?)$")).into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Origin {}

bounded_text! {
    /// A partner organisation's name.
    PartnerName { min: 0, max: 200, visible: false }
}

/// Free-form attributes a client sends (user, account and recipient attributes, extra
/// answers): at most [`ClientAttributes::MAX_KEYS`] keys of 1 to 128 characters, at most
/// [`ClientAttributes::MAX_BYTES`] as JSON. They are kept per user and copied onto every answer,
/// so the bounds keep one request from costing the collector more than a few kilobytes. Fields
/// of this type state their schema as `limits::AttributeMap`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "super::Attributes")]
pub struct ClientAttributes(super::Attributes);

/// Why attributes were refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttributesError {
    TooManyKeys,
    BadKey(String),
    TooLarge,
}

impl fmt::Display for AttributesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttributesError::TooManyKeys => write!(f, "may hold at most {} keys", ClientAttributes::MAX_KEYS),
            AttributesError::BadKey(key) => write!(f, "has a key of bad length: `{key}`"),
            AttributesError::TooLarge => write!(f, "must serialise to at most {} bytes", ClientAttributes::MAX_BYTES),
        }
    }
}

impl std::error::Error for AttributesError {}

impl ClientAttributes {
    pub const MAX_KEYS: usize = 100;
    pub const MAX_BYTES: usize = 16 * 1024;

    pub fn parse(value: super::Attributes) -> Result<Self, AttributesError> {
        if value.len() > Self::MAX_KEYS {
            return Err(AttributesError::TooManyKeys);
        }
        if let Some(key) = value.keys().find(|k| check(k, 1, super::MAX_ID_CHARS, false, false).is_err()) {
            return Err(AttributesError::BadKey(key.chars().take(32).collect()));
        }
        let size = serde_json::to_vec(&value).map(|v| v.len()).unwrap_or(usize::MAX);
        if size > Self::MAX_BYTES {
            return Err(AttributesError::TooLarge);
        }
        Ok(Self(value))
    }

    pub fn into_inner(self) -> super::Attributes {
        self.0
    }
}

impl TryFrom<super::Attributes> for ClientAttributes {
    type Error = AttributesError;

    fn try_from(value: super::Attributes) -> Result<Self, AttributesError> {
        Self::parse(value)
    }
}

impl From<ClientAttributes> for super::Attributes {
    fn from(value: ClientAttributes) -> super::Attributes {
        value.0
    }
}

impl std::ops::Deref for ClientAttributes {
    type Target = super::Attributes;

    fn deref(&self) -> &super::Attributes {
        &self.0
    }
}

pub use crate::basis_points::BasisPoints;

#[cfg(test)]
mod tests {
    use super::*;

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
        let map = |pairs: Vec<(String, serde_json::Value)>| pairs.into_iter().collect::<super::super::Attributes>();
        let plan = map(vec![("plan".into(), "pro".into())]);
        assert_eq!(ClientAttributes::parse(plan.clone()).map(ClientAttributes::into_inner), Ok(plan));
        let many = map((0..101).map(|i| (format!("k{i}"), i.into())).collect());
        assert_eq!(ClientAttributes::parse(many), Err(AttributesError::TooManyKeys));
        assert!(matches!(ClientAttributes::parse(map(vec![(String::new(), 1.into())])), Err(AttributesError::BadKey(_))));
        assert!(matches!(ClientAttributes::parse(map(vec![("k".repeat(129), 1.into())])), Err(AttributesError::BadKey(_))));
        let big = map(vec![("notes".into(), "x".repeat(16 * 1024).into())]);
        assert_eq!(ClientAttributes::parse(big), Err(AttributesError::TooLarge));
        let refused = serde_json::from_str::<ClientAttributes>(r#"{"": 1}"#).map_err(|e| e.to_string());
        assert_eq!(refused, Err("has a key of bad length: ``".to_owned()));
        assert_eq!(serde_json::to_string(&ClientAttributes::default()).ok().as_deref(), Some("{}"), "serialised as the bare map");
    }
}
