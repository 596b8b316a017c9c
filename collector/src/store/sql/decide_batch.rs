//! Many users' decisions in one transaction: the facts of every user of the batch read in two
//! statements, the rules applied in memory in arrival order, the granted displays inserted in
//! one statement, one commit. On PostgreSQL this is what lets several collectors decide at the
//! rate of one: a decision alone costs five to nine round trips and a commit (an fsync); in a
//! batch of fifty they share four statements and one commit.

/// A user the store knows no first moment of is first seen at the decision itself (each
/// decision of the batch puts its own moment in place of this).
pub(crate) const FIRST_SEEN_AT_DECISION: i64 = i64::MAX;

macro_rules! sql_decide_batch {
    ($store:ident, $db:ty, $row:ty) => {
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
                let oldest = batch.iter().map(|b| b.claim.now).min().unwrap_or(0);
                for (project_id, users) in users_by_project {
                    let users: Vec<&str> = users.into_iter().collect();
                    Self::load_batch_users(&mut *conn, project_id, &users, &mut facts).await?;
                    Self::load_batch_history(&mut *conn, project_id, &users, oldest.saturating_sub(HISTORY_WINDOW_MS), &mut facts).await?;
                }
                Ok(facts)
            }

            async fn load_batch_users(
                conn: &mut <$db as sqlx::Database>::Connection,
                project_id: i64,
                users: &[&str],
                facts: &mut std::collections::HashMap<(i64, String), DecisionFacts>,
            ) -> StoreResult<()> {
                for user in users {
                    let mut fresh = DecisionFacts::default();
                    fresh.history.first_seen_at = FIRST_SEEN_AT_DECISION;
                    facts.insert((project_id, user.to_string()), fresh);
                }
                let mut qb = QueryBuilder::<$db>::new(
                    "SELECT u.external_id, u.created_at, u.first_seen_at, u.attributes, u.language, u.account_role, \
                     a.attributes AS account_attributes \
                     FROM app_users u LEFT JOIN accounts a ON a.project_id = u.project_id AND a.external_id = u.account_id \
                     WHERE u.project_id = ",
                );
                qb.push_bind(project_id).push(" AND u.external_id IN (");
                let mut list = qb.separated(", ");
                for user in users {
                    list.push_bind(user.to_string());
                }
                list.push_unseparated(")");
                for row in qb.build().fetch_all(&mut *conn).await? {
                    let user: String = row.try_get("external_id")?;
                    let Some(entry) = facts.get_mut(&(project_id, user)) else { continue };
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
                }
                Ok(())
            }

            /// Displays, answers, declines and snoozes since `from`, and every opt-out, of the
            /// batch's users in one statement.
            async fn load_batch_history(
                conn: &mut <$db as sqlx::Database>::Connection,
                project_id: i64,
                users: &[&str],
                from: i64,
                facts: &mut std::collections::HashMap<(i64, String), DecisionFacts>,
            ) -> StoreResult<()> {
                // The statement differs per backend (`push_batch_history`): PostgreSQL must look
                // each user up by equality, whatever its statistics say.
                let mut qb = QueryBuilder::<$db>::new("");
                Self::push_batch_history(&mut qb, project_id, users, from);
                for row in qb.build().fetch_all(&mut *conn).await? {
                    let user: String = row.try_get("user_id")?;
                    let Some(entry) = facts.get_mut(&(project_id, user)) else { continue };
                    let kind: String = row.try_get("kind")?;
                    let kind = match kind.as_str() {
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
                for entry in facts.values_mut() {
                    entry.history.events.sort_by_key(|e| e.at);
                }
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

            /// Records the displays the batch granted, in one statement per 500.
            async fn claim_batch_displays(
                conn: &mut <$db as sqlx::Database>::Connection,
                granted: &[(&DisplayClaim, u32)],
            ) -> StoreResult<()> {
                for chunk in granted.chunks(ROWS_PER_STATEMENT) {
                    let mut qb = QueryBuilder::<$db>::new(
                        "INSERT INTO displays (id, project_id, survey_id, user_id, trigger_name, url, language, device, \
                         sampling_rate_bp, created_at) ",
                    );
                    qb.push_values(chunk, |mut row, (claim, sampling_rate_bp)| {
                        row.push_bind(claim.display_id.to_string())
                            .push_bind(claim.project_id)
                            .push_bind(claim.survey_id)
                            .push_bind(claim.user_id.to_string())
                            .push_bind(claim.trigger.as_deref().map(str::to_owned))
                            .push_bind(claim.url.as_deref().map(str::to_owned))
                            .push_bind(claim.language.as_deref().map(str::to_owned))
                            .push_bind(claim.device.as_deref().map(str::to_owned))
                            .push_bind(i64::from(*sampling_rate_bp))
                            .push_bind(claim.now);
                    });
                    qb.push(" ON CONFLICT (id) DO NOTHING");
                    qb.build().execute(&mut *conn).await?;
                }
                Ok(())
            }
    };
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
