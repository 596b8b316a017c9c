//! Request rate limits per client address and per project key (GCRA, via `governor`).

mod sign_in;

pub use sign_in::SignInThrottle;

use crate::config::LimitSettings;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;

pub struct RateLimits {
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
    per_project: DefaultKeyedRateLimiter<String>,
}

/// This collector's share of a limit that `collectors` processes enforce together: a load
/// balancer spreads one client's requests over all of them, so each allows 1/N of the rate and
/// of the burst (rounded up, at least 1).
fn share(total: u32, collectors: NonZeroU32) -> u32 {
    total.div_ceil(collectors.get()).max(1)
}

fn quota(rps: u32, burst: u32, collectors: NonZeroU32) -> Quota {
    let rps = NonZeroU32::new(share(rps, collectors)).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(share(burst, collectors)).unwrap_or(rps);
    Quota::per_second(rps).allow_burst(burst)
}

impl RateLimits {
    pub fn new(settings: &LimitSettings) -> Self {
        Self {
            per_ip: RateLimiter::keyed(quota(settings.per_ip_rps, settings.per_ip_burst, settings.collectors)),
            per_project: RateLimiter::keyed(quota(settings.per_project_rps, settings.per_project_burst, settings.collectors)),
        }
    }

    pub fn check_ip(&self, ip: IpAddr) -> bool {
        self.per_ip.check_key(&ip).is_ok()
    }

    pub fn forget_idle(&self) {
        self.per_ip.retain_recent();
        self.per_project.retain_recent();
    }

    pub fn check_project(&self, key: &str) -> bool {
        self.per_project.check_key(&key.to_owned()).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(v: u32) -> NonZeroU32 {
        NonZeroU32::new(v).unwrap_or(NonZeroU32::MIN)
    }

    #[test]
    fn collectors_divide_the_limits_between_them() {
        assert_eq!(share(5_000, n(1)), 5_000);
        assert_eq!(share(5_000, n(2)), 2_500);
        assert_eq!(share(5, n(2)), 3, "rounded up");
        assert_eq!(share(1, n(4)), 1, "never zero");
    }

    #[test]
    fn one_collector_of_two_allows_half_the_burst() {
        let settings = LimitSettings { per_project_rps: 1, per_project_burst: 20, collectors: n(2), ..LimitSettings::default() };
        let limits = RateLimits::new(&settings);
        let allowed = (0..20).filter(|_| limits.check_project("key")).count();
        assert_eq!(allowed, 10);
    }
}
