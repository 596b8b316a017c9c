//! What comments say and what is done about them: the comment taxonomy, the follow-up policy and the follow-ups.

use super::*;
use async_trait::async_trait;

#[async_trait]
pub trait FollowUpStore: Send + Sync {
    /// The project's comment taxonomy (the default one until edited).
    async fn taxonomy(&self, project_id: i64) -> StoreResult<nps_core::text::Taxonomy>;
    async fn set_taxonomy(&self, project_id: i64, taxonomy: &nps_core::text::Taxonomy) -> StoreResult<()>;

    async fn followup_policy(&self, project_id: i64) -> StoreResult<FollowUpPolicy>;
    async fn set_followup_policy(&self, project_id: i64, policy: &FollowUpPolicy) -> StoreResult<()>;
    /// Creates the follow-ups the policy calls for that do not exist yet (idempotent); returns
    /// how many were created. Employee NPS answers never get one (they are not tied to people).
    async fn sync_followups(&self, project_id: i64, policy: &FollowUpPolicy, now: i64) -> StoreResult<u64>;
    async fn list_followups(&self, project_id: i64, now: i64) -> StoreResult<Vec<FollowUpItem>>;
    /// Changes a follow-up's status (the first move away from `new` is the first contact) and
    /// records the note.
    async fn update_followup(&self, response_id: &str, update: &FollowUpUpdate, author: &str, now: i64) -> StoreResult<Option<FollowUpItem>>;
    /// Every scored answer of the project's in-app and partner surveys (for recovery).
    async fn scored_answers(&self, project_id: i64) -> StoreResult<Vec<ScoredAnswer>>;
}
