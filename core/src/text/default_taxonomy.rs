//! The keyword lists of [`Taxonomy::default`](super::Taxonomy).
//!
//! Keywords are matched on stems (see [`super::tokenize::stem`]), so each is written once in its
//! plain form. The lists favour precision on words that belong to several themes only a little:
//! "support" is kept although "no support for SAML" is a missing feature, because in NPS
//! comments it nearly always means the support team; "export" and "basic" were dropped from
//! features because they mostly appear in bug reports and pricing complaints.

use super::themes::Theme;

pub(super) fn themes() -> Vec<Theme> {
    vec![
        Theme::new("usability", USABILITY),
        Theme::new("performance", PERFORMANCE),
        Theme::new("bugs", BUGS),
        Theme::new("pricing", PRICING),
        Theme::new("support", SUPPORT),
        Theme::new("features", FEATURES),
        Theme::new("onboarding", ONBOARDING),
        Theme::new("integrations", INTEGRATIONS),
        Theme::new("documentation", DOCUMENTATION),
        Theme::new("reliability", RELIABILITY),
    ]
}

#[rustfmt::skip]
const USABILITY: &[&str] = &[
    "easy to use", "ease of use", "hard to use", "difficult to use", "user friendly", "usability",
    "intuitive", "unintuitive", "counterintuitive", "confusing", "clunky", "cluttered", "interface",
    "ui", "ux", "navigation", "navigate", "layout", "design", "menu", "clicks", "simple", "straightforward",
    "complicated", "overwhelming", "learning curve", "easy", "hard to find", "user experience",
];

#[rustfmt::skip]
const PERFORMANCE: &[&str] = &[
    "slow", "slowness", "sluggish", "lag", "laggy", "load time", "load", "speed", "fast", "faster", "quick",
    "snappy", "responsive", "latency", "hang", "freeze", "frozen", "performance", "time out", "timeout",
    "takes forever", "takes ages", "instantly", "lightning", "blazing",
];

#[rustfmt::skip]
const BUGS: &[&str] = &[
    "bug", "buggy", "crash", "glitch", "glitchy", "error", "broken", "broke", "doesn't work", "does not work",
    "didn't work", "not working", "stopped working", "wrong", "defect", "fails to", "won't start", "won't load",
];

#[rustfmt::skip]
const PRICING: &[&str] = &[
    "price", "pricey", "expensive", "overpriced", "cost", "cheap", "cheaper", "affordable", "plan",
    "bill", "charge", "subscription", "pay", "paid", "value for money", "worth the money", "worth every penny",
    "fee", "tier", "per seat", "discount", "refund", "budget",
];

#[rustfmt::skip]
const SUPPORT: &[&str] = &[
    "support", "customer service", "customer success", "success team", "account manager", "help desk",
    "helpdesk", "ticket", "live chat", "chatbot", "reply", "respond", "response time", "got back to",
    "get back to", "agent",
];

#[rustfmt::skip]
const FEATURES: &[&str] = &[
    "feature", "functionality", "missing", "lack", "would love", "wish", "please add", "would like",
    "would be nice", "would be great", "roadmap", "option to", "dark mode", "report builder",
    "reporting", "template", "automation", "custom fields", "bulk edit", "offline mode", "view", "permissions",
    "limited",
];

#[rustfmt::skip]
const ONBOARDING: &[&str] = &[
    "onboarding", "setup", "set up", "getting started", "sign up", "signup", "first day",
    "trial", "guided tour", "tour", "walkthrough", "tutorial", "training", "learn", "up and running",
    "setup wizard",
];

#[rustfmt::skip]
const INTEGRATIONS: &[&str] = &[
    "integrat*", "connector", "connect", "api", "webhook", "zapier", "slack", "jira", "salesforce", "hubspot",
    "google calendar", "google drive", "outlook", "microsoft teams", "quickbooks", "xero", "shopify", "stripe",
    "okta", "sso", "plugin", "plays nicely with", "sync with",
];

#[rustfmt::skip]
const DOCUMENTATION: &[&str] = &[
    "documentation", "docs", "documented", "undocumented", "help center", "help article", "knowledge base",
    "guide", "tutorial", "how to", "api reference", "readme", "examples", "changelog", "release notes", "user manual",
    "explained", "faq",
];

#[rustfmt::skip]
const RELIABILITY: &[&str] = &[
    "reliable", "unreliable", "reliability", "uptime", "downtime", "outage", "down", "stable", "unstable",
    "stability", "dependable", "rock solid", "data loss", "lost data", "lose data", "sync fail", "failed to sync",
    "stopped syncing", "just works", "always works", "let us down", "status page", "availability", "available",
];
