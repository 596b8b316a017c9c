//! Machine-readable error codes, shared so that the widget and the admin can match on them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ErrorCode {
    /// The body is not valid JSON.
    InvalidJson,
    /// A field is missing, has the wrong type or is out of range; the message names it.
    InvalidField,
    /// The request was not sent as `application/json`.
    UnsupportedMediaType,
    /// The body is larger than the endpoint accepts.
    PayloadTooLarge,
    /// The project key is not known.
    UnknownProject,
    /// The survey does not exist in this project.
    UnknownSurvey,
    /// The request's `Origin` is not in the project's allowed origins.
    OriginNotAllowed,
    /// The project enforces identity verification and no valid token was sent.
    IdentityRequired,
    /// The identity token's signature or claims are wrong.
    IdentityInvalid,
    /// The identity token has expired.
    IdentityExpired,
    /// Too many requests from this client or for this project.
    RateLimited,
    /// Not signed in, or the session has expired.
    Unauthorized,
    /// Signed in but the role does not allow this.
    Forbidden,
    /// Employee NPS (or anonymous partner NPS) releases only aggregates over groups large
    /// enough; this request would release less (rows, a filter too fine, a group too small).
    AnonymityProtected,
    /// A state-changing request without the CSRF token of the session.
    CsrfFailed,
    /// Wrong e-mail or password.
    InvalidCredentials,
    NotFound,
    /// The path exists but does not support this method; the `Allow` header lists those it does.
    MethodNotAllowed,
    /// The request conflicts with the current state (e.g. the owner already exists).
    Conflict,
    /// The survey has stopped accepting answers (closed, capped or out of schedule).
    SurveyClosed,
    /// The survey is answered through personal links (employee or partner NPS), never through
    /// the in-app client API.
    SurveyNotInApp,
    /// A dependency is unavailable; retry later.
    Unavailable,
    /// Something failed on the server; the cause is in the server's log, not here.
    Internal,
}

/// The JSON body of every error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiErrorBody {
    pub code: ErrorCode,
    pub message: String,
}
