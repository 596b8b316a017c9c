//! Helpers of the benches that time admin reports over HTTP (`bench_reports.rs`, `bench_accounts.rs`).

use crate::Admin;
use sqlx::Connection;
use std::time::{Duration, Instant};

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
