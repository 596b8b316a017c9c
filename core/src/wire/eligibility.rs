//! The authoritative eligibility decision the widget asks for.

use super::{ClientId, Device, EmailText, Language, PageUrl, TriggerLabel};
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Asks the collector whether to show a survey now. When the answer is yes, the collector has
/// already recorded (claimed) the display under `display_id`, atomically with the decision, so
/// two tabs or devices can never both get a survey inside a cooldown. The widget does not post
/// a separate display for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DecideRequest {
    pub survey_id: i64,
    pub user_id: ClientId,
    /// Client-generated id for the display this decision may claim.
    pub display_id: ClientId,
    /// Label of the trigger that fired, e.g. `event:ticket_resolved`.
    pub trigger: Option<TriggerLabel>,
    pub url: Option<PageUrl>,
    pub language: Option<Language>,
    pub device: Option<Device>,
    /// E-mail of the user, when known, for internal-user exclusion rules.
    pub email: Option<EmailText>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DecideResponse {
    #[serde(flatten)]
    pub decision: crate::eligibility::Decision,
    /// Set when eligible: the display that was recorded.
    pub display_id: Option<String>,
}

/// A decision as it was taken and logged (the explain view shows the last one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LoggedDecision {
    pub survey_id: i64,
    pub user_id: String,
    #[serde(flatten)]
    pub decision: crate::eligibility::Decision,
    /// The display the decision claimed, when it was eligible.
    pub display_id: Option<String>,
    pub trigger: Option<String>,
    /// Unix ms.
    pub at: i64,
}

/// "Why was (or wasn't) this user asked this survey at this moment?"
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Explanation {
    pub survey_id: i64,
    pub user_id: String,
    pub at: i64,
    /// The rules re-applied to the server's record as it stood just before `at`.
    pub decision: crate::eligibility::Decision,
    /// Every rule that blocks at `at`, in evaluation order (fixing the first may reveal the next).
    pub blocking: Vec<crate::eligibility::Decision>,
    /// The last decision actually taken at or before `at` (within 90 days), as logged.
    pub logged: Option<LoggedDecision>,
}

/// How many users and decisions one rule excluded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RuleCount {
    pub rule: crate::eligibility::Rule,
    pub users: u64,
    pub decisions: u64,
}

/// Per rule, how many users the eligibility decisions of a survey excluded over a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Exclusions {
    pub survey_id: i64,
    pub from: i64,
    pub to: i64,
    /// Users and decisions per rule; `eligible` counts the users who were asked.
    pub rules: Vec<RuleCount>,
}
