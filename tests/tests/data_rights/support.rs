//! The fixture and helpers of the data-rights tests.

use nps_core::wire::{Project, Survey, SurveyKind};
use nps_e2e::{Admin, Backend, Collector, TestDatabase, World, new_id};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

pub struct Fixture {
    pub backend: Backend,
    pub dir: tempfile::TempDir,
    pub db: TestDatabase,
    pub collector: Collector,
    pub owner: Admin,
    pub project: Project,
    pub survey: Survey,
}

/// A collector whose webhooks to 127.0.0.1 fail at once and wait ten minutes before the next
/// attempt (so their messages stay in the outbox), with `extra` settings.
pub async fn start(backend: Backend, extra: &[(&str, &str)]) -> anyhow::Result<Fixture> {
    let outbox = [("NPS_OUTBOX__ALLOWED_NETWORKS", "127.0.0.1/32"), ("NPS_OUTBOX__RETRY_BASE_MS", "600000")];
    let World { dir, db, collector, admin: owner, project, survey } = World::start_with(backend, SurveyKind::Tnps, &[outbox.as_slice(), extra].concat()).await?;
    Ok(Fixture { backend, dir, db, collector, owner, project, survey })
}

pub async fn fixture(backend: Backend) -> anyhow::Result<Fixture> {
    start(backend, &[]).await
}

impl Fixture {
    pub fn client(&self, path: &str) -> String {
        format!("{}/v1/p/{}{path}", self.collector.url, self.project.public_key)
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The files a byte search reads: the SQLite database with its WAL and shared memory (on
    /// SQLite), and the spool and outbox.
    pub fn files(&self) -> Vec<PathBuf> {
        let mut files = vec![self.data_dir().join("spool.redb"), self.data_dir().join("outbox.redb")];
        if self.backend == Backend::Sqlite {
            let db = self.dir.path().join("nps.sqlite");
            files.extend([db.clone(), with_suffix(&db, "-wal"), with_suffix(&db, "-shm")]);
        }
        files
    }

    pub async fn erase(&self, body: Value) -> anyhow::Result<Value> {
        self.owner.post(&format!("/api/admin/projects/{}/respondents/erase", self.project.id), &body).await
    }

    pub async fn export(&self, body: Value) -> anyhow::Result<Value> {
        self.owner.post(&format!("/api/admin/projects/{}/respondents/export", self.project.id), &body).await
    }

    /// A webhook to a closed local port: every event becomes a message waiting in the outbox.
    pub async fn failing_webhook(&self) -> anyhow::Result<()> {
        let body = json!({ "url": "http://127.0.0.1:9/hook", "events": ["response.created", "response.completed"] });
        let _: Value = self.owner.post(&format!("/api/admin/projects/{}/webhooks", self.project.id), &body).await?;
        Ok(())
    }

    /// The user identifies (with an e-mail attribute), is shown the survey (a decision and a
    /// display), answers with a score and a comment, and declines another time.
    pub async fn use_the_product(&self, user_id: &str, email: &str, score: u8, comment: &str) -> anyhow::Result<String> {
        let http = reqwest::Client::new();
        let send = |path: String, body: Value| {
            let http = http.clone();
            async move {
                let response = http.post(path).json(&body).send().await?;
                let status = response.status();
                anyhow::ensure!(status.is_success(), "{status}: {}", response.text().await.unwrap_or_default());
                Ok::<_, anyhow::Error>(())
            }
        };
        let plan = if score >= 9 { "pro" } else { "free" };
        send(self.client("/identify"), json!({ "user_id": user_id, "attributes": { "email": email, "plan": plan } })).await?;
        let display_id = new_id();
        let decide = json!({ "survey_id": self.survey.id, "user_id": user_id, "display_id": display_id, "trigger": "page_view" });
        send(self.client("/decide"), decide).await?;
        let display = json!({ "display_id": display_id, "survey_id": self.survey.id, "user_id": user_id, "trigger": "page_view", "url": format!("https://app.example/{user_id}") });
        send(self.client("/displays"), display).await?;
        let response_id = new_id();
        let answer = json!({ "response_id": response_id, "survey_id": self.survey.id, "user_id": user_id, "display_id": display_id, "score": score });
        send(self.client("/responses"), answer).await?;
        let complete = json!({ "survey_id": self.survey.id, "user_id": user_id, "comment": comment });
        send(self.client(&format!("/responses/{response_id}/complete")), complete).await?;
        send(self.client("/feedback"), json!({ "action_id": new_id(), "survey_id": self.survey.id, "user_id": user_id, "kind": "snooze" })).await?;
        Ok(response_id)
    }

    /// The NPS report by day from the rollups and from the raw rows, which must agree.
    pub async fn report_both_ways(&self) -> anyhow::Result<Value> {
        let path = format!("/api/admin/reports/nps?survey_id={}&granularity=day&exclude_internal=false", self.survey.id);
        let fast: Value = self.owner.get(&format!("{path}&rollups=true")).await?;
        let raw: Value = self.owner.get(&format!("{path}&rollups=false")).await?;
        assert_eq!(fast, raw, "rollups and raw rows disagree");
        let by = format!("/api/admin/reports/segments?survey_id={}&by=attr:plan&exclude_internal=false", self.survey.id);
        let fast_segments: Value = self.owner.get(&format!("{by}&rollups=true")).await?;
        let raw_segments: Value = self.owner.get(&format!("{by}&rollups=false")).await?;
        assert_eq!(fast_segments, raw_segments, "segment rollups and raw rows disagree");
        Ok(fast)
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Which of `files` hold `needle`, byte for byte (missing files hold nothing).
pub fn files_holding(files: &[PathBuf], needle: &str) -> Vec<String> {
    files
        .iter()
        .filter(|f| std::fs::read(f).is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle.as_bytes())))
        .map(|f| f.display().to_string())
        .collect()
}

/// On PostgreSQL: the tables of the database with a row whose text holds `needle`.
pub async fn tables_holding(url: &str, needle: &str) -> anyhow::Result<Vec<String>> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url).await?;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    )
    .fetch_all(&mut conn)
    .await?;
    let mut holding = Vec::new();
    for table in tables {
        let sql = format!("SELECT COUNT(*) FROM \"{table}\" t WHERE t::text LIKE $1");
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(format!("%{needle}%")).fetch_one(&mut conn).await?;
        if n > 0 {
            holding.push(table);
        }
    }
    Ok(holding)
}

/// Where `needle` is still stored: files, and on PostgreSQL tables.
pub async fn stored_anywhere(f: &Fixture, needle: &str) -> anyhow::Result<Vec<String>> {
    let mut found = files_holding(&f.files(), needle);
    if f.backend == Backend::Postgres {
        found.extend(tables_holding(&f.db.url, needle).await?);
    }
    Ok(found)
}
