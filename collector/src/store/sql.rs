//! The SQL both backends share, written once and instantiated per backend by
//! [`impl_sql_store!`]. Placeholders are `$1, $2, ...` in order of first use, which SQLite and
//! PostgreSQL both accept; every write is an idempotent upsert keyed by a client-generated id.

/// The backends, told apart by this type wherever their SQL or locking differs (never by
/// comparing names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// The name `/readyz` and the logs report.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// Rows per multi-row statement: 11 columns x 500 rows stays far below both backends' bind
/// limits (32,766 for SQLite, 65,535 for PostgreSQL).
pub(crate) const ROWS_PER_STATEMENT: usize = 500;

/// For `Query::persistent`: the drainer's statements that select rows by a list of ids are
/// planned at each execution instead of cached as prepared statements. PostgreSQL keeps a
/// cached statement's generic plan until an ANALYZE of the table invalidates it; the first
/// one is made while the table is nearly empty (a sequential scan that tests every row
/// against the whole id list), so without autovacuum every drained batch cost rows x ids:
/// 400 records/s at 150,000 answers, measured by `bench ingest`. Planned each time, with the
/// table's current size, the primary key is used. (Each list length is its own statement
/// anyway: caching them only filled the statement cache.)
pub(crate) const PLANNED_EACH_TIME: bool = false;

pub(crate) const MS_PER_DAY: i64 = 86_400_000;

// An answer's attribute snapshot: its user's attributes, account and role as they are when the
// drainer's transaction inserts it, after every identify of that transaction
// (`records::snapshot_safe_prefix` keeps an identify that came after the answer out of it).
// Taken in the insert itself: a separate UPDATE afterwards wrote every answer twice, and on
// PostgreSQL each row's second version went into all four of the table's indexes (the page
// has no room left for a HOT update): 42 of 115 ms per 1,000 answers (docs/scale-out.md).

/// The columns the drainer's score insert writes (bound in this order), and its comment insert.
pub(crate) const SCORE_COLUMNS: &[&str] =
    &["id", "project_id", "survey_id", "user_id", "display_id", "score", "language", "device", "trigger_name", "sampling_rate_bp", "created_at"];
pub(crate) const COMPLETION_COLUMNS: &[&str] = &["id", "project_id", "survey_id", "user_id", "comment", "extra_answers", "created_at", "completed_at"];

/// Opens an answer insert that takes the snapshot: the batch's rows, given as `columns`, are
/// bound into `v`; [`snapshot_insert_tail`] closes it.
pub(crate) fn snapshot_insert_head(columns: &[&str]) -> String {
    format!("WITH v ({}) AS (", columns.join(", "))
}

/// `) INSERT INTO responses` of `columns` and the snapshot of each row of `v`, its user's
/// attributes, account and role. `WHERE true` lets SQLite tell the upsert's `ON CONFLICT` that
/// follows from the join.
pub(crate) fn snapshot_insert_tail(columns: &[&str]) -> String {
    let from_v = columns.iter().map(|c| format!("v.{c}")).collect::<Vec<_>>().join(", ");
    format!(
        ") INSERT INTO responses ({}, attributes, account_id, account_role) \
         SELECT {from_v}, COALESCE(u.attributes, '{{}}'), u.account_id, u.account_role \
         FROM v LEFT JOIN app_users u ON u.project_id = v.project_id AND u.external_id = v.user_id WHERE true",
        columns.join(", ")
    )
}

/// On conflict: a row keeps the snapshot it was given when its first part (score or comment)
/// arrived; only a row without one takes the incoming one.
pub(crate) const SNAPSHOT_KEPT: &str = "attributes = COALESCE(responses.attributes, excluded.attributes), \
     account_id = CASE WHEN responses.attributes IS NULL THEN excluded.account_id ELSE responses.account_id END, \
     account_role = CASE WHEN responses.attributes IS NULL THEN excluded.account_role ELSE responses.account_role END";

/// History the eligibility rules look at: far longer than any default back-off.
pub(crate) const HISTORY_WINDOW_MS: i64 = 2 * 365 * MS_PER_DAY;

pub(crate) const RESPONSE_COLUMNS: &str = "id, survey_id, user_id, score, comment, extra_answers, attributes, account_id, \
     account_role, language, device, trigger_name, sampling_rate_bp, created_at, completed_at";

pub(crate) const PROJECT_COLUMNS: &str =
    "id, name, public_key, allowed_origins, identity_secret, identity_enforced, fatigue, created_at, retention_months";

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

/// One multi-row statement per [`ROWS_PER_STATEMENT`] rows of `$rows`, in the transaction
/// `$tx`: `$insert` names the table and columns, `$bind` pushes one row's values, `$conflict`
/// is the `ON CONFLICT ...` clause that makes a replayed batch change nothing.
macro_rules! upsert_chunked {
    ($tx:ident, $db:ty, $rows:expr, $insert:expr, $bind:expr, $conflict:expr $(,)?) => {
        for chunk in $rows.chunks(ROWS_PER_STATEMENT) {
            let mut qb = QueryBuilder::<$db>::new($insert);
            qb.push_values(chunk, $bind);
            qb.push($conflict);
            qb.build().execute(&mut *$tx).await?;
        }
    };
}

// The SQL of `Store`, one file per aggregate under `sql/`: each defines a macro expanding
// to the methods of its part, so the trait is still implemented in one block per backend.
/// The audit log's SQL (used by `store/audit.rs`).
pub(crate) mod audit;
#[macro_use]
mod rows;
#[macro_use]
mod filters;
#[macro_use]
mod facts;
#[macro_use]
mod apply;
#[macro_use]
mod store_core;
#[macro_use]
mod projects;
#[macro_use]
mod campaigns;
#[macro_use]
mod followups;
#[macro_use]
mod reports;
#[macro_use]
mod decisions;
/// The SQL of the data-rights store (export, erasure, retention), used by `store/data_rights.rs`.
#[macro_use]
mod data_rights;
#[macro_use]
mod decide_batch;
pub(crate) use decide_batch::{FIRST_SEEN_AT_DECISION, batch_history_from, decide_in_order};

macro_rules! impl_sql_store {
    ($store:ident, $db:ty, $row:ty) => {
        use crate::store::records::BatchParts;
        use crate::store::sql::{
            json_map, HISTORY_WINDOW_MS, MS_PER_DAY, PROJECT_COLUMNS, RESPONSE_COLUMNS, ROWS_PER_STATEMENT,
            SURVEY_COLUMNS,
        };
        use crate::store::sql::{FactsQuery, FIRST_SEEN_AT_DECISION};
        use crate::store::{
            Dimension, LinkAnswer, RecipientRecord,
            AdminRecord, DayCounts, DeadLetter, DecisionFacts, LoggedDecision, ResponseQuery, RuleCount,
            StoreError, StoreResult,
        };
        // Another aggregate's trait, so the follow-ups' SQL can read the partners.
        use crate::store::partner_programme::PartnerProgrammeStore as _;
        use nps_core::eligibility::Decision;
        use nps_core::followup::{FollowUpItem, FollowUpPolicy, FollowUpStatus, FollowUpUpdate, ScoredAnswer};
        use nps_core::eligibility::{HistoryEvent, HistoryKind, UserHistory};
        use nps_core::wire::{Anonymity, Campaign, CampaignInput};
        use nps_core::wire::{AdminRole, Project, ProjectInput, ResponseRow, Survey, SurveyInput, SurveyKind, SurveyStatus};
        use nps_core::{Band, BandCounts, NpsScore};
        use sqlx::{AssertSqlSafe, QueryBuilder, Row};

        impl $store {
            sql_rows!($store, $db, $row);
            sql_filters!($store, $db, $row);
            sql_facts!($store, $db, $row);
            sql_decide_batch!($store, $db, $row);
            sql_apply!($store, $db, $row);
        }

        sql_store_core!($store, $db, $row);
        sql_projects!($store, $db, $row);
        sql_campaigns!($store, $db, $row);
        sql_followups!($store, $db, $row);
        sql_reports!($store, $db, $row);
        sql_decisions!($store, $db, $row);
    };
}
