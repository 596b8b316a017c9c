//! What one request's audit entry says, and whether it gets one: pure functions of the
//! request's method, route, status and what its processing noted.

use super::Actor;
use crate::store::audit::AuditRecord;
use actix_web::HttpRequest;
use actix_web::http::{Method, header};
use nps_core::wire::AuditKind;
use std::collections::BTreeMap;

/// The longest user agent kept, in characters.
pub const MAX_USER_AGENT_CHARS: usize = 200;

/// Path parameters recorded with their value. Any other (a token, or a parameter a future
/// route adds) is recorded by name only, so a secret or a personal identifier in a path never
/// reaches the log.
const RECORDED_PARAMS: [&str; 4] = ["id", "response_id", "dimension", "account"];

/// Longest parameter value kept (ids are far shorter).
const MAX_PARAM_CHARS: usize = 128;

/// Routes that hand out data in bulk whatever their format: the personal links of a campaign.
const EXPORT_ROUTES: [&str; 1] = ["/api/admin/campaigns/{id}/links"];

/// Export formats recorded in the target (`?format=`); other values are not recorded.
const FORMATS: [&str; 3] = ["csv", "xlsx", "json"];

/// Sign-in: its failures are recorded although nobody is signed in.
const SIGN_IN: &str = "/api/admin/session";

/// The routes anyone may `POST` to without a session (sign-in, the first owner, a reset link,
/// an invitation). Without a session they are the only requests recorded, and only when they
/// did something (2xx) or, at sign-in, checked a password and found it wrong (401). Each of
/// those cost the collector a password hash and a sign-in counts toward the lockout, so a
/// stranger cannot add entries faster than hashing allows; refusals that cost nothing (429
/// while locked out, a bad body, a link that is not valid, a second bootstrap) are not kept.
const ANONYMOUS_ROUTES: [&str; 4] = [SIGN_IN, "/api/admin/bootstrap", "/api/admin/password-resets/{token}", "/api/admin/invitations/accept"];

/// What is known of the request before it is handled.
#[derive(Debug, Clone)]
pub struct RequestFacts {
    pub method: Method,
    /// The route pattern, e.g. `/api/admin/projects/{id}`; none when no route matches.
    pub pattern: Option<String>,
    pub client_addr: Option<String>,
    pub user_agent: Option<String>,
    /// A known export format asked for with `?format=`.
    pub format: Option<&'static str>,
}

#[derive(serde::Deserialize)]
struct FormatParam {
    format: Option<String>,
}

impl RequestFacts {
    pub fn of(req: &HttpRequest) -> Self {
        let format = crate::extract::parse_query::<FormatParam>(req.query_string())
            .ok()
            .and_then(|q| q.format)
            .and_then(|f| FORMATS.into_iter().find(|known| *known == f));
        Self {
            method: req.method().clone(),
            pattern: req.match_pattern(),
            // No trusted-proxy setting exists, so a forwarded header could be anyone's claim:
            // the connection's peer is what is recorded.
            client_addr: req.peer_addr().map(|a| a.ip().to_string()),
            user_agent: req.headers().get(header::USER_AGENT).map(|v| bounded_user_agent(&String::from_utf8_lossy(v.as_bytes()))),
            format,
        }
    }
}

/// The user a validly signed admin session of the request names (bearer token first, then the
/// cookie, as the session extractor reads them), not looked up: for the entry of a request
/// refused 401 because that session was revoked. A token that is not ours names nobody.
pub fn signed_user(req: &HttpRequest) -> Option<Actor> {
    let state = req.app_data::<actix_web::web::Data<crate::state::AppState>>()?;
    let bearer = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    let token = bearer.map(str::to_owned).or_else(|| req.cookie(crate::tokens::SESSION_COOKIE).map(|c| c.value().to_owned()))?;
    let claims = state.keys.verify_admin(&token)?;
    Some(Actor { id: claims.sub.parse().ok()?, email: claims.email, role: claims.role })
}

/// The user agent without control characters, cut to [`MAX_USER_AGENT_CHARS`].
pub fn bounded_user_agent(raw: &str) -> String {
    raw.chars().filter(|c| !c.is_control()).take(MAX_USER_AGENT_CHARS).collect()
}

/// The matched route's path parameters, as matched (see [`recorded_value`] for what is kept).
pub fn path_params(req: &HttpRequest) -> Vec<(String, String)> {
    req.match_info().iter().map(|(name, value)| (name.to_owned(), value.to_owned())).collect()
}

/// What the log keeps of a path parameter: the value of an allow-listed one, cut to
/// [`MAX_PARAM_CHARS`]; for any other only that it was there.
fn recorded_value(name: &str, value: &str) -> String {
    if RECORDED_PARAMS.contains(&name) { value.chars().take(MAX_PARAM_CHARS).collect() } else { "(not recorded)".to_owned() }
}

fn is_read(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn is_export(facts: &RequestFacts) -> bool {
    let pattern = facts.pattern.as_deref().unwrap_or_default();
    pattern.ends_with("/export") || pattern.ends_with(".csv") || EXPORT_ROUTES.contains(&pattern) || facts.format.is_some()
}

/// The kind of entry the request gets, if any. Without an actor (a request that named no user
/// by a validly signed session), only what [`ANONYMOUS_ROUTES`] describes: anyone can send
/// requests, and every entry is kept forever. With one, everything under the admin API but
/// reads of customer NPS and of configuration.
pub fn kind(facts: &RequestFacts, actor: bool, reads: &[(i64, u32)], status: u16) -> Option<AuditKind> {
    let pattern = facts.pattern.as_deref().unwrap_or_default();
    if !actor {
        let entry_point = facts.method == Method::POST && ANONYMOUS_ROUTES.contains(&pattern);
        let done = (200..300).contains(&status);
        return (entry_point && (done || (pattern == SIGN_IN && status == 401))).then_some(AuditKind::Write);
    }
    if pattern.starts_with("/api/admin/audit") {
        return Some(AuditKind::AuditRead);
    }
    if is_export(facts) {
        return Some(AuditKind::Export);
    }
    if !is_read(&facts.method) {
        return Some(AuditKind::Write);
    }
    if !reads.is_empty() {
        return Some(AuditKind::ProtectedRead);
    }
    // A 401 with an actor: a validly signed session that was revoked (signed out, disabled).
    (status == 403 || status == 401).then_some(AuditKind::Denied)
}

/// The target: path parameters (allow-listed values only), the export format, and the survey and wave of protected
/// reads, as a canonical (sorted) JSON object.
fn target(facts: &RequestFacts, params: &[(String, String)], reads: &[(i64, u32)], kind: AuditKind) -> String {
    let mut target: BTreeMap<String, String> = params.iter().map(|(k, v)| (k.clone(), recorded_value(k, v))).collect();
    if let (AuditKind::Export | AuditKind::AuditRead, Some(format)) = (kind, facts.format) {
        target.insert("format".into(), format.into());
    }
    if !reads.is_empty() {
        let join = |f: fn(&(i64, u32)) -> String| reads.iter().map(f).collect::<Vec<_>>().join(",");
        target.insert("survey_id".into(), join(|r| r.0.to_string()));
        target.insert("wave".into(), join(|r| r.1.to_string()));
    }
    serde_json::to_string(&target).unwrap_or_else(|_| "{}".to_owned())
}

/// The entry of a request (and its kind), or none when it is not recorded.
pub fn entry(
    facts: &RequestFacts,
    actor: Option<Actor>,
    reads: &[(i64, u32)],
    params: &[(String, String)],
    status: u16,
) -> Option<(AuditKind, AuditRecord)> {
    let kind = kind(facts, actor.is_some(), reads, status)?;
    let route = facts.pattern.as_deref().unwrap_or("/api/admin/(no such route)");
    let record = AuditRecord {
        at: crate::ingest::now_ms(),
        actor_id: actor.as_ref().map(|a| a.id),
        actor_email: actor.as_ref().map(|a| a.email.clone()),
        actor_role: actor.as_ref().map(|a| a.role.as_str().to_owned()),
        kind: kind.as_str().to_owned(),
        // Bounded: a route can only match a standard method, but the method is the client's.
        action: format!("{} {route}", crate::metrics::method_label(&facts.method)),
        target: target(facts, params, reads, kind),
        status: i32::from(status),
        client_addr: facts.client_addr.clone(),
        user_agent: facts.user_agent.clone(),
    };
    Some((kind, record))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nps_core::wire::AdminRole;

    fn facts(method: Method, pattern: &str, format: Option<&'static str>) -> RequestFacts {
        RequestFacts { method, pattern: Some(pattern.to_owned()), client_addr: Some("127.0.0.1".into()), user_agent: None, format }
    }

    fn owner() -> Option<Actor> {
        Some(Actor { id: 1, email: "owner@example.com".into(), role: AdminRole::Owner })
    }

    #[test]
    fn writes_exports_protected_reads_and_denials_are_recorded_and_plain_reads_are_not() {
        let get = |p: &str| facts(Method::GET, p, None);
        assert_eq!(kind(&facts(Method::PUT, "/api/admin/projects/{id}", None), true, &[], 200), Some(AuditKind::Write));
        assert_eq!(kind(&facts(Method::GET, "/api/admin/responses", Some("csv")), true, &[], 200), Some(AuditKind::Export));
        assert_eq!(kind(&facts(Method::POST, "/api/admin/projects/{id}/respondents/export", None), true, &[], 200), Some(AuditKind::Export));
        assert_eq!(kind(&get("/api/admin/campaigns/{id}/links"), true, &[], 200), Some(AuditKind::Export));
        assert_eq!(kind(&get("/api/admin/reports/nps"), true, &[(3, 1)], 200), Some(AuditKind::ProtectedRead));
        assert_eq!(kind(&get("/api/admin/audit/export.csv"), true, &[], 200), Some(AuditKind::AuditRead));
        assert_eq!(kind(&get("/api/admin/reports/nps"), true, &[], 200), None, "customer NPS reads are not recorded");
        assert_eq!(kind(&get("/api/admin/users"), true, &[], 403), Some(AuditKind::Denied));
        assert_eq!(kind(&get("/api/admin/session"), true, &[], 401), Some(AuditKind::Denied), "a revoked session names its user");
    }

    #[test]
    fn without_a_session_only_sign_ins_and_entry_points_that_did_something_are_recorded() {
        let post = |p: &str| facts(Method::POST, p, None);
        assert_eq!(kind(&post("/api/admin/session"), false, &[], 401), Some(AuditKind::Write), "a wrong password");
        assert_eq!(kind(&post("/api/admin/session"), false, &[], 200), Some(AuditKind::Write));
        assert_eq!(kind(&post("/api/admin/bootstrap"), false, &[], 201), Some(AuditKind::Write));
        assert_eq!(kind(&post("/api/admin/password-resets/{token}"), false, &[], 200), Some(AuditKind::Write));
        assert_eq!(kind(&post("/api/admin/invitations/accept"), false, &[], 201), Some(AuditKind::Write));
        for (request, status) in [
            (post("/api/admin/session"), 429),
            (post("/api/admin/session"), 422),
            (post("/api/admin/bootstrap"), 409),
            (post("/api/admin/password-resets/{token}"), 401),
            (post("/api/admin/projects"), 401),
            (post("/api/admin/users/{id}"), 401),
            (facts(Method::GET, "/api/admin/session", None), 401),
            (facts(Method::GET, "/api/admin/responses", Some("csv")), 401),
            (facts(Method::DELETE, "/api/admin/session", None), 401),
            (RequestFacts { pattern: None, ..post("") }, 404),
        ] {
            assert_eq!(kind(&request, false, &[], status), None, "{request:?} {status}");
        }
    }

    #[test]
    fn the_target_keeps_allow_listed_parameters_and_never_a_token() {
        let params = vec![("token".to_owned(), "secret-token".to_owned()), ("id".to_owned(), "7".to_owned())];
        let f = facts(Method::POST, "/api/admin/password-resets/{token}", None);
        let (_, record) = entry(&f, None, &[], &params, 204).expect("a reset is recorded");
        assert_eq!(record.target, r#"{"id":"7","token":"(not recorded)"}"#);
        assert!(!record.target.contains("secret-token"));
        assert_eq!(record.action, "POST /api/admin/password-resets/{token}");
        let reads = [(3, 1), (4, 2)];
        let (_, read) = entry(&facts(Method::GET, "/api/admin/reports/compare", None), owner(), &reads, &[], 200).expect("recorded");
        assert_eq!(read.target, r#"{"survey_id":"3,4","wave":"1,2"}"#);
    }

    #[test]
    fn the_action_never_holds_an_invented_method() {
        let invented = Method::from_bytes(b"X-FLOOD-1234").expect("a valid token");
        let (_, record) = entry(&facts(invented, "/api/admin/projects/{id}", None), owner(), &[], &[], 404).expect("recorded");
        assert_eq!(record.action, "other /api/admin/projects/{id}");
    }

    #[test]
    fn user_agents_are_cut_and_lose_control_characters() {
        assert_eq!(bounded_user_agent("curl/8\r\nX: y"), "curl/8X: y");
        assert_eq!(bounded_user_agent(&"é".repeat(500)).chars().count(), MAX_USER_AGENT_CHARS);
    }
}
