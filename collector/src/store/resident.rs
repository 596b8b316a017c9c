//! Bulk reads that build the in-memory eligibility state (see `crate::resident`): everything
//! the rules look at, for every user, in a handful of scans instead of a few queries per user.

use super::StoreResult;
use async_trait::async_trait;
use nps_core::eligibility::HistoryKind;

/// One `app_users` row as the rules need it.
#[derive(Debug, Clone)]
pub struct ResidentUser {
    pub project_id: i64,
    pub user_id: String,
    pub created_at: Option<i64>,
    pub first_seen_at: i64,
    /// JSON text.
    pub attributes: String,
    pub language: Option<String>,
    pub account_id: Option<String>,
    pub account_role: Option<String>,
}

/// One display, answer, decline, snooze or opt-out, with the id that makes a replay of it
/// recognisable.
#[derive(Debug, Clone)]
pub struct ResidentEvent {
    pub project_id: i64,
    pub user_id: String,
    pub survey_id: Option<i64>,
    pub id: String,
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

#[async_trait]
pub trait ResidentStore {
    async fn count_users(&self) -> StoreResult<u64>;
    async fn resident_users(&self) -> StoreResult<Vec<ResidentUser>>;
    /// `(project_id, account_id, attributes JSON)`.
    async fn resident_accounts(&self) -> StoreResult<Vec<(i64, String, String)>>;
    /// Events since `since` (the rules never look further back).
    async fn resident_events(&self, since: i64) -> StoreResult<Vec<ResidentEvent>>;
    async fn resident_counts(&self, day_start: i64) -> StoreResult<Vec<ResidentCount>>;
}

macro_rules! impl_resident_store {
    ($store:ident) => {
        #[async_trait::async_trait]
        impl crate::store::resident::ResidentStore for $store {
            async fn count_users(&self) -> crate::store::StoreResult<u64> {
                let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM app_users").fetch_one(&self.pool).await?;
                Ok(n.max(0) as u64)
            }

            async fn resident_users(&self) -> crate::store::StoreResult<Vec<crate::store::resident::ResidentUser>> {
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT project_id, external_id, created_at, first_seen_at, attributes, language, account_id, \
                     account_role FROM app_users",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(crate::store::resident::ResidentUser {
                            project_id: r.try_get("project_id")?,
                            user_id: r.try_get("external_id")?,
                            created_at: r.try_get("created_at")?,
                            first_seen_at: r.try_get("first_seen_at")?,
                            attributes: r.try_get("attributes")?,
                            language: r.try_get("language")?,
                            account_id: r.try_get("account_id")?,
                            account_role: r.try_get("account_role")?,
                        })
                    })
                    .collect()
            }

            async fn resident_accounts(&self) -> crate::store::StoreResult<Vec<(i64, String, String)>> {
                Ok(sqlx::query_as("SELECT project_id, external_id, attributes FROM accounts").fetch_all(&self.pool).await?)
            }

            async fn resident_events(&self, since: i64) -> crate::store::StoreResult<Vec<crate::store::resident::ResidentEvent>> {
                use nps_core::eligibility::HistoryKind;
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT project_id, user_id, survey_id, id, 'display' AS kind, created_at FROM displays \
                       WHERE created_at >= $1 \
                     UNION ALL SELECT project_id, user_id, survey_id, id, 'response' AS kind, created_at FROM responses \
                       WHERE created_at >= $1 AND score IS NOT NULL \
                     UNION ALL SELECT project_id, user_id, survey_id, id, kind, created_at FROM feedback \
                       WHERE (created_at >= $1 AND survey_id IS NOT NULL AND kind IN ('decline', 'snooze')) \
                       OR kind = 'opt_out'",
                )
                .bind(since)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        let kind: String = r.try_get("kind")?;
                        let kind = match kind.as_str() {
                            "display" => Some(HistoryKind::Display),
                            "response" => Some(HistoryKind::Response),
                            "decline" => Some(HistoryKind::Decline),
                            "snooze" => Some(HistoryKind::Snooze),
                            "opt_out" => None,
                            other => return Err(crate::store::StoreError::Corrupt(format!("history kind {other}"))),
                        };
                        Ok(crate::store::resident::ResidentEvent {
                            project_id: r.try_get("project_id")?,
                            user_id: r.try_get("user_id")?,
                            survey_id: r.try_get("survey_id")?,
                            id: r.try_get("id")?,
                            kind,
                            at: r.try_get("created_at")?,
                        })
                    })
                    .collect()
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
