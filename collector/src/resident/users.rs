//! One shard of users: a dense vector of fixed-size records and a hash index of 4-byte
//! positions into it. Why not a `HashMap<key, record>`: a hash table keeps up to half of its
//! buckets empty after growing, and empty buckets of 96-byte records cost as much as full ones;
//! empty buckets of 4-byte positions cost almost nothing, and the vector grows into memory it
//! has not touched yet.

use super::attributes::Pairs;
use super::compact::{CompactId, Sym, Symbols};
use hashbrown::HashTable;
use nps_core::eligibility::HistoryKind;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher, RandomState};

/// The user acts for no account.
pub const NO_ACCOUNT: u32 = u32::MAX;

/// Events a user keeps after [`compact`]: a display every three days for two years. Anyone can
/// post displays with fresh ids for one user id, and each event is checked against the user's
/// others and copied into every decision about them, so without a bound one user's flood made
/// each write and each decision slower, under the shard's lock, and grew memory without end.
pub const MAX_EVENTS: usize = 256;

/// Compacting when a user holds this many (not at every event past the bound) keeps its
/// sort amortised over the [`MAX_EVENTS`] / 4 events added in between.
pub const COMPACT_AT: usize = MAX_EVENTS + MAX_EVENTS / 4;

/// A display, answer, decline or snooze: 40 bytes.
#[derive(Debug, Clone)]
pub struct Event {
    pub at: i64,
    /// Position in the shard's [`Surveys`].
    pub survey: u32,
    pub kind: HistoryKind,
    /// The client-generated id that made it, so that a replayed record is recognised.
    pub id: CompactId,
}

/// Everything the rules read about one user: 96 bytes, plus 8 bytes per attribute and 40 per
/// event on the heap.
#[derive(Debug)]
pub struct User {
    project_id: i64,
    id: CompactId,
    /// When the user signed up in the host app, if an identify said so.
    created_at: i64,
    /// When the user was first identified.
    first_seen_at: i64,
    pub attributes: Pairs,
    pub events: Box<[Event]>,
    /// Position in [`super::accounts::Accounts`], or [`NO_ACCOUNT`].
    pub account: u32,
    pub language: Option<Sym>,
    pub role: Option<Sym>,
    pub opted_out: bool,
    // Flags instead of `Option<i64>`: they fit in the record's padding, an option takes 8 bytes.
    has_created_at: bool,
    identified: bool,
}

impl User {
    fn new(project_id: i64, id: &str) -> Self {
        Self {
            project_id,
            id: CompactId::new(id),
            created_at: 0,
            first_seen_at: 0,
            attributes: Box::default(),
            events: Box::default(),
            account: NO_ACCOUNT,
            language: None,
            role: None,
            opted_out: false,
            has_created_at: false,
            identified: false,
        }
    }

    pub fn created_at(&self) -> Option<i64> {
        self.has_created_at.then_some(self.created_at)
    }

    /// When the user was first identified (`None`: never identified).
    pub fn first_seen_at(&self) -> Option<i64> {
        self.identified.then_some(self.first_seen_at)
    }

    pub fn set_created_at(&mut self, at: i64) {
        (self.created_at, self.has_created_at) = (at, true);
    }

    /// The first identify counts; later ones keep it, as `first_seen_at` in SQL.
    pub fn seen_at(&mut self, at: i64) {
        if !self.identified {
            (self.first_seen_at, self.identified) = (at, true);
        }
    }

    /// Adds an event unless one with this id is known (a replay: the first arrival counts, as
    /// in SQL). Events that fell out of the rules' window before it are dropped on the way.
    /// The scan is bounded by [`COMPACT_AT`] and starts at the newest event, where a client's
    /// retry finds its original. (An event [`compact`] dropped is not recognised when
    /// replayed; it is added again, as only a user past the bound can see.)
    pub fn add_event(&mut self, event: Event, window_ms: i64) -> bool {
        if self.events.iter().rev().any(|known| known.id == event.id) {
            return false;
        }
        let oldest = event.at.saturating_sub(window_ms);
        let mut events = std::mem::take(&mut self.events).into_vec();
        events.retain(|e| e.at >= oldest);
        events.push(event);
        if events.len() >= COMPACT_AT {
            compact(&mut events, MAX_EVENTS);
        }
        self.events = events.into_boxed_slice();
        true
    }

    /// Adds an event read from SQL (where ids are unique, so there is no replay to look for).
    pub fn push_event(&mut self, event: Event) {
        let mut events = std::mem::take(&mut self.events).into_vec();
        events.push(event);
        if events.len() >= COMPACT_AT {
            compact(&mut events, MAX_EVENTS);
        }
        self.events = events.into_boxed_slice();
    }

    /// Gives back every symbol the user holds (before the record is dropped or replaced).
    pub fn release_symbols(&self, symbols: &mut Symbols) {
        symbols.release_all(&self.attributes);
        for sym in [self.language, self.role].into_iter().flatten() {
            symbols.release(sym);
        }
    }
}

/// Keeps `keep` of `events`, choosing what the eligibility rules (`nps_core::eligibility`)
/// can least miss:
/// 1. the latest event of each survey and kind: all that `UserHistory::last` and the global
///    cooldown read (the delays after an answer, a decline, a snooze, the cadence);
/// 2. then answers, declines and snoozes, newest first: the decline back-off counts the
///    declines since the survey's last answer;
/// 3. then displays, newest first: the survey cap counts displays in its window, latest first.
///
/// So a user with at most [`MAX_EVENTS`] events in the two-year window (every real user the
/// fatigue rules allow, short of a policy that asks more than every three days) is decided
/// exactly as from SQL; past that, every timing rule still is, and the two counts as long as
/// what they count fits in what is kept. A flood of displays only ever drops displays.
pub fn compact(events: &mut Vec<Event>, keep: usize) {
    if events.len() <= keep {
        return;
    }
    // Newest first, so the first of each survey and kind is its latest.
    events.sort_by_key(|e| std::cmp::Reverse(e.at));
    let mut seen = std::collections::HashSet::with_capacity(events.len());
    let mut ranked: Vec<(u8, Event)> = std::mem::take(events)
        .into_iter()
        .map(|e| {
            let rank = if seen.insert((e.survey, e.kind)) { 0 } else if e.kind == HistoryKind::Display { 2 } else { 1 };
            (rank, e)
        })
        .collect();
    // Stable: newest first within a rank.
    ranked.sort_by_key(|(rank, _)| *rank);
    ranked.truncate(keep);
    *events = ranked.into_iter().map(|(_, e)| e).collect();
    events.sort_by_key(|e| e.at);
}

/// Survey ids seen in a shard's events, each stored once: an event keeps a 4-byte position.
#[derive(Debug, Default)]
pub struct Surveys {
    ids: Vec<i64>,
    positions: HashMap<i64, u32>,
}

impl Surveys {
    pub fn position(&mut self, survey_id: i64) -> u32 {
        *self.positions.entry(survey_id).or_insert_with(|| {
            self.ids.push(survey_id);
            u32::try_from(self.ids.len() - 1).unwrap_or(u32::MAX)
        })
    }

    pub fn id(&self, position: u32) -> i64 {
        self.ids.get(position as usize).copied().unwrap_or_default()
    }
}

/// The user key's hash: the project and the user id's text.
pub fn key_hash(hasher: &RandomState, project_id: i64, user_id: &[u8]) -> u64 {
    let mut h = hasher.build_hasher();
    h.write_i64(project_id);
    h.write(user_id);
    h.finish()
}

fn user_hash(hasher: &RandomState, user: &User) -> u64 {
    let mut buffer = [0u8; 36];
    key_hash(hasher, user.project_id, user.id.bytes(&mut buffer))
}

/// The users of one shard, with what their records share.
#[derive(Debug, Default)]
pub struct Shard {
    index: HashTable<u32>,
    users: Vec<User>,
    pub symbols: Symbols,
    pub surveys: Surveys,
}

impl Shard {
    /// Room for `users` records without growing.
    pub fn reserve(&mut self, hasher: &RandomState, users: usize) {
        self.users.reserve(users);
        let records = &self.users;
        self.index.reserve(users, |&i| user_hash(hasher, &records[i as usize]));
    }

    fn position(&self, hash: u64, project_id: i64, user_id: &str) -> Option<usize> {
        let users = &self.users;
        let found = self.index.find(hash, |&i| {
            let user = &users[i as usize];
            user.project_id == project_id && user.id.is(user_id)
        });
        found.map(|&i| i as usize)
    }

    pub fn get(&self, hash: u64, project_id: i64, user_id: &str) -> Option<&User> {
        self.position(hash, project_id, user_id).map(|i| &self.users[i])
    }

    /// The user's record, created empty if the user is new; with the shard's shared tables.
    pub fn entry(&mut self, hasher: &RandomState, hash: u64, project_id: i64, user_id: &str) -> (&mut User, &mut Symbols, &mut Surveys) {
        let position = match self.position(hash, project_id, user_id) {
            Some(i) => i,
            None => {
                self.users.push(User::new(project_id, user_id));
                let last = self.users.len() - 1;
                let users = &self.users;
                self.index.insert_unique(hash, last as u32, |&i| user_hash(hasher, &users[i as usize]));
                last
            }
        };
        (&mut self.users[position], &mut self.symbols, &mut self.surveys)
    }

    /// Removes the user and the symbols only they held.
    pub fn remove(&mut self, hasher: &RandomState, hash: u64, project_id: i64, user_id: &str) {
        let Some(position) = self.position(hash, project_id, user_id) else { return };
        if let Ok(entry) = self.index.find_entry(hash, |&i| i as usize == position) {
            entry.remove();
        }
        let removed = self.users.swap_remove(position);
        removed.release_symbols(&mut self.symbols);
        // The last record moved into the hole: its index entry must point there now.
        if let Some(moved) = self.users.get(position) {
            let old = self.users.len() as u32;
            if let Some(slot) = self.index.find_mut(user_hash(hasher, moved), |&i| i == old) {
                *slot = position as u32;
            }
        }
    }

    pub fn len(&self) -> usize {
        self.users.len()
    }
}
