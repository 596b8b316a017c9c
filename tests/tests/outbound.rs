//! Webhooks cannot be turned against the collector's own network (issue #12, SSRF): internal
//! targets are refused when an endpoint is created or updated, a name that resolves to an
//! internal address is refused when connecting, `outbox.allowed_networks` opens exactly the
//! networks listed, and the delivery log keeps an error class, never what the target answered.
//! Real binary, real HTTP, a real local receiver; each test failed on the build before the fix.
//! See docs/security.md, protection 9.

use nps_e2e::receiver::{Answer, listen};
use nps_e2e::{Admin, Backend, Collector, Installation, wait_for};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;

/// What a receiver's 500 says: it must never reach the delivery log.
const SECRET_BODY: &str = "internal-banner: redis 7.2 at 10.9.8.7, token=sk_live_do_not_leak";

/// A local HTTP receiver: answers 500 with [`SECRET_BODY`] to the first `fail_first` requests
/// and 200 after that; keeps the bodies it got.
struct Receiver {
    port: u16,
    bodies: Arc<Mutex<Vec<String>>>,
}

impl Receiver {
    async fn start(fail_first: usize) -> anyhow::Result<Self> {
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let shared = bodies.clone();
        let address = listen(move |request| {
            let seen = {
                let mut bodies = shared.lock().unwrap_or_else(|p| p.into_inner());
                bodies.push(String::from_utf8_lossy(&request.body).into_owned());
                bodies.len()
            };
            if seen <= fail_first {
                Answer { status: 500, reason: "Internal Server Error", body: SECRET_BODY.to_owned() }
            } else {
                Answer { status: 200, reason: "OK", body: "ok".to_owned() }
            }
        })
        .await?;
        Ok(Self { port: address.port(), bodies })
    }

    fn received(&self) -> Vec<String> {
        self.bodies.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

struct Setup {
    _dir: tempfile::TempDir,
    db_url: String,
    collector: Collector,
    admin: Admin,
    project_id: i64,
}

/// A collector on a fresh SQLite file (fast retries, few attempts) with extra settings, the
/// owner signed in, and a project.
async fn setup(env: &[(&str, &str)]) -> anyhow::Result<Setup> {
    let fast_retries = [[("NPS_OUTBOX__RETRY_BASE_MS", "200"), ("NPS_OUTBOX__MAX_ATTEMPTS", "3")].as_slice(), env].concat();
    let Installation { dir, db, collector, owner: admin } = Installation::start_with(Backend::Sqlite, &fast_retries).await?;
    let project = admin.create_project(&["*"]).await?;
    Ok(Setup { _dir: dir, db_url: db.url, collector, admin, project_id: project.id })
}

/// POSTs a webhook endpoint; returns the status and the JSON answer.
async fn try_create(s: &Setup, url: &str) -> anyhow::Result<(u16, Value)> {
    let (status, body) = s.admin.try_post(&format!("/api/admin/projects/{}/webhooks", s.project_id), &json!({ "url": url, "events": ["response.created"] })).await?;
    Ok((status.as_u16(), body))
}

async fn create(s: &Setup, url: &str) -> anyhow::Result<i64> {
    let (status, body) = try_create(s, url).await?;
    anyhow::ensure!(status == 201, "creating a webhook to {url}: {status} {body}");
    body["id"].as_i64().ok_or_else(|| anyhow::anyhow!("no id in {body}"))
}

/// Sends the endpoint's test event; returns its outbox message id.
async fn send_test(s: &Setup, endpoint: i64) -> anyhow::Result<String> {
    let sent: Value = s.admin.post(&format!("/api/admin/webhooks/{endpoint}/test"), &json!({})).await?;
    Ok(sent["message_id"].as_str().unwrap_or_default().to_owned())
}

/// The delivery log rows of one message once there are at least `rows`, oldest first.
async fn log_rows(s: &Setup, message_id: &str, rows: usize) -> anyhow::Result<Vec<Value>> {
    let path = format!("/api/admin/deliveries?message_id={message_id}");
    let found = wait_for(Duration::from_secs(30), || async {
        let mut log: Vec<Value> = s.admin.get(&path).await.ok()?;
        log.sort_by_key(|r| r["attempt"].as_i64());
        (log.len() >= rows).then_some(log)
    })
    .await;
    found.ok_or_else(|| anyhow::anyhow!("fewer than {rows} delivery log rows for {message_id}"))
}

/// Points an endpoint somewhere the API would refuse, as a row stored by an earlier version
/// (or a DNS name that changed its answer since creation) would.
async fn set_url_in_the_database(db_url: &str, endpoint: i64, url: &str) -> anyhow::Result<()> {
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(db_url).await?;
    let done = sqlx::query("UPDATE webhook_endpoints SET url = ? WHERE id = ?").bind(url).bind(endpoint).execute(&mut conn).await?;
    anyhow::ensure!(done.rows_affected() == 1, "no endpoint {endpoint}");
    Ok(())
}

#[tokio::test]
async fn webhooks_to_internal_addresses_are_refused_when_created_or_updated() -> anyhow::Result<()> {
    let s = setup(&[]).await?;
    let bootstrap = format!("{}/api/admin/bootstrap", s.collector.url);
    let cases = [
        (bootstrap.as_str(), "loopback"),
        ("http://localhost:22/", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[::1]:8080/", "loopback"),
        ("https://10.0.0.1/hook", "private"),
        ("http://192.168.1.1/", "private"),
        ("http://100.64.0.1/", "CGNAT"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://2130706433/", "loopback"),
        ("http://0.0.0.0:8080/", "unspecified"),
        ("http://[fd00::1]/", "private"),
    ];
    for (url, kind) in cases {
        let (status, body) = try_create(&s, url).await?;
        assert_eq!(status, 422, "{url}: {body}");
        assert_eq!(body["code"], "invalid_field", "{url}: {body}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(message.starts_with("url") && message.contains(kind) && message.contains("allowed_networks"), "{url}: {message}");
    }
    for url in ["file:///etc/passwd", "gopher://127.0.0.1:6379/_INFO"] {
        let (status, body) = try_create(&s, url).await?;
        assert_eq!((status, body["code"].as_str()), (422, Some("invalid_field")), "{url}: {body}");
    }
    // Updating a good endpoint to an internal target is refused the same way, and it keeps its URL.
    let endpoint = create(&s, "https://hooks.example.com/nps").await?;
    let update = json!({ "url": "http://169.254.169.254/latest/meta-data/iam", "events": ["response.created"] });
    let (status, _) = s.admin.call(reqwest::Method::PUT, &format!("/api/admin/webhooks/{endpoint}"), Some(&update)).await?;
    assert_eq!(status.as_u16(), 422);
    let listed: Vec<Value> = s.admin.get(&format!("/api/admin/projects/{}/webhooks", s.project_id)).await?;
    assert_eq!(listed.len(), 1, "only the public endpoint exists: {listed:?}");
    assert_eq!(listed[0]["url"], "https://hooks.example.com/nps");
    Ok(())
}

#[tokio::test]
async fn a_stored_target_that_is_or_resolves_to_loopback_is_refused_when_connecting() -> anyhow::Result<()> {
    let s = setup(&[]).await?;
    let receiver = Receiver::start(0).await?;
    // `localhost` goes through the resolver (the connect-time check); the literal 127.0.0.1 is
    // one reqwest would connect to without resolving.
    for target in [format!("http://localhost:{}/hook", receiver.port), format!("http://127.0.0.1:{}/hook", receiver.port)] {
        let endpoint = create(&s, "https://hooks.example.com/nps").await?;
        set_url_in_the_database(&s.db_url, endpoint, &target).await?;
        let message_id = send_test(&s, endpoint).await?;
        let rows = log_rows(&s, &message_id, 1).await?;
        let row = &rows[0];
        assert_eq!(row["status"], "failed", "a refused target is not retried: {row}");
        assert_eq!(row["error"], "refused_address", "{row}");
        assert_eq!(row["status_code"], Value::Null, "{row}");
    }
    assert!(receiver.received().is_empty(), "the receiver on loopback was reached: {:?}", receiver.received());
    Ok(())
}

#[tokio::test]
async fn the_allowlist_opens_a_local_receiver_and_the_log_keeps_classes_not_bodies() -> anyhow::Result<()> {
    let s = setup(&[("NPS_OUTBOX__ALLOWED_NETWORKS", "10.1.0.0/16,127.0.0.1/32")]).await?;
    let receiver = Receiver::start(1).await?;
    let endpoint = create(&s, &format!("http://127.0.0.1:{}/hook", receiver.port)).await?;
    let message_id = send_test(&s, endpoint).await?;
    // First attempt: 500 with a telling body; second: 200.
    let rows = log_rows(&s, &message_id, 2).await?;
    assert_eq!((rows[0]["status"].as_str(), rows[0]["status_code"].as_i64()), (Some("retrying"), Some(500)), "{rows:?}");
    assert_eq!(rows[0]["error"], "http_5xx", "{rows:?}");
    assert_eq!((rows[1]["status"].as_str(), rows[1]["status_code"].as_i64()), (Some("delivered"), Some(200)), "{rows:?}");
    let received = receiver.received();
    assert_eq!(received.len(), 2, "{received:?}");
    assert!(received.iter().all(|b| b.contains("webhook.test")), "{received:?}");

    // A closed port in an allowed network: the log says connect_failed, not the OS's words
    // ("connection refused" for a closed port is what makes a port scanner).
    let closed = TcpListener::bind("127.0.0.1:0").await?;
    let closed_port = closed.local_addr()?.port();
    drop(closed);
    let unreachable = create(&s, &format!("http://127.0.0.1:{closed_port}/hook")).await?;
    let closed_id = send_test(&s, unreachable).await?;
    let closed_rows = log_rows(&s, &closed_id, 1).await?;
    assert_eq!(closed_rows[0]["error"], "connect_failed", "{closed_rows:?}");

    // Outside the listed networks the default still holds.
    let (status, body) = try_create(&s, "http://127.0.0.2/hook").await?;
    assert_eq!(status, 422, "{body}");
    let everything = s.admin.http.get(format!("{}/api/admin/deliveries?project_id={}&limit=1000", s.collector.url, s.project_id)).send().await?.text().await?;
    for leak in [SECRET_BODY, "sk_live_do_not_leak", "Internal Server Error", "refused", "Connection"] {
        assert!(!everything.contains(leak), "the delivery log shows `{leak}`: {everything}");
    }
    Ok(())
}

#[tokio::test]
async fn a_bad_allowed_network_stops_start_up_naming_it() -> anyhow::Result<()> {
    nps_e2e::collector::refuses_to_start(&[("NPS_OUTBOX__ALLOWED_NETWORKS", "10.1.0.0/16,intranet")], &["allowed_networks", "`intranet`"]).await
}
