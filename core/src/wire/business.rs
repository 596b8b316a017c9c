//! Business data per account (MRR, ARR, renewal, churn, plan, owner), as the import sends it.

use crate::churn::signals::RiskReason;
use crate::churn::{AccountRollup, ChurnSplit, RevenueWeighted, WaveNps};
use crate::rollup::AccountAverage;
use crate::wire::NpsSummary;
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// The largest amount accepted, in currency units: far above any real MRR, far below what the
/// cents fit in.
pub const MAX_AMOUNT: f64 = 1e13;
/// The longest plan or owner, in characters.
pub const MAX_BUSINESS_TEXT_CHARS: usize = 200;

/// One account's business data. A field left out (or `null`, or an empty `plan`/`owner`) keeps
/// the stored value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BusinessInput {
    /// The account's id, as the host app sends it with answers (compared as is: no trimming).
    #[cfg_attr(feature = "openapi", schema(value_type = crate::wire::ClientId))]
    pub account_id: String,
    /// Monthly recurring revenue, in currency units (rounded to cents).
    #[cfg_attr(feature = "openapi", schema(minimum = 0.0, maximum = 1e13))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mrr: Option<f64>,
    /// Annual recurring revenue, or the annual revenue of an account not on a subscription, in
    /// currency units (rounded to cents). An account's weight is its MRR, else its ARR / 12.
    #[cfg_attr(feature = "openapi", schema(minimum = 0.0, maximum = 1e13))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arr: Option<f64>,
    #[cfg_attr(feature = "openapi", schema(format = Date))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renewal_date: Option<String>,
    /// `false` marks the account active (again): its churn date is cleared, and a
    /// `churn_date` sent with it is ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub churned: Option<bool>,
    /// The day the account churned; implies `churned: true` unless `churned` is `false`.
    #[cfg_attr(feature = "openapi", schema(format = Date))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub churn_date: Option<String>,
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

/// An import: upserts each account by its id, in order, so when an id repeats the later
/// entry's fields win over the earlier one's. No accounts: nothing is imported. To import a
/// CSV file, parse it with [`crate::business_csv::parse`] and send the accounts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BusinessImport {
    #[serde(default)]
    pub accounts: Vec<BusinessInput>,
}

/// One account in the revenue-weighted NPS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct WeightedAccount {
    pub account: String,
    pub nps: f64,
    pub answers: u64,
    pub mrr_cents: i64,
    /// Its share of the total weight (0..1).
    pub weight: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ChurnReport {
    /// Every answer counts (answers of one account are not independent).
    pub every_response: ChurnSplit,
    /// One answer per account (decision-maker first): independent samples.
    pub decision_maker_first: ChurnSplit,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Renewal {
    pub account: String,
    pub renewal_date: String,
    pub renewal_at: i64,
    pub days_left: f64,
    pub mrr_cents: Option<i64>,
    pub plan: Option<String>,
    pub owner: Option<String>,
    /// The account's latest wave, if it ever answered.
    pub latest_wave: Option<String>,
    pub latest_nps: Option<f64>,
    pub latest_answer_at: Option<i64>,
    /// Whether the account is on the at-risk list (default thresholds).
    pub at_risk: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RevenueReport {
    pub project_id: i64,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub rollup: AccountRollup,
    /// How the revenue-weighted NPS is computed.
    pub formula: String,
    pub revenue_weighted: RevenueWeighted,
    /// Every account with answers in the range, each weighing the same (for comparison).
    pub per_account: AccountAverage,
    /// Every answer in the range, unweighted.
    pub every_response: NpsSummary,
    pub accounts: Vec<WeightedAccount>,
    /// Accounts with answers but no MRR or ARR: left out of the weighted NPS.
    pub accounts_without_revenue: Vec<String>,
    /// Churned accounts left out of the weighted NPS (see `include_churned`).
    pub churned_left_out: Vec<String>,
    pub churn: ChurnReport,
    pub renewal_days: u32,
    /// Renewals from now to `renewal_days` ahead, soonest first.
    pub renewals: Vec<Renewal>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ImportSummary {
    /// Accounts added or updated (an id sent twice counts once).
    pub upserted: u64,
}

/// Business data as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BusinessView {
    pub account_id: String,
    pub mrr: Option<f64>,
    pub arr: Option<f64>,
    pub renewal_date: Option<String>,
    pub churned: bool,
    pub churn_date: Option<String>,
    pub plan: Option<String>,
    pub owner: Option<String>,
    pub updated_at: i64,
}

/// One answer of the account, for the timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TimelineAnswer {
    pub response_id: String,
    pub survey_id: i64,
    pub user_id: String,
    pub role: Option<String>,
    pub score: u8,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AccountTimelineReport {
    pub account: String,
    pub wave: String,
    pub rollup: AccountRollup,
    /// NPS per wave, oldest first.
    pub waves: Vec<WaveNps>,
    /// Why the account is at risk (empty when it is not).
    pub reasons: Vec<RiskReason>,
    pub risk_score: f64,
    pub business: Option<BusinessView>,
    /// Oldest first.
    pub answers: Vec<TimelineAnswer>,
}

/// Accounts at risk, most urgent first, each with its reasons and their evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AtRiskReport {
    pub project_id: i64,
    pub as_of: i64,
    pub wave: String,
    pub rollup: AccountRollup,
    pub config: crate::churn::ChurnConfig,
    /// Accounts with answers.
    pub accounts_considered: u64,
    /// Most urgent first. Churned accounts are never listed.
    pub accounts: Vec<crate::churn::signals::AtRiskAccount>,
    /// Silent detractors whose answer named no account (not in any account's reasons).
    #[serde(default)]
    pub silent_without_account: Vec<crate::churn::signals::SilentDetractor>,
}
