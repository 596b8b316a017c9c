//! Who is calling: admin sessions, widget sessions and host-signed identities.

mod admin;
mod password;

pub use crate::ratelimit::SignInThrottle;
pub use crate::tokens::{CSRF_HEADER, SESSION_COOKIE};
pub use admin::AdminSession;
pub use password::{DUMMY_HASH, HASHING_PERMITS, HashingTurn, hash_password, hashing_turn, verify_password};
pub use crate::tokens::{
    ADMIN_AUDIENCE, AdminClaims, INVITE_AUDIENCE, IdentityClaims, InviteClaims, TokenKeys, WIDGET_AUDIENCE, WidgetClaims,
    verify_identity_token,
};
