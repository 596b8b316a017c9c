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
