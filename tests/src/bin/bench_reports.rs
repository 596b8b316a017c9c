//! Reports benchmark: the headline report, the weekly trend over two years and a breakdown by
//! a declared segment, through the admin HTTP API of the real release collector, read from the
//! rollups and (`rollups=false`) from the raw rows; plus an ad-hoc breakdown by an attribute
//! nobody declared. On SQLite and PostgreSQL, with N generated answers each.
//!
//! Answers are written straight into the database in bulk (multi-row inserts in large
//! transactions on SQLite, COPY on PostgreSQL), with the overall rollups computed as the
//! drainer would; segment dimensions are then declared through the API, which backfills them.
//!
//! `cargo xtask bench-reports [--answers 1000000,10000000] [--backends sqlite,postgres] [--runs 20] [--raw-runs 5]`

use anyhow::Context;
use nps_e2e::bench::{Timing, time_get};
use nps_core::wire::SurveyKind;
use nps_e2e::{Admin, Collector, CollectorOptions, TestDatabase};
use sqlx::Connection;
use std::collections::BTreeMap;
use std::time::Instant;

const DAY: i64 = 86_400_000;
/// 2024-12-02T00:00:00Z: two years of answers end on 2026-12-01.
const START: i64 = 1_733_097_600_000;
const SPAN_DAYS: u64 = 730;
const CHUNK: usize = 100_000;
/// Rows per SQLite transaction: short enough that the running collector's own writers
/// (leases, schedulers) never wait out their busy timeout.
const ROWS_PER_TRANSACTION: usize = 20_000;
const ROWS_PER_INSERT: usize = 500;
const DECLARED: [&str; 3] = ["attr:plan", "attr:country", "device"];

struct Args {
    answers: Vec<u64>,
    backends: Vec<String>,
    runs: usize,
    raw_runs: usize,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args { answers: vec![1_000_000], backends: vec!["sqlite".into(), "postgres".into()], runs: 20, raw_runs: 5 };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--answers" => args.answers = value.split(',').map(|v| v.trim().parse()).collect::<Result<_, _>>().context("--answers")?,
            "--backends" => args.backends = value.split(',').map(|v| v.trim().to_owned()).collect(),
            "--runs" => args.runs = value.parse().context("--runs")?,
            "--raw-runs" => args.raw_runs = value.parse().context("--raw-runs")?,
            _ => anyhow::bail!("unknown flag {flag}; usage: bench-reports [--answers N,M] [--backends sqlite,postgres] [--runs R] [--raw-runs R]"),
        }
    }
    anyhow::ensure!(args.runs > 0 && args.raw_runs > 0 && !args.answers.is_empty(), "--runs, --raw-runs and --answers must be positive");
    anyhow::ensure!(args.backends.iter().all(|b| b == "sqlite" || b == "postgres"), "--backends takes sqlite and/or postgres");
    Ok(args)
}

fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    nps_e2e::collector::use_collector_beside_this_binary()?;
    tokio::runtime::Runtime::new()?.block_on(run(args))
}

/// Figures of one backend at one size.
struct Figures {
    label: String,
    load_s: f64,
    backfill_s: f64,
    /// (report, from rollups, from raw rows)
    rows: Vec<(&'static str, Timing, Timing)>,
    adhoc: Timing,
}

async fn run(args: Args) -> anyhow::Result<()> {
    let mut all = Vec::new();
    for &n in &args.answers {
        for backend in &args.backends {
            let figures = bench_one(backend, n, &args).await?;
            print_figures(&figures);
            all.push(figures);
        }
    }
    let mut line = String::from("bench reports:");
    for f in &all {
        for (name, fast, raw) in &f.rows {
            line.push_str(&format!(" {}_{name}_p50_ms={:.1} {}_{name}_raw_p50_ms={:.1}", f.label, fast.p50, f.label, raw.p50));
        }
        line.push_str(&format!(" {}_adhoc_p50_ms={:.1} {}_load_s={:.0} {}_backfill_s={:.1}", f.label, f.adhoc.p50, f.label, f.load_s, f.label, f.backfill_s));
    }
    println!("{line}");
    Ok(())
}

fn size_label(n: u64) -> String {
    if n.is_multiple_of(1_000_000) { format!("{}m", n / 1_000_000) } else if n.is_multiple_of(1_000) { format!("{}k", n / 1_000) } else { n.to_string() }
}

fn print_figures(f: &Figures) {
    println!("\n{}: loaded in {:.0} s, declared {} (backfill) in {:.1} s", f.label, f.load_s, DECLARED.join(", "), f.backfill_s);
    println!("  {:<34} {:>14} {:>14} {:>16}", "report", "rollups p50/p95", "", "raw rows p50/p95");
    for (name, fast, raw) in &f.rows {
        println!("  {:<34} {:>8.1} / {:>6.1} ms {:>10.1} / {:>8.1} ms", name, fast.p50, fast.p95, raw.p50, raw.p95);
    }
    println!("  {:<34} {:>29} {:>10.1} / {:>8.1} ms", "ad-hoc breakdown attr:industry", "", f.adhoc.p50, f.adhoc.p95);
}

async fn bench_one(backend: &str, n: u64, args: &Args) -> anyhow::Result<Figures> {
    let label = format!("{backend}_{}", size_label(n));
    println!("== {label}: generating {n} answers");
    let dir = tempfile::tempdir()?;
    let database = match backend {
        "sqlite" => TestDatabase::sqlite(dir.path()),
        _ => TestDatabase::postgres().await?,
    };
    let mut collector = Collector::start(CollectorOptions::new(dir.path().join("data"), database.url.clone())).await?;
    let admin = Admin::bootstrap(&collector.url).await?;
    let project = admin.create_project(&["*"]).await?;
    let survey = admin.create_live_survey(project.id, SurveyKind::Tnps).await?;

    let started = Instant::now();
    let rollups = match backend {
        "sqlite" => load_sqlite(&database.url, project.id, survey.id, n).await?,
        _ => load_postgres(&database.url, project.id, survey.id, n).await?,
    };
    insert_overall_rollups(&database.url, survey.id, &rollups).await?;
    analyze(&database.url).await?;
    let load_s = started.elapsed().as_secs_f64();
    println!("   loaded in {load_s:.0} s");

    let started = Instant::now();
    for dimension in DECLARED {
        let declared: anyhow::Result<serde_json::Value> =
            admin.post(&format!("/api/admin/projects/{}/report-dimensions", project.id), &serde_json::json!({ "dimension": dimension })).await;
        if let Err(e) = declared {
            let log = collector.log();
            let tail: Vec<&str> = log.lines().rev().take(30).collect();
            anyhow::bail!("declaring {dimension}: {e:#}\ncollector log (last lines, newest first):\n{}", tail.join("\n"));
        }
    }
    let backfill_s = started.elapsed().as_secs_f64();
    analyze(&database.url).await?;
    println!("   declared {} in {backfill_s:.1} s", DECLARED.join(", "));

    let base = format!("survey_id={}", survey.id);
    let reports: [(&'static str, String); 3] = [
        ("headline", format!("/api/admin/reports/nps?{base}&granularity=month")),
        ("weekly_trend", format!("/api/admin/reports/nps?{base}&granularity=week")),
        ("segment_plan", format!("/api/admin/reports/segments?{base}&by=attr:plan")),
    ];
    let mut rows = Vec::new();
    for (name, path) in &reports {
        let fast = time_get(&admin, path, args.runs).await?;
        let raw = time_get(&admin, &format!("{path}&rollups=false"), args.raw_runs).await?;
        check_same(&admin, path).await?;
        rows.push((*name, fast, raw));
    }
    let adhoc = time_get(&admin, &format!("/api/admin/reports/segments?{base}&by=attr:industry"), args.raw_runs).await?;

    collector.terminate().await?;
    if backend == "postgres" {
        drop_postgres_database(&database.url).await?;
    }
    Ok(Figures { label, load_s, backfill_s, rows, adhoc })
}

/// The rollups and the raw rows must answer the same.
async fn check_same(admin: &Admin, path: &str) -> anyhow::Result<()> {
    let fast: serde_json::Value = admin.get(path).await?;
    let raw: serde_json::Value = admin.get(&format!("{path}&rollups=false")).await?;
    anyhow::ensure!(fast == raw, "{path}: the rollups and the raw rows disagree");
    Ok(())
}

/// A deterministic generator of realistic answers.
struct Gen {
    state: u64,
    users: u64,
}

/// One generated answer.
struct Answer {
    user: u64,
    score: i64,
    at: i64,
    attributes: String,
    role: &'static str,
    language: Option<&'static str>,
    device: &'static str,
    trigger: &'static str,
}

const PLANS: [&str; 4] = ["free", "starter", "pro", "enterprise"];
const COUNTRIES: [&str; 12] = ["US", "DE", "GB", "FR", "BR", "IN", "JP", "CA", "AU", "ES", "NL", "SE"];
const INDUSTRIES: [&str; 8] = ["retail", "finance", "health", "education", "software", "media", "travel", "public"];
const ROLES: [&str; 3] = ["executive_buyer", "admin", "end_user"];
const LANGUAGES: [&str; 5] = ["en", "de", "fr", "es", "ja"];
const DEVICES: [&str; 3] = ["desktop", "mobile", "tablet"];
const TRIGGERS: [&str; 4] = ["after_export", "page_view", "session_count", "api_call"];

impl Gen {
    fn next(&mut self, n: u64) -> u64 {
        self.state = self.state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.state >> 33) % n
    }

    fn answer(&mut self) -> Answer {
        let user = self.next(self.users);
        // Users keep their plan, country, industry and role; volume grows over the two years.
        let plan = PLANS[(user * 7 % 10).min(3) as usize];
        let country = COUNTRIES[(user % 12) as usize];
        let industry = INDUSTRIES[(user / 12 % 8) as usize];
        let day = (SPAN_DAYS as f64 * (self.next(1_000_000) as f64 / 1_000_000.0).sqrt()) as i64;
        let bias = match plan {
            "free" => -2,
            "enterprise" => 1,
            _ => 0,
        };
        Answer {
            user,
            score: (self.next(11) as i64 + bias).clamp(0, 10),
            at: START + day * DAY + self.next(DAY as u64) as i64,
            attributes: format!(
                r#"{{"plan":"{plan}","country":"{country}","industry":"{industry}","seats":{},"email":"u{user}@customer.example"}}"#,
                (user % 50) * 5
            ),
            role: ROLES[(user % 3) as usize],
            language: (self.next(20) != 0).then(|| LANGUAGES[(user % 5) as usize]),
            device: DEVICES[self.next(3) as usize],
            trigger: TRIGGERS[self.next(4) as usize],
        }
    }
}

type Rollups = BTreeMap<i64, [i64; 11]>;

fn count(rollups: &mut Rollups, a: &Answer) {
    rollups.entry(a.at / DAY).or_default()[a.score as usize] += 1;
}

async fn load_sqlite(url: &str, project_id: i64, survey_id: i64, n: u64) -> anyhow::Result<Rollups> {
    let mut conn = sqlx::SqliteConnection::connect(url).await?;
    sqlx::query("PRAGMA synchronous = OFF").execute(&mut conn).await?;
    sqlx::query("PRAGMA cache_size = -262144").execute(&mut conn).await?;
    let mut generator = Gen { state: 42, users: (n / 8).max(1) };
    let mut rollups = Rollups::new();
    let mut i = 0u64;
    while i < n {
        let size = CHUNK.min((n - i) as usize);
        let answers: Vec<Answer> = (0..size).map(|_| generator.answer()).collect();
        let mut tx = conn.begin().await?;
        for (k, rows) in answers.chunks(ROWS_PER_INSERT).enumerate() {
            if k > 0 && k % (ROWS_PER_TRANSACTION / ROWS_PER_INSERT) == 0 {
                tx.commit().await?;
                tx = conn.begin().await?;
            }
            let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                "INSERT INTO responses (id, project_id, survey_id, user_id, score, attributes, account_role, language, device, \
                 trigger_name, created_at) ",
            );
            let first = i + (k * ROWS_PER_INSERT) as u64;
            qb.push_values(rows.iter().enumerate(), |mut b, (j, a)| {
                b.push_bind(format!("r{:012}", first + j as u64))
                    .push_bind(project_id)
                    .push_bind(survey_id)
                    .push_bind(format!("u{}", a.user))
                    .push_bind(a.score)
                    .push_bind(&a.attributes)
                    .push_bind(a.role)
                    .push_bind(a.language)
                    .push_bind(a.device)
                    .push_bind(a.trigger)
                    .push_bind(a.at);
            });
            qb.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        answers.iter().for_each(|a| count(&mut rollups, a));
        i += size as u64;
        progress(i, n);
    }
    conn.close().await?;
    Ok(rollups)
}

async fn load_postgres(url: &str, project_id: i64, survey_id: i64, n: u64) -> anyhow::Result<Rollups> {
    let mut conn = sqlx::PgConnection::connect(url).await?;
    let mut generator = Gen { state: 42, users: (n / 8).max(1) };
    let mut rollups = Rollups::new();
    let mut i = 0u64;
    while i < n {
        let size = CHUNK.min((n - i) as usize);
        let mut text = String::with_capacity(size * 220);
        for j in 0..size {
            let a = generator.answer();
            // COPY text format: tab-separated, \N for NULL; the generated values hold no tabs,
            // newlines or backslashes.
            text.push_str(&format!(
                "r{:012}\t{project_id}\t{survey_id}\tu{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
                i + j as u64,
                a.user,
                a.score,
                a.attributes,
                a.role,
                a.language.unwrap_or("\\N"),
                a.device,
                a.trigger,
                a.at
            ));
            count(&mut rollups, &a);
        }
        let mut copy = conn
            .copy_in_raw(
                "COPY responses (id, project_id, survey_id, user_id, score, attributes, account_role, language, device, \
                 trigger_name, created_at) FROM STDIN",
            )
            .await?;
        copy.send(text.into_bytes()).await?;
        copy.finish().await?;
        i += size as u64;
        progress(i, n);
    }
    conn.close().await?;
    Ok(rollups)
}

fn progress(done: u64, n: u64) {
    if done % 1_000_000 == 0 || done == n {
        println!("   {done} / {n}");
    }
}

/// The overall rollups, as the drainer would have kept them.
async fn insert_overall_rollups(url: &str, survey_id: i64, rollups: &Rollups) -> anyhow::Result<()> {
    let rows: Vec<(&i64, &[i64; 11])> = rollups.iter().collect();
    let insert = |chunk: &[(&i64, &[i64; 11])]| {
        let mut sql = String::from("INSERT INTO report_rollups (survey_id, dimension, day, present, value, s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10) VALUES ");
        let values: Vec<String> = chunk
            .iter()
            .map(|(day, s)| {
                let counts: Vec<String> = s.iter().map(i64::to_string).collect();
                format!("({survey_id}, '', {day}, TRUE, '', {})", counts.join(", "))
            })
            .collect();
        sql.push_str(&values.join(", "));
        sql
    };
    if url.starts_with("sqlite") {
        let mut conn = sqlx::SqliteConnection::connect(url).await?;
        for chunk in rows.chunks(200) {
            sqlx::query(sqlx::AssertSqlSafe(insert(chunk))).execute(&mut conn).await?;
        }
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await?;
        for chunk in rows.chunks(200) {
            sqlx::query(sqlx::AssertSqlSafe(insert(chunk))).execute(&mut conn).await?;
        }
    }
    Ok(())
}

/// Fresh planner statistics (and, on PostgreSQL, the visibility map) after the bulk load.
async fn analyze(url: &str) -> anyhow::Result<()> {
    if url.starts_with("sqlite") {
        let mut conn = sqlx::SqliteConnection::connect(url).await?;
        sqlx::query("ANALYZE").execute(&mut conn).await?;
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await?;
        sqlx::query("VACUUM ANALYZE").execute(&mut conn).await?;
    }
    Ok(())
}

async fn drop_postgres_database(url: &str) -> anyhow::Result<()> {
    let name = url.rsplit('/').next().unwrap_or_default().to_owned();
    let mut conn = sqlx::PgConnection::connect(&nps_e2e::database::postgres_admin_url()).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}"))).execute(&mut conn).await?;
    Ok(())
}
