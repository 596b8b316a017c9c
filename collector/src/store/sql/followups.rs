//! Taxonomies, follow-up policies, the follow-up queue and loop metrics' answers.

macro_rules! sql_followups {
    // One aggregate's trait, its SQL written once for both backends.
    ($store:ident, $db:ty, $row:ty) => {
        #[async_trait::async_trait]
        impl crate::store::followups::FollowUpStore for $store {
            async fn taxonomy(&self, project_id: i64) -> StoreResult<nps_core::text::Taxonomy> {
                project_policy_get!(&self.pool, "project_taxonomies", project_id, nps_core::text::Taxonomy)
            }

            async fn set_taxonomy(&self, project_id: i64, taxonomy: &nps_core::text::Taxonomy) -> StoreResult<()> {
                project_policy_set!(&self.pool, "project_taxonomies", project_id, taxonomy)
            }

            async fn followup_policy(&self, project_id: i64) -> StoreResult<FollowUpPolicy> {
                project_policy_get!(&self.pool, "followup_policies", project_id, FollowUpPolicy)
            }

            async fn set_followup_policy(&self, project_id: i64, policy: &FollowUpPolicy) -> StoreResult<()> {
                project_policy_set!(&self.pool, "followup_policies", project_id, policy)
            }

            #[tracing::instrument(skip(self, policy))]
            async fn sync_followups(&self, project_id: i64, policy: &FollowUpPolicy, now: i64) -> StoreResult<u64> {
                // Only the scores the policy follows up: every other answer never gets a row, and
                // reading them all on each sync grew with the project (every drained batch with an
                // alert synced, so a flood of promoters slowed the drainer).
                let scores: Vec<String> = NpsScore::all().filter(|s| policy.applies_to(s.band())).map(|s| s.value().to_string()).collect();
                if scores.is_empty() {
                    return Ok(0);
                }
                let sql = format!(
                    "SELECT r.id, r.survey_id, r.user_id, r.score, r.created_at, r.attributes, s.kind, a.attributes AS account_attributes \
                     FROM responses r JOIN surveys s ON s.id = r.survey_id \
                     LEFT JOIN followups f ON f.response_id = r.id \
                     LEFT JOIN accounts a ON a.project_id = r.project_id AND a.external_id = r.account_id \
                     WHERE r.project_id = $1 AND r.score IN ({}) AND f.response_id IS NULL AND {} ORDER BY r.created_at, r.id",
                    scores.join(", "),
                    open_survey_of_s!(),
                );
                let pending = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(project_id)
                .fetch_all(&self.pool)
                .await?;
                let existing: i64 = sqlx::query("SELECT COUNT(*) AS n FROM followups WHERE project_id = $1")
                    .bind(project_id)
                    .fetch_one(&self.pool)
                    .await?
                    .try_get("n")?;
                let mut sequence = u64::try_from(existing).unwrap_or(0);
                let mut created = 0;
                // Partner NPS: the partner's owning manager works the follow-up.
                let partner_owners: std::collections::HashMap<nps_core::wire::ClientId, Option<String>> =
                    self.list_partners(Some(project_id)).await?.into_iter().map(|p| (p.id, p.owner_email)).collect();
                for row in &pending {
                    let score = NpsScore::new(row.try_get("score")?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    if !policy.applies_to(score.band()) {
                        continue;
                    }
                    let attributes = json_map(row.try_get("attributes")?)?;
                    let account = json_map(row.try_get("account_attributes")?)?;
                    let owner_value = policy.owner_attribute.as_ref().and_then(|key| {
                        attributes.get(key).or_else(|| account.get(key)).and_then(|v| v.as_str()).map(str::to_owned)
                    });
                    let created_at: i64 = row.try_get("created_at")?;
                    let partner = (row.try_get::<String, _>("kind")? == SurveyKind::Partner.as_str())
                        .then(|| attributes.get("partner").and_then(|v| v.as_str()).map(str::to_owned))
                        .flatten();
                    let partner_owner = partner.as_ref().and_then(|p| partner_owners.get(p.as_str()).cloned().flatten());
                    let uses_policy = partner_owner.is_none();
                    let owner = partner_owner.or_else(|| policy.owner(owner_value.as_deref(), sequence));
                    let inserted = sqlx::query(
                        "INSERT INTO followups (response_id, project_id, survey_id, user_id, band, owner, status, created_at, \
                         due_at, updated_at, partner_id) VALUES ($1, $2, $3, $4, $5, $6, 'new', $7, $8, $9, $10) \
                         ON CONFLICT (response_id) DO NOTHING",
                    )
                    .bind(row.try_get::<String, _>("id")?)
                    .bind(project_id)
                    .bind(row.try_get::<i64, _>("survey_id")?)
                    .bind(row.try_get::<String, _>("user_id")?)
                    .bind(score.band().as_str())
                    .bind(owner)
                    .bind(created_at)
                    .bind(policy.due_at(created_at))
                    .bind(now)
                    .bind(partner)
                    .execute(&self.pool)
                    .await?;
                    if inserted.rows_affected() > 0 {
                        // The round robin turns only when it was used.
                        sequence += u64::from(uses_policy);
                        created += 1;
                    }
                }
                Ok(created)
            }

            async fn list_followups(&self, project_id: i64, now: i64) -> StoreResult<Vec<FollowUpItem>> {
                let rows = sqlx::query("SELECT * FROM followups WHERE project_id = $1 ORDER BY due_at, response_id")
                    .bind(project_id)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(|r| Self::followup_from_row(r, now)).collect()
            }

            async fn update_followup(&self, response_id: &str, update: &FollowUpUpdate, author: &str, now: i64) -> StoreResult<Option<FollowUpItem>> {
                let mut tx = self.pool.begin().await?;
                let changed = sqlx::query(
                    "UPDATE followups SET status = $1, updated_at = $2, \
                     first_contact_at = CASE WHEN first_contact_at IS NULL AND $1 <> 'new' THEN $2 ELSE first_contact_at END \
                     WHERE response_id = $3",
                )
                .bind(update.status.as_str())
                .bind(now)
                .bind(response_id)
                .execute(&mut *tx)
                .await?;
                if changed.rows_affected() == 0 {
                    return Ok(None);
                }
                sqlx::query(
                    "INSERT INTO followup_notes (response_id, author, status, note, outcome, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(response_id)
                .bind(author)
                .bind(update.status.as_str())
                .bind(update.note.as_deref())
                .bind(update.outcome.as_deref())
                .bind(now)
                .execute(&mut *tx)
                .await?;
                let row = sqlx::query("SELECT * FROM followups WHERE response_id = $1").bind(response_id).fetch_one(&mut *tx).await?;
                tx.commit().await?;
                Ok(Some(Self::followup_from_row(&row, now)?))
            }

            async fn scored_answers(&self, project_id: i64) -> StoreResult<Vec<ScoredAnswer>> {
                let rows = sqlx::query(concat!(
                    "SELECT r.user_id, r.created_at, r.score FROM responses r JOIN surveys s ON s.id = r.survey_id \
                     WHERE r.project_id = $1 AND r.score IS NOT NULL AND ",
                    open_survey_of_s!()
                ))
                .bind(project_id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        let score = NpsScore::new(r.try_get("score")?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                        Ok(ScoredAnswer { user_id: r.try_get("user_id")?, at: r.try_get("created_at")?, band: score.band() })
                    })
                    .collect()
            }
        }
    };
}
