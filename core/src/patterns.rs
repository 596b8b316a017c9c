//! Whitespace as regular-expression patterns state it, at the bottom of the crate so that any
//! module's schema can use it: `\\s` means other sets in other regex engines (the contract
//! fuzzer's among them), so every pattern spells out what `str::trim` strips.

/// What `str::trim` strips (`char::is_whitespace`), as a regex class body.
pub const WHITESPACE_CLASS: &str = r"\t\n\x0B\x0C\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";

/// One character that is not whitespace: "not only spaces", as `str::trim` reads it.
pub fn not_blank_pattern() -> String {
    format!("[^{WHITESPACE_CLASS}]")
}

/// A string that is not only spaces, of any length (`schema(schema_with = not_blank)`).
#[cfg(feature = "openapi")]
pub fn not_blank() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    ObjectBuilder::new().schema_type(SchemaType::Type(Type::String)).min_length(Some(1)).pattern(Some(not_blank_pattern())).build()
}
