//! Operations: the OpenAPI document covers every route, metrics count what happened, rate
//! limits answer 429 with a JSON error, health and readiness.

use nps_core::wire::SurveyKind;
use nps_e2e::{Collector, CollectorOptions, TestDatabase, World, new_id, wait_drained};
use serde_json::{Value, json};

#[tokio::test]
async fn openapi_metrics_and_readiness_describe_the_running_service() -> anyhow::Result<()> {
    let World { dir: _dir, collector, project, survey, .. } = World::start(SurveyKind::Tnps).await?;

    let doc: Value = reqwest::get(format!("{}/openapi.json", collector.url)).await?.json().await?;
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    for path in [
        "/v1/p/{key}/identify",
        "/v1/p/{key}/decide",
        "/v1/p/{key}/responses",
        "/v1/p/{key}/responses/{id}/complete",
        "/v1/p/{key}/feedback",
        "/api/admin/session",
        "/api/admin/reports/nps",
        "/api/admin/reports/segments",
        "/api/admin/explain",
    ] {
        assert!(paths.contains_key(path), "{path} missing from /openapi.json");
    }

    let body = json!({ "response_id": new_id(), "survey_id": survey.id, "user_id": "u1", "score": 10 });
    let http = reqwest::Client::new();
    assert_eq!(http.post(format!("{}/v1/p/{}/responses", collector.url, project.public_key)).json(&body).send().await?.status(), 202);
    wait_drained(&collector.url).await?;
    let metrics = reqwest::get(format!("{}/metrics", collector.url)).await?.text().await?;
    assert!(metrics.contains(r#"nps_ingest_accepted_total{kind="response"} 1"#), "{metrics}");
    assert!(metrics.lines().any(|l| l.starts_with("nps_drained_total ") && !l.ends_with(" 0")), "{metrics}");
    assert!(metrics.contains("nps_spool_commits_total"));

    let ready: Value = reqwest::get(format!("{}/readyz", collector.url)).await?.json().await?;
    assert_eq!((ready["ready"].as_bool(), ready["database"].as_str(), ready["spool_depth"].as_u64()), (Some(true), Some("up"), Some(0)));

    // Whoever opens the collector's address finds the way to the admin app.
    let start = reqwest::get(&collector.url).await?.text().await?;
    assert!(start.contains("href=\"/admin/\""), "{start}");
    Ok(())
}

#[tokio::test]
async fn too_many_requests_from_one_address_get_a_429_json_error() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let db = TestDatabase::sqlite(dir.path());
    let options = CollectorOptions::new(dir.path().join("data"), db.url.clone())
        .with("NPS_LIMITS__PER_IP_RPS", 1)
        .with("NPS_LIMITS__PER_IP_BURST", 5);
    let collector = Collector::start(options).await?;
    let url = format!("{}/v1/p/pk_whatever/config", collector.url);
    let mut statuses = Vec::new();
    for _ in 0..10 {
        let response = reqwest::get(&url).await?;
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if status == 429 {
            assert_eq!(body["code"], "rate_limited");
        }
        statuses.push(status);
    }
    assert_eq!(statuses.iter().filter(|s| **s == 404).count(), 5, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 5, "{statuses:?}");
    Ok(())
}

/// Two collectors behind one load balancer, both told they are two: together they allow one
/// address what one collector alone would (burst 10), not twice that.
#[tokio::test]
async fn collectors_sharing_a_database_share_the_rate_limit() -> anyhow::Result<()> {
    let db = TestDatabase::postgres().await?;
    let dirs = [tempfile::tempdir()?, tempfile::tempdir()?];
    let mut collectors = Vec::new();
    for dir in &dirs {
        let options = CollectorOptions::new(dir.path().join("data"), db.url.clone())
            .with("NPS_LIMITS__PER_IP_RPS", 1)
            .with("NPS_LIMITS__PER_IP_BURST", 10)
            .with("NPS_LIMITS__COLLECTORS", 2);
        collectors.push(Collector::start(options).await?);
    }
    let mut allowed = 0;
    for i in 0..20 {
        // Round robin, as a load balancer would spread one client's requests.
        let url = format!("{}/v1/p/pk_whatever/config", collectors[i % 2].url);
        if reqwest::get(&url).await?.status().as_u16() != 429 {
            allowed += 1;
        }
    }
    // 5 + 5 from the bursts, plus at most one refill per collector while the loop ran.
    assert!((10..=12).contains(&allowed), "allowed {allowed} of 20");

    // Zero collectors would divide by zero: refused at start-up, naming the setting.
    let (started, _, stderr) = nps_e2e::collector::run_until_exit(&[("NPS_LIMITS__COLLECTORS", "0")]).await?;
    assert!(!started && stderr.to_lowercase().contains("limits.collectors"), "{stderr}");
    Ok(())
}

/// Collectors sharing a database must share the server secret (sessions, links and the
/// erasure ledger are keyed with it): one with another secret refuses to start, naming the
/// setting, until an operator adopts the new secret on purpose.
#[tokio::test]
async fn a_collector_with_another_server_secret_refuses_to_share_the_database() -> anyhow::Result<()> {
    let db = TestDatabase::postgres().await?;
    let dir = tempfile::tempdir()?;
    let first = Collector::start(CollectorOptions::new(dir.path().join("data"), db.url.clone())).await?;
    let other_secret = [("NPS_AUTH__SERVER_SECRET", "another-server-secret-0123456789abcdefghij")];
    let (started, _, stderr) = nps_e2e::collector::run_command(&db.url, &[], &other_secret).await?;
    assert!(!started, "a collector with another secret started on the shared database");
    assert!(stderr.contains("auth.server_secret") && stderr.contains("adopt-server-secret"), "{stderr}");

    // The first collector still serves: the refusal changed nothing.
    assert_eq!(reqwest::get(format!("{}/readyz", first.url)).await?.status(), 200);
    drop(first);

    let (adopted, stdout, stderr) = nps_e2e::collector::run_command(&db.url, &["adopt-server-secret"], &other_secret).await?;
    assert!(adopted, "adopt-server-secret: {stdout} {stderr}");
    // Now the new secret is the expected one, and the old one is refused.
    let (started_old, _, stderr) = nps_e2e::collector::run_command(&db.url, &[], &[("NPS_AUTH__SERVER_SECRET", nps_e2e::links::TEST_SERVER_SECRET)]).await?;
    assert!(!started_old && stderr.contains("auth.server_secret"), "{stderr}");
    Ok(())
}
