//! Ingest benchmark: durable-acknowledged responses per second through real HTTP on loopback
//! against the real collector binary, each phase on a fresh database.
//!
//! - SQLite: the spool (closed loop, then an open-loop 5,000/s phase for the latency a busy
//!   install sees) against the naive one-transaction-per-request baseline
//!   (`NPS_INGEST__MODE=direct`).
//! - PostgreSQL: one collector and two collectors sharing one database (closed loop, the
//!   clients split between them), then a sustained open-loop phase (default 60 s at 15,000/s)
//!   that samples the spool's depth: bounded means the drainer keeps up with the database.
//!
//! After each phase every acknowledged id is looked up in SQL: stored, and stored once.
//!
//! `cargo xtask bench [--clients 64] [--seconds 10] [--sustained-rate 15000]
//! [--sustained-seconds 60] [--only sqlite|postgres]`

use anyhow::Context;
use nps_core::wire::{ResponseRow, SurveyKind};
use nps_e2e::bench::Flags;
use nps_e2e::load::Connection;
use nps_e2e::{Admin, Backend, Collector, CollectorOptions, TestDatabase, new_id, wait_for};
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Open-loop phase on SQLite: the rate a busy self-hosted install should sustain, and for how long.
const FIXED_RATE_PER_SEC: u64 = 5_000;
const FIXED_RATE_SECS: u64 = 5;
/// The admin API returns at most this many rows per request.
const PAGE: usize = 100_000;
/// How often the sustained phase reads the spool's depth.
const SPOOL_SAMPLE_EVERY: Duration = Duration::from_millis(250);

fn main() -> anyhow::Result<()> {
    nps_e2e::bench::main(parse_args(), run)
}

struct Args {
    clients: usize,
    seconds: u64,
    sustained_rate: u64,
    sustained_seconds: u64,
    /// Measure only this backend, for quicker runs while profiling.
    only: Option<Backend>,
}

const USAGE: &str =
    "usage: bench-ingest [--clients N] [--seconds S] [--sustained-rate R] [--sustained-seconds S] [--only sqlite|postgres]";

fn parse_args() -> anyhow::Result<Args> {
    let flags = Flags::parse(USAGE, &["--clients", "--seconds", "--sustained-rate", "--sustained-seconds", "--only"])?;
    let args = Args {
        clients: flags.value("--clients", 64)?,
        seconds: flags.value("--seconds", 10)?,
        sustained_rate: flags.value("--sustained-rate", 15_000)?,
        sustained_seconds: flags.value("--sustained-seconds", 60)?,
        only: flags.read("--only", None, |value| Backend::parse(value).map(Some))?,
    };
    anyhow::ensure!(args.clients > 1 && args.seconds > 0, "--clients must be at least 2 and --seconds positive");
    anyhow::ensure!(args.sustained_rate > 0 && args.sustained_seconds > 0, "the sustained phase needs a positive rate and length");
    Ok(args)
}

/// The figures of the SQLite phases.
struct SqliteFigures {
    rps: f64,
    baseline_rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    p99_at_5k_ms: f64,
    peak_rss_mb: f64,
    stored_ok: bool,
}

/// The figures of the PostgreSQL phases.
struct PostgresFigures {
    rps: f64,
    p99_ms: f64,
    two_collectors_rps: f64,
    two_collectors_p99_ms: f64,
    sustained_rps: f64,
    sustained_p99_ms: f64,
    sustained_max_spool: u64,
    sustained_drain_s: f64,
    stored_ok: bool,
}

async fn run(args: Args) -> anyhow::Result<()> {
    let sqlite = if args.only == Some(Backend::Postgres) { None } else { Some(sqlite_phases(&args).await?) };
    let postgres = if args.only == Some(Backend::Sqlite) { None } else { Some(postgres_phases(&args).await?) };
    let mut line = String::from("bench ingest:");
    if let Some(s) = &sqlite {
        line += &format!(
            " rps={:.0} baseline_rps={:.0} ratio={:.2} p50_ms={:.2} p99_ms={:.2} p99_at_5k_ms={:.2} peak_rss_mb={:.1} stored_ok={}",
            s.rps,
            s.baseline_rps,
            s.rps / s.baseline_rps.max(f64::MIN_POSITIVE),
            s.p50_ms,
            s.p99_ms,
            s.p99_at_5k_ms,
            s.peak_rss_mb,
            s.stored_ok,
        );
    }
    if let Some(p) = &postgres {
        line += &format!(
            " pg_rps={:.0} pg_p99_ms={:.2} pg_two_collectors_rps={:.0} pg_two_collectors_p99_ms={:.2} pg_sustained_rate={} \
             pg_sustained_rps={:.0} pg_sustained_p99_ms={:.2} pg_sustained_max_spool={} pg_sustained_drain_s={:.1} pg_stored_ok={}",
            p.rps,
            p.p99_ms,
            p.two_collectors_rps,
            p.two_collectors_p99_ms,
            args.sustained_rate,
            p.sustained_rps,
            p.sustained_p99_ms,
            p.sustained_max_spool,
            p.sustained_drain_s,
            p.stored_ok,
        );
    }
    if let (Some(s), Some(p)) = (&sqlite, &postgres) {
        line += &format!(" pg_to_sqlite={:.2}", p.rps / s.rps.max(f64::MIN_POSITIVE));
    }
    println!("{line}");
    Ok(())
}

async fn sqlite_phases(args: &Args) -> anyhow::Result<SqliteFigures> {
    let duration = Duration::from_secs(args.seconds);
    let spool = Target::start(Backend::Sqlite, 1, None).await?;
    let closed = closed_loop(&spool.senders, args.clients, duration).await?;
    closed.print("sqlite spool");
    let fixed = fixed_rate(&spool.senders, FIXED_RATE_PER_SEC, Duration::from_secs(FIXED_RATE_SECS)).await?;
    fixed.print(&format!("sqlite spool at {FIXED_RATE_PER_SEC}/s"));
    spool.wait_drained().await?;
    // Read before verifying: listing 100k rows through the admin API costs the collector more
    // memory than ingesting them, and this figure is about ingest.
    let peak_rss_mb = spool.peak_rss_mb().unwrap_or(f64::NAN);
    let stored_ok = spool.all_stored(&[&closed.acked, &fixed.acked]).await?;
    spool.stop().await?;

    let direct = Target::start(Backend::Sqlite, 1, Some("direct")).await?;
    let baseline = closed_loop(&direct.senders, args.clients, duration).await?;
    baseline.print("sqlite direct");
    direct.stop().await?;
    Ok(SqliteFigures {
        rps: closed.rps(),
        baseline_rps: baseline.rps(),
        p50_ms: closed.percentile_ms(50.0),
        p99_ms: closed.percentile_ms(99.0),
        p99_at_5k_ms: fixed.percentile_ms(99.0),
        peak_rss_mb,
        stored_ok,
    })
}

async fn postgres_phases(args: &Args) -> anyhow::Result<PostgresFigures> {
    let duration = Duration::from_secs(args.seconds);
    let one = Target::start(Backend::Postgres, 1, None).await?;
    let closed = closed_loop(&one.senders, args.clients, duration).await?;
    closed.print("postgres, one collector");
    one.wait_drained().await?;
    let one_ok = one.all_stored(&[&closed.acked]).await?;

    let sustained_for = Duration::from_secs(args.sustained_seconds);
    let watch = SpoolWatch::start(&one);
    let sustained = fixed_rate(&one.senders, args.sustained_rate, sustained_for).await?;
    let max_spool = watch.stop().await;
    sustained.print(&format!("postgres, one collector at {}/s", args.sustained_rate));
    let drain_started = Instant::now();
    one.wait_drained().await?;
    let drain_s = drain_started.elapsed().as_secs_f64();
    println!("postgres sustained: spool depth at most {max_spool} records");
    let sustained_ok = one.all_stored(&[&closed.acked, &sustained.acked]).await?;
    one.stop().await?;

    let two = Target::start(Backend::Postgres, 2, None).await?;
    let shared = closed_loop(&two.senders, args.clients, duration).await?;
    shared.print("postgres, two collectors");
    two.wait_drained().await?;
    let two_ok = two.all_stored(&[&shared.acked]).await?;
    two.stop().await?;
    Ok(PostgresFigures {
        rps: closed.rps(),
        p99_ms: closed.percentile_ms(99.0),
        two_collectors_rps: shared.rps(),
        two_collectors_p99_ms: shared.percentile_ms(99.0),
        sustained_rps: sustained.rps(),
        sustained_p99_ms: sustained.percentile_ms(99.0),
        sustained_max_spool: max_spool,
        sustained_drain_s: drain_s,
        stored_ok: one_ok && sustained_ok && two_ok,
    })
}

/// One or more collectors on one fresh database with one live tNPS survey open to every origin.
struct Target {
    collectors: Vec<Collector>,
    admin: Admin,
    /// One per collector: load is spread over them.
    senders: Vec<Sender>,
    database: TestDatabase,
    // Declared last so it is dropped last: the collectors must stop before their files go.
    _dir: tempfile::TempDir,
}

impl Target {
    async fn start(backend: Backend, collectors: usize, ingest_mode: Option<&str>) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let database = TestDatabase::new(backend, dir.path()).await?;
        let mut started = Vec::with_capacity(collectors);
        for n in 0..collectors {
            let mut options = CollectorOptions::new(dir.path().join(format!("data-{n}")), database.url.clone());
            if let Some(mode) = ingest_mode {
                options = options.with("NPS_INGEST__MODE", mode);
            }
            started.push(Collector::start(options).await?);
        }
        let admin = Admin::bootstrap(&started[0].url).await?;
        let project = admin.create_project(&["*"]).await?;
        let survey = admin.create_live_survey(project.id, SurveyKind::Tnps).await?;
        let senders = started
            .iter()
            .map(|c| Sender { base_url: c.url.clone(), path: format!("/v1/p/{}/responses", project.public_key), survey_id: survey.id })
            .collect();
        Ok(Self { collectors: started, admin, senders, database, _dir: dir })
    }

    /// Checks that every acknowledged id is in SQL, once (call once the spools have drained).
    async fn all_stored(&self, acked: &[&Vec<String>]) -> anyhow::Result<bool> {
        let (rows, stored) = self.stored_ids().await?;
        let missing = acked.iter().flat_map(|ids| ids.iter()).filter(|id| !stored.contains(*id)).count();
        println!("stored: {rows} rows, {} distinct, {missing} acknowledged ids missing", stored.len());
        Ok(missing == 0 && rows == stored.len())
    }

    /// The records waiting in every collector's spool (`None` while one does not answer).
    async fn spool_depth(&self) -> Option<u64> {
        spool_depth(&self.admin.http, &self.readyz_urls()).await
    }

    fn readyz_urls(&self) -> Vec<String> {
        self.collectors.iter().map(|c| format!("{}/readyz", c.url)).collect()
    }

    /// Polls `/readyz` until everything acknowledged has moved from the spools to SQL.
    async fn wait_drained(&self) -> anyhow::Result<()> {
        let started = Instant::now();
        wait_for(Duration::from_secs(600), || async { (self.spool_depth().await == Some(0)).then_some(()) })
            .await
            .context("the spool did not drain within 10 minutes")?;
        println!("spool drained {:.1} s after the load ended", started.elapsed().as_secs_f64());
        Ok(())
    }

    /// Every stored response row of the survey, page by page: how many rows, and their ids.
    async fn stored_ids(&self) -> anyhow::Result<(usize, HashSet<String>)> {
        let (mut rows, mut ids) = (0, HashSet::new());
        loop {
            let path = format!("/api/admin/responses?survey_id={}&limit={PAGE}&offset={rows}", self.senders[0].survey_id);
            let page: Vec<ResponseRow> = self.admin.get(&path).await?;
            rows += page.len();
            let full = page.len() == PAGE;
            ids.extend(page.into_iter().map(|r| r.id));
            if !full {
                return Ok((rows, ids));
            }
        }
    }

    /// The first collector's peak resident set (VmHWM), in MiB.
    fn peak_rss_mb(&self) -> Option<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.collectors[0].pid()?)).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib / 1024.0)
    }

    async fn stop(mut self) -> anyhow::Result<()> {
        for collector in &mut self.collectors {
            collector.terminate().await?;
        }
        if self.database.backend == Backend::Postgres {
            nps_e2e::bench::drop_postgres_database(&self.database.url).await?;
        }
        Ok(())
    }
}

/// The records waiting in the spools of the collectors whose `/readyz` are `urls` (`None`
/// while one does not answer).
async fn spool_depth(http: &reqwest::Client, urls: &[String]) -> Option<u64> {
    let mut depth = 0;
    for url in urls {
        let body: serde_json::Value = http.get(url).send().await.ok()?.json().await.ok()?;
        depth += body["spool_depth"].as_u64()?;
    }
    Some(depth)
}

/// Samples the spools' depth until stopped; answers the deepest it saw.
struct SpoolWatch {
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<u64>,
}

impl SpoolWatch {
    fn start(target: &Target) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let (urls, http) = (target.readyz_urls(), target.admin.http.clone());
        let flag = stop.clone();
        let task = tokio::spawn(async move {
            let mut deepest = 0;
            while !flag.load(Ordering::Relaxed) {
                deepest = deepest.max(spool_depth(&http, &urls).await.unwrap_or(0));
                tokio::time::sleep(SPOOL_SAMPLE_EVERY).await;
            }
            deepest
        });
        Self { stop, task }
    }

    async fn stop(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.task.await.unwrap_or(u64::MAX)
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

/// Closed loop: `clients` workers (spread over the senders' collectors), each sending its next request as soon as the previous one
/// is answered.
async fn closed_loop(senders: &[Sender], clients: usize, duration: Duration) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let deadline = started + duration;
    let workers: Vec<_> = (0..clients)
        .map(|n| {
            let sender = senders[n % senders.len()].clone();
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
    gather(workers, || started.elapsed()).await
}

/// Open loop: request `i` is due at `start + i / rate` whether or not earlier ones were
/// answered, and its latency counts from that due time, so a stalled server cannot hide its
/// queueing delay by slowing the sender down (coordinated omission). A fixed set of workers
/// (each with its own connection) takes the next due request as soon as it is free.
async fn fixed_rate(senders: &[Sender], rate: u64, duration: Duration) -> anyhow::Result<Outcome> {
    const WORKERS: usize = 256;
    let started = tokio::time::Instant::now();
    let total = rate * duration.as_secs();
    let next = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..WORKERS)
        .map(|n| {
            let (sender, next) = (senders[n % senders.len()].clone(), next.clone());
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
    gather(workers, || started.elapsed()).await
}

/// The workers' outcomes merged into one, over the time `elapsed` measures once they are done.
async fn gather(workers: Vec<tokio::task::JoinHandle<Outcome>>, elapsed: impl FnOnce() -> Duration) -> anyhow::Result<Outcome> {
    let mut total = Outcome::default();
    for worker in workers {
        total.merge(worker.await?);
    }
    total.elapsed = elapsed();
    Ok(total)
}
