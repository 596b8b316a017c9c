//! Typed client of the collector's admin API.
//!
//! Every call returns `Result<T, ApiError>`; an error carries the collector's
//! [`ErrorCode`] and message (`{code, message}` bodies), so pages can show the message next to
//! the form. Requests go to the same origin with the session cookie; state-changing ones also
//! carry the CSRF token from the sign-in answer, kept in memory and in sessionStorage (so a
//! reload keeps working, and a new tab asks to sign in again).

use nps_core::wire::{
    Credentials, NpsReport, Project, ProjectInput, ResponseRow, SessionInfo, Survey, SurveyInput,
};
use nps_core::{ApiErrorBody, ErrorCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
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

async fn call<T: DeserializeOwned>(method: &str, url: &str, body: Option<String>) -> ApiResult<T> {
    let (status, text) = send(method, url, body).await?;
    if !(200..300).contains(&status) {
        let error = error_of(status, &text);
        if error.code == ErrorCode::Unauthorized {
            crate::on_unauthorized();
        }
        return Err(error);
    }
    let text = if text.trim().is_empty() { "null" } else { &text };
    serde_json::from_str(text).map_err(|e| ApiError {
        status,
        code: ErrorCode::Internal,
        message: format!("unexpected answer from the collector: {e}"),
    })
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

// --- sessions -------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Me {
    pub email: String,
    pub role: nps_core::wire::AdminRole,
}

pub async fn bootstrap(credentials: &Credentials) -> ApiResult<()> {
    call::<serde_json::Value>("POST", "/api/admin/bootstrap", json(credentials)).await.map(|_| ())
}

pub async fn sign_in(credentials: &Credentials) -> ApiResult<SessionInfo> {
    let session: SessionInfo = call("POST", "/api/admin/session", json(credentials)).await?;
    set_csrf(Some(session.csrf_token.clone()));
    Ok(session)
}

pub async fn whoami() -> ApiResult<Me> {
    call("GET", "/api/admin/session", None).await
}

pub async fn sign_out() -> ApiResult<()> {
    let result = call::<serde_json::Value>("DELETE", "/api/admin/session", None).await.map(|_| ());
    set_csrf(None);
    result
}

// --- projects and surveys -------------------------------------------------------------------

pub async fn projects() -> ApiResult<Vec<Project>> {
    call("GET", "/api/admin/projects", None).await
}

pub async fn project(id: i64) -> ApiResult<Project> {
    call("GET", &format!("/api/admin/projects/{id}"), None).await
}

pub async fn create_project(input: &ProjectInput) -> ApiResult<Project> {
    call("POST", "/api/admin/projects", json(input)).await
}

pub async fn rotate_secret(id: i64) -> ApiResult<Project> {
    call("POST", &format!("/api/admin/projects/{id}/rotate-secret"), None).await
}

/// One request the project's widget made to the collector ("check installation").
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ActivityEntry {
    pub at: i64,
    pub endpoint: String,
    pub method: String,
    pub status: u16,
    pub origin: Option<String>,
}

/// The last requests of the project's widget, newest first.
pub async fn activity(project_id: i64) -> ApiResult<Vec<ActivityEntry>> {
    call("GET", &format!("/api/admin/projects/{project_id}/activity"), None).await
}

pub async fn surveys(project_id: i64) -> ApiResult<Vec<Survey>> {
    call("GET", &format!("/api/admin/projects/{project_id}/surveys"), None).await
}

pub async fn survey(id: i64) -> ApiResult<Survey> {
    call("GET", &format!("/api/admin/surveys/{id}"), None).await
}

pub async fn create_survey(project_id: i64, input: &SurveyInput) -> ApiResult<Survey> {
    call("POST", &format!("/api/admin/projects/{project_id}/surveys"), json(input)).await
}

pub async fn update_survey(id: i64, input: &SurveyInput) -> ApiResult<Survey> {
    call("PUT", &format!("/api/admin/surveys/{id}"), json(input)).await
}

// --- answers and reports --------------------------------------------------------------------

/// The filters of the responses listing (and of its CSV export).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResponseFilters {
    pub survey_id: i64,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub band: String,
    pub has_comment: Option<bool>,
    pub q: String,
}

impl ResponseFilters {
    pub fn url(&self, csv: bool) -> String {
        let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        let q = query(&[
            ("survey_id", self.survey_id.to_string()),
            ("from", opt(self.from)),
            ("to", opt(self.to)),
            ("band", self.band.clone()),
            ("has_comment", self.has_comment.map(|b| b.to_string()).unwrap_or_default()),
            ("q", self.q.clone()),
            ("limit", if csv { "100000".to_owned() } else { "500".to_owned() }),
            ("format", if csv { "csv".to_owned() } else { String::new() }),
        ]);
        format!("/api/admin/responses{q}")
    }
}

impl ResponseFilters {
    /// The export of exactly these filters as an Excel workbook.
    pub fn xlsx_url(&self) -> String {
        self.url(true).replace("format=csv", "format=xlsx")
    }
}

pub async fn responses(filters: &ResponseFilters) -> ApiResult<Vec<ResponseRow>> {
    call("GET", &filters.url(false), None).await
}

/// The report filters beyond the date range (empty = not applied).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportFilters {
    /// `detractor`, `passive` or `promoter`.
    pub band: String,
    /// `true` or `false`.
    pub has_comment: String,
    /// Text the comment contains.
    pub text: String,
    /// `key:value` pairs joined by `;`.
    pub attr: String,
    /// `every_response` or `latest_per_user`.
    pub counting: String,
    /// Keep the answers of internal / test users (left out by default).
    pub include_internal: bool,
}

impl ReportFilters {
    fn pairs(&self) -> Vec<(&'static str, String)> {
        vec![
            ("band", self.band.clone()),
            ("has_comment", self.has_comment.clone()),
            ("q", self.text.clone()),
            ("attr", self.attr.clone()),
            ("counting", self.counting.clone()),
            ("exclude_internal", if self.include_internal { "false".to_owned() } else { String::new() }),
        ]
    }
}

pub async fn nps_report(
    survey_id: i64,
    from: Option<i64>,
    to: Option<i64>,
    granularity: &str,
    filters: &ReportFilters,
) -> ApiResult<NpsReport> {
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let mut pairs = vec![
        ("survey_id", survey_id.to_string()),
        ("from", opt(from)),
        ("to", opt(to)),
        ("granularity", granularity.to_owned()),
    ];
    pairs.extend(filters.pairs());
    let q = query(&pairs);
    call("GET", &format!("/api/admin/reports/nps{q}"), None).await
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RuleCount {
    pub rule: String,
    pub users: u64,
    pub decisions: u64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Exclusions {
    pub rules: Vec<RuleCount>,
}

pub async fn exclusions(survey_id: i64, from: Option<i64>, to: Option<i64>) -> ApiResult<Exclusions> {
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let q = query(&[("survey_id", survey_id.to_string()), ("from", opt(from)), ("to", opt(to))]);
    call("GET", &format!("/api/admin/reports/exclusions{q}"), None).await
}

/// The survey filter of the report endpoints: `survey_id`, `from`, `to` (unix ms).
fn report_query(survey_id: i64, from: Option<i64>, to: Option<i64>, extra: &[(&str, String)]) -> String {
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let mut pairs = vec![("survey_id", survey_id.to_string()), ("from", opt(from)), ("to", opt(to))];
    pairs.extend(extra.iter().cloned());
    query(&pairs)
}

// --- segments -------------------------------------------------------------------------------

/// One segment of a breakdown (`GET /api/admin/reports/segments`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Segment {
    /// The dimension's value; absent when the answers lack it.
    pub value: Option<String>,
    /// Absent when suppressed (employee NPS anonymity).
    pub summary: Option<nps_core::wire::NpsSummary>,
    /// This segment against all other answers.
    pub vs_rest: Option<nps_core::Comparison>,
    pub small: bool,
    pub suppressed: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SegmentReport {
    pub by: String,
    pub min_n: u64,
    pub overall: nps_core::wire::NpsSummary,
    pub segments: Vec<Segment>,
    /// Employee NPS: the disclosure rules applied.
    #[serde(default)]
    pub disclosure: Option<nps_core::disclosure::Disclosure>,
}

/// `by`: `attr:<key>`, `role`, `account`, `trigger`, `language`, `device` or `survey`.
pub async fn segments(
    survey_id: i64,
    from: Option<i64>,
    to: Option<i64>,
    by: &str,
    min_n: u64,
    filters: &ReportFilters,
) -> ApiResult<SegmentReport> {
    let mut extra = vec![("by", by.to_owned()), ("min_n", min_n.to_string())];
    extra.extend(filters.pairs());
    let q = report_query(survey_id, from, to, &extra);
    call("GET", &format!("/api/admin/reports/segments{q}"), None).await
}

// --- B2B roll-ups ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AccountRollups {
    pub every_response: nps_core::wire::NpsSummary,
    pub per_account: nps_core::rollup::AccountAverage,
    pub decision_maker_first: nps_core::wire::NpsSummary,
    pub per_role: std::collections::BTreeMap<String, nps_core::wire::NpsSummary>,
    pub without_account: u64,
}

/// `account`: `account` or `attr:<key>`; `role`: `role` or `attr:<key>` (empty = default).
pub async fn account_rollups(survey_id: i64, from: Option<i64>, to: Option<i64>, account: &str, role: &str) -> ApiResult<AccountRollups> {
    let q = report_query(survey_id, from, to, &[("account", account.to_owned()), ("role", role.to_owned())]);
    call("GET", &format!("/api/admin/reports/accounts{q}"), None).await
}

// --- eligibility explanation ----------------------------------------------------------------

/// A decision as it was logged when the widget asked.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LoggedDecision {
    pub eligible: bool,
    pub rule: String,
    pub detail: String,
    pub retry_after: Option<i64>,
    pub sampling_rate_bp: u32,
    pub display_id: Option<String>,
    pub trigger: Option<String>,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Explanation {
    pub survey_id: i64,
    pub user_id: String,
    pub at: i64,
    pub decision: nps_core::eligibility::Decision,
    pub blocking: Vec<nps_core::eligibility::Decision>,
    pub logged: Option<LoggedDecision>,
}

/// Why `user_id` was (not) asked `survey_id` at `at` (now when `None`).
pub async fn explain(survey_id: i64, user_id: &str, at: Option<i64>) -> ApiResult<Explanation> {
    let q = query(&[
        ("survey_id", survey_id.to_string()),
        ("user_id", user_id.to_owned()),
        ("at", at.map(|a| a.to_string()).unwrap_or_default()),
    ]);
    call("GET", &format!("/api/admin/explain{q}"), None).await
}

// --- follow-ups -----------------------------------------------------------------------------

pub async fn followups(project_id: i64) -> ApiResult<Vec<nps_core::followup::FollowUpItem>> {
    call("GET", &format!("/api/admin/followups?project_id={project_id}"), None).await
}

pub async fn update_followup(
    response_id: &str,
    update: &nps_core::followup::FollowUpUpdate,
) -> ApiResult<nps_core::followup::FollowUpItem> {
    call("POST", &format!("/api/admin/followups/{}", encode(response_id)), json(update)).await
}

pub async fn loop_metrics(project_id: i64) -> ApiResult<nps_core::followup::LoopMetrics> {
    call("GET", &format!("/api/admin/reports/loop?project_id={project_id}"), None).await
}

// --- invitations ----------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InvitationRequest {
    pub email: String,
    pub role: nps_core::wire::AdminRole,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Invitation {
    pub email: String,
    pub role: nps_core::wire::AdminRole,
    pub invited_by: String,
    pub expires_at: i64,
    pub token: String,
    pub accept_path: String,
}

pub async fn invite(request: &InvitationRequest) -> ApiResult<Invitation> {
    call("POST", "/api/admin/invitations", json(request)).await
}

/// What an invitation link is for (no session needed).
pub async fn check_invitation(token: &str) -> ApiResult<Invitation> {
    call("GET", &format!("/api/admin/invitations/check{}", query(&[("token", token.to_owned())])), None).await
}

/// Creates the invited user with `password`; sign in afterwards.
pub async fn accept_invitation(token: &str, password: &str) -> ApiResult<Me> {
    call("POST", "/api/admin/invitations/accept", json(&serde_json::json!({ "token": token, "password": password }))).await
}

// --- accounts at risk and the action log ----------------------------------------------------

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AtRiskReport {
    pub as_of: i64,
    pub wave: String,
    pub accounts_considered: u64,
    pub accounts: Vec<nps_core::churn::signals::AtRiskAccount>,
    #[serde(default)]
    pub silent_without_account: Vec<nps_core::churn::signals::SilentDetractor>,
}

pub async fn at_risk(project_id: i64) -> ApiResult<AtRiskReport> {
    call("GET", &format!("/api/admin/accounts/at-risk?project_id={project_id}"), None).await
}

pub async fn actions(project_id: i64) -> ApiResult<Vec<nps_core::actions::Action>> {
    call("GET", &format!("/api/admin/actions?project_id={project_id}"), None).await
}

pub async fn create_action(input: &nps_core::actions::ActionInput) -> ApiResult<nps_core::actions::Action> {
    call("POST", "/api/admin/actions", json(input)).await
}

/// "Has an NPS insight changed anything in the last `days` days?"
pub async fn recent_actions(project_id: i64, days: u32) -> ApiResult<nps_core::actions::RecentActions> {
    call("GET", &format!("/api/admin/reports/actions?project_id={project_id}&days={days}"), None).await
}

// --- webhooks and the delivery log ----------------------------------------------------------

pub async fn webhooks(project_id: i64) -> ApiResult<Vec<nps_core::webhooks::Webhook>> {
    call("GET", &format!("/api/admin/projects/{project_id}/webhooks"), None).await
}

pub async fn create_webhook(project_id: i64, input: &nps_core::webhooks::WebhookInput) -> ApiResult<nps_core::webhooks::Webhook> {
    call("POST", &format!("/api/admin/projects/{project_id}/webhooks"), json(input)).await
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Enqueued {
    pub message_id: String,
}

/// Sends a `webhook.test` event through the outbox.
pub async fn test_webhook(id: i64) -> ApiResult<Enqueued> {
    call("POST", &format!("/api/admin/webhooks/{id}/test"), None).await
}

/// The delivery log of a project, newest first; `status` empty = every status.
pub async fn deliveries(project_id: i64, status: &str) -> ApiResult<Vec<nps_core::webhooks::DeliveryRow>> {
    let q = query(&[("project_id", project_id.to_string()), ("status", status.to_owned()), ("limit", "200".to_owned())]);
    call("GET", &format!("/api/admin/deliveries{q}"), None).await
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AdminUser {
    pub id: i64,
    pub email: String,
    pub role: nps_core::wire::AdminRole,
    pub status: nps_core::wire::AdminUserStatus,
    pub created_at: i64,
}

/// Every admin user (owners and admins may list them).
pub async fn users() -> ApiResult<Vec<AdminUser>> {
    call("GET", "/api/admin/users", None).await
}

// --- user lifecycle (owners; reset links also admins, for non-owners) -----------------------

/// Disables (sign-in refused, sessions ended) or re-enables a user.
pub async fn set_user_status(id: i64, status: nps_core::wire::AdminUserStatus) -> ApiResult<()> {
    let body = nps_core::wire::StatusChange { status };
    call::<serde_json::Value>("PUT", &format!("/api/admin/users/{id}/status"), json(&body)).await.map(|_| ())
}

pub async fn set_user_role(id: i64, role: nps_core::wire::AdminRole) -> ApiResult<()> {
    let body = nps_core::wire::RoleChange { role };
    call::<serde_json::Value>("PUT", &format!("/api/admin/users/{id}/role"), json(&body)).await.map(|_| ())
}

pub async fn delete_user(id: i64) -> ApiResult<()> {
    call::<serde_json::Value>("DELETE", &format!("/api/admin/users/{id}"), None).await.map(|_| ())
}

/// A signed single-use link (24 h) that lets the user choose a new password.
pub async fn create_reset_link(id: i64) -> ApiResult<nps_core::wire::PasswordResetLink> {
    call("POST", &format!("/api/admin/users/{id}/password-resets"), None).await
}

/// Whose password a reset link sets (no session needed).
pub async fn check_reset_link(token: &str) -> ApiResult<nps_core::wire::PasswordResetLink> {
    call("GET", &format!("/api/admin/password-resets/{}", encode(token)), None).await
}

/// Sets the password with a reset link; sign in afterwards.
pub async fn use_reset_link(token: &str, password: &str) -> ApiResult<Me> {
    let body = nps_core::wire::NewPassword { password: password.to_owned() };
    call("POST", &format!("/api/admin/password-resets/{}", encode(token)), json(&body)).await
}

/// Changes the signed-in user's password. The collector ends every other session of the user
/// and re-issues this one, so the new CSRF token is kept.
pub async fn change_password(change: &nps_core::wire::PasswordChange) -> ApiResult<SessionInfo> {
    let session: SessionInfo = call("POST", "/api/admin/session/password", json(change)).await?;
    set_csrf(Some(session.csrf_token.clone()));
    Ok(session)
}

// --- campaigns (e-mail / link surveys) ------------------------------------------------------

pub async fn create_campaign(input: &nps_core::wire::CampaignInput) -> ApiResult<nps_core::wire::Campaign> {
    call("POST", "/api/admin/campaigns", json(input)).await
}

pub async fn campaign(id: i64) -> ApiResult<nps_core::wire::Campaign> {
    call("GET", &format!("/api/admin/campaigns/{id}"), None).await
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ImportResult {
    pub received: usize,
}

/// Adds recipients from CSV text (an `email` column; `name`, `language`, any other column
/// becomes an attribute).
pub async fn add_recipients_csv(id: i64, csv: &str) -> ApiResult<ImportResult> {
    call("POST", &format!("/api/admin/campaigns/{id}/recipients"), json(&serde_json::json!({ "csv": csv }))).await
}

pub async fn campaign_links(id: i64) -> ApiResult<Vec<nps_core::wire::RecipientLink>> {
    call("GET", &format!("/api/admin/campaigns/{id}/links"), None).await
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct WaveStatus {
    /// The wave number (1 = the first sending).
    pub wave: u32,
    pub invitations_sent: u64,
    pub invitations_delivered: u64,
    pub reminders_sent: u64,
    pub reminders_delivered: u64,
    pub answered: u64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CampaignStatus {
    pub delivery_active: bool,
    pub recipients: u64,
    pub waves: Vec<WaveStatus>,
    pub next_wave_at: Option<i64>,
}

/// Hands every recipient's invitation to the outbox and switches e-mail delivery on.
pub async fn campaign_send(id: i64) -> ApiResult<serde_json::Value> {
    call("POST", &format!("/api/admin/campaigns/{id}/send"), None).await
}

pub async fn campaign_status(id: i64) -> ApiResult<CampaignStatus> {
    call("GET", &format!("/api/admin/campaigns/{id}/status"), None).await
}

pub async fn alert_policy(project_id: i64) -> ApiResult<nps_core::webhooks::AlertPolicy> {
    call("GET", &format!("/api/admin/projects/{project_id}/alert-policy"), None).await
}

pub async fn set_alert_policy(project_id: i64, policy: &nps_core::webhooks::AlertPolicy) -> ApiResult<nps_core::webhooks::AlertPolicy> {
    call("PUT", &format!("/api/admin/projects/{project_id}/alert-policy"), json(policy)).await
}

/// A survey's campaigns, newest first.
pub async fn campaigns(survey_id: i64) -> ApiResult<Vec<nps_core::wire::Campaign>> {
    call("GET", &format!("/api/admin/campaigns?survey_id={survey_id}"), None).await
}

pub async fn followup_policy(project_id: i64) -> ApiResult<nps_core::followup::FollowUpPolicy> {
    call("GET", &format!("/api/admin/projects/{project_id}/followup-policy"), None).await
}

pub async fn set_followup_policy(project_id: i64, policy: &nps_core::followup::FollowUpPolicy) -> ApiResult<nps_core::followup::FollowUpPolicy> {
    call("PUT", &format!("/api/admin/projects/{project_id}/followup-policy"), json(policy)).await
}
