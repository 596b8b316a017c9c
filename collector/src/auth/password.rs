//! Argon2id password hashes. Hashing is deliberately slow and memory-hard (19 MiB per hash with
//! the default parameters), so it runs off the async workers, and only a few hashes run at a
//! time: 64 concurrent sign-ins would otherwise hold 64 x 19 MiB at once (RSS went to 1.4 GB).
//! Requests beyond the permits wait their turn.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use tokio::sync::{Semaphore, SemaphorePermit};

/// An argon2id hash of a random string, verified when the e-mail is unknown.
pub const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$J7Vv1i2dWq8y0c8mC0xvXH0H7y3nJ6YQ9S8r0ZcK2cA";

/// Hashes computed at the same time: peak hashing memory is this times 19 MiB.
pub const HASHING_PERMITS: usize = 2;

static HASHING: Semaphore = Semaphore::const_new(HASHING_PERMITS);

/// The right to compute one hash now. Sign-in holds it from counting its attempt to settling
/// it, so one user's simultaneous sign-ins hold at most this many of the account's attempts.
pub struct HashingTurn(#[allow(dead_code)] SemaphorePermit<'static>);

pub async fn hashing_turn() -> anyhow::Result<HashingTurn> {
    Ok(HashingTurn(HASHING.acquire().await?))
}

pub async fn hash_password(password: String) -> anyhow::Result<String> {
    let _turn = hashing_turn().await?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
    })
    .await?
}

/// `false` for a wrong password and for a malformed stored hash alike. Takes the caller's
/// [`HashingTurn`] so that no verification runs outside the bound.
pub async fn verify_password(password: String, stored_hash: String, _turn: &HashingTurn) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored_hash)
            .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The dummy hash verified for unknown e-mails must be a real argon2id hash with the same
    /// cost as real ones; if it did not parse, unknown e-mails would answer without hashing and
    /// timing would tell which addresses have accounts.
    #[test]
    fn the_dummy_hash_costs_what_a_real_one_costs() {
        let dummy = PasswordHash::new(DUMMY_HASH).expect("dummy hash parses");
        let salt = SaltString::generate(&mut OsRng);
        let real_hash = Argon2::default().hash_password(b"x", &salt).expect("hash");
        assert_eq!(dummy.algorithm, real_hash.algorithm);
        assert_eq!(dummy.params, real_hash.params);
        assert_eq!(dummy.hash.map(|h| h.len()), real_hash.hash.map(|h| h.len()));
    }
}
