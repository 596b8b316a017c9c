//! Request rate limits per client address and per project key (GCRA, via `governor`).

mod sign_in;

pub use sign_in::SignInThrottle;

use crate::config::LimitSettings;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;

/// What a client address is counted as: an IPv4 address (also when written inside IPv6), or
/// the /64 network of an IPv6 one. One host is commonly given a whole /64: counted by its full
/// address, it could rotate through 2^64 addresses and get a fresh allowance with each.
pub(crate) fn client_network(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !((1_u128 << 64) - 1))),
    }
}

pub struct RateLimits {
    /// Keyed by [`client_network`].
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
    per_project: DefaultKeyedRateLimiter<String>,
}

/// This collector's share of a limit that `collectors` processes enforce together: a load
/// balancer spreads one client's requests over all of them, so each allows 1/N of the rate and
/// of the burst (rounded up, at least 1).
pub(crate) fn share(total: u32, collectors: NonZeroU32) -> u32 {
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
        self.per_ip.check_key(&client_network(ip)).is_ok()
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
    fn an_ipv6_network_is_one_client_however_many_addresses_it_rotates_through() {
        let settings = LimitSettings { per_ip_rps: 1, per_ip_burst: 5, collectors: n(1), ..LimitSettings::default() };
        let limits = RateLimits::new(&settings);
        let rotating = (0..50_u16).map(|i| IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 7, i, 0xbeef, i, 1)));
        assert_eq!(rotating.filter(|ip| limits.check_ip(*ip)).count(), 5, "one /64: one burst");
        assert!(limits.check_ip("2001:db8:0:8::1".parse().expect("an address")), "the next /64 is another client");
        let v4 = |s: &str| s.parse::<IpAddr>().expect("an address");
        assert_eq!(client_network(v4("::ffff:192.0.2.1")), v4("192.0.2.1"), "IPv4 inside IPv6 is the IPv4 address");
        assert_eq!(client_network(v4("192.0.2.1")), v4("192.0.2.1"));
        assert_eq!(client_network(v4("2001:db8::1:2:3:4")), v4("2001:db8::"));
    }

    #[test]
    fn one_collector_of_two_allows_half_the_burst() {
        let settings = LimitSettings { per_project_rps: 1, per_project_burst: 20, collectors: n(2), ..LimitSettings::default() };
        let limits = RateLimits::new(&settings);
        let allowed = (0..20).filter(|_| limits.check_project("key")).count();
        assert_eq!(allowed, 10);
    }
}
