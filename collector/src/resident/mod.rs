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
//!
//! How it stays small (every user of an installation is here, up to
//! `ingest.resident_max_users`): a user is one 96-byte record in a dense vector per shard,
//! found through a hash index of 4-byte positions (`users.rs`); ids are 24 bytes inline, a uuid
//! as its 16 bytes (`compact.rs`); attribute keys and values, languages and roles are interned
//! per shard and counted, so a user holds 8 bytes per attribute (`attributes.rs`); an account's
//! id and attributes are stored once and users point at it (`accounts.rs`); an event is 40
//! bytes, and a user keeps at most a few hundred of them, those the rules can use
//! (`users::compact`). The load streams rows into these records (`load.rs`) with the tables
//! sized up front. Users met after the start are kept even past the cap (`note_new_user`).

mod accounts;
mod attributes;
mod compact;
mod load;
mod users;

use crate::store::records::IngestRecord;
use crate::store::DecisionFacts;
use accounts::Accounts;
use compact::{CompactId, Sym, Symbols};
use nps_core::eligibility::{HistoryEvent, HistoryKind, UserHistory};
use nps_core::wire::FeedbackKind;
use std::collections::HashMap;
use std::hash::RandomState;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use users::{Event, NO_ACCOUNT, Shard, Surveys, User};

const SHARDS: usize = 64;
const CLAIM_LOCKS: usize = 4_096;
const MS_PER_DAY: i64 = 86_400_000;
/// The rules never look further back than this (same window as the SQL path).
const HISTORY_WINDOW_MS: i64 = 2 * 365 * MS_PER_DAY;

#[derive(Debug, Default, Clone, Copy)]
struct SurveyCounts {
    total: u64,
    /// Days since 1970-01-01 that `today` counts.
    day: i64,
    today: u64,
}

/// Lock order, where two are held at once: a user shard, then the accounts.
pub struct Resident {
    users: Vec<Mutex<Shard>>,
    /// Users held, kept beside the shards so that counting them takes no lock.
    held: AtomicU64,
    /// `ingest.resident_max_users`; see [`Resident::note_new_user`].
    max_users: u64,
    /// The warning that the cap was passed has been logged.
    warned: AtomicBool,
    accounts: Mutex<Accounts>,
    counts: Mutex<HashMap<i64, SurveyCounts>>,
    /// Serialises the decisions of one user (striped: a collision only makes two users wait
    /// for each other, it never lets one user's decisions interleave).
    claims: Vec<tokio::sync::Mutex<()>>,
    hasher: RandomState,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Replaces a symbol field, interning the new text before the old one is let go (so a value
/// that did not change is never freed and re-created).
fn replace_sym(symbols: &mut Symbols, field: &mut Option<Sym>, text: &str) {
    if let Some(old) = field.replace(symbols.intern(text)) {
        symbols.release(old);
    }
}

impl Resident {
    fn empty() -> Self {
        Self {
            users: (0..SHARDS).map(|_| Mutex::default()).collect(),
            held: AtomicU64::new(0),
            max_users: u64::MAX,
            warned: AtomicBool::new(false),
            accounts: Mutex::default(),
            counts: Mutex::default(),
            claims: (0..CLAIM_LOCKS).map(|_| tokio::sync::Mutex::new(())).collect(),
            hasher: RandomState::new(),
        }
    }

    /// The user's shard and key hash. The shard takes bits the shard's own table does not use
    /// for its buckets (low bits) or its control bytes (top seven).
    fn key(&self, project_id: i64, user_id: &str) -> (usize, u64) {
        let hash = users::key_hash(&self.hasher, project_id, user_id.as_bytes());
        (((hash >> 32) as usize) % SHARDS, hash)
    }

    fn with_user<R>(&self, project_id: i64, user_id: &str, f: impl FnOnce(&mut User, &mut Symbols, &mut Surveys) -> R) -> R {
        let (shard, hash) = self.key(project_id, user_id);
        let mut shard = lock(&self.users[shard]);
        let before = shard.len();
        let (user, symbols, surveys) = shard.entry(&self.hasher, hash, project_id, user_id);
        let result = f(user, symbols, surveys);
        if shard.len() > before {
            self.note_new_user();
        }
        result
    }

    /// Counts a user met for the first time. Past `ingest.resident_max_users` the user is kept
    /// all the same: every decision must see every user's history (one left out would be asked
    /// as if never met, one evicted would lose their answers and declines), and this process
    /// decides from memory until it stops. It warns once; the next start finds more users than
    /// the cap in SQL and decides from SQL (`load`). The gauge `nps_resident_users` shows the
    /// count.
    fn note_new_user(&self) {
        let held = self.held.fetch_add(1, Ordering::Relaxed) + 1;
        if held > self.max_users && !self.warned.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                users = held,
                max_users = self.max_users,
                "more users than ingest.resident_max_users: their eligibility facts stay in memory so that decisions stay exact; \
                 the next start decides from SQL unless the setting is raised"
            );
        }
    }

    /// Users held (the `nps_resident_users` gauge).
    pub fn users(&self) -> u64 {
        self.held.load(Ordering::Relaxed)
    }

    /// Waits until no other decision of this user is in progress; hold the guard until the
    /// decision's records are in the spool.
    pub async fn lock_user(&self, project_id: i64, user_id: &str) -> tokio::sync::MutexGuard<'_, ()> {
        let (_, hash) = self.key(project_id, user_id);
        self.claims[(hash as usize) % CLAIM_LOCKS].lock().await
    }

    /// The facts a decision about `survey_id` reads, as of `now`.
    pub fn facts(&self, project_id: i64, user_id: &str, survey_id: i64, now: i64) -> DecisionFacts {
        let (shard, hash) = self.key(project_id, user_id);
        let (mut facts, account) = {
            let shard = lock(&self.users[shard]);
            match shard.get(hash, project_id, user_id) {
                Some(user) => (user_facts(&shard, user, now), user.account),
                None => {
                    let history = UserHistory { first_seen_at: now, opted_out: false, events: Vec::new() };
                    (DecisionFacts { history, ..Default::default() }, NO_ACCOUNT)
                }
            }
        };
        if account != NO_ACCOUNT {
            facts.account_attributes = lock(&self.accounts).attributes(account);
        }
        let counts = lock(&self.counts).get(&survey_id).copied().unwrap_or_default();
        facts.responses_total = counts.total;
        facts.responses_today = if counts.day == now.div_euclid(MS_PER_DAY) { counts.today } else { 0 };
        facts
    }

    /// Forgets an erased user: their facts are gone from SQL and the spool too, so a decision
    /// about them now sees a user never met. Strings only they held leave memory with them.
    pub fn forget(&self, project_id: i64, user_id: &str) {
        let (shard, hash) = self.key(project_id, user_id);
        let mut shard = lock(&self.users[shard]);
        let before = shard.len();
        shard.remove(&self.hasher, hash, project_id, user_id);
        if shard.len() < before {
            self.held.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Applies an acknowledged record, with the meaning the drainer gives it in SQL.
    pub fn apply(&self, record: &IngestRecord) {
        match record {
            IngestRecord::Identify { project_id, at, user_id, attributes, created_at, language, account } => {
                let account_position = account.as_ref().map(|account| {
                    let mut accounts = lock(&self.accounts);
                    let position = accounts.position(*project_id, &account.id);
                    accounts.describe(position, &account.attributes);
                    position
                });
                self.with_user(*project_id, user_id, |user, symbols, _| {
                    user.seen_at(*at);
                    let pairs = attributes::intern_map(symbols, attributes);
                    symbols.release_all(&std::mem::replace(&mut user.attributes, pairs));
                    if let Some(created_at) = created_at {
                        user.set_created_at(*created_at);
                    }
                    if let Some(language) = language {
                        replace_sym(symbols, &mut user.language, language);
                    }
                    if let (Some(account), Some(position)) = (account, account_position) {
                        user.account = position;
                        replace_sym(symbols, &mut user.role, &account.role);
                    }
                });
            }
            IngestRecord::Display { project_id, at, display } => {
                self.add_event(*project_id, &display.user_id, &display.display_id, display.survey_id, HistoryKind::Display, *at);
            }
            IngestRecord::Response { project_id, at, response } => {
                let (user, id) = (&response.user_id, &response.response_id);
                if self.add_event(*project_id, user, id, response.survey_id, HistoryKind::Response, *at) {
                    self.count_response(response.survey_id, *at);
                }
            }
            IngestRecord::Feedback { project_id, at, feedback } => {
                let kind = match feedback.kind {
                    FeedbackKind::Decline => HistoryKind::Decline,
                    FeedbackKind::Snooze => HistoryKind::Snooze,
                    FeedbackKind::OptOut => {
                        self.with_user(*project_id, &feedback.user_id, |user, _, _| user.opted_out = true);
                        return;
                    }
                };
                if let Some(survey_id) = feedback.survey_id {
                    self.add_event(*project_id, &feedback.user_id, &feedback.action_id, survey_id, kind, *at);
                }
            }
            IngestRecord::Complete { .. } | IngestRecord::Decision { .. } => {}
        }
    }

    /// Adds a per-survey event unless its id is known (a replay); whether it was new.
    fn add_event(&self, project_id: i64, user_id: &str, id: &str, survey_id: i64, kind: HistoryKind, at: i64) -> bool {
        self.with_user(project_id, user_id, |user, _, surveys| {
            let event = Event { at, survey: surveys.position(survey_id), kind, id: CompactId::new(id) };
            user.add_event(event, HISTORY_WINDOW_MS)
        })
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

    /// Users held, for the start-up log and tests.
    fn len(&self) -> usize {
        self.users.iter().map(|shard| lock(shard).len()).sum()
    }

    /// Interned strings held by the users' shards, for the start-up log and tests.
    fn strings(&self) -> usize {
        self.users.iter().map(|shard| lock(shard).symbols.len()).sum()
    }
}

/// A known user's facts, as the rules read them.
fn user_facts(shard: &Shard, user: &User, now: i64) -> DecisionFacts {
    let first_seen_at = match (user.created_at(), user.first_seen_at()) {
        (Some(c), Some(s)) => c.min(s),
        (c, s) => c.or(s).unwrap_or(now),
    };
    let events = user
        .events
        .iter()
        .filter(|e| e.at >= now - HISTORY_WINDOW_MS)
        .map(|e| HistoryEvent { survey_id: shard.surveys.id(e.survey), kind: e.kind, at: e.at })
        .collect();
    let text = |sym: Option<Sym>| sym.map(|s| shard.symbols.resolve(s).to_owned());
    DecisionFacts {
        history: UserHistory { first_seen_at, opted_out: user.opted_out, events },
        user_attributes: attributes::resolve(&shard.symbols, &user.attributes),
        role: text(user.role),
        language: text(user.language),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests;
