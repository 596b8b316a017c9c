//! `JsonBody<T>`: refuses a content type other than JSON, a body over the scope's limit (checked
//! against `Content-Length` first, then while reading), malformed JSON, and JSON that does not
//! fit `T` (the message carries the path of the offending field, e.g. `score: ...`).

use crate::error::ApiError;
use crate::guard::CLIENT_PREFIX;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures::StreamExt;
use nps_core::ErrorCode;
use serde::de::DeserializeOwned;
use std::future::Future;
use std::pin::Pin;

pub struct JsonBody<T>(pub T);

/// The client API (public, anonymous) gets a small limit; the admin API a larger one.
fn body_limit(req: &HttpRequest) -> usize {
    let limits = req.app_data::<web::Data<AppState>>().map(|s| s.settings.limits.clone()).unwrap_or_default();
    if req.path().starts_with(CLIENT_PREFIX) { limits.client_body_bytes } else { limits.admin_body_bytes }
}

fn too_large(limit: usize) -> ApiError {
    ApiError::client(ErrorCode::PayloadTooLarge, format!("the body is larger than the {limit} bytes this endpoint accepts"))
}

fn check_content_type(req: &HttpRequest) -> Result<(), ApiError> {
    let content_type = req.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    // `text/plain` is accepted on the client API only, because `navigator.sendBeacon` (used by
    // the widget when the page unloads) cannot send `application/json` without a CORS
    // preflight. Everywhere else it is refused: a cross-site HTML form can post `text/plain`
    // without a preflight, which would allow login CSRF on sign-in and bootstrap. JSON types
    // cannot be sent cross-site without a preflight the collector never grants.
    let beacon_allowed = req.path().starts_with(CLIENT_PREFIX);
    if essence == "application/json" || essence.ends_with("+json") || (beacon_allowed && essence == "text/plain") {
        Ok(())
    } else {
        Err(ApiError::client(
            ErrorCode::UnsupportedMediaType,
            format!("send the body as application/json (got `{}`)", if content_type.is_empty() { "nothing" } else { content_type }),
        ))
    }
}

/// Parses JSON into `T`, naming the offending field on failure.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize(deserializer) {
        Ok(value) => Ok(value),
        // JSON has one number type, and JSON Schema counts `3.0` as the integer 3: an integer
        // field must take it. Tried only after a failure, so valid bodies cost nothing more.
        Err(e) if e.inner().to_string().starts_with("invalid type: floating point") => match whole_numbers(bytes) {
            Some(value) => serde_path_to_error::deserialize(value).map_err(field_error),
            None => Err(field_error(e)),
        },
        Err(e) => Err(field_error(e)),
    }
}

fn field_error<E: std::fmt::Display + AsJsonError>(e: serde_path_to_error::Error<E>) -> ApiError {
    let path = e.path().to_string();
    let inner = e.into_inner();
    if inner.is_syntax_or_eof() {
        ApiError::client(ErrorCode::InvalidJson, format!("the body is not valid JSON: {inner}"))
    } else if path == "." {
        ApiError::client(ErrorCode::InvalidField, format!("{inner}"))
    } else {
        ApiError::client(ErrorCode::InvalidField, format!("{path}: {inner}"))
    }
}

trait AsJsonError {
    fn is_syntax_or_eof(&self) -> bool;
}

impl AsJsonError for serde_json::Error {
    fn is_syntax_or_eof(&self) -> bool {
        self.is_syntax() || self.is_eof()
    }
}

/// The body with every number that has no fractional part written as an integer.
fn whole_numbers(bytes: &[u8]) -> Option<serde_json::Value> {
    fn walk(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Number(n) => {
                // Only floats that hold an integer exactly are rewritten.
                if let Some(whole) = n.as_f64().filter(|_| n.is_f64()).and_then(super::exact_integer) {
                    *n = whole.into();
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(walk),
            serde_json::Value::Object(map) => map.values_mut().for_each(walk),
            _ => {}
        }
    }
    let mut value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    walk(&mut value);
    Some(value)
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = body_limit(req);
        let declared = req
            .headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let early = check_content_type(req).and_then(|()| match declared {
            Some(n) if n > limit => Err(too_large(limit)),
            _ => Ok(()),
        });
        let mut stream = payload.take();
        Box::pin(async move {
            early?;
            let mut body = web::BytesMut::with_capacity(declared.unwrap_or(1024).min(limit));
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| ApiError::client(ErrorCode::InvalidJson, format!("could not read the body: {e}")))?;
                if body.len() + chunk.len() > limit {
                    return Err(too_large(limit));
                }
                body.extend_from_slice(&chunk);
            }
            if body.is_empty() {
                return Err(ApiError::client(ErrorCode::InvalidJson, "the body is empty; send a JSON object"));
            }
            if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
                return Err(ApiError::client(ErrorCode::InvalidJson, "the body must be a JSON object"));
            }
            parse_json(&body).map(JsonBody)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Counted {
        hours: u32,
    }

    #[test]
    fn a_whole_float_is_an_integer_and_a_fraction_is_not() {
        assert_eq!(parse_json::<Counted>(br#"{"hours": 48.0}"#).map(|c| c.hours).ok(), Some(48));
        let refused = parse_json::<Counted>(br#"{"hours": 48.5}"#).map(|c| c.hours);
        assert!(matches!(&refused, Err(ApiError::Client { code: ErrorCode::InvalidField, message, .. }) if message.starts_with("hours:")), "{refused:?}");
        assert!(parse_json::<Counted>(br#"{"hours": -1.0}"#).is_err());
    }
}
