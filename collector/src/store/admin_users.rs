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
    /// The user's or the issuer's link epoch moved since the link was issued, or the issuer is
    /// gone or disabled (nothing changed).
    Revoked,
}

/// Who issued a reset link or an invitation, as the link says: the issuer must still exist, be
/// active and have this link epoch when the link is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkIssuer {
    pub id: i64,
    pub link_epoch: i64,
}

/// A reset link being used: whose password, with the target's link epoch at issue.
#[derive(Debug, Clone, Copy)]
pub struct ResetUse<'a> {
    pub user_id: i64,
    pub user_link_epoch: i64,
    pub issuer: LinkIssuer,
    pub jti: &'a str,
    pub password_hash: &'a str,
}

/// An invitation being accepted.
#[derive(Debug, Clone, Copy)]
pub struct InvitationUse<'a> {
    pub jti: &'a str,
    pub email: &'a str,
    pub role: AdminRole,
    pub password_hash: &'a str,
    pub issuer: LinkIssuer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationOutcome {
    /// The user exists now, and the invitation is spent for good.
    Done,
    /// The invitation's `jti` was accepted before (even if that user was deleted since).
    AlreadyUsed,
    /// An account with the e-mail exists.
    EmailTaken,
    /// The issuer is gone or disabled, or their link epoch moved.
    IssuerRevoked,
}

/// The guarded statements of [`AdminChange`]. The guard is part of the statement (and, on
/// PostgreSQL, runs under the table lock of the bootstrap), so two owners demoting each other
/// at the same moment cannot leave the installation without an active owner. Each bumps the
/// user's `link_epoch` too, which voids the reset links issued by and for the user and the
/// invitations the user issued.
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
        "UPDATE admin_users SET disabled_at = COALESCE(disabled_at, $2), session_epoch = session_epoch + 1, link_epoch = link_epoch + 1 \
         WHERE id = $1 AND ",
        unless_last_active_owner!()
    );
    /// `$1` id.
    pub const ENABLE: &str =
        "UPDATE admin_users SET disabled_at = NULL, session_epoch = session_epoch + 1, link_epoch = link_epoch + 1 WHERE id = $1";
    /// `$1` id, `$2` role; making someone an owner needs no guard.
    pub const SET_ROLE: &str = concat!(
        "UPDATE admin_users SET role = $2, session_epoch = session_epoch + 1, link_epoch = link_epoch + 1 WHERE id = $1 AND ($2 = 'owner' OR ",
        unless_last_active_owner!(),
        ")"
    );
    /// `$1` id.
    pub const DELETE: &str = concat!("DELETE FROM admin_users WHERE id = $1 AND ", unless_last_active_owner!());
    /// `$1` issuer id, `$2` the issuer's link epoch written in the link.
    pub const ISSUER_STANDS: &str = "SELECT 1 FROM admin_users WHERE id = $1 AND link_epoch = $2 AND disabled_at IS NULL";
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
    /// Bumped by role and status changes and new passwords, not by sign-out: reset links and
    /// invitations carry it (see migration `0023_link_binding.sql`).
    pub link_epoch: i64,
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

    /// Uses a reset link: records its `jti` and sets the password in one transaction, if the
    /// user's link epoch is still the link's and its issuer still stands (`Revoked` otherwise).
    async fn redeem_password_reset(&self, reset: ResetUse<'_>, now: i64) -> StoreResult<ResetOutcome>;

    /// Whether a reset link's `jti` has been used.
    async fn password_reset_used(&self, jti: &str) -> StoreResult<bool>;

    /// Accepts an invitation: records its `jti` and creates the user in one transaction, if
    /// the `jti` is new, the e-mail free and the issuer still stands.
    async fn accept_invitation(&self, invitation: InvitationUse<'_>, now: i64) -> StoreResult<InvitationOutcome>;

    /// Whether an invitation's `jti` has been accepted.
    async fn invitation_accepted(&self, jti: &str) -> StoreResult<bool>;
}

/// `$first_owner_lock`: a statement run first in the bootstrap transaction (PostgreSQL: a
/// table lock, because under READ COMMITTED two `INSERT ... WHERE NOT EXISTS` can both see an
/// empty table; SQLite serialises writers, so the one statement is atomic on its own).
macro_rules! impl_admin_user_store {
    ($store:ident, $row:ty, $first_owner_lock:expr) => {
        impl $store {
            /// A transaction serialised with every change to admin users (the bootstrap, role
            /// changes, disabling, links spent): `$first_owner_lock` on PostgreSQL, SQLite's
            /// single writer by itself.
            async fn begin_lifecycle(&self) -> crate::store::StoreResult<sqlx::Transaction<'static, <$row as sqlx::Row>::Database>> {
                let mut tx = self.pool.begin().await?;
                let lock: Option<&'static str> = $first_owner_lock;
                if let Some(lock) = lock {
                    sqlx::query(lock).execute(&mut *tx).await?;
                }
                Ok(tx)
            }

            /// Whether the admin who issued a link still stands as they did then (same link
            /// epoch, not disabled, not deleted).
            async fn issuer_stands(
                tx: &mut sqlx::Transaction<'static, <$row as sqlx::Row>::Database>,
                issuer: &crate::store::admin_users::LinkIssuer,
            ) -> crate::store::StoreResult<bool> {
                let sql = crate::store::admin_users::sql::ISSUER_STANDS;
                Ok(sqlx::query(sql).bind(issuer.id).bind(issuer.link_epoch).fetch_optional(&mut **tx).await?.is_some())
            }
        }

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
                let row: Option<$row> = sqlx::query("SELECT id, email, role, session_epoch, link_epoch, disabled_at FROM admin_users WHERE id = $1")
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
                    link_epoch: r.try_get("link_epoch")?,
                    disabled: r.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
                }))
            }

            async fn bump_session_epoch(&self, id: i64) -> crate::store::StoreResult<()> {
                sqlx::query("UPDATE admin_users SET session_epoch = session_epoch + 1 WHERE id = $1").bind(id).execute(&self.pool).await?;
                Ok(())
            }

            async fn create_first_owner(&self, email: &str, password_hash: &str, now: i64) -> crate::store::StoreResult<bool> {
                let mut tx = self.begin_lifecycle().await?;
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
                let mut tx = self.begin_lifecycle().await?;
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
                let row: Option<$row> = sqlx::query(concat!(
                    "UPDATE admin_users SET password_hash = $2, session_epoch = session_epoch + 1, link_epoch = link_epoch + 1 ",
                    "WHERE id = $1 RETURNING session_epoch"
                ))
                .bind(id)
                .bind(password_hash)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| r.try_get("session_epoch")).transpose().map_err(Into::into)
            }

            async fn redeem_password_reset(
                &self,
                reset: crate::store::admin_users::ResetUse<'_>,
                now: i64,
            ) -> crate::store::StoreResult<crate::store::admin_users::ResetOutcome> {
                use crate::store::admin_users::ResetOutcome;
                // Serialised with the lifecycle changes, so a role change or a disabling
                // cannot slip between the checks below and the new password.
                let mut tx = self.begin_lifecycle().await?;
                // Of two concurrent uses of one link, the second waits for the first's row and
                // then inserts nothing.
                let recorded = sqlx::query("INSERT INTO admin_password_resets (jti, user_id, used_at) VALUES ($1, $2, $3) ON CONFLICT (jti) DO NOTHING")
                    .bind(reset.jti)
                    .bind(reset.user_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if recorded == 0 {
                    return Ok(ResetOutcome::AlreadyUsed);
                }
                if !Self::issuer_stands(&mut tx, &reset.issuer).await? {
                    return Ok(ResetOutcome::Revoked);
                }
                let updated = sqlx::query(concat!(
                    "UPDATE admin_users SET password_hash = $2, session_epoch = session_epoch + 1, link_epoch = link_epoch + 1 ",
                    "WHERE id = $1 AND link_epoch = $3"
                ))
                .bind(reset.user_id)
                .bind(reset.password_hash)
                .bind(reset.user_link_epoch)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if updated == 0 {
                    let exists = sqlx::query("SELECT 1 FROM admin_users WHERE id = $1").bind(reset.user_id).fetch_optional(&mut *tx).await?.is_some();
                    return Ok(if exists { ResetOutcome::Revoked } else { ResetOutcome::NoSuchUser });
                }
                tx.commit().await?;
                Ok(ResetOutcome::Done)
            }

            async fn password_reset_used(&self, jti: &str) -> crate::store::StoreResult<bool> {
                Ok(sqlx::query("SELECT 1 FROM admin_password_resets WHERE jti = $1").bind(jti).fetch_optional(&self.pool).await?.is_some())
            }

            async fn accept_invitation(
                &self,
                invitation: crate::store::admin_users::InvitationUse<'_>,
                now: i64,
            ) -> crate::store::StoreResult<crate::store::admin_users::InvitationOutcome> {
                use crate::store::admin_users::InvitationOutcome;
                // Serialised with the lifecycle changes, so the issuer cannot be disabled or
                // demoted between the check below and the new user.
                let mut tx = self.begin_lifecycle().await?;
                let recorded = sqlx::query("INSERT INTO admin_invitations_accepted (jti, accepted_at) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING")
                    .bind(invitation.jti)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if recorded == 0 {
                    return Ok(InvitationOutcome::AlreadyUsed);
                }
                if !Self::issuer_stands(&mut tx, &invitation.issuer).await? {
                    return Ok(InvitationOutcome::IssuerRevoked);
                }
                // ON CONFLICT rather than the unique violation: on PostgreSQL that would abort
                // the transaction this answer still needs.
                let created = sqlx::query(
                    "INSERT INTO admin_users (email, password_hash, role, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (email) DO NOTHING",
                )
                .bind(invitation.email)
                .bind(invitation.password_hash)
                .bind(invitation.role.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if created == 0 {
                    return Ok(InvitationOutcome::EmailTaken);
                }
                tx.commit().await?;
                Ok(InvitationOutcome::Done)
            }

            async fn invitation_accepted(&self, jti: &str) -> crate::store::StoreResult<bool> {
                Ok(sqlx::query("SELECT 1 FROM admin_invitations_accepted WHERE jti = $1").bind(jti).fetch_optional(&self.pool).await?.is_some())
            }
        }
    };
}
