//! The flags that say an account is drifting away, each carrying the evidence that raised it:
//! a falling NPS, detractors who went silent, a low NPS, and (as an amplifier) a renewal soon.

use super::waves::{AccountTimeline, WaveNps};
use super::{Answer, ChurnConfig, DAY_MS};
use crate::score::Band;
use crate::stats::{BandCounts, Comparison};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// NPS differences are float arithmetic on counts: 66.67 - 51.67 must count as 15.
const EPSILON: f64 = 1e-9;

/// One wave of one account, as evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WavePoint {
    pub wave: String,
    /// The account's last answer in the wave (unix ms).
    pub at: i64,
    pub nps: f64,
    /// Answers in the wave.
    pub answers: u64,
    pub counts: BandCounts,
}

impl WavePoint {
    pub fn of(w: &WaveNps) -> Self {
        Self { wave: w.wave.clone(), at: w.last_answer_at, nps: w.nps, answers: w.answers, counts: w.counts }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum FallRule {
    /// The latest wave against the one before it.
    ConsecutiveWaves,
    /// The latest wave against the best wave inside the window (a slide over several waves).
    WithinWindow,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FallingEvidence {
    pub rule: FallRule,
    pub from: WavePoint,
    pub to: WavePoint,
    /// NPS points lost (from - to).
    pub drop: f64,
    pub days_apart: f64,
    /// `to` against `from` with the two-sample test (small waves are rarely significant:
    /// the flag is a prompt to look, not a verdict).
    pub comparison: Comparison,
}

fn evidence(rule: FallRule, from: &WaveNps, to: &WaveNps) -> FallingEvidence {
    FallingEvidence {
        rule,
        from: WavePoint::of(from),
        to: WavePoint::of(to),
        drop: from.nps - to.nps,
        days_apart: (to.last_answer_at - from.last_answer_at) as f64 / DAY_MS as f64,
        comparison: to.counts.compare(&from.counts),
    }
}

/// Whether the account's latest wave fell by at least `drop_points`: against the wave before
/// it, or against its best wave inside `window_days`. Only the latest wave is judged, so an
/// account that fell and has since recovered is not falling.
pub fn falling(timeline: &AccountTimeline, cfg: &ChurnConfig) -> Vec<FallingEvidence> {
    let usable: Vec<&WaveNps> = timeline.waves.iter().filter(|w| w.answers >= cfg.min_answers).collect();
    let Some((latest, earlier)) = usable.split_last() else {
        return Vec::new();
    };
    let fell = |from: &WaveNps| from.nps - latest.nps >= cfg.drop_points - EPSILON;
    let mut out = Vec::new();
    let previous = earlier.last();
    if let Some(prev) = previous.filter(|p| fell(p)) {
        out.push(evidence(FallRule::ConsecutiveWaves, prev, latest));
    }
    let window = i64::from(cfg.window_days) * DAY_MS;
    let peak = earlier.iter().filter(|w| latest.last_answer_at - w.last_answer_at <= window).max_by(|a, b| a.nps.total_cmp(&b.nps));
    if let Some(peak) = peak.filter(|p| fell(p)) {
        let same_as_consecutive = previous.is_some_and(|p| std::ptr::eq(*p, *peak));
        if !same_as_consecutive {
            out.push(evidence(FallRule::WithinWindow, peak, latest));
        }
    }
    out
}

/// What a user did with a survey after answering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EngagementKind {
    /// A survey was shown.
    Shown,
    /// A survey was closed without an answer.
    Declined,
    /// The user asked never to be surveyed again.
    OptedOut,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Engagement {
    pub user_id: String,
    pub kind: EngagementKind,
    pub at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum SilenceRule {
    OptedOut,
    KeepsDeclining,
    StoppedAnswering,
}

/// A detractor whose latest answer was a detractor's and who has not answered since, though
/// still shown surveys (or who declines them, or opted out).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SilentDetractor {
    pub user_id: String,
    pub account: Option<String>,
    /// The detractor answer (the user's latest).
    pub response_id: String,
    pub score: u8,
    pub answered_at: i64,
    /// Surveys shown since that answer.
    pub shown_since: u32,
    pub declined_since: u32,
    pub last_shown_at: Option<i64>,
    pub opted_out_at: Option<i64>,
    pub rule: SilenceRule,
}

/// Each user's latest answer, when it is a detractor's: the users whose silence matters.
pub fn latest_detractor_answers(answers: &[Answer]) -> Vec<&Answer> {
    let mut latest: BTreeMap<&str, &Answer> = BTreeMap::new();
    for a in answers {
        let entry = latest.entry(a.user_id.as_str()).or_insert(a);
        if (a.at, &a.response_id) > (entry.at, &entry.response_id) {
            *entry = a;
        }
    }
    latest.into_values().filter(|a| a.score.band() == Band::Detractor).collect()
}

/// Detractors gone silent: since their (latest, detractor) answer they opted out, declined
/// `silent_declines` surveys, or were shown `silent_displays` surveys without answering.
pub fn silent_detractors(answers: &[Answer], events: &[Engagement], cfg: &ChurnConfig) -> Vec<SilentDetractor> {
    let mut by_user: BTreeMap<&str, Vec<&Engagement>> = BTreeMap::new();
    for e in events {
        by_user.entry(e.user_id.as_str()).or_default().push(e);
    }
    latest_detractor_answers(answers)
        .into_iter()
        .filter_map(|a| {
            let after: Vec<&&Engagement> = by_user.get(a.user_id.as_str())?.iter().filter(|e| e.at > a.at).collect();
            let count = |kind| after.iter().filter(|e| e.kind == kind).count() as u32;
            let (shown, declined) = (count(EngagementKind::Shown), count(EngagementKind::Declined));
            let opted_out_at = after.iter().filter(|e| e.kind == EngagementKind::OptedOut).map(|e| e.at).min();
            let rule = if opted_out_at.is_some() {
                SilenceRule::OptedOut
            } else if declined >= cfg.silent_declines {
                SilenceRule::KeepsDeclining
            } else if shown >= cfg.silent_displays {
                SilenceRule::StoppedAnswering
            } else {
                return None;
            };
            Some(SilentDetractor {
                user_id: a.user_id.clone(),
                account: a.account.clone(),
                response_id: a.response_id.clone(),
                score: a.score.value(),
                answered_at: a.at,
                shown_since: shown,
                declined_since: declined,
                last_shown_at: after.iter().filter(|e| e.kind == EngagementKind::Shown).map(|e| e.at).max(),
                opted_out_at,
                rule,
            })
        })
        .collect()
}

/// What the business knows about an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BusinessFacts {
    pub mrr_cents: Option<i64>,
    pub renewal_at: Option<i64>,
    pub churned: bool,
}

/// Why an account is at risk, with the evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RiskReason {
    Falling { evidence: Vec<FallingEvidence> },
    SilentDetractors { users: Vec<SilentDetractor> },
    LowNps { latest: WavePoint, threshold: f64 },
    /// Only given alongside another reason: a renewal makes a risk urgent, it is not a risk.
    RenewalSoon { renewal_at: i64, days_left: f64, window_days: u32 },
}

impl RiskReason {
    /// The reason's share of the risk score: 10 plus the points fallen; 20 per silent
    /// detractor; 10 plus the points below the low-NPS threshold. A renewal soon multiplies
    /// the sum by 1.5 (see [`risk_score`]).
    fn weight(&self) -> f64 {
        match self {
            Self::Falling { evidence } => 10.0 + evidence.iter().map(|e| e.drop).fold(0.0, f64::max),
            Self::SilentDetractors { users } => 20.0 * users.len() as f64,
            Self::LowNps { latest, threshold } => 10.0 + (threshold - latest.nps),
            Self::RenewalSoon { .. } => 0.0,
        }
    }
}

pub fn risk_score(reasons: &[RiskReason]) -> f64 {
    let sum: f64 = reasons.iter().map(RiskReason::weight).sum();
    let urgent = reasons.iter().any(|r| matches!(r, RiskReason::RenewalSoon { .. }));
    if urgent { sum * 1.5 } else { sum }
}

/// The reasons one account is at risk as of `now` (empty when it is not).
pub fn account_reasons(
    timeline: Option<&AccountTimeline>,
    silent: &[SilentDetractor],
    business: Option<&BusinessFacts>,
    now: i64,
    cfg: &ChurnConfig,
) -> Vec<RiskReason> {
    let mut reasons = Vec::new();
    if let Some(t) = timeline {
        let evidence = falling(t, cfg);
        if !evidence.is_empty() {
            reasons.push(RiskReason::Falling { evidence });
        }
    }
    if !silent.is_empty() {
        reasons.push(RiskReason::SilentDetractors { users: silent.to_vec() });
    }
    let latest = timeline.and_then(|t| t.waves.iter().rev().find(|w| w.answers >= cfg.min_answers));
    if let Some(latest) = latest.filter(|w| w.nps < cfg.low_nps - EPSILON) {
        reasons.push(RiskReason::LowNps { latest: WavePoint::of(latest), threshold: cfg.low_nps });
    }
    let window = i64::from(cfg.renewal_days) * DAY_MS;
    if let Some(renewal_at) = business.and_then(|b| b.renewal_at).filter(|r| (now..=now + window).contains(r))
        && !reasons.is_empty()
    {
        let days_left = (renewal_at - now) as f64 / DAY_MS as f64;
        reasons.push(RiskReason::RenewalSoon { renewal_at, days_left, window_days: cfg.renewal_days });
    }
    reasons
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AtRiskAccount {
    pub account: String,
    /// Higher is more urgent (see `RiskReason`): the list is sorted by it, then by MRR.
    pub risk_score: f64,
    pub latest: Option<WavePoint>,
    pub mrr_cents: Option<i64>,
    pub renewal_at: Option<i64>,
    pub reasons: Vec<RiskReason>,
}

/// Every account with at least one risk signal, most urgent first (ties: more revenue first).
/// Churned accounts are not listed: they are lost, not at risk.
pub fn at_risk(
    timelines: &[AccountTimeline],
    silent: &[SilentDetractor],
    business: &BTreeMap<String, BusinessFacts>,
    now: i64,
    cfg: &ChurnConfig,
) -> Vec<AtRiskAccount> {
    let by_account: BTreeMap<&str, &AccountTimeline> = timelines.iter().map(|t| (t.account.as_str(), t)).collect();
    let mut silent_of: BTreeMap<&str, Vec<SilentDetractor>> = BTreeMap::new();
    for s in silent {
        if let Some(account) = s.account.as_deref() {
            silent_of.entry(account).or_default().push(s.clone());
        }
    }
    let accounts: BTreeSet<&str> = by_account.keys().chain(silent_of.keys()).copied().collect();
    let mut out: Vec<AtRiskAccount> = accounts
        .into_iter()
        .filter_map(|account| {
            let facts = business.get(account);
            if facts.is_some_and(|b| b.churned) {
                return None;
            }
            let timeline = by_account.get(account).copied();
            let silent = silent_of.get(account).map(Vec::as_slice).unwrap_or_default();
            let reasons = account_reasons(timeline, silent, facts, now, cfg);
            (!reasons.is_empty()).then(|| AtRiskAccount {
                account: account.to_owned(),
                risk_score: risk_score(&reasons),
                latest: timeline.and_then(|t| t.waves.last()).map(WavePoint::of),
                mrr_cents: facts.and_then(|b| b.mrr_cents),
                renewal_at: facts.and_then(|b| b.renewal_at),
                reasons,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.risk_score.total_cmp(&a.risk_score).then(b.mrr_cents.cmp(&a.mrr_cents)).then_with(|| a.account.cmp(&b.account))
    });
    out
}
