//! Signing in and out, the first owner, who am I.

use super::*;
pub use nps_core::wire::Me;

pub async fn bootstrap(credentials: &Credentials) -> ApiResult<()> {
    call::<serde_json::Value>("POST", "/api/admin/bootstrap", json(credentials)).await.map(|_| ())
}

pub async fn sign_in(credentials: &Credentials) -> ApiResult<SessionInfo> {
    let session: SessionInfo = call("POST", "/api/admin/session", json(credentials)).await?;
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
