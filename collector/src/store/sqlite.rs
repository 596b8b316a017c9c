//! The embedded default: one SQLite file, WAL, `synchronous = FULL` so a committed drain is on
//! disk before its records leave the spool.

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

mod resident;

pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    const DIALECT: super::sql::Dialect = super::sql::Dialect::Sqlite;

    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            // The drain inserts rows at random places of the id indexes (client-generated
            // ids): with SQLite's 2 MB default cache nearly every insert re-reads pages with a
            // system call. 16 MB per connection keeps the hot index pages in reach.
            .pragma("cache_size", "-16384")
            .pragma("temp_store", "memory");
        if let Some(dir) = options.get_filename().parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        // Answers are personal data: the file is created 0600 before SQLite opens it (its WAL
        // and shared-memory files take the same mode), and an existing one is tightened.
        let file = options.get_filename().to_path_buf();
        let on_disk = !file.as_os_str().is_empty() && !file.to_string_lossy().starts_with(':');
        if on_disk {
            crate::private_files::create_private_file(&file)?;
        }
        Self::migrate(options.clone()).await?;
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options).await?;
        if on_disk {
            for path in crate::private_files::sqlite_files(&file) {
                crate::private_files::restrict_file(&path);
            }
        }
        Ok(Self { pool })
    }
}

impl SqliteStore {
    /// Migrates on a connection of its own with foreign keys off, as SQLite's procedure for
    /// rebuilding a table asks (migration 0011 rebuilds `responses`): with them on, `DROP
    /// TABLE` first deletes every row and counts each follow-up that referenced one as a
    /// violation, which renaming the rebuilt table does not uncount, so every installation
    /// with follow-ups failed to upgrade (`tests/tests/upgrade.rs`). Integrity is then checked
    /// as a whole: a migration that broke a reference stops the start-up.
    async fn migrate(options: SqliteConnectOptions) -> anyhow::Result<()> {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect_with(&options.foreign_keys(false)).await?;
        let applied = "SELECT COUNT(*) FROM _sqlx_migrations";
        // Absent on a new database: then every migration runs.
        let before: Option<i64> = sqlx::query_scalar(applied).fetch_one(&mut conn).await.ok();
        sqlx::migrate!("./migrations/sqlite").run(&mut conn).await?;
        let after: Option<i64> = sqlx::query_scalar(applied).fetch_one(&mut conn).await.ok();
        // Only after a migration ran: the check reads every row of every table with a foreign
        // key (a second per million users), and nothing else writes with the checks off.
        if before != after {
            let broken = sqlx::query("PRAGMA foreign_key_check").fetch_all(&mut conn).await?;
            anyhow::ensure!(broken.is_empty(), "after migrating, {} rows reference rows that do not exist", broken.len());
        }
        conn.close().await?;
        Ok(())
    }

    /// A connection of its own for the start-up load of the eligibility facts: a small page
    /// cache (a scan reads each page once, and the pool's connections keep their 16 MB for the
    /// drain's index pages) and a deep row buffer, so sqlx's worker thread streams rows in runs
    /// instead of waking the reader for each one.
    async fn resident_connection(&self) -> sqlx::Result<Box<sqlx::SqliteConnection>> {
        use sqlx::Connection;
        let options = (*self.pool.connect_options()).clone().pragma("cache_size", "-2048").row_buffer_size(4_096);
        Ok(Box::new(sqlx::SqliteConnection::connect_with(&options).await?))
    }
}

impl_sql_store!(SqliteStore, Sqlite, sqlx::sqlite::SqliteRow);
impl_rollup_store!(SqliteStore, Sqlite, sqlx::sqlite::SqliteRow);
impl_account_store!(SqliteStore, Sqlite, sqlx::sqlite::SqliteRow);
impl_account_rollup_store!(SqliteStore, Sqlite, sqlx::sqlite::SqliteRow);
impl_admin_user_store!(SqliteStore, sqlx::sqlite::SqliteRow, None);
impl_webhook_store!(SqliteStore, Sqlite, sqlx::sqlite::SqliteRow);
impl_partner_programme_store!(SqliteStore, Sqlite);
impl_campaign_mail_store!(SqliteStore, Sqlite, sqlx::sqlite::SqliteRow);
impl_disclosure_store!(SqliteStore, Sqlite);
impl_audit_store!(SqliteStore, sqlx::sqlite::SqliteRow);
impl_data_rights_store!(SqliteStore, Sqlite, sqlx::sqlite::SqliteRow);
impl_sign_in_store!(SqliteStore);


impl SqliteStore {
    /// A JSON attribute as text: `CAST(json_extract(attributes, <path>) AS TEXT)`.
    const JSON_TEXT: (&'static str, &'static str) = ("CAST(json_extract(attributes, ", ") AS TEXT)");

    fn json_path(key: &str) -> String {
        format!("$.\"{}\"", key.replace('\\', "\\\\").replace('"', "\\\""))
    }

    /// SQLite has one writer: `BEGIN IMMEDIATE` takes the write lock up front, so the facts a
    /// decision batch reads cannot change before its displays are written.
    async fn begin_users_transaction(&self, _users: &[(i64, &str)]) -> Result<sqlx::Transaction<'static, Sqlite>, sqlx::Error> {
        self.pool.begin_with("BEGIN IMMEDIATE").await
    }

    /// The known users of a decision batch, with their accounts, as `user` rows of
    /// `load_batch_project` (an `IN` list: one index seek per user).
    fn push_batch_users(qb: &mut sqlx::QueryBuilder<Sqlite>, project_id: i64, users: &[&str]) {
        qb.push(
            "SELECT u.external_id AS user_id, 'user' AS kind, NULL AS survey_id, u.created_at, u.first_seen_at, \
             u.attributes, u.language, u.account_role, a.attributes AS account_attributes \
             FROM app_users u LEFT JOIN accounts a ON a.project_id = u.project_id AND a.external_id = u.account_id \
             WHERE u.project_id = ",
        );
        qb.push_bind(project_id).push(" AND u.external_id IN (");
        let mut list = qb.separated(", ");
        for user in users {
            list.push_bind(user.to_string());
        }
        list.push_unseparated(")");
    }

    /// SQLite has one writer: a decision batch is one locked transaction.
    async fn decide_batch(&self, batch: &[crate::store::BatchDecision<'_>]) -> crate::store::StoreResult<Vec<nps_core::eligibility::Decision>> {
        self.decide_batch_locked(batch).await
    }

    /// A decision batch's granted displays and its log: two multi-row inserts (SQLite is in
    /// process; a statement costs no round trip).
    async fn write_batch(
        conn: &mut sqlx::SqliteConnection,
        granted: &[(&crate::store::DisplayClaim, u32)],
        logged: &[(i64, i64, crate::store::records::DecisionLog)],
    ) -> crate::store::StoreResult<()> {
        let displays: Vec<_> = granted.iter().map(|(claim, rate)| super::records::DisplayRow::claimed(claim, *rate)).collect();
        Self::insert_displays(&mut *conn, &displays).await?;
        Self::insert_decision_logs(&mut *conn, logged).await
    }

    /// The history of a decision batch's users (see `decide_batch`): `IN` lists, which SQLite
    /// turns into one index seek per user.
    fn push_batch_history(qb: &mut sqlx::QueryBuilder<Sqlite>, project_id: i64, users: &[&str], from: i64) {
        let push_users = |qb: &mut sqlx::QueryBuilder<Sqlite>| {
            qb.push("project_id = ").push_bind(project_id).push(" AND user_id IN (");
            let mut list = qb.separated(", ");
            for user in users {
                list.push_bind(user.to_string());
            }
            list.push_unseparated(")");
        };
        qb.push("SELECT user_id, survey_id, 'display' AS kind, created_at FROM displays WHERE ");
        push_users(qb);
        qb.push(" AND created_at >= ").push_bind(from);
        qb.push(" UNION ALL SELECT user_id, survey_id, 'response' AS kind, created_at FROM responses WHERE ");
        push_users(qb);
        qb.push(" AND created_at >= ").push_bind(from).push(" AND score IS NOT NULL");
        qb.push(" UNION ALL SELECT user_id, survey_id, kind, created_at FROM feedback WHERE ");
        push_users(qb);
        qb.push(" AND created_at >= ").push_bind(from).push(" AND survey_id IS NOT NULL AND kind IN ('decline', 'snooze')");
        // An opt-out counts whenever it was made (no window), like the single decision.
        qb.push(" UNION ALL SELECT user_id, survey_id, kind, created_at FROM feedback WHERE ");
        push_users(qb);
        qb.push(" AND kind = 'opt_out'");
    }

    /// A transaction no other write to `responses` interleaves with: SQLite has one writer.
    async fn begin_holding_response_writes(&self) -> Result<sqlx::Transaction<'static, Sqlite>, sqlx::Error> {
        self.pool.begin_with("BEGIN IMMEDIATE").await
    }

    /// A transaction that holds the write lock from its first statement: with one writer, it
    /// serialises whatever the key names (the key matters on PostgreSQL only).
    async fn begin_keyed_transaction(&self, _key: i64) -> Result<sqlx::Transaction<'static, Sqlite>, sqlx::Error> {
        self.pool.begin_with("BEGIN IMMEDIATE").await
    }
}
