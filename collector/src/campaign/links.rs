//! A recipient's links: the invitation id of each wave, the signed personal link, and the hash
//! under which the link ledger records a token (never the token itself). The hosted survey
//! pages and the scheduler both use them, so they sit here rather than in either.

use crate::tokens::{INVITE_AUDIENCE, InviteClaims, TokenKeys};
use crate::store::RecipientRecord;
use crate::store::campaign_mail::Wave;
use nps_core::wire::Campaign;
use sha2::{Digest, Sha256};

/// What the link ledger stores of a token id: its SHA-256, so the ledger cannot be turned back
/// into working links.
pub fn token_hash(token_id: &str) -> String {
    hex::encode(Sha256::digest(token_id.as_bytes()))
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

