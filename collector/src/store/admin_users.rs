//! Admin users' lifecycle (the Users screen: list, disable and enable, role, delete,
//! passwords) and session checks, one SQL text for both backends, instantiated by
//! [`impl_admin_user_store!`] in `sqlite.rs` and `postgres.rs`. Password hashes stay inside.

use super::StoreResult;
use async_trait::async_trait;
use super::AdminRecord;
use nps_core::wire::AdminRole;


/// A change an owner makes to another admin user. Every one of them also bumps the user's
/// session epoch, so the user's sessions end at once and the next sign-in sees the new state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminChange {
    Disable,
    Enable,
    SetRole(AdminRole),
    Delete,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeOutcome {
    Done,
    NoSuchUser,
    /// Refused: the user is the last active owner and the change would leave none.
    LastActiveOwner,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetOutcome {
    /// The password is set and every session of the user has ended.
    Done,
    /// The link's `jti` was used before (nothing changed).
    AlreadyUsed,
    NoSuchUser,
}

/// The guarded statements of [`AdminChange`]. The guard is part of the statement (and, on
/// PostgreSQL, runs under the table lock of the bootstrap), so two owners demoting each other
/// at the same moment cannot leave the installation without an active owner.
pub mod sql {
    /// True unless the row (`$1`) is the last active owner.
    macro_rules! unless_last_active_owner {
        () => {
            "(role <> 'owner' OR disabled_at IS NOT NULL OR EXISTS \
             (SELECT 1 FROM admin_users o WHERE o.role = 'owner' AND o.disabled_at IS NULL AND o.id <> $1))"
        };
    }
    /// `$1` id, `$2` now.
    pub const DISABLE: &str = concat!(
        "UPDATE admin_users SET disabled_at = COALESCE(disabled_at, $2), session_epoch = session_epoch + 1 WHERE id = $1 AND ",
        unless_last_active_owner!()
    );
    /// `$1` id.
    pub const ENABLE: &str = "UPDATE admin_users SET disabled_at = NULL, session_epoch = session_epoch + 1 WHERE id = $1";
    /// `$1` id, `$2` role; making someone an owner needs no guard.
    pub const SET_ROLE: &str = concat!(
        "UPDATE admin_users SET role = $2, session_epoch = session_epoch + 1 WHERE id = $1 AND ($2 = 'owner' OR ",
        unless_last_active_owner!(),
        ")"
    );
    /// `$1` id.
    pub const DELETE: &str = concat!("DELETE FROM admin_users WHERE id = $1 AND ", unless_last_active_owner!());
}

/// What a request's session is checked against: the user as stored now, so that a deleted
/// user, a changed role or a sign-out takes effect on the next request.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub id: i64,
    pub email: String,
    pub role: AdminRole,
    /// Bumped by sign-out and every lifecycle change; a token carrying another epoch is refused.
    pub session_epoch: i64,
    /// A disabled user cannot sign in and their sessions are refused.
    pub disabled: bool,
}

#[async_trait]
pub trait AdminUserStore: Send + Sync {
    async fn count_admins(&self) -> StoreResult<i64>;
    async fn create_admin(&self, email: &str, password_hash: &str, role: AdminRole, now: i64) -> StoreResult<AdminRecord>;
    async fn admin_by_email(&self, email: &str) -> StoreResult<Option<AdminRecord>>;

    /// Every admin user, by e-mail.
    async fn list_admins(&self) -> StoreResult<Vec<nps_core::wire::AdminUser>>;

    /// The user a session names, by primary key (`None`: deleted or never existed).
    async fn session_user(&self, id: i64) -> StoreResult<Option<SessionUser>>;

    /// Revokes every session of the user issued so far (sign-out).
    async fn bump_session_epoch(&self, id: i64) -> StoreResult<()>;

    /// Creates the first owner if, and only if, no admin user exists, atomically: `false` when
    /// one already exists. Holds across concurrent requests and across collectors sharing one
    /// PostgreSQL database (the check and the insert are one statement under a table lock).
    async fn create_first_owner(&self, email: &str, password_hash: &str, now: i64) -> StoreResult<bool>;

    /// Applies an owner's change, refusing one that would leave no active owner.
    async fn change_admin(&self, id: i64, change: AdminChange, now: i64) -> StoreResult<ChangeOutcome>;

    /// Sets the password and ends every session of the user; the new session epoch (`None`:
    /// no such user), so the caller can issue a session that survives the change.
    async fn set_password(&self, id: i64, password_hash: &str) -> StoreResult<Option<i64>>;

    /// Uses a reset link: records its `jti` and sets the password in one transaction.
    async fn redeem_password_reset(&self, id: i64, jti: &str, password_hash: &str, now: i64) -> StoreResult<ResetOutcome>;

    /// Whether a reset link's `jti` has been used.
    async fn password_reset_used(&self, jti: &str) -> StoreResult<bool>;
}

/// `$first_owner_lock`: a statement run first in the bootstrap transaction (PostgreSQL: a
/// table lock, because under READ COMMITTED two `INSERT ... WHERE NOT EXISTS` can both see an
/// empty table; SQLite serialises writers, so the one statement is atomic on its own).
macro_rules! impl_admin_user_store {
    ($store:ident, $row:ty, $first_owner_lock:expr) => {
        #[async_trait::async_trait]
        impl crate::store::admin_users::AdminUserStore for $store {
            async fn count_admins(&self) -> crate::store::StoreResult<i64> {
                use sqlx::Row as _;
                let row = sqlx::query("SELECT COUNT(*) AS n FROM admin_users").fetch_one(&self.pool).await?;
                Ok(row.try_get("n")?)
            }

            #[tracing::instrument(skip(self, password_hash))]
            async fn create_admin(&self, email: &str, password_hash: &str, role: nps_core::wire::AdminRole, now: i64) -> crate::store::StoreResult<crate::store::AdminRecord> {
                let row = sqlx::query(
                    "INSERT INTO admin_users (email, password_hash, role, created_at) VALUES ($1, $2, $3, $4) \
                     RETURNING id, email, password_hash, role",
                )
                .bind(email)
                .bind(password_hash)
                .bind(role.as_str())
                .bind(now)
                .fetch_one(&self.pool)
                .await?;
                Self::admin_from_row(&row)
            }

            async fn admin_by_email(&self, email: &str) -> crate::store::StoreResult<Option<crate::store::AdminRecord>> {
                let row = sqlx::query("SELECT id, email, password_hash, role FROM admin_users WHERE email = $1")
                    .bind(email)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(Self::admin_from_row).transpose()
            }
            async fn session_user(&self, id: i64) -> crate::store::StoreResult<Option<crate::store::admin_users::SessionUser>> {
                use sqlx::Row;
                let row: Option<$row> = sqlx::query("SELECT id, email, role, session_epoch, disabled_at FROM admin_users WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                let Some(r) = row else { return Ok(None) };
                let role: String = r.try_get("role")?;
                Ok(Some(crate::store::admin_users::SessionUser {
                    id: r.try_get("id")?,
                    email: r.try_get("email")?,
                    role: nps_core::wire::AdminRole::parse(&role)
                        .ok_or_else(|| crate::store::StoreError::Corrupt(format!("admin role {role}")))?,
                    session_epoch: r.try_get("session_epoch")?,
                    disabled: r.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
                }))
            }

            async fn bump_session_epoch(&self, id: i64) -> crate::store::StoreResult<()> {
                sqlx::query("UPDATE admin_users SET session_epoch = session_epoch + 1 WHERE id = $1").bind(id).execute(&self.pool).await?;
                Ok(())
            }

            async fn create_first_owner(&self, email: &str, password_hash: &str, now: i64) -> crate::store::StoreResult<bool> {
                let mut tx = self.pool.begin().await?;
                let lock: Option<&'static str> = $first_owner_lock;
                if let Some(lock) = lock {
                    sqlx::query(lock).execute(&mut *tx).await?;
                }
                let inserted = sqlx::query(
                    "INSERT INTO admin_users (email, password_hash, role, created_at) \
                     SELECT $1, $2, 'owner', $3 WHERE NOT EXISTS (SELECT 1 FROM admin_users)",
                )
                .bind(email)
                .bind(password_hash)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                tx.commit().await?;
                Ok(inserted == 1)
            }

            async fn list_admins(&self) -> crate::store::StoreResult<Vec<nps_core::wire::AdminUser>> {
                use sqlx::Row;
                let rows: Vec<$row> = sqlx::query("SELECT id, email, role, created_at, disabled_at FROM admin_users ORDER BY email").fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|r| {
                        let role: String = r.try_get("role")?;
                        let disabled = r.try_get::<Option<i64>, _>("disabled_at")?.is_some();
                        Ok(nps_core::wire::AdminUser {
                            id: r.try_get("id")?,
                            email: r.try_get("email")?,
                            role: nps_core::wire::AdminRole::parse(&role)
                                .ok_or_else(|| crate::store::StoreError::Corrupt(format!("admin role {role}")))?,
                            status: if disabled { nps_core::wire::AdminUserStatus::Disabled } else { nps_core::wire::AdminUserStatus::Active },
                            created_at: r.try_get("created_at")?,
                        })
                    })
                    .collect()
            }

            async fn change_admin(
                &self,
                id: i64,
                change: crate::store::admin_users::AdminChange,
                now: i64,
            ) -> crate::store::StoreResult<crate::store::admin_users::ChangeOutcome> {
                use crate::store::admin_users::{AdminChange, ChangeOutcome, sql};
                let mut tx = self.pool.begin().await?;
                let lock: Option<&'static str> = $first_owner_lock;
                if let Some(lock) = lock {
                    sqlx::query(lock).execute(&mut *tx).await?;
                }
                let statement = match change {
                    AdminChange::Disable => sqlx::query(sql::DISABLE).bind(id).bind(now),
                    AdminChange::Enable => sqlx::query(sql::ENABLE).bind(id),
                    AdminChange::SetRole(role) => sqlx::query(sql::SET_ROLE).bind(id).bind(role.as_str()),
                    AdminChange::Delete => sqlx::query(sql::DELETE).bind(id),
                };
                if statement.execute(&mut *tx).await?.rows_affected() == 1 {
                    tx.commit().await?;
                    return Ok(ChangeOutcome::Done);
                }
                // Nothing changed: either there is no such user or the guard refused.
                let exists = sqlx::query("SELECT 1 FROM admin_users WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?.is_some();
                Ok(if exists { ChangeOutcome::LastActiveOwner } else { ChangeOutcome::NoSuchUser })
            }

            async fn set_password(&self, id: i64, password_hash: &str) -> crate::store::StoreResult<Option<i64>> {
                use sqlx::Row;
                let row: Option<$row> = sqlx::query(
                    "UPDATE admin_users SET password_hash = $2, session_epoch = session_epoch + 1 WHERE id = $1 RETURNING session_epoch",
                )
                .bind(id)
                .bind(password_hash)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| r.try_get("session_epoch")).transpose().map_err(Into::into)
            }

            async fn redeem_password_reset(
                &self,
                id: i64,
                jti: &str,
                password_hash: &str,
                now: i64,
            ) -> crate::store::StoreResult<crate::store::admin_users::ResetOutcome> {
                use crate::store::admin_users::ResetOutcome;
                let mut tx = self.pool.begin().await?;
                // Of two concurrent uses of one link, the second waits for the first's row and
                // then inserts nothing.
                let recorded = sqlx::query("INSERT INTO admin_password_resets (jti, user_id, used_at) VALUES ($1, $2, $3) ON CONFLICT (jti) DO NOTHING")
                    .bind(jti)
                    .bind(id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if recorded == 0 {
                    return Ok(ResetOutcome::AlreadyUsed);
                }
                let updated = sqlx::query("UPDATE admin_users SET password_hash = $2, session_epoch = session_epoch + 1 WHERE id = $1")
                    .bind(id)
                    .bind(password_hash)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if updated == 0 {
                    return Ok(ResetOutcome::NoSuchUser);
                }
                tx.commit().await?;
                Ok(ResetOutcome::Done)
            }

            async fn password_reset_used(&self, jti: &str) -> crate::store::StoreResult<bool> {
                Ok(sqlx::query("SELECT 1 FROM admin_password_resets WHERE jti = $1").bind(jti).fetch_optional(&self.pool).await?.is_some())
            }
        }
    };
}
