//! Rows into domain types: projects, surveys, answers, campaigns, recipients, follow-ups, admins.

macro_rules! sql_rows {
    ($store:ident, $db:ty, $row:ty) => {
            /// Binds a survey's five stored fields, in the order the insert and the update name
            /// them (name, kind, status, definition, rules).
            fn bind_survey<'q>(
                query: sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments>,
                input: &'q SurveyInput,
            ) -> StoreResult<sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments>> {
                Ok(query
                    .bind(input.name.as_str())
                    .bind(input.kind.as_str())
                    .bind(input.status.as_str())
                    .bind(serde_json::to_string(&input.definition)?)
                    .bind(serde_json::to_string(&input.rules)?))
            }

            fn project_from_row(row: &$row) -> StoreResult<Project> {
                let origins: String = row.try_get("allowed_origins")?;
                Ok(Project {
                    id: row.try_get("id")?,
                    name: row.try_get("name")?,
                    public_key: row.try_get("public_key")?,
                    allowed_origins: serde_json::from_str(&origins)?,
                    identity_enforced: row.try_get("identity_enforced")?,
                    identity_secret: Some(row.try_get("identity_secret")?),
                    fatigue: serde_json::from_str(&row.try_get::<String, _>("fatigue")?)?,
                    created_at: row.try_get("created_at")?,
                    retention_months: row.try_get::<Option<i64>, _>("retention_months")?.and_then(|m| u16::try_from(m).ok()),
                })
            }

            fn survey_from_row(row: &$row) -> StoreResult<Survey> {
                let kind: String = row.try_get("kind")?;
                let status: String = row.try_get("status")?;
                let definition: String = row.try_get("definition")?;
                let rules: String = row.try_get("rules")?;
                Ok(Survey {
                    id: row.try_get("id")?,
                    project_id: row.try_get("project_id")?,
                    name: row.try_get("name")?,
                    kind: SurveyKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("survey kind {kind}")))?,
                    status: SurveyStatus::parse(&status)
                        .ok_or_else(|| StoreError::Corrupt(format!("survey status {status}")))?,
                    definition: serde_json::from_str(&definition)?,
                    rules: serde_json::from_str(&rules)?,
                    created_at: row.try_get("created_at")?,
                    updated_at: row.try_get("updated_at")?,
                })
            }

            fn response_from_row(row: &$row) -> StoreResult<ResponseRow> {
                let score: Option<i64> = row.try_get("score")?;
                let score = score.map(NpsScore::new).transpose().map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let rate: Option<i64> = row.try_get("sampling_rate_bp")?;
                Ok(ResponseRow {
                    id: row.try_get("id")?,
                    survey_id: row.try_get("survey_id")?,
                    user_id: row.try_get("user_id")?,
                    score: score.map(NpsScore::value),
                    band: score.map(NpsScore::band),
                    comment: row.try_get("comment")?,
                    extra_answers: json_map(row.try_get("extra_answers")?)?,
                    attributes: json_map(row.try_get("attributes")?)?,
                    account_id: row.try_get("account_id")?,
                    role: row.try_get("account_role")?,
                    language: row.try_get("language")?,
                    device: row.try_get("device")?,
                    trigger: row.try_get("trigger_name")?,
                    sampling_rate_bp: rate.and_then(|r| u32::try_from(r).ok()),
                    created_at: row.try_get("created_at")?,
                    completed_at: row.try_get("completed_at")?,
                })
            }

            fn campaign_from_row(row: &$row) -> StoreResult<Campaign> {
                let anonymity: String = row.try_get("anonymity")?;
                let groups: String = row.try_get("group_attributes")?;
                let small = |c: &str| -> StoreResult<u32> { Ok(u32::try_from(row.try_get::<i64, _>(c)?).unwrap_or(u32::MAX)) };
                Ok(Campaign {
                    id: row.try_get("id")?,
                    project_id: row.try_get("project_id")?,
                    survey_id: row.try_get("survey_id")?,
                    name: row.try_get("name")?,
                    anonymity: Anonymity::parse(&anonymity).ok_or_else(|| StoreError::Corrupt(format!("anonymity {anonymity}")))?,
                    min_group: small("min_group")?,
                    verbatim_min_group: small("verbatim_min_group")?,
                    group_attributes: serde_json::from_str(&groups)?,
                    expires_at: row.try_get("expires_at")?,
                    created_at: row.try_get("created_at")?,
                    created_by: row.try_get("created_by")?,
                })
            }

            fn recipient_from_row(row: &$row) -> StoreResult<RecipientRecord> {
                Ok(RecipientRecord {
                    id: row.try_get("id")?,
                    campaign_id: row.try_get("campaign_id")?,
                    email: row.try_get("email")?,
                    name: row.try_get("name")?,
                    language: row.try_get("language")?,
                    attributes: json_map(row.try_get("attributes")?)?,
                    token_id: row.try_get("token_id")?,
                })
            }

            fn followup_from_row(row: &$row, now: i64) -> StoreResult<FollowUpItem> {
                let band: String = row.try_get("band")?;
                let status: String = row.try_get("status")?;
                let status = FollowUpStatus::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("status {status}")))?;
                let due_at: i64 = row.try_get("due_at")?;
                let first_contact_at: Option<i64> = row.try_get("first_contact_at")?;
                Ok(FollowUpItem {
                    response_id: row.try_get("response_id")?,
                    survey_id: row.try_get("survey_id")?,
                    user_id: row.try_get("user_id")?,
                    band: Band::parse(&band).ok_or_else(|| StoreError::Corrupt(format!("band {band}")))?,
                    owner: row.try_get("owner")?,
                    partner: row.try_get("partner_id")?,
                    status,
                    created_at: row.try_get("created_at")?,
                    due_at,
                    first_contact_at,
                    overdue: first_contact_at.is_none() && status == FollowUpStatus::New && due_at < now,
                })
            }

            fn admin_from_row(row: &$row) -> StoreResult<AdminRecord> {
                let role: String = row.try_get("role")?;
                Ok(AdminRecord {
                    id: row.try_get("id")?,
                    email: row.try_get("email")?,
                    password_hash: row.try_get("password_hash")?,
                    role: AdminRole::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("admin role {role}")))?,
                })
            }
    };
}
