//! Comparing one attribute or event property with the value a rule expects.
//!
//! Targeting conditions and event-trigger conditions share these operators so that an editor
//! learns one vocabulary and the widget carries one implementation.

use crate::names::names;
use super::dates::parse_date_ms;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::cmp::Ordering;

/// A comparison between the actual value (of an attribute or property) and the rule's value.
///
/// A missing attribute (absent or `null`) never satisfies a positive operator: a rule
/// "plan equals pro" must not reach users whose plan is unknown. The three negative operators
/// (`not_equals`, `not_in`, `not_exists`) do hold for a missing value, since an unknown plan is
/// indeed not "enterprise"; add `exists` next to them to exclude the unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Equals,
    NotEquals,
    /// The value is one of a JSON array.
    In,
    NotIn,
    /// Numeric comparison (numbers, or strings that hold a number).
    Gt,
    Lt,
    /// Substring of a string (case-sensitive), or element of an array.
    Contains,
    Exists,
    NotExists,
    /// Dates: unix ms numbers, `YYYY-MM-DD` or RFC 3339 strings.
    Before,
    After,
}

/// A condition on a property of the event that triggers a survey (e.g. `amount gt 100`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PropertyCondition {
    pub property: String,
    pub op: Op,
    #[serde(default)]
    pub value: Value,
}

impl Op {
    /// Whether `actual` (`None` when the attribute is missing) satisfies `self expected`.
    pub fn test(self, actual: Option<&Value>, expected: &Value) -> bool {
        match actual.filter(|v| !v.is_null()) {
            None => matches!(self, Op::NotEquals | Op::NotIn | Op::NotExists),
            Some(actual) => self.test_present(actual, expected),
        }
    }

    fn test_present(self, actual: &Value, expected: &Value) -> bool {
        match self {
            Op::Equals => loose_eq(actual, expected),
            Op::NotEquals => !loose_eq(actual, expected),
            Op::In => one_of(actual, expected),
            Op::NotIn => !one_of(actual, expected),
            Op::Gt => compare(actual, expected, as_number) == Some(Ordering::Greater),
            Op::Lt => compare(actual, expected, as_number) == Some(Ordering::Less),
            Op::Contains => contains(actual, expected),
            Op::Exists => true,
            Op::NotExists => false,
            Op::Before => compare(actual, expected, as_date) == Some(Ordering::Less),
            Op::After => compare(actual, expected, as_date) == Some(Ordering::Greater),
        }
    }

    /// What is wrong with `expected` for this operator, if anything (for editors).
    pub fn value_problem(self, expected: &Value) -> Option<&'static str> {
        let ok = match self {
            Op::In | Op::NotIn => expected.is_array(),
            Op::Gt | Op::Lt => as_number(expected).is_some(),
            Op::Before | Op::After => as_date(expected).is_some(),
            Op::Contains | Op::Equals | Op::NotEquals => !expected.is_null(),
            Op::Exists | Op::NotExists => true,
        };
        (!ok).then_some(match self {
            Op::In | Op::NotIn => "must be an array",
            Op::Gt | Op::Lt => "must be a number",
            Op::Before | Op::After => "must be a date (unix ms, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)",
            _ => "must not be null",
        })
    }
}

names!(Op {
    Equals => "equals",
    NotEquals => "not_equals",
    In => "in",
    NotIn => "not_in",
    Gt => "gt",
    Lt => "lt",
    Contains => "contains",
    Exists => "exists",
    NotExists => "not_exists",
    Before => "before",
    After => "after",
});

impl PropertyCondition {
    pub fn matches(&self, properties: &serde_json::Map<String, Value>) -> bool {
        self.op.test(properties.get(&self.property), &self.value)
    }
}

/// JSON equality, except that numbers compare by value (`1` equals `1.0`).
fn loose_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// `expected` is an array holding `actual`; a scalar `expected` is treated as a one-element list.
fn one_of(actual: &Value, expected: &Value) -> bool {
    match expected {
        Value::Array(items) => items.iter().any(|item| loose_eq(actual, item)),
        scalar => loose_eq(actual, scalar),
    }
}

fn contains(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::String(haystack), Value::String(needle)) => haystack.contains(needle.as_str()),
        (Value::Array(items), _) => items.iter().any(|item| loose_eq(item, expected)),
        _ => false,
    }
}

fn compare<T: PartialOrd>(a: &Value, b: &Value, read: fn(&Value) -> Option<T>) -> Option<Ordering> {
    read(a)?.partial_cmp(&read(b)?)
}

/// Numbers, and strings that hold one (attributes from spreadsheets often do).
fn as_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|x| x.is_finite()),
        _ => None,
    }
}

/// Unix ms numbers, or date strings.
fn as_date(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|x| x as i64)),
        Value::String(s) => parse_date_ms(s),
        _ => None,
    }
}
