//! Business data per account (MRR, ARR, renewal, churn, plan, owner), as the import sends it.

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
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 128, pattern = r"^[^\x00-\x1F\x7F-\x9F]+$"))]
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
