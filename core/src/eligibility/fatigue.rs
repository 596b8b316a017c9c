//! Fatigue: how often one person is asked, per survey and across all surveys.
//!
//! The defaults follow what the market converged on (first survey 30 days after sign-up, 90
//! days after an answer, 30 after a decline, 7 after "ask me later", a global cooldown) plus a
//! long back-off for people who keep declining. Each check reads only the user's history and
//! `now`, and says when it stops blocking, so the widget can stay quiet until then.

use super::DAY_MS;
use super::dates::format_utc;
use super::decide::{Block, Rule};
use serde::{Deserialize, Serialize};

/// The project's fatigue rules. A zero number of days turns that rule off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FatiguePolicy {
    /// No survey before the user has been around this long (from `first_seen_at`): a new user
    /// cannot judge the product yet.
    pub first_survey_after_days: u32,
    /// After an answer to a survey, wait this long before asking the same survey again.
    pub after_response_days: u32,
    /// After a decline of a survey, wait this long before asking it again.
    pub after_decline_days: u32,
    /// After this many declines of one survey (since the user last answered it), switch to
    /// `decline_backoff_days`; 0 = never.
    pub decline_backoff_after: u32,
    pub decline_backoff_days: u32,
    /// After "ask me later".
    pub after_snooze_days: u32,
    /// After any contact with any survey, no survey for this long.
    pub global_cooldown_days: u32,
    /// At most `count` displays of any survey within the last `days` days.
    pub max_surveys_per_window: Option<(u32, u32)>,
}

impl Default for FatiguePolicy {
    fn default() -> Self {
        Self {
            first_survey_after_days: 30,
            after_response_days: 90,
            after_decline_days: 30,
            decline_backoff_after: 3,
            decline_backoff_days: 180,
            after_snooze_days: 7,
            global_cooldown_days: 14,
            max_surveys_per_window: None,
        }
    }
}

/// Per-survey changes to the [`FatiguePolicy`]; `None` keeps the project's value. To lift a
/// project-wide `max_surveys_per_window` for one survey, set a window of 0 days (`[n, 0]`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FatigueOverrides {
    pub first_survey_after_days: Option<u32>,
    pub after_response_days: Option<u32>,
    pub after_decline_days: Option<u32>,
    pub decline_backoff_after: Option<u32>,
    pub decline_backoff_days: Option<u32>,
    pub after_snooze_days: Option<u32>,
    pub global_cooldown_days: Option<u32>,
    pub max_surveys_per_window: Option<(u32, u32)>,
}

impl FatiguePolicy {
    /// The policy in force for one survey.
    pub fn with_overrides(&self, o: &FatigueOverrides) -> FatiguePolicy {
        FatiguePolicy {
            first_survey_after_days: o.first_survey_after_days.unwrap_or(self.first_survey_after_days),
            after_response_days: o.after_response_days.unwrap_or(self.after_response_days),
            after_decline_days: o.after_decline_days.unwrap_or(self.after_decline_days),
            decline_backoff_after: o.decline_backoff_after.unwrap_or(self.decline_backoff_after),
            decline_backoff_days: o.decline_backoff_days.unwrap_or(self.decline_backoff_days),
            after_snooze_days: o.after_snooze_days.unwrap_or(self.after_snooze_days),
            global_cooldown_days: o.global_cooldown_days.unwrap_or(self.global_cooldown_days),
            max_surveys_per_window: o.max_surveys_per_window.or(self.max_surveys_per_window),
        }
    }

    /// Problems an editor must fix, each naming the field under `prefix` (e.g. `policy`).
    pub fn problems(&self, prefix: &str) -> Vec<String> {
        match self.max_surveys_per_window {
            Some((0, days)) if days > 0 => {
                vec![format!("{prefix}.max_surveys_per_window allows 0 surveys, so nobody would ever be asked")]
            }
            _ => Vec::new(),
        }
    }
}

/// What the user has seen and done, across all surveys of the project.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UserHistory {
    /// The earlier of the host app's `created_at` and the first time the collector saw the user.
    pub first_seen_at: i64,
    /// "Never ask me again": honoured forever, for every survey.
    pub opted_out: bool,
    /// In any order.
    pub events: Vec<HistoryEvent>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEvent {
    pub survey_id: i64,
    pub kind: HistoryKind,
    pub at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HistoryKind {
    Display,
    Response,
    Decline,
    Snooze,
}

impl UserHistory {
    /// When the user last had `kind` on `survey_id`.
    pub fn last(&self, survey_id: i64, kind: HistoryKind) -> Option<i64> {
        self.events.iter().filter(|e| e.survey_id == survey_id && e.kind == kind).map(|e| e.at).max()
    }

    /// Declines of `survey_id` after the user's last answer to it, and the latest of them.
    ///
    /// An answer resets the count: someone who declined three times two years ago and has
    /// answered since is not a persistent decliner.
    pub fn declines_since_response(&self, survey_id: i64) -> (u32, Option<i64>) {
        let answered = self.last(survey_id, HistoryKind::Response).unwrap_or(i64::MIN);
        self.events
            .iter()
            .filter(|e| e.survey_id == survey_id && e.kind == HistoryKind::Decline && e.at > answered)
            .fold((0, None), |(n, last), e| (n + 1, last.max(Some(e.at))))
    }

    /// The latest contact that starts the global cooldown for `survey_id`.
    ///
    /// Every event counts, not only displays: an answer, decline or snooze implies the survey
    /// was seen even when the display beacon was lost (offline, blocked). One exception: an
    /// "ask me later" on this very survey clears its own earlier contacts, because the user
    /// asked to see it again after the snooze period and a longer cooldown would silently
    /// overrule that.
    pub fn last_contact(&self, survey_id: i64) -> Option<&HistoryEvent> {
        let snoozed = self.last(survey_id, HistoryKind::Snooze).unwrap_or(i64::MIN);
        self.events.iter().filter(|e| e.survey_id != survey_id || e.at > snoozed).max_by_key(|e| e.at)
    }

    /// Times of displays of any survey after `since`, latest first.
    pub fn displays_since(&self, since: i64) -> Vec<i64> {
        let mut at: Vec<i64> =
            self.events.iter().filter(|e| e.kind == HistoryKind::Display && e.at > since).map(|e| e.at).collect();
        at.sort_unstable_by(|a, b| b.cmp(a));
        at
    }
}

/// The timing checks for one survey, one user, one moment.
pub(crate) struct Timing<'a> {
    pub policy: &'a FatiguePolicy,
    pub history: &'a UserHistory,
    pub survey_id: i64,
    pub cadence_days: Option<u32>,
    pub now: i64,
}

impl Timing<'_> {
    pub fn first_survey(&self) -> Option<Block> {
        let days = self.policy.first_survey_after_days;
        self.wait(Rule::FirstSurveyDelay, self.history.first_seen_at, days, "first seen")
    }

    /// After an answer; a relational survey's cadence replaces the policy's delay.
    pub fn after_response(&self) -> Option<Block> {
        let at = self.history.last(self.survey_id, HistoryKind::Response)?;
        match self.cadence_days {
            Some(days) => self.wait(Rule::Cadence, at, days, "answered (relational cadence)"),
            None => self.wait(Rule::AfterResponse, at, self.policy.after_response_days, "answered"),
        }
    }

    pub fn after_decline(&self) -> Option<Block> {
        let (count, last) = self.history.declines_since_response(self.survey_id);
        let at = last?;
        let backoff_after = self.policy.decline_backoff_after;
        if backoff_after > 0 && count >= backoff_after {
            let what = format!("declined {count} times, last");
            return self.wait(Rule::DeclineBackoff, at, self.policy.decline_backoff_days, &what);
        }
        self.wait(Rule::AfterDecline, at, self.policy.after_decline_days, "declined")
    }

    pub fn after_snooze(&self) -> Option<Block> {
        let at = self.history.last(self.survey_id, HistoryKind::Snooze)?;
        self.wait(Rule::AfterSnooze, at, self.policy.after_snooze_days, "asked to be asked later")
    }

    pub fn global_cooldown(&self) -> Option<Block> {
        let contact = self.history.last_contact(self.survey_id)?;
        let what = format!("last contact (survey {})", contact.survey_id);
        self.wait(Rule::GlobalCooldown, contact.at, self.policy.global_cooldown_days, &what)
    }

    /// At most `count` displays in the last `days`; blocks until the `count`-th latest display
    /// leaves the window.
    pub fn survey_cap(&self) -> Option<Block> {
        let (count, days) = self.policy.max_surveys_per_window?;
        if days == 0 {
            return None;
        }
        let shown = self.history.displays_since(self.now.saturating_sub(days_ms(days)));
        if shown.len() < count as usize {
            return None;
        }
        let detail = format!("{} surveys shown in the last {days} days (at most {count})", shown.len());
        let retry_after = count.checked_sub(1).map(|i| shown[i as usize].saturating_add(days_ms(days)));
        Some(Block { rule: Rule::SurveyCap, detail, retry_after })
    }

    /// Blocks with `rule` until `days` after `since`.
    fn wait(&self, rule: Rule, since: i64, days: u32, what: &str) -> Option<Block> {
        if days == 0 {
            return None;
        }
        let until = since.saturating_add(days_ms(days));
        (self.now < until).then(|| Block {
            rule,
            detail: format!("{what} at {}; {days} days to wait, until {}", format_utc(since), format_utc(until)),
            retry_after: Some(until),
        })
    }
}

fn days_ms(days: u32) -> i64 {
    i64::from(days) * DAY_MS
}
