//! Where outbound requests (webhooks, Slack) may go: never to the collector's own machine or
//! network (loopback, private, link-local incl. cloud metadata, CGNAT, multicast ...) unless
//! the operator lists the network in `outbox.allowed_networks`.
//!
//! Two checks: at creation/update of an endpoint (a literal forbidden IP or `localhost` gets a
//! 422 naming the problem) and at connect time, where [`GuardedResolver`] resolves the host and
//! hands reqwest only allowed addresses, so the address checked is the address connected to
//! (a DNS answer that changes between the two checks cannot slip through). reqwest does not call
//! a resolver for a literal IP, so [`OutboundPolicy::check_url`] runs before each request too.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

pub use crate::config::network::{Network, deserialize_networks, serialize_networks};

/// Why an address is not a place to send webhooks to, or `None` for a public address.
pub fn forbidden_reason(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_reason(v4),
        IpAddr::V6(v6) => v6_reason(v6),
    }
}

fn v4_reason(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    Some(match () {
        _ if ip.is_loopback() => "a loopback address",
        _ if ip.is_private() => "a private address",
        _ if ip.is_link_local() => "a link-local address (cloud metadata lives there)",
        // 0.0.0.0/8: "this network"; connecting to 0.0.0.0 reaches the local machine.
        _ if a == 0 => "an unspecified address",
        _ if ip.is_broadcast() => "the broadcast address",
        _ if ip.is_multicast() => "a multicast address",
        // 100.64.0.0/10: carrier-grade NAT, inside a provider's network.
        _ if a == 100 && (b & 0xc0) == 64 => "a shared (CGNAT) address",
        // 240.0.0.0/4: reserved, never routed on the internet.
        _ if a >= 240 => "a reserved address",
        _ => return None,
    })
}

fn v6_reason(ip: Ipv6Addr) -> Option<&'static str> {
    // An IPv4 address inside IPv6 (mapped ::ffff:a.b.c.d, compatible ::a.b.c.d, NAT64
    // 64:ff9b::a.b.c.d) reaches that IPv4 address: judge that one.
    if let Some(v4) = embedded_v4(ip) {
        return v4_reason(v4);
    }
    let first = ip.segments()[0];
    Some(match () {
        _ if ip.is_loopback() => "a loopback address",
        _ if ip.is_unspecified() => "an unspecified address",
        _ if (first & 0xfe00) == 0xfc00 => "a private (unique local) address",
        _ if (first & 0xffc0) == 0xfe80 => "a link-local address",
        // fec0::/10, deprecated site-local: private by intent.
        _ if (first & 0xffc0) == 0xfec0 => "a private (site-local) address",
        _ if ip.is_multicast() => "a multicast address",
        _ => return None,
    })
}

fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    let s = ip.segments();
    let tail = Ipv4Addr::from_bits((u32::from(s[6]) << 16) | u32::from(s[7]));
    let compatible = s[..6] == [0; 6] && !ip.is_loopback() && !ip.is_unspecified();
    let nat64 = s[..6] == [0x64, 0xff9b, 0, 0, 0, 0];
    (compatible || nat64).then_some(tail)
}

/// The addresses outbound requests may reach: public ones, and those in `allowed`.
#[derive(Debug, Clone, Default)]
pub struct OutboundPolicy {
    allowed: Vec<Network>,
}

/// A refused target: `reason` says what kind of address it was (for the admin's 422 and the
/// log); the delivery log keeps only the class `refused_address`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedAddress {
    pub host: String,
    pub reason: String,
}

impl fmt::Display for RefusedAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} is {}; webhooks may only go to public addresses (or networks in outbox.allowed_networks)", self.host, self.reason)
    }
}

impl std::error::Error for RefusedAddress {}

/// The host name did not resolve (kept apart from a refusal so the log can tell them apart).
#[derive(Debug)]
pub struct ResolveFailed;

impl fmt::Display for ResolveFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the host name did not resolve")
    }
}

impl std::error::Error for ResolveFailed {}

impl OutboundPolicy {
    pub fn new(allowed: Vec<Network>) -> Self {
        Self { allowed }
    }

    /// `Ok` when a request may connect to `ip`; otherwise what kind of address it is.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), &'static str> {
        let canonical = match ip {
            IpAddr::V6(v6) => embedded_v4(v6).map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        if self.allowed.iter().any(|n| n.contains(ip) || n.contains(canonical)) {
            return Ok(());
        }
        forbidden_reason(ip).map_or(Ok(()), Err)
    }

    /// Checks what can be checked without DNS: a literal IP host, and `localhost` (judged as
    /// 127.0.0.1, which it always means). Other names are checked when connecting.
    pub fn check_url(&self, url: &reqwest::Url) -> Result<(), RefusedAddress> {
        let Some(host) = url.host_str() else { return Ok(()) };
        let name = host.trim_end_matches('.').to_ascii_lowercase();
        // The URL parser already turned 2130706433, 0x7f.1 and the like into dotted quads.
        let literal = name.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().ok();
        let is_localhost = name == "localhost" || name.ends_with(".localhost");
        let ip = match (literal, is_localhost) {
            (Some(ip), _) => ip,
            (None, true) => IpAddr::V4(Ipv4Addr::LOCALHOST),
            (None, false) => return Ok(()),
        };
        self.check_ip(ip).map_err(|reason| RefusedAddress { host: host.to_owned(), reason: reason.to_owned() })
    }

    /// The allowed addresses among `addrs`, or the refusal when there is none.
    pub fn filter(&self, host: &str, addrs: impl IntoIterator<Item = SocketAddr>) -> Result<Vec<SocketAddr>, RefusedAddress> {
        let mut refused = None;
        let allowed: Vec<SocketAddr> = addrs
            .into_iter()
            .filter(|a| match self.check_ip(a.ip()) {
                Ok(()) => true,
                Err(reason) => {
                    refused.get_or_insert(reason);
                    false
                }
            })
            .collect();
        if allowed.is_empty() {
            let reason = refused.unwrap_or("not resolvable to any address").to_owned();
            return Err(RefusedAddress { host: host.to_owned(), reason });
        }
        Ok(allowed)
    }
}

/// reqwest's resolver for outbound requests: resolves with the system resolver (tokio's
/// `lookup_host`) and passes on only the addresses the policy allows, failing when none is.
pub struct GuardedResolver {
    pub policy: Arc<OutboundPolicy>,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            // Port 0: reqwest puts the URL's port on whatever address we return.
            let found = tokio::net::lookup_host((host.as_str(), 0)).await.map_err(|_| Box::new(ResolveFailed) as Box<_>)?;
            let allowed = policy.filter(&host, found).map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)?;
            let addrs: reqwest::dns::Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("test address")
    }

    #[test]
    fn ipv4_internal_ranges_are_forbidden_and_public_ones_are_not() {
        for internal in [
            "127.0.0.1",
            "127.255.255.254",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "0.1.2.3",
            "255.255.255.255",
            "224.0.0.1",
            "100.64.0.1",
            "100.127.255.255",
            "240.0.0.1",
        ] {
            assert!(forbidden_reason(ip(internal)).is_some(), "{internal} should be forbidden");
        }
        for public in ["8.8.8.8", "1.1.1.1", "172.32.0.1", "172.15.255.255", "100.128.0.1", "100.63.255.255", "192.169.0.1", "169.255.0.1"] {
            assert_eq!(forbidden_reason(ip(public)), None, "{public} should be allowed");
        }
    }

    #[test]
    fn ipv6_internal_ranges_are_forbidden_and_public_ones_are_not() {
        for internal in ["::1", "::", "fc00::1", "fd12:3456::1", "fe80::1", "febf::1", "fec0::1", "ff02::1"] {
            assert!(forbidden_reason(ip(internal)).is_some(), "{internal} should be forbidden");
        }
        for public in ["2001:4860:4860::8888", "2606:4700::1111", "fe00::1"] {
            assert_eq!(forbidden_reason(ip(public)), None, "{public} should be allowed");
        }
    }

    #[test]
    fn ipv4_inside_ipv6_is_judged_as_the_ipv4_address() {
        for internal in ["::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:10.0.0.1", "::127.0.0.1", "64:ff9b::10.0.0.1", "::ffff:100.64.0.1"] {
            assert!(forbidden_reason(ip(internal)).is_some(), "{internal} should be forbidden");
        }
        for public in ["::ffff:8.8.8.8", "64:ff9b::1.1.1.1"] {
            assert_eq!(forbidden_reason(ip(public)), None, "{public} should be allowed");
        }
    }

    #[test]
    fn the_allowlist_opens_exactly_its_networks_in_both_forms() {
        let policy = OutboundPolicy::new(vec!["127.0.0.1/32".parse().expect("net"), "10.1.0.0/16".parse().expect("net")]);
        assert_eq!(policy.check_ip(ip("127.0.0.1")), Ok(()));
        assert_eq!(policy.check_ip(ip("::ffff:127.0.0.1")), Ok(()));
        assert_eq!(policy.check_ip(ip("10.1.200.3")), Ok(()));
        assert!(policy.check_ip(ip("127.0.0.2")).is_err());
        assert!(policy.check_ip(ip("10.2.0.1")).is_err());
        assert!(policy.check_ip(ip("::1")).is_err());
        assert_eq!(policy.check_ip(ip("8.8.8.8")), Ok(()));
    }

    #[test]
    fn urls_with_literal_internal_hosts_or_localhost_are_refused() {
        let policy = OutboundPolicy::default();
        for url in [
            "http://127.0.0.1:8080/api/admin/bootstrap",
            "http://2130706433/",
            "http://0x7f.1/",
            "http://localhost:22/",
            "http://LocalHost./",
            "http://app.localhost/",
            "http://[::1]/",
            "http://[::ffff:169.254.169.254]/",
            "http://169.254.169.254/latest/meta-data/",
            "https://10.0.0.1/hook",
        ] {
            let parsed = reqwest::Url::parse(url).expect("url");
            assert!(policy.check_url(&parsed).is_err(), "{url} should be refused");
        }
        for url in ["https://hooks.slack.com/services/x", "https://8.8.8.8/", "http://[2001:4860:4860::8888]/"] {
            let parsed = reqwest::Url::parse(url).expect("url");
            assert_eq!(policy.check_url(&parsed), Ok(()), "{url}");
        }
    }

    #[test]
    fn resolved_addresses_are_filtered_and_none_left_is_a_refusal() {
        let policy = OutboundPolicy::default();
        let mixed = [SocketAddr::new(ip("10.0.0.5"), 0), SocketAddr::new(ip("8.8.8.8"), 0)];
        assert_eq!(policy.filter("mixed.example", mixed), Ok(vec![SocketAddr::new(ip("8.8.8.8"), 0)]));
        let internal = [SocketAddr::new(ip("127.0.0.1"), 0), SocketAddr::new(ip("::1"), 0)];
        assert!(policy.filter("rebound.example", internal).is_err_and(|e| e.reason.contains("loopback")));
    }

    #[tokio::test]
    async fn the_resolver_refuses_a_name_that_resolves_to_loopback() {
        use reqwest::dns::Resolve;
        let resolver = GuardedResolver { policy: Arc::new(OutboundPolicy::default()) };
        let name: reqwest::dns::Name = "localhost".parse().expect("name");
        let error = resolver.resolve(name).await.err().expect("localhost must be refused");
        assert!(error.downcast_ref::<RefusedAddress>().is_some(), "{error}");
        let open = GuardedResolver { policy: Arc::new(OutboundPolicy::new(vec!["127.0.0.0/8".parse().expect("net"), "::1".parse().expect("net")])) };
        let name: reqwest::dns::Name = "localhost".parse().expect("name");
        let addrs: Vec<SocketAddr> = open.resolve(name).await.map_err(|e| e.to_string()).expect("allowed").collect();
        assert!(!addrs.is_empty() && addrs.iter().all(|a| a.ip().is_loopback()), "{addrs:?}");
    }
}
