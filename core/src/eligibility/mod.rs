//! Eligibility rules: triggers, targeting, sampling and fatigue (being built).

use serde::{Deserialize, Serialize};

/// The rules of one survey that decide who is asked, when.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SurveyRules {
    /// Share of users sampled, in basis points (10000 = everyone).
    pub sampling_rate_bp: Option<u32>,
}
