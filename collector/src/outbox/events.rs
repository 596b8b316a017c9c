//! Where webhook events and alert e-mails come from: answers that reached SQL. Called (as an
//! [`ApplyHook`]) after the drainer's SQL batch committed and before its records leave the
//! spool, it enqueues one message per (endpoint, answer, event) and per (answer, alerted
//! address), all with deterministic ids. A crash after the commit and before the spool removal
//! applies the batch again and enqueues the same ids again: the outbox ignores them, so nothing
//! is lost and nothing is sent twice.
//!
//! Payloads are built from the stored answer (not from the record), so they show what SQL holds:
//! the first score, the completed comment, the survey's name.

use super::alert_budget::{AlertBudget, Verdict};
use super::{EmailMessage, Message, Outbox, WebhookMessage};
use crate::store::hook::ApplyHook;
use crate::store::records::IngestRecord;
use crate::store::DynStore;
use async_trait::async_trait;
use nps_core::webhooks::{
    AlertPolicy, ResponseEvent, TEST_EVENT, Webhook, WebhookEvent, WebhookFormat, alert_email, alerts_paused_email, slack_payload, standard_payload,
};
use nps_core::wire::SurveyKind;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

pub struct EventPublisher {
    pub store: DynStore,
    pub outbox: Arc<Outbox>,
    /// Public URL of the collector, for links in alert e-mails (known once the port is bound).
    pub public_url: std::sync::OnceLock<String>,
    /// Alert e-mails per address and hour.
    pub alert_budget: AlertBudget,
}

/// What touched an answer in this batch.
#[derive(Default)]
struct Touched {
    scored: bool,
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The body an endpoint gets for an event, in its format.
pub fn webhook_body(format: WebhookFormat, event_type: &str, data: &ResponseEvent, at_ms: i64) -> String {
    match format {
        WebhookFormat::Standard => standard_payload(event_type, &rfc3339(at_ms), data).to_string(),
        WebhookFormat::Slack => slack_payload(event_type, data).to_string(),
    }
}

/// The outbox id of an event for an endpoint: `wh:{endpoint}:{response}:{event}`.
pub fn event_message_id(endpoint_id: i64, response_id: &str, event: WebhookEvent) -> String {
    format!("wh:{endpoint_id}:{response_id}:{}", event.as_str())
}

/// The events an answer has now, given what this batch did to it.
fn events_of(answer: &ResponseEvent, touched: &Touched) -> Vec<WebhookEvent> {
    if answer.score.is_none() {
        // A comment that arrived before its score: both events go out when the score does.
        return Vec::new();
    }
    let mut events = Vec::with_capacity(2);
    if touched.scored {
        events.push(WebhookEvent::ResponseCreated);
    }
    if answer.completed_at.is_some() {
        events.push(WebhookEvent::ResponseCompleted);
    }
    events
}

fn looks_like_address(s: &str) -> bool {
    let s = s.trim();
    s.len() <= 254 && s.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.') && !s.contains(char::is_whitespace))
}

#[async_trait]
impl ApplyHook for EventPublisher {
    async fn on_applied(&self, records: &[IngestRecord]) -> anyhow::Result<()> {
        let mut by_project: BTreeMap<i64, BTreeMap<String, Touched>> = BTreeMap::new();
        for record in records {
            match record {
                IngestRecord::Response { project_id, response, .. } => {
                    by_project.entry(*project_id).or_default().entry(response.response_id.to_string()).or_default().scored = true;
                }
                IngestRecord::Complete { project_id, response_id, .. } => {
                    by_project.entry(*project_id).or_default().entry(response_id.clone()).or_default();
                }
                _ => {}
            }
        }
        let mut messages = Vec::new();
        for (project_id, answers) in by_project {
            messages.extend(self.project_messages(project_id, &answers).await?);
        }
        if !messages.is_empty() {
            let added = self.outbox.enqueue_batch(messages).await?;
            let new = added.iter().filter(|a| **a).count();
            if new > 0 {
                tracing::debug!(new, "events enqueued");
            }
        }
        Ok(())
    }
}

impl EventPublisher {
    /// Events of answers stored in SQL directly, not through the spool (hosted survey pages:
    /// partner NPS; employee NPS never leaves as events). Enqueued after the answer committed;
    /// the ids are the same deterministic ones, so a repeat is harmless.
    pub async fn publish_stored(&self, project_id: i64, response_ids: &[String]) -> anyhow::Result<()> {
        let answers: BTreeMap<String, Touched> = response_ids.iter().map(|id| (id.clone(), Touched { scored: true })).collect();
        let messages = self.project_messages(project_id, &answers).await?;
        if !messages.is_empty() {
            self.outbox.enqueue_batch(messages).await?;
        }
        Ok(())
    }

    async fn project_messages(&self, project_id: i64, answers: &BTreeMap<String, Touched>) -> anyhow::Result<Vec<(String, Message)>> {
        let hooks: Vec<Webhook> = self.store.list_webhooks(project_id).await?.into_iter().filter(|w| w.enabled).collect();
        let policy = self.store.alert_policy(project_id).await?;
        if hooks.is_empty() && !policy.enabled {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = answers.keys().cloned().collect();
        let mut messages = Vec::new();
        let mut alerts = Vec::new();
        for answer in self.store.response_events(&ids).await? {
            // Employee NPS answers never leave as per-person events: anonymity is promised.
            if answer.project_id != project_id || answer.survey_kind == SurveyKind::Enps {
                continue;
            }
            let Some(touched) = answers.get(&answer.response_id) else { continue };
            for event in events_of(&answer, touched) {
                let at = match event {
                    WebhookEvent::ResponseCreated => answer.created_at,
                    WebhookEvent::ResponseCompleted => answer.completed_at.unwrap_or(answer.created_at),
                };
                for hook in hooks.iter().filter(|h| h.wants(event, answer.band)) {
                    let message = WebhookMessage {
                        project_id,
                        endpoint_id: hook.id,
                        event: event.as_str().to_owned(),
                        body: webhook_body(hook.format, event.as_str(), &answer, at),
                    };
                    messages.push((event_message_id(hook.id, &answer.response_id, event), Message::Webhook(message)));
                }
            }
            if touched.scored && policy.applies_to(answer.band) {
                alerts.push(answer);
            }
        }
        messages.extend(self.alert_emails(project_id, &policy, &alerts).await?);
        Ok(messages)
    }

    /// One e-mail per alerted answer and address: the answer's follow-up owner (as the
    /// follow-up policy assigns it, so the alert goes to whoever the queue shows) and the
    /// policy's fixed recipients, within each address's hourly allowance.
    async fn alert_emails(&self, project_id: i64, policy: &AlertPolicy, alerts: &[ResponseEvent]) -> anyhow::Result<Vec<(String, Message)>> {
        if alerts.is_empty() {
            return Ok(Vec::new());
        }
        let mut owners = HashMap::new();
        if policy.notify_owner {
            let followups = self.store.followup_policy(project_id).await?;
            self.store.sync_followups(project_id, &followups, crate::clock::now_ms()).await?;
            let ids: Vec<String> = alerts.iter().map(|a| a.response_id.clone()).collect();
            owners = self.store.followup_owners(&ids).await?.into_iter().filter_map(|(id, owner)| Some((id, owner?))).collect();
        }
        let mut messages = Vec::new();
        for answer in alerts {
            let mut to: BTreeSet<String> = policy.recipients.iter().map(|r| r.trim().to_lowercase()).collect();
            match owners.get(&answer.response_id) {
                Some(owner) if looks_like_address(owner) => {
                    to.insert(owner.trim().to_lowercase());
                }
                Some(owner) => tracing::warn!(%owner, "follow-up owner is not an e-mail address; no alert to them"),
                None => {}
            }
            let admin_url = self.public_url.get().map_or("", String::as_str);
            let (subject, text) = alert_email(answer, admin_url);
            let reference = format!("response {}", answer.response_id);
            for address in to.into_iter().filter(|a| looks_like_address(a)) {
                let (id, subject, text) = match self.alert_budget.take(&address) {
                    Verdict::Send => (format!("alert:{}:{address}", answer.response_id), subject.clone(), text.clone()),
                    Verdict::Pause => {
                        self.outbox.metrics.alert_emails_held.inc();
                        let (subject, text) = alerts_paused_email(admin_url);
                        (format!("alerts-paused:{address}:{}", answer.response_id), subject, text)
                    }
                    Verdict::Hold => {
                        self.outbox.metrics.alert_emails_held.inc();
                        continue;
                    }
                };
                let email = EmailMessage { project_id, to: address, subject, text, html: None, kind: "alert".into(), reference: reference.clone() };
                messages.push((id, Message::Email(email)));
            }
        }
        Ok(messages)
    }

    /// Enqueues a `webhook.test` event with a sample answer for one endpoint (the "send test
    /// event" button); returns the message id.
    pub async fn send_test(&self, hook: &Webhook) -> anyhow::Result<String> {
        let now = crate::clock::now_ms();
        let sample = ResponseEvent {
            response_id: format!("test_{}", uuid::Uuid::new_v4().simple()),
            project_id: hook.project_id,
            survey_id: 0,
            survey_name: "Test event".into(),
            survey_kind: SurveyKind::Tnps,
            user_id: "test-user".into(),
            account_id: None,
            score: Some(3),
            band: Some(nps_core::Band::Detractor),
            comment: Some("This is a test event sent from the NPS admin.".into()),
            language: Some("en".into()),
            created_at: now,
            completed_at: Some(now),
        };
        let id = format!("wh:{}:{}:{TEST_EVENT}", hook.id, sample.response_id);
        let message = WebhookMessage {
            project_id: hook.project_id,
            endpoint_id: hook.id,
            event: TEST_EVENT.into(),
            body: webhook_body(hook.format, TEST_EVENT, &sample, now),
        };
        self.outbox.enqueue(&id, Message::Webhook(message)).await?;
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(score: Option<u8>, completed: bool) -> ResponseEvent {
        ResponseEvent {
            response_id: "r".into(),
            project_id: 1,
            survey_id: 1,
            survey_name: "s".into(),
            survey_kind: SurveyKind::Tnps,
            user_id: "u".into(),
            account_id: None,
            score,
            band: None,
            comment: None,
            language: None,
            created_at: 1,
            completed_at: completed.then_some(2),
        }
    }

    #[test]
    fn events_follow_what_the_answer_has() {
        let scored = Touched { scored: true };
        let commented = Touched { scored: false };
        assert_eq!(events_of(&answer(Some(3), false), &scored), vec![WebhookEvent::ResponseCreated]);
        assert_eq!(events_of(&answer(Some(3), true), &scored), vec![WebhookEvent::ResponseCreated, WebhookEvent::ResponseCompleted]);
        assert_eq!(events_of(&answer(Some(3), true), &commented), vec![WebhookEvent::ResponseCompleted]);
        assert!(events_of(&answer(None, true), &commented).is_empty());
    }

    #[test]
    fn addresses_are_told_from_names() {
        assert!(looks_like_address("ann@x.io"));
        assert!(!looks_like_address("Ann"));
        assert!(!looks_like_address("ann@localhost"));
        assert!(!looks_like_address("a b@x.io"));
    }

    #[test]
    fn standard_bodies_are_deterministic() {
        let a = answer(Some(9), false);
        assert_eq!(
            webhook_body(WebhookFormat::Standard, "response.created", &a, 1_700_000_000_000),
            webhook_body(WebhookFormat::Standard, "response.created", &a, 1_700_000_000_000)
        );
        assert!(webhook_body(WebhookFormat::Standard, "response.created", &a, 1_700_000_000_000).contains("2023-11-14T22:13:20.000Z"));
    }
}
