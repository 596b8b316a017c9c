//! Schemas of strings whose rules the OpenAPI document must carry where a field attribute
//! cannot: the items of arrays (`#[schema(value_type = Vec<limits::AttributeMap>)]`), and every
//! pattern that names whitespace. Each names the code that enforces the same rule; the contract
//! check (docs/api-contract.md) catches the two drifting apart.
//!
//! Whitespace is every character Rust's `char::is_whitespace` knows ([`WHITESPACE_CLASS`]),
//! spelled out: a bare `\s` means another set in some regex engines (the fuzzer's among them).

use utoipa::openapi::schema::{Object, ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

pub use crate::patterns::{WHITESPACE_CLASS, not_blank, not_blank_pattern};

fn string(min: Option<usize>, max: Option<usize>, pattern: &str) -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .min_length(min)
        .max_length(max)
        .pattern(Some(pattern))
        .build()
}

/// [`not_blank`] of at most 256 characters (a respondent's id in a data-rights request).
pub fn not_blank_id() -> Object {
    string(Some(1), Some(256), &not_blank_pattern())
}

/// An address as `wire::EmailAddress` parses it: surrounding whitespace, then `local@domain`
/// with no whitespace or control character inside and neither side empty.
pub fn email_address() -> RefOr<Schema> {
    let space = format!("[{WHITESPACE_CLASS}]*");
    let inside = format!("[^{WHITESPACE_CLASS}\\x00-\\x1F\\x7F-\\x9F]");
    let edge = format!("[^@{WHITESPACE_CLASS}\\x00-\\x1F\\x7F-\\x9F]");
    string(None, Some(super::EmailAddress::MAX_CHARS), &format!("^{space}{edge}{inside}*@{inside}*{edge}{space}$")).into()
}

/// An address to look a respondent up by (`routes/admin/data_rights.rs`): looser than
/// [`email_address`], as it must find whatever a host app sent as a user's `email`: at most 320
/// characters, something before the first `@` and something after it, spaces around ignored.
pub fn lookup_email() -> Object {
    let space = format!("[{WHITESPACE_CLASS}]*");
    string(None, Some(320), &format!("^{space}[^@{WHITESPACE_CLASS}][^@]*@[\\s\\S]*[^{WHITESPACE_CLASS}]{space}$"))
}

/// A webhook receiver: `http(s)://` and a DNS name, an optional port and a path without a
/// fragment or whitespace (`outbox::address`, `WebhookInput`).
pub fn webhook_url() -> Object {
    string(None, Some(2048), &format!("^https?://([A-Za-z0-9-]+\\.)+[A-Za-z]{{2,}}(:[0-9]{{1,4}})?(/[^#{WHITESPACE_CLASS}]*)?$"))
}

/// Attribute filters `key:value;key:value` (`disclosure::scope`): keys of 1 to 128 characters
/// without `;` or `:`, trimmed; empty means no filter.
pub fn attribute_filters() -> Object {
    let space = format!("[{WHITESPACE_CLASS}]*");
    let edge = format!("[^;:{WHITESPACE_CLASS}]");
    let pair = format!("{space}{edge}([^;:]{{0,126}}{edge})?{space}:[^;]*");
    ObjectBuilder::new().schema_type(SchemaType::Type(Type::String)).pattern(Some(format!("^({space}|{pair}(;{pair})*)$"))).build()
}

/// Free-form attributes: at most 100 keys of 1 to 128 characters without control characters,
/// and no string value holding NUL (`text::ClientAttributes`; its 16 KiB bound on the
/// serialised map, and NUL in values nested deeper, have no JSON Schema keyword).
pub struct AttributeMap;

impl PartialSchema for AttributeMap {
    fn schema() -> RefOr<Schema> {
        let keys = string(Some(1), Some(super::MAX_ID_CHARS), r"^[^\x00-\x1F\x7F-\x9F]+$");
        let text = string(None, None, r"^[^\x00]*$");
        let other = ObjectBuilder::new().schema_type(SchemaType::Array(vec![Type::Null, Type::Boolean, Type::Number, Type::Array, Type::Object]));
        let value = RefOr::T(Schema::from(utoipa::openapi::schema::AnyOfBuilder::new().item(text).item(other).build()));
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::Object))
            .max_properties(Some(100))
            .property_names(Some(keys))
            .additional_properties(Some(value))
            .into()
    }
}

impl ToSchema for AttributeMap {}
