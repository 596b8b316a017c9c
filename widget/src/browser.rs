//! Thin wrappers over the browser APIs the widget needs. Every call tolerates failure (storage
//! disabled, old browsers): the host page must never break because of the widget.

use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

pub fn window() -> web_sys::Window {
    web_sys::window().expect("the widget runs in a browser window")
}

pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// A random v4 UUID; `crypto.randomUUID` only exists in secure contexts, so fall back to
/// `getRandomValues` on plain-http pages.
pub fn uuid() -> String {
    let Ok(crypto) = window().crypto() else { return fallback_uuid() };
    let has_random_uuid = js_sys::Reflect::has(&crypto, &JsValue::from_str("randomUUID")).unwrap_or(false);
    if has_random_uuid { crypto.random_uuid() } else { fallback_uuid() }
}

fn fallback_uuid() -> String {
    let mut b = [0u8; 16];
    let filled = window().crypto().ok().and_then(|c| c.get_random_values_with_u8_array(&mut b).ok()).is_some();
    if !filled {
        for x in &mut b {
            *x = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

fn storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

pub fn load<T: DeserializeOwned>(key: &str) -> Option<T> {
    let text = storage()?.get_item(key).ok()??;
    serde_json::from_str(&text).ok()
}

pub fn save<T: Serialize>(key: &str, value: &T) {
    if let (Some(s), Ok(text)) = (storage(), serde_json::to_string(value)) {
        let _ = s.set_item(key, &text);
    }
}

pub fn matches_media(query: &str) -> bool {
    window().match_media(query).ok().flatten().is_some_and(|m| m.matches())
}

/// Resolves after `ms` milliseconds.
pub async fn sleep(ms: u64) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms.min(i32::MAX as u64) as i32);
    });
    let _ = JsFuture::from(promise).await;
}

/// How a request ended: an HTTP status with its body, or no answer at all (offline, DNS,
/// CORS refusal, abort).
pub enum Reply {
    Status(u16, String),
    Network,
}

/// `fetch` with an optional JSON body and bearer token. `keepalive` lets writes started just
/// before the user navigates away still reach the collector.
pub async fn fetch(method: &str, url: &str, body: Option<&str>, token: Option<&str>) -> Reply {
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let headers = js_sys::Object::new();
    if let Some(body) = body {
        init.set_body(&JsValue::from_str(body));
        let _ = js_sys::Reflect::set(&headers, &"Content-Type".into(), &"application/json".into());
        let _ = js_sys::Reflect::set(&init, &"keepalive".into(), &JsValue::TRUE);
    }
    if let Some(token) = token {
        let _ = js_sys::Reflect::set(&headers, &"Authorization".into(), &format!("Bearer {token}").into());
    }
    init.set_headers(&headers);
    let Ok(response) = JsFuture::from(window().fetch_with_str_and_init(url, &init)).await else { return Reply::Network };
    let Ok(response) = response.dyn_into::<web_sys::Response>() else { return Reply::Network };
    let text = match response.text() {
        Ok(p) => JsFuture::from(p).await.ok().and_then(|t| t.as_string()).unwrap_or_default(),
        Err(_) => String::new(),
    };
    Reply::Status(response.status(), text)
}
