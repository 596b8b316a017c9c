//! The sign-in lockout: attempts counted per account (e-mail) and per client address in a fixed
//! window. Once a key has used its attempts, every sign-in for it is refused with 429 until the
//! window ends, the correct password included: otherwise the answer during a lockout would
//! still tell a guess right from wrong.
//!
//! The counts live in the database ([`SignInStore`]), so collectors sharing one PostgreSQL
//! share them: a guesser spread over N collectors behind a load balancer gets what one
//! collector allows. An attempt is counted *before* its password is checked, in one atomic
//! statement per key; so concurrent guesses, on one collector or several, each see a different
//! count and at most the limit of them are ever checked. Then:
//! - an attempt over a limit is refused and takes its counts back (nothing was checked, so it
//!   was no guess; refusals alone cannot keep a key locked, only checked failures can), and a
//!   row left counting nothing is deleted: only checked attempts, each of which costs a hash,
//!   leave rows;
//! - a wrong password keeps its counts;
//! - a right one forgets the account's count and takes back the address's (several people may
//!   sign in from one address; only failures should add up there).
//!
//! The keys are keyed hashes (HMAC with a key derived from the server secret) of the e-mail
//! address, lowercased, and of the client address (an IPv6 client by its /64): the table holds
//! neither, and a typed address of any length is one short row. Ended windows are deleted by
//! housekeeping.

use crate::store::sign_in::AttemptWindow;
use crate::store::{DynStore, StoreResult};
use crate::keyed_hash::KeyedHash;
use std::net::IpAddr;
use std::time::Duration;

pub struct SignInThrottle {
    key: KeyedHash,
    store: DynStore,
    per_account: i64,
    per_address: i64,
    window_ms: i64,
}

/// What the per-address count is keyed by: an IPv4 address, or the /64 network of an IPv6
/// one (a single host is commonly given a whole /64, and could otherwise rotate through it).
fn address_key(ip: IpAddr) -> String {
    match super::client_network(ip) {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(network) => format!("{network}/64"),
    }
}

/// An attempt that may check its password; hand it back to [`SignInThrottle::settle`].
#[must_use = "an admitted attempt must be settled with the password check's outcome"]
pub struct AdmittedAttempt {
    account: Counted,
    address: Option<Counted>,
}

struct Counted {
    key: String,
    window: AttemptWindow,
}

impl SignInThrottle {
    pub fn new(secret: &[u8], store: DynStore, settings: &crate::config::AuthSettings) -> Self {
        let window_secs = i64::try_from(settings.sign_in_window_secs.max(1)).unwrap_or(i64::MAX / 1_000);
        Self {
            key: KeyedHash::for_purpose(secret, b"nps sign-in attempts v1"),
            store,
            per_account: i64::from(settings.sign_in_failures_per_account.max(1)),
            per_address: i64::from(settings.sign_in_failures_per_address.max(1)),
            window_ms: window_secs.saturating_mul(1_000),
        }
    }

    fn hashed(&self, kind: &str, value: &str) -> String {
        hex::encode(&self.key.of(&[kind.as_bytes(), &[0], value.as_bytes()])[..16])
    }

    async fn count(&self, key: String, now: i64) -> StoreResult<Counted> {
        let window = self.store.count_sign_in_attempt(&key, now, self.window_ms).await?;
        Ok(Counted { key, window })
    }

    /// Counts an attempt for the address, then the account: `Ok(Err(retry after))` while
    /// either is locked out (the attempt then counts for nothing). The address goes first so
    /// that a locked-out address trying new e-mail addresses writes no row for them.
    pub async fn admit(&self, email: &str, address: Option<IpAddr>, now: i64) -> StoreResult<Result<AdmittedAttempt, Duration>> {
        let address = match address {
            Some(ip) => {
                let counted = self.count(self.hashed("address", &address_key(ip)), now).await?;
                if let Some(wait) = self.refuse_if_over(&[&counted], self.per_address, now).await? {
                    return Ok(Err(wait));
                }
                Some(counted)
            }
            None => None,
        };
        let account = self.count(self.hashed("account", &email.to_lowercase()), now).await?;
        let counted: Vec<&Counted> = std::iter::once(&account).chain(address.as_ref()).collect();
        if let Some(wait) = self.refuse_if_over(&counted, self.per_account, now).await? {
            return Ok(Err(wait));
        }
        Ok(Ok(AdmittedAttempt { account, address }))
    }

    /// When the first of `counted` is over `limit`: takes every count back and answers how long
    /// the lockout lasts.
    async fn refuse_if_over(&self, counted: &[&Counted], limit: i64, now: i64) -> StoreResult<Option<Duration>> {
        let Some(first) = counted.first().filter(|c| c.window.attempts > limit) else { return Ok(None) };
        let until = first.window.started_at.saturating_add(self.window_ms);
        for c in counted {
            self.store.take_back_sign_in_attempt(&c.key, c.window.started_at).await?;
        }
        Ok(Some(Duration::from_millis(u64::try_from(until.saturating_sub(now)).unwrap_or(0).max(1))))
    }

    /// Records the outcome of an admitted attempt's password check.
    pub async fn settle(&self, attempt: AdmittedAttempt, password_was_right: bool) -> StoreResult<()> {
        if !password_was_right {
            return Ok(());
        }
        self.store.forget_sign_in_attempts(&attempt.account.key).await?;
        if let Some(address) = &attempt.address {
            self.store.take_back_sign_in_attempt(&address.key, address.window.started_at).await?;
        }
        Ok(())
    }

    /// Deletes ended windows (housekeeping).
    pub async fn forget_ended(&self, now: i64) -> StoreResult<u64> {
        self.store.forget_ended_sign_in_windows(now.saturating_sub(self.window_ms)).await
    }
}

#[cfg(test)]
mod tests {
    use super::address_key;

    #[test]
    fn an_ipv6_client_is_counted_by_its_network() {
        let key = |s: &str| address_key(s.parse().expect("an address"));
        assert_eq!(key("2001:db8:1:2:aaaa::1"), key("2001:db8:1:2:ffff:ffff:ffff:ffff"));
        assert_eq!(key("2001:db8:1:2::1"), "2001:db8:1:2::/64");
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("203.0.113.7"), "203.0.113.7");
        assert_eq!(key("::ffff:203.0.113.7"), "203.0.113.7", "an IPv4-mapped address is the IPv4 address");
    }
}
