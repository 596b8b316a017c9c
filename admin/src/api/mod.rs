//! Typed client of the collector's admin API.
//!
//! Every call returns `Result<T, ApiError>`; an error carries the collector's
//! [`ErrorCode`] and message (`{code, message}` bodies), so pages can show the message next to
//! the form. Requests go to the same origin with the session cookie; state-changing ones also
//! carry the CSRF token from the sign-in answer, kept in memory and in sessionStorage (so a
//! reload keeps working, and a new tab asks to sign in again).

use nps_core::wire::{
    NpsReport, Project, ProjectInput, ResponseRow, SessionInfo, Survey, SurveyInput,
};
use nps_core::{ApiErrorBody, ErrorCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::cell::RefCell;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

const CSRF_KEY: &str = "nps-admin-csrf";

thread_local! {
    static CSRF: RefCell<Option<String>> = const { RefCell::new(None) };
}

#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    fn network() -> Self {
        Self { status: 0, code: ErrorCode::Unavailable, message: "the collector cannot be reached".to_owned() }
    }

    pub fn client(message: impl Into<String>) -> Self {
        Self { status: 0, code: ErrorCode::InvalidField, message: message.into() }
    }

    /// `text` as an e-mail address, or the collector's refusal of it, named after `field`.
    pub fn address(field: &str, text: &str) -> Result<nps_core::wire::EmailAddress, Self> {
        nps_core::wire::EmailAddress::parse(text).map_err(|e| Self::client(format!("{field}: {e}")))
    }

    /// The problems of a CSV file read client-side, as one error (one message per problem).
    pub fn problems_of(problems: Vec<nps_core::csv_file::Problem>) -> Self {
        let message = problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
        Self { status: 422, code: ErrorCode::InvalidField, message }
    }

    /// Messages of a 422 answer, one per problem (the collector joins them with `; `).
    pub fn problems(&self) -> Vec<String> {
        self.message.split("; ").map(str::to_owned).collect()
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

pub fn set_csrf(token: Option<String>) {
    if let Some(storage) = session_storage() {
        let _ = match &token {
            Some(t) => storage.set_item(CSRF_KEY, t),
            None => storage.remove_item(CSRF_KEY),
        };
    }
    CSRF.with(|c| *c.borrow_mut() = token);
}

fn csrf() -> Option<String> {
    CSRF.with(|c| c.borrow().clone()).or_else(|| {
        let token = session_storage()?.get_item(CSRF_KEY).ok()??;
        CSRF.with(|c| *c.borrow_mut() = Some(token.clone()));
        Some(token)
    })
}

/// Sends one request; returns the status and the body text.
async fn send(method: &str, url: &str, body: Option<String>) -> ApiResult<(u16, String)> {
    let window = web_sys::window().ok_or_else(ApiError::network)?;
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    init.set_credentials(web_sys::RequestCredentials::SameOrigin);
    let headers = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&headers, &"Accept".into(), &"application/json".into());
    if let Some(body) = body {
        let _ = js_sys::Reflect::set(&headers, &"Content-Type".into(), &"application/json".into());
        init.set_body(&JsValue::from_str(&body));
    }
    if method != "GET"
        && let Some(token) = csrf()
    {
        let _ = js_sys::Reflect::set(&headers, &"X-CSRF-Token".into(), &token.into());
    }
    init.set_headers(&headers);
    let response = JsFuture::from(window.fetch_with_str_and_init(url, &init)).await.map_err(|_| ApiError::network())?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| ApiError::network())?;
    let text = match response.text() {
        Ok(p) => JsFuture::from(p).await.ok().and_then(|t| t.as_string()).unwrap_or_default(),
        Err(_) => String::new(),
    };
    Ok((response.status(), text))
}

fn error_of(status: u16, text: &str) -> ApiError {
    match serde_json::from_str::<ApiErrorBody>(text) {
        Ok(body) => ApiError { status, code: body.code, message: body.message },
        Err(_) => ApiError {
            status,
            code: if status >= 500 { ErrorCode::Internal } else { ErrorCode::InvalidField },
            message: format!("the collector answered {status}"),
        },
    }
}

/// Sends one request; a 2xx answer's status and body (`null` when empty), else its error.
/// Apart from `call`'s, so that what does not depend on the answer's type is compiled once
/// rather than once per answer type.
async fn answer(method: &str, url: &str, body: Option<String>) -> ApiResult<(u16, String)> {
    let (status, text) = send(method, url, body).await?;
    if !(200..300).contains(&status) {
        let error = error_of(status, &text);
        if error.code == ErrorCode::Unauthorized {
            crate::on_unauthorized();
        }
        return Err(error);
    }
    Ok((status, if text.trim().is_empty() { "null".to_owned() } else { text }))
}

fn unexpected(status: u16, e: serde_json::Error) -> ApiError {
    ApiError { status, code: ErrorCode::Internal, message: format!("unexpected answer from the collector: {e}") }
}

async fn call<T: DeserializeOwned>(method: &str, url: &str, body: Option<String>) -> ApiResult<T> {
    let (status, text) = answer(method, url, body).await?;
    serde_json::from_str(&text).map_err(|e| unexpected(status, e))
}

fn json<B: Serialize>(body: &B) -> Option<String> {
    serde_json::to_string(body).ok()
}

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    js_sys::encode_uri_component(value).as_string().unwrap_or_default()
}

/// `?a=1&b=2` from the pairs whose value is not empty.
pub fn query(pairs: &[(&str, String)]) -> String {
    let parts: Vec<String> =
        pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={}", encode(v))).collect();
    if parts.is_empty() { String::new() } else { format!("?{}", parts.join("&")) }
}

mod audit;
mod business;
mod campaigns;
mod data_rights;
mod followups;
mod partners;
mod projects;
mod reports;
mod session;
mod users;
mod webhooks;

pub use audit::*;
pub use business::*;
pub use campaigns::*;
pub use data_rights::*;
pub use followups::*;
pub use partners::*;
pub use projects::*;
pub use reports::*;
pub use session::*;
pub use users::*;
pub use webhooks::*;
