//! Setting passwords: with a reset link (no session needed), or a signed-in user changing
//! their own.
//!
//! A reset link (see `users.rs`) works once: using it records its `jti` in the same
//! transaction that sets the password, so reuse answers 409 and concurrent uses cannot both
//! succeed. It works only while the user and its issuer are as they were when it was made
//! (their link epochs, checked again inside that transaction) and the issuer may still reset
//! this user: otherwise 409, naming what changed. Either way every session of the user ends
//! (the session epoch is bumped).
//!
//! Changing one's own password ends every *other* session of the user and re-issues the
//! session of the request that made the change (a new cookie and CSRF token in the answer),
//! so the browser that changed the password stays signed in; a stolen cookie or bearer token
//! stops working. A wrong current password counts as a failed sign-in for the lockout, so a
//! stolen session cannot be used to guess the password.

use super::auth::{check_new_password, locked_out, session_response};
use nps_core::wire::Me;
use super::users::{RESET_AUDIENCE, ResetClaims, may_still_reset, reset_link};
use crate::auth::{AdminSession, hash_password, hashing_turn, verify_password};
use crate::error::{ApiError, ApiResult};
use crate::extract::JsonBody;
use crate::ingest::now_ms;
use crate::state::State;
use crate::store::admin_users::{LinkIssuer, ResetOutcome, ResetUse, SessionUser};
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

fn revoked(why: impl std::fmt::Display) -> ApiError {
    ApiError::client(ErrorCode::Conflict, format!("the reset link no longer works: {why}; ask for a new one"))
}

/// What a checked link is for: the user, the user's link epoch it was issued at, its issuer.
struct Checked {
    claims: ResetClaims,
    user: SessionUser,
    user_link_epoch: i64,
    issuer: LinkIssuer,
}

/// Signature, audience, expiry, that the user still exists with the e-mail of the link, and
/// that neither the user nor the issuer changed since and the issuer may still reset the user.
async fn verify(state: &State, token: &str) -> ApiResult<Checked> {
    let claims: ResetClaims = state.keys.verify_claims(token, RESET_AUDIENCE, "reset link").map_err(|(code, _)| match code {
        ErrorCode::IdentityExpired => ApiError::client(code, "the reset link has expired; ask for a new one"),
        _ => invalid_link(),
    })?;
    let id: i64 = claims.sub.parse().map_err(|_| invalid_link())?;
    let user = state.store.session_user(id).await?.filter(|u| u.email == claims.email);
    let user = user.ok_or_else(|| ApiError::not_found("the account of this reset link"))?;
    // First, so a used link says so (using it moved the user's link epoch).
    if state.store.password_reset_used(&claims.jti).await? {
        return Err(already_used());
    }
    let (Some(user_link_epoch), Some(issuer_id), Some(issuer_epoch)) = (claims.tep, claims.iid, claims.iep) else {
        return Err(revoked("it was made by an earlier version of the collector"));
    };
    if user.link_epoch != user_link_epoch {
        return Err(revoked(format_args!("the account of {} changed since it was made (role, status or password)", user.email)));
    }
    let by = &claims.by;
    let issuer = match state.store.session_user(issuer_id).await? {
        None => return Err(revoked(format_args!("{by}, who made it, no longer has an account"))),
        Some(i) if i.disabled => return Err(revoked(format_args!("{by}, who made it, has been disabled"))),
        Some(i) if i.link_epoch != issuer_epoch => {
            return Err(revoked(format_args!("the account of {by}, who made it, changed since (role, status or password)")));
        }
        Some(i) if !may_still_reset(i.role, user.role) => {
            return Err(revoked(format_args!("{by}, who made it, may not reset the password of a {}", user.role.as_str())));
        }
        Some(i) => LinkIssuer { id: i.id, link_epoch: i.link_epoch },
    };
    Ok(Checked { claims, user, user_link_epoch, issuer })
}

/// Whose password a reset link sets, before choosing one (no session needed).
#[utoipa::path(tag = "admin", security(()), params(("token" = String, Path)), responses((status = 200, body = nps_core::wire::PasswordResetLink), (status = 401, body = nps_core::ApiErrorBody), (status = 404, body = nps_core::ApiErrorBody), (status = 409, body = nps_core::ApiErrorBody)))]
#[get("/api/admin/password-resets/{token}")]
pub async fn check_reset(state: State, token: web::Path<String>) -> ApiResult<HttpResponse> {
    let Checked { claims, .. } = verify(&state, &token).await?;
    Ok(HttpResponse::Ok().json(reset_link(&claims, token.into_inner())))
}

/// Uses a reset link: sets the new password and ends every session of the user. Answers who
/// the user is, so the page can sign them in.
#[utoipa::path(tag = "admin", security(()), params(("token" = String, Path)), request_body = NewPassword, responses((status = 200, body = nps_core::wire::Me), (status = 401, body = nps_core::ApiErrorBody), (status = 404, body = nps_core::ApiErrorBody), (status = 409, body = nps_core::ApiErrorBody), (status = 422, body = nps_core::ApiErrorBody)))]
#[post("/api/admin/password-resets/{token}")]
pub async fn use_reset(state: State, token: web::Path<String>, body: JsonBody<NewPassword>) -> ApiResult<HttpResponse> {
    let Checked { claims, user, user_link_epoch, issuer } = verify(&state, &token).await?;
    check_new_password("password", &body.0.password)?;
    // `verify` answered early, before hashing; the transaction below is what decides.
    let hash = hash_password(body.0.password).await.map_err(ApiError::Internal)?;
    let reset = ResetUse { user_id: user.id, user_link_epoch, issuer, jti: &claims.jti, password_hash: &hash };
    match state.store.redeem_password_reset(reset, now_ms()).await? {
        ResetOutcome::Done => {}
        ResetOutcome::AlreadyUsed => return Err(already_used()),
        ResetOutcome::NoSuchUser => return Err(ApiError::not_found("the account of this reset link")),
        // The user or the issuer changed while the password was being hashed.
        ResetOutcome::Revoked => return Err(revoked("the account or its issuer changed while it was being used")),
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
