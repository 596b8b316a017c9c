//! PostgreSQL, for when one machine is not enough: several collectors share it.

use sqlx::postgres::PgPoolOptions;
use sqlx::{PgPool, Postgres};
use std::time::Duration;

pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    const BACKEND: &'static str = "postgres";

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
