//! Report rollups: answers counted per survey, UTC day, dimension and value, one counter per
//! score 0..=10. The overall total (dimension `''`) is kept for every survey; a project
//! declares the segment dimensions worth keeping (`attr:plan`, `role`, ...), and declaring one
//! backfills it from the raw rows.
//!
//! The drainer adds the answers that got their score in the very transaction that stored them
//! (`RETURNING id` of the score upsert), after the attribute snapshot of that transaction, so a
//! replayed batch adds nothing and every counted answer is counted with the values a raw scan
//! would read. A stored score never changes and answers are never deleted, so rollups only grow.

use super::{DayCounts, ResponseQuery, StoreResult};
use async_trait::async_trait;
use nps_core::BandCounts;
use nps_core::wire::Attributes;

/// The columns a [`ScoredAnswer`] is read from (a score upsert's `RETURNING`, or a read by id).
pub(crate) const SCORED_ANSWER_COLUMNS: &str = "id, project_id, survey_id, user_id, account_id, account_role, score, created_at";

/// An answer that got its score in the current transaction, as stored: what the rollups and
/// the account aggregates add.
pub(crate) struct ScoredAnswer {
    pub project_id: i64,
    pub answer: nps_core::churn::Answer,
}

/// Answers counted per (survey, UTC day), one counter per score 0..=10: the overall rollups'
/// cells, as `created_at / MS_PER_DAY` and `SUM(CASE WHEN score = k ...)` count them in SQL.
pub(crate) fn overall_cells(answers: &[ScoredAnswer]) -> Vec<((i64, i64), [i64; 11])> {
    let mut cells: std::collections::BTreeMap<(i64, i64), [i64; 11]> = Default::default();
    for a in answers {
        let day = a.answer.at / super::sql::MS_PER_DAY;
        cells.entry((a.answer.survey_id, day)).or_default()[usize::from(a.answer.score.value())] += 1;
    }
    cells.into_iter().collect()
}

/// A dimension a project can keep rollups of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RollupDimension {
    /// A user attribute as it was when the answer arrived.
    Attribute(String),
    Role,
    Language,
    Device,
    Trigger,
}

impl RollupDimension {
    /// `attr:<key>`, `role`, `language`, `device` or `trigger` (the names segment reports use).
    pub fn parse(s: &str) -> Option<Self> {
        match super::Dimension::parse(s)? {
            super::Dimension::Attribute(key) => Some(Self::Attribute(key)),
            super::Dimension::Role => Some(Self::Role),
            super::Dimension::Language => Some(Self::Language),
            super::Dimension::Device => Some(Self::Device),
            super::Dimension::Trigger => Some(Self::Trigger),
            super::Dimension::Account | super::Dimension::Survey | super::Dimension::AccountAttribute(_) => None,
        }
    }

    pub fn key(&self) -> String {
        match self {
            Self::Attribute(k) => format!("attr:{k}"),
            Self::Role => "role".into(),
            Self::Language => "language".into(),
            Self::Device => "device".into(),
            Self::Trigger => "trigger".into(),
        }
    }

    /// The column holding the value (attributes are read per backend).
    pub(crate) fn column(&self) -> Option<&'static str> {
        match self {
            Self::Role => Some("account_role"),
            Self::Language => Some("language"),
            Self::Device => Some("device"),
            Self::Trigger => Some("trigger_name"),
            Self::Attribute(_) => None,
        }
    }
}

/// Whose answers a read covers, per project (user ids are unique inside a project only).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum UserScope {
    #[default]
    All,
    /// Leave these users' answers out (internal / test users).
    Excluding(Vec<(i64, Vec<String>)>),
    /// Only these users' answers.
    Only(Vec<(i64, Vec<String>)>),
}

/// What internal-user rules look at: the user's current profile.
#[derive(Debug, Clone)]
pub struct UserProfile {
    pub user_id: String,
    pub attributes: Attributes,
    pub account_attributes: Option<Attributes>,
    pub role: Option<String>,
    pub language: Option<String>,
}

#[async_trait]
pub trait RollupStore: Send + Sync {
    /// Declares a dimension and backfills its rollups from the raw rows, atomically with
    /// respect to the drainer. `false` when it was declared already (nothing done).
    async fn declare_dimension(&self, project_id: i64, dimension: &RollupDimension, now: i64) -> StoreResult<bool>;
    /// Forgets a dimension and its rollups. `false` when it was not declared.
    async fn drop_dimension(&self, project_id: i64, dimension: &RollupDimension) -> StoreResult<bool>;
    async fn declared_dimensions(&self, project_id: i64) -> StoreResult<Vec<String>>;
    /// Whether the projects of all these surveys declared the dimension.
    async fn dimension_declared_for(&self, survey_ids: &[i64], dimension: &RollupDimension) -> StoreResult<bool>;
    /// Daily counts from the overall rollups. Reads only `survey_ids` and whole days of
    /// `from`/`to` (the caller checks the query allows it).
    async fn rollup_daily(&self, q: &ResponseQuery) -> StoreResult<Vec<DayCounts>>;
    /// Counts per value (`None` = missing), ordered like the raw segment read. `None` as the
    /// dimension breaks down by survey from the overall rollups.
    async fn rollup_segments(&self, q: &ResponseQuery, dimension: Option<&RollupDimension>) -> StoreResult<Vec<(Option<String>, BandCounts)>>;
    /// Every user of the project with the attributes internal-user rules read.
    async fn user_profiles(&self, project_id: i64) -> StoreResult<Vec<UserProfile>>;
}

/// `SUM(s9 + s10) AS promoters, ...` over rollup rows.
pub(crate) const BAND_SUMS: &str = "CAST(SUM(s9 + s10) AS BIGINT) AS promoters, CAST(SUM(s7 + s8) AS BIGINT) AS passives, \
     CAST(SUM(s0 + s1 + s2 + s3 + s4 + s5 + s6) AS BIGINT) AS detractors";

/// One `SUM(CASE WHEN score = k ...)` per score, in column order s0..s10.
pub(crate) fn score_sums() -> String {
    signed_score_sums("")
}

/// The eleven per-score counts with `sign` before each (`"-"` takes answers out of the rollups).
pub(crate) fn signed_score_sums(sign: &str) -> String {
    (0..=10).map(|k| format!("{sign}SUM(CASE WHEN score = {k} THEN 1 ELSE 0 END)")).collect::<Vec<_>>().join(", ")
}

pub(crate) fn score_columns() -> String {
    (0..=10).map(|k| format!("s{k}")).collect::<Vec<_>>().join(", ")
}

/// A rollup upsert's conflict clause: the counts are added to the cell's.
pub(crate) fn rollup_conflict() -> String {
    let increments = (0..=10).map(|k| format!("s{k} = report_rollups.s{k} + excluded.s{k}")).collect::<Vec<_>>().join(", ");
    format!(" ON CONFLICT (survey_id, dimension, day, present, value) DO UPDATE SET {increments}")
}

/// `[from, to)` as whole days, when both bounds (if any) fall on UTC midnight.
pub fn whole_days(q: &ResponseQuery) -> Option<(Option<i64>, Option<i64>)> {
    const DAY: i64 = super::sql::MS_PER_DAY;
    let aligned = |t: Option<i64>| t.is_none_or(|t| t.rem_euclid(DAY) == 0);
    (aligned(q.from) && aligned(q.to)).then(|| (q.from.map(|t| t / DAY), q.to.map(|t| t / DAY)))
}

macro_rules! impl_rollup_store {
    ($store:ident, $db:ty, $row:ty) => {
        impl $store {
            /// `INSERT INTO report_rollups ... SELECT ... FROM responses WHERE` for one dimension
            /// (`None` = overall); the caller appends the row filter and then calls
            /// [`Self::finish_rollup_insert`].
            fn start_rollup_insert(qb: &mut sqlx::QueryBuilder<$db>, dimension: Option<&crate::store::rollups::RollupDimension>) {
                Self::start_rollup_upsert(qb, dimension, &crate::store::rollups::score_sums());
            }

            /// [`Self::start_rollup_insert`] with the per-score counts given as `sums` (the
            /// erasure passes them negated, to take answers out again).
            fn start_rollup_upsert(qb: &mut sqlx::QueryBuilder<$db>, dimension: Option<&crate::store::rollups::RollupDimension>, sums: &str) {
                use crate::store::rollups::score_columns;
                qb.push(format!(
                    "INSERT INTO report_rollups (survey_id, dimension, day, present, value, {}) SELECT survey_id, ",
                    score_columns()
                ));
                qb.push_bind(dimension.map(|d| d.key()).unwrap_or_default());
                qb.push(format!(", created_at / {} AS day, ", crate::store::sql::MS_PER_DAY));
                let value = |qb: &mut sqlx::QueryBuilder<$db>| match dimension {
                    None => {
                        qb.push("''");
                    }
                    Some(crate::store::rollups::RollupDimension::Attribute(key)) => {
                        qb.push(Self::JSON_TEXT.0).push_bind(Self::json_path(key)).push(Self::JSON_TEXT.1);
                    }
                    Some(d) => {
                        qb.push(d.column().unwrap_or("NULL"));
                    }
                };
                qb.push("(");
                value(qb);
                qb.push(") IS NOT NULL AS present, COALESCE(");
                value(qb);
                qb.push(format!(", '') AS value, {sums} FROM responses WHERE score IS NOT NULL AND "));
            }

            fn finish_rollup_insert(qb: &mut sqlx::QueryBuilder<$db>) {
                qb.push(" GROUP BY survey_id, day, present, value");
                qb.push(crate::store::rollups::rollup_conflict());
            }

            /// Adds answers that got their score in the current transaction, read back by id,
            /// to the rollups (see [`Self::rollup_scored_answers`]).
            async fn rollup_new_answers(
                conn: &mut <$db as sqlx::Database>::Connection,
                ids: &[String],
            ) -> crate::store::StoreResult<()> {
                let mut answers = Vec::new();
                for chunk in ids.chunks(crate::store::sql::ROWS_PER_STATEMENT) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(format!(
                        "SELECT {} FROM responses WHERE score IS NOT NULL AND id IN ",
                        crate::store::rollups::SCORED_ANSWER_COLUMNS
                    ));
                    Self::push_values(&mut qb, chunk);
                    for row in qb.build().persistent(crate::store::sql::PLANNED_EACH_TIME).fetch_all(&mut *conn).await? {
                        answers.push(Self::scored_answer_of_row(&row)?);
                    }
                }
                Self::rollup_scored_answers(conn, &answers).await
            }

            /// Adds answers that got their score in the current transaction, as stored (after
            /// their attribute snapshot), to the overall rollups, to every dimension their
            /// project declared and to the account aggregates.
            async fn rollup_scored_answers(
                conn: &mut <$db as sqlx::Database>::Connection,
                answers: &[crate::store::rollups::ScoredAnswer],
            ) -> crate::store::StoreResult<()> {
                if answers.is_empty() {
                    return Ok(());
                }
                Self::add_overall_rollups(conn, answers).await?;
                Self::add_declared_rollups(conn, answers).await?;
                Self::account_rollup_new_answers(conn, answers).await
            }

            /// The overall rollups (dimension `''`) need no column but the score and the day,
            /// so they are counted here rather than read back from the rows just written.
            async fn add_overall_rollups(
                conn: &mut <$db as sqlx::Database>::Connection,
                answers: &[crate::store::rollups::ScoredAnswer],
            ) -> crate::store::StoreResult<()> {
                let cells = crate::store::rollups::overall_cells(answers);
                for chunk in cells.chunks(crate::store::sql::ROWS_PER_STATEMENT) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(format!(
                        "INSERT INTO report_rollups (survey_id, dimension, day, present, value, {}) ",
                        crate::store::rollups::score_columns()
                    ));
                    qb.push_values(chunk, |mut b, ((survey_id, day), counts)| {
                        b.push_bind(*survey_id).push_bind("").push_bind(*day).push_bind(true).push_bind("");
                        for count in counts {
                            b.push_bind(*count);
                        }
                    });
                    qb.push(crate::store::rollups::rollup_conflict());
                    qb.build().execute(&mut *conn).await?;
                }
                Ok(())
            }

            /// The declared dimensions, read from the stored rows (an attribute's value is what
            /// the backend's JSON reads, as in a raw segment read).
            async fn add_declared_rollups(
                conn: &mut <$db as sqlx::Database>::Connection,
                answers: &[crate::store::rollups::ScoredAnswer],
            ) -> crate::store::StoreResult<()> {
                use sqlx::Row;
                let mut by_project: std::collections::BTreeMap<i64, Vec<String>> = Default::default();
                for a in answers {
                    by_project.entry(a.project_id).or_default().push(a.answer.response_id.clone());
                }
                let projects: Vec<i64> = by_project.keys().copied().collect();
                let mut qb = sqlx::QueryBuilder::<$db>::new("SELECT project_id, dimension FROM report_dimensions WHERE project_id IN ");
                Self::push_values(&mut qb, &projects);
                qb.push(" ORDER BY project_id, dimension");
                let declared = qb.build().persistent(crate::store::sql::PLANNED_EACH_TIME).fetch_all(&mut *conn).await?;
                for row in &declared {
                    let project_id: i64 = row.try_get("project_id")?;
                    let key: String = row.try_get("dimension")?;
                    let Some(dimension) = crate::store::rollups::RollupDimension::parse(&key) else { continue };
                    let ids = by_project.get(&project_id).map(Vec::as_slice).unwrap_or_default();
                    for chunk in ids.chunks(crate::store::sql::ROWS_PER_STATEMENT) {
                        let mut qb = sqlx::QueryBuilder::<$db>::new("");
                        Self::start_rollup_insert(&mut qb, Some(&dimension));
                        qb.push("project_id = ").push_bind(project_id).push(" AND id IN ");
                        Self::push_values(&mut qb, chunk);
                        Self::finish_rollup_insert(&mut qb);
                        qb.build().persistent(crate::store::sql::PLANNED_EACH_TIME).execute(&mut *conn).await?;
                    }
                }
                Ok(())
            }

            /// `survey_id IN (...)` and whole days of the query, for a rollup read.
            fn push_rollup_scope(qb: &mut sqlx::QueryBuilder<$db>, q: &crate::store::ResponseQuery) {
                qb.push(" AND survey_id IN (");
                let mut ids = qb.separated(", ");
                for id in &q.survey_ids {
                    ids.push_bind(*id);
                }
                qb.push(")");
                let (from, to) = crate::store::rollups::whole_days(q).unwrap_or((None, None));
                if let Some(from) = from {
                    qb.push(" AND day >= ").push_bind(from);
                }
                if let Some(to) = to {
                    qb.push(" AND day < ").push_bind(to);
                }
            }

            fn band_counts_of(r: &$row) -> crate::store::StoreResult<nps_core::BandCounts> {
                use sqlx::Row;
                let count = |c: &str| -> crate::store::StoreResult<u64> { Ok(r.try_get::<Option<i64>, _>(c)?.unwrap_or(0).max(0) as u64) };
                Ok(nps_core::BandCounts::new(count("promoters")?, count("passives")?, count("detractors")?))
            }
        }

        #[async_trait::async_trait]
        impl crate::store::rollups::RollupStore for $store {
            #[tracing::instrument(skip(self))]
            async fn declare_dimension(
                &self,
                project_id: i64,
                dimension: &crate::store::rollups::RollupDimension,
                now: i64,
            ) -> crate::store::StoreResult<bool> {
                // The backfill must see every answer the drainer stores without it, and the
                // drainer must see the declaration for every answer the backfill misses:
                // SQLite has one writer (BEGIN IMMEDIATE); PostgreSQL takes a SHARE lock on
                // responses, which waits for storing transactions and holds off new ones.
                let mut tx = self.begin_holding_response_writes().await?;
                let inserted = sqlx::query(
                    "INSERT INTO report_dimensions (project_id, dimension, created_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (project_id, dimension) DO NOTHING",
                )
                .bind(project_id)
                .bind(dimension.key())
                .bind(now)
                .execute(&mut *tx)
                .await?;
                if inserted.rows_affected() == 0 {
                    return Ok(false);
                }
                // Rows a drain racing an earlier drop may have left: the backfill is the whole truth.
                sqlx::query("DELETE FROM report_rollups WHERE dimension = $1 AND survey_id IN (SELECT id FROM surveys WHERE project_id = $2)")
                    .bind(dimension.key())
                    .bind(project_id)
                    .execute(&mut *tx)
                    .await?;
                let mut qb = sqlx::QueryBuilder::<$db>::new("");
                Self::start_rollup_insert(&mut qb, Some(dimension));
                qb.push("project_id = ").push_bind(project_id);
                Self::finish_rollup_insert(&mut qb);
                qb.build().execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn drop_dimension(&self, project_id: i64, dimension: &crate::store::rollups::RollupDimension) -> crate::store::StoreResult<bool> {
                let mut tx = self.pool.begin().await?;
                let deleted = sqlx::query("DELETE FROM report_dimensions WHERE project_id = $1 AND dimension = $2")
                    .bind(project_id)
                    .bind(dimension.key())
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM report_rollups WHERE dimension = $1 AND survey_id IN (SELECT id FROM surveys WHERE project_id = $2)")
                    .bind(dimension.key())
                    .bind(project_id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(deleted.rows_affected() > 0)
            }

            async fn declared_dimensions(&self, project_id: i64) -> crate::store::StoreResult<Vec<String>> {
                use sqlx::Row;
                let rows = sqlx::query("SELECT dimension FROM report_dimensions WHERE project_id = $1 ORDER BY dimension")
                    .bind(project_id)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(|r| Ok(r.try_get("dimension")?)).collect()
            }

            async fn dimension_declared_for(&self, survey_ids: &[i64], dimension: &crate::store::rollups::RollupDimension) -> crate::store::StoreResult<bool> {
                use sqlx::Row;
                if survey_ids.is_empty() {
                    return Ok(true);
                }
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "SELECT COUNT(*) AS n FROM surveys s JOIN report_dimensions d ON d.project_id = s.project_id WHERE d.dimension = ",
                );
                qb.push_bind(dimension.key()).push(" AND s.id IN (");
                let mut ids = qb.separated(", ");
                let mut unique = survey_ids.to_vec();
                unique.sort_unstable();
                unique.dedup();
                for id in &unique {
                    ids.push_bind(*id);
                }
                qb.push(")");
                let row = qb.build().fetch_one(&self.pool).await?;
                Ok(row.try_get::<i64, _>("n")? == unique.len() as i64)
            }

            #[tracing::instrument(skip(self))]
            async fn rollup_daily(&self, q: &crate::store::ResponseQuery) -> crate::store::StoreResult<Vec<crate::store::DayCounts>> {
                use sqlx::Row;
                if q.survey_ids.is_empty() {
                    return Ok(Vec::new());
                }
                let mut qb = sqlx::QueryBuilder::<$db>::new(format!(
                    "SELECT day, {} FROM report_rollups WHERE dimension = ''",
                    crate::store::rollups::BAND_SUMS
                ));
                Self::push_rollup_scope(&mut qb, q);
                qb.push(" GROUP BY day ORDER BY day");
                let rows = qb.build().fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|r| Ok(crate::store::DayCounts { day: r.try_get("day")?, counts: Self::band_counts_of(r)? }))
                    .collect()
            }

            #[tracing::instrument(skip(self))]
            async fn rollup_segments(
                &self,
                q: &crate::store::ResponseQuery,
                dimension: Option<&crate::store::rollups::RollupDimension>,
            ) -> crate::store::StoreResult<Vec<(Option<String>, nps_core::BandCounts)>> {
                use sqlx::Row;
                if q.survey_ids.is_empty() {
                    return Ok(Vec::new());
                }
                // The same segment expression and ordering as the raw read, so both list the
                // segments in the same order (NULL placement and collation are the backend's).
                let segment = if dimension.is_some() { "CASE WHEN present THEN value END" } else { "CAST(survey_id AS TEXT)" };
                let mut qb = sqlx::QueryBuilder::<$db>::new(format!(
                    "SELECT {segment} AS segment, {} FROM report_rollups WHERE dimension = ",
                    crate::store::rollups::BAND_SUMS
                ));
                qb.push_bind(dimension.map(|d| d.key()).unwrap_or_default());
                Self::push_rollup_scope(&mut qb, q);
                qb.push(" GROUP BY 1 ORDER BY 1");
                let rows = qb.build().fetch_all(&self.pool).await?;
                rows.iter().map(|r| Ok((r.try_get::<Option<String>, _>("segment")?, Self::band_counts_of(r)?))).collect()
            }

            async fn user_profiles(&self, project_id: i64) -> crate::store::StoreResult<Vec<crate::store::rollups::UserProfile>> {
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT u.external_id, u.attributes, u.account_role, u.language, a.attributes AS account_attributes \
                     FROM app_users u LEFT JOIN accounts a ON a.project_id = u.project_id AND a.external_id = u.account_id \
                     WHERE u.project_id = $1",
                )
                .bind(project_id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        let account: Option<String> = r.try_get("account_attributes")?;
                        Ok(crate::store::rollups::UserProfile {
                            user_id: r.try_get("external_id")?,
                            attributes: crate::store::sql::json_map(r.try_get("attributes")?)?,
                            account_attributes: account.map(|a| crate::store::sql::json_map(Some(a))).transpose()?,
                            role: r.try_get("account_role")?,
                            language: r.try_get("language")?,
                        })
                    })
                    .collect()
            }
        }
    };
}
