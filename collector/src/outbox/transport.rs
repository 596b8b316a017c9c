//! The two ways out: signed webhook POSTs (reqwest) and e-mail over SMTP (lettre).

use super::settings::{SmtpSettings, SmtpTls};
use super::{EmailMessage, Message, WebhookMessage, signature};
use crate::store::DynStore;
use anyhow::Context;
use lettre::message::{Mailbox, MultiPart, SinglePart, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use sha2::Digest;
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
    pub error: Option<String>,
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
}

struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

const USER_AGENT: &str = concat!("nps-collector/", env!("CARGO_PKG_VERSION"), " (webhooks)");

impl Transports {
    pub fn new(smtp: &SmtpSettings, timeout: Duration, store: DynStore) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            // A receiver answers; it does not send us elsewhere (and a redirect would drop the
            // signature headers' meaning for the new host).
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(USER_AGENT)
            .build()
            .context("building the webhook HTTP client")?;
        let smtp = match &smtp.host {
            Some(host) => Some(Smtp::new(host, smtp, timeout)?),
            None => None,
        };
        Ok(Self { http, smtp, store })
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
                let status = response.status();
                let text: String = response.text().await.unwrap_or_default().chars().take(200).collect();
                AttemptResult::failed(Outcome::Retry, endpoint.url, Some(i64::from(status.as_u16())), format!("HTTP {status}: {text}"))
            }
            Err(e) => AttemptResult::failed(Outcome::Retry, endpoint.url, None, error_chain(&e)),
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
