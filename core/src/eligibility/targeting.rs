//! Targeting: which users (and accounts) a survey is for, and who is never asked.

use super::conditions::Op;
use crate::attributes::Attributes;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Whose attributes a [`Condition`] reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    #[default]
    User,
    /// The B2B account the user acts for.
    Account,
}

/// How the attribute [`Condition`]s of a [`Targeting`] combine.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchMode {
    #[default]
    All,
    Any,
}

/// `attribute op value` on the user's or the account's attributes, e.g. `account.plan in
/// ["pro", "enterprise"]`. A dotted attribute (`address.country`) reads nested objects when no
/// attribute has that exact name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    #[serde(default)]
    pub source: Source,
    pub attribute: String,
    pub op: Op,
    #[serde(default)]
    pub value: Value,
}

/// Who a survey is for. Empty lists mean "anyone", so `{}` targets everyone.
///
/// `match_mode` combines the attribute `conditions` only; roles, languages and devices are
/// separate filters that must all pass, because "admins, in German, matching any of these
/// attributes" is what editors mean when they fill in several boxes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Targeting {
    pub match_mode: MatchMode,
    pub conditions: Vec<Condition>,
    /// Roles in the account (`executive_buyer`, `admin`, `end_user`, ...); case-insensitive.
    pub roles: Vec<String>,
    /// Language tags; `en` also matches `en-GB`, `en-GB` matches only `en-GB` (case-insensitive).
    pub languages: Vec<String>,
    /// `desktop`, `mobile`, `tablet` (case-insensitive).
    pub devices: Vec<String>,
    pub exclude: Exclusion,
}

/// Users never asked: the vendor's own staff and test accounts. Kept apart from targeting so
/// reports can count them as "internal" rather than "not targeted".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Exclusion {
    /// Any one that holds excludes the user (e.g. `is_staff equals true`).
    pub conditions: Vec<Condition>,
    /// E-mail domains (`example.com`, with or without `@`); subdomains are included.
    pub email_domains: Vec<String>,
}

/// Who is being asked. Borrowed, so the collector and the widget can decide without copying
/// the attributes they already hold.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// Stable key of the user (the host app's user id); also the sampling key.
    pub user_key: &'a str,
    pub user_attributes: &'a Attributes,
    pub account_attributes: Option<&'a Attributes>,
    /// Role in the account.
    pub role: Option<&'a str>,
    pub language: Option<&'a str>,
    pub device: Option<&'a str>,
    /// For internal-user exclusion; when `None`, the user attribute `email` is used.
    pub email: Option<&'a str>,
}

impl<'a> Subject<'a> {
    /// A user with attributes and nothing else known.
    pub fn new(user_key: &'a str, user_attributes: &'a Attributes) -> Self {
        Self {
            user_key,
            user_attributes,
            account_attributes: None,
            role: None,
            language: None,
            device: None,
            email: None,
        }
    }

    /// The attribute named `name` of the user or the account; `None` when missing.
    pub fn attribute(&self, source: Source, name: &str) -> Option<&'a Value> {
        let attributes = match source {
            Source::User => Some(self.user_attributes),
            Source::Account => self.account_attributes,
        }?;
        attributes.get(name).or_else(|| dotted(attributes, name))
    }

    fn email(&self) -> Option<&'a str> {
        self.email.or_else(|| self.user_attributes.get("email").and_then(Value::as_str))
    }
}

/// `a.b.c` through nested objects.
fn dotted<'a>(attributes: &'a Attributes, path: &str) -> Option<&'a Value> {
    let mut parts = path.split('.');
    let first = attributes.get(parts.next()?)?;
    parts.try_fold(first, |value, part| value.as_object()?.get(part))
}

impl Condition {
    pub fn matches(&self, subject: &Subject) -> bool {
        self.op.test(subject.attribute(self.source, &self.attribute), &self.value)
    }

    fn describe(&self) -> String {
        let source = match self.source {
            Source::User => "user",
            Source::Account => "account",
        };
        format!("{source}.{} {} {}", self.attribute, self.op.as_str(), self.value)
    }
}

/// Whether the subject is internal (excluded by an attribute rule or an e-mail domain).
pub fn is_internal(targeting: &Targeting, subject: &Subject) -> bool {
    internal_reason(targeting, subject).is_some()
}

/// Why the subject is internal, if it is.
pub fn internal_reason(targeting: &Targeting, subject: &Subject) -> Option<String> {
    let exclude = &targeting.exclude;
    if let Some(c) = exclude.conditions.iter().find(|c| c.matches(subject)) {
        return Some(format!("excluded by {}", c.describe()));
    }
    let email = subject.email()?;
    let domain = exclude.email_domains.iter().find(|d| email_in_domain(email, d))?;
    Some(format!("e-mail domain {} is excluded", domain.trim_start_matches('@')))
}

/// Why the subject is outside the targeting, if it is (`None` = targeted).
pub fn targeting_miss(targeting: &Targeting, subject: &Subject) -> Option<String> {
    let t = targeting;
    if !t.roles.is_empty() && !subject.role.is_some_and(|r| t.roles.iter().any(|x| x.eq_ignore_ascii_case(r))) {
        return Some(format!("role {} is not one of {:?}", subject.role.unwrap_or("(none)"), t.roles));
    }
    if !t.languages.is_empty() && !subject.language.is_some_and(|l| t.languages.iter().any(|x| language_matches(x, l)))
    {
        return Some(format!("language {} is not one of {:?}", subject.language.unwrap_or("(none)"), t.languages));
    }
    if !t.devices.is_empty() && !subject.device.is_some_and(|d| t.devices.iter().any(|x| x.eq_ignore_ascii_case(d))) {
        return Some(format!("device {} is not one of {:?}", subject.device.unwrap_or("(none)"), t.devices));
    }
    conditions_miss(t, subject)
}

fn conditions_miss(t: &Targeting, subject: &Subject) -> Option<String> {
    match t.match_mode {
        MatchMode::All => {
            t.conditions.iter().find(|c| !c.matches(subject)).map(|c| format!("{} does not hold", c.describe()))
        }
        MatchMode::Any if t.conditions.is_empty() || t.conditions.iter().any(|c| c.matches(subject)) => None,
        MatchMode::Any => Some(format!("none of the {} conditions holds", t.conditions.len())),
    }
}

/// `wanted` is the user's language or a prefix of it at a `-` boundary (`en` ~ `en-GB`).
fn language_matches(wanted: &str, actual: &str) -> bool {
    let (wanted, actual) = (wanted.replace('_', "-"), actual.replace('_', "-"));
    actual.eq_ignore_ascii_case(&wanted)
        || (actual.len() > wanted.len()
            && actual.as_bytes()[wanted.len()] == b'-'
            && actual[..wanted.len()].eq_ignore_ascii_case(&wanted))
}

/// `user@example.com` and `user@eu.example.com` are in `example.com`; `user@notexample.com` is
/// not.
fn email_in_domain(email: &str, domain: &str) -> bool {
    let domain = domain.trim().trim_start_matches('@');
    let Some((_, host)) = email.trim().rsplit_once('@') else { return false };
    !domain.is_empty()
        && (host.eq_ignore_ascii_case(domain)
            || (host.len() > domain.len()
                && host.as_bytes()[host.len() - domain.len() - 1] == b'.'
                && host[host.len() - domain.len()..].eq_ignore_ascii_case(domain)))
}
