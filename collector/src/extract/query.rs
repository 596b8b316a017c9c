//! `Query<T>`: the query-string extractor. It replaces `web::Query` (serde_urlencoded) for one
//! reason: an integer field there refuses `survey_id=1.0`, which the OpenAPI document's
//! `type: integer` allows (JSON Schema counts `1.0` as the integer 1). The values are handed to
//! `T` as serde_urlencoded would hand them (strings, parsed where `T` asks for a number or a
//! boolean), except that a whole decimal is taken where an integer is asked for.

use crate::error::ApiError;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use serde::de::value::{Error, MapDeserializer};
use serde::de::{self, DeserializeOwned, IntoDeserializer, Unexpected, Visitor};
use std::borrow::Cow;
use std::future::{Ready, ready};
use std::ops::Deref;
use std::str::FromStr;

#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T> Query<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Query<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse_query(req.query_string()).map(Query))
    }
}

/// Parses a query string into `T`, naming the offending parameter on failure.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let pairs = form_urlencoded::parse(query.as_bytes()).map(|(name, value)| (name, Value(value)));
    serde_path_to_error::deserialize(MapDeserializer::<_, Error>::new(pairs)).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." { ApiError::invalid(format!("query string: {inner}")) } else { ApiError::invalid(format!("query string: {path}: {inner}")) }
    })
}

/// One parameter's decoded value.
struct Value<'a>(Cow<'a, str>);

impl<'de> IntoDeserializer<'de, Error> for Value<'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

/// `text` as an integer of type `T`: written as one, or as a decimal that holds one exactly
/// (`1.0`, `1e3`; only below 2^53, where an `f64` is exact).
fn whole<T: FromStr + TryFrom<i64>>(text: &str) -> Result<T, Error> {
    if let Ok(n) = text.parse::<T>() {
        return Ok(n);
    }
    let refused = || de::Error::invalid_value(Unexpected::Str(text), &"an integer in range");
    let whole = text.parse::<f64>().ok().and_then(super::exact_integer).ok_or_else(refused)?;
    T::try_from(whole).map_err(|_| refused())
}

fn parsed<T: FromStr>(text: &str, expected: &'static str) -> Result<T, Error> {
    text.parse().map_err(|_| de::Error::invalid_value(Unexpected::Str(text), &expected))
}

macro_rules! integers {
    ($($method:ident => $visit:ident: $ty:ty),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            visitor.$visit(whole::<$ty>(&self.0)?)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Value<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Cow::Borrowed(text) => visitor.visit_borrowed_str(text),
            Cow::Owned(text) => visitor.visit_string(text),
        }
    }

    /// A parameter that is present is `Some`, even when empty (as in serde_urlencoded).
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_bool(parsed(&self.0, "true or false")?)
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_f32(parsed(&self.0, "a number")?)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_f64(parsed(&self.0, "a number")?)
    }

    integers! {
        deserialize_i8 => visit_i8: i8, deserialize_i16 => visit_i16: i16, deserialize_i32 => visit_i32: i32,
        deserialize_i64 => visit_i64: i64, deserialize_u8 => visit_u8: u8, deserialize_u16 => visit_u16: u16,
        deserialize_u32 => visit_u32: u32, deserialize_u64 => visit_u64: u64,
    }

    fn deserialize_enum<V: Visitor<'de>>(self, _: &'static str, _: &'static [&'static str], visitor: V) -> Result<V::Value, Error> {
        visitor.visit_enum(IntoDeserializer::<Error>::into_deserializer(self.0))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        char str string bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier ignored_any i128 u128
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nps_core::ErrorCode;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Params {
        survey_id: i64,
        limit: Option<u32>,
        q: Option<String>,
        has_comment: Option<bool>,
    }

    fn refusal(query: &str) -> String {
        match parse_query::<Params>(query) {
            Err(ApiError::Client { code: ErrorCode::InvalidField, message, .. }) => message,
            other => panic!("{query}: expected an invalid-field refusal, got {other:?}"),
        }
    }

    #[test]
    fn a_whole_decimal_is_an_integer_and_strings_are_left_as_sent() {
        let params: Params = parse_query("survey_id=1.0&limit=2e1&q=1.0&has_comment=true").expect("valid");
        assert_eq!(params, Params { survey_id: 1, limit: Some(20), q: Some("1.0".into()), has_comment: Some(true) });
        let plain: Params = parse_query("survey_id=-7&q=a%20b+c").expect("valid");
        assert_eq!(plain, Params { survey_id: -7, limit: None, q: Some("a b c".into()), has_comment: None });
    }

    #[test]
    fn fractions_out_of_range_and_words_are_refused_naming_the_parameter() {
        assert!(refusal("survey_id=1.5").starts_with("query string: survey_id:"));
        assert!(refusal("survey_id=1&limit=-1").starts_with("query string: limit:"));
        assert!(refusal("survey_id=1&limit=1e12").starts_with("query string: limit:"));
        assert!(refusal("survey_id=9007199254740993.0").starts_with("query string: survey_id:"));
        assert!(refusal("survey_id=NaN").starts_with("query string: survey_id:"));
        assert!(refusal("survey_id=1&has_comment=yes").starts_with("query string: has_comment:"));
        assert!(refusal("limit=1").contains("missing field `survey_id`"));
    }
}
