//! Building the facts at start-up: tables sized once from the row counts, rows streamed from SQL
//! straight into the compact records, then the records still in the spool.

use super::attributes;
use super::compact::CompactId;
use super::users::Event;
use super::{HISTORY_WINDOW_MS, MS_PER_DAY, Resident, SHARDS, SurveyCounts, lock, replace_sym};
use crate::store::records::IngestRecord;
use crate::store::resident::{ResidentAccount, ResidentEvent, ResidentSink, ResidentUser};
use crate::store::{DynStore, StoreResult};
use std::time::Instant;

impl Resident {
    /// Builds the state from SQL, then applies `pending` (the records still in the spool, in
    /// spool order). Returns `None` when the store holds more users than `max_users`.
    pub async fn load(store: &DynStore, pending: &[IngestRecord], max_users: u64, now: i64) -> StoreResult<Option<Self>> {
        let started = Instant::now();
        let mut loader = Loader { resident: Self { max_users, ..Self::empty() }, max_users };
        if !store.resident_load(now - HISTORY_WINDOW_MS, &mut loader).await? {
            return Ok(None);
        }
        let resident = loader.resident;
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
        tracing::info!(
            users = resident.len(),
            accounts = lock(&resident.accounts).len(),
            strings = resident.strings(),
            pending = pending.len(),
            millis = started.elapsed().as_millis() as u64,
            "eligibility facts loaded into memory"
        );
        Ok(Some(resident))
    }

    /// Room for `users` users and `accounts` accounts. A shard gets its share plus a margin
    /// for the uneven split (memory reserved and never written costs no RAM).
    fn reserve(&self, users: u64, accounts: u64) {
        let per_shard = usize::try_from(users).unwrap_or(usize::MAX) / SHARDS;
        for shard in &self.users {
            lock(shard).reserve(&self.hasher, per_shard.saturating_add(per_shard / 16 + 64));
        }
        lock(&self.accounts).reserve(usize::try_from(accounts).unwrap_or(0));
    }
}

/// Takes the rows of [`crate::store::resident::ResidentStore::resident_load`].
struct Loader {
    resident: Resident,
    max_users: u64,
}

impl ResidentSink for Loader {
    fn sizes(&mut self, users: u64, accounts: u64) -> bool {
        if users > self.max_users {
            tracing::warn!(users, max_users = self.max_users, "too many users to keep eligibility facts in memory; deciding from SQL");
            return false;
        }
        self.resident.reserve(users, accounts);
        true
    }

    fn account(&mut self, row: ResidentAccount<'_>) -> StoreResult<()> {
        let mut accounts = lock(&self.resident.accounts);
        let position = accounts.position(row.project_id, row.account_id);
        accounts.describe_stored(position, row.attributes);
        Ok(())
    }

    fn user(&mut self, row: ResidentUser<'_>) -> StoreResult<()> {
        let account = row.account_id.map(|id| lock(&self.resident.accounts).position(row.project_id, id));
        self.resident.with_user(row.project_id, row.user_id, |user, symbols, _| {
            let pairs = attributes::intern_texts(symbols, row.attributes);
            symbols.release_all(&std::mem::replace(&mut user.attributes, pairs));
            user.seen_at(row.first_seen_at);
            if let Some(created_at) = row.created_at {
                user.set_created_at(created_at);
            }
            if let Some(language) = row.language {
                replace_sym(symbols, &mut user.language, language);
            }
            if let Some(position) = account {
                user.account = position;
            }
            if let Some(role) = row.account_role {
                replace_sym(symbols, &mut user.role, role);
            }
        });
        Ok(())
    }

    fn event(&mut self, row: ResidentEvent<'_>) -> StoreResult<()> {
        self.resident.with_user(row.project_id, row.user_id, |user, _, surveys| match (row.kind, row.survey_id) {
            (None, _) => user.opted_out = true,
            (Some(kind), Some(survey_id)) => {
                // Ids are unique per table in SQL: no replay to recognise here.
                let event = Event { at: row.at, survey: surveys.position(survey_id), kind, id: CompactId::new(row.id) };
                user.push_event(event);
            }
            (Some(_), None) => {}
        });
        Ok(())
    }
}
