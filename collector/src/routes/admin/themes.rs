//! Reading the comments: each project's editable theme taxonomy, and the themes report (how
//! often each theme comes up, by band and over time, its sentiment, and which themes are
//! over-represented among detractors). Everything runs here, on the answers as stored; no
//! external service sees a comment.

use crate::disclosure::scope::Filters;
use crate::disclosure::{self, Scope, Universe, release};
use crate::auth::AdminSession;
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, Query};
use crate::state::State;
use actix_web::{HttpResponse, get, put, web};
use nps_core::text::{Taxonomy, sentiment, theme_lift};
use nps_core::disclosure::{Thresholds, subset_releasable};
use nps_core::wire::{DEFAULT_MIN_GROUP, ThemeRow, ThemesReport};
use nps_core::{Band, BandCounts};
use std::collections::BTreeMap;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(get_taxonomy).service(put_taxonomy).service(themes_report);
}

#[utoipa::path(tag = "admin", params(("id" = i64, Path)), responses((status = 200, body = Object)))]
#[get("/api/admin/projects/{id}/taxonomy")]
pub async fn get_taxonomy(state: State, _session: AdminSession, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    state.store.get_project(*id).await?.ok_or_else(|| ApiError::not_found("project"))?;
    Ok(HttpResponse::Ok().json(state.store.taxonomy(*id).await?))
}

/// Replaces the project's taxonomy and answers it as stored: themes whose names differ only by
/// case or surrounding spaces merged, keywords repeating an earlier one of their theme (same
/// stems or prefix) dropped. Every rule it refuses is in the schema.
#[utoipa::path(tag = "admin", params(("id" = i64, Path)), request_body = Taxonomy, responses((status = 200, body = Taxonomy, description = "the taxonomy as stored"), (status = 422, body = nps_core::ApiErrorBody)))]
#[put("/api/admin/projects/{id}/taxonomy")]
pub async fn put_taxonomy(state: State, session: AdminSession, id: web::Path<i64>, body: JsonBody<Taxonomy>) -> ApiResult<HttpResponse> {
    session.require_configure()?;
    state.store.get_project(*id).await?.ok_or_else(|| ApiError::not_found("project"))?;
    let problems = body.0.problems();
    if !problems.is_empty() {
        return Err(ApiError::invalid(format!("the taxonomy has problems: {}", problems.join("; "))));
    }
    let taxonomy = body.0.normalised();
    state.store.set_taxonomy(*id, &taxonomy).await?;
    Ok(HttpResponse::Ok().json(taxonomy))
}

/// One comment, read.
struct Read {
    band: Band,
    period: String,
    themes: Vec<String>,
    sentiment: f64,
}

/// Themes of the comments the filters select. Employee NPS: only the comments the disclosure
/// layer releases (a group large enough, never with dates), and a theme only when the comments
/// with it and those without it are both at least the threshold.
#[utoipa::path(tag = "admin", params(Filters), responses((status = 200, body = ThemesReport)))]
#[get("/api/admin/reports/themes")]
pub async fn themes_report(state: State, session: AdminSession, filters: Query<Filters>) -> ApiResult<HttpResponse> {
    let mut query = match disclosure::scope(&state, &session, &filters).await? {
        Scope::Open(query) => query,
        Scope::Protected(universe) => return Ok(HttpResponse::Ok().json(protected_themes(&state, &universe).await?)),
    };
    query.has_comment = Some(true);
    query.limit = 100_000;
    query.offset = 0;
    let surveys = state.store.list_surveys(None).await?;
    let in_scope: Vec<_> = surveys.iter().filter(|s| query.survey_ids.contains(&s.id)).collect();
    let Some(project_id) = in_scope.first().map(|s| s.project_id) else {
        return Err(ApiError::invalid("survey_id: name at least one survey you may read"));
    };
    if in_scope.iter().any(|s| s.project_id != project_id) {
        return Err(ApiError::invalid("survey_id: the surveys must belong to one project (each has its own taxonomy)"));
    }
    let taxonomy = state.store.taxonomy(project_id).await?;
    let granularity = nps_core::wire::Granularity::Month;
    let reads: Vec<Read> = state
        .store
        .list_responses(&query)
        .await?
        .into_iter()
        .filter_map(|row| {
            let (band, comment) = (row.band?, row.comment?);
            let day = row.created_at.div_euclid(86_400_000);
            let period = super::reports::period_start(day, granularity)?.to_string();
            Some(read(&taxonomy, band, &comment, period))
        })
        .collect();
    Ok(HttpResponse::Ok().json(summarise(&taxonomy, &reads, None)))
}

fn read(taxonomy: &Taxonomy, band: Band, comment: &str, period: String) -> Read {
    Read { band, period, themes: taxonomy.theme_names(comment), sentiment: sentiment(comment).score }
}

/// The themes of a protected survey's released comments (none when they are withheld).
async fn protected_themes(state: &State, universe: &Universe) -> ApiResult<ThemesReport> {
    let taxonomy = state.store.taxonomy(universe.survey.project_id).await?;
    let Some(comments) = release::comments(state, universe).await? else {
        return Ok(ThemesReport { withheld: true, ..summarise(&taxonomy, &[], Some(universe.thresholds)) });
    };
    let reads: Vec<Read> = comments.iter().map(|(band, comment)| read(&taxonomy, *band, comment, String::new())).collect();
    Ok(summarise(&taxonomy, &reads, Some(universe.thresholds)))
}

/// `protected`: the thresholds of employee NPS, under which a theme (and a sentiment label)
/// is shown only when it and its complement among the comments are large enough, no trend by
/// date is given and the lift needs every cell at least k.
fn summarise(taxonomy: &Taxonomy, reads: &[Read], protected: Option<Thresholds>) -> ThemesReport {
    let k = protected.map_or(u64::from(DEFAULT_MIN_GROUP), |t| t.k().max(t.comment_k()));
    let employee = protected.is_some();
    let total = reads.len() as u64;
    let releasable = |n: u64| !employee || subset_releasable(n, total, k);
    let mut comments_by_period = BTreeMap::new();
    let mut labels = BTreeMap::new();
    for read in reads {
        *comments_by_period.entry(read.period.clone()).or_insert(0) += 1;
        *labels.entry(nps_core::text::SentimentLabel::of(read.sentiment).as_str().to_owned()).or_insert(0) += 1;
    }
    if !labels.values().all(|n| releasable(*n)) {
        labels.clear();
    }
    let themes = taxonomy
        .themes
        .iter()
        .map(|theme| {
            let with: Vec<&Read> = reads.iter().filter(|r| r.themes.contains(&theme.name)).collect();
            let n = with.len() as u64;
            if !releasable(n) {
                return ThemeRow { theme: theme.name.clone(), comments: None, share: None, by_band: None, mean_sentiment: None, trend: BTreeMap::new(), suppressed: true };
            }
            let mut by_band = BandCounts::default();
            let mut trend = BTreeMap::new();
            for r in &with {
                by_band.add(r.band);
                *trend.entry(r.period.clone()).or_insert(0) += 1;
            }
            ThemeRow {
                theme: theme.name.clone(),
                comments: Some(n),
                share: (total > 0).then(|| n as f64 / total as f64),
                by_band: Some(by_band),
                mean_sentiment: (n > 0).then(|| with.iter().map(|r| r.sentiment).sum::<f64>() / n as f64),
                trend: if employee { BTreeMap::new() } else { trend },
                suppressed: false,
            }
        })
        .collect();
    let rows: Vec<(Band, Vec<String>)> = reads.iter().map(|r| (r.band, r.themes.clone())).collect();
    let lift = theme_lift(&rows)
        .into_iter()
        .filter(|l| !employee || [l.detractors_with, l.detractors - l.detractors_with, l.others_with, l.others - l.others_with].iter().all(|c| *c >= k))
        .collect();
    ThemesReport {
        comments: total,
        comments_by_period: if employee { BTreeMap::new() } else { comments_by_period },
        themes,
        lift,
        sentiment: labels,
        withheld: false,
    }
}
