//! Ingest benchmark: durable-acknowledged responses per second through real HTTP on loopback
//! against the real collector binary, spool mode versus the naive one-transaction-per-request
//! baseline (`NPS_INGEST__MODE=direct`), each on a fresh SQLite database.
//!
//! `cargo build --release -p nps-collector && cargo run --release -p nps-e2e --bin bench-ingest
//! -- [--clients 64] [--seconds 10]`

use anyhow::Context;
use nps_core::wire::{ResponseRow, SurveyKind};
use nps_e2e::{Admin, Collector, CollectorOptions, TestDatabase, new_id, wait_for};
use nps_e2e::load::Connection;
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Open-loop phase: the rate a busy self-hosted install should sustain, and for how long.
const FIXED_RATE_PER_SEC: u64 = 5_000;
const FIXED_RATE_SECS: u64 = 5;
/// The admin API returns at most this many rows per request.
const PAGE: usize = 100_000;

struct Args {
    clients: usize,
    seconds: u64,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args { clients: 64, seconds: 10 };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--clients" => args.clients = value.parse().context("--clients")?,
            "--seconds" => args.seconds = value.parse().context("--seconds")?,
            _ => anyhow::bail!("unknown flag {flag}; usage: bench-ingest [--clients N] [--seconds S]"),
        }
    }
    anyhow::ensure!(args.clients > 0 && args.seconds > 0, "--clients and --seconds must be positive");
    Ok(args)
}

fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    nps_e2e::collector::use_collector_beside_this_binary()?;
    tokio::runtime::Runtime::new()?.block_on(run(args))
}

async fn run(args: Args) -> anyhow::Result<()> {
    let duration = Duration::from_secs(args.seconds);

    let spool = Target::start(None).await?;
    let closed = closed_loop(&spool.sender, args.clients, duration).await?;
    closed.print("spool");
    let fixed = fixed_rate(&spool.sender, FIXED_RATE_PER_SEC, Duration::from_secs(FIXED_RATE_SECS)).await?;
    fixed.print(&format!("spool at {FIXED_RATE_PER_SEC}/s"));
    spool.wait_drained().await?;
    // Read before verifying: listing 100k rows through the admin API costs the collector more
    // memory than ingesting them, and this figure is about ingest.
    let peak_rss_mb = spool.peak_rss_mb();
    let stored_ok = spool.all_stored([&closed.acked, &fixed.acked]).await?;
    spool.stop().await?;

    let direct = Target::start(Some("direct")).await?;
    let baseline = closed_loop(&direct.sender, args.clients, duration).await?;
    baseline.print("direct");
    direct.stop().await?;

    println!(
        "bench ingest: rps={:.0} baseline_rps={:.0} ratio={:.2} p50_ms={:.2} p99_ms={:.2} p99_at_5k_ms={:.2} peak_rss_mb={:.1} stored_ok={stored_ok}",
        closed.rps(),
        baseline.rps(),
        closed.rps() / baseline.rps().max(f64::MIN_POSITIVE),
        closed.percentile_ms(50.0),
        closed.percentile_ms(99.0),
        fixed.percentile_ms(99.0),
        peak_rss_mb.unwrap_or(f64::NAN),
    );
    Ok(())
}

/// A collector on a fresh SQLite database with one live tNPS survey open to every origin.
struct Target {
    collector: Collector,
    admin: Admin,
    sender: Sender,
    // Declared last so it is dropped last: the collector must stop before its files go.
    _dir: tempfile::TempDir,
}

impl Target {
    async fn start(ingest_mode: Option<&str>) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let database = TestDatabase::sqlite(dir.path());
        let mut options = CollectorOptions::new(dir.path().join("data"), database.url);
        if let Some(mode) = ingest_mode {
            options = options.with("NPS_INGEST__MODE", mode);
        }
        let collector = Collector::start(options).await?;
        let admin = Admin::bootstrap(&collector.url).await?;
        let project = admin.create_project(&["*"]).await?;
        let survey = admin.create_live_survey(project.id, SurveyKind::Tnps).await?;
        let sender = Sender {
            base_url: collector.url.clone(),
            path: format!("/v1/p/{}/responses", project.public_key),
            survey_id: survey.id,
        };
        Ok(Self { collector, admin, sender, _dir: dir })
    }

    /// Checks that every acknowledged id is in SQL (call once the spool has drained).
    async fn all_stored(&self, acked: [&Vec<String>; 2]) -> anyhow::Result<bool> {
        let stored = self.stored_ids().await?;
        let missing = acked.iter().flat_map(|ids| ids.iter()).filter(|id| !stored.contains(*id)).count();
        println!("stored: {} rows, {missing} acknowledged ids missing", stored.len());
        Ok(missing == 0)
    }

    /// Polls `/readyz` until everything acknowledged has moved from the spool to SQL.
    async fn wait_drained(&self) -> anyhow::Result<()> {
        let url = format!("{}/readyz", self.collector.url);
        let started = Instant::now();
        wait_for(Duration::from_secs(600), || async {
            let body: serde_json::Value = self.admin.http.get(&url).send().await.ok()?.json().await.ok()?;
            (body["spool_depth"].as_u64() == Some(0)).then_some(())
        })
        .await
        .context("the spool did not drain within 10 minutes")?;
        println!("spool drained {:.1} s after the load ended", started.elapsed().as_secs_f64());
        Ok(())
    }

    /// Every stored response id of the survey, page by page.
    async fn stored_ids(&self) -> anyhow::Result<HashSet<String>> {
        let mut ids = HashSet::new();
        loop {
            let path = format!("/api/admin/responses?survey_id={}&limit={PAGE}&offset={}", self.sender.survey_id, ids.len());
            let rows: Vec<ResponseRow> = self.admin.get(&path).await?;
            let page_len = rows.len();
            ids.extend(rows.into_iter().map(|r| r.id));
            if page_len < PAGE {
                return Ok(ids);
            }
        }
    }

    /// The collector's peak resident set (VmHWM), in MiB.
    fn peak_rss_mb(&self) -> Option<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.collector.pid()?)).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib / 1024.0)
    }

    async fn stop(mut self) -> anyhow::Result<()> {
        self.collector.terminate().await?;
        Ok(())
    }
}

/// Sends answers to one survey; cheap to clone into spawned tasks. Each worker owns one
/// keep-alive connection of the lean load generator (see `nps_e2e::load`).
#[derive(Clone)]
struct Sender {
    base_url: String,
    path: String,
    survey_id: i64,
}

impl Sender {
    async fn connect(&self) -> anyhow::Result<Connection> {
        Connection::open(&self.base_url).await
    }

    /// Sends one answer with a fresh id and a random score; returns the id if it was
    /// acknowledged as durable (202). A broken connection is replaced.
    async fn send(&self, connection: &mut Option<Connection>) -> Option<String> {
        let id = new_id();
        let body = format!(
            r#"{{"response_id":"{id}","survey_id":{},"user_id":"user-{}","score":{}}}"#,
            self.survey_id,
            &id[..8],
            random_score()
        );
        if connection.is_none() {
            *connection = self.connect().await.ok();
        }
        let reply = connection.as_mut()?.post_json(&self.path, body.as_bytes()).await;
        match reply {
            Ok(reply) => (reply.status == 202).then_some(id),
            Err(_) => {
                *connection = None;
                None
            }
        }
    }
}

/// 0..=10, from the random bits of a v4 uuid (saves a dependency on `rand`).
fn random_score() -> u8 {
    (uuid::Uuid::new_v4().as_u128() % 11) as u8
}

/// What one load phase achieved.
#[derive(Default)]
struct Outcome {
    acked: Vec<String>,
    latencies: Vec<Duration>,
    failed: usize,
    elapsed: Duration,
}

impl Outcome {
    fn record(&mut self, result: Option<(String, Duration)>) {
        match result {
            Some((id, latency)) => {
                self.acked.push(id);
                self.latencies.push(latency);
            }
            None => self.failed += 1,
        }
    }

    fn merge(&mut self, other: Outcome) {
        self.acked.extend(other.acked);
        self.latencies.extend(other.latencies);
        self.failed += other.failed;
    }

    fn rps(&self) -> f64 {
        self.acked.len() as f64 / self.elapsed.as_secs_f64()
    }

    /// Nearest-rank percentile of the acknowledged requests, in milliseconds.
    fn percentile_ms(&self, p: f64) -> f64 {
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        let Some(last) = sorted.len().checked_sub(1) else { return f64::NAN };
        let rank = ((p / 100.0) * last as f64).round() as usize;
        sorted[rank].as_secs_f64() * 1000.0
    }

    fn print(&self, label: &str) {
        println!(
            "{label}: {} acked, {} failed in {:.1} s = {:.0}/s, p50 {:.2} ms, p99 {:.2} ms",
            self.acked.len(),
            self.failed,
            self.elapsed.as_secs_f64(),
            self.rps(),
            self.percentile_ms(50.0),
            self.percentile_ms(99.0),
        );
    }
}

/// Closed loop: `clients` workers, each sending its next request as soon as the previous one
/// is answered.
async fn closed_loop(sender: &Sender, clients: usize, duration: Duration) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let deadline = started + duration;
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let sender = sender.clone();
            tokio::spawn(async move {
                let mut outcome = Outcome::default();
                let mut connection = None;
                while Instant::now() < deadline {
                    let sent = Instant::now();
                    outcome.record(sender.send(&mut connection).await.map(|id| (id, sent.elapsed())));
                }
                outcome
            })
        })
        .collect();
    let mut total = Outcome::default();
    for worker in workers {
        total.merge(worker.await?);
    }
    total.elapsed = started.elapsed();
    Ok(total)
}

/// Open loop: request `i` is due at `start + i / rate` whether or not earlier ones were
/// answered, and its latency counts from that due time, so a stalled server cannot hide its
/// queueing delay by slowing the sender down (coordinated omission). A fixed set of workers
/// (each with its own connection) takes the next due request as soon as it is free.
async fn fixed_rate(sender: &Sender, rate: u64, duration: Duration) -> anyhow::Result<Outcome> {
    const WORKERS: u64 = 256;
    let started = tokio::time::Instant::now();
    let total = rate * duration.as_secs();
    let next = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (sender, next) = (sender.clone(), next.clone());
            tokio::spawn(async move {
                let mut outcome = Outcome::default();
                let mut connection = None;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        return outcome;
                    }
                    let due = started + Duration::from_nanos(i * 1_000_000_000 / rate);
                    tokio::time::sleep_until(due).await;
                    outcome.record(sender.send(&mut connection).await.map(|id| (id, due.elapsed())));
                }
            })
        })
        .collect();
    let mut outcome = Outcome::default();
    for worker in workers {
        outcome.merge(worker.await?);
    }
    outcome.elapsed = started.elapsed();
    Ok(outcome)
}
