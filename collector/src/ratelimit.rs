//! Request rate limits per client address and per project key (GCRA, via `governor`).

use crate::config::LimitSettings;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;

pub struct RateLimits {
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
    per_project: DefaultKeyedRateLimiter<String>,
}

fn quota(rps: u32, burst: u32) -> Quota {
    let rps = NonZeroU32::new(rps).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(burst).unwrap_or(rps);
    Quota::per_second(rps).allow_burst(burst)
}

impl RateLimits {
    pub fn new(settings: &LimitSettings) -> Self {
        Self {
            per_ip: RateLimiter::keyed(quota(settings.per_ip_rps, settings.per_ip_burst)),
            per_project: RateLimiter::keyed(quota(settings.per_project_rps, settings.per_project_burst)),
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
