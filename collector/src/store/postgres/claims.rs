//! Decision batches on PostgreSQL in two round trips: the batch's facts read without a lock,
//! then one call of `nps_claim_decisions` (migration 0020) that locks the users granted a
//! display, checks that nobody granted them one since the read, writes the displays and the
//! decision log, and commits.
//!
//! Why: the locked path (`decide_batch_locked`: BEGIN with the locks, the read, the write,
//! COMMIT) is four round trips per batch. Timed per phase in `bench-decide` (one collector,
//! 32 clients, about 9 decisions a batch): 0.55 ms to begin and lock, 0.53 ms to read, 0.95 ms
//! to write, 0.70 ms to commit; 2.8 ms a batch, and with two batches in flight about 6,500
//! decisions/s. Here the read and the claim are two: the locks, the write and the commit ride
//! on one statement.
//!
//! The guarantee (at most one display per user inside a cooldown, across collectors) can only
//! be broken by a granted display, so only users granted one are locked and checked, with the
//! same advisory keys as the locked path. A user in conflict (a display appeared between the
//! read and the claim: another batch, another collector) has nothing written; its decisions
//! are taken again from a fresh read. After `OPTIMISTIC_ROUNDS` rounds the rest go through the
//! locked path, which cannot conflict.

use super::{PostgresStore, user_lock_key};
use crate::store::records::DecisionLog;
use crate::store::sql::{batch_history_from, decide_in_order};
use crate::store::{BatchDecision, DecisionFacts, DisplayClaim, StoreError, StoreResult};
use nps_core::eligibility::{Decision, HistoryKind};
use sqlx::Row;
use std::collections::{BTreeSet, HashMap, HashSet};

/// Optimistic rounds before the locked path: one user's simultaneous decisions settle in two
/// (one of them claims, the others read its display and decline).
const OPTIMISTIC_ROUNDS: usize = 3;

/// A user granted a display by the batch, and how many displays since `since` the read found.
struct Check {
    project_id: i64,
    user_id: String,
    since: i64,
    seen: i64,
}

impl PostgresStore {
    pub(super) async fn decide_batch(&self, batch: &[BatchDecision<'_>]) -> StoreResult<Vec<Decision>> {
        let mut decisions: Vec<Option<Decision>> = vec![None; batch.len()];
        let mut pending: Vec<usize> = (0..batch.len()).collect();
        for _ in 0..OPTIMISTIC_ROUNDS {
            if pending.is_empty() {
                break;
            }
            let items: Vec<BatchDecision<'_>> = pending.iter().map(|&i| batch[i]).collect();
            let (decided, conflicts) = self.claim_round(&items).await?;
            let mut still = Vec::new();
            for (&i, decision) in pending.iter().zip(decided) {
                let claim = batch[i].claim;
                if conflicts.contains(&(claim.project_id, claim.user_id.to_string())) {
                    still.push(i);
                } else {
                    decisions[i] = Some(decision);
                }
            }
            pending = still;
        }
        if !pending.is_empty() {
            let items: Vec<BatchDecision<'_>> = pending.iter().map(|&i| batch[i]).collect();
            for (&i, decision) in pending.iter().zip(self.decide_batch_locked(&items).await?) {
                decisions[i] = Some(decision);
            }
        }
        decisions.into_iter().collect::<Option<Vec<_>>>().ok_or_else(|| StoreError::Corrupt("a decision of the batch was not taken".into()))
    }

    /// One optimistic round: read, decide, claim. Every decision of `items` in order, and the
    /// users in conflict, whose decisions were not written and must be taken again.
    async fn claim_round(&self, items: &[BatchDecision<'_>]) -> StoreResult<(Vec<Decision>, HashSet<(i64, String)>)> {
        let mut conn = self.decisions.acquire().await?;
        let mut facts = Self::load_batch_facts(&mut conn, items).await?;
        let counts = Self::load_batch_counts(&mut conn, items).await?;
        let since = batch_history_from(items);
        let seen = displays_seen(&facts);
        let decided = decide_in_order(items, &mut facts, &counts)?;
        let granted_users: BTreeSet<(i64, String)> = decided.granted.iter().map(|(c, _)| (c.project_id, c.user_id.to_string())).collect();
        let checks: Vec<Check> = granted_users
            .into_iter()
            .map(|user| Check { seen: seen.get(&user).copied().unwrap_or(0), project_id: user.0, user_id: user.1, since })
            .collect();
        let conflicts = claim(&mut conn, &checks, &decided.granted, &decided.logged).await?;
        Ok((decided.decisions, conflicts))
    }

    /// The locked path's write (its transaction already holds the users): the claim without
    /// locks or checks, so one statement writes displays and log alike.
    pub(super) async fn write_batch(
        conn: &mut sqlx::PgConnection,
        granted: &[(&DisplayClaim, u32)],
        logged: &[(i64, i64, DecisionLog)],
    ) -> StoreResult<()> {
        let conflicts = claim(conn, &[], granted, logged).await?;
        match conflicts.is_empty() {
            true => Ok(()),
            false => Err(StoreError::Corrupt("an unchecked claim reported a conflict".into())),
        }
    }
}

/// Displays each user's facts hold, as read (before the batch added its own).
fn displays_seen(facts: &HashMap<(i64, String), DecisionFacts>) -> HashMap<(i64, String), i64> {
    facts
        .iter()
        .map(|(user, f)| (user.clone(), f.history.events.iter().filter(|e| e.kind == HistoryKind::Display).count() as i64))
        .collect()
}

/// Calls `nps_claim_decisions`: the users in conflict, as (project, user).
async fn claim(
    conn: &mut sqlx::PgConnection,
    checks: &[Check],
    granted: &[(&DisplayClaim, u32)],
    logged: &[(i64, i64, DecisionLog)],
) -> StoreResult<HashSet<(i64, String)>> {
    let mut keys: Vec<i64> = checks.iter().map(|c| user_lock_key(c.project_id, &c.user_id)).collect();
    keys.sort_unstable();
    keys.dedup();
    let text = |v: Option<&str>| v.map(str::to_owned);
    let rows = sqlx::query(
        "SELECT conflict_project, conflict_user FROM nps_claim_decisions($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
         $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27)",
    )
    .bind(keys)
    .bind(checks.iter().map(|c| c.project_id).collect::<Vec<_>>())
    .bind(checks.iter().map(|c| c.user_id.as_str()).collect::<Vec<_>>())
    .bind(checks.iter().map(|c| c.since).collect::<Vec<_>>())
    .bind(checks.iter().map(|c| c.seen).collect::<Vec<_>>())
    .bind(granted.iter().map(|(c, _)| c.display_id.to_string()).collect::<Vec<_>>())
    .bind(granted.iter().map(|(c, _)| c.project_id).collect::<Vec<_>>())
    .bind(granted.iter().map(|(c, _)| c.survey_id).collect::<Vec<_>>())
    .bind(granted.iter().map(|(c, _)| c.user_id.to_string()).collect::<Vec<_>>())
    .bind(granted.iter().map(|(c, _)| text(c.trigger.as_deref())).collect::<Vec<_>>())
    .bind(granted.iter().map(|(c, _)| text(c.url.as_deref())).collect::<Vec<_>>())
    .bind(granted.iter().map(|(c, _)| text(c.language.as_deref())).collect::<Vec<_>>())
    .bind(granted.iter().map(|(c, _)| text(c.device.as_deref())).collect::<Vec<_>>())
    .bind(granted.iter().map(|(_, rate)| i64::from(*rate)).collect::<Vec<_>>())
    .bind(granted.iter().map(|(c, _)| c.now).collect::<Vec<_>>())
    .bind(logged.iter().map(|(_, _, d)| d.key.as_str()).collect::<Vec<_>>())
    .bind(logged.iter().map(|(project_id, _, _)| *project_id).collect::<Vec<_>>())
    .bind(logged.iter().map(|(_, _, d)| d.survey_id).collect::<Vec<_>>())
    .bind(logged.iter().map(|(_, _, d)| d.user_id.as_str()).collect::<Vec<_>>())
    .bind(logged.iter().map(|(_, _, d)| d.decision.eligible).collect::<Vec<_>>())
    .bind(logged.iter().map(|(_, _, d)| d.decision.rule.as_str()).collect::<Vec<_>>())
    .bind(logged.iter().map(|(_, _, d)| d.decision.detail.as_str()).collect::<Vec<_>>())
    .bind(logged.iter().map(|(_, _, d)| d.decision.retry_after).collect::<Vec<_>>())
    .bind(logged.iter().map(|(_, _, d)| i64::from(d.decision.sampling_rate_bp)).collect::<Vec<_>>())
    .bind(logged.iter().map(|(_, _, d)| d.decision.eligible.then_some(d.key.as_str())).collect::<Vec<_>>())
    .bind(logged.iter().map(|(_, _, d)| d.trigger.as_deref()).collect::<Vec<_>>())
    .bind(logged.iter().map(|(_, at, _)| *at).collect::<Vec<_>>())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(|r| Ok((r.try_get("conflict_project")?, r.try_get("conflict_user")?))).collect()
}
