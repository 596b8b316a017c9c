//! The lifecycle of admin users (issue #12): owners disable and re-enable users, change their
//! role and delete them; owners (and admins, for users who are not owners) create a signed,
//! single-use password-reset link to pass on.
//!
//! Every change bumps the user's session epoch in the same statement, so the user's sessions
//! end at once, on every device. Two guard rails, both answered with 409:
//! - the last active owner cannot be disabled, deleted or demoted (checked inside the SQL
//!   statement, so concurrent changes cannot get around it), and
//! - an owner cannot disable or delete their own account (another owner must), so nobody
//!   locks themselves out by accident. Demoting oneself is allowed while another active owner
//!   remains (the guard above refuses it for the last one); it ends one's own sessions too.

use crate::auth::AdminSession;
use crate::error::{ApiError, ApiResult};
use crate::extract::JsonBody;
use crate::ingest::now_ms;
use crate::state::State;
use crate::store::admin_users::{AdminChange, ChangeOutcome, SessionUser};
use actix_web::{HttpResponse, delete, post, put, web};
use nps_core::ErrorCode;
use nps_core::wire::{AdminRole, AdminUserStatus, PasswordResetLink, RoleChange, StatusChange};
use rand::Rng;
use serde::{Deserialize, Serialize};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(set_status).service(set_role).service(delete_user).service(create_reset_link);
}

pub const RESET_AUDIENCE: &str = "nps-admin-password-reset";
/// How long a reset link stays valid.
pub const RESET_HOURS: i64 = 24;

/// What a reset link carries; signed with the server secret, nothing stored until it is used.
///
/// The link is bound to the state it was issued for: the user's link epoch (a role change,
/// disabling or a new password moves it, so an admin's link for an analyst dies when the
/// analyst is made an owner), and its issuer's id and link epoch (so it dies when the issuer
/// is deleted, disabled, demoted or changes their password). The three are optional only so
/// that a link from before they existed is refused with a message, not as garbage.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResetClaims {
    /// The user's id.
    pub sub: String,
    /// The user's e-mail when the link was made: the link is refused if it no longer matches.
    pub email: String,
    /// Who created the link (their e-mail, for messages and the log).
    pub by: String,
    /// Recorded when used, which makes the link single-use.
    pub jti: String,
    pub aud: String,
    /// Unix seconds.
    pub exp: i64,
    /// The user's link epoch when the link was made.
    #[serde(default)]
    pub tep: Option<i64>,
    /// The issuer's id.
    #[serde(default)]
    pub iid: Option<i64>,
    /// The issuer's link epoch when the link was made.
    #[serde(default)]
    pub iep: Option<i64>,
}

fn not_yourself(session: &AdminSession, id: i64, what: &str) -> ApiResult<()> {
    if session.user_id == id {
        return Err(ApiError::client(ErrorCode::Conflict, format!("you cannot {what} your own account; ask another owner")));
    }
    Ok(())
}

fn no_such_user(id: i64) -> ApiError {
    ApiError::not_found(format!("admin user {id}"))
}

/// Applies a guarded change and answers 204, 404 or 409.
async fn apply(state: &State, id: i64, change: AdminChange) -> ApiResult<HttpResponse> {
    match state.store.change_admin(id, change, now_ms()).await? {
        ChangeOutcome::Done => Ok(HttpResponse::NoContent().finish()),
        ChangeOutcome::NoSuchUser => Err(no_such_user(id)),
        ChangeOutcome::LastActiveOwner => Err(ApiError::client(
            ErrorCode::Conflict,
            "this user is the last active owner; make another user an owner first",
        )),
    }
}

/// Disables (the user cannot sign in, every session ends) or re-enables a user (owners).
#[utoipa::path(tag = "admin", params(("id" = i64, Path)), request_body = StatusChange, responses((status = 204), (status = 403, body = nps_core::ApiErrorBody), (status = 404, body = nps_core::ApiErrorBody), (status = 409, body = nps_core::ApiErrorBody)))]
#[put("/api/admin/users/{id}/status")]
pub async fn set_status(state: State, session: AdminSession, id: web::Path<i64>, body: JsonBody<StatusChange>) -> ApiResult<HttpResponse> {
    session.require_owner()?;
    let id = id.into_inner();
    let change = match body.0.status {
        AdminUserStatus::Disabled => AdminChange::Disable,
        AdminUserStatus::Active => AdminChange::Enable,
    };
    not_yourself(&session, id, "disable or enable")?;
    let response = apply(&state, id, change).await?;
    tracing::info!(user_id = id, status = ?body.0.status, by = %session.email, "admin user status changed");
    Ok(response)
}

/// Changes a user's role (owners); the user's sessions end and the next sign-in has the role.
#[utoipa::path(tag = "admin", params(("id" = i64, Path)), request_body = RoleChange, responses((status = 204), (status = 403, body = nps_core::ApiErrorBody), (status = 404, body = nps_core::ApiErrorBody), (status = 409, body = nps_core::ApiErrorBody)))]
#[put("/api/admin/users/{id}/role")]
pub async fn set_role(state: State, session: AdminSession, id: web::Path<i64>, body: JsonBody<RoleChange>) -> ApiResult<HttpResponse> {
    session.require_owner()?;
    let id = id.into_inner();
    let response = apply(&state, id, AdminChange::SetRole(body.0.role)).await?;
    tracing::info!(user_id = id, role = body.0.role.as_str(), by = %session.email, "admin user role changed");
    Ok(response)
}

/// Deletes a user (owners); their sessions stop working at once.
#[utoipa::path(tag = "admin", params(("id" = i64, Path)), responses((status = 204), (status = 403, body = nps_core::ApiErrorBody), (status = 404, body = nps_core::ApiErrorBody), (status = 409, body = nps_core::ApiErrorBody)))]
#[delete("/api/admin/users/{id}")]
pub async fn delete_user(state: State, session: AdminSession, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    session.require_owner()?;
    let id = id.into_inner();
    not_yourself(&session, id, "delete")?;
    let response = apply(&state, id, AdminChange::Delete).await?;
    tracing::info!(user_id = id, by = %session.email, "admin user deleted");
    Ok(response)
}

/// Owners reset anyone's password; admins only that of users who are not owners (an admin
/// must not be able to take over an owner's account).
fn may_reset(session: &AdminSession, target: &SessionUser) -> ApiResult<()> {
    if target.role == AdminRole::Owner {
        return session.require_owner();
    }
    session.require_configure()
}

/// [`may_reset`] for the roles as they are when a link is used.
pub(crate) fn may_still_reset(issuer: AdminRole, target: AdminRole) -> bool {
    issuer == AdminRole::Owner || (issuer.can_configure() && target != AdminRole::Owner)
}

/// The session's user as stored now, for the link epoch a link it issues carries; refused if
/// the account changed since the session was checked (the link would carry the new epoch under
/// the old role's decision).
pub(crate) async fn issuer(state: &State, session: &AdminSession) -> ApiResult<SessionUser> {
    let user = state.store.session_user(session.user_id).await?.filter(|u| !u.disabled && u.role == session.role);
    user.ok_or_else(|| ApiError::client(ErrorCode::Unauthorized, "your account changed during this request; sign in again"))
}

/// Creates a signed, single-use reset link for a user, valid for [`RESET_HOURS`], returned to
/// pass on. Using it sets a new password and ends every session of the user.
#[utoipa::path(tag = "admin", params(("id" = i64, Path)), responses((status = 201, body = PasswordResetLink), (status = 403, body = nps_core::ApiErrorBody), (status = 404, body = nps_core::ApiErrorBody)))]
#[post("/api/admin/users/{id}/password-resets")]
pub async fn create_reset_link(state: State, session: AdminSession, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    session.require_configure()?;
    let id = id.into_inner();
    let target = state.store.session_user(id).await?.ok_or_else(|| no_such_user(id))?;
    may_reset(&session, &target)?;
    let issuer = issuer(&state, &session).await?;
    let claims = ResetClaims {
        sub: id.to_string(),
        email: target.email,
        by: session.email.clone(),
        jti: hex::encode(rand::rng().random::<[u8; 16]>()),
        aud: RESET_AUDIENCE.to_owned(),
        exp: now_ms() / 1000 + RESET_HOURS * 3600,
        tep: Some(target.link_epoch),
        iid: Some(issuer.id),
        iep: Some(issuer.link_epoch),
    };
    let token = state.keys.sign(&claims).map_err(ApiError::Internal)?;
    tracing::info!(user_id = id, by = %claims.by, "password reset link issued");
    Ok(HttpResponse::Created().json(reset_link(&claims, token)))
}

pub(crate) fn reset_link(claims: &ResetClaims, token: String) -> PasswordResetLink {
    PasswordResetLink {
        email: claims.email.clone(),
        expires_at: claims.exp * 1000,
        reset_path: format!("/admin/reset?token={token}"),
        token,
    }
}
