//! Storage for accounts and churn: business data per account, what users did with surveys
//! after answering (for silent detractors), and the action log. One SQL text for both
//! backends, instantiated by [`impl_account_store!`] in `sqlite.rs` and `postgres.rs`.

use super::StoreResult;
use async_trait::async_trait;
use nps_core::actions::{Action, ActionInput};
use nps_core::churn::Engagement;
use nps_core::wire::ClientId;

/// What the business knows about one account. `None` is unknown (and, in an import, "leave
/// the stored value as it is").
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BusinessRecord {
    pub account_id: String,
    pub mrr_cents: Option<i64>,
    pub arr_cents: Option<i64>,
    /// Unix ms of the renewal day's midnight (UTC).
    pub renewal_at: Option<i64>,
    pub churned: Option<bool>,
    pub churn_at: Option<i64>,
    pub plan: Option<String>,
    pub owner: Option<String>,
    pub updated_at: i64,
}

/// A project's business records as one JSON array of arrays (fields in [`BusinessRecord`]'s
/// order): the account reports read all of them per request, and 20,000 rows read one by one
/// cost 45 ms in `bench-accounts`, against 12 ms for the array and its parsing.
pub(crate) fn business_json_sql(dialect: super::sql::Dialect) -> &'static str {
    match dialect {
        super::sql::Dialect::Sqlite => {
            "SELECT json_group_array(json_array(account_id, mrr_cents, arr_cents, renewal_at, churned, churn_at, plan, owner, updated_at)) \
             FROM account_business WHERE project_id = $1"
        }
        super::sql::Dialect::Postgres => {
            "SELECT CAST(json_agg(json_build_array(account_id, mrr_cents, arr_cents, renewal_at, churned, churn_at, plan, owner, updated_at)) AS TEXT) \
             FROM account_business WHERE project_id = $1"
        }
    }
}

/// Reads [`business_json_sql`]'s array, in account order.
pub(crate) fn business_from_json(json: &str) -> StoreResult<Vec<BusinessRecord>> {
    type Fields = (String, Option<i64>, Option<i64>, Option<i64>, Option<Flag>, Option<i64>, Option<String>, Option<String>, i64);
    let rows: Vec<Fields> = serde_json::from_str(json).map_err(|e| super::StoreError::Corrupt(format!("business records: {e}")))?;
    let mut records: Vec<BusinessRecord> = rows
        .into_iter()
        .map(|(account_id, mrr_cents, arr_cents, renewal_at, churned, churn_at, plan, owner, updated_at)| BusinessRecord {
            account_id,
            mrr_cents,
            arr_cents,
            renewal_at,
            churned: churned.map(|f| f.0),
            churn_at,
            plan,
            owner,
            updated_at,
        })
        .collect();
    records.sort_unstable_by(|a, b| a.account_id.cmp(&b.account_id));
    Ok(records)
}

/// A boolean as either backend writes it in JSON: `true`/`false` (PostgreSQL) or `1`/`0`
/// (SQLite, which stores booleans as integers).
struct Flag(bool);

impl<'de> serde::Deserialize<'de> for Flag {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Flag;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a boolean, 0 or 1")
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Flag, E> {
                Ok(Flag(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Flag, E> {
                match v {
                    0 | 1 => Ok(Flag(v == 1)),
                    _ => Err(E::invalid_value(serde::de::Unexpected::Unsigned(v), &self)),
                }
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Adds or updates records by account id, all or none. A field left out (`None`) keeps its
    /// stored value; `churned = Some(false)` also clears the churn date.
    async fn upsert_business(&self, project_id: i64, records: &[BusinessRecord], now: i64) -> StoreResult<()>;
    async fn list_business(&self, project_id: i64) -> StoreResult<Vec<BusinessRecord>>;
    /// Displays and declines of these surveys, and opt-outs, of these users after `since`.
    async fn engagement(&self, project_id: i64, survey_ids: &[i64], user_ids: &[String], since: i64) -> StoreResult<Vec<Engagement>>;
    /// The ids among `ids` that are not answers to one of these surveys.
    async fn unknown_responses(&self, survey_ids: &[i64], ids: &[ClientId]) -> StoreResult<Vec<ClientId>>;

    async fn create_action(&self, input: &ActionInput, author: &str, now: i64) -> StoreResult<Action>;
    async fn get_action(&self, id: i64) -> StoreResult<Option<Action>>;
    async fn update_action(&self, id: i64, input: &ActionInput, now: i64) -> StoreResult<Option<Action>>;
    async fn delete_action(&self, id: i64) -> StoreResult<bool>;
    /// The project's actions decided in `[from, to)`, oldest first.
    async fn list_actions(&self, project_id: i64, from: Option<i64>, to: Option<i64>) -> StoreResult<Vec<Action>>;
}

pub(crate) const ACTION_COLUMNS: &str =
    "id, project_id, survey_id, title, decision, decided_at, owner, themes, response_ids, created_by, created_at, updated_at";

/// Rows or ids per statement, far below both backends' bind limits.
pub(crate) const ACCOUNT_ROWS_PER_STATEMENT: usize = 500;

macro_rules! impl_account_store {
    ($store:ident, $db:ty, $row:ty) => {
        // An anonymous scope, so these imports cannot clash with those of other store macros.
        const _: () = {
            use crate::store::accounts::{ACCOUNT_ROWS_PER_STATEMENT, ACTION_COLUMNS, AccountStore, BusinessRecord};
            use crate::store::{StoreError, StoreResult};
            use nps_core::actions::{Action, ActionInput};
            use nps_core::churn::{Engagement, EngagementKind};
            use sqlx::{AssertSqlSafe, QueryBuilder, Row as _};

            type Query<'q> = sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments>;

            /// Binds an action's eight fields, in the order both the insert and the update name
            /// them (project, survey, title, decision, decided at, owner, themes, answers).
            fn bind_action<'q>(query: Query<'q>, input: &'q ActionInput) -> StoreResult<Query<'q>> {
                Ok(query
                    .bind(input.project_id)
                    .bind(input.survey_id)
                    .bind(input.title.as_str())
                    .bind(input.decision.as_str())
                    .bind(input.decided_at)
                    .bind(input.owner.as_deref())
                    .bind(serde_json::to_string(&input.themes)?)
                    .bind(serde_json::to_string(&input.response_ids)?))
            }

            fn action_from_row(row: &$row) -> StoreResult<Action> {
                Ok(Action {
                    id: row.try_get("id")?,
                    input: ActionInput {
                        project_id: row.try_get("project_id")?,
                        survey_id: row.try_get("survey_id")?,
                        title: crate::store::typed("title", row.try_get("title")?)?,
                        decision: crate::store::typed("decision", row.try_get("decision")?)?,
                        decided_at: row.try_get("decided_at")?,
                        owner: crate::store::typed_opt("owner", row.try_get("owner")?)?,
                        themes: serde_json::from_str(&row.try_get::<String, _>("themes")?)?,
                        response_ids: serde_json::from_str(&row.try_get::<String, _>("response_ids")?)?,
                    },
                    created_by: row.try_get("created_by")?,
                    created_at: row.try_get("created_at")?,
                    updated_at: row.try_get("updated_at")?,
                })
            }

            fn engagement_kind(kind: &str) -> StoreResult<EngagementKind> {
                match kind {
                    "shown" => Ok(EngagementKind::Shown),
                    "decline" => Ok(EngagementKind::Declined),
                    "opt_out" => Ok(EngagementKind::OptedOut),
                    other => Err(StoreError::Corrupt(format!("engagement kind {other}"))),
                }
            }

            /// `(v1, v2, ...)`, each value bound.
            fn push_ids<T>(qb: &mut QueryBuilder<$db>, ids: &[T])
            where
                T: Clone + for<'t> sqlx::Encode<'t, $db> + sqlx::Type<$db>,
            {
                qb.push("(");
                let mut list = qb.separated(", ");
                for id in ids {
                    list.push_bind(id.clone());
                }
                qb.push(")");
            }

            #[async_trait::async_trait]
            impl AccountStore for $store {
                #[tracing::instrument(skip_all, fields(project_id, records = records.len()))]
                async fn upsert_business(&self, project_id: i64, records: &[BusinessRecord], now: i64) -> StoreResult<()> {
                    let mut tx = self.pool.begin().await?;
                    for chunk in records.chunks(ACCOUNT_ROWS_PER_STATEMENT) {
                        let mut qb = QueryBuilder::<$db>::new(
                            "INSERT INTO account_business (project_id, account_id, mrr_cents, arr_cents, renewal_at, churned, \
                             churn_at, plan, owner, updated_at) ",
                        );
                        qb.push_values(chunk, |mut b, r| {
                            b.push_bind(project_id)
                                .push_bind(&r.account_id)
                                .push_bind(r.mrr_cents)
                                .push_bind(r.arr_cents)
                                .push_bind(r.renewal_at)
                                .push_bind(r.churned)
                                .push_bind(r.churn_at)
                                .push_bind(&r.plan)
                                .push_bind(&r.owner)
                                .push_bind(now);
                        });
                        // Partial updates: what an import leaves out keeps its stored value.
                        qb.push(
                            " ON CONFLICT (project_id, account_id) DO UPDATE SET \
                             mrr_cents = COALESCE(excluded.mrr_cents, account_business.mrr_cents), \
                             arr_cents = COALESCE(excluded.arr_cents, account_business.arr_cents), \
                             renewal_at = COALESCE(excluded.renewal_at, account_business.renewal_at), \
                             churned = COALESCE(excluded.churned, account_business.churned), \
                             churn_at = CASE WHEN excluded.churned = FALSE THEN NULL \
                               ELSE COALESCE(excluded.churn_at, account_business.churn_at) END, \
                             plan = COALESCE(excluded.plan, account_business.plan), \
                             owner = COALESCE(excluded.owner, account_business.owner), \
                             updated_at = excluded.updated_at",
                        );
                        qb.build().execute(&mut *tx).await?;
                    }
                    tx.commit().await?;
                    Ok(())
                }

                async fn list_business(&self, project_id: i64) -> StoreResult<Vec<BusinessRecord>> {
                    let json: Option<String> = sqlx::query_scalar(crate::store::accounts::business_json_sql(Self::DIALECT))
                        .bind(project_id)
                        .fetch_one(&self.pool)
                        .await?;
                    crate::store::accounts::business_from_json(json.as_deref().unwrap_or("[]"))
                }

                #[tracing::instrument(skip_all, fields(project_id, users = user_ids.len()))]
                async fn engagement(&self, project_id: i64, survey_ids: &[i64], user_ids: &[String], since: i64) -> StoreResult<Vec<Engagement>> {
                    let mut out = Vec::new();
                    if survey_ids.is_empty() {
                        return Ok(out);
                    }
                    for users in user_ids.chunks(ACCOUNT_ROWS_PER_STATEMENT) {
                        let mut qb = QueryBuilder::<$db>::new("SELECT user_id, 'shown' AS kind, created_at FROM displays WHERE project_id = ");
                        qb.push_bind(project_id).push(" AND created_at > ").push_bind(since).push(" AND survey_id IN ");
                        push_ids(&mut qb, survey_ids);
                        qb.push(" AND user_id IN ");
                        push_ids(&mut qb, users);
                        qb.push(" UNION ALL SELECT user_id, kind, created_at FROM feedback WHERE project_id = ");
                        qb.push_bind(project_id).push(" AND created_at > ").push_bind(since);
                        qb.push(" AND (kind = 'opt_out' OR (kind = 'decline' AND survey_id IN ");
                        push_ids(&mut qb, survey_ids);
                        qb.push(")) AND user_id IN ");
                        push_ids(&mut qb, users);
                        for row in qb.build().fetch_all(&self.pool).await? {
                            out.push(Engagement {
                                user_id: row.try_get("user_id")?,
                                kind: engagement_kind(&row.try_get::<String, _>("kind")?)?,
                                at: row.try_get("created_at")?,
                            });
                        }
                    }
                    Ok(out)
                }

                async fn unknown_responses(&self, survey_ids: &[i64], ids: &[nps_core::wire::ClientId]) -> StoreResult<Vec<nps_core::wire::ClientId>> {
                    let mut known = std::collections::BTreeSet::new();
                    if survey_ids.is_empty() {
                        return Ok(ids.to_vec());
                    }
                    for chunk in ids.chunks(ACCOUNT_ROWS_PER_STATEMENT) {
                        let mut qb = QueryBuilder::<$db>::new("SELECT id FROM responses WHERE survey_id IN ");
                        push_ids(&mut qb, survey_ids);
                        qb.push(" AND id IN ");
                        push_ids(&mut qb, &chunk.iter().map(nps_core::wire::ClientId::as_str).collect::<Vec<_>>());
                        for row in qb.build().fetch_all(&self.pool).await? {
                            known.insert(row.try_get::<String, _>("id")?);
                        }
                    }
                    Ok(ids.iter().filter(|id| !known.contains(id.as_str())).cloned().collect())
                }

                #[tracing::instrument(skip(self, input), fields(project_id = input.project_id))]
                async fn create_action(&self, input: &ActionInput, author: &str, now: i64) -> StoreResult<Action> {
                    let insert = sqlx::query(
                        "INSERT INTO nps_actions (project_id, survey_id, title, decision, decided_at, owner, themes, response_ids, \
                         created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
                    );
                    let row = bind_action(insert, input)?
                        .bind(author)
                        .bind(now)
                        .fetch_one(&self.pool)
                        .await?;
                    let id: i64 = row.try_get("id")?;
                    self.get_action(id).await?.ok_or_else(|| StoreError::Corrupt("action vanished after insert".into()))
                }

                async fn get_action(&self, id: i64) -> StoreResult<Option<Action>> {
                    let sql = format!("SELECT {ACTION_COLUMNS} FROM nps_actions WHERE id = $1");
                    let row = sqlx::query(AssertSqlSafe(sql)).bind(id).fetch_optional(&self.pool).await?;
                    row.as_ref().map(action_from_row).transpose()
                }

                #[tracing::instrument(skip(self, input))]
                async fn update_action(&self, id: i64, input: &ActionInput, now: i64) -> StoreResult<Option<Action>> {
                    let update = sqlx::query(
                        "UPDATE nps_actions SET project_id = $1, survey_id = $2, title = $3, decision = $4, decided_at = $5, \
                         owner = $6, themes = $7, response_ids = $8, updated_at = $9 WHERE id = $10",
                    );
                    let changed = bind_action(update, input)?
                        .bind(now)
                        .bind(id)
                        .execute(&self.pool)
                        .await?;
                    if changed.rows_affected() == 0 {
                        return Ok(None);
                    }
                    self.get_action(id).await
                }

                async fn delete_action(&self, id: i64) -> StoreResult<bool> {
                    let deleted = sqlx::query("DELETE FROM nps_actions WHERE id = $1").bind(id).execute(&self.pool).await?;
                    Ok(deleted.rows_affected() > 0)
                }

                async fn list_actions(&self, project_id: i64, from: Option<i64>, to: Option<i64>) -> StoreResult<Vec<Action>> {
                    let mut qb = QueryBuilder::<$db>::new(format!("SELECT {ACTION_COLUMNS} FROM nps_actions WHERE project_id = "));
                    qb.push_bind(project_id);
                    if let Some(from) = from {
                        qb.push(" AND decided_at >= ").push_bind(from);
                    }
                    if let Some(to) = to {
                        qb.push(" AND decided_at < ").push_bind(to);
                    }
                    qb.push(" ORDER BY decided_at, id");
                    let rows = qb.build().fetch_all(&self.pool).await?;
                    rows.iter().map(action_from_row).collect()
                }
            }
        };
    };
}
