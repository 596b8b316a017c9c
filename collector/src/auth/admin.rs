//! The signed-in admin, as an extractor: a handler that takes `AdminSession` cannot run
//! without a valid session.
//!
//! Sessions are HS256 JWTs (see `tokens.rs`) carried either in the HttpOnly `nps_session`
//! cookie (the admin app) or as `Authorization: Bearer` (scripts). A cookie is sent by the
//! browser on its own, so state-changing requests that rely on it must also carry the
//! session's CSRF token in `X-CSRF-Token`, which another site cannot read. A bearer token is
//! never sent implicitly, so it needs no CSRF token.

use super::tokens::AdminClaims;
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::Method;
use actix_web::{FromRequest, HttpRequest, web};
use nps_core::ErrorCode;
use nps_core::wire::{AdminRole, SurveyKind};
use std::future::{Ready, ready};

pub const SESSION_COOKIE: &str = "nps_session";
pub const CSRF_HEADER: &str = "X-CSRF-Token";

#[derive(Debug, Clone)]
pub struct AdminSession {
    pub user_id: i64,
    pub email: String,
    pub role: AdminRole,
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

fn authenticate(req: &HttpRequest) -> Result<AdminSession, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("application state missing")))?;
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
    let claims: AdminClaims = state
        .keys
        .verify_admin(&token)
        .ok_or_else(|| ApiError::client(ErrorCode::Unauthorized, "the session is invalid or has expired; sign in again"))?;
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if from_cookie && unsafe_method {
        let sent = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok());
        if sent != Some(claims.csrf.as_str()) {
            return Err(ApiError::client(ErrorCode::CsrfFailed, "missing or wrong X-CSRF-Token header"));
        }
    }
    let user_id = claims.sub.parse().map_err(|_| ApiError::client(ErrorCode::Unauthorized, "malformed session"))?;
    Ok(AdminSession { user_id, email: claims.email, role: claims.role })
}

impl FromRequest for AdminSession {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req))
    }
}
