//! The two migration folders must build the same schema: the same tables, the same columns
//! (type class, nullability, primary key), the same named indexes (table, uniqueness, width).
//! They are written by hand twice because the dialects differ; this test is what keeps them in
//! step. It runs each folder on a fresh database of its own kind and compares what the
//! databases say they hold, not the SQL text.

use nps_e2e::database::TestDatabase;
use sqlx::migrate::Migrator;
use sqlx::Row;
use std::collections::BTreeMap;
use std::path::Path;

/// One column as both backends can describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Column {
    class: &'static str,
    not_null: bool,
    primary_key: bool,
}

/// One named index: its table, whether it is unique and how many key parts it has.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Index {
    table: String,
    unique: bool,
    parts: i64,
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Schema {
    columns: BTreeMap<String, BTreeMap<String, Column>>,
    indexes: BTreeMap<String, Index>,
    triggers: Vec<String>,
}

/// SQLite keeps the declared type; PostgreSQL its own names. Both are folded into the classes
/// the code relies on. SQLite spells an auto-increment key `INTEGER`, PostgreSQL `BIGINT`: both
/// are 64-bit there, so both are `integer`.
fn type_class(declared: &str) -> &'static str {
    match declared.to_ascii_lowercase().as_str() {
        "integer" | "bigint" | "int" | "int8" | "int4" | "smallint" => "integer",
        "text" | "character varying" | "varchar" => "text",
        "boolean" | "bool" => "boolean",
        "real" | "double precision" | "float8" => "real",
        "blob" | "bytea" => "bytes",
        _ => "other",
    }
}

fn migrations(kind: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../collector/migrations").join(kind)
}

async fn sqlite_schema(url: &str) -> anyhow::Result<Schema> {
    let options = url.parse::<sqlx::sqlite::SqliteConnectOptions>()?.create_if_missing(true);
    let pool = sqlx::SqlitePool::connect_with(options).await?;
    Migrator::new(migrations("sqlite")).await?.run(&pool).await?;
    let mut schema = Schema::default();
    let tables = sqlx::query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
    )
    .fetch_all(&pool)
    .await?;
    for table in tables {
        let table: String = table.get("name");
        let rows = sqlx::query("SELECT name, type, \"notnull\", pk FROM pragma_table_info(?)").bind(&table).fetch_all(&pool).await?;
        let columns = rows
            .iter()
            .map(|r| {
                let pk: i64 = r.get("pk");
                // SQLite lets a primary-key column be NULL unless declared otherwise; PostgreSQL
                // never does, and the code never stores one.
                let not_null = r.get::<bool, _>("notnull") || pk > 0;
                (r.get::<String, _>("name"), Column { class: type_class(r.get("type")), not_null, primary_key: pk > 0 })
            })
            .collect();
        schema.columns.insert(table, columns);
    }
    let indexes = sqlx::query(
        "SELECT m.name, m.tbl_name, l.\"unique\", (SELECT count(*) FROM pragma_index_info(m.name)) AS parts \
         FROM sqlite_master m JOIN pragma_index_list(m.tbl_name) l ON l.name = m.name \
         WHERE m.type = 'index' AND m.sql IS NOT NULL",
    )
    .fetch_all(&pool)
    .await?;
    for r in indexes {
        let index = Index { table: r.get("tbl_name"), unique: r.get::<bool, _>("unique"), parts: r.get("parts") };
        schema.indexes.insert(r.get("name"), index);
    }
    schema.triggers =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name").fetch_all(&pool).await?;
    pool.close().await;
    Ok(schema)
}

async fn postgres_schema(url: &str) -> anyhow::Result<Schema> {
    let pool = sqlx::PgPool::connect(url).await?;
    Migrator::new(migrations("postgres")).await?.run(&pool).await?;
    let mut schema = Schema::default();
    let rows = sqlx::query(
        "SELECT c.table_name::text AS table_name, c.column_name::text AS column_name, c.data_type::text AS data_type, \
                c.is_nullable = 'NO' AS not_null, \
                EXISTS (SELECT 1 FROM information_schema.table_constraints t \
                        JOIN information_schema.key_column_usage k USING (constraint_schema, constraint_name) \
                        WHERE t.constraint_type = 'PRIMARY KEY' AND t.table_schema = 'public' \
                          AND k.table_name = c.table_name AND k.column_name = c.column_name) AS primary_key \
         FROM information_schema.columns c JOIN information_schema.tables t \
              ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
         WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' AND c.table_name <> '_sqlx_migrations'",
    )
    .fetch_all(&pool)
    .await?;
    for r in rows {
        let column = Column { class: type_class(r.get("data_type")), not_null: r.get("not_null"), primary_key: r.get("primary_key") };
        schema.columns.entry(r.get("table_name")).or_default().insert(r.get("column_name"), column);
    }
    // Indexes created by CREATE INDEX, not the ones PostgreSQL makes for PRIMARY KEY and UNIQUE
    // constraints (SQLite's counterparts of those are its unnamed autoindexes, left out above).
    let indexes = sqlx::query(
        "SELECT ic.relname::text AS name, tc.relname::text AS table_name, i.indisunique AS is_unique, \
                i.indnkeyatts::bigint AS parts \
         FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class tc ON tc.oid = i.indrelid \
         JOIN pg_namespace n ON n.oid = tc.relnamespace \
         WHERE n.nspname = 'public' AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)",
    )
    .fetch_all(&pool)
    .await?;
    for r in indexes {
        let index = Index { table: r.get("table_name"), unique: r.get("is_unique"), parts: r.get("parts") };
        schema.indexes.insert(r.get("name"), index);
    }
    schema.triggers = sqlx::query_scalar(
        "SELECT DISTINCT trigger_name::text FROM information_schema.triggers WHERE trigger_schema = 'public' ORDER BY 1",
    )
    .fetch_all(&pool)
    .await?;
    pool.close().await;
    Ok(schema)
}

/// Every difference, one per line, so a failing run says exactly what to fix.
fn differences(sqlite: &Schema, postgres: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    let tables: std::collections::BTreeSet<&String> = sqlite.columns.keys().chain(postgres.columns.keys()).collect();
    for table in tables {
        match (sqlite.columns.get(table), postgres.columns.get(table)) {
            (Some(a), Some(b)) => {
                let names: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
                for name in names {
                    if a.get(name) != b.get(name) {
                        out.push(format!("{table}.{name}: sqlite {:?}, postgres {:?}", a.get(name), b.get(name)));
                    }
                }
            }
            (a, b) => out.push(format!("table {table}: in sqlite {}, in postgres {}", a.is_some(), b.is_some())),
        }
    }
    let names: std::collections::BTreeSet<&String> = sqlite.indexes.keys().chain(postgres.indexes.keys()).collect();
    for name in names {
        if sqlite.indexes.get(name) != postgres.indexes.get(name) {
            out.push(format!("index {name}: sqlite {:?}, postgres {:?}", sqlite.indexes.get(name), postgres.indexes.get(name)));
        }
    }
    if sqlite.triggers != postgres.triggers {
        out.push(format!("triggers: sqlite {:?}, postgres {:?}", sqlite.triggers, postgres.triggers));
    }
    out
}

#[tokio::test]
async fn both_migration_folders_build_the_same_schema() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let sqlite = sqlite_schema(&TestDatabase::sqlite(dir.path()).url).await?;
    let postgres = postgres_schema(&TestDatabase::postgres().await?.url).await?;
    assert!(sqlite.columns.len() > 20, "the SQLite schema was read: {:?}", sqlite.columns.keys());
    assert!(sqlite.columns.contains_key("responses") && sqlite.indexes.len() > 10, "tables and indexes were read");
    let differences = differences(&sqlite, &postgres);
    assert!(differences.is_empty(), "the migration folders differ:\n{}", differences.join("\n"));
    Ok(())
}

/// The comparison itself must notice a difference, or the test above proves nothing.
#[test]
fn a_missing_column_or_index_is_reported() {
    let column = Column { class: "text", not_null: true, primary_key: false };
    let mut a = Schema::default();
    a.columns.entry("t".into()).or_default().insert("c".into(), column.clone());
    a.indexes.insert("t_c".into(), Index { table: "t".into(), unique: false, parts: 1 });
    let mut b = Schema::default();
    b.columns.entry("t".into()).or_default().insert("c".into(), Column { not_null: false, ..column });
    let found = differences(&a, &b);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].starts_with("t.c:") && found[1].starts_with("index t_c:"), "{found:?}");
}
