//! Sign-in attempts counted per key in a fixed window, shared by every collector on the
//! database (the lockout itself is decided in [`crate::ratelimit::SignInThrottle`]). One SQL
//! text for both backends, instantiated by [`impl_sign_in_store!`].

use super::StoreResult;
use async_trait::async_trait;

/// A key's window as it stands after an attempt was counted in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptWindow {
    /// Unix milliseconds.
    pub started_at: i64,
    /// Attempts counted in the window, this one included.
    pub attempts: i64,
}

#[async_trait]
pub trait SignInStore: Send + Sync {
    /// Counts one attempt against `key` in one atomic statement, so that concurrent attempts,
    /// from any collector, each see a different count. A window that started at or before
    /// `now - window_ms` has ended: the attempt starts a new one at `now`.
    async fn count_sign_in_attempt(&self, key: &str, now: i64, window_ms: i64) -> StoreResult<AttemptWindow>;

    /// Takes back one attempt, if the key's window is still the one that started at
    /// `started_at` (a later window owes nothing to an earlier attempt), and deletes the key's
    /// row once it counts nothing: a refused attempt leaves no row behind.
    async fn take_back_sign_in_attempt(&self, key: &str, started_at: i64) -> StoreResult<()>;

    /// Forgets every attempt of the key.
    async fn forget_sign_in_attempts(&self, key: &str) -> StoreResult<()>;

    /// Deletes the windows that started at or before `ended_at` (housekeeping); how many.
    async fn forget_ended_sign_in_windows(&self, ended_at: i64) -> StoreResult<u64>;
}

pub mod sql {
    /// `$1` key, `$2` now, `$3` the latest start of an ended window. Both backends evaluate
    /// every `SET` expression on the row as it was, so the two `CASE`s agree.
    pub const COUNT: &str = "INSERT INTO sign_in_attempts (key, started_at, attempts) VALUES ($1, $2, 1) \
         ON CONFLICT (key) DO UPDATE SET \
         attempts = CASE WHEN sign_in_attempts.started_at <= $3 THEN 1 ELSE sign_in_attempts.attempts + 1 END, \
         started_at = CASE WHEN sign_in_attempts.started_at <= $3 THEN $2 ELSE sign_in_attempts.started_at END \
         RETURNING started_at, attempts";
    /// `$1` key, `$2` the window's start.
    pub const TAKE_BACK: &str =
        "UPDATE sign_in_attempts SET attempts = attempts - 1 WHERE key = $1 AND started_at = $2 AND attempts > 0";
    /// `$1` key. A row another attempt has just counted in holds 1 or more: it stays.
    pub const DELETE_EMPTY: &str = "DELETE FROM sign_in_attempts WHERE key = $1 AND attempts <= 0";
    pub const FORGET: &str = "DELETE FROM sign_in_attempts WHERE key = $1";
    pub const FORGET_ENDED: &str = "DELETE FROM sign_in_attempts WHERE started_at <= $1";
}

macro_rules! impl_sign_in_store {
    ($store:ident) => {
        #[async_trait::async_trait]
        impl crate::store::sign_in::SignInStore for $store {
            #[tracing::instrument(skip_all)]
            async fn count_sign_in_attempt(&self, key: &str, now: i64, window_ms: i64) -> crate::store::StoreResult<crate::store::sign_in::AttemptWindow> {
                use sqlx::Row as _;
                let row = sqlx::query(crate::store::sign_in::sql::COUNT)
                    .bind(key)
                    .bind(now)
                    .bind(now.saturating_sub(window_ms))
                    .fetch_one(&self.pool)
                    .await?;
                Ok(crate::store::sign_in::AttemptWindow { started_at: row.try_get("started_at")?, attempts: row.try_get("attempts")? })
            }

            async fn take_back_sign_in_attempt(&self, key: &str, started_at: i64) -> crate::store::StoreResult<()> {
                sqlx::query(crate::store::sign_in::sql::TAKE_BACK).bind(key).bind(started_at).execute(&self.pool).await?;
                sqlx::query(crate::store::sign_in::sql::DELETE_EMPTY).bind(key).execute(&self.pool).await?;
                Ok(())
            }

            async fn forget_sign_in_attempts(&self, key: &str) -> crate::store::StoreResult<()> {
                sqlx::query(crate::store::sign_in::sql::FORGET).bind(key).execute(&self.pool).await?;
                Ok(())
            }

            async fn forget_ended_sign_in_windows(&self, ended_at: i64) -> crate::store::StoreResult<u64> {
                Ok(sqlx::query(crate::store::sign_in::sql::FORGET_ENDED).bind(ended_at).execute(&self.pool).await?.rows_affected())
            }
        }
    };
}
