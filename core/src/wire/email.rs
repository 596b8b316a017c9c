//! E-mail addresses an admin gives: signing in, new users and invitations, campaign recipients,
//! alert recipients. One rule for all of them, parsed at the edge, so no handler checks an
//! address and the OpenAPI document states the same rule as a pattern.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An address as stored: trimmed and lower-cased. As sent it has at most 254 characters; once
/// the surrounding whitespace (what `str::trim` strips) is gone, it is `local@domain`, neither
/// side empty, with no whitespace and no control character inside.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

/// Why an address was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotAnAddress;

impl fmt::Display for NotAnAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "must be an e-mail address like name@example.com of at most {} characters", EmailAddress::MAX_CHARS)
    }
}

impl std::error::Error for NotAnAddress {}

impl EmailAddress {
    pub const MAX_CHARS: usize = 254;

    pub fn parse(sent: &str) -> Result<Self, NotAnAddress> {
        let address = sent.trim();
        let inside_ok = |c: char| !c.is_whitespace() && !c.is_control();
        let shaped = address.starts_with(|c| c != '@') && address.ends_with(|c| c != '@') && address.contains('@');
        if sent.chars().count() > Self::MAX_CHARS || !shaped || !address.chars().all(inside_ok) {
            return Err(NotAnAddress);
        }
        Ok(Self(address.to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for EmailAddress {
    type Err = NotAnAddress;

    fn from_str(sent: &str) -> Result<Self, NotAnAddress> {
        Self::parse(sent)
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = NotAnAddress;

    fn try_from(sent: String) -> Result<Self, NotAnAddress> {
        Self::parse(&sent)
    }
}

impl From<EmailAddress> for String {
    fn from(address: EmailAddress) -> String {
        address.0
    }
}

impl std::ops::Deref for EmailAddress {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for EmailAddress {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        super::limits::email_address()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for EmailAddress {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_trimmed_and_lower_cased() {
        assert_eq!(EmailAddress::parse(" Ana@Example.COM\t").map(String::from), Ok("ana@example.com".to_owned()));
        assert_eq!(EmailAddress::parse("a@b").map(String::from), Ok("a@b".to_owned()));
        assert!(EmailAddress::parse("a@@b").is_ok(), "the rule is an `@` between two non-empty sides");
    }

    #[test]
    fn what_is_not_an_address_is_refused() {
        let long = format!("{}@example.com", "a".repeat(250));
        for bad in ["", "ana", "@example.com", "ana@", "a na@example.com", "a\u{1f}@b", "a@x\u{2028}y", "a\u{85}@b", &long] {
            assert_eq!(EmailAddress::parse(bad), Err(NotAnAddress), "{bad:?}");
        }
        assert!(serde_json::from_str::<EmailAddress>("\"nobody\"").is_err_and(|e| e.to_string().contains("e-mail address")));
    }
}
