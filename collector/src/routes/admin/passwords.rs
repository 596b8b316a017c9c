//! Setting passwords: with a reset link (no session needed), or a signed-in user changing
//! their own.
//!
//! A reset link (see `users.rs`) works once: using it records its `jti` in the same
//! transaction that sets the password, so reuse answers 409 and concurrent uses cannot both
//! succeed. Either way every session of the user ends (the session epoch is bumped).
//!
//! Changing one's own password ends every *other* session of the user and re-issues the
//! session of the request that made the change (a new cookie and CSRF token in the answer),
//! so the browser that changed the password stays signed in; a stolen cookie or bearer token
//! stops working. A wrong current password counts as a failed sign-in for the lockout, so a
//! stolen session cannot be used to guess the password.

use super::auth::{check_new_password, locked_out, session_response};
use nps_core::wire::Me;
use super::users::{RESET_AUDIENCE, ResetClaims, reset_link};
use crate::auth::{AdminSession, hash_password, hashing_turn, verify_password};
use crate::error::{ApiError, ApiResult};
use crate::extract::JsonBody;
use crate::ingest::now_ms;
use crate::state::State;
use crate::store::admin_users::{ResetOutcome, SessionUser};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use nps_core::ErrorCode;
use nps_core::wire::{NewPassword, PasswordChange};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(check_reset).service(use_reset).service(change_own);
}

fn already_used() -> ApiError {
    ApiError::client(ErrorCode::Conflict, "the reset link has already been used; ask for a new one")
}

fn invalid_link() -> ApiError {
    ApiError::client(ErrorCode::IdentityInvalid, "the reset link is not valid; check that it was copied whole")
}

/// Signature, audience, expiry, and that the user still exists with the e-mail of the link.
async fn verify(state: &State, token: &str) -> ApiResult<(ResetClaims, SessionUser)> {
    let claims: ResetClaims = state.keys.verify_claims(token, RESET_AUDIENCE, "reset link").map_err(|(code, _)| match code {
        ErrorCode::IdentityExpired => ApiError::client(code, "the reset link has expired; ask for a new one"),
        _ => invalid_link(),
    })?;
    let id: i64 = claims.sub.parse().map_err(|_| invalid_link())?;
    let user = state.store.session_user(id).await?.filter(|u| u.email == claims.email);
    let user = user.ok_or_else(|| ApiError::not_found("the account of this reset link"))?;
    Ok((claims, user))
}

/// Whose password a reset link sets, before choosing one (no session needed).
#[utoipa::path(tag = "admin", security(()), params(("token" = String, Path)), responses((status = 200, body = nps_core::wire::PasswordResetLink), (status = 401, body = nps_core::ApiErrorBody), (status = 404, body = nps_core::ApiErrorBody), (status = 409, body = nps_core::ApiErrorBody)))]
#[get("/api/admin/password-resets/{token}")]
pub async fn check_reset(state: State, token: web::Path<String>) -> ApiResult<HttpResponse> {
    let (claims, _) = verify(&state, &token).await?;
    if state.store.password_reset_used(&claims.jti).await? {
        return Err(already_used());
    }
    Ok(HttpResponse::Ok().json(reset_link(&claims, token.into_inner())))
}

/// Uses a reset link: sets the new password and ends every session of the user. Answers who
/// the user is, so the page can sign them in.
#[utoipa::path(tag = "admin", security(()), params(("token" = String, Path)), request_body = NewPassword, responses((status = 200, body = nps_core::wire::Me), (status = 401, body = nps_core::ApiErrorBody), (status = 404, body = nps_core::ApiErrorBody), (status = 409, body = nps_core::ApiErrorBody), (status = 422, body = nps_core::ApiErrorBody)))]
#[post("/api/admin/password-resets/{token}")]
pub async fn use_reset(state: State, token: web::Path<String>, body: JsonBody<NewPassword>) -> ApiResult<HttpResponse> {
    let (claims, user) = verify(&state, &token).await?;
    check_new_password("password", &body.0.password)?;
    // Cheap early answer before hashing; the transaction below is what decides.
    if state.store.password_reset_used(&claims.jti).await? {
        return Err(already_used());
    }
    let hash = hash_password(body.0.password).await.map_err(ApiError::Internal)?;
    match state.store.redeem_password_reset(user.id, &claims.jti, &hash, now_ms()).await? {
        ResetOutcome::Done => {}
        ResetOutcome::AlreadyUsed => return Err(already_used()),
        ResetOutcome::NoSuchUser => return Err(ApiError::not_found("the account of this reset link")),
    }
    tracing::info!(user_id = user.id, issued_by = %claims.by, "password reset by link");
    Ok(HttpResponse::Ok().json(Me { email: user.email, role: user.role }))
}

/// Checks the current password under the sign-in lockout (a failure counts as a failed
/// sign-in); `Err` carries the answer to send.
async fn check_current(state: &State, req: &HttpRequest, email: &str, password: String) -> ApiResult<Result<(), HttpResponse>> {
    let address = req.peer_addr().map(|a| a.ip());
    let turn = hashing_turn().await.map_err(ApiError::Internal)?;
    let attempt = match state.sign_in.admit(email, address, now_ms()).await? {
        Ok(attempt) => attempt,
        Err(retry_after) => return Ok(Err(locked_out(retry_after))),
    };
    let stored = state.store.admin_by_email(email).await?.map(|a| a.password_hash).unwrap_or_else(|| crate::auth::DUMMY_HASH.to_owned());
    let valid = verify_password(password, stored, &turn).await;
    state.sign_in.settle(attempt, valid).await?;
    if !valid {
        return Err(ApiError::client(ErrorCode::InvalidCredentials, "current_password is wrong"));
    }
    Ok(Ok(()))
}

/// A signed-in user changes their own password: every other session of the user ends, and
/// this one is re-issued (new cookie; the answer carries the new CSRF token).
#[utoipa::path(tag = "admin", request_body = PasswordChange, responses((status = 200, body = nps_core::wire::SessionInfo), (status = 401, body = nps_core::ApiErrorBody), (status = 422, body = nps_core::ApiErrorBody), (status = 429, body = nps_core::ApiErrorBody)))]
#[post("/api/admin/session/password")]
pub async fn change_own(state: State, req: HttpRequest, session: AdminSession, body: JsonBody<PasswordChange>) -> ApiResult<HttpResponse> {
    let PasswordChange { current_password, new_password } = body.0;
    check_new_password("new_password", &new_password)?;
    if let Err(answer) = check_current(&state, &req, &session.email, current_password).await? {
        return Ok(answer);
    }
    let hash = hash_password(new_password).await.map_err(ApiError::Internal)?;
    let epoch = state.store.set_password(session.user_id, &hash).await?.ok_or_else(|| ApiError::not_found("your account"))?;
    tracing::info!(user_id = session.user_id, "admin user changed their password");
    session_response(&state, session.user_id, session.email, session.role, epoch)
}
