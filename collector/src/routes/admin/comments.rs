//! The comments of a report as an unordered set: for employee NPS the only way comments leave
//! the collector (sorted by text, with their band, without dates, attributes or identity, and
//! only for a group the disclosure layer releases).

use crate::extract::Query;
use crate::disclosure::scope::Filters;
use crate::auth::AdminSession;
use crate::disclosure::{self, Scope, release};
use crate::error::ApiResult;
use crate::state::State;
use actix_web::{HttpResponse, get, web};
use nps_core::Band;
use serde::Serialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(comments);
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Comment {
    pub band: Band,
    pub comment: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CommentSet {
    /// Too few comments (or too few people without one) to show them without exposing anyone.
    pub withheld: bool,
    /// Sorted by text: their order says nothing about who wrote them or when.
    pub comments: Vec<Comment>,
}

/// The comments the filters select, as a set.
#[utoipa::path(tag = "admin", params(Filters), responses((status = 200, body = CommentSet), (status = 403, body = nps_core::ApiErrorBody)))]
#[get("/api/admin/reports/comments")]
pub async fn comments(state: State, session: AdminSession, filters: Query<Filters>) -> ApiResult<HttpResponse> {
    let pairs = match disclosure::scope(&state, &session, &filters).await? {
        Scope::Protected(universe) => release::comments(&state, &universe).await?,
        Scope::Open(mut query) => {
            query.has_comment = Some(true);
            let rows = state.store.list_responses(&query).await?;
            let mut pairs: Vec<(Band, String)> = rows.into_iter().filter_map(|r| Some((r.band?, r.comment?))).collect();
            pairs.sort_by(|a, b| a.1.cmp(&b.1));
            Some(pairs)
        }
    };
    Ok(HttpResponse::Ok().json(CommentSet {
        withheld: pairs.is_none(),
        comments: pairs.unwrap_or_default().into_iter().map(|(band, comment)| Comment { band, comment }).collect(),
    }))
}
