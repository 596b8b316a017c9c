//! Requests whose answer a test reads whatever it is: the status and the JSON body, where
//! `Admin::get` and `Admin::post` fail on anything but success.

use reqwest::{RequestBuilder, StatusCode};
use serde_json::Value;

/// Sends `request`: the status and the body as JSON (`Null` when there is none, the text as a
/// JSON string when it is not JSON, so a failing assertion still shows it).
pub async fn reply(request: RequestBuilder) -> anyhow::Result<(StatusCode, Value)> {
    let response = request.send().await?;
    let status = response.status();
    let text = response.text().await?;
    let body = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
    Ok((status, body))
}

/// POSTs a JSON body without a session, as the widget or a sign-in form does.
pub async fn post_json(url: &str, body: &Value) -> anyhow::Result<(StatusCode, Value)> {
    reply(reqwest::Client::new().post(url).json(body)).await
}

/// Fails unless `body` is the JSON error the API answers a bad request with: this `code`, and a
/// message naming the problem (it contains `mentions`).
pub fn assert_error(body: &Value, code: &str, mentions: &str) {
    assert_eq!(body["code"], code, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| m.contains(mentions)), "the message does not mention {mentions:?}: {body}");
}
