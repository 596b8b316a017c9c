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
