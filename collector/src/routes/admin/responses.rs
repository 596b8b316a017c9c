//! Stored answers: filtered listing as JSON or CSV.

use crate::extract::Query;
use crate::auth::AdminSession;
use crate::error::{ApiError, ApiResult};
use crate::state::State;
use actix_web::{HttpResponse, get, http::header, web};
use nps_core::wire::ResponseRow;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list).service(dead_letters);
}

use crate::disclosure::scope::Filters;

fn csv_of(rows: &[ResponseRow]) -> ApiResult<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| ApiError::Internal(e.into());
    writer
        .write_record([
            "id", "survey_id", "created_at", "user_id", "score", "band", "comment", "account_id", "role", "language", "device",
            "trigger", "sampling_rate_bp", "attributes", "extra_answers",
        ])
        .map_err(io)?;
    for r in rows {
        let created = chrono::DateTime::from_timestamp_millis(r.created_at).map(|t| t.to_rfc3339()).unwrap_or_default();
        writer
            .write_record(crate::csv_safe::row([
                r.id.clone(),
                r.survey_id.to_string(),
                created,
                r.user_id.clone(),
                r.score.map(|s| s.to_string()).unwrap_or_default(),
                r.band.map(|b| b.as_str().to_owned()).unwrap_or_default(),
                r.comment.clone().unwrap_or_default(),
                r.account_id.clone().unwrap_or_default(),
                r.role.clone().unwrap_or_default(),
                r.language.clone().unwrap_or_default(),
                r.device.clone().unwrap_or_default(),
                r.trigger.clone().unwrap_or_default(),
                r.sampling_rate_bp.map(|s| s.to_string()).unwrap_or_default(),
                serde_json::Value::Object(r.attributes.clone()).to_string(),
                serde_json::Value::Object(r.extra_answers.clone()).to_string(),
            ]))
            .map_err(io)?;
    }
    let bytes = writer.into_inner().map_err(|e| ApiError::Internal(anyhow::anyhow!("csv: {e}")))?;
    String::from_utf8(bytes).map_err(|e| ApiError::Internal(e.into()))
}

/// Answers, newest first, as JSON or (`format=csv`) as a CSV download of exactly the rows the
/// filters select.
#[utoipa::path(tag = "admin", params(Filters), responses((status = 200, content((Vec<ResponseRow> = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), (status = 403, body = nps_core::ApiErrorBody)))]
#[get("/api/admin/responses")]
pub async fn list(state: State, session: AdminSession, filters: Query<Filters>) -> ApiResult<HttpResponse> {
    let query = crate::disclosure::open_query(&state, &session, &filters, "answer rows and exports").await?;
    let rows = state.store.list_responses(&query).await?;
    match filters.format.as_deref() {
        Some("csv") => Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
            .insert_header((header::CONTENT_DISPOSITION, "attachment; filename=\"responses.csv\""))
            .body(csv_of(&rows)?)),
        Some("xlsx") => Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
            .insert_header((header::CONTENT_DISPOSITION, "attachment; filename=\"responses.xlsx\""))
            .body(super::export_xlsx::xlsx_of(&rows)?)),
        None | Some("" | "json") => Ok(HttpResponse::Ok().json(rows)),
        Some(other) => Err(ApiError::invalid(format!("format must be json, csv or xlsx (got `{other}`)"))),
    }
}

/// Records the database refused, with the reason (owners and admins).
#[utoipa::path(tag = "admin", responses((status = 200, body = Vec<crate::store::DeadLetter>)))]
#[get("/api/admin/dead-letters")]
pub async fn dead_letters(state: State, session: AdminSession) -> ApiResult<HttpResponse> {
    session.require_configure()?;
    Ok(HttpResponse::Ok().json(state.store.list_dead_letters(1_000).await?))
}
