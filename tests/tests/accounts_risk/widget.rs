//! The widget's side of the accounts-at-risk story, over the public client API.

use nps_e2e::new_id;
use serde_json::{Value, json};

/// The widget's side: identify, show, answer, decline, over the public client API.
pub struct Widget {
    pub http: reqwest::Client,
    pub base: String,
}

impl Widget {
    pub async fn send(&self, path: &str, body: Value) -> anyhow::Result<()> {
        let response = self.http.post(format!("{}/{path}", self.base)).json(&body).send().await?;
        let status = response.status().as_u16();
        anyhow::ensure!(status == 200 || status == 202, "POST {path}: {status} {}", response.text().await?);
        // Strictly increasing server timestamps: "after the answer" must mean after.
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        Ok(())
    }

    pub async fn identify(&self, user: &str, account: Option<&str>) -> anyhow::Result<()> {
        let account = account.map(|a| json!({ "id": a, "role": "end_user" }));
        self.send("identify", json!({ "user_id": user, "account": account })).await
    }

    pub async fn answer(&self, user: &str, survey: i64, score: i64) -> anyhow::Result<String> {
        let id = new_id();
        self.send("responses", json!({ "response_id": id, "survey_id": survey, "user_id": user, "score": score })).await?;
        Ok(id)
    }

    pub async fn shown(&self, user: &str, survey: i64) -> anyhow::Result<()> {
        self.send("displays", json!({ "display_id": new_id(), "survey_id": survey, "user_id": user })).await
    }

    pub async fn decline(&self, user: &str, survey: i64) -> anyhow::Result<()> {
        self.shown(user, survey).await?;
        self.send("feedback", json!({ "action_id": new_id(), "survey_id": survey, "user_id": user, "kind": "decline" })).await
    }
}
