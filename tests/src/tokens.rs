//! Tokens signed the way the collector (with the harness's server secret) or a vendor's backend
//! (with a project's identity secret) signs them: HS256 JWTs.

use serde_json::Value;

/// The server secret tests start collectors with when they need to sign links.
pub const TEST_SERVER_SECRET: &str = "end-to-end-test-server-secret-0123456789";

/// `claims` signed with `secret`.
pub fn sign(secret: &str, claims: &Value) -> anyhow::Result<String> {
    let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    Ok(jsonwebtoken::encode(&header, claims, &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()))?)
}

/// `claims` signed as the collectors the harness starts sign them (a leaked or reused secret,
/// a link the test must forge or re-date).
pub fn sign_as_server(claims: &Value) -> anyhow::Result<String> {
    sign(TEST_SERVER_SECRET, claims)
}

/// The claims of a token the harness's collectors signed for `audience`.
pub fn server_claims(token: &str, audience: &str) -> anyhow::Result<Value> {
    let key = jsonwebtoken::DecodingKey::from_secret(TEST_SERVER_SECRET.as_bytes());
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.set_audience(&[audience]);
    Ok(jsonwebtoken::decode::<Value>(token, &key, &validation)?.claims)
}

/// The token with the first character of its signature changed: well formed, wrongly signed
/// (every bit of that character counts, unlike the last one's).
pub fn tampered(token: &str) -> String {
    let (head, signature) = token.rsplit_once('.').unwrap_or_default();
    let swapped = if signature.starts_with('A') { 'B' } else { 'A' };
    format!("{head}.{swapped}{}", signature.get(1..).unwrap_or_default())
}
