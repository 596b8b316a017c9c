//! Abuse benchmark (issue #12, "what it must show"): what hostile traffic costs the collector in
//! memory, measured from /proc on the real release binary over real HTTP, on a fresh SQLite file.
//!
//! - Peak RSS (`VmHWM`) while 64 sign-ins run at once, half with the right password and half
//!   with wrong ones for accounts that do not exist (each still costs an Argon2id hash). The
//!   lockout limits are raised for this run so every wrong sign-in is hashed: the worst case
//!   for memory, not the throttled one. Goal: at most 300 MB.
//! - RSS growth over 10,000 client-API requests with distinct unknown 16 KB project keys, after
//!   a warm-up that brings buffers and allocator arenas to their working size. Goal: at most 5 MB.
//!
//! Prints one line: `bench abuse: signin_peak_rss_mb=.. unknown_keys_rss_growth_mb=..
//! signin_requests=64 unknown_key_requests=10000` (MB here are MiB, as /proc counts). The
//! figures are printed against the goals above, not asserted here (the e2e tests in
//! tests/tests/hardening.rs assert bounds for smaller runs).
//!
//! `cargo xtask bench-abuse`, or `cargo build --release -p nps-collector -p nps-e2e --bins &&
//! target/release/bench-abuse`.

use anyhow::Context;
use futures::StreamExt;
use nps_e2e::admin::{OWNER_EMAIL, OWNER_PASSWORD};
use nps_e2e::{Admin, Collector, CollectorOptions, TestDatabase, new_id};
use serde_json::json;

const SIGN_INS: usize = 64;
const WARM_UP_KEYS: usize = 500;
const UNKNOWN_KEYS: usize = 10_000;
/// Requests in flight at once for the unknown-key phase.
const KEY_CONCURRENCY: usize = 16;
const KEY_BYTES: usize = 16 * 1024;

fn main() -> anyhow::Result<()> {
    let no_arguments = if std::env::args().len() == 1 { Ok(()) } else { Err(anyhow::anyhow!("bench-abuse takes no arguments")) };
    nps_e2e::bench::main(no_arguments, |()| run())
}

async fn run() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let db = TestDatabase::sqlite(dir.path());
    let options = CollectorOptions::new(dir.path().join("data"), db.url)
        // Every wrong sign-in is hashed (no lockout answers 429 early): the memory worst case.
        .with("NPS_AUTH__SIGN_IN_FAILURES_PER_ACCOUNT", 1_000_000)
        .with("NPS_AUTH__SIGN_IN_FAILURES_PER_ADDRESS", 1_000_000)
        .with("RUST_LOG", "warn");
    let collector = Collector::start(options).await?;
    Admin::bootstrap(&collector.url).await?;

    let outcomes = concurrent_sign_ins(&collector.url).await;
    let signin_peak_mb = kib_to_mb(memory_kib(&collector, "VmHWM")?);
    let right = outcomes.iter().filter(|s| **s == 200).count();
    let refused = outcomes.iter().filter(|s| **s == 401).count();
    anyhow::ensure!(right == SIGN_INS / 2 && refused == SIGN_INS / 2, "unexpected sign-in answers: {outcomes:?}");

    let warm = unknown_key_requests(&collector.url, WARM_UP_KEYS).await;
    anyhow::ensure!(warm == WARM_UP_KEYS, "only {warm} of {WARM_UP_KEYS} warm-up requests got 404");
    let before = memory_kib(&collector, "VmRSS")?;
    let refused_keys = unknown_key_requests(&collector.url, UNKNOWN_KEYS).await;
    anyhow::ensure!(refused_keys == UNKNOWN_KEYS, "only {refused_keys} of {UNKNOWN_KEYS} unknown-key requests got 404");
    let growth_mb = kib_to_mb(memory_kib(&collector, "VmRSS")?.saturating_sub(before));

    println!(
        "bench abuse: signin_peak_rss_mb={signin_peak_mb:.1} unknown_keys_rss_growth_mb={growth_mb:.2} \
         signin_requests={SIGN_INS} unknown_key_requests={UNKNOWN_KEYS}"
    );
    Ok(())
}

/// `SIGN_INS` sign-ins at once, half right, half wrong for distinct unknown accounts; returns
/// the status codes (0 for a request that got no answer).
async fn concurrent_sign_ins(base: &str) -> Vec<u16> {
    let http = reqwest::Client::new();
    let requests = (0..SIGN_INS).map(|i| {
        let body = if i % 2 == 0 {
            json!({ "email": OWNER_EMAIL, "password": OWNER_PASSWORD })
        } else {
            json!({ "email": format!("guess{i}@example.com"), "password": "a wrong password" })
        };
        let request = http.post(format!("{base}/api/admin/session")).json(&body);
        async move { request.send().await.map_or(0, |r| r.status().as_u16()) }
    });
    futures::future::join_all(requests).await
}

/// `count` client-API requests, each with a distinct unknown 16 KB project key, `KEY_CONCURRENCY`
/// at a time; returns how many got 404.
async fn unknown_key_requests(base: &str, count: usize) -> usize {
    let http = reqwest::Client::new();
    futures::stream::iter(0..count)
        .map(|_| {
            let key = format!("pk_{}", new_id().replace('-', "").repeat(KEY_BYTES / 32));
            let request = http.get(format!("{base}/v1/p/{key}/config"));
            async move { request.send().await.is_ok_and(|r| r.status().as_u16() == 404) }
        })
        .buffer_unordered(KEY_CONCURRENCY)
        .filter(|refused| std::future::ready(*refused))
        .count()
        .await
}

/// A field of /proc/<pid>/status in KiB (`VmRSS`, `VmHWM`).
fn memory_kib(collector: &Collector, field: &str) -> anyhow::Result<u64> {
    let pid = collector.pid().context("the collector has exited")?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status.lines().find(|l| l.starts_with(&format!("{field}:"))).with_context(|| format!("no {field} in /proc/{pid}/status"))?;
    Ok(line.split_whitespace().nth(1).unwrap_or("0").parse()?)
}

fn kib_to_mb(kib: u64) -> f64 {
    kib as f64 / 1024.0
}
