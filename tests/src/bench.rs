//! Helpers of the benches: their command lines and `main`, bulk loading of generated answers,
//! and timing admin reports over HTTP (`bench_reports.rs`, `bench_accounts.rs`).

use crate::Admin;
use anyhow::Context;
use sqlx::Connection;
use std::future::Future;
use std::time::{Duration, Instant};

/// Rows per multi-row INSERT when loading SQLite.
pub const ROWS_PER_INSERT: usize = 500;
/// Rows per SQLite transaction when loading: short enough that the running collector's own
/// writers (leases, schedulers) never wait out their busy timeout.
pub const ROWS_PER_TRANSACTION: usize = 20_000;

/// The `main` of a bench: its parsed arguments, the release collector beside it, then `run` on
/// a runtime (started only now: finding the collector sets an environment variable).
pub fn main<A, F>(args: anyhow::Result<A>, run: impl FnOnce(A) -> F) -> anyhow::Result<()>
where
    F: Future<Output = anyhow::Result<()>>,
{
    let args = args?;
    crate::collector::use_collector_beside_this_binary()?;
    tokio::runtime::Runtime::new()?.block_on(run(args))
}

/// A bench's command line: `--flag value` pairs, each flag one the bench knows.
pub struct Flags {
    values: std::collections::BTreeMap<String, String>,
}

impl Flags {
    /// Reads the command line; a flag not in `known`, or one without a value, fails with `usage`.
    pub fn parse(usage: &str, known: &[&str]) -> anyhow::Result<Self> {
        let mut values = std::collections::BTreeMap::new();
        let mut it = std::env::args().skip(1);
        while let Some(flag) = it.next() {
            anyhow::ensure!(known.contains(&flag.as_str()), "unknown flag {flag}; {usage}");
            let value = it.next().with_context(|| format!("{flag} needs a value; {usage}"))?;
            values.insert(flag, value);
        }
        Ok(Self { values })
    }

    /// The value of `flag` (a number, or anything else `FromStr` reads), or `default` without it.
    pub fn value<T>(&self, flag: &str, default: T) -> anyhow::Result<T>
    where
        T: std::str::FromStr,
        T::Err: std::error::Error + Send + Sync + 'static,
    {
        self.read(flag, default, |value| Ok(value.trim().parse()?))
    }

    /// The value of `flag` as `read` reads it, or `default` without it; an error names the flag.
    pub fn read<T>(&self, flag: &str, default: T, read: impl FnOnce(&str) -> anyhow::Result<T>) -> anyhow::Result<T> {
        match self.values.get(flag) {
            Some(value) => read(value).with_context(|| flag.to_owned()),
            None => Ok(default),
        }
    }
}

/// Writes `rows` into SQLite as multi-row INSERTs (`insert`: the statement up to `VALUES`),
/// committing every [`ROWS_PER_TRANSACTION`] rows; `bind` binds a row's values, given its index.
pub async fn insert_sqlite<T>(
    conn: &mut sqlx::SqliteConnection,
    insert: &str,
    rows: &[T],
    mut bind: impl FnMut(sqlx::query_builder::Separated<'_, sqlx::Sqlite, &'static str>, usize, &T),
) -> anyhow::Result<()> {
    let mut tx = conn.begin().await?;
    for (k, chunk) in rows.chunks(ROWS_PER_INSERT).enumerate() {
        if k > 0 && k % (ROWS_PER_TRANSACTION / ROWS_PER_INSERT) == 0 {
            tx.commit().await?;
            tx = conn.begin().await?;
        }
        let first = k * ROWS_PER_INSERT;
        let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(insert);
        qb.push_values(chunk.iter().enumerate(), |b, (j, row)| bind(b, first + j, row));
        qb.build().execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Streams `rows` (COPY's text format: tab-separated, `\N` for NULL) into PostgreSQL through
/// `copy` (`COPY table (columns) FROM STDIN`).
pub async fn copy_postgres(conn: &mut sqlx::PgConnection, copy: &str, rows: String) -> anyhow::Result<()> {
    let mut copy = conn.copy_in_raw(copy).await?;
    copy.send(rows.into_bytes()).await?;
    copy.finish().await?;
    Ok(())
}

/// p50 and p95 of one timed request, in milliseconds.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timing {
    pub p50: f64,
    pub p95: f64,
}

/// p50 / p95 of `runs` GET requests after one warm-up (the whole body read each time).
pub async fn time_get(admin: &Admin, path: &str, runs: usize) -> anyhow::Result<Timing> {
    let url = format!("{}{path}", admin.base);
    let mut samples = Vec::with_capacity(runs);
    for i in 0..=runs {
        let started = Instant::now();
        let response = admin.http.get(&url).timeout(Duration::from_secs(600)).send().await?;
        let status = response.status();
        let body = response.bytes().await?;
        anyhow::ensure!(status.is_success(), "GET {path}: {status} {}", String::from_utf8_lossy(&body));
        if i > 0 {
            samples.push(started.elapsed().as_secs_f64() * 1_000.0);
        }
    }
    samples.sort_by(f64::total_cmp);
    let at = |p: f64| samples[((samples.len() - 1) as f64 * p).round() as usize];
    Ok(Timing { p50: at(0.5), p95: at(0.95) })
}

/// A report without what depends on the moment it was asked (`as_of`, days left to a
/// renewal), so two requests can be compared.
pub fn timeless(mut value: serde_json::Value) -> serde_json::Value {
    match &mut value {
        serde_json::Value::Object(map) => {
            map.remove("as_of");
            map.remove("days_left");
            for v in map.values_mut() {
                *v = timeless(v.take());
            }
        }
        serde_json::Value::Array(list) => list.iter_mut().for_each(|v| *v = timeless(v.take())),
        _ => {}
    }
    value
}

/// Fresh planner statistics (and, on PostgreSQL, the visibility map) after a bulk load.
pub async fn analyze(url: &str) -> anyhow::Result<()> {
    if url.starts_with("sqlite") {
        let mut conn = sqlx::SqliteConnection::connect(url).await?;
        // What was loaded is folded from the write-ahead log into the file, as the collector's
        // own writes would have done by now (an idle collector checkpoints nothing).
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut conn).await?;
        sqlx::query("ANALYZE").execute(&mut conn).await?;
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await?;
        sqlx::query("VACUUM ANALYZE").execute(&mut conn).await?;
    }
    Ok(())
}

pub async fn drop_postgres_database(url: &str) -> anyhow::Result<()> {
    let name = url.rsplit('/').next().unwrap_or_default().to_owned();
    let mut conn = sqlx::PgConnection::connect(&crate::database::postgres_admin_url()).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}"))).execute(&mut conn).await?;
    Ok(())
}
