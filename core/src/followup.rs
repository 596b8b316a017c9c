//! Closing the loop: every detractor gets a human within the SLA. Follow-up state and the
//! metrics that show whether the loop really closes, as pure functions on an explicit clock.

use crate::names::names;
use crate::score::Band;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const HOUR_MS: i64 = 3_600_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum FollowUpStatus {
    New,
    Contacted,
    Resolved,
    WontFix,
}

names!(FollowUpStatus { New => "new", Contacted => "contacted", Resolved => "resolved", WontFix => "wont_fix" });

/// Who gets a follow-up, by when, and who owns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FollowUpPolicy {
    /// Bands that create a follow-up (all detractors by default).
    pub bands: Vec<Band>,
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 2160))]
    pub sla_hours: u32,
    /// Owner: the value of this account (or user) attribute, e.g. `account_owner`...
    pub owner_attribute: Option<String>,
    /// ...else round robin among this team...
    pub team: Vec<String>,
    /// ...else this default owner.
    pub default_owner: Option<String>,
}

impl Default for FollowUpPolicy {
    fn default() -> Self {
        Self { bands: vec![Band::Detractor], sla_hours: 48, owner_attribute: None, team: Vec::new(), default_owner: None }
    }
}

impl FollowUpPolicy {
    pub fn applies_to(&self, band: Band) -> bool {
        self.bands.contains(&band)
    }

    pub fn due_at(&self, created_at: i64) -> i64 {
        created_at + i64::from(self.sla_hours) * HOUR_MS
    }

    /// The owner of the `sequence`-th follow-up (sequence drives the round robin).
    pub fn owner(&self, attribute_value: Option<&str>, sequence: u64) -> Option<String> {
        if let Some(value) = attribute_value.filter(|v| !v.is_empty()) {
            return Some(value.to_owned());
        }
        if !self.team.is_empty() {
            let i = usize::try_from(sequence % self.team.len() as u64).unwrap_or(0);
            return self.team.get(i).cloned();
        }
        self.default_owner.clone()
    }
}

/// A follow-up as the metrics see it.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowUpFacts {
    pub band: Band,
    pub created_at: i64,
    pub due_at: i64,
    pub first_contact_at: Option<i64>,
    pub status: FollowUpStatus,
}

/// One scored answer of a user, for recovery.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredAnswer {
    pub user_id: String,
    pub at: i64,
    pub band: Band,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoopMetrics {
    /// Detractor follow-ups whose SLA has run out or that were contacted.
    pub detractors_due: u64,
    pub contacted_within_sla: u64,
    /// contacted_within_sla / detractors_due.
    pub closure_rate: Option<f64>,
    /// Median hours from answer to first contact, over contacted follow-ups.
    pub median_hours_to_contact: Option<f64>,
    /// Not contacted and past due (any band).
    pub overdue: u64,
    /// Detractors who answered again later.
    pub detractors_with_next_answer: u64,
    /// ...whose next answer was passive or promoter.
    pub recovered: u64,
    pub recovery_rate: Option<f64>,
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) { (values[mid - 1] + values[mid]) / 2.0 } else { values[mid] })
}

/// Loop-closure rate (share of due detractors contacted within the SLA), time to first
/// contact, overdue count and recovery rate (a detractor whose next answer is passive or
/// promoter), as of `now`.
pub fn loop_metrics(followups: &[FollowUpFacts], answers: &[ScoredAnswer], now: i64) -> LoopMetrics {
    let detractors: Vec<&FollowUpFacts> = followups.iter().filter(|f| f.band == Band::Detractor).collect();
    let due: Vec<&&FollowUpFacts> = detractors.iter().filter(|f| f.due_at <= now || f.first_contact_at.is_some()).collect();
    let within = due.iter().filter(|f| f.first_contact_at.is_some_and(|c| c <= f.due_at)).count() as u64;
    let hours = followups
        .iter()
        .filter_map(|f| f.first_contact_at.map(|c| (c - f.created_at) as f64 / HOUR_MS as f64))
        .collect();
    let overdue = followups.iter().filter(|f| f.first_contact_at.is_none() && f.status == FollowUpStatus::New && f.due_at < now).count() as u64;
    let (with_next, recovered) = recovery(answers);
    LoopMetrics {
        detractors_due: due.len() as u64,
        contacted_within_sla: within,
        closure_rate: ratio(within, due.len() as u64),
        median_hours_to_contact: median(hours),
        overdue,
        detractors_with_next_answer: with_next,
        recovered,
        recovery_rate: ratio(recovered, with_next),
    }
}

/// (detractor answers followed by another answer, of which the next one is not a detractor).
fn recovery(answers: &[ScoredAnswer]) -> (u64, u64) {
    let mut by_user: BTreeMap<&str, Vec<&ScoredAnswer>> = BTreeMap::new();
    for a in answers {
        by_user.entry(a.user_id.as_str()).or_default().push(a);
    }
    let (mut with_next, mut recovered) = (0, 0);
    for list in by_user.values_mut() {
        list.sort_by_key(|a| a.at);
        for pair in list.windows(2) {
            if pair[0].band == Band::Detractor {
                with_next += 1;
                if pair[1].band != Band::Detractor {
                    recovered += 1;
                }
            }
        }
    }
    (with_next, recovered)
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = HOUR_MS;

    fn f(band: Band, created: i64, contact: Option<i64>) -> FollowUpFacts {
        let status = if contact.is_some() { FollowUpStatus::Contacted } else { FollowUpStatus::New };
        FollowUpFacts { band, created_at: created, due_at: created + 48 * H, first_contact_at: contact, status }
    }

    fn a(user: &str, at: i64, band: Band) -> ScoredAnswer {
        ScoredAnswer { user_id: user.into(), at, band }
    }

    #[test]
    fn metrics_on_a_fake_clock() {
        let now = 100 * H;
        let followups = [
            f(Band::Detractor, 0, Some(10 * H)),     // contacted within SLA (10 h)
            f(Band::Detractor, 0, Some(60 * H)),     // contacted late (60 h)
            f(Band::Detractor, 10 * H, None),        // due at 58 h, overdue
            f(Band::Detractor, 80 * H, None),        // not due yet: not in the rate
            f(Band::Passive, 0, Some(2 * H)),        // not a detractor: only in time to contact
        ];
        let m = loop_metrics(&followups, &[], now);
        assert_eq!((m.detractors_due, m.contacted_within_sla, m.overdue), (3, 1, 1));
        assert!((m.closure_rate.expect("due") - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(m.median_hours_to_contact, Some(10.0));
    }

    #[test]
    fn recovery_counts_a_detractors_next_answer() {
        let answers = [
            a("u1", 1, Band::Detractor),
            a("u1", 2, Band::Promoter), // recovered
            a("u2", 1, Band::Detractor),
            a("u2", 3, Band::Detractor), // not recovered, and this one has a next answer too
            a("u2", 5, Band::Passive),   // recovered
            a("u3", 1, Band::Detractor), // no next answer: not counted
        ];
        let m = loop_metrics(&[], &answers, 10);
        assert_eq!((m.detractors_with_next_answer, m.recovered), (3, 2));
    }

    #[test]
    fn owners_come_from_the_attribute_then_the_team_then_the_default() {
        let policy = FollowUpPolicy { team: vec!["ann".into(), "bob".into()], default_owner: Some("lead".into()), ..Default::default() };
        assert_eq!(policy.owner(Some("carla"), 0).as_deref(), Some("carla"));
        assert_eq!(policy.owner(None, 0).as_deref(), Some("ann"));
        assert_eq!(policy.owner(None, 3).as_deref(), Some("bob"));
        let solo = FollowUpPolicy { default_owner: Some("lead".into()), ..Default::default() };
        assert_eq!(solo.owner(Some(""), 7).as_deref(), Some("lead"));
        assert_eq!(FollowUpPolicy::default().due_at(0), 48 * H);
    }
}

/// A follow-up as the admin works it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FollowUpItem {
    pub response_id: String,
    pub survey_id: i64,
    pub user_id: String,
    pub band: Band,
    pub owner: Option<String>,
    /// The partner organisation of a partner-NPS answer (its owning manager works it).
    #[serde(default)]
    pub partner: Option<String>,
    pub status: FollowUpStatus,
    pub created_at: i64,
    pub due_at: i64,
    pub first_contact_at: Option<i64>,
    /// Not contacted and past due.
    pub overdue: bool,
}

impl FollowUpItem {
    pub fn facts(&self) -> FollowUpFacts {
        FollowUpFacts {
            band: self.band,
            created_at: self.created_at,
            due_at: self.due_at,
            first_contact_at: self.first_contact_at,
            status: self.status,
        }
    }
}

/// A status change with an optional note and outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FollowUpUpdate {
    pub status: FollowUpStatus,
    pub note: Option<crate::wire::CommentText>,
    pub outcome: Option<crate::wire::ShortText>,
}
