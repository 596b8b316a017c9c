//! Operations: health, readiness, metrics, the OpenAPI document and a start page.

use crate::state::State;
use actix_web::{HttpResponse, get, http::header, web};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(healthz).service(readyz).service(metrics).service(index);
}

/// The process is up.
#[utoipa::path(tag = "ops", responses((status = 200)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// Ready to take writes: the spool is open. The database may be down (writes then wait in
/// the spool), which is reported but does not make the collector unready.
#[utoipa::path(tag = "ops", responses((status = 200), (status = 503)))]
#[get("/readyz")]
pub async fn readyz(state: State) -> HttpResponse {
    let database = state.store.ping().await.is_ok();
    let spool_depth = match &state.spool {
        Some(spool) => spool.depth().await.ok(),
        None => Some(0),
    };
    let ready = spool_depth.is_some() && (database || state.spool.is_some());
    let body = serde_json::json!({
        "ready": ready,
        "database": if database { "up" } else { "down" },
        "backend": state.store.dialect().name(),
        "spool_depth": spool_depth,
    });
    if ready { HttpResponse::Ok().json(body) } else { HttpResponse::ServiceUnavailable().json(body) }
}

#[get("/metrics")]
pub async fn metrics(state: State) -> HttpResponse {
    if let Some(spool) = &state.spool
        && let Ok(depth) = spool.depth().await
    {
        state.metrics.spool_depth.set(i64::try_from(depth).unwrap_or(i64::MAX));
    }
    HttpResponse::Ok().insert_header((header::CONTENT_TYPE, "text/plain; version=0.0.4")).body(state.metrics.render())
}

#[get("/")]
pub async fn index(state: State) -> HttpResponse {
    let backend = state.store.dialect().name();
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>NPS collector</title></head>\
         <body style=\"font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto\">\
         <h1>NPS collector</h1><p>Storage: {backend}. Writes are acknowledged once durable.</p>\
         <p><a href=\"/admin/\">Open the admin app</a> to set up projects and surveys and read reports \
         (on a new installation it asks for the first owner's account).</p>\
         <ul><li><a href=\"/openapi.json\">API description (OpenAPI)</a></li>\
         <li><a href=\"/readyz\">Readiness</a></li><li><a href=\"/metrics\">Metrics</a></li></ul></body></html>"
    ))
}
