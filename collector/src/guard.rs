//! In front of the client API: rate limits (per client address and per project key) and CORS
//! from the project's allowed origins only. A browser request from an origin the project did
//! not allow is refused outright (403), not merely left without CORS headers, so nothing from
//! a foreign page is ever stored.

use crate::error::ApiError;
use crate::state::AppState;
use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError, web};
use nps_core::ErrorCode;

pub const CLIENT_PREFIX: &str = "/v1/p/";

fn project_key(path: &str) -> Option<&str> {
    path.strip_prefix(CLIENT_PREFIX).and_then(|rest| rest.split('/').next()).filter(|k| !k.is_empty())
}

/// Longest project key accepted. The collector makes keys `pk_` + 24 hex digits; the margin
/// leaves room for other formats without letting a request carry kilobytes in its key.
pub const MAX_KEY_CHARS: usize = 64;

/// Could this be a project key at all (ASCII letters, digits, `_`, `-`; at most
/// [`MAX_KEY_CHARS`])? Anything else is refused before it is looked up, counted, cached or
/// recorded, so unknown keys cannot make the collector keep or log attacker-sized strings.
pub fn well_formed_key(key: &str) -> bool {
    key.len() <= MAX_KEY_CHARS && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// `*` allows every origin; otherwise the origin must equal one entry (scheme, host, port).
pub fn origin_allowed(allowed: &[String], origin: &str) -> bool {
    let origin = origin.trim_end_matches('/');
    allowed.iter().any(|a| a == "*" || a.trim_end_matches('/').eq_ignore_ascii_case(origin))
}

fn refuse(req: ServiceRequest, error: ApiError) -> ServiceResponse<BoxBody> {
    req.into_response(error.error_response())
}

pub async fn client_guard(req: ServiceRequest, next: Next<BoxBody>) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(key) = project_key(req.path()).map(str::to_owned) else {
        return next.call(req).await;
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next.call(req).await;
    };
    if !well_formed_key(&key) {
        let message = format!("malformed project key: at most {MAX_KEY_CHARS} letters, digits, `_` or `-`");
        return Ok(refuse(req, ApiError::client(ErrorCode::UnknownProject, message)));
    }
    let endpoint = crate::activity::bounded(crate::activity::endpoint_of(req.path())).to_owned();
    // Bounded like the endpoint: the activity ring keeps what a client sent.
    let method = crate::metrics::method_label(req.method()).to_owned();
    let origin = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()).map(|o| crate::activity::bounded(o).to_owned());
    let response = guarded(req, next, &key, &state).await;
    let status = match &response {
        Ok(r) => r.status().as_u16(),
        Err(e) => e.as_response_error().status_code().as_u16(),
    };
    // Only projects that exist get an activity ring: unknown keys would grow the map without
    // bound. A peek at the cache the handler has just filled; it never reaches the database.
    if state.projects.is_known(&key) {
        let at = crate::ingest::now_ms();
        state.activity.record(&key, crate::activity::ActivityEntry { at, endpoint, method, status, origin });
    }
    response
}

async fn guarded(
    req: ServiceRequest,
    next: Next<BoxBody>,
    key: &str,
    state: &web::Data<AppState>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if let Some(ip) = req.peer_addr().map(|a| a.ip())
        && !state.limits.check_ip(ip)
    {
        return Ok(refuse(req, ApiError::client(ErrorCode::RateLimited, "too many requests from this address; slow down")));
    }
    if !state.limits.check_project(key) {
        return Ok(refuse(req, ApiError::client(ErrorCode::RateLimited, "too many requests for this project; slow down")));
    }
    let origin = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()).map(str::to_owned);
    if let Some(origin) = &origin {
        let project = match state.projects.get(key).await {
            Ok(p) => p,
            Err(e) => return Ok(refuse(req, ApiError::from(e))),
        };
        let Some(project) = project else {
            return Ok(refuse(req, ApiError::client(ErrorCode::UnknownProject, "no project has this key")));
        };
        if !origin_allowed(&project.project.allowed_origins, origin) {
            return Ok(refuse(
                req,
                ApiError::client(ErrorCode::OriginNotAllowed, format!("origin {origin} is not allowed for this project")),
            ));
        }
    }
    if req.method() == Method::OPTIONS {
        let mut preflight = HttpResponse::NoContent();
        preflight
            .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, "GET, POST"))
            .insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, "content-type, authorization, if-none-match"))
            .insert_header((header::ACCESS_CONTROL_MAX_AGE, "600"));
        if let Some(origin) = &origin {
            preflight.insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.as_str())).insert_header((header::VARY, "Origin"));
        }
        return Ok(req.into_response(preflight.finish()));
    }
    let mut response = next.call(req).await?;
    if let Some(origin) = origin
        && let Ok(value) = header::HeaderValue::from_str(&origin)
    {
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        headers.insert(header::VARY, header::HeaderValue::from_static("Origin"));
        headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, header::HeaderValue::from_static("ETag"));
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_match_exactly_or_by_wildcard() {
        let allowed = vec!["https://app.example.com".to_owned()];
        assert!(origin_allowed(&allowed, "https://app.example.com"));
        assert!(!origin_allowed(&allowed, "https://evil.example.com"));
        assert!(!origin_allowed(&allowed, "http://app.example.com"));
        assert!(!origin_allowed(&allowed, "null"));
        assert!(origin_allowed(&["*".to_owned()], "https://anything.test"));
    }

    #[test]
    fn only_key_shaped_keys_are_well_formed() {
        assert!(well_formed_key("pk_0123456789abcdef01234567"));
        assert!(well_formed_key("pk_doesnotexist"));
        assert!(!well_formed_key(&"k".repeat(MAX_KEY_CHARS + 1)));
        assert!(!well_formed_key("pk_%00"));
        assert!(!well_formed_key("pk ü"));
    }

    #[test]
    fn the_project_key_comes_from_the_client_path() {
        assert_eq!(project_key("/v1/p/pk_123/responses"), Some("pk_123"));
        assert_eq!(project_key("/api/admin/projects"), None);
        assert_eq!(project_key("/v1/p//x"), None);
    }
}
