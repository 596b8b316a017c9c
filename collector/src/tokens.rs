//! JSON Web Tokens: admin sessions, widget sessions (both signed with the server secret) and
//! identities signed by the vendor's backend with the project's identity secret.
//!
//! Every decode pins the algorithm to HS256: the token's own `alg` header is never trusted, so
//! `alg: none` or an RS/HS confusion cannot pass. `exp` is always required and checked, and
//! `aud` separates the three kinds so one can never be replayed as another.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use nps_core::ErrorCode;
use nps_core::wire::{AdminRole, ClientAttributes, ClientId};
use serde::{Deserialize, Serialize};

/// The cookie an admin session travels in (HttpOnly, SameSite=Strict).
pub const SESSION_COOKIE: &str = "nps_session";
/// The header that must repeat the session's CSRF token on every admin write.
pub const CSRF_HEADER: &str = "X-CSRF-Token";

pub const ADMIN_AUDIENCE: &str = "nps-admin";
pub const WIDGET_AUDIENCE: &str = "nps-widget";
pub const INVITE_AUDIENCE: &str = "nps-invite";

/// A personal, single-use survey link (employee and partner NPS).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InviteClaims {
    /// Recipient id.
    pub sub: String,
    /// Campaign id.
    pub cid: i64,
    /// The invitation's unique id; its hash goes to the used-token ledger.
    pub jti: String,
    pub aud: String,
    pub exp: i64,
    /// The campaign's wave (absent: the first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wave: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AdminClaims {
    /// Admin user id.
    pub sub: String,
    pub email: String,
    pub role: AdminRole,
    /// Echoed by the browser in `X-CSRF-Token`; a cross-site form cannot read it.
    pub csrf: String,
    pub aud: String,
    pub exp: i64,
    /// The user's session epoch when this was issued; sign-out bumps the stored one, which
    /// revokes every token issued before. Tokens from before this field read as epoch 0.
    #[serde(default)]
    pub epoch: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WidgetClaims {
    /// The host app's user id.
    pub sub: String,
    /// Project id.
    pub pid: i64,
    pub aud: String,
    pub exp: i64,
    /// Whether `sub` was vouched for by an identity token (signed with the project's identity
    /// secret). In enforce mode only such sessions are accepted, so a session from an unsigned
    /// identify made before enforce mode was switched on stops working then. Absent: false.
    #[serde(default)]
    pub ver: bool,
    /// [`secret_fingerprint`] of the identity secret that verified `sub` (absent when not
    /// verified): rotating the secret ends the sessions it vouched for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sfp: Option<String>,
}

/// A short fingerprint of a project's identity secret, carried by the widget sessions it
/// verified. The payload of a session is readable by its holder; the secret is 32 random bytes
/// (and identity tokens signed with it travel through the browser anyway), so 8 bytes of a
/// domain-separated SHA-256 tell nothing about it.
pub fn secret_fingerprint(secret: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new().chain_update(b"nps-widget-session-secret\n").chain_update(secret.as_bytes()).finalize();
    hex::encode(&digest[..8])
}

/// What the vendor's backend signs to vouch for a user.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdentityClaims {
    pub sub: String,
    pub exp: i64,
    /// Signed attributes override the ones sent in the clear, so segments cannot be forged.
    #[serde(default)]
    pub attributes: Option<ClientAttributes>,
    /// The B2B account the user acts for. In enforce mode the account, the role in it and the
    /// account's attributes come only from these three claims (docs/identity-claims.md):
    /// they move other accounts' segments and roll-ups, so the vendor must vouch for them.
    #[serde(default)]
    pub account: Option<ClientId>,
    /// The user's role in `account` (default `end_user`).
    #[serde(default)]
    pub role: Option<ClientId>,
    /// Attributes of `account` (plan, seats, ...).
    #[serde(default)]
    pub account_attributes: Option<ClientAttributes>,
}

#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

fn validation(audience: Option<&str>) -> Validation {
    let mut v = Validation::new(Algorithm::HS256);
    v.leeway = 5;
    v.validate_exp = true;
    match audience {
        Some(aud) => {
            v.set_audience(&[aud]);
            v.set_required_spec_claims(&["exp", "sub", "aud"]);
        }
        None => {
            v.validate_aud = false;
            v.set_required_spec_claims(&["exp", "sub"]);
        }
    }
    v
}

impl TokenKeys {
    pub fn new(secret: &[u8]) -> Self {
        Self { encoding: EncodingKey::from_secret(secret), decoding: DecodingKey::from_secret(secret) }
    }

    pub fn sign<T: Serialize>(&self, claims: &T) -> anyhow::Result<String> {
        Ok(encode(&Header::new(Algorithm::HS256), claims, &self.encoding)?)
    }

    pub fn verify_admin(&self, token: &str) -> Option<AdminClaims> {
        decode::<AdminClaims>(token, &self.decoding, &validation(Some(ADMIN_AUDIENCE))).ok().map(|d| d.claims)
    }

    pub fn verify_invite(&self, token: &str) -> Result<InviteClaims, (ErrorCode, String)> {
        decode::<InviteClaims>(token, &self.decoding, &validation(Some(INVITE_AUDIENCE)))
            .map(|d| d.claims)
            .map_err(|e| classify(&e, "survey link"))
    }

    /// Any HS256 token of `audience` (with `exp` and `sub`), e.g. an admin invitation;
    /// `what` names it in the error message.
    pub fn verify_claims<T: serde::de::DeserializeOwned>(&self, token: &str, audience: &str, what: &str) -> Result<T, (ErrorCode, String)> {
        decode::<T>(token, &self.decoding, &validation(Some(audience))).map(|d| d.claims).map_err(|e| classify(&e, what))
    }

    pub fn verify_widget(&self, token: &str) -> Result<WidgetClaims, (ErrorCode, String)> {
        decode::<WidgetClaims>(token, &self.decoding, &validation(Some(WIDGET_AUDIENCE)))
            .map(|d| d.claims)
            .map_err(|e| classify(&e, "widget session token"))
    }
}

/// Checks a host-signed identity token against the project's identity secret.
pub fn verify_identity_token(token: &str, project_secret: &str) -> Result<IdentityClaims, (ErrorCode, String)> {
    // The signature and `exp` are checked on the claims as JSON; only then are they parsed
    // into their types, so a claim the types refuse is named (`identity_token.account: must
    // not be empty`, a 422 like any other bad field) instead of making the token "invalid".
    let raw = decode::<serde_json::Value>(token, &DecodingKey::from_secret(project_secret.as_bytes()), &validation(None))
        .map(|d| d.claims)
        .map_err(|e| classify(&e, "identity_token"))?;
    serde_path_to_error::deserialize(raw)
        .map_err(|e| (ErrorCode::InvalidField, format!("identity_token.{}: {}", e.path(), e.inner())))
}

fn classify(e: &jsonwebtoken::errors::Error, what: &str) -> (ErrorCode, String) {
    match e.kind() {
        ErrorKind::ExpiredSignature => (ErrorCode::IdentityExpired, format!("{what} has expired")),
        ErrorKind::InvalidSignature => (ErrorCode::IdentityInvalid, format!("{what} signature does not verify")),
        ErrorKind::InvalidAlgorithm => (ErrorCode::IdentityInvalid, format!("{what} must be signed with HS256")),
        ErrorKind::MissingRequiredClaim(claim) => (ErrorCode::IdentityInvalid, format!("{what} lacks the `{claim}` claim")),
        _ => (ErrorCode::IdentityInvalid, format!("{what} is not a valid token")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn in_one_hour() -> i64 {
        chrono::Utc::now().timestamp() + 3600
    }

    #[test]
    fn identity_tokens_verify_only_with_the_project_secret_and_before_expiry() {
        let claims =
            IdentityClaims { sub: "u1".into(), exp: in_one_hour(), attributes: None, account: None, role: None, account_attributes: None };
        let token = TokenKeys::new(b"project-secret").sign(&claims).expect("sign");
        assert_eq!(verify_identity_token(&token, "project-secret").map(|c| c.sub), Ok("u1".into()));
        assert_eq!(verify_identity_token(&token, "other").map(|c| c.sub).err().map(|e| e.0), Some(ErrorCode::IdentityInvalid));

        let expired = IdentityClaims { exp: chrono::Utc::now().timestamp() - 3600, ..claims };
        let token = TokenKeys::new(b"project-secret").sign(&expired).expect("sign");
        assert_eq!(verify_identity_token(&token, "project-secret").err().map(|e| e.0), Some(ErrorCode::IdentityExpired));
    }

    #[test]
    fn a_widget_token_is_not_an_admin_session() {
        let keys = TokenKeys::new(b"server");
        let widget = WidgetClaims { sub: "u".into(), pid: 1, aud: WIDGET_AUDIENCE.into(), exp: in_one_hour(), ver: false, sfp: None };
        let token = keys.sign(&widget).expect("sign");
        assert!(keys.verify_admin(&token).is_none());
        assert!(keys.verify_widget(&token).is_ok());
    }

    #[test]
    fn the_secret_fingerprint_changes_with_the_secret_and_a_session_without_one_is_unverified() {
        assert_eq!(secret_fingerprint("a"), secret_fingerprint("a"));
        assert_ne!(secret_fingerprint("a"), secret_fingerprint("b"));
        assert_eq!(secret_fingerprint("a").len(), 16);
        // A session signed before these claims existed reads as unverified.
        let keys = TokenKeys::new(b"server");
        let old = serde_json::json!({ "sub": "u", "pid": 1, "aud": WIDGET_AUDIENCE, "exp": in_one_hour() });
        let claims = keys.verify_widget(&keys.sign(&old).expect("sign")).expect("verify");
        assert!(!claims.ver && claims.sfp.is_none());
    }

    #[test]
    fn unsigned_tokens_are_refused() {
        // header {"alg":"none","typ":"JWT"}, payload {"sub":"u1","exp":9999999999}
        let token = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ1MSIsImV4cCI6OTk5OTk5OTk5OX0.";
        assert!(verify_identity_token(token, "project-secret").is_err());
    }
}
