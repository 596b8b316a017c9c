//! Installations keep their data. `tests/fixtures/fad2a09/` holds a SQLite data folder and a
//! PostgreSQL dump written by release fad2a09 with its own binary (`generate.rs` there says
//! how), and what that release answered about them (`expected.json`). This build must open
//! both, migrate them forward and answer the same: every answer, the rollups behind the
//! report, the follow-ups, both campaigns and their link ledgers (used links stay used, unused
//! links still work).

use nps_e2e::admin::{OWNER_EMAIL, OWNER_PASSWORD};
use nps_e2e::links::TEST_SERVER_SECRET;
use nps_e2e::{Admin, Backend, Collector, CollectorOptions, TestDatabase};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/fad2a09")
}

struct Upgraded {
    _dir: tempfile::TempDir,
    db: TestDatabase,
    collector: Collector,
    owner: Admin,
    expected: Value,
}

/// Puts the old installation in place (a copy: the fixture stays as it was written), then
/// starts this build on it, which migrates it.
async fn upgraded(backend: Backend) -> anyhow::Result<Upgraded> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data)?;
    let db = match backend {
        Backend::Sqlite => {
            for entry in std::fs::read_dir(fixtures().join("sqlite"))? {
                let entry = entry?;
                std::fs::copy(entry.path(), data.join(entry.file_name()))?;
            }
            TestDatabase::sqlite(&data)
        }
        Backend::Postgres => {
            let db = TestDatabase::postgres().await?;
            // Lines starting with a backslash are psql's own commands (pg_dump writes
            // `\restrict`), not SQL.
            let dump = std::fs::read_to_string(fixtures().join("postgres.sql"))?;
            let dump: String = dump.lines().filter(|l| !l.starts_with('\\')).map(|l| format!("{l}\n")).collect();
            let pool = sqlx::PgPool::connect(&db.url).await?;
            sqlx::raw_sql(sqlx::AssertSqlSafe(dump)).execute(&pool).await?;
            pool.close().await;
            db
        }
    };
    let expected: Value = serde_json::from_str(&std::fs::read_to_string(fixtures().join("expected.json"))?)?;
    let expected = expected[if backend == Backend::Sqlite { "sqlite" } else { "postgres" }].clone();
    assert_eq!(TEST_SERVER_SECRET, "end-to-end-test-server-secret-0123456789", "the links were signed with this secret");
    let collector = Collector::start(CollectorOptions::new(data, db.url.clone())).await?;
    let owner = Admin::sign_in(&collector.url, OWNER_EMAIL, OWNER_PASSWORD).await?;
    Ok(Upgraded { _dir: dir, db, collector, owner, expected })
}

fn fields(rows: &[Value], names: &[&str]) -> BTreeSet<String> {
    rows.iter().map(|r| names.iter().map(|n| r[*n].to_string()).collect::<Vec<_>>().join("|")).collect()
}

async fn customer_answers_reports_and_follow_ups_are_intact(u: Upgraded) -> anyhow::Result<()> {
    let survey = &u.expected["customer_survey_id"];
    let want = &u.expected["customer_report"];
    assert!(want["n"].as_u64().is_some_and(|n| n == 30), "the fixture holds thirty answers: {want}");
    for rollups in ["true", "false"] {
        let report: Value = u.owner.get(&format!("/api/admin/reports/nps?survey_id={survey}&rollups={rollups}")).await?;
        for key in ["counts", "n", "nps", "interval"] {
            assert_eq!(report["overall"][key], want[key], "{key} with rollups={rollups}: {report}");
        }
        let periods = report["periods"].as_array().map(Vec::len);
        assert_eq!(periods, u.expected["customer_periods"].as_array().map(Vec::len), "rollups={rollups}");
    }
    let rows: Vec<Value> = u.owner.get(&format!("/api/admin/responses?survey_id={survey}&limit=1000")).await?;
    let want_rows = u.expected["customer_answers"].as_array().cloned().unwrap_or_default();
    let names = ["id", "user_id", "score", "comment"];
    assert_eq!(fields(&rows, &names), fields(&want_rows, &names), "every answer with its score and comment");
    let followups: Vec<Value> = u.owner.get(&format!("/api/admin/followups?project_id={}", u.expected["project_id"])).await?;
    let want_followups = u.expected["followups"].as_array().cloned().unwrap_or_default();
    let names = ["response_id", "status", "owner"];
    assert!(want_followups.iter().any(|f| f["status"] == "contacted"), "a worked follow-up is in the fixture");
    assert_eq!(fields(&followups, &names), fields(&want_followups, &names));
    Ok(())
}

/// Used links stay used; an unused link still opens and takes an answer.
async fn check_links(u: &Upgraded, campaign: &Value, protected: bool) -> anyhow::Result<()> {
    let links = campaign["links"].as_array().cloned().unwrap_or_default();
    let answered = links.iter().filter(|l| l["answered"] == true).count() as u64;
    // Participation of the employee campaign may be withheld (fewer than k on a side).
    let participation = |status: &Value| status["waves"][0]["answered"].as_u64();
    let status: Value = u.owner.get(&format!("/api/admin/campaigns/{}/status", campaign["campaign_id"])).await?;
    assert!(participation(&status).is_none_or(|n| n == answered), "{status}");
    assert!(protected || participation(&status) == Some(answered), "{status}");
    assert_eq!(status["recipients"].as_u64(), Some(links.len() as u64), "{status}");
    let http = reqwest::Client::new();
    for link in &links {
        let url = format!("{}/s/{}", u.collector.url, link["token"].as_str().unwrap_or_default());
        let want = if link["answered"] == true { 409 } else { 200 };
        assert_eq!(http.get(&url).send().await?.status().as_u16(), want, "{link}");
    }
    let unused = links.iter().find(|l| l["answered"] == false).ok_or_else(|| anyhow::anyhow!("an unused link"))?;
    let url = format!("{}/s/{}", u.collector.url, unused["token"].as_str().unwrap_or_default());
    assert_eq!(nps_e2e::links::answer(&url, 9, "").await?.0, 200);
    let status: Value = u.owner.get(&format!("/api/admin/campaigns/{}/status", campaign["campaign_id"])).await?;
    assert!(participation(&status).is_none_or(|n| n == answered + 1), "{status}");
    assert!(protected || participation(&status) == Some(answered + 1), "{status}");
    Ok(())
}

async fn campaigns_and_their_link_ledgers_are_intact(u: Upgraded) -> anyhow::Result<()> {
    check_links(&u, &u.expected["employee"], true).await?;
    check_links(&u, &u.expected["partner"], false).await?;
    let partner: Vec<Value> = u.owner.get(&format!("/api/admin/responses?survey_id={}", u.expected["partner"]["survey_id"])).await?;
    assert_eq!(json!(partner.len()), json!(u.expected["partner_answers"].as_u64().map(|n| n + 1)));
    // The anonymous answers are all there (counted in SQL: the API releases no rows of them).
    let employee = u.expected["employee"]["survey_id"].as_i64().unwrap_or_default();
    let answered = u.expected["employee"]["links"].as_array().map_or(0, |l| l.iter().filter(|l| l["answered"] == true).count());
    let stored = count_answers(&u.db, employee).await?;
    assert_eq!(stored, answered as i64 + 1, "the fixture's anonymous answers and the new one");
    Ok(())
}

async fn count_answers(db: &TestDatabase, survey: i64) -> anyhow::Result<i64> {
    let sql = "SELECT count(*) FROM responses WHERE survey_id = $1";
    Ok(match db.backend {
        Backend::Sqlite => sqlx::query_scalar(sql).bind(survey).fetch_one(&sqlx::SqlitePool::connect(&db.url).await?).await?,
        Backend::Postgres => sqlx::query_scalar(sql).bind(survey).fetch_one(&sqlx::PgPool::connect(&db.url).await?).await?,
    })
}

async fn fixture(backend: Backend) -> anyhow::Result<Upgraded> {
    upgraded(backend).await
}

nps_e2e::on_both_backends!(customer_answers_reports_and_follow_ups_are_intact, campaigns_and_their_link_ledgers_are_intact);
