//! Alerts and integrations end to end: signed webhooks to a real local HTTP receiver that fails
//! the first attempts (retried with growing back-off, signatures verified by the receiver, each
//! event accepted exactly once, the outbox surviving a collector restart), the Slack format,
//! e-mail alerts to the follow-up owner through a real SMTP server that goes down and comes
//! back, and bad input to the webhook admin API.

use nps_collector::outbox::signature;
use nps_core::wire::SurveyKind;
use nps_e2e::{Admin, Backend, Collector, SmtpSink, World, live_survey, new_id, on_both_backends, wait_drained, wait_for};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[path = "webhooks/receiver.rs"]
mod receiver;

use receiver::Receiver;

struct Setup {
    _dir: tempfile::TempDir,
    collector: Collector,
    admin: Admin,
    project_id: i64,
    survey_id: i64,
    survey_name: String,
    client_base: String,
    db_url: String,
}

async fn setup(backend: Backend, env: &[(&str, &str)]) -> anyhow::Result<Setup> {
    let outbox = [
        ("NPS_OUTBOX__RETRY_BASE_MS", "300"),
        ("NPS_OUTBOX__MAX_ATTEMPTS", "10"),
        // The receivers here listen on 127.0.0.1, which webhooks may not reach by default
        // (tests/tests/outbound.rs proves that): open exactly that address.
        ("NPS_OUTBOX__ALLOWED_NETWORKS", "127.0.0.1/32"),
    ];
    let world = World::start_with(backend, SurveyKind::Tnps, &[outbox.as_slice(), env].concat()).await?;
    let client_base = world.client_base();
    let World { dir, db, collector, admin, project, survey } = world;
    Ok(Setup { _dir: dir, collector, admin, project_id: project.id, survey_id: survey.id, survey_name: survey.name, client_base, db_url: db.url })
}

async fn fixture(backend: Backend) -> anyhow::Result<Setup> {
    setup(backend, &[]).await
}

async fn answer(base: &str, survey_id: i64, user: &str, score: i64, comment: Option<&str>) -> anyhow::Result<String> {
    let http = reqwest::Client::new();
    let id = new_id();
    let body = json!({ "response_id": id, "survey_id": survey_id, "user_id": user, "score": score });
    let status = http.post(format!("{base}/responses")).json(&body).send().await?.status();
    anyhow::ensure!(status.as_u16() == 202, "answer refused: {status}");
    if let Some(comment) = comment {
        let body = json!({ "survey_id": survey_id, "user_id": user, "comment": comment });
        let status = http.post(format!("{base}/responses/{id}/complete")).json(&body).send().await?.status();
        anyhow::ensure!(status.as_u16() == 202, "completion refused: {status}");
    }
    Ok(id)
}

async fn create_webhook(admin: &Admin, project_id: i64, body: Value) -> anyhow::Result<Value> {
    admin.post(&format!("/api/admin/projects/{project_id}/webhooks"), &body).await
}

/// Attempts the receiver fails (500) before it accepts an event.
const FAIL_FIRST: usize = 4;

/// The webhook-id the collector uses for an event of an answer at an endpoint.
fn expected_id(endpoint: i64, response_id: &str, event: &str) -> String {
    signature::webhook_id(&format!("wh:{endpoint}:{response_id}:{event}"))
}

async fn webhooks_are_retried_signed_and_delivered_once_across_a_restart(s: Setup) -> anyhow::Result<()> {
    let Setup { _dir, mut collector, admin, project_id, survey_id, survey_name, client_base, .. } = s;
    let receiver = Receiver::start(FAIL_FIRST).await?;
    let hook = create_webhook(
        &admin,
        project_id,
        json!({ "url": receiver.url, "events": ["response.created", "response.completed"], "description": "CRM" }),
    )
    .await?;
    let secret = hook["secret"].as_str().unwrap_or_default().to_owned();
    assert!(secret.starts_with("whsec_"), "{hook}");
    receiver.set_secret(&secret);
    let endpoint = hook["id"].as_i64().unwrap_or_default();

    let detractor = answer(&client_base, survey_id, "u1", 2, Some("Export keeps failing")).await?;
    let passive = answer(&client_base, survey_id, "u2", 8, None).await?;
    let promoter = answer(&client_base, survey_id, "u3", 10, None).await?;
    let expected: BTreeMap<String, (&str, &str)> = [
        (expected_id(endpoint, &detractor, "response.created"), (detractor.as_str(), "response.created")),
        (expected_id(endpoint, &detractor, "response.completed"), (detractor.as_str(), "response.completed")),
        (expected_id(endpoint, &passive, "response.created"), (passive.as_str(), "response.created")),
        (expected_id(endpoint, &promoter, "response.created"), (promoter.as_str(), "response.created")),
    ]
    .into();

    // Every event has failed three times: stop the collector while they wait for a retry.
    let failing = wait_for(Duration::from_secs(30), || async {
        let counts = receiver.snapshot(|s| expected.keys().map(|id| s.attempts.iter().filter(|a| &a.id == id).count()).collect::<Vec<_>>());
        counts.iter().all(|c| *c >= 3).then_some(())
    })
    .await;
    assert!(failing.is_some(), "events were not attempted: {:?}", receiver.snapshot(|s| s.attempts.clone()));
    let status = collector.terminate().await?;
    assert!(status.success(), "graceful exit, got {status}");
    let restarted_at = Instant::now();
    assert!(receiver.snapshot(|s| s.accepted.is_empty()), "nothing can have been accepted yet");
    let collector = collector.restart().await?;

    let all_in = wait_for(Duration::from_secs(60), || async {
        (receiver.snapshot(|s| s.accepted.len()) == expected.len()).then_some(())
    })
    .await;
    assert!(all_in.is_some(), "not every event arrived: {:?}", receiver.snapshot(|s| s.attempts.clone()));
    // Give a wrongly repeated delivery the time to show up.
    tokio::time::sleep(Duration::from_secs(3)).await;

    let (attempts, accepted, duplicates, bad) =
        receiver.snapshot(|s| (s.attempts.clone(), s.accepted.clone(), s.duplicates, s.bad_signatures));
    assert_eq!(bad, 0, "every attempt is signed correctly");
    assert_eq!(duplicates, 0, "no event is delivered again after the receiver accepted it");
    assert_eq!(accepted.keys().cloned().collect::<BTreeSet<_>>(), expected.keys().cloned().collect::<BTreeSet<_>>());
    for (id, (response_id, event)) in &expected {
        let body = &accepted[id];
        assert_eq!(body["type"], *event, "{body}");
        assert_eq!(body["data"]["response_id"], *response_id, "{body}");
        assert_eq!(body["data"]["survey_name"], survey_name.as_str(), "{body}");
        let mine: Vec<&receiver::Attempt> = attempts.iter().filter(|a| &a.id == id).collect();
        assert_eq!(mine.len(), FAIL_FIRST + 1, "{FAIL_FIRST} failures then one success for {id}");
        assert!(mine[..FAIL_FIRST].iter().all(|a| a.status == 500) && mine[FAIL_FIRST].status == 200);
        // Back-off grows within each run (the gap across the restart depends on start-up time).
        let gaps = |run: Vec<&&receiver::Attempt>| run.windows(2).map(|w| w[1].at - w[0].at).collect::<Vec<Duration>>();
        let before = gaps(mine.iter().filter(|a| a.at < restarted_at).collect());
        let after = gaps(mine.iter().filter(|a| a.at >= restarted_at).collect());
        assert!(before.len() >= 2, "three attempts before the restart: {before:?}");
        assert!(before[0] >= Duration::from_millis(200), "the first retry came too early: {before:?}");
        for run in [&before, &after] {
            for pair in run.windows(2) {
                assert!(pair[1] > pair[0].mul_f64(1.3), "back-off does not grow for {id}: {before:?} / {after:?}");
            }
        }
    }
    assert_eq!(accepted[&expected_id(endpoint, &detractor, "response.completed")]["data"]["comment"], "Export keeps failing");
    assert_eq!(accepted[&expected_id(endpoint, &detractor, "response.created")]["data"]["band"], "detractor");

    delivery_log_numbers_attempts_across_the_restart(&collector.url, project_id, endpoint, &expected, &receiver.url).await
}

/// The delivery log shows every attempt, numbered across the restart, and the metrics count
/// the deliveries.
async fn delivery_log_numbers_attempts_across_the_restart(
    collector_url: &str,
    project_id: i64,
    endpoint: i64,
    expected: &BTreeMap<String, (&str, &str)>,
    receiver_url: &str,
) -> anyhow::Result<()> {
    let admin = Admin::bootstrap(collector_url).await?;
    let log: Vec<Value> = admin.get(&format!("/api/admin/deliveries?project_id={project_id}&channel=webhook&limit=1000")).await?;
    for (id, (response_id, event)) in expected {
        let outbox_id = format!("wh:{endpoint}:{response_id}:{event}");
        let mut rows: Vec<&Value> = log.iter().filter(|r| r["message_id"] == outbox_id.as_str()).collect();
        rows.sort_by_key(|r| r["attempt"].as_i64());
        let numbers: Vec<i64> = rows.iter().filter_map(|r| r["attempt"].as_i64()).collect();
        assert_eq!(numbers, (1..=(FAIL_FIRST as i64 + 1)).collect::<Vec<_>>(), "attempts of {id}");
        let statuses: Vec<&str> = rows.iter().filter_map(|r| r["status"].as_str()).collect();
        assert_eq!(statuses.last(), Some(&"delivered"));
        assert!(statuses[..FAIL_FIRST].iter().all(|s| *s == "retrying"), "{statuses:?}");
        assert_eq!(rows[0]["status_code"], 500);
        assert_eq!(rows[0]["target"], receiver_url);
    }
    let metrics = reqwest::get(format!("{collector_url}/metrics")).await?.text().await?;
    assert!(metrics.contains("nps_outbox_pending 0"), "{metrics}");
    assert!(metrics.contains("nps_outbox_attempts_total{channel=\"webhook\",status=\"delivered\"} 4"), "{metrics}");
    Ok(())
}

on_both_backends!(webhooks_are_retried_signed_and_delivered_once_across_a_restart);

#[tokio::test]
async fn slack_format_with_a_detractor_band_rule_and_a_test_event() -> anyhow::Result<()> {
    let Setup { _dir, collector, admin, project_id, survey_id, survey_name, client_base, .. } = setup(Backend::Sqlite, &[]).await?;
    let receiver = Receiver::start(0).await?;
    let hook = create_webhook(
        &admin,
        project_id,
        json!({ "url": receiver.url, "events": ["response.completed"], "bands": ["detractor"], "format": "slack" }),
    )
    .await?;
    receiver.set_secret(hook["secret"].as_str().unwrap_or_default());
    let endpoint = hook["id"].as_i64().unwrap_or_default();

    let detractor = answer(&client_base, survey_id, "u1", 3, Some("Checkout is slow & <buggy>")).await?;
    answer(&client_base, survey_id, "u2", 10, Some("Love it")).await?;
    answer(&client_base, survey_id, "u3", 1, None).await?;
    wait_drained(&collector.url).await?;
    let arrived = wait_for(Duration::from_secs(20), || async { (receiver.snapshot(|s| s.accepted.len()) >= 1).then_some(()) }).await;
    assert!(arrived.is_some(), "no Slack message arrived");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let accepted = receiver.snapshot(|s| s.accepted.clone());
    assert_eq!(accepted.len(), 1, "only the completed detractor answer matches the rule: {accepted:?}");
    assert_eq!(receiver.snapshot(|s| s.duplicates), 0, "delivered once");
    let message = &accepted[&expected_id(endpoint, &detractor, "response.completed")];
    assert_eq!(message["text"], format!("Detractor (3/10) on {survey_name}"));
    let blocks = message["blocks"].to_string();
    for part in ["*Score*\\n3/10", "*Band*\\nDetractor", &format!("*Survey*\\n{survey_name}"), "> Checkout is slow &amp; &lt;buggy&gt;"] {
        assert!(blocks.contains(part), "{part} missing from {blocks}");
    }

    // "Send test event": a signed webhook.test in the endpoint's format.
    let sent: Value = admin.post(&format!("/api/admin/webhooks/{endpoint}/test"), &json!({})).await?;
    let test_id = signature::webhook_id(sent["message_id"].as_str().unwrap_or_default());
    let tested = wait_for(Duration::from_secs(20), || async { receiver.snapshot(|s| s.accepted.get(&test_id).cloned()) }).await;
    let tested = tested.ok_or_else(|| anyhow::anyhow!("the test event did not arrive"))?;
    assert!(tested["text"].as_str().unwrap_or_default().contains("Test event"), "{tested}");
    assert_eq!(receiver.snapshot(|s| s.bad_signatures), 0);
    Ok(())
}

#[tokio::test]
async fn alert_emails_reach_the_owner_and_wait_while_smtp_is_down() -> anyhow::Result<()> {
    let sink = SmtpSink::start(0).await;
    let port = sink.port();
    let port_setting = port.to_string();
    let env = [("NPS_SMTP__HOST", "127.0.0.1"), ("NPS_SMTP__PORT", port_setting.as_str()), ("NPS_SMTP__FROM", "NPS <nps@example.com>")];
    let Setup { _dir, collector: _collector, admin, project_id, survey_id, survey_name, client_base, .. } = setup(Backend::Sqlite, &env).await?;
    admin.put(&format!("/api/admin/projects/{project_id}/followup-policy"), &json!({ "bands": ["detractor"], "team": ["ann@x.io", "bob@x.io"] })).await?;
    admin
        .put(
            &format!("/api/admin/projects/{project_id}/alert-policy"),
            &json!({ "enabled": true, "bands": ["detractor"], "notify_owner": true, "recipients": ["lead@x.io"] }),
        )
        .await?;

    // SMTP up: the first detractor's owner (round robin: ann) and the lead get an alert.
    let first = answer(&client_base, survey_id, "d1", 2, Some("Too slow")).await?;
    answer(&client_base, survey_id, "p1", 10, None).await?;
    let arrived = wait_for(Duration::from_secs(20), || async { (sink.messages().len() >= 2).then_some(()) }).await;
    assert!(arrived.is_some(), "alerts did not arrive: {:?}", sink.messages());
    let mut first_batch = sink.messages();
    first_batch.sort_by(|a, b| a.to.cmp(&b.to));
    let recipients: Vec<Vec<String>> = first_batch.iter().map(|m| m.to.clone()).collect();
    assert_eq!(recipients, vec![vec!["ann@x.io".to_owned()], vec!["lead@x.io".to_owned()]]);
    let subject = first_batch[0].header("subject").unwrap_or_default();
    assert!(subject.contains("Detractor (2/10)") && subject.contains(&survey_name), "{subject}");
    assert!(first_batch[0].data.contains(&first), "the alert names the response");
    assert_eq!(first_batch[0].from, "nps@example.com");

    // SMTP down: alerts wait in the outbox and are retried.
    sink.stop().await;
    let second = answer(&client_base, survey_id, "d2", 4, None).await?;
    // Distinct arrival times, so the round robin order is d2 then d3.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let third = answer(&client_base, survey_id, "d3", 0, None).await?;
    let retried = wait_for(Duration::from_secs(30), || async {
        let log: Vec<Value> = admin.get(&format!("/api/admin/deliveries?project_id={project_id}&channel=email&status=retrying")).await.ok()?;
        let waiting: BTreeSet<&str> = log.iter().filter(|r| r["attempt"].as_i64() >= Some(2)).filter_map(|r| r["message_id"].as_str()).collect();
        (waiting.len() == 4).then_some(())
    })
    .await;
    assert!(retried.is_some(), "the four alerts were not retried while SMTP was down");

    // SMTP back on the same port: each waiting alert goes out exactly once.
    let back = SmtpSink::start(port).await;
    let delivered = wait_for(Duration::from_secs(30), || async { (back.messages().len() >= 4).then_some(()) }).await;
    assert!(delivered.is_some(), "waiting alerts were not delivered: {:?}", back.messages());
    tokio::time::sleep(Duration::from_secs(3)).await;
    let later = back.messages();
    assert_eq!(later.len(), 4, "exactly the four waiting alerts: {later:?}");
    let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
    for mail in &later {
        let response = [&second, &third].into_iter().find(|r| mail.data.contains(r.as_str())).cloned().unwrap_or_default();
        *seen.entry((response, mail.to.join(","))).or_default() += 1;
    }
    let expected: BTreeMap<(String, String), usize> = [
        ((second.clone(), "bob@x.io".to_owned()), 1),
        ((second.clone(), "lead@x.io".to_owned()), 1),
        ((third.clone(), "ann@x.io".to_owned()), 1),
        ((third.clone(), "lead@x.io".to_owned()), 1),
    ]
    .into();
    assert_eq!(seen, expected, "owner by round robin, the lead, once each");
    let ids: BTreeSet<String> = later.iter().chain(first_batch.iter()).filter_map(|m| m.header("message-id")).collect();
    assert_eq!(ids.len(), 6, "six distinct Message-IDs");
    Ok(())
}

/// A flood of detractor answers is not a flood of e-mails: an address gets its hourly allowance
/// of alerts, then one notice that they are paused, then nothing; every answer is still stored.
#[tokio::test]
async fn alerts_to_one_address_stop_at_its_hourly_allowance() -> anyhow::Result<()> {
    let sink = SmtpSink::start(0).await;
    let port = sink.port().to_string();
    let env = [
        ("NPS_SMTP__HOST", "127.0.0.1"),
        ("NPS_SMTP__PORT", port.as_str()),
        ("NPS_SMTP__FROM", "NPS <nps@example.com>"),
        ("NPS_OUTBOX__ALERT_EMAILS_PER_HOUR", "3"),
    ];
    let Setup { _dir, collector, admin, project_id, survey_id, client_base, .. } = setup(Backend::Sqlite, &env).await?;
    let policy = json!({ "enabled": true, "bands": ["detractor"], "notify_owner": false, "recipients": ["lead@x.io"] });
    admin.put(&format!("/api/admin/projects/{project_id}/alert-policy"), &policy).await?;
    for user in 0..8 {
        answer(&client_base, survey_id, &format!("d{user}"), 1, None).await?;
    }
    wait_drained(&collector.url).await?;
    let arrived = wait_for(Duration::from_secs(20), || async { (sink.messages().len() >= 4).then_some(()) }).await;
    assert!(arrived.is_some(), "the alerts and the notice did not arrive: {:?}", sink.messages());
    tokio::time::sleep(Duration::from_secs(2)).await;
    let subjects: Vec<String> = sink.messages().iter().map(|m| m.header("subject").unwrap_or_default()).collect();
    assert_eq!(subjects.len(), 4, "three alerts and one notice: {subjects:?}");
    assert_eq!(subjects.iter().filter(|s| s.starts_with("NPS alert: ")).count(), 3, "{subjects:?}");
    assert_eq!(subjects.iter().filter(|s| s.starts_with("NPS alerts paused")).count(), 1, "{subjects:?}");

    let stored: Vec<Value> = admin.get(&format!("/api/admin/responses?survey_id={survey_id}&limit=100")).await?;
    assert_eq!(stored.len(), 8, "every answer is stored");
    let metrics = reqwest::get(format!("{}/metrics", collector.url)).await?.text().await?;
    assert!(metrics.lines().any(|l| l == "nps_alert_emails_held_total 5"), "five alerts held: {metrics}");
    Ok(())
}

#[tokio::test]
async fn bad_input_to_the_webhook_api_gets_json_errors() -> anyhow::Result<()> {
    let Setup { _dir, collector, admin, project_id, .. } = setup(Backend::Sqlite, &[]).await?;
    let url = format!("{}/api/admin/projects/{project_id}/webhooks", collector.url);
    let cases = [
        (json!({ "url": "not a url", "events": ["response.created"] }), 422, "url"),
        (json!({ "url": "ftp://example.com/x", "events": ["response.created"] }), 422, "url"),
        (json!({ "url": "https://", "events": ["response.created"] }), 422, "url"),
        // A host that is no DNS name (the URL parser allows `*` and `_` in hosts).
        (json!({ "url": "https://hooks.example.com*", "events": ["response.created"] }), 422, "url"),
        (json!({ "url": "https://hooks_1.example.com/h", "events": ["response.created"] }), 422, "url"),
        (json!({ "url": "https://example.c0m/h", "events": ["response.created"] }), 422, "url"),
        (json!({ "url": "https://example.com/h", "events": ["response.deleted"] }), 422, "events"),
        (json!({ "url": "https://example.com/h", "events": [] }), 422, "events"),
        (json!({ "url": "https://example.com/h", "events": ["response.created"], "bands": ["angry"] }), 422, "bands"),
        (json!({ "url": "https://example.com/h", "events": ["response.created"], "format": "teams" }), 422, "format"),
        (json!({ "url": "https://example.com/h", "events": ["response.created"], "secret": "mine" }), 422, "secret"),
        (json!({ "events": ["response.created"] }), 422, "url"),
    ];
    for (body, status, mentions) in cases {
        let response = admin.http.post(&url).header("X-CSRF-Token", &admin.csrf).json(&body).send().await?;
        assert_eq!(response.status().as_u16(), status, "{body}");
        let error: Value = response.json().await?;
        assert_eq!(error["code"], "invalid_field", "{body}: {error}");
        assert!(error["message"].as_str().unwrap_or_default().contains(mentions), "{body}: {error}");
    }
    let unknown = admin
        .http
        .post(format!("{}/api/admin/projects/999999/webhooks", collector.url))
        .header("X-CSRF-Token", &admin.csrf)
        .json(&json!({ "url": "https://example.com/h", "events": ["response.created"] }))
        .send()
        .await?;
    assert_eq!(unknown.status().as_u16(), 404);
    let anonymous = reqwest::Client::new().get(&url).send().await?;
    assert_eq!(anonymous.status().as_u16(), 401);
    let error: Value = anonymous.json().await?;
    assert_eq!(error["code"], "unauthorized");
    let bad_policy = admin
        .http
        .put(format!("{}/api/admin/projects/{project_id}/alert-policy", collector.url))
        .header("X-CSRF-Token", &admin.csrf)
        .json(&json!({ "enabled": true, "recipients": ["not-an-address"] }))
        .send()
        .await?;
    assert_eq!(bad_policy.status().as_u16(), 422);
    let bad_filter = admin.http.get(format!("{}/api/admin/deliveries?channel=pigeon", collector.url)).send().await?;
    assert_eq!(bad_filter.status().as_u16(), 422);
    // A good one round-trips, can be updated and deleted.
    let created = create_webhook(&admin, project_id, json!({ "url": "https://example.com/h", "events": ["response.created"] })).await?;
    let id = created["id"].as_i64().unwrap_or_default();
    let listed: Vec<Value> = admin.get(&format!("/api/admin/projects/{project_id}/webhooks")).await?;
    assert_eq!(listed.len(), 1);
    let updated = admin
        .http
        .put(format!("{}/api/admin/webhooks/{id}", collector.url))
        .header("X-CSRF-Token", &admin.csrf)
        .json(&json!({ "url": "https://example.com/other", "events": ["response.completed"], "enabled": false }))
        .send()
        .await?;
    assert_eq!(updated.status().as_u16(), 200);
    let updated: Value = updated.json().await?;
    assert_eq!((updated["url"].as_str(), updated["enabled"].as_bool()), (Some("https://example.com/other"), Some(false)));
    assert_eq!(updated["secret"], created["secret"], "the secret stays");
    let deleted = admin.http.delete(format!("{}/api/admin/webhooks/{id}", collector.url)).header("X-CSRF-Token", &admin.csrf).send().await?;
    assert_eq!(deleted.status().as_u16(), 204);
    let gone = admin.http.get(format!("{}/api/admin/webhooks/{id}", collector.url)).send().await?;
    assert_eq!(gone.status().as_u16(), 404);
    Ok(())
}

/// `ingest.mode = direct` (one SQL transaction per request) publishes events before it
/// acknowledges, through the same outbox.
#[tokio::test]
async fn direct_ingest_mode_publishes_events_too() -> anyhow::Result<()> {
    let env = [("NPS_INGEST__MODE", "direct")];
    let Setup { _dir, collector: _collector, admin, project_id, survey_id, client_base, .. } = setup(Backend::Sqlite, &env).await?;
    let receiver = Receiver::start(1).await?;
    let hook = create_webhook(&admin, project_id, json!({ "url": receiver.url, "events": ["response.created"], "bands": ["promoter"] })).await?;
    receiver.set_secret(hook["secret"].as_str().unwrap_or_default());
    let endpoint = hook["id"].as_i64().unwrap_or_default();
    let promoter = answer(&client_base, survey_id, "u1", 9, None).await?;
    answer(&client_base, survey_id, "u2", 6, None).await?;
    let id = expected_id(endpoint, &promoter, "response.created");
    let arrived = wait_for(Duration::from_secs(20), || async { receiver.snapshot(|s| s.accepted.get(&id).cloned()) }).await;
    let body = arrived.ok_or_else(|| anyhow::anyhow!("the promoter's event did not arrive"))?;
    assert_eq!(body["data"]["score"], 9);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (accepted, attempts) = receiver.snapshot(|s| (s.accepted.len(), s.attempts.len()));
    assert_eq!((accepted, attempts), (1, 2), "one failure, one success, nothing for the detractor");
    Ok(())
}

/// Answers given on hosted pages (link campaigns) reach SQL without the spool; partner NPS
/// answers still produce their events, employee NPS answers never do (anonymity).
#[tokio::test]
async fn hosted_partner_answers_produce_events_and_employee_answers_never() -> anyhow::Result<()> {
    let Setup { _dir, collector, admin, project_id, db_url, .. } = setup(Backend::Sqlite, &[]).await?;
    let receiver = Receiver::start(0).await?;
    let hook = create_webhook(&admin, project_id, json!({ "url": receiver.url, "events": ["response.created"] })).await?;
    receiver.set_secret(hook["secret"].as_str().unwrap_or_default());
    let endpoint = hook["id"].as_i64().unwrap_or_default();

    let mut links = Vec::new();
    for kind in [SurveyKind::Partner, SurveyKind::Enps] {
        let survey = admin.create_survey(project_id, &live_survey(&format!("{kind:?}"), kind)).await?;
        let anonymity = if kind == SurveyKind::Enps { "anonymous" } else { "identified" };
        let fields = json!({ "survey_id": survey.id, "name": "wave", "anonymity": anonymity });
        let campaign = admin.create_campaign(&fields, "email,name,partner\ncontact@partner.test,Pat,acme\n").await?;
        // Links of anonymous campaigns reach the recipient only: play the recipient.
        let listed = nps_e2e::links::personal_links(&db_url, &collector.url, campaign["id"].as_i64().unwrap_or_default()).await?;
        links.push(listed[0].1.clone());
    }
    for link in &links {
        let (status, _) = nps_e2e::links::answer(link, 3, "slow answers").await?;
        assert_eq!(status, 200, "{link}");
    }

    let partner_answer = wait_for(Duration::from_secs(20), || async { receiver.snapshot(|s| s.accepted.values().next().cloned()) })
        .await
        .ok_or_else(|| anyhow::anyhow!("the partner answer's event did not arrive"))?;
    assert_eq!(partner_answer["data"]["score"], 3, "{partner_answer}");
    let response_id = partner_answer["data"]["response_id"].as_str().unwrap_or_default().to_owned();
    assert!(receiver.snapshot(|s| s.accepted.contains_key(&expected_id(endpoint, &response_id, "response.created"))));
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(receiver.snapshot(|s| s.accepted.len()), 1, "nothing leaves for the employee answer");
    Ok(())
}
