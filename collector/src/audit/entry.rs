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

/// What is known of the request before it is handled.
#[derive(Debug, Clone)]
pub struct RequestFacts {
    pub method: Method,
    /// The route pattern, e.g. `/api/admin/projects/{id}`; none when no route matches.
    pub pattern: Option<String>,
    /// A session cookie or an `Authorization` header came with the request.
    pub credentials: bool,
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
            credentials: req.cookie(crate::tokens::SESSION_COOKIE).is_some() || req.headers().contains_key(header::AUTHORIZATION),
            // No trusted-proxy setting exists, so a forwarded header could be anyone's claim:
            // the connection's peer is what is recorded.
            client_addr: req.peer_addr().map(|a| a.ip().to_string()),
            user_agent: req.headers().get(header::USER_AGENT).map(|v| bounded_user_agent(&String::from_utf8_lossy(v.as_bytes()))),
            format,
        }
    }
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

/// The kind of entry the request gets, if any. Reads of customer NPS and of configuration are
/// not recorded; everything else under the admin API is.
pub fn kind(facts: &RequestFacts, reads: &[(i64, u32)], status: u16) -> Option<AuditKind> {
    let pattern = facts.pattern.as_deref().unwrap_or_default();
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
    // A 401 without credentials is the admin app asking whether it is signed in: noise.
    (status == 403 || (status == 401 && facts.credentials)).then_some(AuditKind::Denied)
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
    let kind = kind(facts, reads, status)?;
    let route = facts.pattern.as_deref().unwrap_or("/api/admin/(no such route)");
    let record = AuditRecord {
        at: crate::ingest::now_ms(),
        actor_id: actor.as_ref().map(|a| a.id),
        actor_email: actor.as_ref().map(|a| a.email.clone()),
        actor_role: actor.as_ref().map(|a| a.role.as_str().to_owned()),
        kind: kind.as_str().to_owned(),
        action: format!("{} {route}", facts.method),
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

    fn facts(method: Method, pattern: &str, format: Option<&'static str>) -> RequestFacts {
        RequestFacts {
            method,
            pattern: Some(pattern.to_owned()),
            credentials: false,
            client_addr: Some("127.0.0.1".into()),
            user_agent: None,
            format,
        }
    }

    #[test]
    fn writes_exports_protected_reads_and_denials_are_recorded_and_plain_reads_are_not() {
        let get = |p: &str| facts(Method::GET, p, None);
        assert_eq!(kind(&facts(Method::PUT, "/api/admin/projects/{id}", None), &[], 200), Some(AuditKind::Write));
        assert_eq!(kind(&facts(Method::POST, "/api/admin/session", None), &[], 401), Some(AuditKind::Write));
        assert_eq!(kind(&facts(Method::GET, "/api/admin/responses", Some("csv")), &[], 200), Some(AuditKind::Export));
        assert_eq!(kind(&facts(Method::POST, "/api/admin/projects/{id}/respondents/export", None), &[], 200), Some(AuditKind::Export));
        assert_eq!(kind(&get("/api/admin/campaigns/{id}/links"), &[], 200), Some(AuditKind::Export));
        assert_eq!(kind(&get("/api/admin/reports/nps"), &[(3, 1)], 200), Some(AuditKind::ProtectedRead));
        assert_eq!(kind(&get("/api/admin/audit/export.csv"), &[], 200), Some(AuditKind::AuditRead));
        assert_eq!(kind(&get("/api/admin/reports/nps"), &[], 200), None, "customer NPS reads are not recorded");
        assert_eq!(kind(&get("/api/admin/users"), &[], 403), Some(AuditKind::Denied));
        assert_eq!(kind(&get("/api/admin/session"), &[], 401), None, "an anonymous probe is not recorded");
        let presented = RequestFacts { credentials: true, ..get("/api/admin/session") };
        assert_eq!(kind(&presented, &[], 401), Some(AuditKind::Denied));
    }

    #[test]
    fn the_target_keeps_allow_listed_parameters_and_never_a_token() {
        let params = vec![("token".to_owned(), "secret-token".to_owned()), ("id".to_owned(), "7".to_owned())];
        let f = facts(Method::POST, "/api/admin/password-resets/{token}", None);
        let (_, record) = entry(&f, None, &[], &params, 204).expect("a write is recorded");
        assert_eq!(record.target, r#"{"id":"7","token":"(not recorded)"}"#);
        assert!(!record.target.contains("secret-token"));
        assert_eq!(record.action, "POST /api/admin/password-resets/{token}");
        let reads = [(3, 1), (4, 2)];
        let (_, read) = entry(&facts(Method::GET, "/api/admin/reports/compare", None), None, &reads, &[], 200).expect("recorded");
        assert_eq!(read.target, r#"{"survey_id":"3,4","wave":"1,2"}"#);
    }

    #[test]
    fn user_agents_are_cut_and_lose_control_characters() {
        assert_eq!(bounded_user_agent("curl/8\r\nX: y"), "curl/8X: y");
        assert_eq!(bounded_user_agent(&"é".repeat(500)).chars().count(), MAX_USER_AGENT_CHARS);
    }
}
