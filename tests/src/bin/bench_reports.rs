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

use nps_core::wire::SurveyKind;
use nps_e2e::bench::{Flags, Timing, analyze, copy_postgres, drop_postgres_database, insert_sqlite, time_get};
use nps_e2e::{Admin, Backend, Lcg, World};
use sqlx::Connection;
use std::collections::BTreeMap;
use std::time::Instant;

const DAY: i64 = 86_400_000;
/// 2024-12-02T00:00:00Z: two years of answers end on 2026-12-01.
const START: i64 = 1_733_097_600_000;
const SPAN_DAYS: u64 = 730;
const CHUNK: usize = 100_000;
const DECLARED: [&str; 3] = ["attr:plan", "attr:country", "device"];

fn main() -> anyhow::Result<()> {
    nps_e2e::bench::main(parse_args(), run)
}

struct Args {
    answers: Vec<u64>,
    backends: Vec<Backend>,
    runs: usize,
    raw_runs: usize,
}

const USAGE: &str = "usage: bench-reports [--answers N,M] [--backends sqlite,postgres] [--runs R] [--raw-runs R]";

fn parse_args() -> anyhow::Result<Args> {
    let flags = Flags::parse(USAGE, &["--answers", "--backends", "--runs", "--raw-runs"])?;
    let sizes = |value: &str| Ok(value.split(',').map(|v| v.trim().parse()).collect::<Result<_, _>>()?);
    let args = Args {
        answers: flags.read("--answers", vec![1_000_000], sizes)?,
        backends: flags.read("--backends", vec![Backend::Sqlite, Backend::Postgres], Backend::parse_list)?,
        runs: flags.value("--runs", 20)?,
        raw_runs: flags.value("--raw-runs", 5)?,
    };
    anyhow::ensure!(args.runs > 0 && args.raw_runs > 0 && !args.answers.is_empty(), "--runs, --raw-runs and --answers must be positive");
    Ok(args)
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
        for &backend in &args.backends {
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

async fn bench_one(backend: Backend, n: u64, args: &Args) -> anyhow::Result<Figures> {
    let label = format!("{}_{}", backend.as_str(), size_label(n));
    println!("== {label}: generating {n} answers");
    let World { dir: _dir, db: database, mut collector, admin, project, survey } = World::start_with(backend, SurveyKind::Tnps, &[]).await?;

    let started = Instant::now();
    let rollups = match backend {
        Backend::Sqlite => load_sqlite(&database.url, project.id, survey.id, n).await?,
        Backend::Postgres => load_postgres(&database.url, project.id, survey.id, n).await?,
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
            anyhow::bail!("declaring {dimension}: {e:#}\ncollector log (last lines, newest first):\n{}", collector.log_tail(30));
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
    if backend == Backend::Postgres {
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
    rng: Lcg,
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
    fn new(users: u64) -> Self {
        Self { rng: Lcg(42), users }
    }

    fn answer(&mut self) -> Answer {
        let user = self.rng.below(self.users);
        // Users keep their plan, country, industry and role; volume grows over the two years.
        let plan = PLANS[(user * 7 % 10).min(3) as usize];
        let country = COUNTRIES[(user % 12) as usize];
        let industry = INDUSTRIES[(user / 12 % 8) as usize];
        let day = (SPAN_DAYS as f64 * (self.rng.below(1_000_000) as f64 / 1_000_000.0).sqrt()) as i64;
        let bias = match plan {
            "free" => -2,
            "enterprise" => 1,
            _ => 0,
        };
        Answer {
            user,
            score: (self.rng.below(11) as i64 + bias).clamp(0, 10),
            at: START + day * DAY + self.rng.below(DAY as u64) as i64,
            attributes: format!(
                r#"{{"plan":"{plan}","country":"{country}","industry":"{industry}","seats":{},"email":"u{user}@customer.example"}}"#,
                (user % 50) * 5
            ),
            role: ROLES[(user % 3) as usize],
            language: (self.rng.below(20) != 0).then(|| LANGUAGES[(user % 5) as usize]),
            device: DEVICES[self.rng.below(3) as usize],
            trigger: TRIGGERS[self.rng.below(4) as usize],
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
    let mut generator = Gen::new((n / 8).max(1));
    let mut rollups = Rollups::new();
    let mut i = 0u64;
    while i < n {
        let size = CHUNK.min((n - i) as usize);
        let answers: Vec<Answer> = (0..size).map(|_| generator.answer()).collect();
        let insert = "INSERT INTO responses (id, project_id, survey_id, user_id, score, attributes, account_role, language, device, \
                      trigger_name, created_at) ";
        insert_sqlite(&mut conn, insert, &answers, |mut b, j, a| {
            b.push_bind(format!("r{:012}", i + j as u64))
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
        })
        .await?;
        answers.iter().for_each(|a| count(&mut rollups, a));
        i += size as u64;
        progress(i, n);
    }
    conn.close().await?;
    Ok(rollups)
}

async fn load_postgres(url: &str, project_id: i64, survey_id: i64, n: u64) -> anyhow::Result<Rollups> {
    let mut conn = sqlx::PgConnection::connect(url).await?;
    let mut generator = Gen::new((n / 8).max(1));
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
        let copy = "COPY responses (id, project_id, survey_id, user_id, score, attributes, account_role, language, device, \
                    trigger_name, created_at) FROM STDIN";
        copy_postgres(&mut conn, copy, text).await?;
        i += size as u64;
        progress(i, n);
    }
    conn.close().await?;
    Ok(rollups)
}

fn progress(done: u64, n: u64) {
    if done.is_multiple_of(1_000_000) || done == n {
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
