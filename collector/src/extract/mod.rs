//! The extractors every endpoint uses for what the client sends: `JsonBody<T>` for bodies and
//! `Query<T>` for query strings. Both refuse with a JSON error that names the offending field,
//! and both take a whole decimal (`3.0`) where an integer is asked for, because JSON Schema
//! counts it as one and clients generated from the OpenAPI document may send it so.

mod json;
mod query;

pub use json::{JsonBody, parse_json};
pub use query::{Query, parse_query};
