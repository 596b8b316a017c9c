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
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 128, pattern = r"^[^\x00-\x1F\x7F-\x9F]+$"))]
    pub user_id: String,
    /// Client-generated id for the display this decision may claim.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 128, pattern = r"^[^\x00-\x1F\x7F-\x9F]+$"))]
    pub display_id: String,
    /// Label of the trigger that fired, e.g. `event:ticket_resolved`.
    #[cfg_attr(feature = "openapi", schema(max_length = 128))]
    pub trigger: Option<String>,
    #[cfg_attr(feature = "openapi", schema(max_length = 2048))]
    pub url: Option<String>,
    #[cfg_attr(feature = "openapi", schema(max_length = 35))]
    pub language: Option<String>,
    #[cfg_attr(feature = "openapi", schema(max_length = 32))]
    pub device: Option<String>,
    /// E-mail of the user, when known, for internal-user exclusion rules.
    #[cfg_attr(feature = "openapi", schema(max_length = 254))]
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
