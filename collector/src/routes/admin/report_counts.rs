//! Where report counts come from: the rollups when the query allows it, the raw rows
//! otherwise, with the same figures either way; and the exclusion of internal / test users.
//!
//! Rollups are read when the query has no band, comment or text filter, no dedupe to the
//! latest answer, no partner scoping, whole-day bounds and (for a breakdown) a dimension every
//! queried survey's project declared. Internal users are few, so their answers are counted from
//! the raw rows and subtracted from the rollups, which keeps the fast path with the exclusion
//! on.

use crate::auth::AdminSession;
use crate::error::{ApiError, ApiResult};
use crate::extract::JsonBody;
use crate::state::State;
use crate::store::rollups::{RollupDimension, UserScope, whole_days};
use crate::store::{DayCounts, Dimension, ResponseQuery};
use actix_web::{HttpResponse, delete, get, post, web};
use nps_core::BandCounts;
use nps_core::eligibility::{Subject, is_internal};
use nps_core::wire::{DeclareDimension, DimensionList};
use serde::Deserialize;
use std::collections::BTreeMap;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_dimensions).service(declare_dimension).service(drop_dimension);
}

/// Report options beyond the answer filters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ReportOptions {
    /// Leave out the answers of internal / test users: users the exclusion rule (attribute
    /// conditions or e-mail domains) of any survey of the project matches, judged on their
    /// current profile. Default `true`.
    pub exclude_internal: Option<bool>,
    /// `false` reads the raw rows even when rollups could answer (for comparison and
    /// benchmarks). Default `true`.
    pub rollups: Option<bool>,
}

impl ReportOptions {
    pub fn use_rollups(&self) -> bool {
        self.rollups.unwrap_or(true)
    }
}

/// Narrows the query to leave out internal users when asked (the default).
pub async fn apply_options(state: &State, mut query: ResponseQuery, options: &ReportOptions) -> ApiResult<ResponseQuery> {
    if options.exclude_internal.unwrap_or(true) {
        let internal = internal_users(state, &query.survey_ids).await?;
        if !internal.is_empty() {
            query.users = UserScope::Excluding(internal);
        }
    }
    Ok(query)
}

/// Per project of the surveys, the users any survey of that project treats as internal.
/// Projects without an exclusion rule cost nothing; with one, every user profile is checked.
pub async fn internal_users(state: &State, survey_ids: &[i64]) -> ApiResult<Vec<(i64, Vec<String>)>> {
    let surveys = state.store.list_surveys(None).await?;
    let mut projects: Vec<i64> = surveys.iter().filter(|s| survey_ids.contains(&s.id)).map(|s| s.project_id).collect();
    projects.sort_unstable();
    projects.dedup();
    let mut internal = Vec::new();
    for project_id in projects {
        let rules: Vec<_> = surveys
            .iter()
            .filter(|s| s.project_id == project_id)
            .map(|s| &s.rules.targeting)
            .filter(|t| !t.exclude.conditions.is_empty() || !t.exclude.email_domains.is_empty())
            .collect();
        if rules.is_empty() {
            continue;
        }
        let users: Vec<String> = state
            .store
            .user_profiles(project_id)
            .await?
            .into_iter()
            .filter(|u| {
                let subject = Subject {
                    user_key: &u.user_id,
                    user_attributes: &u.attributes,
                    account_attributes: u.account_attributes.as_ref(),
                    role: u.role.as_deref(),
                    language: u.language.as_deref(),
                    device: None,
                    email: None,
                };
                rules.iter().any(|t| is_internal(t, &subject))
            })
            .map(|u| u.user_id)
            .collect();
        if !users.is_empty() {
            internal.push((project_id, users));
        }
    }
    Ok(internal)
}

/// Whether rollups hold exactly what this query counts (before internal users).
fn rollups_fit(q: &ResponseQuery) -> bool {
    q.band.is_none()
        && q.has_comment.is_none()
        && q.attributes.is_empty()
        && q.text.as_deref().is_none_or(str::is_empty)
        && !q.latest_per_user
        && q.partners.is_none()
        && !matches!(q.users, UserScope::Only(_))
        && whole_days(q).is_some()
}

/// The query for the answers the rollups count but the report leaves out.
fn left_out(q: &ResponseQuery) -> Option<ResponseQuery> {
    match &q.users {
        UserScope::Excluding(groups) if groups.iter().any(|(_, u)| !u.is_empty()) => {
            Some(ResponseQuery { users: UserScope::Only(groups.clone()), ..q.clone() })
        }
        _ => None,
    }
}

fn minus(a: BandCounts, b: BandCounts) -> BandCounts {
    BandCounts::new(
        a.promoters.saturating_sub(b.promoters),
        a.passives.saturating_sub(b.passives),
        a.detractors.saturating_sub(b.detractors),
    )
}

/// Answers per UTC day.
pub async fn daily(state: &State, q: &ResponseQuery, use_rollups: bool) -> ApiResult<Vec<DayCounts>> {
    if !(use_rollups && rollups_fit(q)) {
        return Ok(state.store.daily_band_counts(q).await?);
    }
    let mut days = state.store.rollup_daily(q).await?;
    if let Some(internal) = left_out(q) {
        let out: BTreeMap<i64, BandCounts> = state.store.daily_band_counts(&internal).await?.into_iter().map(|d| (d.day, d.counts)).collect();
        for d in &mut days {
            if let Some(c) = out.get(&d.day) {
                d.counts = minus(d.counts, *c);
            }
        }
        days.retain(|d| d.counts.n() > 0);
    }
    Ok(days)
}

/// Answers per value of a dimension.
pub async fn segments(state: &State, q: &ResponseQuery, by: &Dimension, use_rollups: bool) -> ApiResult<Vec<(Option<String>, BandCounts)>> {
    let rollup = match by {
        Dimension::Survey => Some(None),
        other => RollupDimension::parse(&dimension_name(other)).map(Some),
    };
    let declared = match &rollup {
        Some(Some(d)) => state.store.dimension_declared_for(&q.survey_ids, d).await?,
        Some(None) => true,
        None => false,
    };
    let Some(dimension) = rollup.filter(|_| declared && use_rollups && rollups_fit(q)) else {
        return Ok(state.store.segment_counts(q, by).await?);
    };
    let mut rows = state.store.rollup_segments(q, dimension.as_ref()).await?;
    if let Some(internal) = left_out(q) {
        let out: BTreeMap<Option<String>, BandCounts> = state.store.segment_counts(&internal, by).await?.into_iter().collect();
        for (value, counts) in &mut rows {
            if let Some(c) = out.get(value) {
                *counts = minus(*counts, *c);
            }
        }
        rows.retain(|(_, c)| c.n() > 0);
    }
    Ok(rows)
}

fn dimension_name(d: &Dimension) -> String {
    match d {
        Dimension::Attribute(k) => format!("attr:{k}"),
        Dimension::AccountAttribute(k) => format!("acct:{k}"),
        Dimension::Role => "role".into(),
        Dimension::Account => "account".into(),
        Dimension::Trigger => "trigger".into(),
        Dimension::Language => "language".into(),
        Dimension::Device => "device".into(),
        Dimension::Survey => "survey".into(),
    }
}

fn parse_dimension(s: &str) -> ApiResult<RollupDimension> {
    RollupDimension::parse(s).ok_or_else(|| ApiError::invalid("dimension must be attr:<key>, role, language, device or trigger"))
}

/// The segment dimensions this project keeps rollups of.
#[utoipa::path(tag = "admin", params(("id" = i64, Path, description = "project id")), responses((status = 200, body = DimensionList)))]
#[get("/api/admin/projects/{id}/report-dimensions")]
pub async fn list_dimensions(state: State, _session: AdminSession, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    state.store.get_project(*id).await?.ok_or_else(|| ApiError::not_found("project"))?;
    Ok(HttpResponse::Ok().json(DimensionList { dimensions: state.store.declared_dimensions(*id).await? }))
}

/// Declares a segment dimension: rollups of it are built from the stored answers now and kept
/// up to date as answers arrive, so breakdowns by it stay fast. Declaring twice is harmless.
#[utoipa::path(tag = "admin", params(("id" = i64, Path, description = "project id")), request_body = DeclareDimension, responses((status = 200, body = DimensionList), (status = 422, body = nps_core::ApiErrorBody)))]
#[post("/api/admin/projects/{id}/report-dimensions")]
pub async fn declare_dimension(state: State, session: AdminSession, id: web::Path<i64>, body: JsonBody<DeclareDimension>) -> ApiResult<HttpResponse> {
    session.require_configure()?;
    state.store.get_project(*id).await?.ok_or_else(|| ApiError::not_found("project"))?;
    let dimension = parse_dimension(&body.0.dimension)?;
    let started = std::time::Instant::now();
    let added = state.store.declare_dimension(*id, &dimension, crate::ingest::now_ms()).await?;
    tracing::info!(project = *id, dimension = %dimension.key(), added, elapsed_ms = started.elapsed().as_millis() as u64, "report dimension declared");
    Ok(HttpResponse::Ok().json(DimensionList { dimensions: state.store.declared_dimensions(*id).await? }))
}

/// Stops keeping a dimension (its rollups are deleted; breakdowns by it read the raw rows).
#[utoipa::path(tag = "admin", params(("id" = i64, Path, description = "project id"), ("dimension" = String, Path, pattern = r"^(role|language|device|trigger|attr:[\s\S]{1,128})$")), responses((status = 200, body = DimensionList)))]
#[delete("/api/admin/projects/{id}/report-dimensions/{dimension}")]
pub async fn drop_dimension(state: State, session: AdminSession, path: web::Path<(i64, String)>) -> ApiResult<HttpResponse> {
    session.require_configure()?;
    let (id, dimension) = path.into_inner();
    let dimension = parse_dimension(&dimension)?;
    if !state.store.drop_dimension(id, &dimension).await? {
        return Err(ApiError::not_found("report dimension"));
    }
    Ok(HttpResponse::Ok().json(DimensionList { dimensions: state.store.declared_dimensions(id).await? }))
}
