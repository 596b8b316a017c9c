//! The one error type of the HTTP API, mapped to a status and a JSON body in one place.
//!
//! Client mistakes carry a message that names the problem. Server faults carry their cause
//! for the log only: the client sees a generic message and the `internal` code.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use nps_core::{ApiErrorBody, ErrorCode};
use std::fmt;

#[derive(Debug)]
pub enum ApiError {
    /// A 4xx the client can fix: code, status, message.
    Client { code: ErrorCode, status: StatusCode, message: String },
    /// Storage or spool could not take the write now; the client should retry.
    Unavailable(anyhow::Error),
    /// Anything else that failed on the server.
    Internal(anyhow::Error),
}

impl ApiError {
    pub fn client(code: ErrorCode, message: impl Into<String>) -> Self {
        let status = match code {
            ErrorCode::InvalidJson | ErrorCode::InvalidField => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::UnknownProject | ErrorCode::UnknownSurvey | ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::OriginNotAllowed | ErrorCode::Forbidden | ErrorCode::CsrfFailed | ErrorCode::AnonymityProtected => StatusCode::FORBIDDEN,
            ErrorCode::IdentityRequired
            | ErrorCode::IdentityInvalid
            | ErrorCode::IdentityExpired
            | ErrorCode::Unauthorized
            | ErrorCode::InvalidCredentials => StatusCode::UNAUTHORIZED,
            ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            // The survey exists but its kind is answered elsewhere: a conflict with its state, as a
            // closed survey is, not a malformed request.
            ErrorCode::Conflict | ErrorCode::SurveyClosed | ErrorCode::SurveyNotInApp => StatusCode::CONFLICT,
            ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        };
        Self::Client { code, status, message: message.into() }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::client(ErrorCode::InvalidField, message)
    }

    pub fn not_found(what: impl fmt::Display) -> Self {
        Self::client(ErrorCode::NotFound, format!("{what} not found"))
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::client(ErrorCode::Forbidden, message)
    }

    /// A read the disclosure rules of employee NPS do not allow.
    pub fn protected(message: impl Into<String>) -> Self {
        Self::client(ErrorCode::AnonymityProtected, message)
    }

    fn body(&self) -> ApiErrorBody {
        match self {
            ApiError::Client { code, message, .. } => ApiErrorBody { code: *code, message: message.clone() },
            ApiError::Unavailable(_) => ApiErrorBody {
                code: ErrorCode::Unavailable,
                message: "the service cannot take this request right now; retry later".into(),
            },
            ApiError::Internal(_) => ApiErrorBody {
                code: ErrorCode::Internal,
                message: "internal error; it has been logged".into(),
            },
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Client { code, message, .. } => write!(f, "{code:?}: {message}"),
            ApiError::Unavailable(e) => write!(f, "unavailable: {e:#}"),
            ApiError::Internal(e) => write!(f, "internal: {e:#}"),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Client { status, .. } => *status,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            ApiError::Unavailable(cause) => tracing::warn!(error = %format!("{cause:#}"), "request refused: unavailable"),
            ApiError::Internal(cause) => tracing::error!(error = %format!("{cause:#}"), "request failed"),
            ApiError::Client { .. } => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        if let ApiError::Unavailable(_) = self {
            response.insert_header(("Retry-After", "1"));
        }
        response.json(self.body())
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        use crate::store::StoreError;
        match e {
            StoreError::Conflict(what) => ApiError::client(ErrorCode::Conflict, what),
            StoreError::Unavailable(e) => ApiError::Unavailable(e.into()),
            other => ApiError::Internal(other.into()),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
