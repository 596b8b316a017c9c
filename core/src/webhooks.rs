//! Alerts and integrations, the pure part: webhook endpoints per project, the events they
//! subscribe to and the band rules that filter them, the two payload formats (Standard Webhooks
//! JSON and a Slack-compatible message), e-mail alert policies and the delivery log's rows.
//! Signing, the outbox and the transports live in the collector.

use crate::names::names;
use crate::score::Band;
use crate::wire::SurveyKind;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// What a webhook endpoint can subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum WebhookEvent {
    /// An answer's score arrived (the comment may follow).
    #[serde(rename = "response.created")]
    ResponseCreated,
    /// An answer has both its score and its follow-up comment / extra answers.
    #[serde(rename = "response.completed")]
    ResponseCompleted,
}

names!(WebhookEvent { ResponseCreated => "response.created", ResponseCompleted => "response.completed" });

/// The type of the event the "send test event" button sends.
pub const TEST_EVENT: &str = "webhook.test";

/// How the body is shaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum WebhookFormat {
    /// `{"type", "timestamp", "data"}` as the Standard Webhooks specification describes.
    #[default]
    Standard,
    /// `{"text", "blocks"}`, accepted by Slack incoming webhooks (and Mattermost, Rocket.Chat).
    Slack,
}

names!(WebhookFormat { Standard => "standard", Slack => "slack" });

fn yes() -> bool {
    true
}

/// What an admin sends to create or replace a webhook endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookInput {
    /// `https://...` (or `http://` for receivers on a private network).
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::wire::limits::webhook_url))]
    pub url: String,
    /// At least one of `response.created`, `response.completed`.
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub events: Vec<WebhookEvent>,
    /// Band rule: only answers in these bands (empty = every band), e.g. `["detractor"]`.
    #[serde(default)]
    pub bands: Vec<Band>,
    #[serde(default)]
    pub format: WebhookFormat,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub description: Option<crate::wire::ShortText>,
}

/// A webhook endpoint as stored. `secret` is `whsec_<base64>`; receivers verify with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Webhook {
    pub id: i64,
    pub project_id: i64,
    pub url: String,
    pub secret: String,
    pub events: Vec<WebhookEvent>,
    pub bands: Vec<Band>,
    pub format: WebhookFormat,
    pub enabled: bool,
    pub description: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Webhook {
    /// Whether this endpoint wants `event` for an answer in `band` (an answer without a score
    /// matches only endpoints without a band rule).
    pub fn wants(&self, event: WebhookEvent, band: Option<Band>) -> bool {
        self.enabled
            && self.events.contains(&event)
            && (self.bands.is_empty() || band.is_some_and(|b| self.bands.contains(&b)))
    }
}

/// Who gets an e-mail when an answer in one of `bands` arrives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertPolicy {
    pub enabled: bool,
    /// Bands that alert (detractors by default).
    pub bands: Vec<Band>,
    /// Alert the follow-up owner of the answer (assigned by the project's follow-up policy).
    pub notify_owner: bool,
    /// Also alert these addresses.
    #[cfg_attr(feature = "openapi", schema(max_items = 50))]
    pub recipients: Vec<crate::wire::EmailAddress>,
}

impl Default for AlertPolicy {
    fn default() -> Self {
        Self { enabled: false, bands: vec![Band::Detractor], notify_owner: true, recipients: Vec::new() }
    }
}

impl AlertPolicy {
    pub fn applies_to(&self, band: Option<Band>) -> bool {
        self.enabled && band.is_some_and(|b| self.bands.contains(&b))
    }
}

/// One answer, as events describe it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResponseEvent {
    pub response_id: String,
    pub project_id: i64,
    pub survey_id: i64,
    pub survey_name: String,
    pub survey_kind: SurveyKind,
    pub user_id: String,
    pub account_id: Option<String>,
    pub score: Option<u8>,
    pub band: Option<Band>,
    pub comment: Option<String>,
    pub language: Option<String>,
    pub created_at: i64,
    pub completed_at: Option<i64>,
}

/// The Standard Webhooks body: `{"type", "timestamp" (RFC 3339), "data"}`.
pub fn standard_payload(event_type: &str, timestamp_rfc3339: &str, data: &ResponseEvent) -> Value {
    json!({ "type": event_type, "timestamp": timestamp_rfc3339, "data": data })
}

/// Slack's mrkdwn treats `&`, `<` and `>` as control characters; everything else is literal.
pub fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn band_title(band: Option<Band>) -> &'static str {
    match band {
        Some(Band::Detractor) => "Detractor",
        Some(Band::Passive) => "Passive",
        Some(Band::Promoter) => "Promoter",
        None => "No score yet",
    }
}

fn score_text(score: Option<u8>) -> String {
    score.map_or_else(|| "-".to_owned(), |s| format!("{s}/10"))
}

/// A one-line summary: used as Slack's notification text and as the e-mail subject.
pub fn summary(data: &ResponseEvent) -> String {
    format!("{} ({}) on {}", band_title(data.band), score_text(data.score), data.survey_name)
}

/// A Slack-compatible message: `text` (the notification and fallback) and `blocks` with the
/// score, band, comment and survey name.
pub fn slack_payload(event_type: &str, data: &ResponseEvent) -> Value {
    let mut fields = vec![
        json!({ "type": "mrkdwn", "text": format!("*Score*\n{}", score_text(data.score)) }),
        json!({ "type": "mrkdwn", "text": format!("*Band*\n{}", band_title(data.band)) }),
        json!({ "type": "mrkdwn", "text": format!("*Survey*\n{}", slack_escape(&data.survey_name)) }),
        json!({ "type": "mrkdwn", "text": format!("*User*\n{}", slack_escape(&data.user_id)) }),
    ];
    if let Some(account) = &data.account_id {
        fields.push(json!({ "type": "mrkdwn", "text": format!("*Account*\n{}", slack_escape(account)) }));
    }
    let comment = match data.comment.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => format!("> {}", slack_escape(c).replace('\n', "\n> ")),
        None => "_No comment._".to_owned(),
    };
    json!({
        "text": slack_escape(&summary(data)),
        "blocks": [
            { "type": "header", "text": { "type": "plain_text", "text": summary(data) } },
            { "type": "section", "fields": fields },
            { "type": "section", "text": { "type": "mrkdwn", "text": comment } },
            { "type": "context", "elements": [
                { "type": "mrkdwn", "text": format!("{} · response {}", event_type, slack_escape(&data.response_id)) }
            ] },
        ],
    })
}

/// The plain-text e-mail that alerts an owner: (subject, body).
pub fn alert_email(data: &ResponseEvent, admin_url: &str) -> (String, String) {
    let subject = format!("NPS alert: {}", summary(data));
    let comment = data.comment.as_deref().map(str::trim).filter(|c| !c.is_empty()).unwrap_or("(no comment)");
    let body = format!(
        "A {band} answer arrived.\n\nSurvey:   {survey}\nScore:    {score}\nUser:     {user}\nAccount:  {account}\nComment:  {comment}\n\n\
         Follow up within the SLA: {admin_url}/admin\n\nResponse id: {id}\n",
        band = band_title(data.band).to_lowercase(),
        survey = data.survey_name,
        score = score_text(data.score),
        user = data.user_id,
        account = data.account_id.as_deref().unwrap_or("-"),
        id = data.response_id,
    );
    (subject, body)
}

/// The one e-mail an address gets when its alerts of the hour ran out: what happened and where
/// the answers are, since the alerts it will not get are not sent later.
pub fn alerts_paused_email(admin_url: &str) -> (String, String) {
    let subject = "NPS alerts paused: too many this hour".to_owned();
    let body = format!(
        "More alert e-mails were due to this address in the last hour than the installation sends \
         (outbox.alert_emails_per_hour). Alerts to it are paused and resume as the hour passes; \
         those skipped are not sent later.\n\nEvery answer is stored and in the follow-up queue: \
         {admin_url}/admin\n"
    );
    (subject, body)
}

/// How an outbox message goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Channel {
    Webhook,
    Email,
}

/// Where an attempt left its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DeliveryStatus {
    Delivered,
    /// Will be tried again.
    Retrying,
    /// Given up.
    Failed,
    /// Waits without an attempt (e.g. no SMTP relay configured).
    Waiting,
}

names!(Channel { Webhook => "webhook", Email => "email" });
names!(DeliveryStatus { Delivered => "delivered", Retrying => "retrying", Failed => "failed", Waiting => "waiting" });

/// One delivery attempt (or a note that a message waits), as the delivery log shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryRow {
    pub id: i64,
    /// The outbox id of the message (stable across retries and restarts).
    pub message_id: String,
    pub project_id: Option<i64>,
    pub channel: Channel,
    /// The event type of a webhook, the kind of an e-mail (`alert`, `invitation`, ...).
    pub kind: String,
    /// The endpoint URL or the e-mail address.
    pub target: String,
    /// 1 for the first attempt; 0 for a message waiting without an attempt.
    pub attempt: i64,
    pub status: DeliveryStatus,
    /// The receiver's HTTP status or SMTP reply code.
    pub status_code: Option<i64>,
    /// Why the attempt did not succeed. Webhooks: a class, never text or a body from the
    /// receiver (`refused_address`, `dns_failed`, `connect_failed`, `timeout`, `tls`,
    /// `http_3xx`, `http_4xx`, `http_5xx`, `request_failed`, or the collector's own
    /// `endpoint deleted` / `endpoint disabled`). E-mails: the SMTP error.
    pub error: Option<String>,
    pub duration_ms: Option<i64>,
    /// Free text, e.g. the campaign and recipient of an invitation.
    pub reference: Option<String>,
    pub at: i64,
}

/// A message handed to the outbox (a test event, a test e-mail).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Enqueued {
    /// The outbox id; `GET /api/admin/deliveries?message_id=...` shows its attempts.
    pub message_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(score: Option<u8>, comment: Option<&str>) -> ResponseEvent {
        ResponseEvent {
            response_id: "r1".into(),
            project_id: 1,
            survey_id: 2,
            survey_name: "Checkout <beta>".into(),
            survey_kind: SurveyKind::Tnps,
            user_id: "u&1".into(),
            account_id: Some("acme".into()),
            score,
            band: score.map(|s| crate::NpsScore::new(i64::from(s)).map(crate::NpsScore::band).unwrap_or(Band::Detractor)),
            comment: comment.map(str::to_owned),
            language: None,
            created_at: 0,
            completed_at: None,
        }
    }

    fn hook(bands: Vec<Band>, events: Vec<WebhookEvent>) -> Webhook {
        Webhook {
            id: 1,
            project_id: 1,
            url: "https://example.invalid/h".into(),
            secret: "whsec_x".into(),
            events,
            bands,
            format: WebhookFormat::Standard,
            enabled: true,
            description: None,
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn band_rules_filter_events() {
        let detractors = hook(vec![Band::Detractor], vec![WebhookEvent::ResponseCreated]);
        assert!(detractors.wants(WebhookEvent::ResponseCreated, Some(Band::Detractor)));
        assert!(!detractors.wants(WebhookEvent::ResponseCreated, Some(Band::Promoter)));
        assert!(!detractors.wants(WebhookEvent::ResponseCreated, None));
        assert!(!detractors.wants(WebhookEvent::ResponseCompleted, Some(Band::Detractor)));
        let every = hook(vec![], WebhookEvent::ALL.to_vec());
        assert!(every.wants(WebhookEvent::ResponseCompleted, None));
        let mut off = every.clone();
        off.enabled = false;
        assert!(!off.wants(WebhookEvent::ResponseCreated, Some(Band::Promoter)));
    }

    #[test]
    fn event_names_round_trip_and_unknown_ones_are_refused() {
        for e in WebhookEvent::ALL {
            assert_eq!(serde_json::to_value(e).ok(), Some(Value::String(e.as_str().into())));
            assert_eq!(WebhookEvent::parse(e.as_str()), Some(e));
        }
        assert!(serde_json::from_str::<WebhookEvent>("\"response.deleted\"").is_err());
    }

    #[test]
    fn slack_payload_carries_score_band_comment_and_survey_escaped() {
        let payload = slack_payload("response.completed", &event(Some(3), Some("too slow & <buggy>")));
        let text = payload["text"].as_str().unwrap_or_default();
        assert_eq!(text, "Detractor (3/10) on Checkout &lt;beta&gt;");
        let blocks = payload["blocks"].to_string();
        for part in ["*Score*\\n3/10", "*Band*\\nDetractor", "Checkout &lt;beta&gt;", "> too slow &amp; &lt;buggy&gt;", "u&amp;1"] {
            assert!(blocks.contains(part), "{part} missing from {blocks}");
        }
    }

    #[test]
    fn alert_policy_is_off_until_enabled() {
        let mut policy = AlertPolicy::default();
        assert!(!policy.applies_to(Some(Band::Detractor)));
        policy.enabled = true;
        assert!(policy.applies_to(Some(Band::Detractor)));
        assert!(!policy.applies_to(Some(Band::Passive)));
        assert!(!policy.applies_to(None));
    }
}
