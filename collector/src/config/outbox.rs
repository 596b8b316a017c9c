//! Settings of the outbox (`outbox.*`, env `NPS_OUTBOX__...`) and of the SMTP relay
//! (`smtp.*`, env `NPS_SMTP__HOST`, `NPS_SMTP__PORT`, `NPS_SMTP__FROM`, `NPS_SMTP__USER`,
//! `NPS_SMTP__PASSWORD`, `NPS_SMTP__TLS=none|starttls|tls`).

use super::network::Network;
use super::Secret;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct OutboxSettings {
    /// Delay before the first retry; each further retry doubles it (with jitter).
    pub retry_base_ms: u64,
    /// Longest delay between two attempts.
    pub retry_max_ms: u64,
    /// Attempts before a message is moved to the failed table.
    pub max_attempts: u32,
    /// Deliveries in flight at once.
    pub concurrency: usize,
    /// How long a delivered message's id is remembered, so that enqueueing it again is a no-op.
    pub delivered_retention_days: u64,
    /// Timeout of one webhook request / SMTP session.
    pub timeout_secs: u64,
    /// How long shutdown waits for deliveries in flight (the rest are retried at the next start).
    pub shutdown_grace_secs: u64,
    /// Internal networks webhooks may reach anyway, e.g. `["10.1.0.0/16", "127.0.0.1/32"]`
    /// (env: `NPS_OUTBOX__ALLOWED_NETWORKS=10.1.0.0/16,127.0.0.1/32`). Empty by default:
    /// loopback, private, link-local (cloud metadata), CGNAT, multicast and similar addresses
    /// are refused, so that an admin cannot use webhooks to reach the collector's own machine
    /// or network (SSRF). List only networks whose receivers you run; see docs/security.md.
    #[serde(deserialize_with = "super::network::deserialize_networks", serialize_with = "super::network::serialize_networks")]
    pub allowed_networks: Vec<Network>,
    /// Alert e-mails one address gets per hour (per answer), divided between
    /// `limits.collectors`; past it one notice says its alerts are paused, and the answers
    /// stay in the follow-up queue (`outbox/alert_budget.rs`). 0: no bound.
    pub alert_emails_per_hour: u32,
}

impl Default for OutboxSettings {
    fn default() -> Self {
        Self {
            retry_base_ms: 1_000,
            retry_max_ms: 3_600_000,
            // 1 s, 2 s, 4 s ... capped at an hour: 16 attempts span about 8 hours.
            max_attempts: 16,
            concurrency: 8,
            delivered_retention_days: 7,
            timeout_secs: 10,
            shutdown_grace_secs: 5,
            allowed_networks: Vec::new(),
            alert_emails_per_hour: 30,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpTls {
    /// Plain text: for a relay on localhost or a trusted private network.
    #[default]
    None,
    /// Plain connection upgraded with STARTTLS (required, never silently plain).
    Starttls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
}

/// E-mail is configured when `host` is set; without it e-mails wait in the outbox.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SmtpSettings {
    pub host: Option<String>,
    pub port: u16,
    /// The sender, e.g. `NPS <nps@example.com>`.
    pub from: String,
    pub user: Option<String>,
    pub password: Option<Secret>,
    pub tls: SmtpTls,
}

impl Default for SmtpSettings {
    fn default() -> Self {
        Self { host: None, port: 25, from: "NPS <nps@localhost>".into(), user: None, password: None, tls: SmtpTls::None }
    }
}
