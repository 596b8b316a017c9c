//! Link campaigns: campaigns, recipients, the used-link ledger and hosted answers.

macro_rules! sql_campaigns {
    // One aggregate's trait, its SQL written once for both backends.
    ($store:ident, $db:ty, $row:ty) => {
        #[async_trait::async_trait]
        impl crate::store::campaigns::CampaignStore for $store {
            async fn create_campaign(
                &self,
                project_id: i64,
                input: &CampaignInput,
                created_by: Option<&str>,
                expires_at: i64,
                now: i64,
            ) -> StoreResult<Campaign> {
                let row = sqlx::query(
                    "INSERT INTO campaigns (project_id, survey_id, name, anonymity, min_group, verbatim_min_group, \
                     group_attributes, expires_at, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                )
                .bind(project_id)
                .bind(input.survey_id)
                .bind(&input.name)
                .bind(input.anonymity.as_str())
                .bind(i64::from(input.min_group))
                .bind(i64::from(input.verbatim_min_group))
                .bind(serde_json::to_string(&input.group_attributes)?)
                .bind(expires_at)
                .bind(now)
                .bind(created_by)
                .fetch_one(&self.pool)
                .await?;
                let id: i64 = row.try_get("id")?;
                self.get_campaign(id).await?.ok_or_else(|| StoreError::Corrupt("campaign vanished after insert".into()))
            }

            async fn get_campaign(&self, id: i64) -> StoreResult<Option<Campaign>> {
                let row = sqlx::query("SELECT * FROM campaigns WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
                row.as_ref().map(Self::campaign_from_row).transpose()
            }

            async fn campaigns_for_surveys(&self, survey_ids: &[i64]) -> StoreResult<Vec<Campaign>> {
                if survey_ids.is_empty() {
                    return Ok(Vec::new());
                }
                let mut qb = QueryBuilder::<$db>::new("SELECT * FROM campaigns WHERE survey_id IN (");
                let mut ids = qb.separated(", ");
                for id in survey_ids {
                    ids.push_bind(*id);
                }
                qb.push(") ORDER BY id");
                let rows = qb.build().fetch_all(&self.pool).await?;
                rows.iter().map(Self::campaign_from_row).collect()
            }

            async fn add_recipients(&self, recipients: &[RecipientRecord], now: i64) -> StoreResult<()> {
                let mut tx = self.pool.begin().await?;
                for chunk in recipients.chunks(ROWS_PER_STATEMENT) {
                    let mut qb = QueryBuilder::<$db>::new(
                        "INSERT INTO recipients (id, campaign_id, email, name, language, attributes, token_id, created_at) ",
                    );
                    let mut rows = Vec::with_capacity(chunk.len());
                    for r in chunk {
                        rows.push((r, serde_json::Value::Object(r.attributes.clone()).to_string()));
                    }
                    qb.push_values(&rows, |mut b, (r, attributes)| {
                        b.push_bind(&r.id)
                            .push_bind(r.campaign_id)
                            .push_bind(&r.email)
                            .push_bind(&r.name)
                            .push_bind(&r.language)
                            .push_bind(attributes)
                            .push_bind(&r.token_id)
                            .push_bind(now);
                    });
                    qb.push(" ON CONFLICT (campaign_id, email) DO NOTHING");
                    qb.build().execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn list_recipients(&self, campaign_id: i64) -> StoreResult<Vec<RecipientRecord>> {
                let rows = sqlx::query("SELECT * FROM recipients WHERE campaign_id = $1 ORDER BY email")
                    .bind(campaign_id)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(Self::recipient_from_row).collect()
            }

            async fn get_recipient(&self, id: &str) -> StoreResult<Option<RecipientRecord>> {
                let row = sqlx::query("SELECT * FROM recipients WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
                row.as_ref().map(Self::recipient_from_row).transpose()
            }

            async fn token_spent(&self, token_hash: &str) -> StoreResult<bool> {
                let row = sqlx::query("SELECT 1 AS one FROM token_ledger WHERE token_hash = $1")
                    .bind(token_hash)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.is_some())
            }

            #[tracing::instrument(skip_all)]
            async fn submit_link_answer(&self, token_hash: &str, a: &LinkAnswer) -> StoreResult<bool> {
                let mut tx = self.pool.begin().await?;
                let spent = sqlx::query("INSERT INTO token_ledger (token_hash) VALUES ($1) ON CONFLICT (token_hash) DO NOTHING")
                    .bind(token_hash)
                    .execute(&mut *tx)
                    .await?;
                if spent.rows_affected() == 0 {
                    return Ok(false);
                }
                sqlx::query(
                    "INSERT INTO responses (id, project_id, survey_id, user_id, score, comment, attributes, language, \
                     created_at, completed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
                )
                .bind(&a.id)
                .bind(a.project_id)
                .bind(a.survey_id)
                .bind(&a.user_id)
                .bind(a.score)
                .bind(&a.comment)
                .bind(serde_json::Value::Object(a.attributes.clone()).to_string())
                .bind(&a.language)
                .bind(a.created_at)
                .execute(&mut *tx)
                .await?;
                Self::rollup_new_answers(&mut tx, std::slice::from_ref(&a.id)).await?;
                tx.commit().await?;
                Ok(true)
            }
        }
    };
}
