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
    /// A control character in one line of text (an id, a language, an address).
    ControlCharacter,
    /// A control character other than tab, line feed and carriage return in free text.
    ControlCharacterInText,
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TextError::Empty => f.write_str("must not be empty"),
            TextError::Blank => f.write_str("must not be only spaces"),
            TextError::TooLong { max_chars } => write!(f, "must be at most {max_chars} characters"),
            TextError::ControlCharacter => f.write_str("must not contain control characters"),
            TextError::ControlCharacterInText => f.write_str("must not contain control characters other than tabs and line breaks"),
        }
    }
}

impl std::error::Error for TextError {}

/// Which control characters (`char::is_control`: C0, DEL and C1) a text may hold. None may
/// hold NUL: PostgreSQL's TEXT cannot store it, so a write acknowledged with one would be
/// refused by the database later, after the client was told it was kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Controls {
    /// None: one line of visible text (ids, languages, page addresses).
    Refused,
    /// Tab, line feed and carriage return only: free text typed into a text area (comments,
    /// decisions, names). A browser posts a text area's line breaks as CR LF.
    LineBreaks,
}

impl Controls {
    fn allows(self, c: char) -> bool {
        !c.is_control() || (self == Controls::LineBreaks && matches!(c, '\t' | '\n' | '\r'))
    }

    fn error(self) -> TextError {
        match self {
            Controls::Refused => TextError::ControlCharacter,
            Controls::LineBreaks => TextError::ControlCharacterInText,
        }
    }

    /// The character class of what is refused, as a regex class body.
    #[cfg(feature = "openapi")]
    fn refused_class(self) -> &'static str {
        match self {
            Controls::Refused => r"\x00-\x1F\x7F-\x9F",
            Controls::LineBreaks => r"\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F",
        }
    }
}

/// Lengths count characters, not bytes, as JSON Schema's `maxLength` does; "blank" is what
/// `str::trim` empties.
fn check(value: &str, min_chars: usize, max_chars: usize, controls: Controls, not_blank: bool) -> Result<(), TextError> {
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
    if !value.chars().all(|c| controls.allows(c)) {
        return Err(controls.error());
    }
    Ok(())
}

/// What `check` allows, as JSON Schema: the refused controls excluded from every character
/// (Rust's `char::is_control` is exactly the C0, DEL and C1 ranges), and "not blank" as one
/// character outside them and outside the whitespace `str::trim` strips, spelled out because a
/// bare `\s` means other sets in other engines.
#[cfg(feature = "openapi")]
fn schema(min_chars: usize, max_chars: usize, controls: Controls, not_blank: bool) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    let refused = controls.refused_class();
    let pattern = if not_blank {
        let space = crate::patterns::WHITESPACE_CLASS;
        format!("^[^{refused}]*[^{space}{refused}][^{refused}]*$")
    } else {
        format!("^[^{refused}]{}$", if min_chars > 0 { "+" } else { "*" })
    };
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .min_length((min_chars > 0).then_some(min_chars))
        .max_length(Some(max_chars))
        .pattern(Some(pattern))
        .into()
}

macro_rules! bounded_text {
    ($(#[$doc:meta])* $name:ident { min: $min:expr, max: $max:expr, controls: $controls:ident }) => {
        bounded_text! { $(#[$doc])* $name { min: $min, max: $max, controls: $controls, not_blank: false } }
    };
    ($(#[$doc:meta])* $name:ident { min: $min:expr, max: $max:expr, controls: $controls:ident, not_blank: $not_blank:expr }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String")]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARS: usize = $max;

            pub fn parse(value: impl Into<String>) -> Result<Self, TextError> {
                let value = value.into();
                check(&value, $min, $max, Controls::$controls, $not_blank)?;
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
                schema($min, $max, Controls::$controls, $not_blank)
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}
    };
}

bounded_text! {
    /// A client-generated id (response, display, action) or a user, account or role id: 1 to
    /// 128 characters, none a control character.
    ClientId { min: 1, max: super::MAX_ID_CHARS, controls: Refused }
}

impl ClientId {
    /// Whether `value` is a valid id, for readers that report problems their own way (the CSV
    /// files, the business-data import).
    pub fn is_valid(value: &str) -> bool {
        check(value, 1, Self::MAX_CHARS, Controls::Refused, false).is_ok()
    }

    /// An id written in the code (a default); checked in debug builds.
    pub(crate) fn from_static(value: &'static str) -> Self {
        debug_assert!(Self::is_valid(value), "{value:?}");
        Self(value.to_owned())
    }
}

bounded_text! {
    /// The user's language as the browser reports it (a BCP 47 tag, at most 35 characters).
    Language { min: 0, max: 35, controls: Refused }
}

bounded_text! {
    /// The kind of device the widget ran on (`desktop`, `mobile`, ...).
    Device { min: 0, max: 32, controls: Refused }
}

bounded_text! {
    /// The label of the trigger that fired, e.g. `event:ticket_resolved`.
    TriggerLabel { min: 0, max: 128, controls: Refused }
}

bounded_text! {
    /// The address of the host page the survey was shown on.
    PageUrl { min: 0, max: 2048, controls: Refused }
}

bounded_text! {
    /// An e-mail address as the host app knows it (for internal-user rules).
    EmailText { min: 0, max: 254, controls: Refused }
}

bounded_text! {
    /// A follow-up comment.
    CommentText { min: 0, max: super::MAX_COMMENT_CHARS, controls: LineBreaks }
}

bounded_text! {
    /// A short free text an admin writes: a follow-up's outcome, a webhook's description.
    ShortText { min: 0, max: 500, controls: LineBreaks }
}

bounded_text! {
    /// A name an admin gives (a project, an action's title): 1 to 200 characters, not only
    /// spaces.
    Name { min: 1, max: 200, controls: LineBreaks, not_blank: true }
}

bounded_text! {
    /// What an action decided or changed: 1 to 5000 characters, not only spaces.
    DecisionText { min: 1, max: 5000, controls: LineBreaks, not_blank: true }
}

bounded_text! {
    /// A comment theme an action names (`performance`, `pricing`): 1 to 64 characters, not only
    /// spaces.
    ThemeName { min: 1, max: 64, controls: LineBreaks, not_blank: true }
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
    PartnerName { min: 0, max: 200, controls: LineBreaks }
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
    /// A NUL character in a top-level value: PostgreSQL can read such JSON neither as TEXT
    /// nor as `jsonb`, so a stored one would break every report over the attributes (deeper
    /// ones are replaced, see [`ClientAttributes::parse`]).
    Nul,
}

impl fmt::Display for AttributesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttributesError::TooManyKeys => write!(f, "may hold at most {} keys", ClientAttributes::MAX_KEYS),
            AttributesError::BadKey(key) => {
                write!(f, "has a key that is empty, longer than {} characters or holds a control character: `{key}`", super::MAX_ID_CHARS)
            }
            AttributesError::TooLarge => write!(f, "must serialise to at most {} bytes", ClientAttributes::MAX_BYTES),
            AttributesError::Nul => f.write_str("must not contain the NUL character (\\u0000)"),
        }
    }
}

impl std::error::Error for AttributesError {}

impl ClientAttributes {
    pub const MAX_KEYS: usize = 100;
    pub const MAX_BYTES: usize = 16 * 1024;

    pub fn parse(mut value: super::Attributes) -> Result<Self, AttributesError> {
        if value.len() > Self::MAX_KEYS {
            return Err(AttributesError::TooManyKeys);
        }
        if let Some(key) = value.keys().find(|k| check(k, 1, super::MAX_ID_CHARS, Controls::Refused, false).is_err()) {
            return Err(AttributesError::BadKey(key.chars().filter(|c| !c.is_control()).take(32).collect()));
        }
        if value.values().any(|v| v.as_str().is_some_and(|text| text.contains('\0'))) {
            return Err(AttributesError::Nul);
        }
        // Below the top level the schema cannot state "no NUL" (it would take a recursive
        // schema), so a request it admits is not refused: each NUL there becomes U+FFFD, which
        // PostgreSQL stores.
        value.values_mut().for_each(replace_nested_nul);
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

/// Replaces every NUL in the strings and keys inside `value` (at any depth; serde_json bounds
/// the depth it parses) with U+FFFD.
fn replace_nested_nul(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(text) if text.contains('\0') => *text = text.replace('\0', "\u{FFFD}"),
        serde_json::Value::Array(items) => items.iter_mut().for_each(replace_nested_nul),
        serde_json::Value::Object(map) if map.keys().any(|k| k.contains('\0')) => {
            let entries = std::mem::take(map);
            for (key, mut item) in entries {
                replace_nested_nul(&mut item);
                map.insert(key.replace('\0', "\u{FFFD}"), item);
            }
        }
        serde_json::Value::Object(map) => map.values_mut().for_each(replace_nested_nul),
        _ => {}
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
