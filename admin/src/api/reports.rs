//! Answers and reports: listings and exports, NPS, exclusions, segments, B2B roll-ups, explain.

use super::*;
pub use nps_core::wire::{AccountRollups, Exclusions, Explanation, LoggedDecision, RuleCount, Segment, SegmentReport};

/// The filters of the responses listing (and of its CSV export).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResponseFilters {
    pub survey_id: i64,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub band: String,
    pub has_comment: Option<bool>,
    pub q: String,
}

impl ResponseFilters {
    pub fn url(&self, csv: bool) -> String {
        let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        let q = query(&[
            ("survey_id", self.survey_id.to_string()),
            ("from", opt(self.from)),
            ("to", opt(self.to)),
            ("band", self.band.clone()),
            ("has_comment", self.has_comment.map(|b| b.to_string()).unwrap_or_default()),
            ("q", self.q.clone()),
            ("limit", if csv { "100000".to_owned() } else { "500".to_owned() }),
            ("format", if csv { "csv".to_owned() } else { String::new() }),
        ]);
        format!("/api/admin/responses{q}")
    }
}

impl ResponseFilters {
    /// The export of exactly these filters as an Excel workbook.
    pub fn xlsx_url(&self) -> String {
        self.url(true).replace("format=csv", "format=xlsx")
    }
}

pub async fn responses(filters: &ResponseFilters) -> ApiResult<Vec<ResponseRow>> {
    call("GET", &filters.url(false), None).await
}

/// The report filters beyond the date range (empty = not applied).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportFilters {
    /// `detractor`, `passive` or `promoter`.
    pub band: String,
    /// `true` or `false`.
    pub has_comment: String,
    /// Text the comment contains.
    pub text: String,
    /// `key:value` pairs joined by `;`.
    pub attr: String,
    /// `every_response` or `latest_per_user`.
    pub counting: String,
    /// Keep the answers of internal / test users (left out by default).
    pub include_internal: bool,
    /// Employee NPS: the campaign wave to report (empty = the latest).
    pub wave: String,
}

impl ReportFilters {
    fn pairs(&self) -> Vec<(&'static str, String)> {
        vec![
            ("band", self.band.clone()),
            ("has_comment", self.has_comment.clone()),
            ("q", self.text.clone()),
            ("attr", self.attr.clone()),
            ("counting", self.counting.clone()),
            ("exclude_internal", if self.include_internal { "false".to_owned() } else { String::new() }),
            ("wave", self.wave.clone()),
        ]
    }
}

pub async fn nps_report(
    survey_id: i64,
    from: Option<i64>,
    to: Option<i64>,
    granularity: &str,
    filters: &ReportFilters,
) -> ApiResult<NpsReport> {
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let mut pairs = vec![
        ("survey_id", survey_id.to_string()),
        ("from", opt(from)),
        ("to", opt(to)),
        ("granularity", granularity.to_owned()),
    ];
    pairs.extend(filters.pairs());
    let q = query(&pairs);
    call("GET", &format!("/api/admin/reports/nps{q}"), None).await
}

pub async fn exclusions(survey_id: i64, from: Option<i64>, to: Option<i64>) -> ApiResult<Exclusions> {
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let q = query(&[("survey_id", survey_id.to_string()), ("from", opt(from)), ("to", opt(to))]);
    call("GET", &format!("/api/admin/reports/exclusions{q}"), None).await
}

/// The survey filter of the report endpoints: `survey_id`, `from`, `to` (unix ms).
fn report_query(survey_id: i64, from: Option<i64>, to: Option<i64>, extra: &[(&str, String)]) -> String {
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let mut pairs = vec![("survey_id", survey_id.to_string()), ("from", opt(from)), ("to", opt(to))];
    pairs.extend(extra.iter().cloned());
    query(&pairs)
}

/// The themes of the comments the range and filters select (the project's taxonomy).
pub async fn themes(survey_id: i64, from: Option<i64>, to: Option<i64>, filters: &ReportFilters) -> ApiResult<nps_core::wire::ThemesReport> {
    let q = report_query(survey_id, from, to, &filters.pairs());
    call("GET", &format!("/api/admin/reports/themes{q}"), None).await
}

/// `by`: `attr:<key>`, `role`, `account`, `trigger`, `language`, `device` or `survey`.
pub async fn segments(
    survey_id: i64,
    from: Option<i64>,
    to: Option<i64>,
    by: &str,
    min_n: u64,
    filters: &ReportFilters,
) -> ApiResult<SegmentReport> {
    let mut extra = vec![("by", by.to_owned()), ("min_n", min_n.to_string())];
    extra.extend(filters.pairs());
    let q = report_query(survey_id, from, to, &extra);
    call("GET", &format!("/api/admin/reports/segments{q}"), None).await
}

/// `account`: `account` or `attr:<key>`; `role`: `role` or `attr:<key>` (empty = default).
pub async fn account_rollups(survey_id: i64, from: Option<i64>, to: Option<i64>, account: &str, role: &str) -> ApiResult<AccountRollups> {
    let q = report_query(survey_id, from, to, &[("account", account.to_owned()), ("role", role.to_owned())]);
    call("GET", &format!("/api/admin/reports/accounts{q}"), None).await
}

/// Why `user_id` was (not) asked `survey_id` at `at` (now when `None`).
pub async fn explain(survey_id: i64, user_id: &str, at: Option<i64>) -> ApiResult<Explanation> {
    let q = query(&[
        ("survey_id", survey_id.to_string()),
        ("user_id", user_id.to_owned()),
        ("at", at.map(|a| a.to_string()).unwrap_or_default()),
    ]);
    call("GET", &format!("/api/admin/explain{q}"), None).await
}

/// The segment dimensions the project keeps rollups of.
pub async fn report_dimensions(project_id: i64) -> ApiResult<nps_core::wire::DimensionList> {
    call("GET", &format!("/api/admin/projects/{project_id}/report-dimensions"), None).await
}

/// Keeps a dimension fast (`keep`) or stops keeping it; the declared dimensions after.
pub async fn keep_dimension(project_id: i64, dimension: &str, keep: bool) -> ApiResult<nps_core::wire::DimensionList> {
    let url = format!("/api/admin/projects/{project_id}/report-dimensions");
    if keep {
        call("POST", &url, json(&nps_core::wire::DeclareDimension { dimension: dimension.to_owned() })).await
    } else {
        call("DELETE", &format!("{url}/{}", encode(dimension)), None).await
    }
}

/// The project's theme taxonomy (the default one until a project saves its own).
pub async fn taxonomy(project_id: i64) -> ApiResult<nps_core::text::Taxonomy> {
    call("GET", &format!("/api/admin/projects/{project_id}/taxonomy"), None).await
}

/// Replaces the project's taxonomy: the answer is the taxonomy as stored (themes named alike
/// merged, repeated keywords dropped).
pub async fn set_taxonomy(project_id: i64, taxonomy: &nps_core::text::Taxonomy) -> ApiResult<nps_core::text::Taxonomy> {
    call("PUT", &format!("/api/admin/projects/{project_id}/taxonomy"), json(taxonomy)).await
}
