//! A fresh database per test: a new SQLite file, or a new database on the local PostgreSQL
//! server (`NPS_TEST_PG_URL`, default the `test` database on 127.0.0.1:5432).

use sqlx::Connection;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// `sqlite` or `postgres`, as the benches' `--only` flag takes them.
    pub fn parse(name: &str) -> anyhow::Result<Self> {
        match name {
            "sqlite" => Ok(Self::Sqlite),
            "postgres" => Ok(Self::Postgres),
            _ => anyhow::bail!("--only takes sqlite or postgres"),
        }
    }

    /// `sqlite,postgres` or either, as the benches' `--backends` flag takes them.
    pub fn parse_list(names: &str) -> anyhow::Result<Vec<Self>> {
        names.split(',').map(|name| Self::parse(name.trim()).map_err(|_| anyhow::anyhow!("--backends takes sqlite and/or postgres"))).collect()
    }

    /// The name `parse` takes, as the benches label their figures.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

pub struct TestDatabase {
    pub backend: Backend,
    pub url: String,
}

pub fn postgres_admin_url() -> String {
    std::env::var("NPS_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

impl TestDatabase {
    pub fn sqlite(dir: &Path) -> Self {
        Self { backend: Backend::Sqlite, url: format!("sqlite://{}", dir.join("nps.sqlite").display()) }
    }

    /// Creates a new, empty PostgreSQL database. Fails (never skips) when the server is not
    /// reachable: the PostgreSQL story is part of the suite.
    pub async fn postgres() -> anyhow::Result<Self> {
        let admin_url = postgres_admin_url();
        let mut conn = sqlx::PgConnection::connect(&admin_url)
            .await
            .map_err(|e| anyhow::anyhow!("PostgreSQL at {admin_url} is required by this test: {e}"))?;
        let name = format!("nps_test_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await?;
        let base = admin_url.rsplit_once('/').map(|(b, _)| b.to_owned()).unwrap_or(admin_url);
        Ok(Self { backend: Backend::Postgres, url: format!("{base}/{name}") })
    }

    /// The first column of every row `sql` selects, read straight from the database (for
    /// assertions on what is stored, whatever the backend).
    pub async fn column<T>(&self, sql: &'static str) -> anyhow::Result<Vec<T>>
    where
        T: Send + Unpin,
        T: for<'r> sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
        T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
    {
        Ok(match self.backend {
            Backend::Sqlite => {
                let mut conn = sqlx::SqliteConnection::connect(&self.url).await?;
                sqlx::query_scalar(sql).fetch_all(&mut conn).await?
            }
            Backend::Postgres => {
                let mut conn = sqlx::PgConnection::connect(&self.url).await?;
                sqlx::query_scalar(sql).fetch_all(&mut conn).await?
            }
        })
    }

    pub async fn new(backend: Backend, dir: &Path) -> anyhow::Result<Self> {
        match backend {
            Backend::Sqlite => Ok(Self::sqlite(dir)),
            Backend::Postgres => Self::postgres().await,
        }
    }
}
