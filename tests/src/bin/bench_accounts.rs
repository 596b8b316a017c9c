//! Account reports benchmark: the at-risk list and the revenue report through the admin HTTP
//! API of the real release collector, from the account aggregates and (`rollups=false`) from
//! every answer, on SQLite and PostgreSQL (a fresh database each), with N answers over M
//! accounts.
//!
//! Answers are written straight into the database in bulk (multi-row inserts in large
//! transactions on SQLite, COPY on PostgreSQL) into a survey created as employee NPS, which the
//! account aggregates leave out; switching it to tNPS through the API then builds its
//! aggregates from the raw rows (what migration 0019 does on upgrade), timed as the backfill.
//! Business data (MRR or ARR, renewals, churn) is imported through the API.
//!
//! `cargo xtask bench-accounts [--answers 1000000] [--accounts 20000] [--backends sqlite,postgres] [--runs 15] [--raw-runs 3]`

use anyhow::Context;
use nps_core::wire::{SurveyInput, SurveyKind, SurveyStatus};
use nps_e2e::bench::{Timing, analyze, drop_postgres_database, time_get, timeless};
use nps_e2e::{Admin, Collector, CollectorOptions, TestDatabase};
use std::time::Instant;

#[path = "bench_accounts/data.rs"]
mod data;

struct Args {
    answers: u64,
    accounts: u64,
    backends: Vec<String>,
    runs: usize,
    raw_runs: usize,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args { answers: 1_000_000, accounts: 20_000, backends: vec!["sqlite".into(), "postgres".into()], runs: 15, raw_runs: 3 };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--answers" => args.answers = value.parse().context("--answers")?,
            "--accounts" => args.accounts = value.parse().context("--accounts")?,
            "--backends" => args.backends = value.split(',').map(|v| v.trim().to_owned()).collect(),
            "--runs" => args.runs = value.parse().context("--runs")?,
            "--raw-runs" => args.raw_runs = value.parse().context("--raw-runs")?,
            _ => anyhow::bail!("unknown flag {flag}; usage: bench-accounts [--answers N] [--accounts M] [--backends sqlite,postgres] [--runs R] [--raw-runs R]"),
        }
    }
    anyhow::ensure!(args.runs > 0 && args.raw_runs > 0, "--runs and --raw-runs must be positive");
    anyhow::ensure!(args.accounts > 0 && args.answers >= args.accounts, "--accounts must be positive and at most --answers");
    anyhow::ensure!(args.backends.iter().all(|b| b == "sqlite" || b == "postgres"), "--backends takes sqlite and/or postgres");
    Ok(args)
}

fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    nps_e2e::collector::use_collector_beside_this_binary()?;
    tokio::runtime::Runtime::new()?.block_on(run(args))
}

/// Figures of one backend.
struct Figures {
    backend: String,
    at_risk: Timing,
    revenue: Timing,
    raw_at_risk: Timing,
    raw_revenue: Timing,
}

async fn run(args: Args) -> anyhow::Result<()> {
    let mut all = Vec::new();
    for backend in &args.backends {
        all.push(bench_one(backend, &args).await?);
    }
    let mut line = format!("bench accounts: answers={} accounts={}", args.answers, args.accounts);
    for f in &all {
        let b = &f.backend;
        line.push_str(&format!(
            " {b}_at_risk_p50_ms={:.1} {b}_revenue_p50_ms={:.1} {b}_raw_p50_ms={:.1} {b}_ratio={:.1}",
            f.at_risk.p50,
            f.revenue.p50,
            f.raw_at_risk.p50,
            f.raw_at_risk.p50 / f.at_risk.p50
        ));
    }
    println!("{line}");
    Ok(())
}

async fn bench_one(backend: &str, args: &Args) -> anyhow::Result<Figures> {
    println!("== {backend}: {} answers over {} accounts", args.answers, args.accounts);
    let dir = tempfile::tempdir()?;
    let database = match backend {
        "sqlite" => TestDatabase::sqlite(dir.path()),
        _ => TestDatabase::postgres().await?,
    };
    let mut collector = Collector::start(CollectorOptions::new(dir.path().join("data"), database.url.clone())).await?;
    let admin = Admin::bootstrap(&collector.url).await?;
    let project = admin.create_project(&["*"]).await?;
    let survey = admin.create_live_survey(project.id, SurveyKind::Enps).await?;

    let started = Instant::now();
    let shape = data::Shape { answers: args.answers, accounts: args.accounts };
    data::load(&database.url, project.id, survey.id, &shape).await?;
    for import in data::business(&shape) {
        let _: serde_json::Value = admin.post(&format!("/api/admin/projects/{}/business-data", project.id), &import).await?;
    }
    println!("   loaded in {:.0} s", started.elapsed().as_secs_f64());
    let started = Instant::now();
    let input = SurveyInput { name: "relationship".into(), kind: SurveyKind::Tnps, status: SurveyStatus::Live, definition: Default::default(), rules: Default::default() };
    let response = admin.http.put(format!("{}/api/admin/surveys/{}", admin.base, survey.id)).header("X-CSRF-Token", &admin.csrf).json(&input).send().await?;
    if !response.status().is_success() {
        let tail: Vec<String> = collector.log().lines().rev().take(30).map(str::to_owned).collect();
        anyhow::bail!("switching the survey to tNPS: {}\ncollector log (newest first):\n{}", response.status(), tail.join("\n"));
    }
    println!("   aggregates built from the raw rows in {:.1} s", started.elapsed().as_secs_f64());
    analyze(&database.url).await?;

    let at_risk_path = format!("/api/admin/accounts/at-risk?project_id={}", project.id);
    let revenue_path = format!("/api/admin/reports/revenue?project_id={}", project.id);
    let figures = Figures {
        backend: backend.to_owned(),
        at_risk: time_get(&admin, &at_risk_path, args.runs).await?,
        revenue: time_get(&admin, &revenue_path, args.runs).await?,
        raw_at_risk: time_get(&admin, &format!("{at_risk_path}&rollups=false"), args.raw_runs).await?,
        raw_revenue: time_get(&admin, &format!("{revenue_path}&rollups=false"), args.raw_runs).await?,
    };
    for path in [&at_risk_path, &revenue_path] {
        check_same(&admin, path).await?;
    }
    print_figures(&admin, &figures, &at_risk_path).await?;
    collector.terminate().await?;
    if backend == "postgres" {
        drop_postgres_database(&database.url).await?;
    }
    Ok(figures)
}

async fn print_figures(admin: &Admin, f: &Figures, at_risk_path: &str) -> anyhow::Result<()> {
    let listed: serde_json::Value = admin.get(at_risk_path).await?;
    println!("   at-risk list: {} accounts listed of {}", listed["accounts"].as_array().map_or(0, Vec::len), listed["accounts_considered"]);
    println!("   {:<14} {:>22} {:>24}", "report", "aggregates p50/p95", "every answer p50/p95");
    for (name, fast, raw) in [("at-risk list", f.at_risk, f.raw_at_risk), ("revenue", f.revenue, f.raw_revenue)] {
        println!("   {:<14} {:>9.1} / {:>6.1} ms {:>11.1} / {:>8.1} ms", name, fast.p50, fast.p95, raw.p50, raw.p95);
    }
    Ok(())
}

/// The aggregates and every answer must answer the same.
async fn check_same(admin: &Admin, path: &str) -> anyhow::Result<()> {
    let fast: serde_json::Value = admin.get(path).await?;
    let raw: serde_json::Value = admin.get(&format!("{path}&rollups=false")).await?;
    anyhow::ensure!(timeless(fast) == timeless(raw), "{path}: the aggregates and the raw rows disagree");
    Ok(())
}
