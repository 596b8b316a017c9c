//! The signed-in admin, as an extractor: a handler that takes `AdminSession` cannot run
//! without a valid session.
//!
//! Sessions are HS256 JWTs (see `tokens.rs`) carried either in the HttpOnly `nps_session`
//! cookie (the admin app) or as `Authorization: Bearer` (scripts). A cookie is sent by the
//! browser on its own, so state-changing requests that rely on it must also carry the
//! session's CSRF token in `X-CSRF-Token`, which another site cannot read. A bearer token is
//! never sent implicitly, so it needs no CSRF token.
//!
//! A valid signature is not enough: every request looks the user up by primary key, so a
//! deleted user's token stops working at once, the role comes from the database (a role change
//! applies on the next request), and a token issued before the user's last sign-out (an older
//! `session_epoch`) is refused, as is any token of a disabled user. One indexed lookup per
//! admin request; the admin API is not a hot path.

use crate::tokens::AdminClaims;
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::Method;
use actix_web::{FromRequest, HttpRequest, web};
use nps_core::ErrorCode;
use nps_core::wire::{AdminRole, SurveyKind};
use std::future::Future;
use std::pin::Pin;

use crate::tokens::{CSRF_HEADER, SESSION_COOKIE};

#[derive(Debug, Clone)]
pub struct AdminSession {
    pub user_id: i64,
    pub email: String,
    pub role: AdminRole,
    /// The request's audit note: the disclosure layer records protected reads in it.
    pub audit: crate::audit::AuditNote,
}

impl AdminSession {
    /// Refuses unless the role may change configuration.
    pub fn require_configure(&self) -> Result<(), ApiError> {
        if self.role.can_configure() {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!("the {} role cannot change configuration", self.role.as_str())))
        }
    }

    pub fn require_owner(&self) -> Result<(), ApiError> {
        if self.role == AdminRole::Owner {
            Ok(())
        } else {
            Err(ApiError::forbidden("only an owner can do this"))
        }
    }

    pub fn can_read(&self, kind: SurveyKind) -> bool {
        self.role.readable_kinds().contains(&kind)
    }
}

fn expired() -> ApiError {
    ApiError::client(ErrorCode::Unauthorized, "the session is invalid or has expired; sign in again")
}

/// Checks the token itself (signature, expiry, CSRF); the user is checked in [`authenticate`].
fn verify_token(req: &HttpRequest, state: &AppState, audit: &crate::audit::AuditNote) -> Result<AdminClaims, ApiError> {
    let bearer = req
        .headers()
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    let (token, from_cookie) = match bearer {
        Some(token) => (token, false),
        None => match req.cookie(SESSION_COOKIE) {
            Some(c) => (c.value().to_owned(), true),
            None => return Err(ApiError::client(ErrorCode::Unauthorized, "sign in first")),
        },
    };
    let claims: AdminClaims = state.keys.verify_admin(&token).ok_or_else(expired)?;
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if from_cookie && unsafe_method {
        let sent = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok());
        if sent != Some(claims.csrf.as_str()) {
            // A request another site made the user's browser send: the audit log names whose
            // session it tried to use (the token's signature is valid, so the name is ours).
            if let Ok(id) = claims.sub.parse() {
                audit.actor(crate::audit::Actor { id, email: claims.email.clone(), role: claims.role });
            }
            return Err(ApiError::client(ErrorCode::CsrfFailed, "missing or wrong X-CSRF-Token header"));
        }
    }
    Ok(claims)
}

async fn authenticate(state: web::Data<AppState>, claims: AdminClaims, audit: crate::audit::AuditNote) -> Result<AdminSession, ApiError> {
    let user_id: i64 = claims.sub.parse().map_err(|_| ApiError::client(ErrorCode::Unauthorized, "malformed session"))?;
    let user = state.store.session_user(user_id).await?.ok_or_else(expired)?;
    // Disabling bumps the epoch too; this check keeps a disabled user out even so.
    if user.disabled {
        return Err(ApiError::client(ErrorCode::Unauthorized, "this account is disabled"));
    }
    if claims.epoch != user.session_epoch {
        return Err(ApiError::client(ErrorCode::Unauthorized, "this session was signed out; sign in again"));
    }
    // The audit middleware records who made the request (see `crate::audit`).
    audit.actor(crate::audit::Actor { id: user.id, email: user.email.clone(), role: user.role });
    Ok(AdminSession { user_id: user.id, email: user.email, role: user.role, audit })
}

impl FromRequest for AdminSession {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
            return Box::pin(async { Err(ApiError::Internal(anyhow::anyhow!("application state missing"))) });
        };
        let audit = crate::audit::AuditNote::of(req);
        let claims = verify_token(req, &state, &audit);
        Box::pin(async move { authenticate(state, claims?, audit).await })
    }
}
