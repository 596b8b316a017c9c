//! How many alert e-mails one address gets per hour (`outbox.alert_emails_per_hour`).
//!
//! Each alerting answer is one e-mail per alerted address. Without a bound, whoever can post
//! answers (outside enforce mode, anyone with the project's public key) fills the team's
//! inboxes at the request rate limit, and the outbox with them. Past the bound an address gets
//! one notice that its alerts are paused, then nothing until its allowance refills (a GCRA
//! over the hour, so one alert comes back every hour/N). Every answer is still stored, in the
//! follow-up queue and sent to webhooks: only the e-mail is left out, and counted
//! (`nps_alert_emails_held_total`).
//!
//! The allowance is per collector process, like the request rate limits: each of N collectors
//! behind a load balancer allows 1/N of it (`limits.collectors`), and a restart starts afresh.

use crate::ratelimit::share;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::collections::HashSet;
use std::num::NonZeroU32;
use std::sync::Mutex;

/// What to do with one alert e-mail to one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Send,
    /// The allowance just ran out: send the pause notice instead of this alert.
    Pause,
    /// Paused, and already told so.
    Hold,
}

pub struct AlertBudget {
    /// None: no bound (`alert_emails_per_hour = 0`).
    limiter: Option<DefaultKeyedRateLimiter<String>>,
    /// Addresses told that their alerts are paused, until one is sent again.
    paused: Mutex<HashSet<String>>,
}

impl AlertBudget {
    pub fn new(per_hour: u32, collectors: NonZeroU32) -> Self {
        let limiter = NonZeroU32::new(per_hour).map(|total| {
            let allowed = NonZeroU32::new(share(total.get(), collectors)).unwrap_or(NonZeroU32::MIN);
            RateLimiter::keyed(Quota::per_hour(allowed))
        });
        Self { limiter, paused: Mutex::new(HashSet::new()) }
    }

    pub fn take(&self, address: &str) -> Verdict {
        let Some(limiter) = &self.limiter else { return Verdict::Send };
        let allowed = limiter.check_key(&address.to_owned()).is_ok();
        // A poisoned lock only means another alert panicked mid-update; the set is still usable.
        let mut paused = self.paused.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match allowed {
            true => {
                paused.remove(address);
                Verdict::Send
            }
            false if paused.insert(address.to_owned()) => Verdict::Pause,
            false => Verdict::Hold,
        }
    }

    /// Drops the state of addresses whose allowance is whole again (called with the outbox's
    /// other housekeeping), so memory follows the addresses alerted within the last hour.
    pub fn forget_idle(&self) {
        if let Some(limiter) = &self.limiter {
            limiter.retain_recent();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collectors(n: u32) -> NonZeroU32 {
        NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
    }

    #[test]
    fn an_address_gets_its_allowance_then_one_notice_then_nothing() {
        let budget = AlertBudget::new(3, collectors(1));
        let taken: Vec<Verdict> = (0..6).map(|_| budget.take("lead@x.io")).collect();
        assert_eq!(taken, [Verdict::Send, Verdict::Send, Verdict::Send, Verdict::Pause, Verdict::Hold, Verdict::Hold]);
        assert_eq!(budget.take("ann@x.io"), Verdict::Send, "each address has its own allowance");
    }

    #[test]
    fn collectors_share_the_allowance_and_zero_means_unbounded() {
        let shared = AlertBudget::new(4, collectors(2));
        let taken: Vec<Verdict> = (0..3).map(|_| shared.take("lead@x.io")).collect();
        assert_eq!(taken, [Verdict::Send, Verdict::Send, Verdict::Pause]);
        let unbounded = AlertBudget::new(0, collectors(1));
        assert!((0..1_000).all(|_| unbounded.take("lead@x.io") == Verdict::Send));
    }
}
