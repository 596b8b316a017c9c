//! Closing the loop: follow-ups and their policy, loop metrics, accounts at risk, actions.

use super::*;
pub use nps_core::wire::AtRiskReport;

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

pub async fn at_risk(project_id: i64) -> ApiResult<AtRiskReport> {
    call("GET", &format!("/api/admin/accounts/at-risk?project_id={project_id}"), None).await
}

/// One account over time: NPS per wave, risk reasons, business data, answers.
pub async fn account_timeline(
    project_id: i64,
    account: &str,
) -> ApiResult<nps_core::wire::AccountTimelineReport> {
    call(
        "GET",
        &format!(
            "/api/admin/accounts/{}/timeline?project_id={project_id}",
            encode(account)
        ),
        None,
    )
    .await
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

pub async fn followup_policy(project_id: i64) -> ApiResult<nps_core::followup::FollowUpPolicy> {
    call("GET", &format!("/api/admin/projects/{project_id}/followup-policy"), None).await
}

pub async fn set_followup_policy(project_id: i64, policy: &nps_core::followup::FollowUpPolicy) -> ApiResult<nps_core::followup::FollowUpPolicy> {
    call("PUT", &format!("/api/admin/projects/{project_id}/followup-policy"), json(policy)).await
}
