//! The OpenAPI document is the contract of the HTTP API (`docs/api-contract.md`). This module
//! holds what every operation shares, so that no handler repeats it:
//!
//! - the error answers a whole class of operations can give ([`SessionErrors`],
//!   [`BodyErrors`], [`PathErrors`], [`QueryErrors`], [`ClientErrors`]), as `IntoResponses`
//!   sets that [`Contract`] adds to every operation of the class when the document is built;
//! - the admin session as a security requirement: every `/api/admin` operation needs it unless
//!   its annotation opts out with `security(())`, so a new admin endpoint is protected in the
//!   document by default, as it is in code (its handler takes `AdminSession`);
//! - the 405 answer (with `Allow`) to a method a documented path does not support, derived
//!   from the document itself in [`allowed_methods`].

use nps_core::ApiErrorBody;
use std::collections::BTreeMap;
use std::sync::OnceLock;
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{Content, OpenApi, RefOr};
use utoipa::{IntoResponses, Modify, PartialSchema};

type ResponseMap = BTreeMap<String, RefOr<Response>>;

/// An error answer: the JSON error body, described by what makes the server give it.
fn error(description: &str) -> RefOr<Response> {
    let content = Content::new(Some(ApiErrorBody::schema()));
    ResponseBuilder::new().description(description).content("application/json", content).build().into()
}

fn set(entries: &[(&str, &str)]) -> ResponseMap {
    entries.iter().map(|(status, description)| ((*status).to_owned(), error(description))).collect()
}

/// Every operation that needs an admin session.
pub struct SessionErrors;

impl IntoResponses for SessionErrors {
    fn responses() -> ResponseMap {
        set(&[
            ("401", "`unauthorized`: no session, or it expired, was signed out or belongs to a disabled user"),
            ("403", "`forbidden`: the role does not allow this; `csrf_failed`: a cookie session without its X-CSRF-Token"),
        ])
    }
}

/// Every operation that reads a JSON body (`JsonBody`, `extract.rs`).
pub struct BodyErrors;

impl IntoResponses for BodyErrors {
    fn responses() -> ResponseMap {
        set(&[
            ("413", "`payload_too_large`: the body is over the limit of the API"),
            ("415", "`unsupported_media_type`: the body is not sent as application/json"),
            ("422", "`invalid_json` or `invalid_field`: the body is not a JSON object of the declared schema; the message names the field"),
            ("404", "`not_found` (or `unknown_survey`): an id in the body (project, survey) names nothing"),
        ])
    }
}

/// Every operation with a path parameter: an id that does not parse or names nothing.
pub struct PathErrors;

impl IntoResponses for PathErrors {
    fn responses() -> ResponseMap {
        set(&[
            ("404", "`not_found` (or `unknown_project`, `unknown_survey`): nothing has this id"),
            ("422", "`invalid_field`: a path parameter does not fit its schema; the message names it"),
        ])
    }
}

/// Every operation with a query string.
pub struct QueryErrors;

impl IntoResponses for QueryErrors {
    fn responses() -> ResponseMap {
        set(&[
            ("404", "`not_found`: an id in the query (project, survey) names nothing"),
            ("422", "`invalid_field`: a query parameter does not fit its schema; the message names it"),
        ])
    }
}

/// Every operation of the client API (`/v1/p/{key}`), answered by the guard in front of it.
pub struct ClientErrors;

impl IntoResponses for ClientErrors {
    fn responses() -> ResponseMap {
        set(&[
            ("403", "`origin_not_allowed`: the Origin is not one of the project's allowed origins"),
            ("404", "`unknown_project`: no project has this key"),
            ("429", "`rate_limited`: too many requests from this address or for this project"),
        ])
    }
}

/// The client writes of an answer (display, score, comment, feedback): refused when the survey
/// takes no answers, or, in a project that verifies identities, without the user's session.
/// Listed in those operations' annotations.
pub struct AnswerErrors;

impl IntoResponses for AnswerErrors {
    fn responses() -> ResponseMap {
        set(&[
            ("401", "`identity_required`, `identity_invalid` or `identity_expired`: the project verifies identities and the widget session is missing or wrong"),
            ("409", "`survey_closed`: the survey takes no answers now (draft, closed, capped or out of schedule); `survey_not_in_app`: it is answered through personal links only"),
        ])
    }
}

/// The names of the two ways to carry an admin session.
pub const SESSION_COOKIE_SCHEME: &str = "session_cookie";
pub const BEARER_SCHEME: &str = "bearer";

/// Adds the shared answers and the session requirement to every operation (see the module
/// documentation); applied by `#[openapi(modifiers(&Contract))]`.
pub struct Contract;

impl Modify for Contract {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            SESSION_COOKIE_SCHEME,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::auth::SESSION_COOKIE,
                "set by sign-in; state-changing requests also send X-CSRF-Token",
            ))),
        );
        components.add_security_scheme(BEARER_SCHEME, SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
        for (path, item) in openapi.paths.paths.iter_mut() {
            for operation in operations_mut(item) {
                complete(path, operation);
            }
        }
    }
}

fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch, &mut item.head, &mut item.options, &mut item.trace]
        .into_iter()
        .filter_map(Option::as_mut)
}

/// One operation: the answers of each class it belongs to. An answer the annotation already
/// declares for a status (e.g. a specific 404) is kept.
fn complete(path: &str, operation: &mut Operation) {
    let has_param = |location: ParameterIn| {
        operation.parameters.iter().flatten().any(|p| std::mem::discriminant(&p.parameter_in) == std::mem::discriminant(&location))
    };
    let mut extra = ResponseMap::new();
    if path.starts_with("/api/admin/") && operation.security.is_none() {
        operation.security = Some(vec![
            SecurityRequirement::new(SESSION_COOKIE_SCHEME, Vec::<String>::new()),
            SecurityRequirement::new(BEARER_SCHEME, Vec::<String>::new()),
        ]);
        extra.extend(SessionErrors::responses());
    }
    if path.starts_with(crate::guard::CLIENT_PREFIX) {
        extra.extend(ClientErrors::responses());
    }
    if has_param(ParameterIn::Path) {
        extra.extend(PathErrors::responses());
    }
    if has_param(ParameterIn::Query) {
        extra.extend(QueryErrors::responses());
    }
    if operation.request_body.is_some() {
        extra.extend(BodyErrors::responses());
    }
    for (status, response) in extra {
        operation.responses.responses.entry(status).or_insert(response);
    }
}

/// The methods of every documented path, as (segments, methods); `{param}` matches any one
/// segment, as in the router.
fn routes() -> &'static [(Vec<String>, Vec<&'static str>)] {
    static ROUTES: OnceLock<Vec<(Vec<String>, Vec<&'static str>)>> = OnceLock::new();
    ROUTES.get_or_init(|| {
        use utoipa::OpenApi as _;
        crate::openapi::ApiDoc::openapi()
            .paths
            .paths
            .iter()
            .map(|(path, item)| (path.split('/').map(str::to_owned).collect(), methods(item)))
            .collect()
    })
}

fn methods(item: &PathItem) -> Vec<&'static str> {
    let all = [
        ("GET", item.get.is_some()),
        ("PUT", item.put.is_some()),
        ("POST", item.post.is_some()),
        ("DELETE", item.delete.is_some()),
        ("PATCH", item.patch.is_some()),
    ];
    all.into_iter().filter(|(_, present)| *present).map(|(method, _)| method).collect()
}

/// The methods a documented path supports, if `path` is one (the default service answers 405
/// with them instead of 404).
pub fn allowed_methods(path: &str) -> Option<Vec<&'static str>> {
    let segments: Vec<&str> = path.split('/').collect();
    let mut allowed: Vec<&'static str> = Vec::new();
    for (template, methods) in routes() {
        let matches = template.len() == segments.len()
            && template.iter().zip(&segments).all(|(t, s)| if t.starts_with('{') { !s.is_empty() } else { t == s });
        if matches {
            allowed.extend(methods.iter().filter(|m| !allowed.contains(m)).collect::<Vec<_>>());
        }
    }
    (!allowed.is_empty()).then_some(allowed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_documented_path_knows_its_methods() {
        assert_eq!(allowed_methods("/api/admin/projects"), Some(vec!["GET", "POST"]));
        assert_eq!(allowed_methods("/api/admin/projects/7"), Some(vec!["GET", "PUT"]));
        assert_eq!(allowed_methods("/api/admin/projects/7/nothing"), None);
        assert_eq!(allowed_methods("/api/admin/projects//rotate-secret"), None);
    }

    /// Every `pattern` string anywhere in the document.
    fn patterns(value: &serde_json::Value, found: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, value) in map {
                    match (key.as_str(), value) {
                        ("pattern", serde_json::Value::String(p)) => found.push(p.clone()),
                        _ => patterns(value, found),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| patterns(v, found)),
            _ => {}
        }
    }

    /// `\s` and `\S` mean other sets in the fuzzer's regex engine than in Rust's `trim` and
    /// `char::is_whitespace` (U+0085 and U+001C..U+001F differ): a `\S` "not blank" rule then
    /// admits a title of one NEL, which the handler refuses as blank. Patterns spell whitespace
    /// out (`WHITESPACE_CLASS`); `[\s\S]`, "any character", means the same everywhere.
    #[test]
    fn declared_patterns_spell_whitespace_out_and_compile() {
        use utoipa::OpenApi as _;
        let doc = serde_json::to_value(crate::openapi::ApiDoc::openapi()).unwrap_or_default();
        let mut found = Vec::new();
        patterns(&doc, &mut found);
        assert!(found.len() > 20, "the walk found only {} patterns", found.len());
        for pattern in &found {
            let without_any = pattern.replace(r"[\s\S]", "");
            assert!(!without_any.contains(r"\s") && !without_any.contains(r"\S"), "a bare \\s or \\S in {pattern}");
            assert!(regex::Regex::new(pattern).is_ok(), "{pattern} does not compile");
        }
    }

    #[test]
    fn every_admin_operation_but_the_public_ones_needs_a_session() {
        use utoipa::OpenApi as _;
        let doc = crate::openapi::ApiDoc::openapi();
        let public = ["/api/admin/bootstrap", "/api/admin/session"];
        for (path, item) in doc.paths.paths.iter() {
            for operation in [&item.get, &item.put, &item.post, &item.delete].into_iter().flatten() {
                let open = operation.security.as_ref().is_some_and(|s| s.iter().any(|r| *r == SecurityRequirement::default()));
                let has_401 = operation.responses.responses.contains_key("401");
                if path.starts_with("/api/admin/") && !open {
                    assert!(has_401, "{path} needs a session but does not declare 401");
                }
                if path == public[0] {
                    assert!(open, "{path} must be open");
                }
            }
        }
    }
}
