//! An admin API client signed in as the owner (cookie session + CSRF header).

use nps_core::wire::{Name, Origin, Project, ProjectInput, ResponseRow, Survey, SurveyInput, SurveyKind, SurveyStatus};
use reqwest::Client;
use serde_json::{Value, json};

pub const OWNER_EMAIL: &str = "owner@example.com";
pub const OWNER_PASSWORD: &str = "correct horse battery staple";

/// A project as most tests want one: a name and its allowed origins, identities not enforced,
/// answers kept.
pub fn project_input(name: &str, origins: &[&str]) -> anyhow::Result<ProjectInput> {
    Ok(ProjectInput {
        name: Name::parse(name)?,
        allowed_origins: origins.iter().map(|o| Origin::parse(*o)).collect::<Result<_, _>>().map_err(anyhow::Error::msg)?,
        identity_enforced: false,
        fatigue: Default::default(),
        retention_months: None,
    })
}

pub struct Admin {
    pub http: Client,
    pub base: String,
    pub csrf: String,
}

impl Admin {
    /// Creates the first owner (if there is none yet) and signs in.
    pub async fn bootstrap(base: &str) -> anyhow::Result<Self> {
        let http = Client::builder().cookie_store(true).build()?;
        let status = http
            .post(format!("{base}/api/admin/bootstrap"))
            .json(&json!({ "email": OWNER_EMAIL, "password": OWNER_PASSWORD }))
            .send()
            .await?
            .status();
        anyhow::ensure!(status.is_success() || status.as_u16() == 409, "bootstrap failed: {status}");
        Self::sign_in(base, OWNER_EMAIL, OWNER_PASSWORD).await
    }

    pub async fn sign_in(base: &str, email: &str, password: &str) -> anyhow::Result<Self> {
        let http = Client::builder().cookie_store(true).build()?;
        let response = http
            .post(format!("{base}/api/admin/session"))
            .json(&json!({ "email": email, "password": password }))
            .send()
            .await?;
        anyhow::ensure!(response.status().is_success(), "sign-in failed: {}", response.status());
        let session: Value = response.json().await?;
        let csrf = session["csrf_token"].as_str().unwrap_or_default().to_owned();
        Ok(Self { http, base: base.to_owned(), csrf })
    }

    pub async fn post<T: serde::de::DeserializeOwned>(&self, path: &str, body: &impl serde::Serialize) -> anyhow::Result<T> {
        let response = self.http.post(format!("{}{path}", self.base)).header("X-CSRF-Token", &self.csrf).json(body).send().await?;
        let status = response.status();
        let text = response.text().await?;
        anyhow::ensure!(status.is_success(), "POST {path}: {status} {text}");
        Ok(serde_json::from_str(&text)?)
    }

    pub async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> anyhow::Result<T> {
        let response = self.http.get(format!("{}{path}", self.base)).send().await?;
        let status = response.status();
        let text = response.text().await?;
        anyhow::ensure!(status.is_success(), "GET {path}: {status} {text}");
        Ok(serde_json::from_str(&text)?)
    }

    pub async fn create_project(&self, origins: &[&str]) -> anyhow::Result<Project> {
        self.post("/api/admin/projects", &project_input("Acme app", origins)?).await
    }

    pub async fn create_live_survey(&self, project_id: i64, kind: SurveyKind) -> anyhow::Result<Survey> {
        let input = SurveyInput {
            name: format!("{} survey", kind.as_str()),
            kind,
            status: SurveyStatus::Live,
            definition: Default::default(),
            rules: Default::default(),
        };
        self.post(&format!("/api/admin/projects/{project_id}/surveys"), &input).await
    }

    /// Every stored answer of a survey (up to 100,000).
    pub async fn responses(&self, survey_id: i64) -> anyhow::Result<Vec<ResponseRow>> {
        self.get(&format!("/api/admin/responses?survey_id={survey_id}&limit=100000")).await
    }
}
