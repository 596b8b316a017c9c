//! Answers and reports as the admin reads them: rows, NPS summaries, periods.

use super::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// One stored answer as the admin sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ResponseRow {
    pub id: String,
    pub survey_id: i64,
    pub user_id: String,
    pub score: Option<u8>,
    pub band: Option<crate::Band>,
    pub comment: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub extra_answers: Attributes,
    /// The user's attributes when the answer arrived.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub attributes: Attributes,
    pub account_id: Option<String>,
    pub role: Option<String>,
    pub language: Option<String>,
    pub device: Option<String>,
    pub trigger: Option<String>,
    pub sampling_rate_bp: Option<u32>,
    pub created_at: i64,
    pub completed_at: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum Granularity {
    Day,
    #[default]
    Week,
    Month,
}

/// NPS of a set of answers, always with its interval and the response rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct NpsSummary {
    pub counts: BandCounts,
    pub n: u64,
    /// Raw NPS; absent when nobody answered.
    pub nps: Option<f64>,
    /// 95% adjusted-Wald interval.
    pub interval: NpsInterval,
    pub displays: u64,
    /// Answers with a score divided by displays; absent without displays.
    pub response_rate: Option<f64>,
}

impl NpsSummary {
    pub fn new(counts: BandCounts, displays: u64) -> Self {
        let n = counts.n();
        Self {
            counts,
            n,
            nps: counts.nps(),
            interval: counts.interval95(),
            displays,
            response_rate: (displays > 0).then(|| n as f64 / displays as f64),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PeriodSummary {
    /// First day of the period, `YYYY-MM-DD` (UTC).
    pub period_start: String,
    pub summary: NpsSummary,
    /// Against the previous period that had answers.
    pub change: Option<Comparison>,
}

/// How a report counts answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum Counting {
    /// Every answer once.
    EveryResponse,
    /// Each respondent's latest answer in the date range only.
    LatestPerUserInWindow,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct NpsReport {
    pub survey_ids: Vec<i64>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub granularity: Granularity,
    /// How answers were counted.
    pub counting: Counting,
    pub overall: NpsSummary,
    pub periods: Vec<PeriodSummary>,
    /// Present for employee NPS and anonymous partner NPS: what the disclosure rules released.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disclosure: Option<crate::disclosure::Disclosure>,
}

/// `GET|POST /api/admin/projects/{id}/report-dimensions`: the segment dimensions a project keeps
/// rollups of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DimensionList {
    /// Declared segment dimensions: `attr:<key>`, `role`, `language`, `device`, `trigger`.
    pub dimensions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DeclareDimension {
    /// `attr:<key>`, `role`, `language`, `device` or `trigger`.
    #[cfg_attr(feature = "openapi", schema(pattern = r"^(role|language|device|trigger|attr:[\s\S]{1,128})$"))]
    pub dimension: String,
}

/// One value of a breakdown dimension.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Segment {
    /// The dimension's value; absent when the answers lack it.
    pub value: Option<String>,
    /// Absent when suppressed.
    pub summary: Option<NpsSummary>,
    /// This segment against all other answers of the report (independent samples).
    pub vs_rest: Option<crate::Comparison>,
    /// Fewer answers than `min_n`: read with care.
    pub small: bool,
    /// Hidden to protect anonymity (employee NPS): the group, or what it would reveal by
    /// subtraction, is smaller than the anonymity threshold.
    pub suppressed: bool,
}

/// A survey's answers broken down by one dimension.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SegmentReport {
    pub by: String,
    pub min_n: u64,
    pub overall: NpsSummary,
    pub segments: Vec<Segment>,
    /// Present for protected surveys (employee NPS): the thresholds, the wave, whether the
    /// whole breakdown is withheld.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disclosure: Option<crate::disclosure::Disclosure>,
}

/// One survey's NPS rolled up to accounts three ways, and per role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AccountRollups {
    /// 1. Every response counts once.
    pub every_response: NpsSummary,
    /// 2. Each account weighs the same (mean of the accounts' NPS).
    pub per_account: crate::rollup::AccountAverage,
    /// Method 3: the executive buyer's latest score stands for the account, else the admin's,
    /// else the end users'. `n` counts accounts.
    pub decision_maker_first: NpsSummary,
    /// NPS per role, side by side.
    pub per_role: std::collections::BTreeMap<String, NpsSummary>,
    /// Answers that named no account (counted in 1 only).
    pub without_account: u64,
}

/// One theme of the comments a themes report read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ThemeRow {
    pub theme: String,
    /// Comments that mention the theme (`None` when hidden to protect a small group).
    pub comments: Option<u64>,
    /// Share of all comments, 0..=1.
    pub share: Option<f64>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub by_band: Option<crate::BandCounts>,
    /// Mean sentiment of those comments, in [-1, 1].
    pub mean_sentiment: Option<f64>,
    /// Comments per period (`YYYY-MM-DD` of the period's first day).
    pub trend: std::collections::BTreeMap<String, u64>,
    pub suppressed: bool,
}

/// `GET /api/admin/reports/themes`: how often each theme of the project's taxonomy comes up in
/// the comments the filters select, by band and over time, and which themes detractors raise
/// more than chance would explain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ThemesReport {
    pub comments: u64,
    /// Comments per period, the denominators of the trend.
    pub comments_by_period: std::collections::BTreeMap<String, u64>,
    pub themes: Vec<ThemeRow>,
    /// Theme x band: detractor lift with its 95% interval (Katz), highest first.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub lift: Vec<crate::text::ThemeLift>,
    /// Comments per sentiment label.
    pub sentiment: std::collections::BTreeMap<String, u64>,
    /// Employee NPS: the comments of this wave or group are withheld (too few, or too few
    /// people without one).
    pub withheld: bool,
}
