//! Who is calling: admin sessions, widget sessions and host-signed identities.

mod admin;
mod password;
mod throttle;
mod tokens;

pub use admin::{AdminSession, CSRF_HEADER, SESSION_COOKIE};
pub use password::{HASHING_PERMITS, HashingTurn, hash_password, hashing_turn, verify_password};
pub use throttle::SignInThrottle;
pub use tokens::{
    ADMIN_AUDIENCE, AdminClaims, INVITE_AUDIENCE, IdentityClaims, InviteClaims, TokenKeys, WIDGET_AUDIENCE, WidgetClaims,
    verify_identity_token,
};
