//! The authoritative decision over real HTTP: one display per cooldown even under concurrency
//! (and across two collectors on one PostgreSQL), explanations that match the decisions
//! taken, exclusion counts, and response caps at ingest.

use futures::future::join_all;
use nps_core::eligibility::{ResponseCaps, SurveyRules};
use nps_core::wire::{SurveyInput, SurveyKind};
use nps_e2e::collector::two_on_postgres;
use nps_e2e::{Admin, Backend, Collector, Installation, live_survey, new_id, now_ms, on_both_backends, post_json, wait_drained};
use serde_json::{Value, json};
use std::time::Duration;

const DAY_MS: i64 = 86_400_000;

struct World {
    admin: Admin,
    key: String,
    survey_id: i64,
}

async fn world(collector: &Collector, rules: SurveyRules) -> anyhow::Result<World> {
    let admin = Admin::bootstrap(&collector.url).await?;
    let project = admin.create_project(&["*"]).await?;
    let survey = admin.create_survey(project.id, &SurveyInput { rules, ..live_survey("tnps", SurveyKind::Tnps) }).await?;
    Ok(World { admin, key: project.public_key, survey_id: survey.id })
}

/// A user the host app created 60 days ago (past the 30-day first-survey delay).
async fn identify(base: &str, key: &str, user: &str) -> anyhow::Result<()> {
    let body = json!({ "user_id": user, "created_at": now_ms() - 60 * DAY_MS, "attributes": { "plan": "pro" } });
    let (status, _) = post_json(&format!("{base}/v1/p/{key}/identify"), &body).await?;
    anyhow::ensure!(status == 200, "identify failed: {status}");
    Ok(())
}

async fn decide(base: &str, key: &str, survey_id: i64, user: &str) -> anyhow::Result<Value> {
    let body = json!({ "survey_id": survey_id, "user_id": user, "display_id": new_id(), "trigger": "event:ticket_resolved" });
    let (status, body) = post_json(&format!("{base}/v1/p/{key}/decide"), &body).await?;
    anyhow::ensure!(status == 200, "decide failed: {status} {body}");
    Ok(body)
}

fn granted(decisions: &[anyhow::Result<Value>]) -> usize {
    decisions.iter().filter(|d| d.as_ref().is_ok_and(|d| d["eligible"] == json!(true))).count()
}

/// The rows of the survey's exclusions report: one per rule, with its decisions and users.
async fn exclusion_rules(admin: &Admin, survey_id: i64) -> anyhow::Result<Vec<Value>> {
    let exclusions: Value = admin.get(&format!("/api/admin/reports/exclusions?survey_id={survey_id}")).await?;
    Ok(exclusions["rules"].as_array().cloned().unwrap_or_default())
}

async fn fixture(backend: Backend) -> anyhow::Result<Installation> {
    Installation::start(backend).await
}

async fn fifty_simultaneous_decisions_grant_one_display(installation: Installation) -> anyhow::Result<()> {
    let (backend, collector) = (installation.db.backend, &installation.collector);
    let w = world(collector, SurveyRules::default()).await?;
    identify(&collector.url, &w.key, "alice").await?;
    wait_drained(&collector.url).await?;

    let decisions = join_all((0..50).map(|_| decide(&collector.url, &w.key, w.survey_id, "alice"))).await;
    assert!(decisions.iter().all(Result::is_ok), "{:?}", decisions.iter().find(|d| d.is_err()));
    assert_eq!(granted(&decisions), 1);
    for d in decisions.iter().flatten().filter(|d| d["eligible"] == json!(false)) {
        assert_eq!(d["rule"], "global_cooldown", "{d}");
        assert!(d["retry_after"].as_i64().is_some_and(|t| t > now_ms() + 13 * DAY_MS));
    }

    // The report of exclusions shows the same story. A collector deciding from memory logs
    // through the spool; one deciding in SQL logs in the transaction that claims the display,
    // so its log is complete when the answers are, with no drain to wait for.
    if backend == Backend::Sqlite {
        wait_drained(&collector.url).await?;
    }
    let rules = exclusion_rules(&w.admin, w.survey_id).await?;
    let count = |rule: &str, field: &str| rules.iter().find(|r| r["rule"] == rule).and_then(|r| r[field].as_u64());
    assert_eq!(count("eligible", "decisions"), Some(1));
    assert_eq!(count("global_cooldown", "decisions"), Some(49));
    assert_eq!(count("global_cooldown", "users"), Some(1));
    Ok(())
}

on_both_backends!(fifty_simultaneous_decisions_grant_one_display);

/// A decision sent again with the display id it proposed before (a client retrying after a lost
/// reply, or several tabs replaying one request at once) is answered, and the log keeps one
/// entry per display id: the key is taken, and every path that writes the log skips it.
async fn a_replayed_decision_is_answered_and_logged_once(installation: Installation) -> anyhow::Result<()> {
    let collector = &installation.collector;
    let w = world(collector, SurveyRules::default()).await?;
    for user in ["alice", "carol"] {
        identify(&collector.url, &w.key, user).await?;
    }
    wait_drained(&collector.url).await?;
    let url = format!("{}/v1/p/{}/decide", collector.url, w.key);
    let body = |user: &str, display_id: &str| json!({ "survey_id": w.survey_id, "user_id": user, "display_id": display_id });

    let alice = body("alice", &new_id());
    let (status, first) = post_json(&url, &alice).await?;
    assert!(status == 200 && first["eligible"] == json!(true), "{status} {first}");
    let (status, again) = post_json(&url, &alice).await?;
    assert!(status == 200 && again["rule"] == "global_cooldown", "{status} {again}");

    let carol = body("carol", &new_id());
    let replays = join_all((0..10).map(|_| post_json(&url, &carol))).await;
    let statuses: Vec<u16> = replays.iter().map(|r| r.as_ref().map_or(0, |(status, _)| status.as_u16())).collect();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let carol_granted = replays.iter().flatten().filter(|(_, d)| d["eligible"] == json!(true)).count();
    assert_eq!(carol_granted, 1);

    wait_drained(&collector.url).await?;
    let rules = exclusion_rules(&w.admin, w.survey_id).await?;
    let logged: u64 = rules.iter().filter_map(|r| r["decisions"].as_u64()).sum();
    assert_eq!(logged, 2, "one entry per display id: {rules:?}");
    Ok(())
}

on_both_backends!(a_replayed_decision_is_answered_and_logged_once);

#[tokio::test]
async fn two_collectors_on_one_postgres_grant_one_display_between_them() -> anyhow::Result<()> {
    let (_dir, a, b) = two_on_postgres().await?;
    let w = world(&a, SurveyRules::default()).await?;
    identify(&a.url, &w.key, "bob").await?;
    wait_drained(&a.url).await?;
    let decisions = join_all((0..50).map(|i| {
        let base = if i % 2 == 0 { a.url.clone() } else { b.url.clone() };
        let key = w.key.clone();
        async move { decide(&base, &key, w.survey_id, "bob").await }
    }))
    .await;
    assert!(decisions.iter().all(Result::is_ok));
    assert_eq!(granted(&decisions), 1);
    Ok(())
}

/// Decisions taken together in one batch (many users, several requests each, two collectors):
/// each user still gets exactly one display, and a user the rules exclude (opted out) none,
/// whatever batch the requests share.
#[tokio::test]
async fn many_users_decided_in_shared_batches_get_one_display_each() -> anyhow::Result<()> {
    let (_dir, a, b) = two_on_postgres().await?;
    let w = world(&a, SurveyRules::default()).await?;
    let users: Vec<String> = (0..24).map(|i| format!("user-{i}")).collect();
    for user in &users {
        identify(&a.url, &w.key, user).await?;
    }
    let (status, _) = post_json(&format!("{}/v1/p/{}/feedback", a.url, w.key), &json!({ "action_id": new_id(), "user_id": "user-0", "kind": "opt_out" })).await?;
    assert_eq!(status, 202);
    wait_drained(&a.url).await?;

    let requests = users.iter().flat_map(|user| (0..6).map(move |i| (user.clone(), i)));
    let decisions = join_all(requests.map(|(user, i)| {
        let base = if i % 2 == 0 { a.url.clone() } else { b.url.clone() };
        let key = w.key.clone();
        async move { (user.clone(), decide(&base, &key, w.survey_id, &user).await) }
    }))
    .await;
    for user in &users {
        let mine: Vec<_> = decisions.iter().filter(|(u, _)| u == user).map(|(_, d)| d.as_ref().cloned().map_err(|e| anyhow::anyhow!("{e}"))).collect();
        assert!(mine.iter().all(Result::is_ok), "{user}: {:?}", mine.iter().find(|d| d.is_err()));
        let expected = if user == "user-0" { 0 } else { 1 };
        assert_eq!(granted(&mine), expected, "{user}: {mine:?}");
    }
    for (_, decision) in decisions.iter().filter(|(u, _)| u == "user-0") {
        let decision = decision.as_ref().map_err(|e| anyhow::anyhow!("{e}"))?;
        assert_eq!(decision["rule"], "opted_out", "{decision}");
    }
    Ok(())
}

#[tokio::test]
async fn explanations_match_the_decisions_taken() -> anyhow::Result<()> {
    let Installation { dir: _dir, collector, .. } = Installation::start(Backend::Sqlite).await?;
    let w = world(&collector, SurveyRules::default()).await?;
    let (base, key) = (collector.url.clone(), w.key.clone());

    // A brand-new user is inside the first-survey delay.
    let (status, _) = post_json(&format!("{base}/v1/p/{key}/identify"), &json!({ "user_id": "newbie" })).await?;
    assert_eq!(status, 200);
    identify(&base, &key, "carol").await?;
    wait_drained(&base).await?;
    let mut taken = vec![("newbie", decide(&base, &key, w.survey_id, "newbie").await?)];
    taken.push(("carol", decide(&base, &key, w.survey_id, "carol").await?));
    tokio::time::sleep(Duration::from_millis(5)).await;
    taken.push(("carol", decide(&base, &key, w.survey_id, "carol").await?));
    let opt_out = json!({ "action_id": new_id(), "user_id": "carol", "kind": "opt_out" });
    assert_eq!(post_json(&format!("{base}/v1/p/{key}/feedback"), &opt_out).await?.0, 202);
    wait_drained(&base).await?;
    tokio::time::sleep(Duration::from_millis(5)).await;
    taken.push(("carol", decide(&base, &key, w.survey_id, "carol").await?));
    let rules: Vec<&str> = taken.iter().map(|(_, d)| d["rule"].as_str().unwrap_or("")).collect();
    assert_eq!(rules, ["first_survey_delay", "eligible", "global_cooldown", "opted_out"]);

    // Each logged decision is explained by the same rule, at the moment it was taken.
    wait_drained(&base).await?;
    for (user, _) in &taken {
        let url = format!("/api/admin/explain?survey_id={}&user_id={user}", w.survey_id);
        let now: Value = w.admin.get(&url).await?;
        let logged = &now["logged"];
        let at = logged["at"].as_i64().expect("a logged decision");
        let then: Value = w.admin.get(&format!("{url}&at={at}")).await?;
        assert_eq!(then["decision"]["rule"], logged["rule"], "{user} at {at}: {then}");
        assert_eq!(then["logged"]["rule"], logged["rule"]);
    }
    // Several rules can block at once; all are listed, first one first.
    let carol: Value = w.admin.get(&format!("/api/admin/explain?survey_id={}&user_id=carol", w.survey_id)).await?;
    let blocking: Vec<&str> = carol["blocking"].as_array().into_iter().flatten().filter_map(|d| d["rule"].as_str()).collect();
    assert_eq!(blocking.first(), Some(&"opted_out"));
    assert!(blocking.contains(&"global_cooldown"), "{blocking:?}");

    // Through an employee survey, HR read carol's history and profile (stop 32's review).
    let project_id = w.admin.get::<Value>(&format!("/api/admin/surveys/{}", w.survey_id)).await?["project_id"].as_i64().unwrap_or_default();
    let enps = w.admin.create_live_survey(project_id, SurveyKind::Enps).await?;
    let hr = w.admin.add_signed_in_user("hr@x.io", "hr").await?;
    for path in [format!("/api/admin/explain?survey_id={}&user_id=carol", enps.id), format!("/api/admin/reports/exclusions?survey_id={}", enps.id)] {
        let (status, body) = hr.try_get(&path).await?;
        assert_eq!((status.as_u16(), body["code"].as_str()), (409, Some("survey_not_in_app")), "{path}: {body}");
        assert!(!body.to_string().contains("opted"), "{body}");
    }
    Ok(())
}

#[tokio::test]
async fn answers_beyond_the_response_cap_are_refused() -> anyhow::Result<()> {
    let Installation { dir: _dir, collector, .. } = Installation::start(Backend::Sqlite).await?;
    let rules = SurveyRules { response_caps: ResponseCaps { per_day: None, total: Some(2) }, ..Default::default() };
    let w = world(&collector, rules).await?;
    let url = format!("{}/v1/p/{}/responses", collector.url, w.key);
    let answer = |user: &str| json!({ "response_id": new_id(), "survey_id": w.survey_id, "user_id": user, "score": 9 });
    assert_eq!(post_json(&url, &answer("u1")).await?.0, 202);
    assert_eq!(post_json(&url, &answer("u2")).await?.0, 202);
    wait_drained(&collector.url).await?;
    let (status, body) = post_json(&url, &answer("u3")).await?;
    assert_eq!((status.as_u16(), body["code"].as_str()), (409, Some("survey_closed")), "{body}");
    // And nobody else is asked.
    identify(&collector.url, &w.key, "dave").await?;
    wait_drained(&collector.url).await?;
    let decision = decide(&collector.url, &w.key, w.survey_id, "dave").await?;
    assert_eq!(decision["rule"], "response_cap_total");
    Ok(())
}

#[tokio::test]
async fn a_decision_right_after_identify_sees_the_user() -> anyhow::Result<()> {
    let Installation { dir: _dir, collector, .. } = Installation::start(Backend::Sqlite).await?;
    let w = world(&collector, SurveyRules::default()).await?;
    // The widget identifies and asks at once; the identify is still in the spool.
    for i in 0..20 {
        let user = format!("fresh-{i}");
        identify(&collector.url, &w.key, &user).await?;
        let decision = decide(&collector.url, &w.key, w.survey_id, &user).await?;
        assert_eq!(decision["rule"], "eligible", "{user}: {decision}");
    }
    Ok(())
}

/// On SQLite the collector keeps every user's eligibility facts in memory: deciding needs no
/// SQL at all, and a display it grants is durable in the spool before the answer. Proven here
/// with SQLite's write lock held by another connection (nothing can drain), then a kill -9:
/// after the restart the claim is still known, from the spool.
#[tokio::test]
async fn a_display_claimed_in_memory_survives_a_crash_before_it_reaches_sqlite() -> anyhow::Result<()> {
    use sqlx::Connection;
    let Installation { dir: _dir, db, collector, .. } = Installation::start(Backend::Sqlite).await?;
    let w = world(&collector, SurveyRules::default()).await?;
    identify(&collector.url, &w.key, "alice").await?;
    identify(&collector.url, &w.key, "bob").await?;
    wait_drained(&collector.url).await?;

    let mut blocker = sqlx::SqliteConnection::connect(&db.url).await?;
    sqlx::query("BEGIN IMMEDIATE").execute(&mut blocker).await?;
    let first = decide(&collector.url, &w.key, w.survey_id, "alice").await?;
    assert_eq!(first["eligible"], json!(true), "{first}");
    let second = decide(&collector.url, &w.key, w.survey_id, "alice").await?;
    assert_eq!(second["rule"], "global_cooldown", "the claim is known at once: {second}");
    let mut collector = collector;
    collector.kill9().await?;
    sqlx::query("ROLLBACK").execute(&mut blocker).await?;
    blocker.close().await?;

    let collector = collector.restart().await?;
    let after = decide(&collector.url, &w.key, w.survey_id, "alice").await?;
    assert_eq!(after["eligible"], json!(false), "the claim survived the crash: {after}");
    assert_eq!(after["rule"], "global_cooldown", "{after}");
    let other = decide(&collector.url, &w.key, w.survey_id, "bob").await?;
    assert_eq!(other["eligible"], json!(true), "another user is unaffected: {other}");

    // Everything reaches SQL once it can: the explanation agrees with the decisions taken.
    wait_drained(&collector.url).await?;
    let admin = Admin::bootstrap(&collector.url).await?;
    let rules = exclusion_rules(&admin, w.survey_id).await?;
    let count = |rule: &str| rules.iter().find(|r| r["rule"] == rule).and_then(|r| r["decisions"].as_u64());
    assert_eq!(count("eligible"), Some(2));
    assert_eq!(count("global_cooldown"), Some(2));
    Ok(())
}

/// A SQLite collector rebuilds every user's facts from SQL when it starts (in chunks, into
/// compact records): after a restart each decision is the one the identified facts call for.
/// Ids of every stored form (short, a uuid kept as 16 bytes, long, escaped in JSON), attributes
/// of several types, the account and role, the language, fields kept by a later identify that
/// omitted them, an opt-out and a claimed display all come back.
#[tokio::test]
async fn facts_loaded_at_start_up_decide_as_before_the_restart() -> anyhow::Result<()> {
    let Installation { dir: _dir, mut collector, .. } = Installation::start(Backend::Sqlite).await?;
    let rules: SurveyRules = serde_json::from_value(json!({ "targeting": {
        "conditions": [
            { "attribute": "plan", "op": "equals", "value": "pro" },
            { "attribute": "seats", "op": "gt", "value": 10 },
            { "source": "account", "attribute": "tier", "op": "equals", "value": "gold" }
        ],
        "roles": ["admin"],
        "languages": ["de"]
    } }))?;
    let w = world(&collector, rules).await?;
    let base = format!("{}/v1/p/{}", collector.url, w.key);
    let identify_as = |user: &str, plan: &str, role: &str| {
        json!({ "user_id": user, "created_at": now_ms() - 60 * DAY_MS, "language": "de",
                "attributes": { "plan": plan, "seats": 12, "beta": true, "tags": ["a", 1] },
                "account": { "id": "acme", "role": role, "attributes": { "tier": "gold" } } })
    };
    let uuid = new_id();
    let long = format!("a-user-id-longer-than-the-inline-{}", "x".repeat(40));
    let eligible = ["short", uuid.as_str(), long.as_str(), "o\"brien\\", "kept", "shown"];
    for user in eligible {
        assert_eq!(post_json(&format!("{base}/identify"), &identify_as(user, "pro", "admin")).await?.0, 200);
    }
    // A later identify without language or account keeps them, as SQL does.
    let (status, _) = post_json(&format!("{base}/identify"), &json!({ "user_id": "kept", "attributes": { "plan": "pro", "seats": 30 } })).await?;
    assert_eq!(status, 200);
    for (user, plan, role) in [("free", "free", "admin"), ("member", "pro", "end_user"), ("opted", "pro", "admin")] {
        assert_eq!(post_json(&format!("{base}/identify"), &identify_as(user, plan, role)).await?.0, 200);
    }
    let opt_out = json!({ "action_id": new_id(), "user_id": "opted", "kind": "opt_out" });
    assert_eq!(post_json(&format!("{base}/feedback"), &opt_out).await?.0, 202);
    assert_eq!(decide(&collector.url, &w.key, w.survey_id, "shown").await?["eligible"], json!(true));
    wait_drained(&collector.url).await?;
    collector.terminate().await?;

    let collector = collector.restart().await?;
    for user in eligible.into_iter().filter(|u| *u != "shown") {
        let decision = decide(&collector.url, &w.key, w.survey_id, user).await?;
        assert_eq!(decision["eligible"], json!(true), "{user} after the restart: {decision}");
    }
    for (user, rule) in [("free", "targeting"), ("member", "targeting"), ("opted", "opted_out"), ("shown", "global_cooldown"), ("stranger", "targeting")] {
        let decision = decide(&collector.url, &w.key, w.survey_id, user).await?;
        assert_eq!(decision["rule"], rule, "{user} after the restart: {decision}");
    }
    Ok(())
}
