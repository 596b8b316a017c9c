//! Bulk reads that build the in-memory eligibility state (see `crate::resident`): everything
//! the rules look at, for every user, in a handful of scans instead of a few queries per user.
//! Only the SQLite store has them (see `sqlite/resident.rs`): a collector on SQLite is its
//! database's only writer, one on PostgreSQL never keeps facts in memory.
//!
//! The rows are handed to a [`ResidentSink`] one at a time, borrowed from a buffer the reader
//! reuses, so a load never holds a whole table in memory, nor a `String` per column.

use super::StoreResult;
use async_trait::async_trait;
use nps_core::eligibility::HistoryKind;

/// An attribute map as stored: each key and the JSON text of its value (written as serde_json
/// prints a `Value`), in one buffer reused from row to row.
#[derive(Debug, Default)]
pub struct AttributeTexts {
    text: Vec<u8>,
    /// Per attribute: where its key starts, where its value starts, where the value ends.
    spans: Vec<(usize, usize, usize)>,
}

impl AttributeTexts {
    pub fn clear(&mut self) {
        self.text.clear();
        self.spans.clear();
    }

    /// Adds an attribute; `write_value` appends the value's JSON text to the buffer it is given.
    pub fn push<E>(&mut self, key: &str, write_value: impl FnOnce(&mut Vec<u8>) -> Result<(), E>) -> Result<(), E> {
        let start = self.text.len();
        self.text.extend_from_slice(key.as_bytes());
        let key_end = self.text.len();
        write_value(&mut self.text)?;
        self.spans.push((start, key_end, self.text.len()));
        Ok(())
    }

    /// `(key, value JSON text)` pairs.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        let text = |from: usize, to: usize| std::str::from_utf8(&self.text[from..to]).unwrap_or_default();
        self.spans.iter().map(move |&(start, key_end, end)| (text(start, key_end), text(key_end, end)))
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
}

/// One `app_users` row as the rules need it.
#[derive(Debug, Clone, Copy)]
pub struct ResidentUser<'a> {
    pub project_id: i64,
    pub user_id: &'a str,
    pub created_at: Option<i64>,
    pub first_seen_at: i64,
    pub attributes: &'a AttributeTexts,
    pub language: Option<&'a str>,
    pub account_id: Option<&'a str>,
    pub account_role: Option<&'a str>,
}

/// One `accounts` row.
#[derive(Debug, Clone, Copy)]
pub struct ResidentAccount<'a> {
    pub project_id: i64,
    pub account_id: &'a str,
    pub attributes: &'a AttributeTexts,
}

/// One display, answer, decline, snooze or opt-out, with the id that makes a replay of it
/// recognisable.
#[derive(Debug, Clone, Copy)]
pub struct ResidentEvent<'a> {
    pub project_id: i64,
    pub user_id: &'a str,
    pub survey_id: Option<i64>,
    pub id: &'a str,
    /// `None` for an opt-out (it is not a per-survey event).
    pub kind: Option<HistoryKind>,
    pub at: i64,
}

/// Answers per survey: in total and since `day_start`.
#[derive(Debug, Clone, Copy)]
pub struct ResidentCount {
    pub survey_id: i64,
    pub total: u64,
    pub today: u64,
}

/// Takes the rows of a load one at a time: the table sizes first, then accounts, users and
/// events.
pub trait ResidentSink: Send {
    /// How many users and accounts are coming; `false` stops the load there.
    fn sizes(&mut self, users: u64, accounts: u64) -> bool;
    fn account(&mut self, row: ResidentAccount<'_>) -> StoreResult<()>;
    fn user(&mut self, row: ResidentUser<'_>) -> StoreResult<()>;
    fn event(&mut self, row: ResidentEvent<'_>) -> StoreResult<()>;
}

#[async_trait]
pub trait ResidentStore: Sync {
    /// Streams the sizes, every account, every user and the events since `since` (the rules
    /// never look further back) to `sink`; `false` if nothing was loaded (the sink stopped it,
    /// or this backend does not keep facts in memory).
    async fn resident_load(&self, _since: i64, _sink: &mut dyn ResidentSink) -> StoreResult<bool> {
        Ok(false)
    }

    async fn resident_counts(&self, _day_start: i64) -> StoreResult<Vec<ResidentCount>> {
        Ok(Vec::new())
    }
}

/// The kind column of the events query.
pub fn history_kind(kind: &str) -> StoreResult<Option<HistoryKind>> {
    Ok(match kind {
        "display" => Some(HistoryKind::Display),
        "response" => Some(HistoryKind::Response),
        "decline" => Some(HistoryKind::Decline),
        "snooze" => Some(HistoryKind::Snooze),
        "opt_out" => None,
        other => return Err(crate::store::StoreError::Corrupt(format!("history kind {other}"))),
    })
}
