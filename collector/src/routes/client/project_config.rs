//! `GET config`: the project's public survey configuration, cached by ETag.

use super::*;

/// The public configuration of a project: its live in-app surveys. Cacheable; send
/// `If-None-Match` with the last ETag to get a 304.
#[utoipa::path(
    tag = "client",
    get,
    path = "/v1/p/{key}/config",
    params(("key" = String, Path, description = "Project public key")),
    responses((status = 200, body = ProjectConfig), (status = 304), (status = 404, body = nps_core::ApiErrorBody))
)]
#[get("/config")]
pub async fn config(state: State, key: web::Path<String>, req: HttpRequest) -> ApiResult<HttpResponse> {
    let project = project(&state, &key).await?;
    let unchanged = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == project.etag));
    if unchanged {
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, project.etag.clone())).finish());
    }
    let mut surveys: Vec<PublicSurvey> = project
        .surveys
        .values()
        .filter(|s| s.status == SurveyStatus::Live && s.kind.is_in_app())
        .map(|s| PublicSurvey { id: s.id, kind: s.kind, definition: s.definition.clone(), rules: s.rules.clone() })
        .collect();
    surveys.sort_by_key(|s| s.id);
    let body = ProjectConfig {
        project_key: project.project.public_key.clone(),
        identity_enforced: project.project.identity_enforced,
        surveys,
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, project.etag.clone()))
        .insert_header((header::CACHE_CONTROL, "public, max-age=60, stale-while-revalidate=600"))
        .json(body))
}
