//! Personal links of a campaign as only their recipients get them (by e-mail). Anonymous and
//! confidential campaigns never show links to admins, so tests that play the recipients sign
//! the links themselves, with the collector's server secret and the recipients' rows.

use serde_json::json;
use sqlx::Connection;

/// The server secret tests start collectors with when they need to sign links.
pub const TEST_SERVER_SECRET: &str = "end-to-end-test-server-secret-0123456789";

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
    let key = jsonwebtoken::EncodingKey::from_secret(TEST_SERVER_SECRET.as_bytes());
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
    let exp = now + 86_400;
    rows.into_iter()
        .map(|(email, id, token_id)| {
            let claims = json!({ "sub": id, "cid": campaign_id, "jti": token_id, "aud": "nps-invite", "exp": exp });
            let token = jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), &claims, &key)?;
            Ok((email, format!("{base_url}/s/{token}")))
        })
        .collect()
}
