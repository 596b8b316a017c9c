//! Per-project settings kept as one JSON document in a `(project_id, policy)` table (follow-up
//! and alert policies): read with the default when none is stored, written as an upsert.

/// `project_policy_get!(pool, "table", project_id, Type)`: the stored document or `Type::default()`.
macro_rules! project_policy_get {
    ($pool:expr, $table:literal, $project_id:expr, $ty:ty) => {{
        let row = sqlx::query(concat!("SELECT policy FROM ", $table, " WHERE project_id = $1"))
            .bind($project_id)
            .fetch_optional($pool)
            .await?;
        match row {
            Some(row) => Ok::<$ty, crate::store::StoreError>(serde_json::from_str(&row.try_get::<String, _>("policy")?)?),
            None => Ok(<$ty>::default()),
        }
    }};
}

/// `project_policy_set!(pool, "table", project_id, &policy)`: stores (or replaces) the document.
macro_rules! project_policy_set {
    ($pool:expr, $table:literal, $project_id:expr, $policy:expr) => {{
        sqlx::query(concat!(
            "INSERT INTO ",
            $table,
            " (project_id, policy) VALUES ($1, $2) ON CONFLICT (project_id) DO UPDATE SET policy = excluded.policy"
        ))
        .bind($project_id)
        .bind(serde_json::to_string($policy)?)
        .execute($pool)
        .await?;
        Ok::<(), crate::store::StoreError>(())
    }};
}
