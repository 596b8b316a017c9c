//! The NPS report: headline with its 95% interval, response rate, and a trend per period with
//! each period compared to the previous one.

use super::report_counts::{self, ReportOptions, apply_options};
use super::responses::{Filters, scoped_query};
use crate::auth::AdminSession;
use crate::error::{ApiError, ApiResult};
use crate::state::State;
use crate::store::{DayCounts, Dimension};
use actix_web::{HttpResponse, get, web};
use chrono::{Datelike, NaiveDate};
use nps_core::{BandCounts, Comparison};
use nps_core::wire::{Granularity, NpsReport, NpsSummary, PeriodSummary};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(nps_report).service(segment_report).service(compare);
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ReportParams {
    /// `day`, `week` (default) or `month`.
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
    filters: web::Query<Filters>,
    params: web::Query<ReportParams>,
    options: web::Query<ReportOptions>,
) -> ApiResult<HttpResponse> {
    let granularity = match params.granularity.as_deref() {
        None | Some("week") => Granularity::Week,
        Some("day") => Granularity::Day,
        Some("month") => Granularity::Month,
        Some(other) => return Err(ApiError::invalid(format!("granularity must be day, week or month (got `{other}`)"))),
    };
    let query = apply_options(&state, scoped_query(&state, &session, &filters).await?, &options).await?;
    let days = report_counts::daily(&state, &query, options.use_rollups()).await?;
    // Displays carry no partner: a partner-scoped report shows no response rate rather than a
    // rate over other partners' displays.
    let displays = if query.partners.is_some() { Vec::new() } else { state.store.daily_displays(&query).await? };
    let mut total = BandCounts::default();
    for d in &days {
        total.merge(d.counts);
    }
    let floor = anonymity_floor(&state, &query.survey_ids).await?;
    if let Some(floor) = floor {
        refuse_small_total(total.n(), floor.min_group)?;
        refuse_differencing(&state, &query, total.n(), floor.min_group).await?;
    }
    let shown: u64 = displays.iter().map(|(_, n)| n).sum();
    Ok(HttpResponse::Ok().json(NpsReport {
        survey_ids: query.survey_ids.clone(),
        from: query.from,
        to: query.to,
        granularity,
        counting: if query.latest_per_user { "latest_per_user_in_window" } else { "every_response" }.into(),
        overall: NpsSummary::new(total, shown),
        periods: match floor {
            // Periods too small to show are left out, and comparisons skip them.
            Some(floor) => {
                let k = u64::from(floor.min_group);
                let mut periods = build_periods(&days, &displays, granularity);
                periods.retain(|p| p.summary.n == 0 || p.summary.n >= k);
                recompare(&mut periods);
                periods
            }
            None => build_periods(&days, &displays, granularity),
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_groups_and_what_subtraction_would_expose_are_hidden() {
        let rows = vec![
            (Some("ops".to_owned()), BandCounts::new(2, 1, 1)),
            (Some("sales".to_owned()), BandCounts::new(3, 2, 2)),
            (Some("eng".to_owned()), BandCounts::new(10, 5, 5)),
        ];
        let (total, mut segments) = build_segments(rows, 0);
        suppress_small_groups(&mut segments, total.n(), 5);
        let hidden: Vec<bool> = segments.iter().map(|s| s.suppressed).collect();
        // ops (4) is too small; hiding it alone would let "total - sales - eng" reveal it, so
        // the smallest visible group (sales, 7) goes too; eng (20) stays.
        assert_eq!(hidden, [true, true, false]);
        assert!(segments[0].summary.is_none() && segments[2].summary.is_some());

        // A parent of 7 with a sub-group of 5: the other 2 would be exposed.
        let (total, mut segments) = build_segments(vec![(Some("a".into()), BandCounts::new(3, 1, 1)), (Some("b".into()), BandCounts::new(1, 1, 0))], 0);
        suppress_small_groups(&mut segments, total.n(), 5);
        assert!(segments.iter().all(|s| s.suppressed));
    }

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
    pub by: String,
    /// Segments with fewer answers are marked `small` (default 30).
    pub min_n: Option<u64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Segment {
    /// The dimension's value; absent when the answers lack it.
    pub value: Option<String>,
    /// Absent when suppressed.
    pub summary: Option<NpsSummary>,
    /// This segment against all other answers of the report (independent samples).
    pub vs_rest: Option<Comparison>,
    /// Fewer answers than `min_n`: read with care.
    pub small: bool,
    /// Hidden to protect anonymity (employee NPS): the group, or what it would reveal by
    /// subtraction, is smaller than the anonymity threshold.
    pub suppressed: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SegmentReport {
    pub by: String,
    pub min_n: u64,
    pub overall: NpsSummary,
    pub segments: Vec<Segment>,
}

/// Splits the overall counts into segments, each with its interval and a test against the rest.
pub fn build_segments(rows: Vec<(Option<String>, BandCounts)>, min_n: u64) -> (BandCounts, Vec<Segment>) {
    let mut total = BandCounts::default();
    rows.iter().for_each(|(_, c)| total.merge(*c));
    let segments = rows
        .into_iter()
        .map(|(value, counts)| {
            let rest = BandCounts::new(
                total.promoters - counts.promoters,
                total.passives - counts.passives,
                total.detractors - counts.detractors,
            );
            Segment {
                value,
                vs_rest: (rest.n() > 0 && counts.n() > 0).then(|| counts.compare(&rest)),
                small: counts.n() < min_n,
                summary: Some(NpsSummary::new(counts, 0)),
                suppressed: false,
            }
        })
        .collect();
    (total, segments)
}

/// Hides every segment smaller than `k`, and every segment whose complement inside the total
/// is smaller than `k` (it would expose that complement by subtraction). If what is hidden
/// adds up to fewer than `k` answers, the smallest visible segments are hidden too, so the
/// hidden ones cannot be recovered as "total minus the visible ones".
pub fn suppress_small_groups(segments: &mut [Segment], total: u64, k: u64) {
    let n_of = |s: &Segment| s.summary.as_ref().map_or(0, |x| x.n);
    let sizes: Vec<u64> = segments.iter().map(n_of).collect();
    for (segment, n) in segments.iter_mut().zip(&sizes) {
        let complement = total - n;
        if *n < k || (complement > 0 && complement < k) {
            segment.suppressed = true;
        }
    }
    loop {
        let hidden: u64 = segments.iter().zip(&sizes).filter(|(s, _)| s.suppressed).map(|(_, n)| n).sum();
        if hidden == 0 || hidden >= k {
            break;
        }
        let smallest = segments.iter().zip(&sizes).enumerate().filter(|(_, (s, _))| !s.suppressed).min_by_key(|(_, (_, n))| **n).map(|(i, _)| i);
        match smallest {
            Some(i) => segments[i].suppressed = true,
            None => break,
        }
    }
    for segment in segments.iter_mut().filter(|s| s.suppressed) {
        segment.summary = None;
        segment.vs_rest = None;
    }
}

/// NPS per segment, each with its interval and flagged when it differs significantly from
/// the rest; small segments are marked.
#[utoipa::path(tag = "admin", params(Filters, SegmentParams, ReportOptions), responses((status = 200, body = SegmentReport), (status = 422, body = nps_core::ApiErrorBody)))]
#[get("/api/admin/reports/segments")]
pub async fn segment_report(
    state: State,
    session: AdminSession,
    filters: web::Query<Filters>,
    params: web::Query<SegmentParams>,
    options: web::Query<ReportOptions>,
) -> ApiResult<HttpResponse> {
    let by = Dimension::parse(&params.by).ok_or_else(|| {
        ApiError::invalid("by must be attr:<key>, role, account, trigger, language, device or survey")
    })?;
    let query = apply_options(&state, scoped_query(&state, &session, &filters).await?, &options).await?;
    let min_n = params.min_n.unwrap_or(30);
    let rows = report_counts::segments(&state, &query, &by, options.use_rollups()).await?;
    let (total, mut segments) = build_segments(rows, min_n);
    if let Some(floor) = anonymity_floor(&state, &query.survey_ids).await? {
        refuse_small_total(total.n(), floor.min_group)?;
        suppress_small_groups(&mut segments, total.n(), u64::from(floor.min_group));
    }
    Ok(HttpResponse::Ok().json(SegmentReport { by: params.by.clone(), min_n, overall: NpsSummary::new(total, 0), segments }))
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

/// The anonymity thresholds in force when employee-NPS answers are read.
#[derive(Debug, Clone, Copy)]
pub struct AnonymityFloor {
    pub min_group: u32,
    pub verbatim_min_group: u32,
}

/// `Some` when any of the surveys is employee NPS: the largest thresholds of their campaigns
/// (the default when they have none).
pub async fn anonymity_floor(state: &State, survey_ids: &[i64]) -> ApiResult<Option<AnonymityFloor>> {
    let surveys = state.store.list_surveys(None).await?;
    let enps: Vec<i64> = surveys
        .iter()
        .filter(|s| s.kind == nps_core::wire::SurveyKind::Enps && survey_ids.contains(&s.id))
        .map(|s| s.id)
        .collect();
    if enps.is_empty() {
        return Ok(None);
    }
    let campaigns = state.store.campaigns_for_surveys(&enps).await?;
    let default = nps_core::wire::DEFAULT_MIN_GROUP;
    Ok(Some(AnonymityFloor {
        min_group: campaigns.iter().map(|c| c.min_group).max().unwrap_or(default).max(nps_core::wire::MIN_GROUP_FLOOR),
        verbatim_min_group: campaigns.iter().map(|c| c.verbatim_min_group).max().unwrap_or(default).max(nps_core::wire::MIN_GROUP_FLOOR),
    }))
}

pub fn refuse_small_total(n: u64, k: u32) -> ApiResult<()> {
    if n > 0 && n < u64::from(k) {
        return Err(ApiError::forbidden(format!(
            "fewer than {k} answers match; employee NPS hides groups this small to protect anonymity"
        )));
    }
    Ok(())
}

/// A filtered view (band, comment, text, attributes) is refused when the answers it leaves out
/// are fewer than `k`: comparing it with the unfiltered view would expose them.
pub async fn refuse_differencing(state: &State, query: &crate::store::ResponseQuery, n: u64, k: u32) -> ApiResult<()> {
    let filtered = query.band.is_some()
        || query.has_comment.is_some()
        || query.text.as_deref().is_some_and(|t| !t.is_empty())
        || !query.attributes.is_empty();
    if !filtered {
        return Ok(());
    }
    let parent =
        crate::store::ResponseQuery { band: None, has_comment: None, text: None, attributes: Vec::new(), ..query.clone() };
    let parent_n: u64 = state.store.daily_band_counts(&parent).await?.iter().map(|d| d.counts.n()).sum();
    let left_out = parent_n.saturating_sub(n);
    if left_out > 0 && left_out < u64::from(k) {
        return Err(ApiError::forbidden(format!(
            "this filter leaves out fewer than {k} answers, which would expose them by difference; widen it"
        )));
    }
    Ok(())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CompareParams {
    /// Comma-separated survey ids of side A (e.g. the eNPS survey).
    pub a: String,
    /// Comma-separated survey ids of side B (e.g. the customer NPS surveys).
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
    };
    let query = scoped_query(state, session, &filters).await?;
    let mut total = BandCounts::default();
    state.store.daily_band_counts(&query).await?.iter().for_each(|d| total.merge(d.counts));
    if let Some(floor) = anonymity_floor(state, &query.survey_ids).await? {
        refuse_small_total(total.n(), floor.min_group)?;
    }
    Ok(total)
}

/// Two sets of surveys compared with the significance test of the statistics reference, e.g.
/// employee NPS against customer NPS, or two programmes.
#[utoipa::path(tag = "admin", params(CompareParams), responses((status = 200, body = ComparisonReport)))]
#[get("/api/admin/reports/compare")]
pub async fn compare(state: State, session: AdminSession, params: web::Query<CompareParams>) -> ApiResult<HttpResponse> {
    if params.a.trim().is_empty() || params.b.trim().is_empty() {
        return Err(ApiError::invalid("a and b must each list at least one survey id"));
    }
    let a = side_counts(&state, &session, &params.a, params.from, params.to).await?;
    let b = side_counts(&state, &session, &params.b, params.from, params.to).await?;
    Ok(HttpResponse::Ok().json(ComparisonReport { a: NpsSummary::new(a, 0), b: NpsSummary::new(b, 0), comparison: a.compare(&b) }))
}
