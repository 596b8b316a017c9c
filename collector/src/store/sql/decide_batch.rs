//! Many users' decisions at once: the facts of every user of the batch read in one statement
//! per project, the rules applied in memory in arrival order (`decide_in_order`), the granted
//! displays and the decision log written together. `decide_batch_locked` does it in one
//! transaction that holds the users throughout (SQLite, and PostgreSQL's fallback);
//! PostgreSQL's own path reads without a lock and claims in one statement
//! (`store/postgres/claims.rs`). A decision alone would cost five to nine round trips and a
//! commit; a batch shares them.

/// A user the store knows no first moment of is first seen at the decision itself (each
/// decision of the batch puts its own moment in place of this).
pub(crate) const FIRST_SEEN_AT_DECISION: i64 = i64::MAX;

macro_rules! sql_decide_batch {
    ($store:ident, $db:ty, $row:ty) => {
            /// The batch in one transaction that holds every user of it from before the read
            /// until the commit (`begin_users_transaction`): nothing can change their facts in
            /// between, so it never conflicts.
            async fn decide_batch_locked(&self, batch: &[crate::store::BatchDecision<'_>]) -> StoreResult<Vec<Decision>> {
                let users: Vec<(i64, &str)> = batch.iter().map(|b| (b.claim.project_id, b.claim.user_id.as_str())).collect();
                let mut tx = self.begin_users_transaction(&users).await?;
                let mut facts = Self::load_batch_facts(&mut tx, batch).await?;
                let counts = Self::load_batch_counts(&mut tx, batch).await?;
                let decided = crate::store::sql::decide_in_order(batch, &mut facts, &counts)?;
                // The log commits with the claims: no second durable write (spool fsync, then
                // the drainer's insert) stands between a decision and its answer.
                Self::write_batch(&mut tx, &decided.granted, &decided.logged).await?;
                tx.commit().await?;
                Ok(decided.decisions)
            }

            /// The facts of every user the batch names, as of now (events stamped later count
            /// too, see `FactsQuery::everything`), keyed by (project, user). Users the store has
            /// never seen get default facts.
            async fn load_batch_facts(
                conn: &mut <$db as sqlx::Database>::Connection,
                batch: &[crate::store::BatchDecision<'_>],
            ) -> StoreResult<std::collections::HashMap<(i64, String), DecisionFacts>> {
                let mut facts = std::collections::HashMap::new();
                let mut users_by_project: std::collections::BTreeMap<i64, std::collections::BTreeSet<&str>> = Default::default();
                for item in batch {
                    users_by_project.entry(item.claim.project_id).or_default().insert(item.claim.user_id.as_str());
                }
                let from = crate::store::sql::batch_history_from(batch);
                for (project_id, users) in users_by_project {
                    let users: Vec<&str> = users.into_iter().collect();
                    Self::load_batch_project(&mut *conn, project_id, &users, from, &mut facts).await?;
                }
                for entry in facts.values_mut() {
                    entry.history.events.sort_by_key(|e| e.at);
                }
                Ok(facts)
            }

            /// One project's users of the batch in one statement: a `user` row per known user
            /// (record and account), then their displays, answers, declines and snoozes since
            /// `from`, and every opt-out. Each user named gets facts, known or not.
            async fn load_batch_project(
                conn: &mut <$db as sqlx::Database>::Connection,
                project_id: i64,
                users: &[&str],
                from: i64,
                facts: &mut std::collections::HashMap<(i64, String), DecisionFacts>,
            ) -> StoreResult<()> {
                for user in users {
                    let mut fresh = DecisionFacts::default();
                    fresh.history.first_seen_at = FIRST_SEEN_AT_DECISION;
                    facts.insert((project_id, user.to_string()), fresh);
                }
                // Which user rows and which history rows per backend (`push_batch_users`,
                // `push_batch_history`): PostgreSQL looks each user up by equality on an array,
                // so the statement's text is the same for every batch size and stays prepared.
                let mut qb = QueryBuilder::<$db>::new("");
                Self::push_batch_users(&mut qb, project_id, users);
                qb.push(
                    " UNION ALL SELECT h.user_id, h.kind, h.survey_id, h.created_at, NULL, NULL, NULL, NULL, NULL FROM (",
                );
                Self::push_batch_history(&mut qb, project_id, users, from);
                qb.push(") AS h");
                for row in qb.build().fetch_all(&mut *conn).await? {
                    let user: String = row.try_get("user_id")?;
                    let Some(entry) = facts.get_mut(&(project_id, user)) else { continue };
                    let kind: String = row.try_get("kind")?;
                    let kind = match kind.as_str() {
                        "user" => {
                            Self::read_batch_user(&row, entry)?;
                            continue;
                        }
                        "opt_out" => {
                            entry.history.opted_out = true;
                            continue;
                        }
                        "display" => HistoryKind::Display,
                        "response" => HistoryKind::Response,
                        "decline" => HistoryKind::Decline,
                        "snooze" => HistoryKind::Snooze,
                        other => return Err(StoreError::Corrupt(format!("history kind {other}"))),
                    };
                    entry.history.events.push(HistoryEvent { survey_id: row.try_get("survey_id")?, kind, at: row.try_get("created_at")? });
                }
                Ok(())
            }

            /// A known user's record and account, from a `user` row of `load_batch_project`.
            fn read_batch_user(row: &$row, entry: &mut DecisionFacts) -> StoreResult<()> {
                let created: Option<i64> = row.try_get("created_at")?;
                let seen: Option<i64> = row.try_get("first_seen_at")?;
                entry.history.first_seen_at = match (created, seen) {
                    (Some(c), Some(s)) => c.min(s),
                    (c, s) => c.or(s).unwrap_or(FIRST_SEEN_AT_DECISION),
                };
                let account: Option<String> = row.try_get("account_attributes")?;
                entry.user_attributes = json_map(row.try_get("attributes")?)?;
                entry.account_attributes = account.map(|a| json_map(Some(a))).transpose()?;
                entry.role = row.try_get("account_role")?;
                entry.language = row.try_get("language")?;
                Ok(())
            }

            /// Answers to each capped survey of the batch (in total and on the decision's UTC
            /// day), one statement per survey and day.
            async fn load_batch_counts(
                conn: &mut <$db as sqlx::Database>::Connection,
                batch: &[crate::store::BatchDecision<'_>],
            ) -> StoreResult<std::collections::HashMap<(i64, i64), (u64, u64)>> {
                let mut counts = std::collections::HashMap::new();
                for item in batch.iter().filter(|b| b.claim.count_responses) {
                    let day_start = item.claim.now - item.claim.now.rem_euclid(MS_PER_DAY);
                    if counts.contains_key(&(item.claim.survey_id, day_start)) {
                        continue;
                    }
                    let row = sqlx::query(
                        "SELECT COUNT(*) AS total, COALESCE(SUM(CASE WHEN created_at >= $2 THEN 1 ELSE 0 END), 0) AS today \
                         FROM responses WHERE survey_id = $1 AND score IS NOT NULL",
                    )
                    .bind(item.claim.survey_id)
                    .bind(day_start)
                    .fetch_one(&mut *conn)
                    .await?;
                    let total = row.try_get::<i64, _>("total")?.max(0) as u64;
                    let today = row.try_get::<i64, _>("today")?.max(0) as u64;
                    counts.insert((item.claim.survey_id, day_start), (today, total));
                }
                Ok(counts)
            }
    };
}

/// Where a batch's history read starts: the window before its oldest decision.
pub(crate) fn batch_history_from(batch: &[crate::store::BatchDecision<'_>]) -> i64 {
    batch.iter().map(|b| b.claim.now).min().unwrap_or(0).saturating_sub(super::HISTORY_WINDOW_MS)
}

/// A batch decided: every decision in arrival order, the displays granted (with their sampling
/// rates) and the log rows (project, moment, entry).
pub(crate) struct Decided<'a> {
    pub decisions: Vec<nps_core::eligibility::Decision>,
    pub granted: Vec<(&'a crate::store::DisplayClaim, u32)>,
    pub logged: Vec<(i64, i64, crate::store::records::DecisionLog)>,
}

/// Applies each decision's rules to its user's facts in arrival order: a display granted
/// earlier in the batch counts for the same user's later decisions, as it would had they come
/// one by one. `counts` are the capped surveys' answer counts by (survey, UTC day start).
pub(crate) fn decide_in_order<'a>(
    batch: &[crate::store::BatchDecision<'a>],
    facts: &mut std::collections::HashMap<(i64, String), crate::store::DecisionFacts>,
    counts: &std::collections::HashMap<(i64, i64), (u64, u64)>,
) -> crate::store::StoreResult<Decided<'a>> {
    use nps_core::eligibility::{HistoryEvent, HistoryKind};
    let mut decided = Decided { decisions: Vec::with_capacity(batch.len()), granted: Vec::new(), logged: Vec::with_capacity(batch.len()) };
    for item in batch {
        let claim = item.claim;
        let user = facts
            .get_mut(&(claim.project_id, claim.user_id.to_string()))
            .ok_or_else(|| crate::store::StoreError::Corrupt(format!("no facts read for user {}", claim.user_id)))?;
        let day_start = claim.now - claim.now.rem_euclid(super::MS_PER_DAY);
        let decision = (item.decide)(&facts_at(user, claim, counts.get(&(claim.survey_id, day_start)).copied()));
        if decision.eligible {
            user.history.events.push(HistoryEvent { survey_id: claim.survey_id, kind: HistoryKind::Display, at: claim.now });
            decided.granted.push((claim, decision.sampling_rate_bp));
        }
        decided.logged.push((claim.project_id, claim.now, crate::store::records::DecisionLog::of(claim, &decision)));
        decided.decisions.push(decision);
    }
    Ok(decided)
}

/// The facts one decision of a batch sees: its user's facts (with the displays granted earlier
/// in the batch), the history window measured from its own moment, and its survey's counts.
pub(crate) fn facts_at(user: &crate::store::DecisionFacts, claim: &crate::store::DisplayClaim, counts: Option<(u64, u64)>) -> crate::store::DecisionFacts {
    let from = claim.now.saturating_sub(super::HISTORY_WINDOW_MS);
    let mut facts = user.clone();
    facts.history.events.retain(|e| e.at >= from);
    if facts.history.first_seen_at == FIRST_SEEN_AT_DECISION {
        facts.history.first_seen_at = claim.now;
    }
    (facts.responses_today, facts.responses_total) = counts.unwrap_or_default();
    facts
}
