//! The NPS report: headline with its 95% interval, response rate, and a trend per period with
//! each period compared to the previous one.

use super::report_counts::{self, ReportOptions, apply_options};
use crate::extract::Query;
use crate::disclosure::scope::Filters;
use crate::disclosure::{self, Scope, Universe, release};
use crate::auth::AdminSession;
use crate::error::{ApiError, ApiResult};
use crate::state::State;
use crate::store::{DayCounts, Dimension};
use actix_web::{HttpResponse, get, web};
use chrono::{Datelike, NaiveDate};
use nps_core::{BandCounts, Comparison};
use nps_core::wire::{Counting, Granularity, NpsReport, NpsSummary, PeriodSummary, Segment, SegmentReport};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(nps_report).service(segment_report).service(compare);
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ReportParams {
    /// `day`, `week` (default) or `month`.
    #[param(pattern = r"^(day|week|month)$")]
    pub granularity: Option<String>,
}

fn date_of_day(day: i64) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(1970, 1, 1)?.checked_add_days(chrono::Days::new(u64::try_from(day).ok()?))
}

/// First day of the period that contains `day` (weeks start on Monday).
pub fn period_start(day: i64, granularity: Granularity) -> Option<NaiveDate> {
    let date = date_of_day(day)?;
    match granularity {
        Granularity::Day => Some(date),
        Granularity::Week => date.checked_sub_days(chrono::Days::new(u64::from(date.weekday().num_days_from_monday()))),
        Granularity::Month => date.with_day(1),
    }
}

/// Groups daily counts into periods and compares each period with the previous one that had
/// answers.
pub fn build_periods(days: &[DayCounts], displays: &[(i64, u64)], granularity: Granularity) -> Vec<PeriodSummary> {
    let mut counts: BTreeMap<NaiveDate, BandCounts> = BTreeMap::new();
    let mut shown: BTreeMap<NaiveDate, u64> = BTreeMap::new();
    for d in days {
        if let Some(start) = period_start(d.day, granularity) {
            counts.entry(start).or_default().merge(d.counts);
        }
    }
    for (day, n) in displays {
        if let Some(start) = period_start(*day, granularity) {
            *shown.entry(start).or_default() += n;
            counts.entry(start).or_default();
        }
    }
    let mut periods: Vec<PeriodSummary> = counts
        .into_iter()
        .map(|(start, c)| PeriodSummary {
            period_start: start.format("%Y-%m-%d").to_string(),
            summary: NpsSummary::new(c, shown.get(&start).copied().unwrap_or(0)),
            change: None,
        })
        .collect();
    recompare(&mut periods);
    periods
}

/// NPS for the selected surveys and dates. Only answers with a score count; dismissals are
/// part of the response rate, never of the NPS denominator.
#[utoipa::path(tag = "admin", params(Filters, ReportParams, ReportOptions), responses((status = 200, body = NpsReport), (status = 403, body = nps_core::ApiErrorBody)))]
#[get("/api/admin/reports/nps")]
pub async fn nps_report(
    state: State,
    session: AdminSession,
    filters: Query<Filters>,
    params: Query<ReportParams>,
    options: Query<ReportOptions>,
) -> ApiResult<HttpResponse> {
    let granularity = match params.granularity.as_deref() {
        None | Some("week") => Granularity::Week,
        Some("day") => Granularity::Day,
        Some("month") => Granularity::Month,
        Some(other) => return Err(ApiError::invalid(format!("granularity must be day, week or month (got `{other}`)"))),
    };
    let query = match disclosure::scope(&state, &session, &filters).await? {
        Scope::Open(query) => apply_options(&state, query, &options).await?,
        Scope::Protected(universe) => return Ok(HttpResponse::Ok().json(release::nps_report(&state, &universe).await?)),
    };
    let days = report_counts::daily(&state, &query, options.use_rollups()).await?;
    // Displays carry no partner: a partner-scoped report shows no response rate rather than a
    // rate over other partners' displays.
    let displays = if query.partners.is_some() { Vec::new() } else { state.store.daily_displays(&query).await? };
    let mut total = BandCounts::default();
    for d in &days {
        total.merge(d.counts);
    }
    let shown: u64 = displays.iter().map(|(_, n)| n).sum();
    Ok(HttpResponse::Ok().json(NpsReport {
        survey_ids: query.survey_ids.clone(),
        from: query.from,
        to: query.to,
        granularity,
        counting: if query.latest_per_user { Counting::LatestPerUserInWindow } else { Counting::EveryResponse },
        overall: NpsSummary::new(total, shown),
        periods: build_periods(&days, &displays, granularity),
        disclosure: None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_segment_is_compared_with_the_rest() {
        let rows = vec![(Some("pro".to_owned()), BandCounts::new(50, 30, 20)), (Some("free".to_owned()), BandCounts::new(40, 30, 30))];
        let (total, segments) = build_segments(rows, 150);
        let segments: Vec<Segment> = segments;
        assert_eq!(total, BandCounts::new(90, 60, 50));
        let vs_rest = segments[0].vs_rest.expect("comparison");
        assert!((vs_rest.difference - 19.42).abs() < 0.01 && !vs_rest.significant);
        assert!(segments.iter().all(|s| s.small));
    }

    #[test]
    fn weeks_start_on_monday_and_months_on_the_first() {
        // 1970-01-01 was a Thursday; day 4 is Monday 1970-01-05.
        assert_eq!(period_start(0, Granularity::Week).map(|d| d.to_string()), Some("1969-12-29".into()));
        assert_eq!(period_start(4, Granularity::Week).map(|d| d.to_string()), Some("1970-01-05".into()));
        assert_eq!(period_start(40, Granularity::Month).map(|d| d.to_string()), Some("1970-02-01".into()));
    }

    #[test]
    fn periods_are_compared_with_the_previous_period_that_had_answers() {
        let days = [
            DayCounts { day: 4, counts: BandCounts::new(50, 30, 20) },
            DayCounts { day: 18, counts: BandCounts::new(40, 30, 30) },
        ];
        let periods = build_periods(&days, &[(11, 7)], Granularity::Week);
        assert_eq!(periods.len(), 3);
        assert!(periods[0].change.is_none());
        assert_eq!(periods[1].summary.n, 0);
        assert_eq!(periods[1].summary.displays, 7);
        let change = periods[2].change.expect("compared with week 1");
        assert!((change.difference - -19.42).abs() < 0.01);
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SegmentParams {
    /// `attr:<key>` (user attribute when answering), `role`, `account`, `trigger`, `language`,
    /// `device` or `survey`.
    #[param(pattern = r"^(role|account|trigger|language|device|survey|(attr|acct):[\s\S]{1,128})$")]
    pub by: String,
    /// Segments with fewer answers are marked `small` (default 30).
    pub min_n: Option<u64>,
}

/// Splits the overall counts into segments, each with its interval and a test against the rest.
pub fn build_segments(rows: Vec<(Option<String>, BandCounts)>, min_n: u64) -> (BandCounts, Vec<Segment>) {
    let mut total = BandCounts::default();
    rows.iter().for_each(|(_, c)| total.merge(*c));
    let segments = rows.into_iter().map(|(value, counts)| segment(value, counts, total, min_n)).collect();
    (total, segments)
}

/// One released segment, compared with the rest of the total.
fn segment(value: Option<String>, counts: BandCounts, total: BandCounts, min_n: u64) -> Segment {
    let rest = BandCounts::new(
        total.promoters.saturating_sub(counts.promoters),
        total.passives.saturating_sub(counts.passives),
        total.detractors.saturating_sub(counts.detractors),
    );
    Segment {
        value,
        vs_rest: (rest.n() > 0 && counts.n() > 0).then(|| counts.compare(&rest)),
        small: counts.n() < min_n,
        summary: Some(NpsSummary::new(counts, 0)),
        suppressed: false,
    }
}

/// NPS per segment, each with its interval and flagged when it differs significantly from
/// the rest; small segments are marked.
#[utoipa::path(tag = "admin", params(Filters, SegmentParams, ReportOptions), responses((status = 200, body = SegmentReport), (status = 422, body = nps_core::ApiErrorBody)))]
#[get("/api/admin/reports/segments")]
pub async fn segment_report(
    state: State,
    session: AdminSession,
    filters: Query<Filters>,
    params: Query<SegmentParams>,
    options: Query<ReportOptions>,
) -> ApiResult<HttpResponse> {
    let by = Dimension::parse(&params.by).ok_or_else(|| {
        ApiError::invalid("by must be attr:<key>, role, account, trigger, language, device or survey")
    })?;
    let min_n = params.min_n.unwrap_or(30);
    let query = match disclosure::scope(&state, &session, &filters).await? {
        Scope::Open(query) => apply_options(&state, query, &options).await?,
        Scope::Protected(universe) => return Ok(HttpResponse::Ok().json(protected_segments(&state, &universe, &params, &by, min_n).await?)),
    };
    let rows = report_counts::segments(&state, &query, &by, options.use_rollups()).await?;
    let (total, segments) = build_segments(rows, min_n);
    Ok(HttpResponse::Ok().json(SegmentReport { by: params.by.clone(), min_n, overall: NpsSummary::new(total, 0), segments, disclosure: None }))
}

/// A protected survey's breakdown: by one declared group attribute, suppressed; segments are
/// compared with the rest only when both are released.
async fn protected_segments(state: &State, universe: &Universe, params: &SegmentParams, by: &Dimension, min_n: u64) -> ApiResult<SegmentReport> {
    let Dimension::Attribute(key) = by else {
        return Err(ApiError::protected("employee NPS breaks down only by a group attribute of its campaigns (by=attr:<key>)"));
    };
    let breakdown = release::breakdown(state, universe, key).await?;
    let total = breakdown.total.unwrap_or_default();
    let segments = breakdown
        .cells
        .into_iter()
        .map(|(value, counts)| match counts {
            Some(counts) => segment(value, counts, total, min_n),
            None => Segment { value, summary: None, vs_rest: None, small: true, suppressed: true },
        })
        .collect();
    let withheld = breakdown.total.is_none();
    Ok(SegmentReport {
        by: params.by.clone(),
        min_n,
        overall: NpsSummary::new(total, 0),
        segments,
        disclosure: Some(release::disclosure(universe, withheld, release::wave_counts(state, universe).await?.into_iter().map(|(w, _)| w).collect())),
    })
}

/// Compares each period with the previous period (among those listed) that had answers.
fn recompare(periods: &mut [PeriodSummary]) {
    let mut previous: Option<BandCounts> = None;
    for period in periods.iter_mut() {
        let counts = period.summary.counts;
        period.change = previous.filter(|p| p.n() > 0 && counts.n() > 0).map(|p| counts.compare(&p));
        if counts.n() > 0 {
            previous = Some(counts);
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CompareParams {
    /// Comma-separated survey ids of side A (e.g. the eNPS survey).
    #[param(pattern = r"^ *-?[0-9]{1,18} *(, *-?[0-9]{1,18} *)*$")]
    pub a: String,
    /// Comma-separated survey ids of side B (e.g. the customer NPS surveys).
    #[param(pattern = r"^ *-?[0-9]{1,18} *(, *-?[0-9]{1,18} *)*$")]
    pub b: String,
    pub from: Option<i64>,
    pub to: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ComparisonReport {
    pub a: NpsSummary,
    pub b: NpsSummary,
    /// A against B, independent samples, each adjusted (difference in NPS points).
    pub comparison: Comparison,
}

async fn side_counts(state: &State, session: &AdminSession, surveys: &str, from: Option<i64>, to: Option<i64>) -> ApiResult<BandCounts> {
    let filters = Filters {
        survey_id: Some(surveys.to_owned()),
        from,
        to,
        band: None,
        has_comment: None,
        q: None,
        attr: None,
        limit: None,
        offset: None,
        format: None,
        counting: None,
        window_days: None,
        wave: None,
    };
    match disclosure::scope(state, session, &filters).await? {
        Scope::Open(query) => {
            let mut total = BandCounts::default();
            state.store.daily_band_counts(&query).await?.iter().for_each(|d| total.merge(d.counts));
            Ok(total)
        }
        // A protected side is its latest wave, released or refused as a whole.
        Scope::Protected(universe) => release::counts(state, &universe).await?.ok_or_else(|| {
            ApiError::protected(format!(
                "survey {} has fewer than {} answers in its latest wave: employee NPS hides groups this small",
                universe.survey.id, universe.thresholds.min_group
            ))
        }),
    }
}

/// Two sets of surveys compared with the significance test of the statistics reference, e.g.
/// employee NPS against customer NPS, or two programmes.
#[utoipa::path(tag = "admin", params(CompareParams), responses((status = 200, body = ComparisonReport)))]
#[get("/api/admin/reports/compare")]
pub async fn compare(state: State, session: AdminSession, params: Query<CompareParams>) -> ApiResult<HttpResponse> {
    if params.a.trim().is_empty() || params.b.trim().is_empty() {
        return Err(ApiError::invalid("a and b must each list at least one survey id"));
    }
    let a = side_counts(&state, &session, &params.a, params.from, params.to).await?;
    let b = side_counts(&state, &session, &params.b, params.from, params.to).await?;
    Ok(HttpResponse::Ok().json(ComparisonReport { a: NpsSummary::new(a, 0), b: NpsSummary::new(b, 0), comparison: a.compare(&b) }))
}
