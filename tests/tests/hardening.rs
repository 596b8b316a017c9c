//! The findings of the security review (issue #12), each proven against the real binary over
//! real HTTP: every test here failed on the build before the fix. See docs/security.md.

use futures::StreamExt;
use nps_core::wire::SurveyKind;
use nps_e2e::admin::{OWNER_EMAIL, OWNER_PASSWORD, session_token};
use nps_e2e::{Admin, Backend, Collector, CollectorOptions, Installation, TestDatabase, World, assert_error, new_id, on_both_backends, post_json, wait_drained, wait_for};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

// ---------------------------------------------------------------------------------------------
// Shared set-up

/// A fresh database and data folder, and the collectors started on them.
struct Fixture {
    _dir: tempfile::TempDir,
    db: TestDatabase,
    collectors: Vec<Collector>,
}

/// SQLite: one collector on its file. PostgreSQL: two collectors sharing one database, so the
/// atomicity claims are tested across processes too.
async fn fixture(backend: Backend) -> anyhow::Result<Fixture> {
    let dir = tempfile::tempdir()?;
    let db = TestDatabase::new(backend, dir.path()).await?;
    let count = if backend == Backend::Postgres { 2 } else { 1 };
    let collectors = Collector::several(dir.path(), &db.url, count).await?;
    Ok(Fixture { _dir: dir, db, collectors })
}

/// A collector on a fresh SQLite file with extra `NPS_*` settings (its owner signed in).
async fn sqlite_collector(env: &[(&str, &str)]) -> anyhow::Result<(tempfile::TempDir, Collector)> {
    let Installation { dir, collector, .. } = Installation::start_with(Backend::Sqlite, env).await?;
    Ok((dir, collector))
}

/// A field of /proc/<pid>/status in KiB (`VmRSS`, `VmHWM`).
fn memory_kib(collector: &Collector, field: &str) -> anyhow::Result<u64> {
    let pid = collector.pid().ok_or_else(|| anyhow::anyhow!("the collector has exited"))?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status.lines().find(|l| l.starts_with(&format!("{field}:"))).ok_or_else(|| anyhow::anyhow!("no {field}"))?;
    Ok(line.split_whitespace().nth(1).unwrap_or("0").parse()?)
}

/// What a sign-in got back: status, `Retry-After` and the JSON body.
struct SignIn {
    status: StatusCode,
    retry_after: Option<u64>,
    body: Value,
}

async fn sign_in(http: &reqwest::Client, base: &str, email: &str, password: &str) -> anyhow::Result<SignIn> {
    let response = http.post(format!("{base}/api/admin/session")).json(&json!({ "email": email, "password": password })).send().await?;
    let status = response.status();
    let retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    let body = response.json().await.unwrap_or(Value::Null);
    Ok(SignIn { status, retry_after, body })
}

/// `n` sign-ins at once.
async fn sign_ins_at_once(base: &str, n: usize, email: &str, password: &str) -> Vec<SignIn> {
    let http = reqwest::Client::new();
    let attempts = (0..n).map(|_| sign_in(&http, base, email, password));
    futures::future::join_all(attempts).await.into_iter().filter_map(Result::ok).collect()
}

/// Who a bearer token's session is (`GET /api/admin/session`): status and body.
async fn whoami(base: &str, token: &str) -> anyhow::Result<(StatusCode, Value)> {
    nps_e2e::reply(reqwest::Client::new().get(format!("{base}/api/admin/session")).bearer_auth(token)).await
}

async fn sqlite_exec(db_url: &str, sql: &'static str, bind: &str) -> anyhow::Result<u64> {
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(db_url).await?;
    Ok(sqlx::query(sql).bind(bind).execute(&mut conn).await?.rows_affected())
}

// ---------------------------------------------------------------------------------------------
// 1. Bootstrap creates exactly one owner, however many race for it.

async fn concurrent_bootstraps_create_exactly_one_owner(f: Fixture) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    // Distinct e-mails: the unique constraint on e-mail must not be what stops the others.
    let attempts = (0..8).map(|i| {
        let url = format!("{}/api/admin/bootstrap", f.collectors[i % f.collectors.len()].url);
        let body = json!({ "email": format!("owner{i}@example.com"), "password": OWNER_PASSWORD });
        let request = http.post(url).json(&body);
        async move {
            let response = request.send().await?;
            Ok::<_, anyhow::Error>((response.status(), response.json::<Value>().await.unwrap_or(Value::Null)))
        }
    });
    let answers: Vec<(StatusCode, Value)> = futures::future::try_join_all(attempts).await?;
    let created = answers.iter().filter(|(s, _)| *s == StatusCode::CREATED).count();
    assert_eq!(created, 1, "{answers:?}");
    for (status, body) in answers.iter().filter(|(s, _)| *s != StatusCode::CREATED) {
        assert_eq!(*status, StatusCode::CONFLICT, "{body}");
        assert_error(body, "conflict", "owner already exists");
    }
    // Exactly one user exists, whichever won; the database says so, not only the answers.
    let owners: Vec<i64> = f.db.column("SELECT COUNT(*) FROM admin_users").await?;
    assert_eq!(owners, [1]);
    Ok(())
}

on_both_backends!(concurrent_bootstraps_create_exactly_one_owner);

// ---------------------------------------------------------------------------------------------
// 2. Sign-in: lockout after failures, bounded hashing memory.

/// The default failures allowed per account in a window.
const ACCOUNT_ATTEMPTS: usize = 5;

#[tokio::test]
async fn wrong_passwords_lock_the_account_and_the_right_one_cannot_probe_it() -> anyhow::Result<()> {
    let (_dir, collector) = sqlite_collector(&[]).await?;
    let burst = sign_ins_at_once(&collector.url, 30, OWNER_EMAIL, "wrong password, guess 1").await;
    assert_eq!(burst.len(), 30);
    let unauthorized = burst.iter().filter(|s| s.status == StatusCode::UNAUTHORIZED).count();
    eprintln!("{unauthorized} of 30 concurrent wrong passwords got a plain 401");
    let limited: Vec<&SignIn> = burst.iter().filter(|s| s.status == StatusCode::TOO_MANY_REQUESTS).collect();
    // Each attempt is counted before its password is checked: exactly the limit get checked.
    assert_eq!(unauthorized, ACCOUNT_ATTEMPTS, "{unauthorized} plain 401s");
    assert_eq!(unauthorized + limited.len(), 30);
    for answer in &limited {
        assert_eq!(answer.body["code"], "rate_limited", "{}", answer.body);
        assert!(answer.retry_after.is_some_and(|s| s >= 1), "Retry-After missing");
    }
    // During the lockout the right password gets the same answer as a wrong one.
    let right = sign_in(&reqwest::Client::new(), &collector.url, OWNER_EMAIL, OWNER_PASSWORD).await?;
    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS, "{}", right.body);
    // Another account from the same address is not locked by this one's failures.
    let other = sign_in(&reqwest::Client::new(), &collector.url, "someone@example.com", "not a password").await?;
    assert_eq!(other.status, StatusCode::UNAUTHORIZED, "{}", other.body);
    Ok(())
}

#[tokio::test]
async fn an_address_guessing_many_accounts_is_locked_out() -> anyhow::Result<()> {
    let limits = [("NPS_AUTH__SIGN_IN_FAILURES_PER_ADDRESS", "8"), ("NPS_AUTH__SIGN_IN_FAILURES_PER_ACCOUNT", "100")];
    let Installation { dir: _dir, db, collector, .. } = Installation::start_with(Backend::Sqlite, &limits).await?;
    let http = reqwest::Client::new();
    let mut statuses = Vec::new();
    for i in 0..12 {
        statuses.push(sign_in(&http, &collector.url, &format!("user{i}@example.com"), "a wrong password").await?.status);
    }
    assert!(statuses[..8].iter().all(|s| *s == StatusCode::UNAUTHORIZED), "{statuses:?}");
    assert!(statuses[8..].iter().all(|s| *s == StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
    let owner = sign_in(&http, &collector.url, OWNER_EMAIL, OWNER_PASSWORD).await?;
    assert_eq!(owner.status, StatusCode::TOO_MANY_REQUESTS, "the address is locked for every account");
    // What was refused left no row: a locked-out address spraying new e-mail addresses cannot
    // grow the table (the address and the eight checked accounts only). Failed before: every
    // refused attempt left a row for its e-mail address.
    let rows: Vec<String> = db.column("SELECT key FROM sign_in_attempts").await?;
    assert_eq!(rows.len(), 1 + 8, "{rows:?}");
    Ok(())
}

/// A guesser spread over the collectors behind a load balancer gets the attempts one collector
/// allows, not one allowance per collector (PostgreSQL: two collectors). Failed before the
/// counts moved into the database: each collector counted its own five.
async fn the_lockout_holds_across_collectors(f: Fixture) -> anyhow::Result<()> {
    nps_e2e::Admin::bootstrap(&f.collectors[0].url).await?;
    let http = reqwest::Client::new();
    let mut statuses = Vec::new();
    for i in 0..12 {
        let base = &f.collectors[i % f.collectors.len()].url;
        statuses.push(sign_in(&http, base, OWNER_EMAIL, &format!("wrong guess {i}")).await?.status);
    }
    assert!(statuses[..ACCOUNT_ATTEMPTS].iter().all(|s| *s == StatusCode::UNAUTHORIZED), "{statuses:?}");
    assert!(statuses[ACCOUNT_ATTEMPTS..].iter().all(|s| *s == StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
    for collector in &f.collectors {
        let right = sign_in(&http, &collector.url, OWNER_EMAIL, OWNER_PASSWORD).await?;
        assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS, "{}: {}", collector.url, right.body);
    }

    // A burst over every collector at once: still exactly the limit checked.
    let burst = (0..24).map(|i| sign_in(&http, &f.collectors[i % f.collectors.len()].url, "burst@example.com", "a guess"));
    let answers: Vec<SignIn> = futures::future::try_join_all(burst).await?;
    let checked = answers.iter().filter(|a| a.status == StatusCode::UNAUTHORIZED).count();
    let refused = answers.iter().filter(|a| a.status == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((checked, refused), (ACCOUNT_ATTEMPTS, 24 - ACCOUNT_ATTEMPTS));

    // The table names neither the e-mail address nor the client address.
    let keys: Vec<String> = f.db.column("SELECT key FROM sign_in_attempts").await?;
    assert_eq!(keys.len(), 3, "two accounts and one address: {keys:?}");
    assert!(keys.iter().all(|k| k.len() == 32 && !k.contains('@') && !k.contains("127.0.0.1")), "{keys:?}");
    Ok(())
}

on_both_backends!(the_lockout_holds_across_collectors);

#[tokio::test]
async fn concurrent_sign_ins_keep_memory_bounded() -> anyhow::Result<()> {
    let (_dir, collector) = sqlite_collector(&[]).await?;
    let answers = sign_ins_at_once(&collector.url, 64, OWNER_EMAIL, OWNER_PASSWORD).await;
    assert_eq!(answers.iter().filter(|s| s.status == StatusCode::OK).count(), 64, "every sign-in succeeds, in turn");
    let peak_mib = memory_kib(&collector, "VmHWM")? / 1024;
    eprintln!("peak RSS after 64 concurrent sign-ins: {peak_mib} MiB");
    assert!(peak_mib < 300, "peak RSS {peak_mib} MiB after 64 concurrent sign-ins");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 3. Unknown project keys cost no memory and no log volume.

async fn get_config_with_keys(base: &str, keys: impl Iterator<Item = String>) -> Vec<StatusCode> {
    let http = reqwest::Client::new();
    futures::stream::iter(keys)
        .map(|key| {
            let request = http.get(format!("{base}/v1/p/{key}/config"));
            async move { request.send().await.map(|r| r.status()).unwrap_or(StatusCode::IM_A_TEAPOT) }
        })
        .buffer_unordered(16)
        .collect()
        .await
}

fn long_keys(count: usize) -> impl Iterator<Item = String> {
    (0..count).map(|_| format!("pk_{}", new_id().replace('-', "").repeat(16 * 1024 / 32)))
}

#[tokio::test]
async fn requests_with_unknown_long_keys_do_not_grow_memory_or_the_log() -> anyhow::Result<()> {
    let (_dir, collector) = sqlite_collector(&[]).await?;
    // Warm-up: buffers, pools and allocator arenas reach their working size.
    let warm = get_config_with_keys(&collector.url, long_keys(300)).await;
    assert!(warm.iter().all(|s| *s == StatusCode::NOT_FOUND), "{:?}", &warm[..3]);
    let log_before = collector.log().len();
    let before = memory_kib(&collector, "VmRSS")?;

    let statuses = get_config_with_keys(&collector.url, long_keys(3_000)).await;
    assert!(statuses.iter().all(|s| *s == StatusCode::NOT_FOUND), "every unknown key is refused");
    let grown_kib = memory_kib(&collector, "VmRSS")?.saturating_sub(before);
    eprintln!("RSS before {before} KiB, grown {grown_kib} KiB over 3,000 unknown keys");
    assert!(grown_kib < 5 * 1024, "RSS grew by {grown_kib} KiB over 3,000 unknown keys");
    let logged = collector.log().len() - log_before;
    assert!(logged < 64 * 1024, "{logged} bytes logged for 3,000 refused requests");
    assert!(collector.log().lines().all(|l| l.len() < 2_048), "a log line carries the untrusted key");

    // The refusal names the problem.
    let response = reqwest::get(format!("{}/v1/p/{}/config", collector.url, "k".repeat(100))).await?;
    assert_error(&response.json().await?, "unknown_project", "malformed project key");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 4. CSV exports cannot carry formulas.

#[tokio::test]
async fn csv_export_neutralises_formulas_in_answers() -> anyhow::Result<()> {
    let world = World::start(SurveyKind::Tnps).await?;
    let base = world.client_base();
    let id = new_id();
    let score = json!({ "response_id": id, "survey_id": world.survey.id, "user_id": "-2+3", "score": 2 });
    assert_eq!(post_json(&format!("{base}/responses"), &score).await?.0, StatusCode::ACCEPTED);
    let formula = r#"=HYPERLINK("http://x")"#;
    let comment = json!({ "survey_id": world.survey.id, "user_id": "-2+3", "comment": formula });
    assert_eq!(post_json(&format!("{base}/responses/{id}/complete"), &comment).await?.0, StatusCode::ACCEPTED);
    wait_drained(&world.collector.url).await?;
    let completed = wait_for(Duration::from_secs(30), || async {
        world.admin.responses(world.survey.id).await.ok()?.into_iter().find(|r| r.comment.is_some())
    });
    assert!(completed.await.is_some(), "the comment was not stored");

    let url = format!("{}/api/admin/responses?survey_id={}&format=csv", world.collector.url, world.survey.id);
    let csv_text = world.admin.http.get(url).send().await?.text().await?;
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = reader.headers()?.clone();
    let column = |name: &str| headers.iter().position(|h| h == name).ok_or_else(|| anyhow::anyhow!("no column {name}"));
    let (comment_col, user_col, score_col) = (column("comment")?, column("user_id")?, column("score")?);
    let row = reader.records().next().ok_or_else(|| anyhow::anyhow!("no row in {csv_text}"))??;
    assert_eq!(&row[comment_col], format!("'{formula}"));
    assert_eq!(&row[user_col], "'-2+3");
    assert_eq!(&row[score_col], "2", "numbers we write stay numbers");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 5. The data folder and the database are private to the collector's user.

#[tokio::test]
async fn data_files_are_private_to_the_collectors_user() -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let world = World::start(SurveyKind::Tnps).await?;
    let body = json!({ "response_id": new_id(), "survey_id": world.survey.id, "user_id": "u1", "score": 9 });
    assert_eq!(post_json(&format!("{}/responses", world.client_base()), &body).await?.0, StatusCode::ACCEPTED);
    wait_drained(&world.collector.url).await?;

    let data_dir = &world.collector.options.data_dir;
    let mut checked = vec![data_dir.clone()];
    for entry in std::fs::read_dir(data_dir)? {
        checked.push(entry?.path());
    }
    // The database with its -wal and -shm, beside the data folder in this set-up.
    for entry in std::fs::read_dir(world.dir.path())? {
        let path = entry?.path();
        if path.file_name().is_some_and(|n| n.to_string_lossy().starts_with("nps.sqlite")) {
            checked.push(path);
        }
    }
    let names: Vec<String> = checked.iter().filter_map(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()).collect();
    // (No server.secret: the harness configures the secret, so none is generated.)
    for expected in ["spool.redb", "outbox.redb", "nps.sqlite", "nps.sqlite-wal"] {
        assert!(names.iter().any(|n| n == expected), "{expected} missing from {names:?}");
    }
    for path in &checked {
        let mode = std::fs::metadata(path)?.permissions().mode() & 0o777;
        assert_eq!(mode & 0o077, 0, "{} has mode {mode:o}", path.display());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 6. Sign-in and bootstrap only take JSON (no login CSRF from a cross-site form).

async fn post_text_plain(url: &str, body: &str) -> anyhow::Result<(StatusCode, Value)> {
    nps_e2e::reply(reqwest::Client::new().post(url).header("Content-Type", "text/plain").body(body.to_owned())).await
}

#[tokio::test]
async fn sign_in_and_bootstrap_refuse_text_plain_bodies() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let db = TestDatabase::sqlite(dir.path());
    let collector = Collector::start(CollectorOptions::new(dir.path().join("data"), db.url)).await?;
    let credentials = json!({ "email": OWNER_EMAIL, "password": OWNER_PASSWORD }).to_string();

    let (status, body) = post_text_plain(&format!("{}/api/admin/bootstrap", collector.url), &credentials).await?;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert_eq!(body["code"], "unsupported_media_type");
    // Nothing was created: the JSON bootstrap still finds no owner.
    let admin = Admin::bootstrap(&collector.url).await?;

    let (status, body) = post_text_plain(&format!("{}/api/admin/session", collector.url), &credentials).await?;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("application/json")), "{body}");

    // The widget's sendBeacon path (client API) still takes text/plain.
    let project = admin.create_project(&["*"]).await?;
    let survey = admin.create_live_survey(project.id, SurveyKind::Tnps).await?;
    let answer = json!({ "response_id": new_id(), "survey_id": survey.id, "user_id": "u1", "score": 7 }).to_string();
    let (status, body) = post_text_plain(&format!("{}/v1/p/{}/responses", collector.url, project.public_key), &answer).await?;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 7. A short server secret stops start-up; sessions need a user that exists.

#[tokio::test]
async fn a_short_server_secret_stops_start_up_naming_the_setting() -> anyhow::Result<()> {
    nps_e2e::collector::refuses_to_start(&[("NPS_AUTH__SERVER_SECRET", "8chars!!")], &["NPS_AUTH__SERVER_SECRET", "at least 32"]).await
}

#[tokio::test]
async fn a_deleted_users_session_stops_working_and_roles_come_from_the_database() -> anyhow::Result<()> {
    let world = World::start(SurveyKind::Tnps).await?;
    let base = &world.collector.url;
    let password = "a long enough password";
    world.admin.add_user("analyst@x.io", password, "analyst").await?;
    let token = session_token(base, "analyst@x.io", password).await?;
    let cookie_session = Admin::sign_in(base, "analyst@x.io", password).await?;
    assert_eq!(whoami(base, &token).await?.1["role"], "analyst");

    // A role change applies to the sessions already issued.
    sqlite_exec(&world.db.url, "UPDATE admin_users SET role = 'hr' WHERE email = $1", "analyst@x.io").await?;
    assert_eq!(whoami(base, &token).await?.1["role"], "hr");

    assert_eq!(sqlite_exec(&world.db.url, "DELETE FROM admin_users WHERE email = $1", "analyst@x.io").await?, 1);
    let (status, body) = whoami(base, &token).await?;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthorized")), "{body}");
    let by_cookie = cookie_session.http.get(format!("{base}/api/admin/projects")).send().await?.status();
    assert_eq!(by_cookie, StatusCode::UNAUTHORIZED);
    Ok(())
}

#[tokio::test]
async fn a_validly_signed_token_for_a_user_that_never_existed_is_refused() -> anyhow::Result<()> {
    let world = World::start(SurveyKind::Tnps).await?;
    let claims = json!({
        "sub": "9999", "email": "ghost@x.io", "role": "owner", "csrf": "x", "aud": "nps-admin",
        "exp": nps_e2e::now_secs() + 3600,
    });
    // The harness's server secret: as if it had leaked, or a user id had been reused.
    let token = nps_e2e::tokens::sign_as_server(&claims)?;
    let (status, body) = whoami(&world.collector.url, &token).await?;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    Ok(())
}

#[tokio::test]
async fn sign_out_revokes_the_session_at_once() -> anyhow::Result<()> {
    let world = World::start(SurveyKind::Tnps).await?;
    let base = &world.collector.url;
    let token = session_token(base, OWNER_EMAIL, OWNER_PASSWORD).await?;
    assert_eq!(whoami(base, &token).await?.0, StatusCode::OK);
    let signed_out = reqwest::Client::new().delete(format!("{base}/api/admin/session")).bearer_auth(&token).send().await?;
    assert_eq!(signed_out.status(), StatusCode::NO_CONTENT);
    let (status, body) = whoami(base, &token).await?;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the signed-out token still works: {body}");
    // Signing in again gives a working session.
    let fresh = session_token(base, OWNER_EMAIL, OWNER_PASSWORD).await?;
    assert_eq!(whoami(base, &fresh).await?.0, StatusCode::OK);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 8. A database outage does not flood the log.

#[tokio::test]
async fn stale_configuration_warnings_are_rate_limited_during_an_outage() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let db = TestDatabase::postgres().await?;
    let (proxy, proxied) = nps_e2e::proxy::Proxy::to_postgres(&db).await?;
    let collector = Collector::start(CollectorOptions::new(dir.path().join("data"), proxied)).await?;
    let admin = Admin::bootstrap(&collector.url).await?;
    let project = admin.create_project(&["*"]).await?;
    let survey = admin.create_live_survey(project.id, SurveyKind::Tnps).await?;
    let base = format!("{}/v1/p/{}", collector.url, project.public_key);
    let answer = |i: usize| json!({ "response_id": new_id(), "survey_id": survey.id, "user_id": format!("u{}", i % 100), "score": i % 11 });
    assert_eq!(post_json(&format!("{base}/responses"), &answer(0)).await?.0, StatusCode::ACCEPTED);
    proxy.down();

    // Once the cached configuration is stale (its 5 s freshness ends), each write serves it.
    const WARNING: &str = "serving a stale project configuration";
    let stale = wait_for(Duration::from_secs(60), || async {
        post_json(&format!("{base}/responses"), &answer(1)).await.ok()?;
        collector.log().contains(WARNING).then_some(())
    });
    assert!(stale.await.is_some(), "the configuration never went stale");
    let http = reqwest::Client::new();
    let statuses: Vec<StatusCode> = futures::stream::iter(0..2_000)
        .map(|i| {
            let request = http.post(format!("{base}/responses")).json(&answer(i));
            async move { request.send().await.map(|r| r.status()).unwrap_or(StatusCode::IM_A_TEAPOT) }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    assert!(statuses.iter().all(|s| *s == StatusCode::ACCEPTED), "writes are still acknowledged into the spool");
    let warnings = collector.log().matches(WARNING).count();
    eprintln!("{warnings} stale-configuration warnings");
    assert!(warnings <= 3, "{warnings} stale-configuration warnings for 2,000 requests");
    proxy.restore();
    Ok(())
}
