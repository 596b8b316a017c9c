//! Inviting admin users: an owner or admin invites an e-mail address with a role and gets a
//! signed, expiring invitation link to pass on; the invitee opens it at `/admin/accept`, sets
//! a password, and signs in.
//!
//! The invitation is a JWT signed with the server secret (audience `nps-admin-invitation`),
//! so nothing is stored until it is accepted. Accepting records its `jti` in the same
//! transaction that creates the user, so it works once, also after that user is deleted, and
//! of two concurrent acceptances one wins. It is bound to its issuer (id and link epoch): it
//! works only while the issuer exists, is active, has not changed role, status or password
//! since, and may still invite the role.

use super::auth::check_new_password;
use super::users::issuer;
use crate::auth::{AdminSession, hash_password};
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, Query};
use crate::ingest::now_ms;
use crate::state::State;
use crate::store::admin_users::{InvitationOutcome, InvitationUse, LinkIssuer};
use actix_web::{HttpResponse, get, post, web};
use nps_core::ErrorCode;
use nps_core::wire::{AdminRole, EmailAddress, Invitation, InvitationRequest};
use rand::Rng;
use serde::{Deserialize, Serialize};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_users).service(invite).service(check).service(accept);
}

pub const INVITATION_AUDIENCE: &str = "nps-admin-invitation";
/// How long an invitation link stays valid.
pub const INVITATION_DAYS: i64 = 7;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct InvitationClaims {
    /// The invitee's e-mail address.
    sub: EmailAddress,
    role: AdminRole,
    /// Who invited.
    by: String,
    jti: String,
    aud: String,
    /// Unix seconds.
    exp: i64,
    /// The issuer's id and link epoch when they invited; optional only so that an invitation
    /// from before they existed is refused with a message, not as garbage.
    #[serde(default)]
    iid: Option<i64>,
    #[serde(default)]
    iep: Option<i64>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Acceptance {
    pub token: String,
    #[schema(min_length = 10, max_length = 1024)]
    pub password: String,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct TokenParam {
    pub token: String,
}

/// Checks signature, audience and expiry, with messages that say what to do next.
fn verify(state: &State, token: &str) -> ApiResult<InvitationClaims> {
    state.keys.verify_claims::<InvitationClaims>(token, INVITATION_AUDIENCE, "invitation").map_err(|(code, _)| match code {
        ErrorCode::IdentityExpired => ApiError::client(code, "the invitation has expired; ask for a new one"),
        _ => ApiError::client(ErrorCode::IdentityInvalid, "the invitation link is not valid; check that it was copied whole"),
    })
}

fn already_used() -> ApiError {
    ApiError::client(ErrorCode::Conflict, "the invitation has already been used; sign in instead")
}

fn revoked(why: impl std::fmt::Display) -> ApiError {
    ApiError::client(ErrorCode::Conflict, format!("the invitation no longer works: {why}; ask for a new one"))
}

/// Whether `role` may invite `invited` (as [`invite`] decides).
fn may_invite(role: AdminRole, invited: AdminRole) -> bool {
    role.can_configure() && (invited != AdminRole::Owner || role == AdminRole::Owner)
}

/// Refuses an invitation already accepted (even if its user was deleted since) or whose
/// e-mail has an account, then one whose issuer no longer stands as when they invited.
async fn still_open(state: &State, claims: &InvitationClaims) -> ApiResult<LinkIssuer> {
    if state.store.invitation_accepted(&claims.jti).await? || state.store.admin_by_email(&claims.sub).await?.is_some() {
        return Err(already_used());
    }
    let (Some(id), Some(epoch)) = (claims.iid, claims.iep) else {
        return Err(revoked("it was issued by an earlier version of the collector"));
    };
    let by = &claims.by;
    match state.store.session_user(id).await? {
        None => Err(revoked(format_args!("{by}, who issued it, no longer has an account"))),
        Some(i) if i.disabled => Err(revoked(format_args!("{by}, who issued it, has been disabled"))),
        Some(i) if i.link_epoch != epoch => Err(revoked(format_args!("the account of {by}, who issued it, changed since (role, status or password)"))),
        Some(i) if !may_invite(i.role, claims.role) => Err(revoked(format_args!("{by}, who issued it, may not invite a {}", claims.role.as_str()))),
        Some(i) => Ok(LinkIssuer { id: i.id, link_epoch: i.link_epoch }),
    }
}

fn invitation(claims: &InvitationClaims, token: String) -> Invitation {
    Invitation {
        email: claims.sub.to_string(),
        role: claims.role,
        invited_by: claims.by.clone(),
        expires_at: claims.exp * 1000,
        accept_path: format!("/admin/accept?token={token}"),
        token,
    }
}

/// Every admin user with their role (owners and admins), for the Users screen.
#[utoipa::path(tag = "admin", responses((status = 200, body = Vec<nps_core::wire::AdminUser>), (status = 403, body = nps_core::ApiErrorBody)))]
#[get("/api/admin/users")]
pub async fn list_users(state: State, session: AdminSession) -> ApiResult<HttpResponse> {
    session.require_configure()?;
    Ok(HttpResponse::Ok().json(state.store.list_admins().await?))
}

/// Invites an e-mail address with a role (owners and admins; only owners invite owners).
#[utoipa::path(tag = "admin", request_body = InvitationRequest, responses((status = 201, body = Invitation), (status = 403, body = nps_core::ApiErrorBody), (status = 409, body = nps_core::ApiErrorBody)))]
#[post("/api/admin/invitations")]
pub async fn invite(state: State, session: AdminSession, body: JsonBody<InvitationRequest>) -> ApiResult<HttpResponse> {
    session.require_configure()?;
    if body.0.role == AdminRole::Owner {
        session.require_owner()?;
    }
    let email = body.0.email;
    if state.store.admin_by_email(&email).await?.is_some() {
        return Err(ApiError::client(ErrorCode::Conflict, format!("{email} already has an account")));
    }
    let issuer = issuer(&state, &session).await?;
    let claims = InvitationClaims {
        sub: email,
        role: body.0.role,
        by: session.email.clone(),
        jti: hex::encode(rand::rng().random::<[u8; 16]>()),
        aud: INVITATION_AUDIENCE.to_owned(),
        exp: now_ms() / 1000 + INVITATION_DAYS * 86_400,
        iid: Some(issuer.id),
        iep: Some(issuer.link_epoch),
    };
    let token = state.keys.sign(&claims).map_err(ApiError::Internal)?;
    tracing::info!(invitee = %claims.sub, role = claims.role.as_str(), by = %claims.by, "admin invitation issued");
    Ok(HttpResponse::Created().json(invitation(&claims, token)))
}

/// What an invitation is for, before the invitee chooses a password (no session needed).
#[utoipa::path(tag = "admin", security(()), params(TokenParam), responses((status = 200, body = Invitation), (status = 401, body = nps_core::ApiErrorBody), (status = 409, body = nps_core::ApiErrorBody)))]
#[get("/api/admin/invitations/check")]
pub async fn check(state: State, params: Query<TokenParam>) -> ApiResult<HttpResponse> {
    let claims = verify(&state, &params.token)?;
    still_open(&state, &claims).await?;
    Ok(HttpResponse::Ok().json(invitation(&claims, params.token.clone())))
}

/// Accepts an invitation: creates the user with the invited role and the chosen password.
#[utoipa::path(tag = "admin", security(()), request_body = Acceptance, responses((status = 201, body = nps_core::wire::Me), (status = 401, body = nps_core::ApiErrorBody), (status = 409, body = nps_core::ApiErrorBody), (status = 422, body = nps_core::ApiErrorBody)))]
#[post("/api/admin/invitations/accept")]
pub async fn accept(state: State, body: JsonBody<Acceptance>) -> ApiResult<HttpResponse> {
    let claims = verify(&state, &body.0.token)?;
    // An early answer before hashing; the transaction below is what decides.
    let issuer = still_open(&state, &claims).await?;
    check_new_password("password", &body.0.password)?;
    let hash = hash_password(body.0.password).await.map_err(ApiError::Internal)?;
    let acceptance = InvitationUse { jti: &claims.jti, email: &claims.sub, role: claims.role, password_hash: &hash, issuer };
    match state.store.accept_invitation(acceptance, now_ms()).await? {
        InvitationOutcome::Done => {}
        // Another acceptance won the race (for the `jti` or the e-mail).
        InvitationOutcome::AlreadyUsed | InvitationOutcome::EmailTaken => return Err(already_used()),
        InvitationOutcome::IssuerRevoked => return Err(revoked(format_args!("the account of {}, who issued it, changed meanwhile", claims.by))),
    }
    tracing::info!(user = %claims.sub, role = claims.role.as_str(), "admin invitation accepted");
    Ok(HttpResponse::Created().json(nps_core::wire::Me { email: claims.sub.into(), role: claims.role }))
}
