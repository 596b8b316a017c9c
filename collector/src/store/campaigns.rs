//! Link campaigns: their recipients, the spent-token ledger and the answers given through links.

use super::*;
use async_trait::async_trait;

#[async_trait]
pub trait CampaignStore: Send + Sync {
    /// `created_by`: the e-mail of the admin creating it (see `Campaign::created_by`).
    async fn create_campaign(&self, project_id: i64, input: &CampaignInput, created_by: Option<&str>, expires_at: i64, now: i64) -> StoreResult<Campaign>;
    async fn get_campaign(&self, id: i64) -> StoreResult<Option<Campaign>>;
    async fn campaigns_for_surveys(&self, survey_ids: &[i64]) -> StoreResult<Vec<Campaign>>;
    /// Adds recipients; an e-mail address already in the campaign is left as it is.
    async fn add_recipients(&self, recipients: &[RecipientRecord], now: i64) -> StoreResult<()>;
    async fn list_recipients(&self, campaign_id: i64) -> StoreResult<Vec<RecipientRecord>>;
    async fn get_recipient(&self, id: &str) -> StoreResult<Option<RecipientRecord>>;
    async fn token_spent(&self, token_hash: &str) -> StoreResult<bool>;
    /// Spends the invitation token and stores the answer in one transaction. `false` when the
    /// token was already spent (nothing is stored then): one answer per token, even when two
    /// submissions race.
    async fn submit_link_answer(&self, token_hash: &str, answer: &LinkAnswer) -> StoreResult<bool>;
}
