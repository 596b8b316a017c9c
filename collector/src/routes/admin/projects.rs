//! Projects: public key, allowed origins, identity verification.

use crate::auth::AdminSession;
use crate::error::{ApiError, ApiResult};
use crate::extract::JsonBody;
use crate::ingest::now_ms;
use crate::state::State;
use actix_web::{HttpResponse, get, post, put, web};
use nps_core::wire::{Project, ProjectInput};
use rand::Rng;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list).service(create).service(get_one).service(update).service(rotate_secret).service(activity);
}

fn random_token(prefix: &str, bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill(buf.as_mut_slice());
    format!("{prefix}{}", hex::encode(buf))
}

fn check(input: &ProjectInput) -> ApiResult<()> {
    if input.retention_months.is_some_and(|m| !(1..=120).contains(&m)) {
        return Err(ApiError::invalid("retention_months must be 1 to 120, or absent to keep answers"));
    }
    Ok(())
}

/// Hides the identity secret from roles that cannot configure.
fn visible(session: &AdminSession, mut project: Project) -> Project {
    if !session.role.can_configure() {
        project.identity_secret = None;
    }
    project
}

#[utoipa::path(tag = "admin", responses((status = 200, body = Vec<Project>)))]
#[get("/api/admin/projects")]
pub async fn list(state: State, session: AdminSession) -> ApiResult<HttpResponse> {
    let projects: Vec<Project> = state.store.list_projects().await?.into_iter().map(|p| visible(&session, p)).collect();
    Ok(HttpResponse::Ok().json(projects))
}

#[utoipa::path(tag = "admin", request_body = ProjectInput, responses((status = 201, body = Project), (status = 403, body = nps_core::ApiErrorBody)))]
#[post("/api/admin/projects")]
pub async fn create(state: State, session: AdminSession, body: JsonBody<ProjectInput>) -> ApiResult<HttpResponse> {
    session.require_configure()?;
    check(&body.0)?;
    let project = state
        .store
        .create_project(&body.0, &random_token("pk_", 12), &random_token("", 32), now_ms())
        .await?;
    Ok(HttpResponse::Created().json(project))
}

#[utoipa::path(tag = "admin", params(("id" = i64, Path)), responses((status = 200, body = Project), (status = 404, body = nps_core::ApiErrorBody)))]
#[get("/api/admin/projects/{id}")]
pub async fn get_one(state: State, session: AdminSession, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let project = state.store.get_project(*id).await?.ok_or_else(|| ApiError::not_found("project"))?;
    Ok(HttpResponse::Ok().json(visible(&session, project)))
}

#[utoipa::path(tag = "admin", params(("id" = i64, Path)), request_body = ProjectInput, responses((status = 200, body = Project)))]
#[put("/api/admin/projects/{id}")]
pub async fn update(state: State, session: AdminSession, id: web::Path<i64>, body: JsonBody<ProjectInput>) -> ApiResult<HttpResponse> {
    session.require_configure()?;
    check(&body.0)?;
    let project = state.store.update_project(*id, &body.0).await?.ok_or_else(|| ApiError::not_found("project"))?;
    state.projects.invalidate_all();
    Ok(HttpResponse::Ok().json(project))
}

/// Replaces the identity-verification secret; tokens signed with the old one stop working.
#[utoipa::path(tag = "admin", params(("id" = i64, Path)), responses((status = 200, body = Project)))]
#[post("/api/admin/projects/{id}/rotate-secret")]
pub async fn rotate_secret(state: State, session: AdminSession, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    session.require_configure()?;
    let project = state
        .store
        .set_identity_secret(*id, &random_token("", 32))
        .await?
        .ok_or_else(|| ApiError::not_found("project"))?;
    state.projects.invalidate_all();
    Ok(HttpResponse::Ok().json(project))
}

/// "Check installation": the last requests the project's widget made to this collector and
/// what became of them (newest first), so a refused origin or a missing identity token shows
/// up at once. Kept in memory by each collector process.
#[utoipa::path(tag = "admin", params(("id" = i64, Path)), responses((status = 200, body = Vec<crate::activity::ActivityEntry>)))]
#[get("/api/admin/projects/{id}/activity")]
pub async fn activity(state: State, session: AdminSession, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    session.require_configure()?;
    let project = state.store.get_project(*id).await?.ok_or_else(|| ApiError::not_found("project"))?;
    Ok(HttpResponse::Ok().json(state.activity.recent(&project.public_key)))
}
