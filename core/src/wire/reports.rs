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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct NpsReport {
    pub survey_ids: Vec<i64>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub granularity: Granularity,
    /// How answers were counted: `every_response` or `latest_per_user_in_window`.
    pub counting: String,
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
