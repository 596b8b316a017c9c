//! PostgreSQL, for when one machine is not enough: several collectors share it.

use sqlx::postgres::PgPoolOptions;
use sqlx::{PgPool, Postgres};
use std::time::Duration;

pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    const DIALECT: super::sql::Dialect = super::sql::Dialect::Postgres;

    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        // A short acquire timeout: when the database is down the drainer should notice quickly
        // and keep records in the spool rather than hang.
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(3))
            .connect(url)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(Self { pool })
    }
}

impl_sql_store!(PostgresStore, Postgres, sqlx::postgres::PgRow);
impl_rollup_store!(PostgresStore, Postgres, sqlx::postgres::PgRow);
impl_account_store!(PostgresStore, Postgres, sqlx::postgres::PgRow);
impl_admin_user_store!(PostgresStore, sqlx::postgres::PgRow, Some("LOCK TABLE admin_users IN SHARE ROW EXCLUSIVE MODE"));
impl_webhook_store!(PostgresStore, Postgres, sqlx::postgres::PgRow);
/// Several collectors may share the database: decisions read SQL, nothing is loaded.
impl crate::store::resident::ResidentStore for PostgresStore {}
impl_partner_programme_store!(PostgresStore, Postgres);
impl_campaign_mail_store!(PostgresStore, Postgres, sqlx::postgres::PgRow);
impl_disclosure_store!(PostgresStore, Postgres);
impl_audit_store!(PostgresStore, sqlx::postgres::PgRow);
impl_data_rights_store!(PostgresStore, Postgres, sqlx::postgres::PgRow);


impl PostgresStore {
    /// A JSON attribute as text: `(attributes::jsonb ->> <key>)`.
    const JSON_TEXT: (&'static str, &'static str) = ("(attributes::jsonb ->> ", ")");

    fn json_path(key: &str) -> String {
        key.to_owned()
    }

    /// Serialises decisions per user across every collector process with a transaction-scoped
    /// advisory lock on a 64-bit hash of (project, user). A hash collision only serialises two
    /// unrelated users; it never lets one user's decisions interleave.
    async fn begin_user_transaction(&self, project_id: i64, user_id: &str) -> Result<sqlx::Transaction<'static, Postgres>, sqlx::Error> {
        self.begin_keyed_transaction(user_lock_key(project_id, user_id)).await
    }

    /// A transaction no other write to `responses` interleaves with: a SHARE lock waits for
    /// the transactions storing answers and holds off new ones until this one ends.
    async fn begin_holding_response_writes(&self) -> Result<sqlx::Transaction<'static, Postgres>, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("LOCK TABLE responses IN SHARE MODE").execute(&mut *tx).await?;
        Ok(tx)
    }

    /// A transaction holding the advisory lock `key` until it ends, across every collector
    /// process that shares the database.
    async fn begin_keyed_transaction(&self, key: i64) -> Result<sqlx::Transaction<'static, Postgres>, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(key).execute(&mut *tx).await?;
        Ok(tx)
    }
}

fn user_lock_key(project_id: i64, user_id: &str) -> i64 {
    // FNV-1a: stable across processes and releases (std's hasher is neither).
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in project_id.to_le_bytes().iter().chain(user_id.as_bytes()) {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    i64::from_ne_bytes(hash.to_ne_bytes())
}
