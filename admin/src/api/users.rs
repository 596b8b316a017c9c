//! Admin users: invitations, the user list, roles, status, reset links, one's own password.

use super::*;
pub use nps_core::wire::{AdminUser, Invitation, InvitationRequest};

pub async fn invite(request: &InvitationRequest) -> ApiResult<Invitation> {
    call("POST", "/api/admin/invitations", json(request)).await
}

/// What an invitation link is for (no session needed).
pub async fn check_invitation(token: &str) -> ApiResult<Invitation> {
    call("GET", &format!("/api/admin/invitations/check{}", query(&[("token", token.to_owned())])), None).await
}

/// Creates the invited user with `password`; sign in afterwards.
pub async fn accept_invitation(token: &str, password: &str) -> ApiResult<Me> {
    call("POST", "/api/admin/invitations/accept", json(&serde_json::json!({ "token": token, "password": password }))).await
}

/// Every admin user (owners and admins may list them).
pub async fn users() -> ApiResult<Vec<AdminUser>> {
    call("GET", "/api/admin/users", None).await
}

/// Disables (sign-in refused, sessions ended) or re-enables a user.
pub async fn set_user_status(id: i64, status: nps_core::wire::AdminUserStatus) -> ApiResult<()> {
    let body = nps_core::wire::StatusChange { status };
    call::<serde_json::Value>("PUT", &format!("/api/admin/users/{id}/status"), json(&body)).await.map(|_| ())
}

pub async fn set_user_role(id: i64, role: nps_core::wire::AdminRole) -> ApiResult<()> {
    let body = nps_core::wire::RoleChange { role };
    call::<serde_json::Value>("PUT", &format!("/api/admin/users/{id}/role"), json(&body)).await.map(|_| ())
}

pub async fn delete_user(id: i64) -> ApiResult<()> {
    call::<serde_json::Value>("DELETE", &format!("/api/admin/users/{id}"), None).await.map(|_| ())
}

/// A signed single-use link (24 h) that lets the user choose a new password.
pub async fn create_reset_link(id: i64) -> ApiResult<nps_core::wire::PasswordResetLink> {
    call("POST", &format!("/api/admin/users/{id}/password-resets"), None).await
}

/// Whose password a reset link sets (no session needed).
pub async fn check_reset_link(token: &str) -> ApiResult<nps_core::wire::PasswordResetLink> {
    call("GET", &format!("/api/admin/password-resets/{}", encode(token)), None).await
}

/// Sets the password with a reset link; sign in afterwards.
pub async fn use_reset_link(token: &str, password: &str) -> ApiResult<Me> {
    let body = nps_core::wire::NewPassword { password: password.to_owned() };
    call("POST", &format!("/api/admin/password-resets/{}", encode(token)), json(&body)).await
}

/// Changes the signed-in user's password. The collector ends every other session of the user
/// and re-issues this one, so the new CSRF token is kept.
pub async fn change_password(change: &nps_core::wire::PasswordChange) -> ApiResult<SessionInfo> {
    let session: SessionInfo = call("POST", "/api/admin/session/password", json(change)).await?;
    set_csrf(Some(session.csrf_token.clone()));
    Ok(session)
}
