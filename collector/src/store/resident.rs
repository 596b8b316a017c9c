//! Bulk reads that build the in-memory eligibility state (see `crate::resident`): everything
//! the rules look at, for every user, in a handful of scans instead of a few queries per user.
//! The rows are streamed to a [`ResidentSink`] and borrowed from the database's row buffer, so
//! a load never holds a whole table in memory, nor a `String` per column.

use super::StoreResult;
use async_trait::async_trait;
use nps_core::eligibility::HistoryKind;

/// One `app_users` row as the rules need it.
#[derive(Debug, Clone, Copy)]
pub struct ResidentUser<'a> {
    pub project_id: i64,
    pub user_id: &'a str,
    pub created_at: Option<i64>,
    pub first_seen_at: i64,
    /// JSON text.
    pub attributes: &'a str,
    pub language: Option<&'a str>,
    pub account_id: Option<&'a str>,
    pub account_role: Option<&'a str>,
}

/// One `accounts` row.
#[derive(Debug, Clone, Copy)]
pub struct ResidentAccount<'a> {
    pub project_id: i64,
    pub account_id: &'a str,
    /// JSON text.
    pub attributes: &'a str,
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
pub trait ResidentStore {
    /// Streams the sizes, every account, every user and the events since `since` (the rules
    /// never look further back) to `sink`, on one connection; `false` if the sink stopped it.
    async fn resident_load(&self, since: i64, sink: &mut dyn ResidentSink) -> StoreResult<bool>;
    async fn resident_counts(&self, day_start: i64) -> StoreResult<Vec<ResidentCount>>;
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

macro_rules! impl_resident_store {
    ($store:ident) => {
        #[async_trait::async_trait]
        impl crate::store::resident::ResidentStore for $store {
            async fn resident_load(
                &self,
                since: i64,
                sink: &mut dyn crate::store::resident::ResidentSink,
            ) -> crate::store::StoreResult<bool> {
                use crate::store::resident::{ResidentAccount, ResidentEvent, ResidentUser, history_kind};
                use futures::TryStreamExt;
                use sqlx::Row;
                let mut conn = self.resident_connection().await?;
                let (users, accounts): (i64, i64) =
                    sqlx::query_as("SELECT (SELECT COUNT(*) FROM app_users), (SELECT COUNT(*) FROM accounts)")
                        .fetch_one(&mut *conn)
                        .await?;
                if !sink.sizes(users.max(0) as u64, accounts.max(0) as u64) {
                    return Ok(false);
                }
                let mut rows = sqlx::query("SELECT project_id, external_id, attributes FROM accounts").fetch(&mut *conn);
                while let Some(r) = rows.try_next().await? {
                    sink.account(ResidentAccount { project_id: r.try_get(0)?, account_id: r.try_get(1)?, attributes: r.try_get(2)? })?;
                }
                drop(rows);
                let mut rows = sqlx::query(
                    "SELECT project_id, external_id, created_at, first_seen_at, attributes, language, account_id, \
                     account_role FROM app_users",
                )
                .fetch(&mut *conn);
                while let Some(r) = rows.try_next().await? {
                    sink.user(ResidentUser {
                        project_id: r.try_get(0)?,
                        user_id: r.try_get(1)?,
                        created_at: r.try_get(2)?,
                        first_seen_at: r.try_get(3)?,
                        attributes: r.try_get(4)?,
                        language: r.try_get(5)?,
                        account_id: r.try_get(6)?,
                        account_role: r.try_get(7)?,
                    })?;
                }
                drop(rows);
                let mut rows = sqlx::query(
                    "SELECT project_id, user_id, survey_id, id, 'display' AS kind, created_at FROM displays \
                       WHERE created_at >= $1 \
                     UNION ALL SELECT project_id, user_id, survey_id, id, 'response' AS kind, created_at FROM responses \
                       WHERE created_at >= $1 AND score IS NOT NULL \
                     UNION ALL SELECT project_id, user_id, survey_id, id, kind, created_at FROM feedback \
                       WHERE (created_at >= $1 AND survey_id IS NOT NULL AND kind IN ('decline', 'snooze')) \
                       OR kind = 'opt_out'",
                )
                .bind(since)
                .fetch(&mut *conn);
                while let Some(r) = rows.try_next().await? {
                    sink.event(ResidentEvent {
                        project_id: r.try_get(0)?,
                        user_id: r.try_get(1)?,
                        survey_id: r.try_get(2)?,
                        id: r.try_get(3)?,
                        kind: history_kind(r.try_get(4)?)?,
                        at: r.try_get(5)?,
                    })?;
                }
                Ok(true)
            }

            async fn resident_counts(&self, day_start: i64) -> crate::store::StoreResult<Vec<crate::store::resident::ResidentCount>> {
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT survey_id, COUNT(*) AS total, COALESCE(SUM(CASE WHEN created_at >= $1 THEN 1 ELSE 0 END), 0) AS today \
                     FROM responses WHERE score IS NOT NULL GROUP BY survey_id",
                )
                .bind(day_start)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(crate::store::resident::ResidentCount {
                            survey_id: r.try_get("survey_id")?,
                            total: r.try_get::<i64, _>("total")?.max(0) as u64,
                            today: r.try_get::<i64, _>("today")?.max(0) as u64,
                        })
                    })
                    .collect()
            }
        }
    };
}
