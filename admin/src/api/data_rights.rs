//! Data subject requests of one project (owners and admins): export or erase one respondent.
//! The respondent goes in the POST body, never in a URL.

use super::*;
use serde_json::Value;

/// Whom a request is about: the host app's user id (or a campaign recipient id), or an e-mail
/// address (campaign recipients with it, and users whose identity attribute `email` is it).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Respondent {
    UserId(String),
    Email(String),
}

/// Everything held about the respondent in the project, one section per kind of record.
pub async fn export_respondent(project_id: i64, who: &Respondent) -> ApiResult<Value> {
    call("POST", &format!("/api/admin/projects/{project_id}/respondents/export"), json(who)).await
}

/// Erases the respondent everywhere in the project: `erased` counts the records per kind.
pub async fn erase_respondent(project_id: i64, who: &Respondent) -> ApiResult<Value> {
    call("POST", &format!("/api/admin/projects/{project_id}/respondents/erase"), json(who)).await
}

/// Runs the project's retention now (the collector also runs it hourly). 409 when the project
/// keeps answers for ever.
pub async fn run_retention(project_id: i64) -> ApiResult<nps_core::wire::RetentionCounts> {
    call("POST", &format!("/api/admin/projects/{project_id}/retention/run"), None).await
}
