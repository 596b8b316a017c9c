//! Nothing acknowledged is ever lost: kill -9 mid-stream, graceful shutdown, and (on
//! PostgreSQL) a database outage and two collectors sharing one database.

use futures::StreamExt;
use nps_core::wire::SurveyKind;
use nps_e2e::{Admin, Backend, Collector, CollectorOptions, Installation, TestDatabase, new_id, on_both_backends, wait_for};
use serde_json::json;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

struct Target {
    base: String,
    survey_id: i64,
}

async fn setup(collector: &Collector) -> anyhow::Result<(Admin, Target)> {
    let admin = Admin::bootstrap(&collector.url).await?;
    let project = admin.create_project(&["*"]).await?;
    let survey = admin.create_live_survey(project.id, SurveyKind::Tnps).await?;
    Ok((admin, Target { base: format!("{}/v1/p/{}", collector.url, project.public_key), survey_id: survey.id }))
}

/// Sends `count` responses from `concurrency` clients; returns the ids that were acknowledged
/// (202). Requests that fail (e.g. because the server was killed) are simply not counted.
async fn send_responses(base: &str, survey_id: i64, count: usize, concurrency: usize) -> HashSet<String> {
    send_responses_into(base, survey_id, count, concurrency, Arc::new(Mutex::new(HashSet::new()))).await
}

async fn send_responses_into(
    base: &str,
    survey_id: i64,
    count: usize,
    concurrency: usize,
    acked: Arc<Mutex<HashSet<String>>>,
) -> HashSet<String> {
    let http = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap_or_default();
    futures::stream::iter(0..count)
        .for_each_concurrent(concurrency, |i| {
            let (http, acked) = (http.clone(), acked.clone());
            let url = format!("{base}/responses");
            async move {
                let id = new_id();
                let body = json!({ "response_id": id, "survey_id": survey_id, "user_id": format!("u{}", i % 500), "score": i % 11 });
                if let Ok(r) = http.post(url).json(&body).send().await
                    && r.status().as_u16() == 202
                {
                    acked.lock().map(|mut a| a.insert(id)).ok();
                }
            }
        })
        .await;
    acked.lock().map(|a| a.clone()).unwrap_or_default()
}

/// Waits until every id in `expected` is stored; returns the stored ids.
async fn stored_ids(admin: &Admin, survey_id: i64, expected: &HashSet<String>) -> HashSet<String> {
    let check = || async {
        let rows = admin.responses(survey_id).await.ok()?;
        let ids: HashSet<String> = rows.iter().map(|r| r.id.clone()).collect();
        assert_eq!(ids.len(), rows.len(), "a response id is stored twice");
        assert!(rows.iter().all(|r| r.score.is_some()), "a half-written response is stored");
        expected.is_subset(&ids).then_some(ids)
    };
    match wait_for(Duration::from_secs(30), check).await {
        Some(ids) => ids,
        None => {
            let rows = admin.responses(survey_id).await.unwrap_or_default();
            let ids: HashSet<String> = rows.into_iter().map(|r| r.id).collect();
            let missing = expected.difference(&ids).count();
            panic!("{missing} of {} acknowledged responses are missing", expected.len());
        }
    }
}

async fn fixture(backend: Backend) -> anyhow::Result<Installation> {
    Installation::start(backend).await
}

async fn kill_nine_mid_stream_loses_nothing_acknowledged(installation: Installation) -> anyhow::Result<()> {
    let Installation { dir: _dir, mut collector, .. } = installation;
    let (_, target) = setup(&collector).await?;

    const TOTAL: usize = 30_000;
    let progress = Arc::new(Mutex::new(HashSet::new()));
    let sender = tokio::spawn({
        let (base, progress) = (target.base.clone(), progress.clone());
        async move { send_responses_into(&base, target.survey_id, TOTAL, 64, progress).await }
    });
    // Kill once a good number of writes has been acknowledged, while many are in flight.
    let acked_so_far = || progress.lock().map(|a| a.len()).unwrap_or(0);
    let reached = wait_for(Duration::from_secs(60), || async { (acked_so_far() >= 2_000).then_some(()) }).await;
    assert!(reached.is_some(), "writes were not being acknowledged");
    collector.kill9().await?;
    let acked = sender.await?;
    assert!(acked.len() < TOTAL, "the kill should land mid-stream ({} acked)", acked.len());

    let collector = collector.restart().await?;
    let admin = Admin::bootstrap(&collector.url).await?;
    let stored = stored_ids(&admin, target.survey_id, &acked).await;
    // Unacknowledged requests may or may not have been stored, but nothing else appeared.
    assert!(stored.len() >= acked.len());
    Ok(())
}

on_both_backends!(kill_nine_mid_stream_loses_nothing_acknowledged);

#[tokio::test]
async fn graceful_shutdown_drains_the_spool() -> anyhow::Result<()> {
    let Installation { dir: _dir, db, mut collector, .. } = Installation::start(Backend::Sqlite).await?;
    let (_, target) = setup(&collector).await?;
    let acked = send_responses(&target.base, target.survey_id, 1_000, 32).await;
    assert_eq!(acked.len(), 1_000);
    let status = collector.terminate().await?;
    assert!(status.success(), "graceful exit, got {status}");
    assert!(collector.log().contains("spool drained"), "{}", collector.log());

    // Read the database directly: everything is there without a restart.
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(&db.url).await?;
    let rows: Vec<(String,)> = sqlx::query_as("SELECT id FROM responses").fetch_all(&mut conn).await?;
    let stored: HashSet<String> = rows.into_iter().map(|(id,)| id).collect();
    assert_eq!(stored, acked);
    Ok(())
}

use nps_e2e::proxy as outage;

#[tokio::test]
async fn during_a_database_outage_writes_are_acknowledged_and_arrive_once_it_is_back() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let db = TestDatabase::postgres().await?;
    let (proxy, proxied) = outage::Proxy::to_postgres(&db).await?;
    let collector = Collector::start(CollectorOptions::new(dir.path().join("data"), proxied)).await?;
    let (admin, target) = setup(&collector).await?;
    // Warm the project cache, then cut the database.
    let before = send_responses(&target.base, target.survey_id, 50, 8).await;
    assert_eq!(before.len(), 50);
    proxy.down();

    let during = send_responses(&target.base, target.survey_id, 500, 16).await;
    assert_eq!(during.len(), 500, "writes must be acknowledged into the spool while the database is down");
    let ready: serde_json::Value = reqwest::get(format!("{}/readyz", collector.url)).await?.json().await?;
    assert_eq!(ready["database"], "down");

    proxy.restore();
    let all: HashSet<String> = before.union(&during).cloned().collect();
    let stored = stored_ids(&admin, target.survey_id, &all).await;
    assert_eq!(stored, all);
    Ok(())
}

#[tokio::test]
async fn two_collectors_on_one_postgres_both_accept_writes_without_duplicates() -> anyhow::Result<()> {
    let (_dir, first, second) = nps_e2e::collector::two_on_postgres().await?;
    let (admin, target) = setup(&first).await?;
    let second_base = target.base.replace(&first.url, &second.url);

    // The same ids sent to both collectors (a client retrying against another node) must be
    // stored once; distinct ids all arrive.
    let shared: Vec<String> = (0..200).map(|_| new_id()).collect();
    let http = reqwest::Client::new();
    for id in &shared {
        for base in [&target.base, &second_base] {
            let body = json!({ "response_id": id, "survey_id": target.survey_id, "user_id": "u", "score": 7 });
            assert_eq!(http.post(format!("{base}/responses")).json(&body).send().await?.status().as_u16(), 202);
        }
    }
    let (a, b) = tokio::join!(
        send_responses(&target.base, target.survey_id, 1_000, 16),
        send_responses(&second_base, target.survey_id, 1_000, 16)
    );
    assert_eq!((a.len(), b.len()), (1_000, 1_000));
    let mut expected: HashSet<String> = a.union(&b).cloned().collect();
    expected.extend(shared);
    let stored = stored_ids(&admin, target.survey_id, &expected).await;
    assert_eq!(stored, expected);
    Ok(())
}
