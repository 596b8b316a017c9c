//! The two ways out: signed webhook POSTs (reqwest) and e-mail over SMTP (lettre).

use super::address::{GuardedResolver, OutboundPolicy, RefusedAddress, ResolveFailed};
use crate::config::{SmtpSettings, SmtpTls};
use super::{EmailMessage, Message, WebhookMessage, signature};
use crate::store::DynStore;
use anyhow::Context;
use lettre::message::{Mailbox, MultiPart, SinglePart, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use sha2::Digest;
use std::sync::Arc;
use std::time::Duration;

/// What became of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// Worth trying again later (network error, 5xx, 429, SMTP 4xx ...).
    Retry,
    /// Will never work (endpoint deleted, SMTP 5xx for this address ...).
    Permanent,
}

#[derive(Debug, Clone)]
pub struct AttemptResult {
    pub outcome: Outcome,
    /// The endpoint URL or the address.
    pub target: String,
    pub status_code: Option<i64>,
    /// For webhooks, a short class ([`ErrorClass`]), never text or a body from the receiver:
    /// the delivery log is read by admins, and echoing what an internal server answered would
    /// make webhooks a way to read (or scan) the collector's network.
    pub error: Option<String>,
}

/// What went wrong with a webhook attempt, as the delivery log shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// The target is (or resolved only to) an address outbound requests may not reach.
    RefusedAddress,
    /// The host name did not resolve.
    DnsFailed,
    ConnectFailed,
    Timeout,
    Tls,
    /// The receiver answered 3xx (redirects are not followed), 4xx or 5xx.
    Http3xx,
    Http4xx,
    Http5xx,
    /// Anything else while sending or reading the answer.
    RequestFailed,
}

impl ErrorClass {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::RefusedAddress => "refused_address",
            ErrorClass::DnsFailed => "dns_failed",
            ErrorClass::ConnectFailed => "connect_failed",
            ErrorClass::Timeout => "timeout",
            ErrorClass::Tls => "tls",
            ErrorClass::Http3xx => "http_3xx",
            ErrorClass::Http4xx => "http_4xx",
            ErrorClass::Http5xx => "http_5xx",
            ErrorClass::RequestFailed => "request_failed",
        }
    }

    fn of_status(status: reqwest::StatusCode) -> Self {
        match status.as_u16() {
            300..=399 => ErrorClass::Http3xx,
            400..=499 => ErrorClass::Http4xx,
            _ => ErrorClass::Http5xx,
        }
    }

    /// Classifies a reqwest error by walking its causes; the text itself is logged by the
    /// caller at most, never stored.
    fn of_error(e: &reqwest::Error) -> Self {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
        let mut tls = false;
        while let Some(cause) = source {
            if cause.is::<RefusedAddress>() {
                return ErrorClass::RefusedAddress;
            }
            if cause.is::<ResolveFailed>() {
                return ErrorClass::DnsFailed;
            }
            let text = cause.to_string().to_ascii_lowercase();
            tls |= text.contains("tls") || text.contains("certificate") || text.contains("handshake");
            source = cause.source();
        }
        match () {
            _ if e.is_timeout() => ErrorClass::Timeout,
            _ if tls => ErrorClass::Tls,
            _ if e.is_connect() => ErrorClass::ConnectFailed,
            _ => ErrorClass::RequestFailed,
        }
    }
}

impl AttemptResult {
    fn failed(outcome: Outcome, target: impl Into<String>, status_code: Option<i64>, error: impl Into<String>) -> Self {
        Self { outcome, target: target.into(), status_code, error: Some(error.into()) }
    }
}

pub struct Transports {
    http: reqwest::Client,
    smtp: Option<Smtp>,
    store: DynStore,
    policy: Arc<OutboundPolicy>,
}

struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

const USER_AGENT: &str = concat!("nps-collector/", env!("CARGO_PKG_VERSION"), " (webhooks)");

impl Transports {
    pub fn new(smtp: &SmtpSettings, timeout: Duration, policy: Arc<OutboundPolicy>, store: DynStore) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            // A receiver answers; it does not send us elsewhere (and a redirect would drop the
            // signature headers' meaning for the new host, and lead past the address check).
            .redirect(reqwest::redirect::Policy::none())
            // Every connection goes through the address check: names resolve here, and only
            // allowed addresses are connected to.
            .dns_resolver(Arc::new(GuardedResolver { policy: policy.clone() }))
            // A proxy from HTTP(S)_PROXY would connect on our behalf, past the check.
            .no_proxy()
            .user_agent(USER_AGENT)
            .build()
            .context("building the webhook HTTP client")?;
        let smtp = match &smtp.host {
            Some(host) => Some(Smtp::new(host, smtp, timeout)?),
            None => None,
        };
        Ok(Self { http, smtp, store, policy })
    }

    pub fn smtp_configured(&self) -> bool {
        self.smtp.is_some()
    }

    pub async fn send(&self, id: &str, message: &Message) -> AttemptResult {
        match message {
            Message::Webhook(w) => self.post_webhook(id, w).await,
            Message::Email(e) => match &self.smtp {
                Some(smtp) => smtp.send(id, e).await,
                // Not reached: the worker leaves e-mails alone without SMTP settings.
                None => AttemptResult::failed(Outcome::Retry, &e.to, None, "SMTP not configured"),
            },
        }
    }

    async fn post_webhook(&self, id: &str, message: &WebhookMessage) -> AttemptResult {
        let endpoint = match self.store.get_webhook(message.endpoint_id).await {
            Ok(Some(endpoint)) => endpoint,
            Ok(None) => {
                return AttemptResult::failed(Outcome::Permanent, format!("endpoint {}", message.endpoint_id), None, "endpoint deleted");
            }
            Err(e) => return AttemptResult::failed(Outcome::Retry, format!("endpoint {}", message.endpoint_id), None, format!("{e}")),
        };
        if !endpoint.enabled && message.event != nps_core::webhooks::TEST_EVENT {
            return AttemptResult::failed(Outcome::Permanent, &endpoint.url, None, "endpoint disabled");
        }
        if let Err(refused) = self.refuse_literal(&endpoint.url) {
            // Stored before the check existed, or the allowlist changed since: will not work
            // until the URL or the settings change, so no retries.
            tracing::warn!(endpoint = endpoint.id, %refused, "webhook target refused");
            return AttemptResult::failed(Outcome::Permanent, &endpoint.url, None, ErrorClass::RefusedAddress.as_str());
        }
        let webhook_id = signature::webhook_id(id);
        // A fresh timestamp (and so signature) per attempt, as the specification asks: receivers
        // refuse timestamps too far from their clock, and a retry can come hours later.
        let timestamp = chrono::Utc::now().timestamp();
        let signed = match signature::sign(&endpoint.secret, &webhook_id, timestamp, message.body.as_bytes()) {
            Ok(signed) => signed,
            Err(e) => return AttemptResult::failed(Outcome::Permanent, &endpoint.url, None, format!("{e}")),
        };
        let request = self
            .http
            .post(&endpoint.url)
            .header("content-type", "application/json")
            .header("webhook-id", &webhook_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signed)
            .body(message.body.clone());
        match request.send().await {
            Ok(response) if response.status().is_success() => AttemptResult {
                outcome: Outcome::Delivered,
                target: endpoint.url,
                status_code: Some(i64::from(response.status().as_u16())),
                error: None,
            },
            Ok(response) => {
                // The body is not read: whatever the receiver says stays out of the log.
                let status = response.status();
                AttemptResult::failed(Outcome::Retry, endpoint.url, Some(i64::from(status.as_u16())), ErrorClass::of_status(status).as_str())
            }
            Err(e) => {
                let class = ErrorClass::of_error(&e);
                // The operator's log keeps the cause (the admin-facing delivery log does not).
                tracing::debug!(endpoint = endpoint.id, error = %error_chain(&e), class = class.as_str(), "webhook attempt failed");
                let outcome = if class == ErrorClass::RefusedAddress { Outcome::Permanent } else { Outcome::Retry };
                AttemptResult::failed(outcome, endpoint.url, None, class.as_str())
            }
        }
    }

    /// reqwest connects to a literal IP without asking the resolver: check those here.
    fn refuse_literal(&self, url: &str) -> Result<(), RefusedAddress> {
        match reqwest::Url::parse(url) {
            Ok(parsed) => self.policy.check_url(&parsed),
            Err(_) => Ok(()), // reqwest refuses it itself (request_failed)
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl Smtp {
    fn new(host: &str, settings: &SmtpSettings, timeout: Duration) -> anyhow::Result<Self> {
        let tls = match settings.tls {
            SmtpTls::None => Tls::None,
            SmtpTls::Starttls => Tls::Required(TlsParameters::new(host.to_owned())?),
            SmtpTls::Tls => Tls::Wrapper(TlsParameters::new(host.to_owned())?),
        };
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host).port(settings.port).tls(tls).timeout(Some(timeout));
        if let (Some(user), Some(password)) = (&settings.user, &settings.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.expose().to_owned()));
        }
        let from: Mailbox = settings.from.parse().with_context(|| format!("smtp.from `{}` is not an address", settings.from))?;
        Ok(Self { transport: builder.build(), from })
    }

    async fn send(&self, id: &str, email: &EmailMessage) -> AttemptResult {
        let mail = match self.build(id, email) {
            Ok(mail) => mail,
            Err(e) => return AttemptResult::failed(Outcome::Permanent, &email.to, None, format!("{e:#}")),
        };
        match self.transport.send(mail).await {
            Ok(response) => AttemptResult {
                outcome: Outcome::Delivered,
                target: email.to.clone(),
                status_code: response.code().to_string().parse().ok(),
                error: None,
            },
            Err(e) => {
                let outcome = if e.is_permanent() { Outcome::Permanent } else { Outcome::Retry };
                let code = e.status().and_then(|c| c.to_string().parse().ok());
                AttemptResult::failed(outcome, &email.to, code, error_chain(&e))
            }
        }
    }

    fn build(&self, id: &str, email: &EmailMessage) -> anyhow::Result<lettre::Message> {
        let to: Mailbox = email.to.parse().with_context(|| format!("`{}` is not an e-mail address", email.to))?;
        let domain = self.from.email.domain().to_owned();
        // The same Message-ID on every attempt: a mail that was accepted but whose acceptance we
        // did not hear about is recognisable as a repeat downstream.
        let message_id = format!("<{}@{}>", &hex::encode(sha2::Sha256::digest(id.as_bytes()))[..32], domain);
        let builder = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&email.subject)
            .message_id(Some(message_id));
        let mail = match &email.html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(email.text.clone(), html.clone()))?,
            None => builder.singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(email.text.clone()))?,
        };
        Ok(mail)
    }
}
