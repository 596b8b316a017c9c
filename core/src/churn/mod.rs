//! Accounts and churn signals: NPS per account over time, the flags that say an account is
//! drifting away (falling NPS, silent detractors, low NPS, renewal soon), each with the
//! evidence that raised it, revenue-weighted NPS and NPS of churned against retained accounts.
//!
//! Pure functions on an explicit clock (`now` is always a parameter), so every rule is tested
//! on a fake clock; the collector only reads rows and calls these.

pub mod cells;
pub mod revenue;
pub mod signals;
pub mod waves;
#[cfg(test)]
mod tests;

pub use revenue::{ChurnSplit, RevenueWeighted, churn_split, revenue_weighted};
pub use signals::{
    AtRiskAccount, BusinessFacts, Engagement, EngagementKind, FallRule, FallingEvidence, RiskReason, SilenceRule,
    SilentDetractor, WavePoint, account_reasons, at_risk, falling, silent_detractors,
};
pub use waves::{AccountRollup, AccountTimeline, WaveBy, WaveNps, timelines};

use crate::score::NpsScore;
use serde::{Deserialize, Serialize};

pub const DAY_MS: i64 = 86_400_000;

/// One scored answer, with the account it speaks for.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub response_id: String,
    pub survey_id: i64,
    pub user_id: String,
    pub account: Option<String>,
    pub role: Option<String>,
    pub score: NpsScore,
    pub at: i64,
}

impl Answer {
    pub fn as_rollup(&self) -> crate::rollup::AccountAnswer<'_> {
        crate::rollup::AccountAnswer { account: self.account.as_deref(), role: self.role.as_deref(), score: self.score, at: self.at }
    }
}

/// The thresholds of the churn signals. Every one can be changed per request; the defaults
/// are the ones the product recommends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChurnConfig {
    /// A drop of at least this many NPS points flags a falling account (15).
    pub drop_points: f64,
    /// A drop counts too when it builds up over several waves inside this many days (90).
    pub window_days: u32,
    /// Waves in which the account gave fewer answers are not used by the flags (1).
    pub min_answers: u64,
    /// A latest wave NPS below this is low (0).
    pub low_nps: f64,
    /// A renewal inside this many days makes the other signals more urgent (90).
    pub renewal_days: u32,
    /// A detractor shown this many surveys since the answer, without answering again, has
    /// gone silent (2).
    pub silent_displays: u32,
    /// ...or who declined this many surveys since (2). An opt-out counts at once.
    pub silent_declines: u32,
}

impl Default for ChurnConfig {
    fn default() -> Self {
        Self { drop_points: 15.0, window_days: 90, min_answers: 1, low_nps: 0.0, renewal_days: 90, silent_displays: 2, silent_declines: 2 }
    }
}

impl ChurnConfig {
    /// A description of the first setting out of range, if any.
    pub fn problem(&self) -> Option<String> {
        if !(self.drop_points.is_finite() && self.drop_points > 0.0 && self.drop_points <= 200.0) {
            return Some("drop_points must be above 0 and at most 200".into());
        }
        if !(1..=3_650).contains(&self.window_days) {
            return Some("window_days must be between 1 and 3650".into());
        }
        if !(1..=10_000).contains(&self.min_answers) {
            return Some("min_answers must be between 1 and 10000".into());
        }
        if !(self.low_nps.is_finite() && (-100.0..=100.0).contains(&self.low_nps)) {
            return Some("low_nps must be between -100 and 100".into());
        }
        if !(1..=3_650).contains(&self.renewal_days) {
            return Some("renewal_days must be between 1 and 3650".into());
        }
        if self.silent_displays == 0 || self.silent_declines == 0 {
            return Some("silent_displays and silent_declines must be at least 1".into());
        }
        None
    }
}

/// Calendar arithmetic on days since 1970-01-01 (proleptic Gregorian, UTC), so the pure core
/// can cut months and quarters without a date library (H. Hinnant's `civil_from_days`).
pub mod calendar {
    pub use crate::eligibility::dates::{civil_from_days, days_from_civil};

    /// `YYYY-MM-DD` of a unix-millisecond instant.
    pub fn date_of(ms: i64) -> String {
        let (y, m, d) = civil_from_days(ms.div_euclid(super::DAY_MS));
        format!("{y:04}-{m:02}-{d:02}")
    }

    /// Parses an RFC 3339 full-date (`YYYY-MM-DD`, the `format: date` of JSON Schema) into the
    /// unix milliseconds of that day's midnight (UTC). Every date from 0001-01-01 to 9999-12-31
    /// that exists is accepted; nothing else is (no spaces around it, no year 0000, no
    /// 2026-02-30).
    pub fn parse_date(text: &str) -> Option<i64> {
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let (y, m, d) = (&text[..4], &text[5..7], &text[8..]);
        if !(y.bytes().chain(m.bytes()).chain(d.bytes())).all(|c| c.is_ascii_digit()) {
            return None;
        }
        let (y, m, d): (i64, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
        if y < 1 {
            return None;
        }
        let days = days_from_civil(y, m, d);
        // Refuse dates that do not exist (2026-02-30): they would not round-trip.
        (civil_from_days(days) == (y, m, d)).then_some(days * super::DAY_MS)
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use proptest::prelude::*;

        #[test]
        fn known_days() {
            assert_eq!(civil_from_days(0), (1970, 1, 1));
            assert_eq!(days_from_civil(2026, 1, 1), 20_454);
            assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
            assert_eq!(date_of(1_767_225_600_000), "2026-01-01");
            assert_eq!(parse_date("2026-01-01"), Some(1_767_225_600_000));
            assert_eq!(date_of(parse_date("0001-01-01").expect("year 1")), "0001-01-01");
            assert_eq!(date_of(parse_date("9999-12-31").expect("year 9999")), "9999-12-31");
            assert!(parse_date("2024-02-29").is_some());
            for bad in ["2026-02-30", "2026-1-01", "26-01-01", "2026-13-01", "2026-01-00", "x", "2026-01-01-", " 2026-01-01", "0000-01-01", "2023-02-29", "２026-01-01", "2026-01-1\n"] {
                assert_eq!(parse_date(bad), None, "{bad}");
            }
        }

        proptest! {
            #[test]
            fn days_round_trip(days in -1_000_000i64..1_000_000) {
                let (y, m, d) = civil_from_days(days);
                prop_assert_eq!(days_from_civil(y, m, d), days);
                prop_assert!((1..=12).contains(&m) && (1..=31).contains(&d));
            }
        }
    }
}
