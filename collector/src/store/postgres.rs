//! PostgreSQL, for when one machine is not enough: several collectors share it.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres};
use std::time::Duration;

/// Decision batches: optimistic claims, and the write of the locked path.
mod claims;

pub struct PostgresStore {
    pool: PgPool,
    /// The decision batches' own connections, whose sessions keep one generic plan per
    /// statement (see `connect`).
    decisions: PgPool,
}

impl PostgresStore {
    const DIALECT: super::sql::Dialect = super::sql::Dialect::Postgres;
    /// Connections for everything but decisions (the drainer, reports, the admin API).
    const CONNECTIONS: u32 = 10;
    /// Connections of the decision batches: `decision_batches_in_flight` above this waits.
    const DECISION_CONNECTIONS: u32 = 4;

    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        // JIT off for the collector's sessions: its statements are short, and PostgreSQL's
        // cost estimate sent the silent-detractor read of the account reports (30 ms of work at
        // 1,000,000 answers) through 175 ms of JIT compilation per request (EXPLAIN ANALYZE in
        // `bench-accounts`).
        let options = url.parse::<PgConnectOptions>()?.options([("jit", "off")]);
        let pool = Self::pool_options(Self::CONNECTIONS).connect_with(options.clone()).await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        // Decision batches plan nothing: by default PostgreSQL plans a prepared statement again
        // at every execution while that plan looks cheaper than the generic one. With the
        // batch's users bound as one array the planner knows their number, so batches of fewer
        // than about 10 users were planned every time. Planning was 18% of PostgreSQL's CPU in
        // `bench-decide` with two collectors (`perf`). Generic plans suit these statements:
        // each is index lookups by (project, user), whatever the values. With them, two
        // collectors did 7,357 to 9,080 decisions/s against 5,705 to 6,879/s
        // (docs/scale-out.md, with the one caveat). Reports keep the default: their plans
        // depend on the values. Connected lazily: `pool` has just shown the server is there.
        let decisions = Self::pool_options(Self::DECISION_CONNECTIONS).connect_lazy_with(options.options([("plan_cache_mode", "force_generic_plan")]));
        Ok(Self { pool, decisions })
    }

    /// A short acquire timeout: when the database is down the drainer should notice quickly
    /// and keep records in the spool rather than hang.
    ///
    /// No ping before each acquire: it is a round trip of its own in front of every statement
    /// taken from the pool (0.3 ms of a 2.5 ms decision batch under load, timed in
    /// `bench-decide`). A connection that died since its last use fails its next statement
    /// instead and is closed; what ran on it is retried (the drainer's batch, a decision batch
    /// answered 503).
    fn pool_options(max_connections: u32) -> PgPoolOptions {
        PgPoolOptions::new()
            .max_connections(max_connections)
            .test_before_acquire(false)
            .acquire_timeout(Duration::from_secs(3))
    }
}

impl_sql_store!(PostgresStore, Postgres, sqlx::postgres::PgRow);
impl_rollup_store!(PostgresStore, Postgres, sqlx::postgres::PgRow);
impl_account_store!(PostgresStore, Postgres, sqlx::postgres::PgRow);
impl_account_rollup_store!(PostgresStore, Postgres, sqlx::postgres::PgRow);
impl_admin_user_store!(PostgresStore, sqlx::postgres::PgRow, Some("LOCK TABLE admin_users IN SHARE ROW EXCLUSIVE MODE"));
impl_webhook_store!(PostgresStore, Postgres, sqlx::postgres::PgRow);
/// Several collectors may share the database: decisions read SQL, nothing is loaded.
impl crate::store::resident::ResidentStore for PostgresStore {}
impl_partner_programme_store!(PostgresStore, Postgres);
impl_campaign_mail_store!(PostgresStore, Postgres, sqlx::postgres::PgRow);
impl_disclosure_store!(PostgresStore, Postgres);
impl_audit_store!(PostgresStore, sqlx::postgres::PgRow);
impl_data_rights_store!(PostgresStore, Postgres, sqlx::postgres::PgRow);
impl_sign_in_store!(PostgresStore);


impl PostgresStore {
    /// A JSON attribute as text: `(attributes::jsonb ->> <key>)`.
    const JSON_TEXT: (&'static str, &'static str) = ("(attributes::jsonb ->> ", ")");

    fn json_path(key: &str) -> String {
        key.to_owned()
    }

    /// Serialises decisions per user across every collector process with transaction-scoped
    /// advisory locks on a 64-bit hash of (project, user), one per user of the batch. A hash
    /// collision only serialises two unrelated users; it never lets one user's decisions
    /// interleave. The keys are taken in ascending order in one statement, so two batches that
    /// share users (in this collector or another) take their common locks in the same order and
    /// cannot deadlock.
    async fn begin_users_transaction(&self, users: &[(i64, &str)]) -> Result<sqlx::Transaction<'static, Postgres>, sqlx::Error> {
        let mut keys: Vec<i64> = users.iter().map(|(project_id, user_id)| user_lock_key(*project_id, user_id)).collect();
        keys.sort_unstable();
        keys.dedup();
        // BEGIN and the locks go in one round trip (a simple query of two statements). The
        // keys are integers written by this function: nothing from a request is in the text.
        let keys: Vec<String> = keys.iter().map(i64::to_string).collect();
        let begin = format!("BEGIN; SELECT pg_advisory_xact_lock(k) FROM unnest('{{{}}}'::bigint[]) AS k", keys.join(","));
        self.decisions.begin_with(sqlx::AssertSqlSafe(begin)).await
    }

    /// The known users of a decision batch, with their accounts, as `user` rows of
    /// `load_batch_project`: looked up by equality from an array, so that the statement's
    /// text (and its prepared plan) is the same for every batch.
    fn push_batch_users(qb: &mut sqlx::QueryBuilder<Postgres>, project_id: i64, users: &[&str]) {
        let users: Vec<String> = users.iter().map(|u| (*u).to_owned()).collect();
        qb.push(
            "SELECT b.user_id, 'user' AS kind, NULL::bigint AS survey_id, u.created_at, u.first_seen_at, u.attributes, \
             u.language, u.account_role, a.attributes AS account_attributes FROM unnest(",
        );
        qb.push_bind(users).push("::text[]) AS b(user_id) JOIN app_users u ON u.project_id = ").push_bind(project_id);
        qb.push(" AND u.external_id = b.user_id LEFT JOIN accounts a ON a.project_id = u.project_id AND a.external_id = u.account_id");
    }

    /// The history of a decision batch's users (see `decide_batch`): one lateral lookup per
    /// user by equality on the (project, user, time) indexes. An `IN` list lets the planner scan
    /// the whole project's rows instead when its statistics are stale (a table that grew
    /// since the last analyse): 16 ms instead of 0.4 ms for ten users, measured.
    fn push_batch_history(qb: &mut sqlx::QueryBuilder<Postgres>, project_id: i64, users: &[&str], from: i64) {
        let users: Vec<String> = users.iter().map(|u| (*u).to_owned()).collect();
        qb.push("SELECT b.user_id, h.survey_id, h.kind, h.created_at FROM unnest(").push_bind(users);
        qb.push("::text[]) AS b(user_id) CROSS JOIN LATERAL (");
        qb.push("SELECT survey_id, 'display' AS kind, created_at FROM displays WHERE project_id = ").push_bind(project_id);
        qb.push(" AND user_id = b.user_id AND created_at >= ").push_bind(from);
        qb.push(" UNION ALL SELECT survey_id, 'response' AS kind, created_at FROM responses WHERE project_id = ").push_bind(project_id);
        qb.push(" AND user_id = b.user_id AND created_at >= ").push_bind(from).push(" AND score IS NOT NULL");
        qb.push(" UNION ALL SELECT survey_id, kind, created_at FROM feedback WHERE project_id = ").push_bind(project_id);
        qb.push(" AND user_id = b.user_id AND created_at >= ").push_bind(from);
        qb.push(" AND survey_id IS NOT NULL AND kind IN ('decline', 'snooze')");
        // An opt-out counts whenever it was made (no window), like the single decision.
        qb.push(" UNION ALL SELECT survey_id, kind, created_at FROM feedback WHERE project_id = ").push_bind(project_id);
        qb.push(" AND user_id = b.user_id AND kind = 'opt_out') AS h");
    }

    /// A transaction no other write to `responses` interleaves with: a SHARE lock waits for
    /// the transactions storing answers and holds off new ones until this one ends.
    async fn begin_holding_response_writes(&self) -> Result<sqlx::Transaction<'static, Postgres>, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("LOCK TABLE responses IN SHARE MODE").execute(&mut *tx).await?;
        Ok(tx)
    }

    /// A transaction holding the advisory lock `key` until it ends, across every collector
    /// process that shares the database.
    async fn begin_keyed_transaction(&self, key: i64) -> Result<sqlx::Transaction<'static, Postgres>, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(key).execute(&mut *tx).await?;
        Ok(tx)
    }
}

fn user_lock_key(project_id: i64, user_id: &str) -> i64 {
    // FNV-1a: stable across processes and releases (std's hasher is neither).
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in project_id.to_le_bytes().iter().chain(user_id.as_bytes()) {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    i64::from_ne_bytes(hash.to_ne_bytes())
}
