//! Networks in settings (`outbox.allowed_networks`): parsed here, at the bottom, so the
//! settings do not depend on the outbox that enforces them (`outbox::address`).

use serde::{Deserialize, Deserializer};
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// An IPv4 or IPv6 network in CIDR form (`10.1.0.0/16`, `fd00::/8`; a bare address is `/32`
/// or `/128`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl Network {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => prefix_eq(u128::from(net.to_bits()) << 96, u128::from(ip.to_bits()) << 96, self.prefix),
            (IpAddr::V6(net), IpAddr::V6(ip)) => prefix_eq(net.to_bits(), ip.to_bits(), self.prefix),
            _ => false,
        }
    }
}

/// Whether the first `prefix` bits of `a` and `b` (left-aligned in a u128) are equal.
fn prefix_eq(a: u128, b: u128, prefix: u8) -> bool {
    let mask = if prefix == 0 { 0 } else { u128::MAX << (128 - u32::from(prefix.min(128))) };
    a & mask == b & mask
}

impl FromStr for Network {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (addr, prefix) = s.split_once('/').map_or((s, None), |(a, p)| (a, Some(p)));
        let addr: IpAddr = addr.parse().map_err(|_| format!("`{s}` is not an address or a network like 10.1.0.0/16"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(|| format!("`{s}`: the prefix length must be 0 to {max}"))?,
        };
        Ok(Self { addr, prefix })
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// Reads `outbox.allowed_networks` as a list (`["10.1.0.0/16"]` in TOML) or as one
/// comma-separated string (`NPS_OUTBOX__ALLOWED_NETWORKS=10.1.0.0/16,127.0.0.1/32`), naming the
/// entry that is not a network.
pub fn deserialize_networks<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Network>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        One(String),
        Many(Vec<String>),
    }
    let entries = match Raw::deserialize(deserializer)? {
        Raw::One(s) => s.split(',').map(str::to_owned).collect(),
        Raw::Many(v) => v,
    };
    entries
        .iter()
        .filter(|e| !e.trim().is_empty())
        .map(|e| e.parse().map_err(|m| serde::de::Error::custom(format!("outbox.allowed_networks: {m}"))))
        .collect()
}

pub fn serialize_networks<S: serde::Serializer>(networks: &[Network], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(networks.iter().map(ToString::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn networks_parse_and_bad_ones_are_named() {
        assert_eq!("10.1.0.0/16".parse::<Network>().map(|n| n.to_string()), Ok("10.1.0.0/16".to_owned()));
        assert_eq!("::1".parse::<Network>().map(|n| n.to_string()), Ok("::1/128".to_owned()));
        assert!("0.0.0.0/0".parse::<Network>().is_ok_and(|n| n.contains(ip("8.8.8.8"))));
        assert!("10.0.0.0/33".parse::<Network>().is_err_and(|e| e.contains("0 to 32")));
        assert!("intranet".parse::<Network>().is_err_and(|e| e.contains("`intranet`")));
    }

    #[test]
    fn allowed_networks_read_from_a_list_or_a_comma_separated_string() {
        #[derive(Deserialize)]
        struct S {
            #[serde(deserialize_with = "deserialize_networks")]
            n: Vec<Network>,
        }
        let list: S = serde_json::from_str(r#"{"n": ["10.1.0.0/16", "127.0.0.1/32"]}"#).expect("list");
        let string: S = serde_json::from_str(r#"{"n": "10.1.0.0/16, 127.0.0.1/32"}"#).expect("string");
        assert_eq!(list.n, string.n);
        assert_eq!(list.n.len(), 2);
        assert!(serde_json::from_str::<S>(r#"{"n": "10.1.0.0/16,nope"}"#).is_err_and(|e| e.to_string().contains("`nope`")));
    }

}
