//! `POST identify`: who the user is, from a signed identity token in enforce mode, and the
//! widget session every later write carries.

use super::*;

/// Identifies the signed-in user of the host app. In enforce mode `identity_token` (signed by
/// the vendor's backend with the project's identity secret) is required and its `sub` must be
/// `user_id`; signed attributes replace the ones sent in the clear, and the account, role and
/// account attributes come only from its claims (a clear `account` conflicts with the project's
/// setting: 409; see docs/identity-claims.md).
#[utoipa::path(
    tag = "client",
    post,
    path = "/v1/p/{key}/identify",
    params(("key" = String, Path, description = "Project public key")),
    request_body = IdentifyRequest,
    responses((status = 200, body = IdentifyResponse), (status = 401, body = nps_core::ApiErrorBody), (status = 409, body = nps_core::ApiErrorBody), (status = 422, body = nps_core::ApiErrorBody))
)]
#[post("/identify")]
pub async fn identify(state: State, key: web::Path<String>, body: JsonBody<IdentifyRequest>) -> ApiResult<HttpResponse> {
    let mut request = body.0;
    let project = project(&state, &key).await?;
    let enforced = project.project.identity_enforced;
    if enforced && request.account.is_some() {
        // Refused rather than ignored, so a vendor who still sends it learns why it is not kept.
        // A 409: the body is well formed; it conflicts with how the project is set up.
        return Err(ApiError::client(
            ErrorCode::Conflict,
            "account: this project verifies identities, so the account, role and account attributes come only from \
             the identity_token claims `account`, `role` and `account_attributes`; do not send `account` in the clear",
        ));
    }
    // The fingerprint of the secret that verified the user, if one did: the session carries it.
    let verified_by = match request.identity_token.as_deref() {
        Some(token) => {
            let secret = project.project.identity_secret.as_deref().unwrap_or_default();
            let claims: IdentityClaims = verify_identity_token(token, secret).map_err(|(code, msg)| ApiError::client(code, msg))?;
            apply_signed_claims(&mut request, claims)?;
            Some(crate::tokens::secret_fingerprint(secret))
        }
        None if enforced => {
            return Err(ApiError::client(
                ErrorCode::IdentityRequired,
                "this project verifies identities: identity_token is required",
            ));
        }
        None => None,
    };
    let now = now_ms();
    let key = state
        .ingestor
        .submit(IngestRecord::Identify {
            project_id: project.project.id,
            at: now,
            user_id: request.user_id.to_string(),
            attributes: request.attributes.into_inner(),
            created_at: request.created_at,
            language: request.language.map(String::from),
            account: request.account,
        })
        .await?;
    state.note_write(project.project.id, &request.user_id, key);
    let expires_at = now / 1000 + state.settings.auth.widget_session_hours * 3600;
    let claims = WidgetClaims {
        sub: request.user_id.to_string(),
        pid: project.project.id,
        aud: crate::auth::WIDGET_AUDIENCE.into(),
        exp: expires_at,
        ver: verified_by.is_some(),
        sfp: verified_by,
    };
    let session_token = state.keys.sign(&claims).map_err(ApiError::Internal)?;
    Ok(HttpResponse::Ok().json(IdentifyResponse { user_id: request.user_id.into_inner(), session_token, expires_at: expires_at * 1000 }))
}

/// What a verified identity token vouches for replaces what was sent in the clear: the user's
/// attributes (`attributes`) and account membership (`account`, `role`, `account_attributes`).
fn apply_signed_claims(request: &mut IdentifyRequest, claims: IdentityClaims) -> ApiResult<()> {
    if claims.sub != request.user_id.as_str() {
        return Err(ApiError::client(ErrorCode::IdentityInvalid, "identity_token was signed for another user_id"));
    }
    if let Some(signed) = claims.attributes {
        request.attributes = signed;
    }
    if let Some(account) = signed_account(claims.account, claims.role, claims.account_attributes) {
        request.account = Some(account);
    }
    Ok(())
}

/// The account membership the token signs, if it names an account. Without `account`, `role`
/// and `account_attributes` mean nothing and are ignored (not refused: tokens minted for other
/// uses often carry a `role` claim of their own).
fn signed_account(account: Option<ClientId>, role: Option<ClientId>, attributes: Option<ClientAttributes>) -> Option<AccountMembership> {
    // The same default role as a clear `account` without one.
    account.map(|id| AccountMembership { id, role: role.unwrap_or_else(AccountMembership::default_role), attributes: attributes.unwrap_or_default() })
}
