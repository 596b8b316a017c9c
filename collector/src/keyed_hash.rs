//! Keyed hashes made with the server secret, one derived key per purpose (the erasure ledger's
//! subjects, the sign-in lockout's keys): a hash made for one purpose cannot be matched against
//! another's, nor against anything signed with the secret itself.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// HMAC-SHA256 of `parts`, one after the other, keyed with `key`.
pub fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// The key of one purpose, derived from the server secret.
pub struct KeyedHash {
    key: [u8; 32],
}

impl KeyedHash {
    /// `purpose`: a label used for nothing else (versioned, e.g. `nps erasure ledger v1`).
    pub fn for_purpose(secret: &[u8], purpose: &[u8]) -> Self {
        Self { key: hmac(secret, &[purpose]) }
    }

    pub fn of(&self, parts: &[&[u8]]) -> [u8; 32] {
        hmac(&self.key, parts)
    }
}
