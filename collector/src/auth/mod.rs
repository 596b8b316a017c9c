//! Who is calling: admin sessions, widget sessions and host-signed identities.

mod admin;
mod password;
mod tokens;

pub use admin::{AdminSession, CSRF_HEADER, SESSION_COOKIE};
pub use password::{hash_password, verify_password};
pub use tokens::{
    ADMIN_AUDIENCE, AdminClaims, INVITE_AUDIENCE, IdentityClaims, InviteClaims, TokenKeys, WIDGET_AUDIENCE, WidgetClaims,
    verify_identity_token,
};
