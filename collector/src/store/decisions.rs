//! Eligibility decisions: the facts they read, the batches that claim displays, the log.

use super::*;
use async_trait::async_trait;

#[async_trait]
pub trait DecisionStore: Send + Sync {
    /// Everything the eligibility rules need to know about one user, from the server's record.
    async fn user_history(&self, project_id: i64, user_id: &str, now: i64) -> StoreResult<UserHistory>;

    /// Decides a batch of claims (in order), records the displays granted and logs every
    /// decision, in one transaction that holds every named user: concurrent decisions for one
    /// user (tabs, devices, collector processes) are serialised, so at most one of them claims
    /// a display inside a cooldown.
    async fn decide_and_claim_batch(&self, batch: &[BatchDecision<'_>]) -> StoreResult<Vec<Decision>>;
    /// The facts as they stood just before `at` (for explaining a past decision).
    async fn decision_facts(&self, project_id: i64, survey_id: i64, user_id: &str, at: i64) -> StoreResult<DecisionFacts>;
    async fn decisions(&self, survey_id: i64, user_id: &str, from: i64, to: i64) -> StoreResult<Vec<LoggedDecision>>;
    /// Per rule, the users and decisions it excluded (eligible decisions count as `eligible`).
    async fn decision_counts(&self, survey_ids: &[i64], from: i64, to: i64) -> StoreResult<Vec<RuleCount>>;
    /// Answers to a survey since `day_start` and in total (response caps).
    async fn response_counts(&self, survey_id: i64, day_start: i64) -> StoreResult<(u64, u64)>;
}
