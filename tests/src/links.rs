//! Personal links of a campaign as only their recipients get them (by e-mail). Anonymous and
//! confidential campaigns never show links to admins, so tests that play the recipients sign
//! the links themselves, with the collector's server secret and the recipients' rows.

use serde_json::json;
use sqlx::Connection;

pub use crate::tokens::TEST_SERVER_SECRET;

/// (recipient e-mail, personal link of wave 1) for every recipient of the campaign.
pub async fn personal_links(db_url: &str, base_url: &str, campaign_id: i64) -> anyhow::Result<Vec<(String, String)>> {
    let sql = "SELECT email, id, token_id FROM recipients WHERE campaign_id = $1 ORDER BY email";
    let rows: Vec<(String, String, String)> = if db_url.starts_with("postgres") {
        let mut db = sqlx::PgConnection::connect(db_url).await?;
        sqlx::query_as(sql).bind(campaign_id).fetch_all(&mut db).await?
    } else {
        let mut db = sqlx::SqliteConnection::connect(db_url).await?;
        sqlx::query_as(sql).bind(campaign_id).fetch_all(&mut db).await?
    };
    let exp = crate::now_secs() + 86_400;
    rows.into_iter()
        .map(|(email, id, token_id)| {
            let claims = json!({ "sub": id, "cid": campaign_id, "jti": token_id, "aud": "nps-invite", "exp": exp });
            Ok((email, format!("{base_url}/s/{}", crate::tokens::sign_as_server(&claims)?)))
        })
        .collect()
}

/// Answers a personal link as its recipient does, through the hosted page's plain HTML form:
/// the status and the page that came back.
pub async fn answer(url: &str, score: u8, comment: &str) -> anyhow::Result<(u16, String)> {
    let form = [("score", score.to_string()), ("comment", comment.to_owned())];
    let response = reqwest::Client::new().post(url).form(&form).send().await?;
    Ok((response.status().as_u16(), response.text().await?))
}

/// The (e-mail, personal link) pairs an admin who may read them gets for a campaign.
pub async fn listed_links(admin: &crate::Admin, campaign_id: i64) -> anyhow::Result<Vec<(String, String)>> {
    let links: Vec<serde_json::Value> = admin.get(&format!("/api/admin/campaigns/{campaign_id}/links")).await?;
    let text = |l: &serde_json::Value, key: &str| l[key].as_str().unwrap_or_default().to_owned();
    Ok(links.iter().map(|l| (text(l, "email"), text(l, "url"))).collect())
}
