//! Settings from an optional TOML file and `NPS_*` environment variables (`__` separates
//! levels, e.g. `NPS_INGEST__MODE=direct`). Secrets are wrapped so `Debug` never prints them.

mod campaigns;
pub mod network;
pub mod outbox;

pub use campaigns::CampaignSettings;
pub use outbox::{OutboxSettings, SmtpSettings, SmtpTls};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub http: HttpSettings,
    /// `sqlite://data/nps.sqlite` (default) or `postgres://...`.
    pub database_url: Secret,
    /// Folder for the spool, the generated server secret and the default SQLite file.
    pub data_dir: PathBuf,
    /// Folder of the built widget (`cargo xtask build-widget` writes it).
    pub assets_dir: PathBuf,
    pub ingest: IngestSettings,
    pub limits: LimitSettings,
    pub auth: AuthSettings,
    pub log: LogSettings,
    /// The campaign scheduler (e-mail invitations, reminders, recurring waves).
    pub campaigns: CampaignSettings,
    /// Delivery of webhooks and e-mails (retries, back-off).
    pub outbox: OutboxSettings,
    /// The SMTP relay e-mails go through (unset host: e-mails wait in the outbox).
    pub smtp: SmtpSettings,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct HttpSettings {
    pub host: String,
    /// 0 picks a free port (tests).
    pub port: u16,
    /// How long graceful shutdown waits for in-flight requests, seconds.
    pub shutdown_timeout_secs: u64,
    /// Public URL printed at start-up and used in links.
    pub public_url: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IngestMode {
    /// Append to the redb spool with group commit, acknowledge, drain to SQL in batches.
    Spool,
    /// One SQL transaction per request before acknowledging: the naive baseline benchmarks
    /// compare against. Not for production.
    Direct,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct IngestSettings {
    pub mode: IngestMode,
    /// Most records the drainer moves to SQL in one transaction.
    pub drain_batch: usize,
    /// Most records one spool commit (one fsync) carries.
    pub max_group: usize,
    /// How long shutdown keeps draining the spool before leaving the rest for the next start.
    pub shutdown_drain_secs: u64,
    /// Keep every user's eligibility facts in memory and decide without SQL (SQLite only:
    /// this collector must be the database's only writer).
    pub resident_decisions: bool,
    /// Above this many users, decide from SQL instead (memory stays bounded).
    pub resident_max_users: u64,
    /// After a drain batch that was not full, how long records may gather before the next.
    pub drain_linger_ms: u64,
    /// Do not drain: acknowledged records stay in the spool until a start without this (e.g.
    /// while the database is being moved; tests erase respondents whose records are spooled).
    pub drain_paused: bool,
    /// Decisions taken in SQL (PostgreSQL, or SQLite without resident facts): most decisions
    /// one batch takes (see `decide_batch`).
    pub decision_batch: usize,
    /// How many decision batches run at once (each holds one database connection; on
    /// PostgreSQL the decisions have `PostgresStore::DECISION_CONNECTIONS`).
    pub decision_batches_in_flight: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct LimitSettings {
    /// Largest JSON body accepted on the client API, bytes.
    pub client_body_bytes: usize,
    /// Largest JSON body accepted on the admin API, bytes.
    pub admin_body_bytes: usize,
    /// Sustained requests per second per client address, and the burst above it.
    pub per_ip_rps: u32,
    pub per_ip_burst: u32,
    /// Sustained requests per second per project key, and the burst above it.
    pub per_project_rps: u32,
    pub per_project_burst: u32,
    /// How many collectors share these limits behind one load balancer. Each enforces its
    /// share (rates and bursts divided by this), so together they allow what one collector
    /// would; the limits are kept in each process's memory, not in the database.
    pub collectors: std::num::NonZeroU32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct AuthSettings {
    /// Signs admin sessions and widget sessions. Generated into `data_dir` when absent.
    pub server_secret: Option<Secret>,
    pub admin_session_minutes: i64,
    pub widget_session_hours: i64,
    /// Mark the session cookie `Secure`. Unset: on when `http.public_url` is `https://` (the
    /// collector behind a TLS proxy), off for a plain-HTTP local install.
    pub secure_cookies: Option<bool>,
    /// Failed sign-ins per e-mail address, and per client address, within
    /// `sign_in_window_secs` before further sign-ins for it are refused (429) until the window
    /// ends. The address limit is higher: several people may share one address. Counted in
    /// the database, so collectors sharing it share these limits (no division by
    /// `limits.collectors`).
    pub sign_in_failures_per_account: u32,
    pub sign_in_failures_per_address: u32,
    pub sign_in_window_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct LogSettings {
    /// `pretty` or `json`.
    pub format: String,
    pub filter: String,
}

/// A string that is never printed: `Debug` and `Display` show `[redacted]`.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            http: HttpSettings::default(),
            database_url: Secret::new("sqlite://data/nps.sqlite"),
            data_dir: PathBuf::from("data"),
            assets_dir: PathBuf::from("widget/dist"),
            ingest: IngestSettings::default(),
            limits: LimitSettings::default(),
            auth: AuthSettings::default(),
            log: LogSettings::default(),
            campaigns: Default::default(),
            outbox: Default::default(),
            smtp: Default::default(),
        }
    }
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self { host: "127.0.0.1".into(), port: 8080, shutdown_timeout_secs: 10, public_url: None }
    }
}

impl Default for IngestSettings {
    fn default() -> Self {
        Self {
            mode: IngestMode::Spool,
            drain_batch: 1_000,
            max_group: 4_096,
            shutdown_drain_secs: 10,
            resident_decisions: true,
            resident_max_users: 2_000_000,
            drain_linger_ms: 50,
            drain_paused: false,
            decision_batch: 128,
            decision_batches_in_flight: 1,
        }
    }
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            client_body_bytes: 64 * 1024,
            admin_body_bytes: 1024 * 1024,
            per_ip_rps: 50,
            per_ip_burst: 200,
            per_project_rps: 5_000,
            per_project_burst: 20_000,
            collectors: std::num::NonZeroU32::MIN,
        }
    }
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            server_secret: None,
            admin_session_minutes: 60,
            widget_session_hours: 24,
            secure_cookies: None,
            sign_in_failures_per_account: 5,
            sign_in_failures_per_address: 20,
            sign_in_window_secs: 15 * 60,
        }
    }
}

impl Default for LogSettings {
    fn default() -> Self {
        Self { format: "pretty".into(), filter: "info,sqlx=warn".into() }
    }
}

impl Settings {
    /// Defaults, then the TOML file if given, then `NPS_*` variables.
    pub fn load(file: Option<&Path>) -> Result<Self, Box<figment::Error>> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(file) = file {
            figment = figment.merge(Toml::file_exact(file));
        }
        figment.merge(Env::prefixed("NPS_").split("__")).extract().map_err(Box::new)
    }

    pub fn is_postgres(&self) -> bool {
        let url = self.database_url.expose();
        url.starts_with("postgres://") || url.starts_with("postgresql://")
    }

    /// Whether the session cookie is `Secure` (see [`AuthSettings::secure_cookies`]).
    pub fn secure_cookies(&self) -> bool {
        self.auth.secure_cookies.unwrap_or_else(|| self.http.public_url.as_deref().is_some_and(|u| u.starts_with("https://")))
    }

    pub fn public_url(&self, bound_port: u16) -> String {
        self.http.public_url.clone().unwrap_or_else(|| format!("http://{}:{}", self.http.host, bound_port))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_secure_behind_an_https_public_url_unless_told() {
        let mut settings = Settings::default();
        assert!(!settings.secure_cookies(), "a plain local install");
        settings.http.public_url = Some("https://nps.example.com".into());
        assert!(settings.secure_cookies());
        settings.auth.secure_cookies = Some(false);
        assert!(!settings.secure_cookies(), "an explicit setting wins");
        settings.http.public_url = Some("http://10.0.0.5:8080".into());
        settings.auth.secure_cookies = Some(true);
        assert!(settings.secure_cookies());
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let mut settings = Settings { database_url: Secret::new("postgres://user:hunter2@db/nps"), ..Settings::default() };
        settings.auth.server_secret = Some(Secret::new("s3cret-value"));
        let printed = format!("{settings:?}");
        assert!(!printed.contains("hunter2") && !printed.contains("s3cret-value"), "{printed}");
        assert!(printed.contains("[redacted]"));
    }
}
