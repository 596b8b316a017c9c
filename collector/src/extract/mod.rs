//! The extractors every endpoint uses for what the client sends: `JsonBody<T>` for bodies and
//! `Query<T>` for query strings. Both refuse with a JSON error that names the offending field,
//! and both take a whole decimal (`3.0`) where an integer is asked for, because JSON Schema
//! counts it as one and clients generated from the OpenAPI document may send it so.

mod json;
mod query;

/// The integer a float holds exactly, if any: no fractional part and below 2^53 in size,
/// where every integer is an `f64`. What both extractors take where an integer is asked for.
fn exact_integer(value: f64) -> Option<i64> {
    #[allow(clippy::cast_possible_truncation)]
    (value.fract() == 0.0 && value.abs() < 9_007_199_254_740_992.0).then_some(value as i64)
}

pub use json::{JsonBody, parse_json};
pub use query::{Query, parse_query};
