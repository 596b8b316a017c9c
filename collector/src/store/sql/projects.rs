//! Projects and surveys.

macro_rules! sql_projects {
    // One aggregate's trait, its SQL written once for both backends.
    ($store:ident, $db:ty, $row:ty) => {
        #[async_trait::async_trait]
        impl crate::store::projects::ProjectStore for $store {
            #[tracing::instrument(skip(self, secret))]
            async fn create_project(&self, input: &ProjectInput, public_key: &str, secret: &str, now: i64) -> StoreResult<Project> {
                let row = sqlx::query(
                    "INSERT INTO projects (name, public_key, allowed_origins, identity_secret, identity_enforced, fatigue, \
                     created_at, retention_months) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(input.name.as_str())
                .bind(public_key)
                .bind(serde_json::to_string(&input.allowed_origins)?)
                .bind(secret)
                .bind(input.identity_enforced)
                .bind(serde_json::to_string(&input.fatigue)?)
                .bind(now)
                .bind(input.retention_months.map(i64::from))
                .fetch_one(&self.pool)
                .await?;
                let id: i64 = row.try_get("id")?;
                self.get_project(id).await?.ok_or_else(|| StoreError::Corrupt("project vanished after insert".into()))
            }

            async fn update_project(&self, id: i64, input: &ProjectInput) -> StoreResult<Option<Project>> {
                sqlx::query(
                    "UPDATE projects SET name = $1, allowed_origins = $2, identity_enforced = $3, fatigue = $4, retention_months = $6 \
                     WHERE id = $5",
                )
                    .bind(input.name.as_str())
                    .bind(serde_json::to_string(&input.allowed_origins)?)
                    .bind(input.identity_enforced)
                    .bind(serde_json::to_string(&input.fatigue)?)
                    .bind(id)
                    .bind(input.retention_months.map(i64::from))
                    .execute(&self.pool)
                    .await?;
                self.get_project(id).await
            }

            async fn set_identity_secret(&self, id: i64, secret: &str) -> StoreResult<Option<Project>> {
                sqlx::query("UPDATE projects SET identity_secret = $1 WHERE id = $2")
                    .bind(secret)
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                self.get_project(id).await
            }

            async fn list_projects(&self) -> StoreResult<Vec<Project>> {
                let sql = format!("SELECT {PROJECT_COLUMNS} FROM projects ORDER BY id");
                let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(&self.pool).await?;
                rows.iter().map(Self::project_from_row).collect()
            }

            async fn get_project(&self, id: i64) -> StoreResult<Option<Project>> {
                let sql = format!("SELECT {PROJECT_COLUMNS} FROM projects WHERE id = $1");
                let row = sqlx::query(AssertSqlSafe(sql)).bind(id).fetch_optional(&self.pool).await?;
                row.as_ref().map(Self::project_from_row).transpose()
            }

            #[tracing::instrument(skip(self))]
            async fn project_by_key(&self, public_key: &str) -> StoreResult<Option<Project>> {
                let sql = format!("SELECT {PROJECT_COLUMNS} FROM projects WHERE public_key = $1");
                let row = sqlx::query(AssertSqlSafe(sql)).bind(public_key).fetch_optional(&self.pool).await?;
                row.as_ref().map(Self::project_from_row).transpose()
            }

            #[tracing::instrument(skip(self, input))]
            async fn create_survey(&self, project_id: i64, input: &SurveyInput, now: i64) -> StoreResult<Survey> {
                let insert = sqlx::query(
                    "INSERT INTO surveys (name, kind, status, definition, rules, project_id, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
                );
                let row = Self::bind_survey(insert, input)?.bind(project_id).bind(now).fetch_one(&self.pool).await?;
                let id: i64 = row.try_get("id")?;
                self.get_survey(id).await?.ok_or_else(|| StoreError::Corrupt("survey vanished after insert".into()))
            }

            #[tracing::instrument(skip(self, input))]
            async fn update_survey(&self, id: i64, input: &SurveyInput, now: i64) -> StoreResult<Option<Survey>> {
                // The kind moves only between the customer kinds (`SurveyKind::may_become`,
                // checked by the route), which the account aggregates both keep alike.
                let update = sqlx::query(
                    "UPDATE surveys SET name = $1, kind = $2, status = $3, definition = $4, rules = $5, updated_at = $6 \
                     WHERE id = $7",
                );
                let done = Self::bind_survey(update, input)?.bind(now).bind(id).execute(&self.pool).await?;
                if done.rows_affected() == 0 {
                    return Ok(None);
                }
                self.get_survey(id).await
            }

            async fn get_survey(&self, id: i64) -> StoreResult<Option<Survey>> {
                let sql = format!("SELECT {SURVEY_COLUMNS} FROM surveys WHERE id = $1");
                let row = sqlx::query(AssertSqlSafe(sql)).bind(id).fetch_optional(&self.pool).await?;
                row.as_ref().map(Self::survey_from_row).transpose()
            }

            async fn list_surveys(&self, project_id: Option<i64>) -> StoreResult<Vec<Survey>> {
                let rows = match project_id {
                    Some(p) => {
                        let sql = format!("SELECT {SURVEY_COLUMNS} FROM surveys WHERE project_id = $1 ORDER BY id");
                        sqlx::query(AssertSqlSafe(sql)).bind(p).fetch_all(&self.pool).await?
                    }
                    None => {
                        let sql = format!("SELECT {SURVEY_COLUMNS} FROM surveys ORDER BY id");
                        sqlx::query(AssertSqlSafe(sql)).fetch_all(&self.pool).await?
                    }
                };
                rows.iter().map(Self::survey_from_row).collect()
            }
        }
    };
}
