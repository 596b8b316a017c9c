//! Link campaigns beyond the links themselves: waves (a recurring campaign gives every
//! recipient a new single-use link each wave), e-mail delivery through the outbox in the
//! recipient's language, reminders to those who have not answered, and the scheduler that
//! runs all of it by itself.

pub mod i18n;
pub mod mail;
pub mod scheduler;

use crate::auth::{INVITE_AUDIENCE, InviteClaims, TokenKeys};
use crate::store::RecipientRecord;
use nps_core::wire::Campaign;
use serde::Serialize;

pub use nps_core::wire::DeliverySettings;

/// A campaign's delivery state as stored.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub campaign_id: i64,
    /// E-mail delivery runs (switched on by "send now").
    pub active: bool,
    pub settings: DeliverySettings,
}

/// One wave of a campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Wave {
    pub wave: u32,
    pub started_at: i64,
    pub expires_at: i64,
    /// Reminder rounds done.
    pub reminder_rounds: u32,
}

impl Wave {
    /// The first wave of a campaign whose links went out before any wave was recorded.
    pub fn first(campaign: &Campaign) -> Self {
        Wave { wave: 1, started_at: campaign.created_at, expires_at: campaign.expires_at, reminder_rounds: 0 }
    }
}

/// The invitation id of a recipient's link in a wave. Wave 1 keeps the recipient's own token
/// id, so links handed out before waves existed stay valid; later waves derive a new one, so
/// answering in one wave never spends another wave's link.
pub fn wave_token_id(token_id: &str, wave: u32) -> String {
    if wave <= 1 { token_id.to_owned() } else { format!("{token_id}:{wave}") }
}

/// The signed personal link of a recipient for a wave (deterministic: the invitation and its
/// reminders carry the same link).
pub fn personal_link(keys: &TokenKeys, base_url: &str, campaign: &Campaign, recipient: &RecipientRecord, wave: &Wave) -> anyhow::Result<String> {
    let claims = InviteClaims {
        sub: recipient.id.clone(),
        cid: campaign.id,
        jti: wave_token_id(&recipient.token_id, wave.wave),
        aud: INVITE_AUDIENCE.into(),
        exp: wave.expires_at / 1000,
        wave: (wave.wave > 1).then_some(wave.wave),
    };
    Ok(format!("{}/s/{}", base_url.trim_end_matches('/'), keys.sign(&claims)?))
}

/// The outbox id of a recipient's invitation in a wave: enqueueing it twice sends one mail.
pub fn invitation_id(campaign_id: i64, wave: u32, recipient_id: &str) -> String {
    format!("invite:{campaign_id}:{wave}:{recipient_id}")
}

/// The outbox id of a recipient's `round`-th reminder in a wave.
pub fn reminder_id(campaign_id: i64, wave: u32, recipient_id: &str, round: u32) -> String {
    format!("remind:{campaign_id}:{wave}:{recipient_id}:{round}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wave_one_keeps_the_original_token_and_later_waves_get_new_ones() {
        assert_eq!(wave_token_id("t", 1), "t");
        assert_ne!(wave_token_id("t", 2), wave_token_id("t", 3));
        assert_eq!(invitation_id(3, 2, "r1"), "invite:3:2:r1");
        assert_eq!(reminder_id(3, 2, "r1", 1), "remind:3:2:r1:1");
        let bad = DeliverySettings { reminder_after_days: Some(0), max_reminders: 9, cadence_days: Some(0) };
        assert_eq!(bad.problems().len(), 3);
        assert!(DeliverySettings { reminder_after_days: Some(3), max_reminders: 2, cadence_days: Some(90) }.problems().is_empty());
    }
}
