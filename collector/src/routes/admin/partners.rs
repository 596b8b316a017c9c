//! Partner organisations for partner NPS: tier, region and the owning partner manager, who
//! reads the answers of their partners only (enforced in every answer read, see
//! `disclosure::scope::scoped_query`).

use crate::auth::AdminSession;
use crate::error::{ApiError, ApiResult};
use crate::extract::JsonBody;
use crate::state::State;
use actix_web::{HttpResponse, get, post, web};
use nps_core::wire::{AdminRole, Partner, PartnerImport};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(upsert).service(list);
}

/// Adds or updates partners (by id).
#[utoipa::path(tag = "admin", params(("id" = i64, Path, description = "project id")), request_body = PartnerImport, responses((status = 200, body = Vec<Partner>)))]
#[post("/api/admin/projects/{id}/partners")]
pub async fn upsert(state: State, session: AdminSession, id: web::Path<i64>, body: JsonBody<PartnerImport>) -> ApiResult<HttpResponse> {
    session.require_configure()?;
    state.store.get_project(*id).await?.ok_or_else(|| ApiError::not_found("project"))?;
    let partners = body.0.partners;
    state.store.upsert_partners(*id, &partners).await?;
    Ok(HttpResponse::Ok().json(state.store.list_partners(Some(*id)).await?))
}

#[utoipa::path(tag = "admin", params(("id" = i64, Path, description = "project id")), responses((status = 200, body = Vec<Partner>)))]
#[get("/api/admin/projects/{id}/partners")]
pub async fn list(state: State, session: AdminSession, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let partners = state.store.list_partners(Some(*id)).await?;
    if !session.role.reads_partners() {
        return Err(ApiError::forbidden(format!(
            "the {} role cannot read partner NPS",
            session.role.as_str()
        )));
    }
    let visible: Vec<Partner> = match session.role {
        AdminRole::PartnerManager => partners
            .into_iter()
            .filter(|p| p.owner_email.as_deref() == Some(session.email.as_str()))
            .collect(),
        _ => partners,
    };
    Ok(HttpResponse::Ok().json(visible))
}
