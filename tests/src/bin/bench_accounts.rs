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

use nps_core::wire::SurveyKind;
use nps_e2e::bench::{Flags, Timing, analyze, drop_postgres_database, time_get, timeless};
use nps_e2e::{Admin, Backend, World};
use std::time::Instant;

#[path = "bench_accounts/data.rs"]
mod data;

fn main() -> anyhow::Result<()> {
    nps_e2e::bench::main(parse_args(), run)
}

struct Args {
    answers: u64,
    accounts: u64,
    backends: Vec<Backend>,
    runs: usize,
    raw_runs: usize,
}

const USAGE: &str = "usage: bench-accounts [--answers N] [--accounts M] [--backends sqlite,postgres] [--runs R] [--raw-runs R]";

fn parse_args() -> anyhow::Result<Args> {
    let flags = Flags::parse(USAGE, &["--answers", "--accounts", "--backends", "--runs", "--raw-runs"])?;
    let args = Args {
        answers: flags.value("--answers", 1_000_000)?,
        accounts: flags.value("--accounts", 20_000)?,
        backends: flags.read("--backends", vec![Backend::Sqlite, Backend::Postgres], Backend::parse_list)?,
        runs: flags.value("--runs", 15)?,
        raw_runs: flags.value("--raw-runs", 3)?,
    };
    anyhow::ensure!(args.runs > 0 && args.raw_runs > 0, "--runs and --raw-runs must be positive");
    anyhow::ensure!(args.accounts > 0 && args.answers >= args.accounts, "--accounts must be positive and at most --answers");
    Ok(args)
}

/// Figures of one backend.
struct Figures {
    backend: Backend,
    at_risk: Timing,
    revenue: Timing,
    raw_at_risk: Timing,
    raw_revenue: Timing,
}

async fn run(args: Args) -> anyhow::Result<()> {
    let mut all = Vec::new();
    for &backend in &args.backends {
        all.push(bench_one(backend, &args).await?);
    }
    let mut line = format!("bench accounts: answers={} accounts={}", args.answers, args.accounts);
    for f in &all {
        let b = f.backend.as_str();
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

async fn bench_one(backend: Backend, args: &Args) -> anyhow::Result<Figures> {
    println!("== {}: {} answers over {} accounts", backend.as_str(), args.answers, args.accounts);
    let World { dir: _dir, db: database, mut collector, admin, project, survey } = World::start_with(backend, SurveyKind::Tnps, &[]).await?;

    let started = Instant::now();
    let shape = data::Shape { answers: args.answers, accounts: args.accounts };
    data::load(&database.url, project.id, survey.id, &shape).await?;
    for import in data::business(&shape) {
        let _: serde_json::Value = admin.post(&format!("/api/admin/projects/{}/business-data", project.id), &import).await?;
    }
    println!("   loaded in {:.0} s", started.elapsed().as_secs_f64());
    let started = Instant::now();
    rebuild_aggregates(&database.url).await?;
    println!("   aggregates built from the raw rows in {:.1} s", started.elapsed().as_secs_f64());
    analyze(&database.url).await?;

    let at_risk_path = format!("/api/admin/accounts/at-risk?project_id={}", project.id);
    let revenue_path = format!("/api/admin/reports/revenue?project_id={}", project.id);
    let figures = Figures {
        backend,
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
    if backend == Backend::Postgres {
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

/// The answers were written straight into SQL (backdated, which the client API refuses), so the
/// drainer never saw them: the operator's command builds their account aggregates.
async fn rebuild_aggregates(db_url: &str) -> anyhow::Result<()> {
    let out = tokio::process::Command::new(nps_e2e::collector::binary()?)
        .arg("rebuild-account-aggregates")
        .env("NPS_DATABASE_URL", db_url)
        .env("NPS_LOG__FILTER", "warn")
        .output()
        .await?;
    anyhow::ensure!(out.status.success(), "rebuild-account-aggregates failed: {}", String::from_utf8_lossy(&out.stderr));
    Ok(())
}
