//! The eligibility facts of every user, kept in memory by a collector that owns its database
//! alone (the embedded SQLite default), so an authoritative decision costs no SQL at all.
//!
//! Why: a decision needs the user's attributes, account, role, language, opt-out and two years
//! of displays, answers, declines and snoozes. Read from SQLite that is two or three statements
//! (each a hop to sqlx's worker thread) and, for a yes, a write transaction with its own fsync:
//! about 600 decisions/s on two cores. In memory it is a hash lookup.
//!
//! How it stays exact:
//! - it is built at start-up from SQL and then from the records still in the spool, before the
//!   drainer starts (so no record can slip between the two reads);
//! - every record the spool acknowledges is applied here right after its fsync, with the same
//!   meaning the drainer gives it in SQL (attributes replaced, other identity fields kept when
//!   absent, a replayed event recognised by its id and counted once);
//! - a granted display is appended to the spool (fsync'd) before the decision is answered, and
//!   decisions for one user are serialised by a per-user lock held across the read, the rules
//!   and that append, so two concurrent requests can never both claim a display.
//!
//! It is only correct while this process is the only writer: with PostgreSQL (several
//! collectors may share it) decisions read and claim in SQL under an advisory lock instead.

use crate::ingest::IngestRecord;
use crate::store::resident::{ResidentEvent, ResidentUser};
use crate::store::{DecisionFacts, DynStore, StoreResult};
use nps_core::eligibility::{HistoryEvent, HistoryKind, UserHistory};
use nps_core::wire::{Attributes, FeedbackKind};
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::Mutex;

const SHARDS: usize = 64;
const CLAIM_LOCKS: usize = 4_096;
const MS_PER_DAY: i64 = 86_400_000;
/// The rules never look further back than this (same window as the SQL path).
const HISTORY_WINDOW_MS: i64 = 2 * 365 * MS_PER_DAY;

type UserKey = (i64, String);

#[derive(Debug, Default, Clone)]
struct UserEntry {
    created_at: Option<i64>,
    /// When the user was first identified (`None`: never identified).
    first_seen_at: Option<i64>,
    attributes: Attributes,
    language: Option<String>,
    account_id: Option<String>,
    role: Option<String>,
    opted_out: bool,
    /// Events with the client-generated id that made them: a replayed record is recognised.
    events: Vec<(HistoryEvent, Box<str>)>,
}

impl UserEntry {
    fn add_event(&mut self, id: &str, event: HistoryEvent) -> bool {
        if self.events.iter().any(|(_, known)| &**known == id) {
            return false;
        }
        self.events.push((event, id.into()));
        true
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct SurveyCounts {
    total: u64,
    /// Days since 1970-01-01 that `today` counts.
    day: i64,
    today: u64,
}

pub struct Resident {
    users: Vec<Mutex<HashMap<UserKey, UserEntry>>>,
    accounts: Mutex<HashMap<(i64, String), Attributes>>,
    counts: Mutex<HashMap<i64, SurveyCounts>>,
    /// Serialises the decisions of one user (striped: a collision only makes two users wait
    /// for each other, it never lets one user's decisions interleave).
    claims: Vec<tokio::sync::Mutex<()>>,
    hasher: std::collections::hash_map::RandomState,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Resident {
    fn empty() -> Self {
        Self {
            users: (0..SHARDS).map(|_| Mutex::default()).collect(),
            accounts: Mutex::default(),
            counts: Mutex::default(),
            claims: (0..CLAIM_LOCKS).map(|_| tokio::sync::Mutex::new(())).collect(),
            hasher: Default::default(),
        }
    }

    /// Builds the state from SQL, then applies `pending` (the records still in the spool, in
    /// spool order). Returns `None` when the store holds more users than `max_users`.
    pub async fn load(store: &DynStore, pending: &[IngestRecord], max_users: u64, now: i64) -> StoreResult<Option<Self>> {
        let users = store.count_users().await?;
        if users > max_users {
            tracing::warn!(users, max_users, "too many users to keep eligibility facts in memory; deciding from SQL");
            return Ok(None);
        }
        let resident = Self::empty();
        for user in store.resident_users().await? {
            resident.load_user(user)?;
        }
        let accounts = store.resident_accounts().await?;
        {
            let mut map = lock(&resident.accounts);
            for (project_id, account_id, attributes) in accounts {
                map.insert((project_id, account_id), serde_json::from_str(&attributes)?);
            }
        }
        for event in store.resident_events(now - HISTORY_WINDOW_MS).await? {
            resident.load_event(event);
        }
        let today = now.div_euclid(MS_PER_DAY);
        let counts = store.resident_counts(today * MS_PER_DAY).await?;
        {
            let mut map = lock(&resident.counts);
            for c in counts {
                map.insert(c.survey_id, SurveyCounts { total: c.total, day: today, today: c.today });
            }
        }
        for record in pending {
            resident.apply(record);
        }
        tracing::info!(users, pending = pending.len(), "eligibility facts loaded into memory");
        Ok(Some(resident))
    }

    fn shard(&self, project_id: i64, user_id: &str) -> usize {
        self.hasher.hash_one((project_id, user_id)) as usize
    }

    fn with_user<R>(&self, project_id: i64, user_id: &str, f: impl FnOnce(&mut UserEntry) -> R) -> R {
        let mut shard = lock(&self.users[self.shard(project_id, user_id) % SHARDS]);
        let key = (project_id, user_id.to_owned());
        f(shard.entry(key).or_default())
    }

    fn read_user<R>(&self, project_id: i64, user_id: &str, f: impl FnOnce(Option<&UserEntry>) -> R) -> R {
        let shard = lock(&self.users[self.shard(project_id, user_id) % SHARDS]);
        f(shard.get(&(project_id, user_id.to_owned())))
    }

    fn load_user(&self, user: ResidentUser) -> StoreResult<()> {
        let attributes = serde_json::from_str(&user.attributes)?;
        self.with_user(user.project_id, &user.user_id, |entry| {
            entry.created_at = user.created_at;
            entry.first_seen_at = Some(user.first_seen_at);
            entry.attributes = attributes;
            entry.language = user.language;
            entry.account_id = user.account_id;
            entry.role = user.account_role;
        });
        Ok(())
    }

    fn load_event(&self, event: ResidentEvent) {
        self.with_user(event.project_id, &event.user_id, |entry| match (event.kind, event.survey_id) {
            (None, _) => entry.opted_out = true,
            (Some(kind), Some(survey_id)) => {
                entry.events.push((HistoryEvent { survey_id, kind, at: event.at }, event.id.into()));
            }
            (Some(_), None) => {}
        });
    }

    /// Waits until no other decision of this user is in progress; hold the guard until the
    /// decision's records are in the spool.
    pub async fn lock_user(&self, project_id: i64, user_id: &str) -> tokio::sync::MutexGuard<'_, ()> {
        self.claims[self.shard(project_id, user_id) % CLAIM_LOCKS].lock().await
    }

    /// The facts a decision about `survey_id` reads, as of `now`.
    pub fn facts(&self, project_id: i64, user_id: &str, survey_id: i64, now: i64) -> DecisionFacts {
        let (mut facts, account_id) = self.read_user(project_id, user_id, |entry| {
            let unknown = UserEntry::default();
            let entry = entry.unwrap_or(&unknown);
            let first_seen_at = match (entry.created_at, entry.first_seen_at) {
                (Some(c), Some(s)) => c.min(s),
                (c, s) => c.or(s).unwrap_or(now),
            };
            let events = entry.events.iter().map(|(e, _)| *e).filter(|e| e.at >= now - HISTORY_WINDOW_MS).collect();
            let facts = DecisionFacts {
                history: UserHistory { first_seen_at, opted_out: entry.opted_out, events },
                user_attributes: entry.attributes.clone(),
                role: entry.role.clone(),
                language: entry.language.clone(),
                ..Default::default()
            };
            (facts, entry.account_id.clone())
        });
        if let Some(account_id) = account_id {
            facts.account_attributes = lock(&self.accounts).get(&(project_id, account_id)).cloned();
        }
        let counts = lock(&self.counts).get(&survey_id).copied().unwrap_or_default();
        facts.responses_total = counts.total;
        facts.responses_today = if counts.day == now.div_euclid(MS_PER_DAY) { counts.today } else { 0 };
        facts
    }

    /// Forgets an erased user: their facts are gone from SQL and the spool too, so a decision
    /// about them now sees a user never met.
    pub fn forget(&self, project_id: i64, user_id: &str) {
        lock(&self.users[self.shard(project_id, user_id) % SHARDS]).remove(&(project_id, user_id.to_owned()));
    }

    /// Applies an acknowledged record, with the meaning the drainer gives it in SQL.
    pub fn apply(&self, record: &IngestRecord) {
        match record {
            IngestRecord::Identify { project_id, at, user_id, attributes, created_at, language, account } => {
                self.with_user(*project_id, user_id, |entry| {
                    entry.first_seen_at.get_or_insert(*at);
                    entry.attributes = attributes.clone();
                    entry.created_at = created_at.or(entry.created_at);
                    if language.is_some() {
                        entry.language = language.clone();
                    }
                    if let Some(account) = account {
                        entry.account_id = Some(account.id.clone());
                        entry.role = Some(account.role.clone());
                    }
                });
                if let Some(account) = account {
                    lock(&self.accounts).insert((*project_id, account.id.clone()), account.attributes.clone());
                }
            }
            IngestRecord::Display { project_id, at, display } => {
                let event = HistoryEvent { survey_id: display.survey_id, kind: HistoryKind::Display, at: *at };
                self.with_user(*project_id, &display.user_id, |entry| entry.add_event(&display.display_id, event));
            }
            IngestRecord::Response { project_id, at, response } => {
                let event = HistoryEvent { survey_id: response.survey_id, kind: HistoryKind::Response, at: *at };
                let new = self.with_user(*project_id, &response.user_id, |entry| entry.add_event(&response.response_id, event));
                if new {
                    self.count_response(response.survey_id, *at);
                }
            }
            IngestRecord::Feedback { project_id, at, feedback } => {
                let kind = match feedback.kind {
                    FeedbackKind::Decline => HistoryKind::Decline,
                    FeedbackKind::Snooze => HistoryKind::Snooze,
                    FeedbackKind::OptOut => {
                        self.with_user(*project_id, &feedback.user_id, |entry| entry.opted_out = true);
                        return;
                    }
                };
                if let Some(survey_id) = feedback.survey_id {
                    let event = HistoryEvent { survey_id, kind, at: *at };
                    self.with_user(*project_id, &feedback.user_id, |entry| entry.add_event(&feedback.action_id, event));
                }
            }
            IngestRecord::Complete { .. } | IngestRecord::Decision { .. } => {}
        }
    }

    fn count_response(&self, survey_id: i64, at: i64) {
        let day = at.div_euclid(MS_PER_DAY);
        let mut counts = lock(&self.counts);
        let c = counts.entry(survey_id).or_default();
        c.total += 1;
        if c.day == day {
            c.today += 1;
        } else if day > c.day {
            *c = SurveyCounts { total: c.total, day, today: 1 };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nps_core::NpsScore;
    use nps_core::wire::{DisplayRequest, FeedbackRequest, ResponseRequest};

    fn identify(user: &str, plan: &str, at: i64) -> IngestRecord {
        let mut attributes = Attributes::new();
        attributes.insert("plan".into(), plan.into());
        IngestRecord::Identify { project_id: 1, at, user_id: user.into(), attributes, created_at: None, language: None, account: None }
    }

    fn response(id: &str, at: i64) -> IngestRecord {
        IngestRecord::Response {
            project_id: 1,
            at,
            response: ResponseRequest {
                response_id: id.into(),
                survey_id: 7,
                user_id: "u".into(),
                display_id: None,
                score: NpsScore::new(3).expect("valid"),
                language: None,
                device: None,
                trigger: None,
                sampling_rate_bp: None,
            },
        }
    }

    #[test]
    fn replayed_records_count_once_and_identify_keeps_first_sight() {
        let r = Resident::empty();
        r.apply(&identify("u", "free", 1_000));
        r.apply(&response("r1", 2_000));
        r.apply(&response("r1", 3_000));
        r.apply(&identify("u", "pro", 4_000));
        let now = 10 * MS_PER_DAY;
        let facts = r.facts(1, "u", 7, now);
        assert_eq!(facts.history.events.len(), 1, "a retried answer is one answer");
        assert_eq!(facts.history.events[0].at, 2_000, "the first arrival counts, as in SQL");
        assert_eq!(facts.history.first_seen_at, 1_000);
        assert_eq!(facts.user_attributes["plan"], "pro");
        assert_eq!(facts.responses_total, 1);
        assert_eq!(facts.responses_today, 0, "answered on day 0, asked on day 10");
    }

    #[test]
    fn displays_declines_and_opt_outs_reach_the_history() {
        let r = Resident::empty();
        let display = DisplayRequest {
            display_id: "d1".into(),
            survey_id: 7,
            user_id: "u".into(),
            trigger: None,
            url: None,
            language: None,
            device: None,
            sampling_rate_bp: None,
        };
        r.apply(&IngestRecord::Display { project_id: 1, at: 5, display });
        let decline = FeedbackRequest { action_id: "f1".into(), survey_id: Some(7), user_id: "u".into(), kind: FeedbackKind::Decline };
        r.apply(&IngestRecord::Feedback { project_id: 1, at: 6, feedback: decline });
        let facts = r.facts(1, "u", 7, 10);
        assert_eq!(facts.history.last(7, HistoryKind::Display), Some(5));
        assert_eq!(facts.history.last(7, HistoryKind::Decline), Some(6));
        assert!(!facts.history.opted_out);
        assert_eq!(facts.history.first_seen_at, 10, "never identified: first seen now, as in SQL");
        let opt_out = FeedbackRequest { action_id: "f2".into(), survey_id: None, user_id: "u".into(), kind: FeedbackKind::OptOut };
        r.apply(&IngestRecord::Feedback { project_id: 1, at: 7, feedback: opt_out });
        assert!(r.facts(1, "u", 7, 10).history.opted_out);
        assert!(r.facts(1, "someone-else", 7, 10).history.events.is_empty());
    }
}
