//! The campaign scheduler: a task in the collector that, every tick, works each campaign whose
//! e-mail delivery is on. One step of a campaign starts the next wave when the cadence says so,
//! hands the wave's invitations to the outbox (recipients added later included), and sends the
//! reminder round that is due to those whose link is not yet in the used-token ledger.
//!
//! A step may be repeated at any time (a crash, a restart, "send now" racing the tick) without
//! sending anything twice: waves and reminder rounds are recorded in the database, every mail
//! has a deterministic outbox id (`invite:{campaign}:{wave}:{recipient}`), the outbox ignores an
//! id it already holds, and each id handed over is recorded. With several collectors on one
//! database, a lease on the campaign lets one of them work it at a time, since each collector
//! has its own outbox.

use super::mail::{MailInput, MailKind, compose};
use super::{DeliverySettings, Wave, invitation_id, personal_link, reminder_id, wave_token_id};
use crate::outbox::Message;
use crate::campaign::links::token_hash;
pub use crate::config::CampaignSettings;
use crate::tokens::TokenKeys;
use crate::outbox::Outbox;
use crate::store::DynStore;
use crate::store::RecipientRecord;
use crate::store::campaign_mail::CampaignMessage;
use nps_core::wire::{Campaign, Survey, SurveyStatus};
use serde::Serialize;
use std::collections::HashSet;
use std::time::Duration;
use tokio::sync::watch;

/// Mails handed to the outbox per transaction (one fsync each).
const BATCH: usize = 200;

/// What the scheduler works with, given rather than the whole app state: the store, the keys
/// that sign personal links and the outbox that sends the mail.
#[derive(Clone)]
pub struct CampaignDeps {
    pub store: DynStore,
    pub keys: TokenKeys,
    pub outbox: std::sync::Arc<Outbox>,
}

/// What one step did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StepOutcome {
    /// False when another collector holds the campaign's lease (it does the work).
    pub worked: bool,
    pub wave_started: Option<u32>,
    pub invitations: u64,
    pub reminders: u64,
}

pub struct CampaignMailer {
    /// This process, as a lease owner.
    instance: String,
    public_url: String,
    pub settings: CampaignSettings,
    /// Steps of this process run one at a time.
    gate: tokio::sync::Mutex<()>,
}

impl CampaignMailer {
    pub fn new(public_url: String, settings: CampaignSettings) -> Self {
        Self { instance: uuid::Uuid::new_v4().to_string(), public_url, settings, gate: tokio::sync::Mutex::new(()) }
    }

    fn day_ms(&self) -> i64 {
        self.settings.day_ms.max(1)
    }

    /// Long enough to outlive a slow step, short enough that a restarted collector soon takes
    /// its campaigns back.
    fn lease_ms(&self) -> i64 {
        i64::try_from(self.settings.tick_ms.saturating_mul(3)).unwrap_or(i64::MAX).max(2_000)
    }

    /// When the next wave starts by itself (none without a cadence).
    pub fn next_wave_at(&self, settings: &DeliverySettings, last: &Wave) -> Option<i64> {
        settings.cadence_days.map(|d| last.started_at + i64::from(d) * self.day_ms())
    }

    /// Runs until shutdown, working every campaign with e-mail delivery on at each tick.
    pub async fn run(self: std::sync::Arc<Self>, deps: CampaignDeps, mut shutdown: watch::Receiver<bool>) {
        let mut tick = tokio::time::interval(Duration::from_millis(self.settings.tick_ms.max(50)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = shutdown.changed() => {}
            }
            if *shutdown.borrow() {
                break;
            }
            let schedules = match deps.store.active_schedules().await {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "campaign scheduler: cannot read the schedules; retrying at the next tick");
                    continue;
                }
            };
            for schedule in schedules {
                if let Err(e) = self.step(&deps, schedule.campaign_id, crate::ingest::now_ms()).await {
                    tracing::warn!(campaign = schedule.campaign_id, error = %e, "campaign scheduler: step failed; retrying at the next tick");
                }
            }
        }
    }

    /// One idempotent step of a campaign (see the module docs).
    #[tracing::instrument(skip(self, deps))]
    pub async fn step(&self, deps: &CampaignDeps, campaign_id: i64, now: i64) -> anyhow::Result<StepOutcome> {
        let _one_at_a_time = self.gate.lock().await;
        if !deps.store.take_campaign_lease(campaign_id, &self.instance, now, now + self.lease_ms()).await? {
            return Ok(StepOutcome::default());
        }
        let mut outcome = StepOutcome { worked: true, ..Default::default() };
        let Some(schedule) = deps.store.campaign_schedule(campaign_id).await?.filter(|s| s.active) else {
            return Ok(outcome);
        };
        let campaign = deps.store.get_campaign(campaign_id).await?.ok_or_else(|| anyhow::anyhow!("campaign {campaign_id} is gone"))?;
        let survey = deps.store.get_survey(campaign.survey_id).await?.ok_or_else(|| anyhow::anyhow!("survey {} is gone", campaign.survey_id))?;
        // Nothing goes out for a survey that is not live: its links would show "closed".
        if survey.status != SurveyStatus::Live {
            return Ok(outcome);
        }
        let (wave, started) = self.current_wave(deps, &campaign, &schedule.settings, now).await?;
        outcome.wave_started = started;
        if now >= wave.expires_at {
            return Ok(outcome);
        }
        let recipients = deps.store.list_recipients(campaign.id).await?;
        let job = Job { deps, mailer: self, campaign: &campaign, survey: &survey, wave: &wave };
        outcome.invitations = job.invite(&recipients).await?;
        outcome.reminders = job.remind(&recipients, &schedule.settings, now).await?;
        if outcome.invitations + outcome.reminders > 0 || started.is_some() {
            tracing::info!(wave = wave.wave, invitations = outcome.invitations, reminders = outcome.reminders, "campaign mails handed to the outbox");
        }
        Ok(outcome)
    }

    /// The wave to work: the first one when none exists, a new one when the cadence is due.
    async fn current_wave(&self, deps: &CampaignDeps, campaign: &Campaign, settings: &DeliverySettings, now: i64) -> anyhow::Result<(Wave, Option<u32>)> {
        let waves = deps.store.waves(campaign.id).await?;
        let next = match waves.last() {
            // Wave 1 keeps the campaign's expiry: links exported before stay the same links.
            None => Wave { wave: 1, started_at: now, expires_at: campaign.expires_at, reminder_rounds: 0 },
            Some(last) => match self.next_wave_at(settings, last) {
                Some(at) if now >= at => {
                    let lifetime = (campaign.expires_at - campaign.created_at).max(self.day_ms());
                    Wave { wave: last.wave + 1, started_at: now, expires_at: now + lifetime, reminder_rounds: 0 }
                }
                _ => return Ok((last.clone(), None)),
            },
        };
        let started = deps.store.start_wave(campaign.id, &next).await?;
        // Read back: a racing step may have recorded the wave first.
        let wave = deps.store.get_wave(campaign.id, next.wave).await?.unwrap_or(next);
        Ok((wave.clone(), started.then_some(wave.wave)))
    }
}

/// One campaign wave being worked.
struct Job<'a> {
    deps: &'a CampaignDeps,
    mailer: &'a CampaignMailer,
    campaign: &'a Campaign,
    survey: &'a Survey,
    wave: &'a Wave,
}

impl Job<'_> {
    async fn handed_over(&self, kind: MailKind) -> anyhow::Result<HashSet<String>> {
        Ok(self.deps.store.handed_over(self.campaign.id, self.wave.wave, kind.as_str()).await?.into_iter().collect())
    }

    /// Hands the mails to the outbox, then records them: a crash in between repeats the
    /// hand-over, which the outbox ignores.
    async fn hand_over(&self, kind: MailKind, mails: Vec<(String, &RecipientRecord)>) -> anyhow::Result<u64> {
        let mut handed = 0;
        for chunk in mails.chunks(BATCH) {
            let mut messages = Vec::with_capacity(chunk.len());
            for (id, recipient) in chunk {
                let link = personal_link(&self.deps.keys, &self.mailer.public_url, self.campaign, recipient, self.wave)?;
                let input = MailInput {
                    kind,
                    campaign: self.campaign,
                    survey: self.survey,
                    recipient,
                    wave: self.wave.wave,
                    link: &link,
                    expires_at: self.wave.expires_at,
                };
                messages.push((id.clone(), Message::Email(compose(&input))));
            }
            self.deps.outbox.enqueue_batch(messages).await?;
            let records: Vec<CampaignMessage> = chunk
                .iter()
                .map(|(id, r)| CampaignMessage {
                    outbox_id: id.clone(),
                    campaign_id: self.campaign.id,
                    wave: self.wave.wave,
                    recipient_id: r.id.clone(),
                    kind: kind.as_str(),
                })
                .collect();
            self.deps.store.record_handed_over(&records).await?;
            handed += chunk.len() as u64;
        }
        Ok(handed)
    }

    /// Invitations to every recipient of the wave who has none yet.
    async fn invite(&self, recipients: &[RecipientRecord]) -> anyhow::Result<u64> {
        let done = self.handed_over(MailKind::Invitation).await?;
        let todo: Vec<(String, &RecipientRecord)> = recipients
            .iter()
            .map(|r| (invitation_id(self.campaign.id, self.wave.wave, &r.id), r))
            .filter(|(id, _)| !done.contains(id))
            .collect();
        self.hand_over(MailKind::Invitation, todo).await
    }

    /// The reminder round that is due, to invited recipients whose link of this wave is not in
    /// the used-token ledger. Only the ledger says who answered (in anonymous campaigns nothing
    /// else could); rounds go out at fixed offsets from the wave's start. After a long pause
    /// only the latest due round is sent, never a burst of them.
    async fn remind(&self, recipients: &[RecipientRecord], settings: &DeliverySettings, now: i64) -> anyhow::Result<u64> {
        let Some(days) = settings.reminder_after_days.filter(|_| settings.max_reminders > 0) else {
            return Ok(0);
        };
        let every = i64::from(days) * self.mailer.day_ms();
        let due = u32::try_from(((now - self.wave.started_at) / every).max(0)).unwrap_or(u32::MAX).min(settings.max_reminders);
        if due <= self.wave.reminder_rounds {
            return Ok(0);
        }
        let invited = self.handed_over(MailKind::Invitation).await?;
        let candidates: Vec<&RecipientRecord> =
            recipients.iter().filter(|r| invited.contains(&invitation_id(self.campaign.id, self.wave.wave, &r.id))).collect();
        let hashes: Vec<String> = candidates.iter().map(|r| token_hash(&wave_token_id(&r.token_id, self.wave.wave))).collect();
        let spent: HashSet<String> = self.deps.store.spent_tokens(&hashes).await?.into_iter().collect();
        let done = self.handed_over(MailKind::Reminder).await?;
        let todo: Vec<(String, &RecipientRecord)> = candidates
            .into_iter()
            .zip(&hashes)
            .filter(|(_, hash)| !spent.contains(*hash))
            .map(|(r, _)| (reminder_id(self.campaign.id, self.wave.wave, &r.id, due), r))
            .filter(|(id, _)| !done.contains(id))
            .collect();
        let sent = self.hand_over(MailKind::Reminder, todo).await?;
        self.deps.store.set_reminder_rounds(self.campaign.id, self.wave.wave, due).await?;
        Ok(sent)
    }
}
