//! Helpers shared by the end-to-end tests and the benches: start the real collector binary,
//! give it a fresh database, drive it over real HTTP.

pub mod admin;
pub mod bench;
pub mod collector;
pub mod database;
pub mod http;
pub mod links;
pub mod load;
pub mod proxy;
pub mod receiver;
pub mod rng;
pub mod smtp;
pub mod tokens;

pub use admin::{Admin, live_survey, project_input};
pub use collector::{Collector, CollectorOptions};
pub use database::{Backend, TestDatabase};
pub use http::{assert_error, post_json, reply};
pub use rng::Lcg;
pub use smtp::{ReceivedMail, SmtpSink};

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

/// Milliseconds since the Unix epoch, as the collector stamps what it stores.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// Seconds since the Unix epoch, as JWTs count `exp`.
pub fn now_secs() -> i64 {
    now_ms() / 1_000
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

/// A collector on a fresh database of either backend with its owner signed in: where tests
/// that run on both backends start.
pub struct Installation {
    pub dir: tempfile::TempDir,
    pub db: TestDatabase,
    pub collector: Collector,
    pub owner: Admin,
}

impl Installation {
    pub async fn start(backend: Backend) -> anyhow::Result<Self> {
        Self::start_with(backend, &[]).await
    }

    /// With these `NPS_*` settings besides the harness's own.
    pub async fn start_with(backend: Backend, env: &[(&str, &str)]) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let db = TestDatabase::new(backend, dir.path()).await?;
        let collector = Collector::start(CollectorOptions::new(dir.path().join("data"), db.url.clone()).with_env(env)).await?;
        let owner = Admin::bootstrap(&collector.url).await?;
        Ok(Self { dir, db, collector, owner })
    }

    /// Adds an admin user with this role (as the owner) and signs them in.
    pub async fn user(&self, email: &str, role: &str) -> anyhow::Result<Admin> {
        self.owner.add_signed_in_user(email, role).await
    }

    /// A project (any origin) with a live survey of this kind.
    pub async fn into_world(self, kind: nps_core::wire::SurveyKind) -> anyhow::Result<World> {
        let Installation { dir, db, collector, owner } = self;
        let project = owner.create_project(&["*"]).await?;
        let survey = owner.create_live_survey(project.id, kind).await?;
        Ok(World { dir, db, collector, admin: owner, project, survey })
    }
}

/// A collector on a fresh database, an owner signed in, and a project (any origin) with a live
/// survey: where most end-to-end tests start.
pub struct World {
    pub dir: tempfile::TempDir,
    pub db: TestDatabase,
    pub collector: Collector,
    pub admin: Admin,
    pub project: nps_core::wire::Project,
    pub survey: nps_core::wire::Survey,
}

impl World {
    /// On a fresh SQLite file.
    pub async fn start(kind: nps_core::wire::SurveyKind) -> anyhow::Result<Self> {
        Self::start_with(Backend::Sqlite, kind, &[]).await
    }

    /// On either backend, with these `NPS_*` settings besides the harness's own.
    pub async fn start_with(backend: Backend, kind: nps_core::wire::SurveyKind, env: &[(&str, &str)]) -> anyhow::Result<Self> {
        Installation::start_with(backend, env).await?.into_world(kind).await
    }

    /// `{collector}/v1/p/{project key}`: the client API of the project.
    pub fn client_base(&self) -> String {
        format!("{}/v1/p/{}", self.collector.url, self.project.public_key)
    }
}

/// `on_both_backends!(test_a, test_b)`: runs each `async fn test_a(f: Fixture)` once on SQLite
/// and once on PostgreSQL, as `test_a::sqlite` and `test_a::postgres`. The calling file provides
/// `async fn fixture(Backend) -> anyhow::Result<Fixture>` and imports `Backend`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use super::*;
            #[tokio::test]
            async fn sqlite() -> anyhow::Result<()> { super::$name(fixture(Backend::Sqlite).await?).await }
            #[tokio::test]
            async fn postgres() -> anyhow::Result<()> { super::$name(fixture(Backend::Postgres).await?).await }
        }
    )*};
}

/// `extends!(Fixture, Base, base)`: a test's fixture struct that holds another fixture in its
/// field `base` (and adds what its tests need) reads the other's fields as its own (`f.owner`,
/// `f.store`), so a suite's fixture builds on the shared ones instead of copying them.
#[macro_export]
macro_rules! extends {
    ($fixture:ty, $base:ty, $field:tt) => {
        impl std::ops::Deref for $fixture {
            type Target = $base;

            fn deref(&self) -> &$base {
                &self.$field
            }
        }
    };
}

/// The body of `POST /api/admin/campaigns/{id}/recipients` for a CSV file, read as the admin
/// app reads it (`nps_core::recipients_csv`).
pub fn recipients_json(csv: &str) -> serde_json::Value {
    let recipients = nps_core::recipients_csv::parse(csv).unwrap_or_else(|e| panic!("a bad recipients CSV: {e}"));
    serde_json::json!({ "recipients": recipients })
}
