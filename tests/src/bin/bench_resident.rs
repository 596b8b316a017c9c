//! Resident-memory benchmark: what the in-memory eligibility facts of a SQLite collector cost
//! per user, and how long a restart takes to load them.
//!
//! On a fresh SQLite collector it identifies N users (three attributes, a language and an
//! account each; ten users per account) through the client API over loopback HTTP, waits until
//! the spool has drained, stops the collector and starts it again on the same files. It reports
//! the time from process start until `/readyz` answers ready and the resident set (VmRSS) after
//! that restart, minus the resident set of the same collector restarted on the same database
//! before any user existed. A few decisions after the restart are checked against the users'
//! known attributes, so a collector that loaded nothing cannot look good.
//!
//! `cargo xtask bench-resident [--users 1000000] [--clients 64]`

use anyhow::Context;
use nps_core::wire::{Project, Survey, SurveyInput, SurveyKind, SurveyStatus};
use nps_e2e::bench::Flags;
use nps_e2e::load::Connection;
use nps_e2e::{Admin, Collector, CollectorOptions, TestDatabase, new_id, wait_for};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const USERS_PER_ACCOUNT: u64 = 10;
const PLANS: [&str; 3] = ["free", "pro", "team"];
const COUNTRIES: [&str; 8] = ["FR", "DE", "US", "GB", "ES", "IT", "NL", "SE"];
const LANGUAGES: [&str; 3] = ["en", "de", "fr"];
const MS_PER_DAY: i64 = 86_400_000;

fn main() -> anyhow::Result<()> {
    nps_e2e::bench::main(parse_args(), run)
}

struct Args {
    users: u64,
    clients: usize,
}

fn parse_args() -> anyhow::Result<Args> {
    let flags = Flags::parse("usage: bench-resident [--users N] [--clients N]", &["--users", "--clients"])?;
    let args = Args { users: flags.value("--users", 1_000_000)?, clients: flags.value("--clients", 64)? };
    anyhow::ensure!(args.users >= 100 && args.clients > 0, "--users must be at least 100 and --clients positive");
    Ok(args)
}

async fn run(args: Args) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let database = TestDatabase::sqlite(dir.path());
    let options = CollectorOptions::new(dir.path().join("data"), database.url.clone())
        // Room for the whole population: above this the collector decides from SQL instead.
        .with("NPS_INGEST__RESIDENT_MAX_USERS", args.users.max(2_000_000));
    let mut collector = Collector::start(options.clone()).await?;
    let admin = Admin::bootstrap(&collector.url).await?;
    let project = admin.create_project(&["*"]).await?;
    let survey = targeted_survey(&admin, &project).await?;
    collector.terminate().await?;

    let (mut collector, baseline) = restart_measured(&options).await?;
    println!("baseline (no users): restart {:.2} s, RSS {:.1} MiB", baseline.restart_s, baseline.rss_mb);
    let started = Instant::now();
    identify_all(&collector.url, &project.public_key, &args).await?;
    let identified_s = started.elapsed().as_secs_f64();
    wait_drained(&collector.url).await?;
    println!(
        "{} users identified in {identified_s:.1} s ({:.0}/s), stored in SQL after {:.1} s; RSS before the restart {:.1} MiB",
        args.users,
        args.users as f64 / identified_s,
        started.elapsed().as_secs_f64(),
        rss_mb(&collector).unwrap_or(f64::NAN)
    );
    collector.terminate().await?;

    let (collector, loaded) = restart_measured(&options).await?;
    check_decisions(&collector.url, &project.public_key, survey.id, args.users).await?;
    let rss_mb = loaded.rss_mb - baseline.rss_mb;
    println!(
        "bench resident: users={} rss_mb={:.1} baseline_rss_mb={:.1} bytes_per_user={:.0} restart_s={:.2}",
        args.users,
        loaded.rss_mb,
        baseline.rss_mb,
        rss_mb * 1_048_576.0 / args.users as f64,
        loaded.restart_s
    );
    drop(collector);
    Ok(())
}

/// A live survey for pro users with a positive seat count and a country, acting as admins of a
/// gold account: every fact the restart loads decides it.
async fn targeted_survey(admin: &Admin, project: &Project) -> anyhow::Result<Survey> {
    let rules = json!({
        "targeting": {
            "conditions": [
                { "attribute": "plan", "op": "equals", "value": "pro" },
                { "attribute": "seats", "op": "gt", "value": 0 },
                { "attribute": "country", "op": "exists" },
                { "source": "account", "attribute": "tier", "op": "equals", "value": "gold" }
            ],
            "roles": ["admin"]
        }
    });
    let input = SurveyInput {
        name: "resident bench".into(),
        kind: SurveyKind::Tnps,
        status: SurveyStatus::Live,
        definition: Default::default(),
        rules: serde_json::from_value(rules)?,
    };
    admin.post(&format!("/api/admin/projects/{}/surveys", project.id), &input).await
}

/// What a restart cost.
struct Restart {
    restart_s: f64,
    rss_mb: f64,
}

/// Starts the collector on `options` and times it from process start until `/readyz` answers
/// ready; then reads its resident set.
async fn restart_measured(options: &CollectorOptions) -> anyhow::Result<(Collector, Restart)> {
    let started = Instant::now();
    let collector = Collector::start(options.clone()).await?;
    let url = format!("{}/readyz", collector.url);
    let http = reqwest::Client::new();
    wait_for(Duration::from_secs(120), || async {
        let body: serde_json::Value = http.get(&url).send().await.ok()?.json().await.ok()?;
        (body["ready"] == true).then_some(())
    })
    .await
    .context("the collector did not become ready within 120 s")?;
    let restart_s = started.elapsed().as_secs_f64();
    // Let the start-up's short-lived work (migrations check, first ticks) settle.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_mb = rss_mb(&collector).context("no VmRSS for the collector")?;
    Ok((collector, Restart { restart_s, rss_mb }))
}

/// The collector's resident set now (VmRSS), in MiB.
fn rss_mb(collector: &Collector) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", collector.pid()?)).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}


/// The identify body of user `i`: everything is a function of `i`, so the decision check can
/// tell what the answer must be.
fn identify_body(i: u64, created_at: i64) -> String {
    let account = i / USERS_PER_ACCOUNT;
    json!({
        "user_id": format!("user-{i}"),
        "created_at": created_at,
        "language": LANGUAGES[(i % 3) as usize],
        "attributes": {
            "plan": PLANS[(i % 3) as usize],
            "country": COUNTRIES[(i % COUNTRIES.len() as u64) as usize],
            "seats": 1 + i % 500,
        },
        "account": {
            "id": format!("acct-{account}"),
            "role": if i.is_multiple_of(USERS_PER_ACCOUNT) { "admin" } else { "end_user" },
            "attributes": { "tier": if account.is_multiple_of(2) { "gold" } else { "silver" } },
        },
    })
    .to_string()
}

/// Whether the targeted survey is for user `i` (see [`targeted_survey`] and [`identify_body`]).
fn targeted(i: u64) -> bool {
    PLANS[(i % 3) as usize] == "pro" && i.is_multiple_of(USERS_PER_ACCOUNT) && (i / USERS_PER_ACCOUNT).is_multiple_of(2)
}

/// Identifies users `0..users` (created 60 days ago, past the first-survey delay), each worker
/// on its own keep-alive connection of the lean load generator.
async fn identify_all(base_url: &str, project_key: &str, args: &Args) -> anyhow::Result<()> {
    let created_at = nps_e2e::now_ms() - 60 * MS_PER_DAY;
    let path = format!("/v1/p/{project_key}/identify");
    let next = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..args.clients)
        .map(|_| {
            let (base_url, path, next, done, users) = (base_url.to_owned(), path.clone(), next.clone(), done.clone(), args.users);
            tokio::spawn(async move {
                let mut connection: Option<Connection> = None;
                let mut failures = 0u32;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= users {
                        return Ok::<_, anyhow::Error>(());
                    }
                    let body = identify_body(i, created_at);
                    // A user is identified once it is acknowledged; a refused or broken request
                    // is retried on a new connection (a few times, then the bench fails).
                    loop {
                        if connection.is_none() {
                            connection = Connection::open(&base_url).await.ok();
                        }
                        let reply = match connection.as_mut() {
                            Some(open) => open.post_json(&path, body.as_bytes()).await.ok(),
                            None => None,
                        };
                        if reply.as_ref().is_some_and(|r| r.status == 202 || r.status == 200) {
                            break;
                        }
                        connection = None;
                        failures += 1;
                        anyhow::ensure!(failures < 100, "identify of user-{i} keeps failing");
                    }
                    let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                    if n % 100_000 == 0 {
                        eprintln!("{n} users identified");
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await??;
    }
    Ok(())
}

/// Polls `/readyz` until everything acknowledged has moved from the spool to SQL.
async fn wait_drained(base_url: &str) -> anyhow::Result<()> {
    let url = format!("{base_url}/readyz");
    let http = reqwest::Client::new();
    wait_for(Duration::from_secs(1_200), || async {
        let body: serde_json::Value = http.get(&url).send().await.ok()?.json().await.ok()?;
        (body["spool_depth"].as_u64() == Some(0)).then_some(())
    })
    .await
    .context("the spool did not drain within 20 minutes")
}

/// Decides the targeted survey for a few users spread over the population, targeted and not,
/// and checks each answer against what their identify said.
async fn check_decisions(base_url: &str, project_key: &str, survey_id: i64, users: u64) -> anyhow::Result<()> {
    let mut sample: Vec<u64> = (0..8).map(|k| (users / 8) * k).collect();
    // The first targeted user at or after each point, so both answers are checked.
    sample.extend((0..8).filter_map(|k| ((users / 8) * k..users).find(|&i| targeted(i))));
    // Once each: a second decision for a granted user meets the cooldown of the first.
    sample.sort_unstable();
    sample.dedup();
    let http = reqwest::Client::new();
    let (mut granted, mut refused) = (0, 0);
    for i in sample {
        let body = json!({ "survey_id": survey_id, "user_id": format!("user-{i}"), "display_id": new_id(), "trigger": "event:bench" });
        let reply: serde_json::Value =
            http.post(format!("{base_url}/v1/p/{project_key}/decide")).json(&body).send().await?.error_for_status()?.json().await?;
        let expected = targeted(i);
        anyhow::ensure!(
            reply["eligible"] == expected,
            "user-{i}: expected eligible={expected} after the restart, the collector answered {reply}"
        );
        anyhow::ensure!(expected || reply["rule"] == "targeting", "user-{i} must be refused by targeting, got {reply}");
        if expected { granted += 1 } else { refused += 1 }
    }
    println!("decisions after the restart: {granted} granted and {refused} refused, as the identified facts say");
    Ok(())
}
