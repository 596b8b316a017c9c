//! The SQL both backends share, written once and instantiated per backend by
//! [`impl_sql_store!`]. Placeholders are `$1, $2, ...` in order of first use, which SQLite and
//! PostgreSQL both accept; every write is an idempotent upsert keyed by a client-generated id.

/// Rows per multi-row statement: 11 columns x 500 rows stays far below both backends' bind
/// limits (32,766 for SQLite, 65,535 for PostgreSQL).
pub(crate) const ROWS_PER_STATEMENT: usize = 500;

pub(crate) const MS_PER_DAY: i64 = 86_400_000;

/// History the eligibility rules look at: far longer than any default back-off.
pub(crate) const HISTORY_WINDOW_MS: i64 = 2 * 365 * MS_PER_DAY;

pub(crate) const RESPONSE_COLUMNS: &str = "id, survey_id, user_id, score, comment, extra_answers, attributes, account_id, \
     account_role, language, device, trigger_name, sampling_rate_bp, created_at, completed_at";

pub(crate) const PROJECT_COLUMNS: &str =
    "id, name, public_key, allowed_origins, identity_secret, identity_enforced, fatigue, created_at";

pub(crate) const SURVEY_COLUMNS: &str = "id, project_id, name, kind, status, definition, rules, created_at, updated_at";

/// Which facts to read for an eligibility decision.
pub(crate) struct FactsQuery<'a> {
    pub project_id: i64,
    pub survey_id: i64,
    pub user_id: &'a str,
    /// The decision's moment. Events strictly before it count; with `everything`, every event
    /// counts, even one stamped later: a concurrent request that started earlier may take the
    /// lock after a later one, and must still see the display that one claimed.
    pub at: i64,
    pub everything: bool,
    /// Count the survey's answers (only surveys with response caps need it).
    pub with_counts: bool,
}

impl<'a> FactsQuery<'a> {
    pub fn of(claim: &'a super::DisplayClaim) -> Self {
        Self {
            project_id: claim.project_id,
            survey_id: claim.survey_id,
            user_id: &claim.user_id,
            at: claim.now,
            everything: true,
            with_counts: claim.count_responses,
        }
    }
}

pub(crate) fn json_map(text: Option<String>) -> Result<nps_core::wire::Attributes, super::StoreError> {
    match text {
        None => Ok(Default::default()),
        Some(t) => Ok(serde_json::from_str(&t)?),
    }
}

/// SQL: the survey `s` is not protected by the disclosure rules (employee NPS, or partner NPS
/// with an anonymous or confidential campaign), so its answers may be handled one by one
/// (follow-ups, loop metrics). Protected answers are read only through `crate::disclosure`.
macro_rules! open_survey_of_s {
    () => {
        "s.kind <> 'enps' AND NOT EXISTS (SELECT 1 FROM campaigns pc WHERE pc.survey_id = s.id AND pc.anonymity <> 'identified')"
    };
}

macro_rules! impl_sql_store {
    ($store:ident, $db:ty, $row:ty) => {
        use crate::ingest::BatchParts;
        use crate::store::sql::{
            json_map, HISTORY_WINDOW_MS, MS_PER_DAY, PROJECT_COLUMNS, RESPONSE_COLUMNS, ROWS_PER_STATEMENT,
            SURVEY_COLUMNS,
        };
        use crate::store::sql::FactsQuery;
        use crate::store::{
            Dimension, LinkAnswer, RecipientRecord,
            AdminRecord, DayCounts, DeadLetter, DecideFn, DecisionFacts, DecisionRecord, DisplayClaim, ResponseQuery, RuleCount,
            Store, StoreError, StoreResult,
        };
        use nps_core::eligibility::Decision;
        use nps_core::followup::{FollowUpItem, FollowUpPolicy, FollowUpStatus, FollowUpUpdate, ScoredAnswer};
        use nps_core::eligibility::{HistoryEvent, HistoryKind, UserHistory};
        use nps_core::wire::{Anonymity, Campaign, CampaignInput, Partner};
        use nps_core::wire::{AdminRole, Project, ProjectInput, ResponseRow, Survey, SurveyInput, SurveyKind, SurveyStatus};
        use nps_core::{Band, BandCounts, NpsScore};
        use sqlx::{AssertSqlSafe, QueryBuilder, Row};

        impl $store {
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

            /// `survey_id IN (...)` and the date range, shared by the outer filter and the
            /// dedupe sub-query.
            fn push_scope(qb: &mut QueryBuilder<$db>, q: &ResponseQuery) {
                qb.push(" score IS NOT NULL AND survey_id IN (");
                let mut ids = qb.separated(", ");
                for id in &q.survey_ids {
                    ids.push_bind(*id);
                }
                qb.push(")");
                if let Some(from) = q.from {
                    qb.push(" AND created_at >= ").push_bind(from);
                }
                if let Some(to) = q.to {
                    qb.push(" AND created_at < ").push_bind(to);
                }
                Self::push_user_scope(qb, &q.users);
                if let Some(partners) = &q.partners {
                    Self::push_partner_scope(qb, partners);
                }
            }

            /// ` AND ...` keeping only the answers of these (project, partner) pairs: per
            /// project, `project_id = ? AND partner IN (...)`; no pairs, no answers.
            fn push_partner_scope(qb: &mut QueryBuilder<$db>, partners: &[crate::store::PartnerKey]) {
                let mut by_project: std::collections::BTreeMap<i64, Vec<&String>> = std::collections::BTreeMap::new();
                for (project_id, partner) in partners {
                    by_project.entry(*project_id).or_default().push(partner);
                }
                qb.push(" AND (1 = 0");
                for (project_id, ids) in by_project {
                    qb.push(" OR (project_id = ").push_bind(project_id).push(" AND ");
                    qb.push(Self::JSON_TEXT.0).push_bind(Self::json_path("partner")).push(Self::JSON_TEXT.1);
                    qb.push(" IN (");
                    let mut list = qb.separated(", ");
                    for id in ids {
                        list.push_bind(id.clone());
                    }
                    qb.push("))");
                }
                qb.push(")");
            }

            /// ` AND ...` keeping or leaving out some users' answers (per project).
            fn push_user_scope(qb: &mut QueryBuilder<$db>, users: &crate::store::rollups::UserScope) {
                use crate::store::rollups::UserScope;
                let (groups, exclude) = match users {
                    UserScope::All => return,
                    UserScope::Excluding(groups) => (groups, true),
                    UserScope::Only(groups) => (groups, false),
                };
                let groups: Vec<_> = groups.iter().filter(|(_, users)| !users.is_empty()).collect();
                qb.push(if exclude { " AND NOT (1 = 0" } else { " AND (1 = 0" });
                for (project_id, users) in groups {
                    qb.push(" OR (project_id = ").push_bind(*project_id).push(" AND user_id IN (");
                    let mut ids = qb.separated(", ");
                    for user in users {
                        ids.push_bind(user.clone());
                    }
                    qb.push("))");
                }
                qb.push(")");
            }

            /// `WHERE ...` for a response read; `survey_ids` is never empty here.
            fn push_response_filters(qb: &mut QueryBuilder<$db>, q: &ResponseQuery) {
                qb.push(" WHERE");
                Self::push_scope(qb, q);
                if q.latest_per_user {
                    qb.push(
                        " AND id IN (SELECT id FROM (SELECT id, ROW_NUMBER() OVER \
                         (PARTITION BY user_id ORDER BY created_at DESC, id DESC) AS rn FROM responses WHERE",
                    );
                    Self::push_scope(qb, q);
                    qb.push(") AS ranked WHERE rn = 1)");
                }
                match q.band {
                    Some(Band::Detractor) => qb.push(" AND score <= 6"),
                    Some(Band::Passive) => qb.push(" AND score BETWEEN 7 AND 8"),
                    Some(Band::Promoter) => qb.push(" AND score >= 9"),
                    None => qb,
                };
                match q.has_comment {
                    Some(true) => qb.push(" AND comment IS NOT NULL AND comment <> ''"),
                    Some(false) => qb.push(" AND (comment IS NULL OR comment = '')"),
                    None => qb,
                };
                for (key, value) in &q.attributes {
                    qb.push(" AND ").push(Self::JSON_TEXT.0).push_bind(Self::json_path(key)).push(Self::JSON_TEXT.1);
                    qb.push(" = ").push_bind(value.clone());
                }
                if let Some(text) = q.text.as_deref().filter(|t| !t.is_empty()) {
                    let escaped = text.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
                    qb.push(" AND LOWER(comment) LIKE ").push_bind(format!("%{escaped}%")).push(" ESCAPE '\\'");
                }
            }

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
                .bind(q.at - HISTORY_WINDOW_MS)
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
                    .bind(q.at - q.at.rem_euclid(MS_PER_DAY))
                    .bind(until)
                    .fetch_one(&mut *conn)
                    .await?;
                    facts.responses_total = counts.try_get::<i64, _>("total")?.max(0) as u64;
                    facts.responses_today = counts.try_get::<i64, _>("today")?.max(0) as u64;
                }
                Ok(facts)
            }

            /// Records the display a decision granted.
            async fn claim_display(
                conn: &mut <$db as sqlx::Database>::Connection,
                claim: &DisplayClaim,
                decision: &Decision,
            ) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO displays (id, project_id, survey_id, user_id, trigger_name, url, language, device, \
                     sampling_rate_bp, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                     ON CONFLICT (id) DO NOTHING",
                )
                .bind(&claim.display_id)
                .bind(claim.project_id)
                .bind(claim.survey_id)
                .bind(&claim.user_id)
                .bind(&claim.trigger)
                .bind(&claim.url)
                .bind(&claim.language)
                .bind(&claim.device)
                .bind(i64::from(decision.sampling_rate_bp))
                .bind(claim.now)
                .execute(&mut *conn)
                .await?;
                Ok(())
            }

            async fn apply_parts(&self, parts: &BatchParts) -> StoreResult<()> {
                let mut tx = self.pool.begin().await?;
                for chunk in parts.users.chunks(ROWS_PER_STATEMENT) {
                    let mut qb = QueryBuilder::<$db>::new(
                        "INSERT INTO app_users (project_id, external_id, attributes, created_at, first_seen_at, \
                         last_seen_at, language, account_id, account_role) ",
                    );
                    qb.push_values(chunk, |mut b, u| {
                        b.push_bind(u.project_id)
                            .push_bind(&u.user_id)
                            .push_bind(&u.attributes)
                            .push_bind(u.created_at)
                            .push_bind(u.first_seen_at)
                            .push_bind(u.last_seen_at)
                            .push_bind(&u.language)
                            .push_bind(&u.account_id)
                            .push_bind(&u.account_role);
                    });
                    // A replayed older identify never overwrites a newer one.
                    qb.push(
                        " ON CONFLICT (project_id, external_id) DO UPDATE SET \
                         attributes = excluded.attributes, \
                         created_at = COALESCE(excluded.created_at, app_users.created_at), \
                         last_seen_at = excluded.last_seen_at, \
                         language = COALESCE(excluded.language, app_users.language), \
                         account_id = COALESCE(excluded.account_id, app_users.account_id), \
                         account_role = COALESCE(excluded.account_role, app_users.account_role) \
                         WHERE excluded.last_seen_at >= app_users.last_seen_at",
                    );
                    qb.build().execute(&mut *tx).await?;
                }
                for chunk in parts.accounts.chunks(ROWS_PER_STATEMENT) {
                    let mut qb = QueryBuilder::<$db>::new(
                        "INSERT INTO accounts (project_id, external_id, attributes, first_seen_at, updated_at) ",
                    );
                    qb.push_values(chunk, |mut b, a| {
                        b.push_bind(a.project_id).push_bind(&a.account_id).push_bind(&a.attributes).push_bind(a.at).push_bind(a.at);
                    });
                    qb.push(
                        " ON CONFLICT (project_id, external_id) DO UPDATE SET attributes = excluded.attributes, \
                         updated_at = excluded.updated_at WHERE excluded.updated_at >= accounts.updated_at",
                    );
                    qb.build().execute(&mut *tx).await?;
                }
                for chunk in parts.members.chunks(ROWS_PER_STATEMENT) {
                    let mut qb = QueryBuilder::<$db>::new(
                        "INSERT INTO account_members (project_id, account_id, user_id, role, updated_at) ",
                    );
                    qb.push_values(chunk, |mut b, m| {
                        b.push_bind(m.project_id).push_bind(&m.account_id).push_bind(&m.user_id).push_bind(&m.role).push_bind(m.at);
                    });
                    qb.push(
                        " ON CONFLICT (project_id, account_id, user_id) DO UPDATE SET role = excluded.role, \
                         updated_at = excluded.updated_at WHERE excluded.updated_at >= account_members.updated_at",
                    );
                    qb.build().execute(&mut *tx).await?;
                }
                for chunk in parts.displays.chunks(ROWS_PER_STATEMENT) {
                    let mut qb = QueryBuilder::<$db>::new(
                        "INSERT INTO displays (id, project_id, survey_id, user_id, trigger_name, url, language, device, \
                         sampling_rate_bp, created_at) ",
                    );
                    qb.push_values(chunk, |mut b, d| {
                        b.push_bind(&d.id)
                            .push_bind(d.project_id)
                            .push_bind(d.survey_id)
                            .push_bind(&d.user_id)
                            .push_bind(&d.trigger)
                            .push_bind(&d.url)
                            .push_bind(&d.language)
                            .push_bind(&d.device)
                            .push_bind(d.sampling_rate_bp)
                            .push_bind(d.at);
                    });
                    qb.push(" ON CONFLICT (id) DO NOTHING");
                    qb.build().execute(&mut *tx).await?;
                }
                // Answers that got their score in this transaction (inserted, or a comment-first
                // row filled): only these are added to the rollups, so a replay adds nothing.
                let mut newly_scored: Vec<String> = Vec::new();
                for chunk in parts.scores.chunks(ROWS_PER_STATEMENT) {
                    let mut qb = QueryBuilder::<$db>::new(
                        "INSERT INTO responses (id, project_id, survey_id, user_id, display_id, score, language, device, \
                         trigger_name, sampling_rate_bp, created_at) ",
                    );
                    qb.push_values(chunk, |mut b, r| {
                        b.push_bind(&r.id)
                            .push_bind(r.project_id)
                            .push_bind(r.survey_id)
                            .push_bind(&r.user_id)
                            .push_bind(&r.display_id)
                            .push_bind(r.score)
                            .push_bind(&r.language)
                            .push_bind(&r.device)
                            .push_bind(&r.trigger)
                            .push_bind(r.sampling_rate_bp)
                            .push_bind(r.at);
                    });
                    // The score may arrive after its comment (retries reorder); it fills the row
                    // then, and a retried score never changes a stored one.
                    qb.push(
                        " ON CONFLICT (id) DO UPDATE SET score = excluded.score, display_id = excluded.display_id, \
                         language = excluded.language, device = excluded.device, trigger_name = excluded.trigger_name, \
                         sampling_rate_bp = excluded.sampling_rate_bp, created_at = excluded.created_at \
                         WHERE responses.score IS NULL AND responses.project_id = excluded.project_id \
                         AND responses.user_id = excluded.user_id RETURNING id",
                    );
                    for row in qb.build().fetch_all(&mut *tx).await? {
                        newly_scored.push(row.try_get("id")?);
                    }
                }
                for chunk in parts.completions.chunks(ROWS_PER_STATEMENT) {
                    let mut qb = QueryBuilder::<$db>::new(
                        "INSERT INTO responses (id, project_id, survey_id, user_id, comment, extra_answers, created_at, \
                         completed_at) ",
                    );
                    qb.push_values(chunk, |mut b, c| {
                        b.push_bind(&c.id)
                            .push_bind(c.project_id)
                            .push_bind(c.survey_id)
                            .push_bind(&c.user_id)
                            .push_bind(&c.comment)
                            .push_bind(&c.extra_answers)
                            .push_bind(c.at)
                            .push_bind(c.at);
                    });
                    qb.push(
                        " ON CONFLICT (id) DO UPDATE SET comment = excluded.comment, \
                         extra_answers = excluded.extra_answers, completed_at = excluded.completed_at \
                         WHERE responses.project_id = excluded.project_id AND responses.user_id = excluded.user_id \
                         AND responses.survey_id = excluded.survey_id",
                    );
                    // The survey must match too: the client API takes completions of in-app
                    // surveys only, so one naming an in-app survey must not land on a link
                    // answer (employee or partner NPS) that happens to have this id and user.
                    qb.build().execute(&mut *tx).await?;
                }
                for chunk in parts.feedback.chunks(ROWS_PER_STATEMENT) {
                    let mut qb =
                        QueryBuilder::<$db>::new("INSERT INTO feedback (id, project_id, survey_id, user_id, kind, created_at) ");
                    qb.push_values(chunk, |mut b, f| {
                        b.push_bind(&f.id)
                            .push_bind(f.project_id)
                            .push_bind(f.survey_id)
                            .push_bind(&f.user_id)
                            .push_bind(f.kind.as_str())
                            .push_bind(f.at);
                    });
                    qb.push(" ON CONFLICT (id) DO NOTHING");
                    qb.build().execute(&mut *tx).await?;
                }
                for chunk in parts.decisions.chunks(ROWS_PER_STATEMENT) {
                    let mut qb = QueryBuilder::<$db>::new(
                        "INSERT INTO decisions (decision_key, project_id, survey_id, user_id, eligible, rule, detail, \
                         retry_after, sampling_rate_bp, display_id, trigger_name, created_at) ",
                    );
                    qb.push_values(chunk, |mut b, (project_id, at, d)| {
                        b.push_bind(&d.key)
                            .push_bind(*project_id)
                            .push_bind(d.survey_id)
                            .push_bind(&d.user_id)
                            .push_bind(d.eligible)
                            .push_bind(&d.rule)
                            .push_bind(&d.detail)
                            .push_bind(d.retry_after)
                            .push_bind(i64::from(d.sampling_rate_bp))
                            .push_bind(d.eligible.then_some(&d.key))
                            .push_bind(&d.trigger)
                            .push_bind(*at);
                    });
                    qb.push(" ON CONFLICT (decision_key) DO NOTHING");
                    qb.build().execute(&mut *tx).await?;
                }
                // Snapshot the attributes in force when the answer arrived (the identify that
                // preceded it in the spool has been applied above or in an earlier batch).
                for chunk in parts.response_ids().chunks(ROWS_PER_STATEMENT) {
                    let mut qb = QueryBuilder::<$db>::new(
                        "UPDATE responses SET \
                         attributes = COALESCE((SELECT u.attributes FROM app_users u WHERE u.project_id = responses.project_id \
                           AND u.external_id = responses.user_id), '{}'), \
                         account_id = (SELECT u.account_id FROM app_users u WHERE u.project_id = responses.project_id \
                           AND u.external_id = responses.user_id), \
                         account_role = (SELECT u.account_role FROM app_users u WHERE u.project_id = responses.project_id \
                           AND u.external_id = responses.user_id) \
                         WHERE attributes IS NULL AND id IN (",
                    );
                    let mut ids = qb.separated(", ");
                    for id in chunk {
                        ids.push_bind(*id);
                    }
                    qb.push(")");
                    qb.build().execute(&mut *tx).await?;
                }
                Self::rollup_new_answers(&mut tx, &newly_scored).await?;
                tx.commit().await?;
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl Store for $store {
            fn backend(&self) -> &'static str {
                Self::BACKEND
            }

            #[tracing::instrument(skip(self))]
            async fn ping(&self) -> StoreResult<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            #[tracing::instrument(skip_all, fields(records = batch.len()))]
            async fn apply_batch(&self, batch: &[crate::ingest::IngestRecord]) -> StoreResult<()> {
                let parts = BatchParts::split(batch);
                self.apply_parts(&parts).await
            }

            async fn dead_letter(&self, record: &str, reason: &str, at: i64) -> StoreResult<()> {
                sqlx::query("INSERT INTO dead_letters (record, reason, created_at) VALUES ($1, $2, $3)")
                    .bind(record)
                    .bind(reason)
                    .bind(at)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn list_dead_letters(&self, limit: i64) -> StoreResult<Vec<DeadLetter>> {
                let rows = sqlx::query("SELECT id, record, reason, created_at FROM dead_letters ORDER BY id DESC LIMIT $1")
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter()
                    .map(|r| {
                        Ok(DeadLetter {
                            id: r.try_get("id")?,
                            record: r.try_get("record")?,
                            reason: r.try_get("reason")?,
                            created_at: r.try_get("created_at")?,
                        })
                    })
                    .collect()
            }

            #[tracing::instrument(skip(self, secret))]
            async fn create_project(&self, input: &ProjectInput, public_key: &str, secret: &str, now: i64) -> StoreResult<Project> {
                let row = sqlx::query(
                    "INSERT INTO projects (name, public_key, allowed_origins, identity_secret, identity_enforced, fatigue, \
                     created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(&input.name)
                .bind(public_key)
                .bind(serde_json::to_string(&input.allowed_origins)?)
                .bind(secret)
                .bind(input.identity_enforced)
                .bind(serde_json::to_string(&input.fatigue)?)
                .bind(now)
                .fetch_one(&self.pool)
                .await?;
                let id: i64 = row.try_get("id")?;
                self.get_project(id).await?.ok_or_else(|| StoreError::Corrupt("project vanished after insert".into()))
            }

            async fn update_project(&self, id: i64, input: &ProjectInput) -> StoreResult<Option<Project>> {
                sqlx::query(
                    "UPDATE projects SET name = $1, allowed_origins = $2, identity_enforced = $3, fatigue = $4 WHERE id = $5",
                )
                    .bind(&input.name)
                    .bind(serde_json::to_string(&input.allowed_origins)?)
                    .bind(input.identity_enforced)
                    .bind(serde_json::to_string(&input.fatigue)?)
                    .bind(id)
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
                let row = sqlx::query(
                    "INSERT INTO surveys (project_id, name, kind, status, definition, rules, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(project_id)
                .bind(&input.name)
                .bind(input.kind.as_str())
                .bind(input.status.as_str())
                .bind(serde_json::to_string(&input.definition)?)
                .bind(serde_json::to_string(&input.rules)?)
                .bind(now)
                .bind(now)
                .fetch_one(&self.pool)
                .await?;
                let id: i64 = row.try_get("id")?;
                self.get_survey(id).await?.ok_or_else(|| StoreError::Corrupt("survey vanished after insert".into()))
            }

            #[tracing::instrument(skip(self, input))]
            async fn update_survey(&self, id: i64, input: &SurveyInput, now: i64) -> StoreResult<Option<Survey>> {
                sqlx::query(
                    "UPDATE surveys SET name = $1, kind = $2, status = $3, definition = $4, rules = $5, updated_at = $6 \
                     WHERE id = $7",
                )
                .bind(&input.name)
                .bind(input.kind.as_str())
                .bind(input.status.as_str())
                .bind(serde_json::to_string(&input.definition)?)
                .bind(serde_json::to_string(&input.rules)?)
                .bind(now)
                .bind(id)
                .execute(&self.pool)
                .await?;
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
                let pending = sqlx::query(concat!(
                    "SELECT r.id, r.survey_id, r.user_id, r.score, r.created_at, r.attributes, s.kind, a.attributes AS account_attributes \
                     FROM responses r JOIN surveys s ON s.id = r.survey_id \
                     LEFT JOIN followups f ON f.response_id = r.id \
                     LEFT JOIN accounts a ON a.project_id = r.project_id AND a.external_id = r.account_id \
                     WHERE r.project_id = $1 AND r.score IS NOT NULL AND f.response_id IS NULL AND ",
                    open_survey_of_s!(),
                    " ORDER BY r.created_at, r.id"
                ))
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
                let partner_owners: std::collections::HashMap<String, Option<String>> =
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
                    let partner_owner = partner.as_ref().and_then(|p| partner_owners.get(p).cloned().flatten());
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
                .bind(&update.note)
                .bind(&update.outcome)
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

            async fn upsert_partners(&self, project_id: i64, partners: &[Partner]) -> StoreResult<()> {
                let mut tx = self.pool.begin().await?;
                for chunk in partners.chunks(ROWS_PER_STATEMENT) {
                    let mut qb = QueryBuilder::<$db>::new("INSERT INTO partners (project_id, external_id, name, tier, region, owner_email) ");
                    qb.push_values(chunk, |mut b, p| {
                        b.push_bind(project_id).push_bind(&p.id).push_bind(&p.name).push_bind(&p.tier).push_bind(&p.region).push_bind(&p.owner_email);
                    });
                    qb.push(
                        " ON CONFLICT (project_id, external_id) DO UPDATE SET name = excluded.name, tier = excluded.tier, \
                         region = excluded.region, owner_email = excluded.owner_email",
                    );
                    qb.build().execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn list_partners(&self, project_id: Option<i64>) -> StoreResult<Vec<Partner>> {
                let rows = match project_id {
                    Some(p) => sqlx::query("SELECT * FROM partners WHERE project_id = $1 ORDER BY external_id").bind(p).fetch_all(&self.pool).await?,
                    None => sqlx::query("SELECT * FROM partners ORDER BY external_id").fetch_all(&self.pool).await?,
                };
                rows.iter()
                    .map(|r| {
                        Ok(Partner {
                            id: r.try_get("external_id")?,
                            name: r.try_get("name")?,
                            tier: r.try_get("tier")?,
                            region: r.try_get("region")?,
                            owner_email: r.try_get("owner_email")?,
                        })
                    })
                    .collect()
            }

            async fn partners_owned_by(&self, email: &str) -> StoreResult<Vec<crate::store::PartnerKey>> {
                let rows = sqlx::query("SELECT project_id, external_id FROM partners WHERE owner_email = $1 ORDER BY project_id, external_id")
                    .bind(email)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(|r| Ok((r.try_get("project_id")?, r.try_get("external_id")?))).collect()
            }

            async fn count_admins(&self) -> StoreResult<i64> {
                let row = sqlx::query("SELECT COUNT(*) AS n FROM admin_users").fetch_one(&self.pool).await?;
                Ok(row.try_get("n")?)
            }

            #[tracing::instrument(skip(self, password_hash))]
            async fn create_admin(&self, email: &str, password_hash: &str, role: AdminRole, now: i64) -> StoreResult<AdminRecord> {
                let row = sqlx::query(
                    "INSERT INTO admin_users (email, password_hash, role, created_at) VALUES ($1, $2, $3, $4) \
                     RETURNING id, email, password_hash, role",
                )
                .bind(email)
                .bind(password_hash)
                .bind(role.as_str())
                .bind(now)
                .fetch_one(&self.pool)
                .await?;
                Self::admin_from_row(&row)
            }

            async fn admin_by_email(&self, email: &str) -> StoreResult<Option<AdminRecord>> {
                let row = sqlx::query("SELECT id, email, password_hash, role FROM admin_users WHERE email = $1")
                    .bind(email)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(Self::admin_from_row).transpose()
            }

            #[tracing::instrument(skip(self))]
            async fn list_responses(&self, q: &ResponseQuery) -> StoreResult<Vec<ResponseRow>> {
                if q.survey_ids.is_empty() {
                    return Ok(Vec::new());
                }
                let mut qb = QueryBuilder::<$db>::new(format!("SELECT {RESPONSE_COLUMNS} FROM responses"));
                Self::push_response_filters(&mut qb, q);
                qb.push(" ORDER BY created_at DESC, id LIMIT ").push_bind(q.limit).push(" OFFSET ").push_bind(q.offset);
                let rows = qb.build().fetch_all(&self.pool).await?;
                rows.iter().map(Self::response_from_row).collect()
            }

            #[tracing::instrument(skip(self))]
            async fn daily_band_counts(&self, q: &ResponseQuery) -> StoreResult<Vec<DayCounts>> {
                if q.survey_ids.is_empty() {
                    return Ok(Vec::new());
                }
                let mut qb = QueryBuilder::<$db>::new(format!(
                    "SELECT created_at / {MS_PER_DAY} AS day, \
                     SUM(CASE WHEN score >= 9 THEN 1 ELSE 0 END) AS promoters, \
                     SUM(CASE WHEN score BETWEEN 7 AND 8 THEN 1 ELSE 0 END) AS passives, \
                     SUM(CASE WHEN score <= 6 THEN 1 ELSE 0 END) AS detractors FROM responses"
                ));
                Self::push_response_filters(&mut qb, q);
                qb.push(" GROUP BY 1 ORDER BY 1");
                let rows = qb.build().fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|r| {
                        let count = |c: &str| -> StoreResult<u64> { Ok(r.try_get::<i64, _>(c)?.max(0) as u64) };
                        Ok(DayCounts {
                            day: r.try_get("day")?,
                            counts: BandCounts::new(count("promoters")?, count("passives")?, count("detractors")?),
                        })
                    })
                    .collect()
            }

            #[tracing::instrument(skip(self))]
            async fn segment_counts(&self, q: &ResponseQuery, by: &Dimension) -> StoreResult<Vec<(Option<String>, BandCounts)>> {
                if q.survey_ids.is_empty() {
                    return Ok(Vec::new());
                }
                let mut qb = QueryBuilder::<$db>::new("SELECT ");
                match (by.column(), by) {
                    (Some(column), _) => {
                        qb.push(column);
                    }
                    (None, Dimension::Attribute(key)) => {
                        qb.push(Self::JSON_TEXT.0).push_bind(Self::json_path(key)).push(Self::JSON_TEXT.1);
                    }
                    (None, Dimension::AccountAttribute(key)) => {
                        // A scalar sub-query: inside it `attributes` is the account's.
                        qb.push("(SELECT ").push(Self::JSON_TEXT.0).push_bind(Self::json_path(key)).push(Self::JSON_TEXT.1);
                        qb.push(
                            " FROM accounts acct WHERE acct.project_id = responses.project_id \
                             AND acct.external_id = responses.account_id)",
                        );
                    }
                    (None, _) => return Err(StoreError::Other(anyhow::anyhow!("dimension without a column"))),
                }
                qb.push(
                    " AS segment, SUM(CASE WHEN score >= 9 THEN 1 ELSE 0 END) AS promoters, \
                     SUM(CASE WHEN score BETWEEN 7 AND 8 THEN 1 ELSE 0 END) AS passives, \
                     SUM(CASE WHEN score <= 6 THEN 1 ELSE 0 END) AS detractors FROM responses",
                );
                Self::push_response_filters(&mut qb, q);
                qb.push(" GROUP BY 1 ORDER BY 1");
                let rows = qb.build().fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|r| {
                        let count = |c: &str| -> StoreResult<u64> { Ok(r.try_get::<i64, _>(c)?.max(0) as u64) };
                        Ok((
                            r.try_get::<Option<String>, _>("segment")?,
                            BandCounts::new(count("promoters")?, count("passives")?, count("detractors")?),
                        ))
                    })
                    .collect()
            }

            async fn daily_displays(&self, q: &ResponseQuery) -> StoreResult<Vec<(i64, u64)>> {
                if q.survey_ids.is_empty() {
                    return Ok(Vec::new());
                }
                let mut qb = QueryBuilder::<$db>::new(format!(
                    "SELECT created_at / {MS_PER_DAY} AS day, COUNT(*) AS n FROM displays WHERE survey_id IN ("
                ));
                let mut ids = qb.separated(", ");
                for id in &q.survey_ids {
                    ids.push_bind(*id);
                }
                qb.push(")");
                if let Some(from) = q.from {
                    qb.push(" AND created_at >= ").push_bind(from);
                }
                if let Some(to) = q.to {
                    qb.push(" AND created_at < ").push_bind(to);
                }
                qb.push(" GROUP BY 1 ORDER BY 1");
                let rows = qb.build().fetch_all(&self.pool).await?;
                rows.iter().map(|r| Ok((r.try_get("day")?, r.try_get::<i64, _>("n")?.max(0) as u64))).collect()
            }

            #[tracing::instrument(skip(self))]
            async fn user_history(&self, project_id: i64, user_id: &str, now: i64) -> StoreResult<UserHistory> {
                let mut conn = self.pool.acquire().await?;
                let q = FactsQuery { project_id, survey_id: 0, user_id, at: now, everything: true, with_counts: false };
                Ok(Self::load_facts(&mut conn, &q).await?.history)
            }

            #[tracing::instrument(skip(self, decide), fields(survey = claim.survey_id))]
            async fn decide_and_claim(&self, claim: &DisplayClaim, decide: DecideFn<'_>) -> StoreResult<Decision> {
                // Most decisions say no (cooldowns, sampling); those only read, without the lock,
                // in parallel. A yes is taken again under the per-user lock before it claims a
                // display, so two concurrent yeses cannot both stand (double-checked).
                let optimistic = {
                    let mut conn = self.pool.acquire().await?;
                    let facts = Self::load_facts(&mut conn, &FactsQuery::of(claim)).await?;
                    decide(&facts)
                };
                if !optimistic.eligible {
                    return Ok(optimistic);
                }
                let mut tx = self.begin_user_transaction(claim.project_id, &claim.user_id).await?;
                let facts = Self::load_facts(&mut tx, &FactsQuery::of(claim)).await?;
                let decision = decide(&facts);
                if decision.eligible {
                    Self::claim_display(&mut tx, claim, &decision).await?;
                }
                tx.commit().await?;
                Ok(decision)
            }

            async fn decision_facts(&self, project_id: i64, survey_id: i64, user_id: &str, at: i64) -> StoreResult<DecisionFacts> {
                let mut conn = self.pool.acquire().await?;
                let q = FactsQuery { project_id, survey_id, user_id, at, everything: false, with_counts: true };
                Self::load_facts(&mut conn, &q).await
            }

            async fn decisions(&self, survey_id: i64, user_id: &str, from: i64, to: i64) -> StoreResult<Vec<DecisionRecord>> {
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
                        Ok(DecisionRecord {
                            survey_id: r.try_get("survey_id")?,
                            user_id: r.try_get("user_id")?,
                            eligible: r.try_get("eligible")?,
                            rule: r.try_get("rule")?,
                            detail: r.try_get("detail")?,
                            retry_after: r.try_get("retry_after")?,
                            sampling_rate_bp: u32::try_from(r.try_get::<i64, _>("sampling_rate_bp")?).unwrap_or(0),
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
                            rule: r.try_get("rule")?,
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
