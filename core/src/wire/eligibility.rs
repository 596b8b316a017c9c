//! The authoritative eligibility decision the widget asks for.

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
    pub user_id: String,
    /// Client-generated id for the display this decision may claim.
    pub display_id: String,
    /// Label of the trigger that fired, e.g. `event:ticket_resolved`.
    pub trigger: Option<String>,
    pub url: Option<String>,
    pub language: Option<String>,
    pub device: Option<String>,
    /// E-mail of the user, when known, for internal-user exclusion rules.
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DecideResponse {
    pub eligible: bool,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub rule: crate::eligibility::Rule,
    pub detail: String,
    /// When the blocking rule stops blocking (unix ms), if known.
    pub retry_after: Option<i64>,
    pub sampling_rate_bp: u32,
    /// Set when eligible: the display that was recorded.
    pub display_id: Option<String>,
}
