//! Signing in and out, the first owner, who am I.

use super::*;
pub use nps_core::wire::Me;

/// `Credentials` as sent: the address as typed, which the collector parses at the edge
/// (`EmailAddress`: trimmed, lower-cased). Parsing it here too would bring Unicode's case
/// tables into the first download (about 8 KB brotli) for the sign-in form alone.
#[derive(Serialize)]
struct TypedCredentials<'a> {
    email: &'a str,
    password: &'a str,
}

pub async fn bootstrap(email: &str, password: &str) -> ApiResult<()> {
    call::<serde_json::Value>("POST", "/api/admin/bootstrap", json(&TypedCredentials { email, password })).await.map(|_| ())
}

pub async fn sign_in(email: &str, password: &str) -> ApiResult<SessionInfo> {
    let session: SessionInfo = call("POST", "/api/admin/session", json(&TypedCredentials { email, password })).await?;
    set_csrf(Some(session.csrf_token.clone()));
    Ok(session)
}

pub async fn whoami() -> ApiResult<Me> {
    call("GET", "/api/admin/session", None).await
}

pub async fn sign_out() -> ApiResult<()> {
    let result = call::<serde_json::Value>("DELETE", "/api/admin/session", None).await.map(|_| ());
    set_csrf(None);
    result
}
