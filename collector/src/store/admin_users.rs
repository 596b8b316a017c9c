//! Listing the admin users (the Users screen), one SQL text for both backends, instantiated by
//! [`impl_admin_user_store!`] in `sqlite.rs` and `postgres.rs`. Password hashes stay inside.

use super::StoreResult;
use async_trait::async_trait;
use nps_core::wire::AdminRole;

/// An admin user as the Users screen shows it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AdminUserRow {
    pub email: String,
    pub role: AdminRole,
    /// Unix milliseconds.
    pub created_at: i64,
}

/// What a request's session is checked against: the user as stored now, so that a deleted
/// user, a changed role or a sign-out takes effect on the next request.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub id: i64,
    pub email: String,
    pub role: AdminRole,
    /// Bumped by sign-out; a session token carrying an older epoch is refused.
    pub session_epoch: i64,
}

#[async_trait]
pub trait AdminUserStore: Send + Sync {
    /// Every admin user, by e-mail.
    async fn list_admins(&self) -> StoreResult<Vec<AdminUserRow>>;

    /// The user a session names, by primary key (`None`: deleted or never existed).
    async fn session_user(&self, id: i64) -> StoreResult<Option<SessionUser>>;

    /// Revokes every session of the user issued so far (sign-out).
    async fn bump_session_epoch(&self, id: i64) -> StoreResult<()>;

    /// Creates the first owner if, and only if, no admin user exists, atomically: `false` when
    /// one already exists. Holds across concurrent requests and across collectors sharing one
    /// PostgreSQL database (the check and the insert are one statement under a table lock).
    async fn create_first_owner(&self, email: &str, password_hash: &str, now: i64) -> StoreResult<bool>;
}

/// `$first_owner_lock`: a statement run first in the bootstrap transaction (PostgreSQL: a
/// table lock, because under READ COMMITTED two `INSERT ... WHERE NOT EXISTS` can both see an
/// empty table; SQLite serialises writers, so the one statement is atomic on its own).
macro_rules! impl_admin_user_store {
    ($store:ident, $row:ty, $first_owner_lock:expr) => {
        #[async_trait::async_trait]
        impl crate::store::admin_users::AdminUserStore for $store {
            async fn session_user(&self, id: i64) -> crate::store::StoreResult<Option<crate::store::admin_users::SessionUser>> {
                use sqlx::Row;
                let row: Option<$row> = sqlx::query("SELECT id, email, role, session_epoch FROM admin_users WHERE id = $1")
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

            async fn list_admins(&self) -> crate::store::StoreResult<Vec<crate::store::admin_users::AdminUserRow>> {
                use sqlx::Row;
                let rows: Vec<$row> = sqlx::query("SELECT email, role, created_at FROM admin_users ORDER BY email").fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|r| {
                        let role: String = r.try_get("role")?;
                        Ok(crate::store::admin_users::AdminUserRow {
                            email: r.try_get("email")?,
                            role: nps_core::wire::AdminRole::parse(&role)
                                .ok_or_else(|| crate::store::StoreError::Corrupt(format!("admin role {role}")))?,
                            created_at: r.try_get("created_at")?,
                        })
                    })
                    .collect()
            }
        }
    };
}
