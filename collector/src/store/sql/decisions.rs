//! Eligibility: user histories, decide-and-claim, the decision log and response caps.

macro_rules! sql_decisions {
    // One aggregate's trait, its SQL written once for both backends.
    ($store:ident, $db:ty, $row:ty) => {
        #[async_trait::async_trait]
        impl crate::store::decisions::DecisionStore for $store {
            #[tracing::instrument(skip(self))]
            async fn user_history(&self, project_id: i64, user_id: &str, now: i64) -> StoreResult<UserHistory> {
                let mut conn = self.pool.acquire().await?;
                let q = FactsQuery { project_id, survey_id: 0, user_id, at: now, everything: true, with_counts: false };
                Ok(Self::load_facts(&mut conn, &q).await?.history)
            }

            #[tracing::instrument(skip_all, fields(decisions = batch.len()))]
            async fn decide_and_claim_batch(&self, batch: &[crate::store::BatchDecision<'_>]) -> StoreResult<Vec<Decision>> {
                if batch.is_empty() {
                    return Ok(Vec::new());
                }
                // SQLite: one locked transaction; PostgreSQL: optimistic claims that fall back to it.
                self.decide_batch(batch).await
            }

            async fn decision_facts(&self, project_id: i64, survey_id: i64, user_id: &str, at: i64) -> StoreResult<DecisionFacts> {
                let mut conn = self.pool.acquire().await?;
                let q = FactsQuery { project_id, survey_id, user_id, at, everything: false, with_counts: true };
                Self::load_facts(&mut conn, &q).await
            }

            async fn decisions(&self, survey_id: i64, user_id: &str, from: i64, to: i64) -> StoreResult<Vec<LoggedDecision>> {
                let rows = sqlx::query(
                    "SELECT survey_id, user_id, eligible, rule, detail, retry_after, sampling_rate_bp, display_id, trigger_name, \
                     created_at FROM decisions WHERE survey_id = $1 AND user_id = $2 AND created_at >= $3 AND created_at < $4 \
                     ORDER BY created_at, id",
                )
                .bind(survey_id)
                .bind(user_id)
                .bind(from)
                .bind(to)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        let decision = nps_core::eligibility::Decision {
                            eligible: r.try_get("eligible")?,
                            rule: crate::store::typed("rule", r.try_get("rule")?)?,
                            detail: r.try_get("detail")?,
                            retry_after: r.try_get("retry_after")?,
                            sampling_rate_bp: u32::try_from(r.try_get::<i64, _>("sampling_rate_bp")?).unwrap_or(0),
                        };
                        Ok(LoggedDecision {
                            survey_id: r.try_get("survey_id")?,
                            user_id: r.try_get("user_id")?,
                            decision,
                            display_id: r.try_get("display_id")?,
                            trigger: r.try_get("trigger_name")?,
                            at: r.try_get("created_at")?,
                        })
                    })
                    .collect()
            }

            async fn decision_counts(&self, survey_ids: &[i64], from: i64, to: i64) -> StoreResult<Vec<RuleCount>> {
                if survey_ids.is_empty() {
                    return Ok(Vec::new());
                }
                let mut qb = QueryBuilder::<$db>::new(
                    "SELECT rule, COUNT(DISTINCT user_id) AS users, COUNT(*) AS decisions FROM decisions WHERE survey_id IN (",
                );
                let mut ids = qb.separated(", ");
                for id in survey_ids {
                    ids.push_bind(*id);
                }
                qb.push(") AND created_at >= ").push_bind(from).push(" AND created_at < ").push_bind(to);
                qb.push(" GROUP BY rule ORDER BY rule");
                let rows = qb.build().fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|r| {
                        Ok(RuleCount {
                            rule: crate::store::typed("rule", r.try_get("rule")?)?,
                            users: r.try_get::<i64, _>("users")?.max(0) as u64,
                            decisions: r.try_get::<i64, _>("decisions")?.max(0) as u64,
                        })
                    })
                    .collect()
            }

            async fn response_counts(&self, survey_id: i64, day_start: i64) -> StoreResult<(u64, u64)> {
                let row = sqlx::query(
                    "SELECT COUNT(*) AS total, COALESCE(SUM(CASE WHEN created_at >= $2 THEN 1 ELSE 0 END), 0) AS today \
                     FROM responses WHERE survey_id = $1 AND score IS NOT NULL",
                )
                .bind(survey_id)
                .bind(day_start)
                .fetch_one(&self.pool)
                .await?;
                Ok((row.try_get::<i64, _>("today")?.max(0) as u64, row.try_get::<i64, _>("total")?.max(0) as u64))
            }
        }
    };
}
