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

#[async_trait]
pub trait AdminUserStore: Send + Sync {
    /// Every admin user, by e-mail.
    async fn list_admins(&self) -> StoreResult<Vec<AdminUserRow>>;
}

macro_rules! impl_admin_user_store {
    ($store:ident, $row:ty) => {
        #[async_trait::async_trait]
        impl crate::store::admin_users::AdminUserStore for $store {
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
