//! Generated account histories for `account_rollups.rs`: two years of answers over 30
//! accounts, written as the drainer receives them (identifies, comment-first answers whose
//! score comes in a later batch, users moving between accounts and roles, answers sharing a
//! millisecond, answers to an employee survey), then displays, declines and opt-outs that make
//! some detractors silent.

use crate::support::{complete, display, feedback, response};
use nps_collector::ingest::IngestRecord;
use nps_core::wire::{AccountMembership, Attributes, ClientId, FeedbackKind};
use nps_e2e::Lcg;
use std::collections::BTreeMap;

pub const DAY: i64 = 86_400_000;
pub const ACCOUNTS: u64 = 30;
const USERS: u64 = 240;
const ANSWERS: usize = 2_400;
const SPAN_DAYS: u64 = 720;
const ROLES: [&str; 5] = ["executive_buyer", "admin", "end_user", "end_user", "champion"];

pub fn account_name(k: u64) -> String {
    format!("acct-{k:02}")
}

/// The surveys answers go to: two customer surveys, one that changes kind during the test,
/// and an employee survey whose answers must never reach the account reports.
#[derive(Clone, Copy)]
pub struct Surveys {
    pub tnps: i64,
    pub rnps: i64,
    pub changing: i64,
    pub employee: i64,
}

pub struct History {
    /// In the order the drainer applies them.
    pub batches: Vec<Vec<IngestRecord>>,
}

/// Users without an account (every 11th); the others start in account `u % 30` and move now
/// and then. Roles include one outside the decision-maker precedence.
fn identify(project_id: i64, u: u64, shift: u64, at: i64) -> IngestRecord {
    let account = (!u.is_multiple_of(11)).then(|| AccountMembership {
        id: ClientId::parse(account_name((u + shift * 7) % ACCOUNTS)).expect("valid"),
        attributes: Default::default(),
        role: ClientId::parse(ROLES[((u + shift) % 5) as usize]).expect("valid"),
    });
    IngestRecord::Identify { project_id, at, user_id: format!("u{u}"), attributes: Attributes::new(), created_at: None, language: None, account }
}

/// Accounts 0, 5, 10, ... get worse over the two years; the others hold their level.
fn score(rng: &mut Lcg, u: u64, age_days: u64) -> i64 {
    let account = u % ACCOUNTS;
    let base = 5 + (account % 6) as i64;
    let drift = if account.is_multiple_of(5) { (SPAN_DAYS - age_days) as i64 * 7 / SPAN_DAYS as i64 } else { 0 };
    (base - drift + rng.below(5) as i64 - 2).clamp(0, 10)
}

pub fn generate(project_id: i64, surveys: Surveys, now: i64) -> History {
    let mut rng = Lcg(2026);
    let mut batches = vec![(0..USERS).map(|u| identify(project_id, u, 0, now - 800 * DAY)).collect::<Vec<_>>()];
    let (mut batch, mut late_scores) = (Vec::new(), Vec::new());
    let mut latest: BTreeMap<u64, (i64, i64)> = BTreeMap::new();
    let mut previous: Option<(u64, i64, i64)> = None;
    for i in 0..ANSWERS {
        let age = rng.below(SPAN_DAYS);
        let (mut u, mut at) = (rng.below(USERS), now - (age as i64 + 1) * DAY + rng.below(DAY as u64) as i64);
        let pick = rng.below(20);
        let mut survey = match pick {
            0..=8 => surveys.tnps,
            9..=15 => surveys.rnps,
            16..=18 => surveys.changing,
            _ => surveys.employee,
        };
        // Every 29th answer shares the millisecond, user and survey of the one before.
        if let Some((pu, ps, pa)) = previous.filter(|_| i % 29 == 7) {
            (u, survey, at) = (pu, ps, pa);
        }
        previous = Some((u, survey, at));
        let user = format!("u{u}");
        let s = score(&mut rng, u, age);
        let id = format!("r{i:05}");
        if survey != surveys.employee && latest.get(&u).is_none_or(|l| l.0 <= at) {
            latest.insert(u, (at, s));
        }
        let record = response(project_id, survey, &id, &user, s, at);
        if i % 10 == 3 {
            // The comment arrives first; the score follows in the next batch.
            batch.push(complete(project_id, survey, &id, &user, "late", at));
            late_scores.push(record);
        } else {
            batch.push(record);
        }
        if batch.len() >= 200 {
            batches.push(std::mem::take(&mut batch));
            batch.append(&mut late_scores);
            // Some users move to another account or role between batches.
            let shift = batches.len() as u64;
            batches.push((0..USERS).filter(|u| u % 9 == shift % 9).map(|u| identify(project_id, u, shift, now - 800 * DAY)).collect());
        }
    }
    batch.append(&mut late_scores);
    batches.push(batch);
    batches.push(engagement(project_id, surveys, &latest, now));
    History { batches }
}

/// Displays, declines and opt-outs after the latest answer of recent answerers (and one display
/// before it, which must not count): some detractors go silent.
fn engagement(project_id: i64, surveys: Surveys, latest: &BTreeMap<u64, (i64, i64)>, now: i64) -> Vec<IngestRecord> {
    let mut out = Vec::new();
    for (u, (at, _)) in latest.iter().filter(|(_, (at, _))| now - at < 150 * DAY) {
        let user = format!("u{u}");
        let display = |id: String, survey_id: i64, at: i64| display(project_id, survey_id, &id, &user, at);
        let feedback = |id: String, kind: FeedbackKind, survey_id: Option<i64>, at: i64| feedback(project_id, survey_id, &id, &user, kind, at);
        match u % 4 {
            0 => (1..=2).for_each(|k| out.push(display(format!("d{u}-{k}"), surveys.tnps, at + k * DAY))),
            1 => (1..=2).for_each(|k| out.push(feedback(format!("f{u}-{k}"), FeedbackKind::Decline, Some(surveys.rnps), at + k * 3_600_000))),
            2 if u % 3 == 0 => out.push(feedback(format!("o{u}"), FeedbackKind::OptOut, None, at + 60_000)),
            _ => {
                // Shown once after and once before the answer: not enough to be silent.
                out.push(display(format!("d{u}-after"), surveys.rnps, at + DAY));
                out.push(display(format!("d{u}-before"), surveys.tnps, at - DAY));
            }
        }
    }
    out
}
