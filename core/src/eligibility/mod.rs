//! Eligibility: who is asked which survey, and when.
//!
//! Everything here is a pure function of its inputs, the clock included (`now`, unix ms), so the
//! collector and the widget (built for wasm32) reach the same decision from the same facts, and
//! every rule can be tested on a fake clock. The parts:
//!
//! - [`triggers`](Trigger): *when* a survey may be shown (an event, a page view, a cadence);
//! - [`targeting`](Targeting): *who* may see it (attributes, role, language, device, exclusions);
//! - [`sampling`](sampling_bucket): a sticky share of the targeted users;
//! - [`fatigue`](FatiguePolicy): *how often* one person is asked, across all surveys;
//! - [`decide`]: all of the above in one fixed order, naming the first rule that blocks.

mod conditions;
pub(crate) mod dates;
mod decide;
mod fatigue;
mod sampling;
mod targeting;
mod triggers;
mod validate;

pub use conditions::{Op, PropertyCondition};
pub use dates::{format_utc, parse_date_ms};
pub use decide::{Decision, DecisionInput, Rule, decide, explain};
pub use fatigue::{FatigueOverrides, FatiguePolicy, HistoryEvent, HistoryKind, UserHistory};
pub use sampling::{FULL_RATE_BP, is_sampled, sampling_bucket};
pub use targeting::{
    Condition, Exclusion, MatchMode, Source, Subject, Targeting, internal_reason, is_internal, targeting_miss,
};
pub use triggers::{Trigger, TriggerContext, UrlOp, UrlRule, glob_match, trigger_fires};

use serde::{Deserialize, Serialize};

/// One day in milliseconds; every `*_days` setting is converted with it (UTC days, no DST).
pub const DAY_MS: i64 = 86_400_000;

/// The rules of one survey that decide who is asked, when.
///
/// Every field has a default so that `{}` is a valid rule set (shown to everyone, on any
/// trigger, under the project's fatigue policy); editors only store what they change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SurveyRules {
    /// When the survey may be shown; the first one that matches wins. Empty = never triggered by
    /// the widget (link surveys, or surveys asked by the collector only).
    pub triggers: Vec<Trigger>,
    pub targeting: Targeting,
    /// Share of users sampled, in basis points (10000 = everyone); `None` = everyone.
    pub sampling_rate_bp: Option<crate::basis_points::BasisPoints>,
    /// Per-survey changes to the project's [`FatiguePolicy`].
    pub fatigue: FatigueOverrides,
    pub schedule: Schedule,
    pub response_caps: ResponseCaps,
    /// Relational NPS: ask each user again every N days after their last answer. Replaces the
    /// policy's `after_response_days` for this survey.
    pub cadence_days: Option<u32>,
}

/// The window in which a survey runs (unix ms; `starts_at` inclusive, `ends_at` exclusive).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Schedule {
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
}

/// Stop asking once enough answers are in: a survey that has its sample should stop costing
/// users their attention.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ResponseCaps {
    /// Answers per UTC day.
    pub per_day: Option<u32>,
    /// Answers over the survey's life.
    pub total: Option<u32>,
}

impl SurveyRules {
    /// The sampling rate in force, in basis points (0..=10000).
    pub fn sampling_rate(&self) -> u32 {
        self.sampling_rate_bp.map_or(FULL_RATE_BP, crate::basis_points::BasisPoints::get)
    }

    /// The relational cadence: `cadence_days`, else the first [`Trigger::Cadence`].
    ///
    /// Both spellings exist because the editor sets a cadence trigger while the API has a
    /// top-level field; [`SurveyRules::problems`] reports them when they disagree.
    pub fn effective_cadence_days(&self) -> Option<u32> {
        self.cadence_days.or_else(|| {
            self.triggers.iter().find_map(|t| match t {
                Trigger::Cadence { every_days } => Some(*every_days),
                _ => None,
            })
        })
    }
}

impl Schedule {
    /// `Some(reason)` when `now` is outside the window.
    fn blocks(&self, now: i64) -> Option<String> {
        match (self.starts_at, self.ends_at) {
            (Some(start), _) if now < start => Some(format!("starts at {}", format_utc(start))),
            (_, Some(end)) if now >= end => Some(format!("ended at {}", format_utc(end))),
            _ => None,
        }
    }
}
