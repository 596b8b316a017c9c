//! The OpenAPI document is the contract of the HTTP API (`docs/api-contract.md`). This module
//! holds what every operation shares, so that no handler repeats it:
//!
//! - the error answers a whole class of operations can give ([`SessionErrors`],
//!   [`BodyErrors`], [`PathErrors`], [`QueryErrors`], [`ClientErrors`]), as `IntoResponses`
//!   sets that [`Contract`] adds to every operation of the class when the document is built;
//! - the admin session as a security requirement: every `/api/admin` operation needs it unless
//!   its annotation opts out with `security(())`, so a new admin endpoint is protected in the
//!   document by default, as it is in code (its handler takes `AdminSession`).
//!
//! The document itself, and the 405 answers derived from it, are in `crate::openapi`, above
//! the handlers; this module is below them.

use nps_core::ApiErrorBody;
use std::collections::BTreeMap;
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
                crate::tokens::SESSION_COOKIE,
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
