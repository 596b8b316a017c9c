//! Schemas of strings whose rules the OpenAPI document must carry where a field attribute
//! cannot: the items of arrays (`#[schema(value_type = Vec<limits::AlertRecipient>)]`). Each names
//! the code that enforces the same rule; the contract check (docs/api-contract.md) catches the
//! two drifting apart.

use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

use crate::text::themes::WHITESPACE_CLASS;

fn string(min: Option<usize>, max: usize, pattern: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .min_length(min)
        .max_length(Some(max))
        .pattern(Some(pattern))
        .into()
}

/// An alert recipient: `local@domain` with a dot in the domain, no spaces, at most 254
/// characters (`routes/admin/webhooks.rs`, `check_policy`).
pub struct AlertRecipient;

impl PartialSchema for AlertRecipient {
    fn schema() -> RefOr<Schema> {
        // Every character Rust's `char::is_whitespace` knows, spelled out: a bare `\s` means
        // another set in some regex engines (the fuzzer's among them).
        let not_space = format!("[^@{WHITESPACE_CLASS}]");
        let any_but_space = format!("[^{WHITESPACE_CLASS}]");
        string(None, 254, &format!("^{not_space}+@{any_but_space}*\\.{any_but_space}*$"))
    }
}

impl ToSchema for AlertRecipient {}

/// Free-form attributes: at most 100 keys of 1 to 128 characters (`text::ClientAttributes`; its
/// 16 KiB bound on the serialised map has no JSON Schema keyword).
pub struct AttributeMap;

impl PartialSchema for AttributeMap {
    fn schema() -> RefOr<Schema> {
        let keys = ObjectBuilder::new().schema_type(SchemaType::Type(Type::String)).min_length(Some(1)).max_length(Some(super::MAX_ID_CHARS));
        ObjectBuilder::new().schema_type(SchemaType::Type(Type::Object)).max_properties(Some(100)).property_names(Some(keys)).into()
    }
}

impl ToSchema for AttributeMap {}
