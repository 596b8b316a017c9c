//! Helpers shared by the end-to-end tests and the benches: start the real collector binary,
//! give it a fresh database, drive it over real HTTP.

pub mod admin;
pub mod collector;
pub mod database;

pub use admin::Admin;
pub use collector::{Collector, CollectorOptions};
pub use database::{Backend, TestDatabase};

use std::future::Future;
use std::time::{Duration, Instant};

/// Polls `check` until it returns `Some` or `timeout` passes.
pub async fn wait_for<T, F, Fut>(timeout: Duration, mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return Some(value);
        }
        if Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Waits until the collector's spool is empty (everything acknowledged is in SQL).
pub async fn wait_drained(base_url: &str) -> anyhow::Result<()> {
    let url = format!("{base_url}/readyz");
    let drained = wait_for(Duration::from_secs(30), || async {
        let body: serde_json::Value = reqwest::get(&url).await.ok()?.json().await.ok()?;
        (body["spool_depth"].as_u64() == Some(0)).then_some(())
    })
    .await;
    drained.ok_or_else(|| anyhow::anyhow!("the spool did not drain within 30 s"))
}
