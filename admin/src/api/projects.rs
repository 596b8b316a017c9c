//! Projects, their surveys and the check-installation activity.

use super::*;
pub use nps_core::wire::ActivityEntry;

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
