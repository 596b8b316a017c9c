//! Eligibility facts of one user (explanations, histories); decisions read theirs in batches
//! (see `decide_batch`).

macro_rules! sql_facts {
    ($store:ident, $db:ty, $row:ty) => {
            /// What the rules need, as it stood before `q.at` (or now, see `everything`). Two
            /// statements: the user with their opt-out, then the history events; response counts
            /// only when the survey has caps.
            async fn load_facts(conn: &mut <$db as sqlx::Database>::Connection, q: &FactsQuery<'_>) -> StoreResult<DecisionFacts> {
                let until = if q.everything { i64::MAX } else { q.at };
                let user = sqlx::query(
                    "SELECT u.created_at, u.first_seen_at, u.attributes, u.language, u.account_role, \
                     a.attributes AS account_attributes, \
                     (SELECT COUNT(*) FROM feedback f WHERE f.project_id = $1 AND f.user_id = $2 AND f.kind = 'opt_out' \
                       AND f.created_at < $3) AS opt_outs \
                     FROM (SELECT 1 AS one) AS anchor \
                     LEFT JOIN app_users u ON u.project_id = $1 AND u.external_id = $2 \
                     LEFT JOIN accounts a ON a.project_id = u.project_id AND a.external_id = u.account_id",
                )
                .bind(q.project_id)
                .bind(q.user_id)
                .bind(until)
                .fetch_one(&mut *conn)
                .await?;
                let rows = sqlx::query(
                    "SELECT survey_id, 'display' AS kind, created_at FROM displays \
                       WHERE project_id = $1 AND user_id = $2 AND created_at >= $3 AND created_at < $4 \
                     UNION ALL SELECT survey_id, 'response' AS kind, created_at FROM responses \
                       WHERE project_id = $1 AND user_id = $2 AND created_at >= $3 AND created_at < $4 AND score IS NOT NULL \
                     UNION ALL SELECT survey_id, kind, created_at FROM feedback \
                       WHERE project_id = $1 AND user_id = $2 AND created_at >= $3 AND created_at < $4 \
                       AND survey_id IS NOT NULL AND kind IN ('decline', 'snooze')",
                )
                .bind(q.project_id)
                .bind(q.user_id)
                .bind(q.at.saturating_sub(HISTORY_WINDOW_MS))
                .bind(until)
                .fetch_all(&mut *conn)
                .await?;
                let mut events = Vec::with_capacity(rows.len());
                for row in &rows {
                    let kind: String = row.try_get("kind")?;
                    let kind = match kind.as_str() {
                        "display" => HistoryKind::Display,
                        "response" => HistoryKind::Response,
                        "decline" => HistoryKind::Decline,
                        "snooze" => HistoryKind::Snooze,
                        other => return Err(StoreError::Corrupt(format!("history kind {other}"))),
                    };
                    events.push(HistoryEvent { survey_id: row.try_get("survey_id")?, kind, at: row.try_get("created_at")? });
                }
                events.sort_by_key(|e| e.at);
                let created: Option<i64> = user.try_get("created_at")?;
                let seen: Option<i64> = user.try_get("first_seen_at")?;
                let first_seen_at = match (created, seen) {
                    (Some(c), Some(s)) => c.min(s),
                    (c, s) => c.or(s).unwrap_or(q.at),
                };
                let opted_out = user.try_get::<i64, _>("opt_outs")? > 0;
                let account: Option<String> = user.try_get("account_attributes")?;
                let mut facts = DecisionFacts {
                    history: UserHistory { first_seen_at, opted_out, events },
                    user_attributes: json_map(user.try_get("attributes")?)?,
                    account_attributes: account.map(|a| json_map(Some(a))).transpose()?,
                    role: user.try_get("account_role")?,
                    language: user.try_get("language")?,
                    ..Default::default()
                };
                if q.with_counts {
                    let counts = sqlx::query(
                        "SELECT COUNT(*) AS total, COALESCE(SUM(CASE WHEN created_at >= $2 THEN 1 ELSE 0 END), 0) AS today \
                         FROM responses WHERE survey_id = $1 AND score IS NOT NULL AND created_at < $3",
                    )
                    .bind(q.survey_id)
                    .bind(q.at.saturating_sub(q.at.rem_euclid(MS_PER_DAY)))
                    .bind(until)
                    .fetch_one(&mut *conn)
                    .await?;
                    facts.responses_total = counts.try_get::<i64, _>("total")?.max(0) as u64;
                    facts.responses_today = counts.try_get::<i64, _>("today")?.max(0) as u64;
                }
                Ok(facts)
            }
    };
}
