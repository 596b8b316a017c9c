//! Failed sign-ins, counted per account (e-mail) and per client address in a fixed window.
//! Once a key has `max_failures` failures in its window, every sign-in for it is refused with
//! 429 until the window ends, the correct password included: otherwise the answer during a
//! lockout would still tell a guess right from wrong.
//!
//! Memory is bounded: at most `capacity` keys per map, keys truncated to [`MAX_KEY_BYTES`].
//! When a map is full, expired windows are dropped; if it is still full, the window closest to
//! its end is evicted. Spraying many e-mail addresses to evict one account's lockout is itself
//! stopped by the per-address limit.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Longest key kept (e-mail addresses are at most 254 bytes).
pub const MAX_KEY_BYTES: usize = 256;

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    failures: u32,
}

struct FailureMap {
    max_failures: u32,
    window: Duration,
    capacity: usize,
    entries: Mutex<HashMap<String, Window>>,
}

impl FailureMap {
    fn new(max_failures: u32, window: Duration, capacity: usize) -> Self {
        Self { max_failures: max_failures.max(1), window, capacity: capacity.max(1), entries: Mutex::new(HashMap::new()) }
    }

    /// How long the key stays locked, if it is.
    fn locked_for(&self, key: &str, now: Instant) -> Option<Duration> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let w = entries.get(key)?;
        let ends = w.started + self.window;
        (w.failures >= self.max_failures && now < ends).then(|| ends - now)
    }

    fn fail(&self, key: &str, now: Instant) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if !entries.contains_key(key) && entries.len() >= self.capacity {
            self.make_room(&mut entries, now);
        }
        let w = entries.entry(key.to_owned()).or_insert(Window { started: now, failures: 0 });
        if now >= w.started + self.window {
            *w = Window { started: now, failures: 0 };
        }
        w.failures = w.failures.saturating_add(1);
    }

    fn forget(&self, key: &str) {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
    }

    fn make_room(&self, entries: &mut HashMap<String, Window>, now: Instant) {
        entries.retain(|_, w| now < w.started + self.window);
        if entries.len() >= self.capacity
            && let Some(oldest) = entries.iter().min_by_key(|(_, w)| w.started).map(|(k, _)| k.clone())
        {
            entries.remove(&oldest);
        }
    }

    fn prune(&self, now: Instant) {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).retain(|_, w| now < w.started + self.window);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

fn bounded(key: &str) -> &str {
    if key.len() <= MAX_KEY_BYTES {
        return key;
    }
    let mut end = MAX_KEY_BYTES;
    while !key.is_char_boundary(end) {
        end -= 1;
    }
    &key[..end]
}

pub struct SignInThrottle {
    per_account: FailureMap,
    per_address: FailureMap,
}

impl SignInThrottle {
    pub fn new(settings: &crate::config::AuthSettings) -> Self {
        let window = Duration::from_secs(settings.sign_in_window_secs.max(1));
        let capacity = settings.sign_in_tracked_keys;
        Self {
            per_account: FailureMap::new(settings.sign_in_failures_per_account, window, capacity),
            per_address: FailureMap::new(settings.sign_in_failures_per_address, window, capacity),
        }
    }

    /// `Some(retry after)` while the account or the address is locked out.
    pub fn locked_for(&self, email: &str, address: Option<IpAddr>) -> Option<Duration> {
        let now = Instant::now();
        let account = self.per_account.locked_for(bounded(email), now);
        let address = address.and_then(|ip| self.per_address.locked_for(&ip.to_string(), now));
        account.max(address)
    }

    pub fn failed(&self, email: &str, address: Option<IpAddr>) {
        let now = Instant::now();
        self.per_account.fail(bounded(email), now);
        if let Some(ip) = address {
            self.per_address.fail(&ip.to_string(), now);
        }
    }

    /// A correct password clears the account's failures (not the address's: one valid account
    /// must not reset an address that is guessing others).
    pub fn succeeded(&self, email: &str) {
        self.per_account.forget(bounded(email));
    }

    /// Drops ended windows (housekeeping).
    pub fn forget_idle(&self) {
        let now = Instant::now();
        self.per_account.prune(now);
        self.per_address.prune(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_the_limit_until_the_window_ends() {
        let map = FailureMap::new(3, Duration::from_secs(60), 100);
        let t0 = Instant::now();
        for _ in 0..2 {
            map.fail("a", t0);
        }
        assert_eq!(map.locked_for("a", t0), None);
        map.fail("a", t0);
        assert_eq!(map.locked_for("a", t0 + Duration::from_secs(10)), Some(Duration::from_secs(50)));
        assert_eq!(map.locked_for("b", t0), None, "other keys are not affected");
        assert_eq!(map.locked_for("a", t0 + Duration::from_secs(60)), None, "the window ended");
        map.fail("a", t0 + Duration::from_secs(61));
        assert_eq!(map.locked_for("a", t0 + Duration::from_secs(61)), None, "a new window starts from zero");
    }

    #[test]
    fn memory_stays_bounded_under_many_keys() {
        let map = FailureMap::new(5, Duration::from_secs(60), 100);
        let now = Instant::now();
        for i in 0..10_000 {
            map.fail(&format!("user{i}@example.com"), now);
        }
        assert!(map.len() <= 100, "{} keys kept", map.len());
        let long = "x".repeat(10_000);
        assert_eq!(bounded(&long).len(), MAX_KEY_BYTES);
        assert_eq!(bounded("ü".repeat(200).as_str()).len(), 256);
    }
}
