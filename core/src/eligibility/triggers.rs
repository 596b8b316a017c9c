//! Triggers: the moment in the host app at which a survey may be shown.
//!
//! A trigger only says *when*; whether this user may be asked at all is [`super::decide`]'s
//! job. Single-page apps report a route change as a page view with the new URL, so there is no
//! separate trigger for it.

use super::conditions::PropertyCondition;
use crate::attributes::Attributes;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Trigger {
    /// The host app tracked an event (e.g. `report_exported`), optionally with properties.
    Event {
        name: String,
        /// All must hold on the event's properties.
        #[serde(default)]
        conditions: Vec<PropertyCondition>,
        /// Fire from the n-th occurrence of the event on (1 = the first). "From", not "only at":
        /// a user who was in a cooldown at the n-th occurrence would otherwise never qualify.
        #[serde(default)]
        nth_occurrence: Option<u32>,
        /// Wait this long after the event before showing (let the user finish what they did).
        #[serde(default)]
        delay_ms: Option<u64>,
    },
    /// The user opened a URL (or a single-page app changed route).
    PageView {
        url: UrlRule,
        #[serde(default)]
        delay_ms: Option<u64>,
    },
    /// Relational NPS: no moment of its own; fires on any event or page view, and the cadence
    /// (how often one user is asked) is enforced by [`super::decide`].
    Cadence { every_days: u32 },
}

/// How a page view's URL is compared with [`UrlRule::value`] (case-sensitive, on the URL as the
/// widget reports it, normally `location.href`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UrlOp {
    Exact,
    Prefix,
    Contains,
    /// `*` matches any run of characters (including `/`), `?` exactly one; nothing else is
    /// special. The whole URL must match.
    Glob,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UrlRule {
    pub op: UrlOp,
    pub value: String,
}

/// What just happened in the host app, as the widget reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TriggerContext {
    Event {
        name: String,
        #[serde(default)]
        properties: Attributes,
        /// How many times this user has had this event, this one included (1 = first).
        #[serde(default = "first_occurrence")]
        occurrence: u32,
    },
    PageView {
        url: String,
    },
}

fn first_occurrence() -> u32 {
    1
}

/// The first of the survey's triggers that fires on `ctx`, if any (its delay is the caller's to
/// honour).
pub fn trigger_fires<'r>(rules: &'r super::SurveyRules, ctx: &TriggerContext) -> Option<&'r Trigger> {
    rules.triggers.iter().find(|trigger| trigger.fires(ctx))
}

impl Trigger {
    pub fn fires(&self, ctx: &TriggerContext) -> bool {
        match (self, ctx) {
            (
                Trigger::Event { name, conditions, nth_occurrence, .. },
                TriggerContext::Event { name: seen, properties, occurrence },
            ) => {
                name == seen
                    && *occurrence >= nth_occurrence.unwrap_or(1)
                    && conditions.iter().all(|c| c.matches(properties))
            }
            (Trigger::PageView { url, .. }, TriggerContext::PageView { url: seen }) => url.matches(seen),
            (Trigger::Cadence { .. }, _) => true,
            _ => false,
        }
    }

    /// Milliseconds to wait after the trigger before showing the survey.
    pub fn delay_ms(&self) -> u64 {
        match self {
            Trigger::Event { delay_ms, .. } | Trigger::PageView { delay_ms, .. } => delay_ms.unwrap_or(0),
            Trigger::Cadence { .. } => 0,
        }
    }

    /// A short label stored with displays and responses (`event:report_exported`,
    /// `page_view:/billing*`, `cadence:90d`), so reports can split answers by trigger.
    pub fn label(&self) -> String {
        match self {
            Trigger::Event { name, .. } => format!("event:{name}"),
            Trigger::PageView { url, .. } => format!("page_view:{}", url.value),
            Trigger::Cadence { every_days } => format!("cadence:{every_days}d"),
        }
    }
}

impl UrlRule {
    pub fn matches(&self, url: &str) -> bool {
        match self.op {
            UrlOp::Exact => url == self.value,
            UrlOp::Prefix => url.starts_with(&self.value),
            UrlOp::Contains => url.contains(&self.value),
            UrlOp::Glob => glob_match(&self.value, url),
        }
    }

    /// What is wrong with the rule, if anything (for editors).
    pub fn problem(&self) -> Option<&'static str> {
        if self.value.is_empty() {
            return Some("must not be empty");
        }
        let unsupported = self.op == UrlOp::Glob && self.value.contains(['[', ']', '{', '}']);
        unsupported.then_some("uses [ ] or { }, which this glob does not support (only * and ?)")
    }
}

/// Whether `text` matches `pattern` in full, with `*` = any run of characters and `?` = one.
///
/// The classic greedy matcher with one backtrack point: on a mismatch it retries from the last
/// `*`, consuming one more character. That is O(len(pattern) x len(text)) at worst, never
/// exponential, so a hostile pattern cannot stall the widget.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || (p[pi] != '*' && p[pi] == t[ti])) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((star_pi, star_ti)) = star {
            pi = star_pi + 1;
            ti = star_ti + 1;
            star = Some((star_pi, ti));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}
