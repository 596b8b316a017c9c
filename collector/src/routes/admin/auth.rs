//! First-run bootstrap, sign-in and sign-out, and adding admin users.

use crate::auth::{ADMIN_AUDIENCE, AdminClaims, AdminSession, DUMMY_HASH, SESSION_COOKIE, hash_password, hashing_turn, verify_password};
use crate::error::{ApiError, ApiResult};
use crate::extract::JsonBody;
use crate::ingest::now_ms;
use crate::state::State;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{HttpRequest, HttpResponse, ResponseError, delete, get, post, web};
use nps_core::ErrorCode;
use nps_core::wire::{AdminRole, Credentials, EmailAddress, Me, NewAdminUser, SessionInfo};
use rand::Rng;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(bootstrap).service(sign_in).service(sign_out).service(whoami).service(create_user);
}

const MIN_PASSWORD_CHARS: usize = 10;

/// The rules for every new password (creation, invitation, reset, change); `field` names it.
pub(crate) fn check_new_password(field: &str, password: &str) -> ApiResult<()> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(ApiError::invalid(format!("{field} must be at least {MIN_PASSWORD_CHARS} characters")));
    }
    // Bounds the hashing work a request can ask for (at most 4 KiB); counted in characters,
    // as the schema's maxLength is.
    if password.chars().count() > 1024 {
        return Err(ApiError::invalid(format!("{field} must be at most 1024 characters")));
    }
    Ok(())
}

/// Creates an admin user; used by owners and by accepted invitations.
pub async fn create_admin(state: &crate::state::AppState, email: &EmailAddress, password: &str, role: AdminRole) -> ApiResult<()> {
    check_new_password("password", password)?;
    let hash = hash_password(password.to_owned()).await.map_err(ApiError::Internal)?;
    state.store.create_admin(email, &hash, role, now_ms()).await?;
    Ok(())
}

fn owner_exists() -> ApiError {
    ApiError::client(ErrorCode::Conflict, "an owner already exists; sign in instead")
}

/// Creates the first owner. Refused once any admin user exists: the check and the insert are
/// one atomic step in SQL, so of concurrent bootstraps (on one collector or several sharing a
/// database) exactly one succeeds.
#[utoipa::path(tag = "admin", security(()), request_body = Credentials, responses((status = 201), (status = 409, body = nps_core::ApiErrorBody)))]
#[post("/api/admin/bootstrap")]
pub async fn bootstrap(state: State, body: JsonBody<Credentials>) -> ApiResult<HttpResponse> {
    // Cheap early answer once set up (no hashing); the atomic insert below is what decides.
    if state.store.count_admins().await? > 0 {
        return Err(owner_exists());
    }
    let Credentials { email, password } = body.0;
    check_new_password("password", &password)?;
    let hash = hash_password(password).await.map_err(ApiError::Internal)?;
    if !state.store.create_first_owner(&email, &hash, now_ms()).await? {
        return Err(owner_exists());
    }
    Ok(HttpResponse::Created().finish())
}

/// 429 with `Retry-After` (whole seconds, at least 1) while sign-in is locked.
pub(crate) fn locked_out(retry_after: std::time::Duration) -> HttpResponse {
    let error = ApiError::client(ErrorCode::RateLimited, "too many failed sign-ins; wait before trying again");
    let mut response = error.error_response();
    let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&seconds.max(1).to_string()) {
        response.headers_mut().insert(actix_web::http::header::RETRY_AFTER, value);
    }
    response
}

/// Signs in: sets the HttpOnly session cookie and returns the CSRF token to echo in
/// `X-CSRF-Token` on state-changing requests.
#[utoipa::path(tag = "admin", security(()), request_body = Credentials, responses((status = 200, body = SessionInfo), (status = 401, body = nps_core::ApiErrorBody)))]
#[post("/api/admin/session")]
pub async fn sign_in(state: State, req: HttpRequest, body: JsonBody<Credentials>) -> ApiResult<HttpResponse> {
    let Credentials { email, password } = body.0;
    let address = req.peer_addr().map(|a| a.ip());
    // The attempt is counted under a hashing turn, so one user's simultaneous sign-ins (each
    // counted until its check is done) use at most a turn's worth of the account's attempts.
    let turn = hashing_turn().await.map_err(ApiError::Internal)?;
    let attempt = match state.sign_in.admit(&email, address, now_ms()).await? {
        Ok(attempt) => attempt,
        Err(retry_after) => return Ok(locked_out(retry_after)),
    };
    let admin = state.store.admin_by_email(&email).await?;
    // Looked up before verifying, so a disabled account costs the same time whether the
    // password is right or not.
    let user = match &admin {
        Some(a) => state.store.session_user(a.id).await?,
        None => None,
    };
    // Verify against a dummy hash when the user is unknown, so timing does not reveal
    // which e-mail addresses have accounts.
    let stored = admin.as_ref().map(|a| a.password_hash.clone()).unwrap_or_else(|| DUMMY_HASH.to_owned());
    let valid = verify_password(password, stored, &turn).await;
    // A disabled user gets the answer of a wrong password: the sign-in form tells nobody
    // which accounts exist or are disabled.
    let enabled = user.as_ref().is_some_and(|u| !u.disabled);
    let admin = admin.filter(|_| valid && enabled);
    state.sign_in.settle(attempt, admin.is_some()).await?;
    drop(turn);
    let Some(admin) = admin else {
        return Err(ApiError::client(ErrorCode::InvalidCredentials, "wrong e-mail or password"));
    };
    let epoch = user.map_or(0, |u| u.session_epoch);
    crate::audit::AuditNote::of(&req).actor(crate::audit::Actor { id: admin.id, email: admin.email.clone(), role: admin.role });
    session_response(&state, admin.id, admin.email, admin.role, epoch)
}

/// Issues a session for the user in `epoch`: the HttpOnly cookie and, in the body, the CSRF
/// token to echo. Used by sign-in and by a password change, which re-issues the session of the
/// browser that made it.
pub(crate) fn session_response(state: &State, user_id: i64, email: String, role: AdminRole, epoch: i64) -> ApiResult<HttpResponse> {
    let minutes = state.settings.auth.admin_session_minutes;
    let expires_at = now_ms() / 1000 + minutes * 60;
    let csrf = hex::encode(rand::rng().random::<[u8; 16]>());
    let claims = AdminClaims {
        sub: user_id.to_string(),
        email: email.clone(),
        role,
        csrf: csrf.clone(),
        aud: ADMIN_AUDIENCE.into(),
        exp: expires_at,
        epoch,
    };
    let token = state.keys.sign(&claims).map_err(ApiError::Internal)?;
    let cookie = Cookie::build(SESSION_COOKIE, token)
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.settings.secure_cookies())
        .path("/")
        .max_age(CookieDuration::minutes(minutes))
        .finish();
    Ok(HttpResponse::Ok().cookie(cookie).json(SessionInfo {
        email,
        role,
        csrf_token: csrf,
        expires_at: expires_at * 1000,
    }))
}


/// Signs out: revokes at once every session of this user issued so far (all devices), not
/// only the cookie of this browser, so a copied token stops working too.
#[utoipa::path(tag = "admin", responses((status = 204)))]
#[delete("/api/admin/session")]
pub async fn sign_out(state: State, session: AdminSession) -> ApiResult<HttpResponse> {
    state.store.bump_session_epoch(session.user_id).await?;
    let mut cookie = Cookie::build(SESSION_COOKIE, "").path("/").http_only(true).finish();
    cookie.make_removal();
    Ok(HttpResponse::NoContent().cookie(cookie).finish())
}

#[utoipa::path(tag = "admin", responses((status = 200, body = Me), (status = 401, body = nps_core::ApiErrorBody)))]
#[get("/api/admin/session")]
pub async fn whoami(session: AdminSession) -> HttpResponse {
    HttpResponse::Ok().json(Me { email: session.email, role: session.role })
}

/// Adds an admin user with a role (owners only).
#[utoipa::path(tag = "admin", request_body = NewAdminUser, responses((status = 201, body = Me), (status = 403, body = nps_core::ApiErrorBody), (status = 409, body = nps_core::ApiErrorBody)))]
#[post("/api/admin/users")]
pub async fn create_user(state: State, session: AdminSession, body: JsonBody<NewAdminUser>) -> ApiResult<HttpResponse> {
    session.require_owner()?;
    let user = body.0;
    create_admin(&state, &user.email, &user.password, user.role).await?;
    Ok(HttpResponse::Created().json(Me { email: user.email.into(), role: user.role }))
}
