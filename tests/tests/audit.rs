//! The audit log (issue #12) end to end against the real collector, on SQLite and PostgreSQL:
//! every admin write (sign-in failures and denials included), every export and every read of
//! protected (employee NPS) data is recorded with who, what, when and from where, and nothing
//! else (customer-NPS reads are not); no password or token ever reaches it; the database
//! refuses to change or delete entries; an entry altered behind the collector's back (triggers
//! dropped, as an attacker holding the database would) breaks the hash chain that
//! `/audit/verify` checks; only owners read and export it, and the export is CSV-safe.

use nps_core::wire::SurveyKind;
use nps_e2e::admin::{OWNER_EMAIL, OWNER_PASSWORD, USER_PASSWORD as PASSWORD};
use nps_e2e::{Admin, Backend, Collector, CollectorOptions, Installation, TestDatabase, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::Connection;

const USER_AGENT: &str = "audit-e2e/1.0";

type Fixture = Installation;

async fn fixture(backend: Backend) -> anyhow::Result<Fixture> {
    Installation::start(backend).await
}

/// Any admin request with the session's cookie and CSRF token, from a user agent the log must
/// name: status and JSON body.
async fn call(admin: &Admin, method: Method, path: &str, body: Option<Value>) -> anyhow::Result<(StatusCode, Value)> {
    let request = admin.request(method, path).header("User-Agent", USER_AGENT);
    nps_e2e::reply(match body {
        Some(body) => request.json(&body),
        None => request,
    })
    .await
}

/// The entries `GET /api/admin/audit?{query}` answers (as the owner), newest first.
async fn entries(owner: &Admin, query: &str) -> anyhow::Result<Vec<Value>> {
    let (status, page) = call(owner, Method::GET, &format!("/api/admin/audit?{query}"), None).await?;
    anyhow::ensure!(status == StatusCode::OK, "audit listing: {status} {page}");
    Ok(page["entries"].as_array().cloned().unwrap_or_default())
}

/// The newest entry whose action is exactly `action`.
async fn newest(owner: &Admin, action: &str) -> anyhow::Result<Value> {
    let found = entries(owner, &format!("action={}&limit=500", urlencode(action))).await?;
    found.into_iter().find(|e| e["action"] == action).ok_or_else(|| anyhow::anyhow!("no entry for {action}"))
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

/// Runs one statement directly on the installation's database.
async fn execute(db: &TestDatabase, statement: &str) -> Result<u64, sqlx::Error> {
    let statement = sqlx::AssertSqlSafe(statement.to_owned());
    match db.backend {
        Backend::Sqlite => Ok(sqlx::query(statement).execute(&mut sqlx::SqliteConnection::connect(&db.url).await?).await?.rows_affected()),
        Backend::Postgres => Ok(sqlx::query(statement).execute(&mut sqlx::PgConnection::connect(&db.url).await?).await?.rows_affected()),
    }
}

/// Every text the audit table holds, concatenated, read directly from the database.
async fn whole_table_text(db: &TestDatabase) -> anyhow::Result<String> {
    use sqlx::Row;
    let select = "SELECT COALESCE(actor_email, '') || ' ' || COALESCE(actor_role, '') || ' ' || kind || ' ' || action || ' ' || \
                  target || ' ' || COALESCE(client_addr, '') || ' ' || COALESCE(user_agent, '') || ' ' || prev_hash || ' ' || hash AS t \
                  FROM audit_log";
    let texts: Vec<String> = match db.backend {
        Backend::Sqlite => {
            let rows = sqlx::query(select).fetch_all(&mut sqlx::SqliteConnection::connect(&db.url).await?).await?;
            rows.iter().map(|r| r.try_get("t")).collect::<Result<_, _>>()?
        }
        Backend::Postgres => {
            let rows = sqlx::query(select).fetch_all(&mut sqlx::PgConnection::connect(&db.url).await?).await?;
            rows.iter().map(|r| r.try_get("t")).collect::<Result<_, _>>()?
        }
    };
    anyhow::ensure!(!texts.is_empty(), "the audit table is empty");
    Ok(texts.join("\n"))
}

async fn verify(owner: &Admin) -> anyhow::Result<Value> {
    let (status, result) = call(owner, Method::GET, "/api/admin/audit/verify", None).await?;
    anyhow::ensure!(status == StatusCode::OK, "verify: {status} {result}");
    Ok(result)
}

fn project_input(name: &str) -> Value {
    let input = nps_e2e::project_input(name, &["*"]).expect("a valid project");
    serde_json::to_value(input).unwrap_or_default()
}

async fn live_survey(owner: &Admin, project_id: i64, kind: SurveyKind) -> anyhow::Result<i64> {
    Ok(owner.create_live_survey(project_id, kind).await?.id)
}

async fn writes_sign_ins_and_denials_are_recorded_with_who_what_when_and_where(f: Fixture) -> anyhow::Result<()> {
    let before = nps_e2e::now_ms();
    let wrong = "wrong-password-that-must-never-be-logged";
    let (status, _) = call(&Admin { http: reqwest::Client::new(), base: f.collector.url.clone(), csrf: String::new() }, Method::POST,
        "/api/admin/session", Some(json!({ "email": OWNER_EMAIL, "password": wrong }))).await?;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let failed = newest(&f.owner, "POST /api/admin/session").await?;
    assert_eq!((failed["status"].as_u64(), failed["kind"].as_str()), (Some(401), Some("write")));
    assert!(failed["actor_id"].is_null() && failed["actor_email"].is_null(), "a failed sign-in has no actor: {failed}");
    assert_eq!((failed["client_addr"].as_str(), failed["user_agent"].as_str()), (Some("127.0.0.1"), Some(USER_AGENT)));
    assert!(failed["at"].as_i64().is_some_and(|at| at >= before), "{failed}");

    let project = f.owner.create_project(&["*"]).await?;
    let (status, _) = call(&f.owner, Method::PUT, &format!("/api/admin/projects/{}", project.id),
        Some(project_input("Renamed"))).await?;
    assert!(status.is_success(), "{status}");
    let update = newest(&f.owner, "PUT /api/admin/projects/{id}").await?;
    assert_eq!(update["actor_email"], OWNER_EMAIL);
    assert_eq!(update["actor_role"], "owner");
    assert_eq!(update["target"], json!({ "id": project.id.to_string() }));
    assert_eq!(update["status"].as_u64(), Some(u64::from(status.as_u16())));

    // A forged cross-site request: the owner's cookie without the CSRF token.
    let forged = f.owner.http.delete(format!("{}/api/admin/users/999", f.collector.url)).send().await?;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let csrf = newest(&f.owner, "DELETE /api/admin/users/{id}").await?;
    assert_eq!((csrf["status"].as_u64(), csrf["actor_email"].as_str()), (Some(403), Some(OWNER_EMAIL)), "{csrf}");
    assert_eq!(csrf["target"], json!({ "id": "999" }));

    // A denied attempt: an analyst tries to add a user, and to read the audit log.
    let analyst = f.user("analyst@example.com", "analyst").await?;
    let (status, _) = call(&analyst, Method::POST, "/api/admin/users",
        Some(json!({ "email": "x@example.com", "password": PASSWORD, "role": "owner" }))).await?;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let denied = newest(&f.owner, "POST /api/admin/users").await?;
    assert_eq!((denied["status"].as_u64(), denied["actor_email"].as_str()), (Some(403), Some("analyst@example.com")));
    assert_eq!(denied["actor_role"], "analyst");
    for path in ["/api/admin/audit", "/api/admin/audit/export.csv", "/api/admin/audit/verify"] {
        assert_eq!(call(&analyst, Method::GET, path, None).await?.0, StatusCode::FORBIDDEN, "{path}");
    }
    let refused = newest(&f.owner, "GET /api/admin/audit/verify").await?;
    assert_eq!((refused["status"].as_u64(), refused["actor_email"].as_str()), (Some(403), Some("analyst@example.com")));

    // A reset link is used: the token in its path never reaches the log.
    let users: Vec<Value> = f.owner.get("/api/admin/users").await?;
    let analyst_id = users.iter().find(|u| u["email"] == "analyst@example.com").and_then(|u| u["id"].as_i64()).unwrap_or_default();
    let link: Value = f.owner.post(&format!("/api/admin/users/{analyst_id}/password-resets"), &json!({})).await?;
    let token = link["token"].as_str().unwrap_or_default().to_owned();
    let (status, _) = call(&analyst, Method::POST, &format!("/api/admin/password-resets/{token}"), Some(json!({ "password": "a brand new password 123" }))).await?;
    assert!(status.is_success(), "{status}");
    let reset = newest(&f.owner, "POST /api/admin/password-resets/{token}").await?;
    assert_eq!(reset["target"], json!({ "token": "(not recorded)" }));

    let (status, _) = call(&analyst, Method::DELETE, "/api/admin/session", None).await?;
    let signed_out = newest(&f.owner, "DELETE /api/admin/session").await?;
    assert_eq!(signed_out["status"].as_u64(), Some(u64::from(status.as_u16())));
    let user_change = newest(&f.owner, "POST /api/admin/users/{id}/password-resets").await?;
    assert_eq!(user_change["target"], json!({ "id": analyst_id.to_string() }));

    let everything = whole_table_text(&f.db).await?;
    for secret in [wrong, PASSWORD, "a brand new password 123", token.as_str(), f.owner.csrf.as_str()] {
        assert!(!everything.contains(secret), "the audit table holds a secret: {secret}");
    }
    Ok(())
}

async fn protected_reads_and_exports_are_recorded_and_customer_reads_are_not(f: Fixture) -> anyhow::Result<()> {
    let project = f.owner.create_project(&["*"]).await?;
    let enps = live_survey(&f.owner, project.id, SurveyKind::Enps).await?;
    let tnps = live_survey(&f.owner, project.id, SurveyKind::Tnps).await?;
    let hr = f.user("hr@example.com", "hr").await?;
    for path in [format!("/api/admin/reports/nps?survey_id={enps}"), format!("/api/admin/reports/comments?survey_id={enps}")] {
        let (status, body) = call(&hr, Method::GET, &path, None).await?;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
    }
    let read = newest(&f.owner, "GET /api/admin/reports/nps").await?;
    assert_eq!((read["kind"].as_str(), read["actor_email"].as_str()), (Some("protected_read"), Some("hr@example.com")));
    assert_eq!(read["target"], json!({ "survey_id": enps.to_string(), "wave": "1" }));
    assert_eq!(newest(&f.owner, "GET /api/admin/reports/comments").await?["kind"], "protected_read");

    // Customer NPS: the report read leaves no entry, the export does.
    let (status, _) = call(&f.owner, Method::GET, &format!("/api/admin/reports/nps?survey_id={tnps}"), None).await?;
    assert_eq!(status, StatusCode::OK);
    let reads = entries(&f.owner, "action=reports%2Fnps&limit=500").await?;
    assert_eq!(reads.len(), 1, "only the eNPS read is recorded: {reads:?}");
    let enps_id = enps.to_string();
    assert!(reads.iter().all(|e| e["target"]["survey_id"] == enps_id.as_str()));
    for format in ["csv", "xlsx"] {
        let (status, _) = call(&f.owner, Method::GET, &format!("/api/admin/responses?survey_id={tnps}&format={format}"), None).await?;
        assert_eq!(status, StatusCode::OK);
        let export = newest(&f.owner, "GET /api/admin/responses").await?;
        assert_eq!((export["kind"].as_str(), export["target"]["format"].as_str()), (Some("export"), Some(format)));
    }
    // Refused attempts at protected rows are recorded as the denials they are.
    let (status, _) = call(&hr, Method::GET, &format!("/api/admin/responses?survey_id={enps}&format=csv"), None).await?;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let refused = newest(&f.owner, "GET /api/admin/responses").await?;
    assert_eq!((refused["status"].as_u64(), refused["actor_email"].as_str()), (Some(403), Some("hr@example.com")));
    Ok(())
}

async fn the_database_refuses_to_change_or_delete_entries(f: Fixture) -> anyhow::Result<()> {
    let count = entries(&f.owner, "limit=500").await?.len();
    assert!(count >= 2, "bootstrap and sign-in are recorded");
    let update = execute(&f.db, "UPDATE audit_log SET status = 200 WHERE seq = 1").await;
    assert!(update.as_ref().is_err_and(|e| e.to_string().contains("append-only")), "{update:?}");
    let delete = execute(&f.db, "DELETE FROM audit_log WHERE seq = 1").await;
    assert!(delete.as_ref().is_err_and(|e| e.to_string().contains("append-only")), "{delete:?}");
    assert!(execute(&f.db, "DELETE FROM audit_chain").await.is_err(), "the chain head cannot be removed");
    if f.db.backend == Backend::Postgres {
        assert!(execute(&f.db, "TRUNCATE audit_log").await.is_err(), "TRUNCATE is refused too");
    }
    let result = verify(&f.owner).await?;
    assert_eq!(result["intact"], true, "{result}");
    Ok(())
}

/// Drops a trigger of the audit log (`audit_log_no_update`, `audit_log_no_delete`), as someone
/// holding the database would.
async fn drop_trigger(db: &TestDatabase, trigger: &str) -> anyhow::Result<()> {
    let statement = match db.backend {
        Backend::Sqlite => format!("DROP TRIGGER {trigger}"),
        Backend::Postgres => format!("DROP TRIGGER {trigger} ON audit_log"),
    };
    execute(db, &statement).await?;
    Ok(())
}

async fn an_entry_altered_in_the_database_breaks_the_chain(f: Fixture) -> anyhow::Result<()> {
    let intact = verify(&f.owner).await?;
    assert_eq!((intact["intact"].as_bool(), intact["broken_at"].is_null()), (Some(true), true), "{intact}");
    assert!(intact["entries"].as_u64().is_some_and(|n| n >= 2), "{intact}");
    drop_trigger(&f.db, "audit_log_no_update").await?;
    // History rewritten: entry 2 (the owner's sign-in) now says someone else signed in.
    assert_eq!(execute(&f.db, "UPDATE audit_log SET actor_email = 'someone@else.example' WHERE seq = 2").await?, 1);
    let broken = verify(&f.owner).await?;
    assert_eq!((broken["intact"].as_bool(), broken["broken_at"].as_i64()), (Some(false), Some(2)), "{broken}");
    assert!(broken["problem"].as_str().is_some_and(|p| p.contains("changed")), "{broken}");
    Ok(())
}

async fn a_deleted_entry_breaks_the_chain(f: Fixture) -> anyhow::Result<()> {
    let _ = verify(&f.owner).await?;
    drop_trigger(&f.db, "audit_log_no_delete").await?;
    assert_eq!(execute(&f.db, "DELETE FROM audit_log WHERE seq = 2").await?, 1);
    let broken = verify(&f.owner).await?;
    assert_eq!((broken["intact"].as_bool(), broken["broken_at"].as_i64()), (Some(false), Some(3)), "{broken}");
    Ok(())
}

/// Deleting the newest entries leaves a chain that links; the stored head exposes it.
async fn removing_the_newest_entry_is_found(f: Fixture) -> anyhow::Result<()> {
    assert_eq!(verify(&f.owner).await?["intact"], true);
    drop_trigger(&f.db, "audit_log_no_delete").await?;
    assert_eq!(execute(&f.db, "DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)").await?, 1);
    let truncated = verify(&f.owner).await?;
    assert_eq!(truncated["intact"], false, "{truncated}");
    assert!(truncated["problem"].as_str().is_some_and(|p| p.contains("chain head")), "{truncated}");
    Ok(())
}

async fn only_owners_read_the_log_which_pages_filters_and_exports_csv_safely(f: Fixture) -> anyhow::Result<()> {
    let admin = f.user("admin@example.com", "admin").await?;
    for path in ["/api/admin/audit", "/api/admin/audit/export.csv", "/api/admin/audit/verify"] {
        assert_eq!(call(&admin, Method::GET, path, None).await?.0, StatusCode::FORBIDDEN, "{path}");
    }
    // A user agent that a spreadsheet would run as a formula.
    let formula = "=HYPERLINK(\"http://evil.example/\",\"x\")";
    let anonymous = reqwest::Client::new();
    let response = anonymous.post(format!("{}/api/admin/session", f.collector.url)).header("User-Agent", formula)
        .json(&json!({ "email": "nobody@example.com", "password": "not the password at all" })).send().await?;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    let first = entries(&f.owner, "limit=2").await?;
    assert_eq!(first.len(), 2);
    let (_, page) = call(&f.owner, Method::GET, "/api/admin/audit?limit=2", None).await?;
    let cursor = page["next_before"].as_i64().ok_or_else(|| anyhow::anyhow!("no cursor in {page}"))?;
    let second = entries(&f.owner, &format!("limit=2&before={cursor}")).await?;
    assert!(second.iter().all(|e| e["seq"].as_i64() < Some(cursor)), "older entries: {second:?}");
    let mine = entries(&f.owner, "actor=admin@EXAMPLE.com&limit=500").await?;
    assert!(!mine.is_empty() && mine.iter().all(|e| e["actor_email"] == "admin@example.com"), "{mine:?}");
    let writes = entries(&f.owner, "kind=write&limit=500").await?;
    assert!(!writes.is_empty() && writes.iter().all(|e| e["kind"] == "write"));
    assert!(entries(&f.owner, "to=1").await?.is_empty(), "nothing before 1970");
    assert_eq!(call(&f.owner, Method::GET, "/api/admin/audit?kind=bogus", None).await?.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(call(&f.owner, Method::GET, "/api/admin/audit?limit=501", None).await?.0, StatusCode::UNPROCESSABLE_ENTITY);

    let response = f.owner.http.get(format!("{}/api/admin/audit/export.csv", f.collector.url)).send().await?;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"].to_str()?.starts_with("text/csv"));
    let csv = response.text().await?;
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let agents: Vec<String> = reader.records().filter_map(Result::ok).map(|r| r.get(10).unwrap_or_default().to_owned()).collect();
    assert!(agents.iter().any(|a| a == &format!("'{formula}")), "the formula is neutralised: {agents:?}");
    assert!(!agents.iter().any(|a| a.starts_with('=')));
    let export = newest(&f.owner, "GET /api/admin/audit/export.csv").await?;
    assert_eq!((export["kind"].as_str(), export["actor_email"].as_str()), (Some("audit_read"), Some(OWNER_EMAIL)));
    Ok(())
}

/// Two collectors share the database (as behind a load balancer) and take writes at the same
/// time: appends are serialised across both, so the chain has no fork and no gap.
async fn concurrent_requests_keep_one_unbroken_chain(f: Fixture) -> anyhow::Result<()> {
    let second = Collector::start(CollectorOptions::new(f.dir.path().join("data-2"), f.db.url.clone())).await?;
    let other = Admin::sign_in(&second.url, OWNER_EMAIL, OWNER_PASSWORD).await?;
    let (owner, other) = (&f.owner, &other);
    let attempts = (0..24).map(|i| async move {
        let by = if i % 2 == 0 { owner } else { other };
        call(by, Method::POST, "/api/admin/projects", Some(project_input(&format!("P{i}")))).await
    });
    for result in futures::future::join_all(attempts).await {
        assert_eq!(result?.0, StatusCode::CREATED);
    }
    let result = verify(&f.owner).await?;
    assert_eq!(result["intact"], true, "{result}");
    assert_eq!(result["entries"].as_i64(), result["head_seq"].as_i64(), "{result}");
    assert!(result["entries"].as_u64().is_some_and(|n| n >= 27), "{result}");
    Ok(())
}

/// Makes every audit insert fail, as an unavailable audit table would.
async fn break_audit_inserts(db: &TestDatabase) -> anyhow::Result<()> {
    match db.backend {
        Backend::Sqlite => {
            execute(db, "CREATE TRIGGER audit_down BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit down'); END").await?;
        }
        Backend::Postgres => {
            execute(db, "CREATE FUNCTION audit_down() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit down'; END $$").await?;
            execute(db, "CREATE TRIGGER audit_down BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_down()").await?;
        }
    }
    Ok(())
}

/// When the entry cannot be written: a write keeps its answer (it happened), a disclosing read
/// is refused with 503, and both are counted in `nps_audit_failures_total`.
async fn a_read_that_cannot_be_audited_is_refused_and_failures_are_counted(f: Fixture) -> anyhow::Result<()> {
    let project = f.owner.create_project(&["*"]).await?;
    let enps = live_survey(&f.owner, project.id, SurveyKind::Enps).await?;
    let tnps = live_survey(&f.owner, project.id, SurveyKind::Tnps).await?;
    break_audit_inserts(&f.db).await?;
    let (status, _) = call(&f.owner, Method::POST, "/api/admin/projects", Some(project_input("Still created"))).await?;
    assert_eq!(status, StatusCode::CREATED, "the write happened and says so");
    for path in [format!("/api/admin/reports/nps?survey_id={enps}"), format!("/api/admin/responses?survey_id={tnps}&format=csv")] {
        let (status, body) = call(&f.owner, Method::GET, &path, None).await?;
        assert_eq!((status, body["code"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("unavailable")), "{path}: {body}");
    }
    let (status, _) = call(&f.owner, Method::GET, &format!("/api/admin/reports/nps?survey_id={tnps}"), None).await?;
    assert_eq!(status, StatusCode::OK, "a customer NPS report needs no entry");
    let metrics = reqwest::get(format!("{}/metrics", f.collector.url)).await?.text().await?;
    let failures = metrics.lines().find_map(|l| l.strip_prefix("nps_audit_failures_total ")).and_then(|n| n.trim().parse::<u64>().ok());
    assert_eq!(failures, Some(3), "{metrics}");
    Ok(())
}

on_both_backends!(
    writes_sign_ins_and_denials_are_recorded_with_who_what_when_and_where,
    protected_reads_and_exports_are_recorded_and_customer_reads_are_not,
    the_database_refuses_to_change_or_delete_entries,
    an_entry_altered_in_the_database_breaks_the_chain,
    a_deleted_entry_breaks_the_chain,
    removing_the_newest_entry_is_found,
    only_owners_read_the_log_which_pages_filters_and_exports_csv_safely,
    concurrent_requests_keep_one_unbroken_chain,
    a_read_that_cannot_be_audited_is_refused_and_failures_are_counted,
);
