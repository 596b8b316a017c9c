//! The decision: may this user be asked this survey now, and if not, which rule says no.

use crate::names::names;
use super::fatigue::{FatiguePolicy, Timing, UserHistory};
use super::sampling::is_sampled;
use super::targeting::{Subject, internal_reason, targeting_miss};
use super::{DAY_MS, SurveyRules};
use serde::{Deserialize, Serialize};

/// The rule behind a [`Decision`], in evaluation order (see [`decide`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Rule {
    /// Nothing blocks.
    Eligible,
    SurveyNotLive,
    /// Before `starts_at` or from `ends_at` on.
    Schedule,
    /// The user asked never to be surveyed again.
    OptedOut,
    /// Staff or test user (excluded by attribute or e-mail domain).
    InternalUser,
    Targeting,
    /// Outside the survey's sticky sample.
    Sampling,
    ResponseCapDaily,
    ResponseCapTotal,
    FirstSurveyDelay,
    AfterResponse,
    /// Relational survey answered less than `cadence_days` ago.
    Cadence,
    AfterDecline,
    /// Declined `decline_backoff_after` times: the long back-off.
    DeclineBackoff,
    AfterSnooze,
    GlobalCooldown,
    /// `max_surveys_per_window` reached.
    SurveyCap,
}

impl Rule {
    /// A fatigue rule: it blocks this user for a while, then lets go. Reports count these as
    /// "throttled" rather than "not in the audience".
    pub fn is_fatigue(self) -> bool {
        matches!(
            self,
            Rule::FirstSurveyDelay
                | Rule::AfterResponse
                | Rule::Cadence
                | Rule::AfterDecline
                | Rule::DeclineBackoff
                | Rule::AfterSnooze
                | Rule::GlobalCooldown
                | Rule::SurveyCap
        )
    }
}

// In evaluation order (`decide` checks them in this order).
names!(Rule {
    Eligible => "eligible",
    SurveyNotLive => "survey_not_live",
    Schedule => "schedule",
    OptedOut => "opted_out",
    InternalUser => "internal_user",
    Targeting => "targeting",
    Sampling => "sampling",
    ResponseCapDaily => "response_cap_daily",
    ResponseCapTotal => "response_cap_total",
    FirstSurveyDelay => "first_survey_delay",
    AfterResponse => "after_response",
    Cadence => "cadence",
    AfterDecline => "after_decline",
    DeclineBackoff => "decline_backoff",
    AfterSnooze => "after_snooze",
    GlobalCooldown => "global_cooldown",
    SurveyCap => "survey_cap",
});

/// Everything [`decide`] needs, gathered by the caller (the collector reads it from storage;
/// the widget from its config and local history).
#[derive(Debug, Clone, Copy)]
pub struct DecisionInput<'a> {
    /// Unix ms.
    pub now: i64,
    pub survey_id: i64,
    pub rules: &'a SurveyRules,
    /// The project's policy; `rules.fatigue` is applied on top.
    pub policy: &'a FatiguePolicy,
    pub subject: Subject<'a>,
    pub history: &'a UserHistory,
    /// Answers to this survey so far in the current UTC day.
    pub responses_today: u64,
    /// Answers to this survey over its life.
    pub responses_total: u64,
    /// The survey's status is live.
    pub survey_live: bool,
}

/// May the user be asked, and if not, the first rule that says no.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Decision {
    pub eligible: bool,
    pub rule: Rule,
    /// Why, for people (admin "why was I not asked?", logs).
    pub detail: String,
    /// Unix ms at which this rule stops blocking, when known (timing rules, a schedule not yet
    /// started, the daily cap). Another rule may still block then.
    pub retry_after: Option<i64>,
    /// The sampling rate in force, stored with the display and the response so that answers
    /// can be weighted by 10000 / rate.
    pub sampling_rate_bp: u32,
}

/// One rule saying no.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Block {
    pub rule: Rule,
    pub detail: String,
    pub retry_after: Option<i64>,
}

/// Decides whether the user may be asked the survey now.
///
/// Rules are checked in the order of [`Rule::ALL`]: first what makes the survey unavailable to
/// everyone (not live, schedule), then what excludes the person for good (opted out, internal,
/// targeting, sampling), then the survey's response caps, then the fatigue timing rules. Cheap,
/// permanent reasons come first so the named rule is the most useful one: telling an internal
/// user "wait 3 days" would be misleading.
pub fn decide(input: &DecisionInput) -> Decision {
    let ctx = Ctx::new(input);
    match CHECKS.iter().find_map(|check| check(&ctx)) {
        Some(block) => ctx.blocked(block),
        None => ctx.eligible(),
    }
}

/// Every rule that blocks, in evaluation order (empty = eligible): what an admin sees when
/// asking why a user was not surveyed, since fixing the first rule may only reveal the next.
pub fn explain(input: &DecisionInput) -> Vec<Decision> {
    let ctx = Ctx::new(input);
    CHECKS.iter().filter_map(|check| check(&ctx)).map(|block| ctx.blocked(block)).collect()
}

type Check = fn(&Ctx) -> Option<Block>;

const CHECKS: [Check; 14] = [
    not_live,
    schedule,
    opted_out,
    internal,
    targeting,
    sampling,
    cap_daily,
    cap_total,
    |c| c.timing().first_survey(),
    |c| c.timing().after_response(),
    |c| c.timing().after_decline(),
    |c| c.timing().after_snooze(),
    |c| c.timing().global_cooldown(),
    |c| c.timing().survey_cap(),
];

struct Ctx<'i, 'a> {
    input: &'i DecisionInput<'a>,
    /// The project's policy with the survey's overrides applied.
    policy: FatiguePolicy,
    rate_bp: u32,
}

impl<'i, 'a> Ctx<'i, 'a> {
    fn new(input: &'i DecisionInput<'a>) -> Self {
        let policy = input.policy.with_overrides(&input.rules.fatigue);
        Self { input, policy, rate_bp: input.rules.sampling_rate() }
    }

    fn timing(&self) -> Timing<'_> {
        Timing {
            policy: &self.policy,
            history: self.input.history,
            survey_id: self.input.survey_id,
            cadence_days: self.input.rules.effective_cadence_days(),
            now: self.input.now,
        }
    }

    fn eligible(&self) -> Decision {
        let detail = "eligible".to_owned();
        Decision { eligible: true, rule: Rule::Eligible, detail, retry_after: None, sampling_rate_bp: self.rate_bp }
    }

    fn blocked(&self, b: Block) -> Decision {
        Decision {
            eligible: false,
            rule: b.rule,
            detail: b.detail,
            retry_after: b.retry_after,
            sampling_rate_bp: self.rate_bp,
        }
    }
}

fn block(rule: Rule, detail: impl Into<String>, retry_after: Option<i64>) -> Option<Block> {
    Some(Block { rule, detail: detail.into(), retry_after })
}

fn not_live(c: &Ctx) -> Option<Block> {
    if c.input.survey_live { None } else { block(Rule::SurveyNotLive, "the survey is not live", None) }
}

fn schedule(c: &Ctx) -> Option<Block> {
    let schedule = &c.input.rules.schedule;
    let reason = schedule.blocks(c.input.now)?;
    let retry_after = schedule.starts_at.filter(|start| c.input.now < *start);
    block(Rule::Schedule, format!("the survey {reason}"), retry_after)
}

fn opted_out(c: &Ctx) -> Option<Block> {
    c.input.history.opted_out.then(|| Block {
        rule: Rule::OptedOut,
        detail: "the user opted out of all surveys".to_owned(),
        retry_after: None,
    })
}

fn internal(c: &Ctx) -> Option<Block> {
    let reason = internal_reason(&c.input.rules.targeting, &c.input.subject)?;
    block(Rule::InternalUser, reason, None)
}

fn targeting(c: &Ctx) -> Option<Block> {
    let reason = targeting_miss(&c.input.rules.targeting, &c.input.subject)?;
    block(Rule::Targeting, reason, None)
}

fn sampling(c: &Ctx) -> Option<Block> {
    if is_sampled(c.input.survey_id, c.input.subject.user_key, c.rate_bp) {
        return None;
    }
    block(Rule::Sampling, format!("outside the {}% sample", f64::from(c.rate_bp) / 100.0), None)
}

/// The daily cap lifts at the next UTC midnight, which is when `responses_today` restarts.
fn cap_daily(c: &Ctx) -> Option<Block> {
    let cap = c.input.rules.response_caps.per_day?;
    if c.input.responses_today < u64::from(cap) {
        return None;
    }
    let tomorrow = c.input.now - c.input.now.rem_euclid(DAY_MS) + DAY_MS;
    block(Rule::ResponseCapDaily, format!("{} answers today (cap {cap})", c.input.responses_today), Some(tomorrow))
}

fn cap_total(c: &Ctx) -> Option<Block> {
    let cap = c.input.rules.response_caps.total?;
    if c.input.responses_total < u64::from(cap) {
        return None;
    }
    block(Rule::ResponseCapTotal, format!("{} answers in total (cap {cap})", c.input.responses_total), None)
}
