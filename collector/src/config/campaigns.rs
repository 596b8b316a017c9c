//! `campaigns.*`: how the campaign scheduler paces itself.

use serde::{Deserialize, Serialize};

/// `campaigns.*` settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct CampaignSettings {
    /// How often the scheduler looks for waves to start and mails to send, ms.
    pub tick_ms: u64,
    /// The length of a scheduling day, ms: reminders and cadences count in these. Only tests
    /// shorten it.
    pub day_ms: i64,
}

impl Default for CampaignSettings {
    fn default() -> Self {
        Self { tick_ms: 60_000, day_ms: 86_400_000 }
    }
}

