//! An admin API client signed in as the owner (cookie session + CSRF header).

use nps_core::wire::{Name, Origin, Project, ProjectInput, ResponseRow, Survey, SurveyInput, SurveyKind, SurveyStatus};
use reqwest::{Client, Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};

pub const OWNER_EMAIL: &str = "owner@example.com";
pub const OWNER_PASSWORD: &str = "correct horse battery staple";
/// The password tests give the admin users they add.
pub const USER_PASSWORD: &str = "a long enough password for tests";

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

/// A live survey of this kind: the default texts, appearance and rules.
pub fn live_survey(name: &str, kind: SurveyKind) -> SurveyInput {
    SurveyInput { name: name.to_owned(), kind, status: SurveyStatus::Live, definition: Default::default(), rules: Default::default() }
}

/// The session token a sign-in sets as its cookie, for use as a bearer token.
pub async fn session_token(base: &str, email: &str, password: &str) -> anyhow::Result<String> {
    let response = Client::new().post(format!("{base}/api/admin/session")).json(&json!({ "email": email, "password": password })).send().await?;
    anyhow::ensure!(response.status() == StatusCode::OK, "sign-in failed: {}", response.status());
    let cookie = response.cookies().find(|c| c.name() == "nps_session").ok_or_else(|| anyhow::anyhow!("no session cookie"))?;
    Ok(cookie.value().to_owned())
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

    /// A request as this admin: the session cookie and the CSRF token.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, format!("{}{path}", self.base)).header("X-CSRF-Token", &self.csrf)
    }

    /// Any request as this admin, whatever it is answered: the status and the JSON body.
    pub async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> anyhow::Result<(StatusCode, Value)> {
        let request = self.request(method, path);
        crate::http::reply(match body {
            Some(body) => request.json(body),
            None => request,
        })
        .await
    }

    /// A GET as this admin, whatever it is answered: the status and the JSON body.
    pub async fn try_get(&self, path: &str) -> anyhow::Result<(StatusCode, Value)> {
        self.call(Method::GET, path, None).await
    }

    /// A POST as this admin, whatever it is answered: the status and the JSON body.
    pub async fn try_post(&self, path: &str, body: &Value) -> anyhow::Result<(StatusCode, Value)> {
        self.call(Method::POST, path, Some(body)).await
    }

    /// A PUT that must succeed.
    pub async fn put(&self, path: &str, body: &impl serde::Serialize) -> anyhow::Result<()> {
        let response = self.request(Method::PUT, path).json(body).send().await?;
        let status = response.status();
        anyhow::ensure!(status.is_success(), "PUT {path}: {status} {}", response.text().await?);
        Ok(())
    }

    /// Adds an admin user with this role (`analyst`, `hr`...) as this admin.
    pub async fn add_user(&self, email: &str, password: &str, role: &str) -> anyhow::Result<()> {
        let _: Value = self.post("/api/admin/users", &json!({ "email": email, "password": password, "role": role })).await?;
        Ok(())
    }

    /// Adds an admin user with this role and [`USER_PASSWORD`], and signs them in.
    pub async fn add_signed_in_user(&self, email: &str, role: &str) -> anyhow::Result<Admin> {
        self.add_user(email, USER_PASSWORD, role).await?;
        Admin::sign_in(&self.base, email, USER_PASSWORD).await
    }

    /// A link campaign (`fields`: at least `survey_id` and `anonymity`) with the recipients of
    /// a CSV file as the admin app reads it: the campaign as created.
    pub async fn create_campaign(&self, fields: &Value, recipients_csv: &str) -> anyhow::Result<Value> {
        let campaign: Value = self.post("/api/admin/campaigns", fields).await?;
        let id = campaign["id"].as_i64().ok_or_else(|| anyhow::anyhow!("no campaign id in {campaign}"))?;
        let _: Value = self.post(&format!("/api/admin/campaigns/{id}/recipients"), &crate::recipients_json(recipients_csv)).await?;
        Ok(campaign)
    }

    pub async fn create_project(&self, origins: &[&str]) -> anyhow::Result<Project> {
        self.post("/api/admin/projects", &project_input("Acme app", origins)?).await
    }

    pub async fn create_live_survey(&self, project_id: i64, kind: SurveyKind) -> anyhow::Result<Survey> {
        self.create_survey(project_id, &live_survey(&format!("{} survey", kind.as_str()), kind)).await
    }

    pub async fn create_survey(&self, project_id: i64, input: &SurveyInput) -> anyhow::Result<Survey> {
        self.post(&format!("/api/admin/projects/{project_id}/surveys"), input).await
    }

    /// Every stored answer of a survey (up to 100,000).
    pub async fn responses(&self, survey_id: i64) -> anyhow::Result<Vec<ResponseRow>> {
        self.get(&format!("/api/admin/responses?survey_id={survey_id}&limit=100000")).await
    }
}
