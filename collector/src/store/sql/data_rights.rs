//! The SQL of [`DataRightsStore`](crate::store::data_rights::DataRightsStore), once for both backends.

macro_rules! impl_data_rights_store {
    ($store:ident, $db:ty, $row:ty) => {
        impl $store {
            /// Reads a row of an export section as a JSON object.
            fn row_json(row: &$row, cols: &[crate::store::data_rights::Col]) -> crate::store::StoreResult<serde_json::Map<String, serde_json::Value>> {
                use crate::store::data_rights::Col;
                use serde_json::Value;
                use sqlx::Row;
                let mut out = serde_json::Map::new();
                for col in cols {
                    let (name, value) = match *col {
                        Col::Text(c) => (c, row.try_get::<Option<String>, _>(c)?.map_or(Value::Null, Value::String)),
                        Col::Int(c) => (c, row.try_get::<Option<i64>, _>(c)?.map_or(Value::Null, Value::from)),
                        Col::Bool(c) => (c, row.try_get::<Option<bool>, _>(c)?.map_or(Value::Null, Value::Bool)),
                        Col::Json(c) => {
                            let text = row.try_get::<Option<String>, _>(c)?;
                            (c, text.map_or(Value::Null, |t| serde_json::from_str(&t).unwrap_or(Value::String(t))))
                        }
                    };
                    out.insert(name.to_owned(), value);
                }
                Ok(out)
            }

            /// `(a, b, ...)`; `(NULL)` for an empty list, which matches nothing.
            fn push_list(qb: &mut sqlx::QueryBuilder<$db>, items: &[String]) {
                if items.is_empty() {
                    qb.push("(NULL)");
                    return;
                }
                qb.push("(");
                let mut list = qb.separated(", ");
                for item in items {
                    list.push_bind(item.clone());
                }
                list.push_unseparated(")");
            }

            /// `(<column> LIKE p1 ESCAPE '\' OR ...)`; `(1 = 0)` for no patterns.
            fn push_like_any(qb: &mut sqlx::QueryBuilder<$db>, column: &str, patterns: &[String]) {
                if patterns.is_empty() {
                    qb.push("(1 = 0)");
                    return;
                }
                qb.push("(");
                for (i, p) in patterns.iter().enumerate() {
                    if i > 0 {
                        qb.push(" OR ");
                    }
                    qb.push(format!("{column} LIKE ")).push_bind(p.clone()).push(" ESCAPE '\\'");
                }
                qb.push(")");
            }

            /// `LOWER(<column>) = <the e-mail>`, or false when the respondent has none.
            fn push_email_is(qb: &mut sqlx::QueryBuilder<$db>, column: &str, who: &crate::store::data_rights::Respondent) {
                match &who.email {
                    Some(email) => {
                        qb.push(format!("LOWER({column}) = ")).push_bind(email.clone());
                    }
                    None => {
                        qb.push("1 = 0");
                    }
                }
            }

            /// The WHERE condition selecting a section's rows of the respondent.
            fn push_whose(qb: &mut sqlx::QueryBuilder<$db>, whose: crate::store::data_rights::Whose, who: &crate::store::data_rights::Respondent) {
                use crate::store::data_rights::Whose;
                let recipients = |qb: &mut sqlx::QueryBuilder<$db>| {
                    qb.push("SELECT r.id FROM recipients r WHERE r.campaign_id IN (SELECT id FROM campaigns WHERE project_id = ")
                        .push_bind(who.project_id)
                        .push(") AND (r.id IN ");
                    Self::push_list(qb, &who.user_ids);
                    qb.push(" OR ");
                    Self::push_email_is(qb, "r.email", who);
                    qb.push(")");
                };
                match whose {
                    Whose::User(column) => {
                        qb.push("project_id = ").push_bind(who.project_id).push(format!(" AND {column} IN "));
                        Self::push_list(qb, &who.user_ids);
                    }
                    Whose::FollowupNotes => {
                        qb.push("response_id IN (SELECT response_id FROM followups WHERE project_id = ")
                            .push_bind(who.project_id)
                            .push(" AND user_id IN ");
                        Self::push_list(qb, &who.user_ids);
                        qb.push(")");
                    }
                    Whose::Recipients => {
                        qb.push("id IN (");
                        recipients(qb);
                        qb.push(")");
                    }
                    Whose::RecipientMessages => {
                        qb.push("recipient_id IN (");
                        recipients(qb);
                        qb.push(")");
                    }
                }
            }

            async fn respondent_strings(
                conn: &mut <$db as sqlx::Database>::Connection,
                sql: &str,
                whose: crate::store::data_rights::Whose,
                who: &crate::store::data_rights::Respondent,
            ) -> crate::store::StoreResult<Vec<String>> {
                let mut qb = sqlx::QueryBuilder::<$db>::new(sql);
                Self::push_whose(&mut qb, whose, who);
                Ok(qb.build_query_scalar::<String>().fetch_all(&mut *conn).await?)
            }

            /// `DELETE FROM <table> WHERE <whose>`; returns how many rows went.
            async fn delete_whose(
                conn: &mut <$db as sqlx::Database>::Connection,
                table: &str,
                whose: crate::store::data_rights::Whose,
                who: &crate::store::data_rights::Respondent,
            ) -> crate::store::StoreResult<u64> {
                let mut qb = sqlx::QueryBuilder::<$db>::new(format!("DELETE FROM {table} WHERE "));
                Self::push_whose(&mut qb, whose, who);
                Ok(qb.build().execute(&mut *conn).await?.rows_affected())
            }

            /// The delivery log rows about the respondent: e-mails to their address, and messages
            /// whose outbox id names one of their answers or recipient records.
            fn push_deliveries_whose(qb: &mut sqlx::QueryBuilder<$db>, who: &crate::store::data_rights::Respondent, ids: &[String]) {
                qb.push("project_id = ").push_bind(who.project_id).push(" AND (");
                Self::push_email_is(qb, "target", who);
                qb.push(" OR ");
                Self::push_like_any(qb, "message_id", &crate::store::data_rights::message_id_patterns(ids));
                qb.push(")");
            }

            /// Takes the respondent's scored answers off the overall rollups and off every
            /// dimension the project declared (the same values the drainer added them with), then
            /// forgets rollup rows left at zero so rollup reads equal raw reads.
            async fn unroll_answers(
                conn: &mut <$db as sqlx::Database>::Connection,
                who: &crate::store::data_rights::Respondent,
            ) -> crate::store::StoreResult<()> {
                let declared: Vec<String> = sqlx::query_scalar("SELECT dimension FROM report_dimensions WHERE project_id = $1")
                    .bind(who.project_id)
                    .fetch_all(&mut *conn)
                    .await?;
                let mut dimensions = vec![None];
                dimensions.extend(declared.iter().filter_map(|d| crate::store::rollups::RollupDimension::parse(d)).map(Some));
                for dimension in &dimensions {
                    let mut qb = sqlx::QueryBuilder::<$db>::new("");
                    Self::start_rollup_removal(&mut qb, dimension.as_ref());
                    Self::push_whose(&mut qb, crate::store::data_rights::Whose::User("user_id"), who);
                    Self::finish_rollup_insert(&mut qb);
                    qb.build().execute(&mut *conn).await?;
                }
                let zero = (0..=10).map(|k| format!("s{k} = 0")).collect::<Vec<_>>().join(" AND ");
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DELETE FROM report_rollups WHERE {zero} AND survey_id IN (SELECT id FROM surveys WHERE project_id = $1)"
                )))
                .bind(who.project_id)
                .execute(&mut *conn)
                .await?;
                Ok(())
            }

            /// Like `start_rollup_insert`, with the counts negated: upserted onto the rows the
            /// answers were counted in, it subtracts them.
            fn start_rollup_removal(qb: &mut sqlx::QueryBuilder<$db>, dimension: Option<&crate::store::rollups::RollupDimension>) {
                Self::start_rollup_upsert(qb, dimension, &crate::store::rollups::signed_score_sums("-"));
            }

            /// Employee-NPS snapshots keep the comments of the wave verbatim (counts are
            /// aggregates and stay until the next refresh, see `store/disclosure.rs`): the
            /// respondent's comments are taken out of every snapshot of their surveys, one
            /// occurrence per comment (an identical comment of someone else reads the same),
            /// and the wave's comments are withheld from then on: the list before and after
            /// would differ by exactly the erased comment.
            async fn scrub_snapshots(
                conn: &mut <$db as sqlx::Database>::Connection,
                who: &crate::store::data_rights::Respondent,
            ) -> crate::store::StoreResult<u64> {
                use sqlx::Row;
                let mut qb = sqlx::QueryBuilder::<$db>::new("SELECT survey_id, comment FROM responses WHERE comment IS NOT NULL AND ");
                Self::push_whose(&mut qb, crate::store::data_rights::Whose::User("user_id"), who);
                let comments = qb.build().fetch_all(&mut *conn).await?;
                let mut scrubbed = 0;
                for row in &comments {
                    let (survey_id, comment): (i64, String) = (row.try_get("survey_id")?, row.try_get("comment")?);
                    let snapshots = sqlx::query("SELECT wave, body FROM disclosure_snapshots WHERE survey_id = $1")
                        .bind(survey_id)
                        .fetch_all(&mut *conn)
                        .await?;
                    for snapshot in &snapshots {
                        let mut body: crate::store::disclosure::WaveSnapshot = serde_json::from_str(&snapshot.try_get::<String, _>("body")?)?;
                        let Some(at) = body.comments.iter().position(|c| c.text == comment.trim()) else { continue };
                        body.comments.remove(at);
                        body.comments_withheld = true;
                        sqlx::query("UPDATE disclosure_snapshots SET body = $1 WHERE survey_id = $2 AND wave = $3")
                            .bind(serde_json::to_string(&body)?)
                            .bind(survey_id)
                            .bind(snapshot.try_get::<i64, _>("wave")?)
                            .execute(&mut *conn)
                            .await?;
                        scrubbed += 1;
                    }
                }
                Ok(scrubbed)
            }

            /// The erasure itself, inside the caller's transaction.
            async fn erase_in(
                conn: &mut <$db as sqlx::Database>::Connection,
                who: &crate::store::data_rights::Respondent,
                subjects: &[String],
                now: i64,
            ) -> crate::store::StoreResult<crate::store::data_rights::Erased> {
                use crate::store::data_rights::Whose;
                let mut erased = crate::store::data_rights::Erased::default();
                erased.response_ids = Self::respondent_strings(conn, "SELECT id FROM responses WHERE ", Whose::User("user_id"), who).await?;
                erased.recipient_ids = Self::respondent_strings(conn, "SELECT id FROM recipients WHERE ", Whose::Recipients, who).await?;
                let mut named = who.user_ids.clone();
                named.extend(erased.response_ids.iter().cloned());
                named.extend(erased.recipient_ids.iter().cloned());
                let mut qb = sqlx::QueryBuilder::<$db>::new("DELETE FROM deliveries WHERE ");
                Self::push_deliveries_whose(&mut qb, who, &named);
                let deliveries = qb.build().execute(&mut *conn).await?.rows_affected();
                Self::unroll_answers(conn, who).await?;
                Self::unroll_account_answers(conn, who).await?;
                let snapshot_comments = Self::scrub_snapshots(conn, who).await?;
                let mut count = |kind: &str, n: u64| {
                    erased.counts.insert(kind.to_owned(), n);
                };
                count("followup_notes", Self::delete_whose(conn, "followup_notes", Whose::FollowupNotes, who).await?);
                count("followups", Self::delete_whose(conn, "followups", Whose::User("user_id"), who).await?);
                count("answers", Self::delete_whose(conn, "responses", Whose::User("user_id"), who).await?);
                count("displays", Self::delete_whose(conn, "displays", Whose::User("user_id"), who).await?);
                count("decisions", Self::delete_whose(conn, "decisions", Whose::User("user_id"), who).await?);
                count("feedback", Self::delete_whose(conn, "feedback", Whose::User("user_id"), who).await?);
                count("identity", Self::delete_whose(conn, "app_users", Whose::User("external_id"), who).await?);
                count("account_memberships", Self::delete_whose(conn, "account_members", Whose::User("user_id"), who).await?);
                count("campaign_messages", Self::delete_whose(conn, "campaign_messages", Whose::RecipientMessages, who).await?);
                count("campaign_recipients", Self::delete_whose(conn, "recipients", Whose::Recipients, who).await?);
                count("delivery_log", deliveries);
                count("snapshot_comments", snapshot_comments);
                let mut qb = sqlx::QueryBuilder::<$db>::new("DELETE FROM dead_letters WHERE ");
                Self::push_like_any(&mut qb, "record", &crate::store::data_rights::dead_letter_patterns(who.project_id, &who.user_ids));
                count("dead_letters", qb.build().execute(&mut *conn).await?.rows_affected());
                for subject in subjects {
                    sqlx::query(
                        "INSERT INTO erasures (project_id, subject, erased_at) VALUES ($1, $2, $3) \
                         ON CONFLICT (project_id, subject) DO UPDATE SET erased_at = excluded.erased_at",
                    )
                    .bind(who.project_id)
                    .bind(subject)
                    .bind(now)
                    .execute(&mut *conn)
                    .await?;
                }
                Ok(erased)
            }

            /// SQLite keeps deleted bytes in free pages and in the WAL: the erasing connection
            /// zeroes what it frees (`secure_delete = ON`, only for this transaction: on every
            /// connection it would cost the ingest path extra writes); the WAL is truncated
            /// afterwards (`truncate_log`).
            async fn erase_with_secure_delete(
                &self,
                who: &crate::store::data_rights::Respondent,
                subjects: &[String],
                now: i64,
            ) -> crate::store::StoreResult<crate::store::data_rights::Erased> {
                use sqlx::Connection;
                let sqlite = Self::DIALECT == crate::store::sql::Dialect::Sqlite;
                let mut conn = self.pool.acquire().await?;
                let mut previous = 0;
                if sqlite {
                    previous = sqlx::query_scalar::<_, i64>("PRAGMA secure_delete").fetch_one(&mut *conn).await?;
                    sqlx::query("PRAGMA secure_delete = ON").execute(&mut *conn).await?;
                }
                let result = async {
                    let mut tx = if sqlite { conn.begin_with("BEGIN IMMEDIATE").await? } else { conn.begin().await? };
                    let erased = Self::erase_in(&mut *tx, who, subjects, now).await?;
                    tx.commit().await?;
                    Ok::<_, crate::store::StoreError>(erased)
                }
                .await;
                if sqlite {
                    // Back to what the connection had (zeroing costs writes on the ingest path); a
                    // failure here only costs speed.
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA secure_delete = {}", previous.clamp(0, 2))))
                        .execute(&mut *conn)
                        .await;
                }
                result
            }

            /// Copies the WAL into the database file and truncates it to zero bytes, so the
            /// pages the erasure changed survive only in their zeroed form. A busy checkpoint
            /// (a reader still on an older snapshot) is retried for a while.
            async fn truncate_wal(conn: &mut <$db as sqlx::Database>::Connection) -> crate::store::StoreResult<()> {
                use sqlx::Row;
                for _ in 0..100 {
                    let row = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").fetch_one(&mut *conn).await?;
                    if row.try_get::<i64, _>(0)? == 0 {
                        return Ok(());
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                Err(crate::store::StoreError::Unavailable(sqlx::Error::Protocol("the WAL could not be checkpointed: readers kept it busy".into())))
            }
        }

        #[async_trait::async_trait]
        impl crate::store::data_rights::DataRightsStore for $store {
            async fn respondent_ids_by_email(&self, project_id: i64, email: &str) -> crate::store::StoreResult<Vec<String>> {
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "SELECT r.id FROM recipients r JOIN campaigns c ON c.id = r.campaign_id WHERE c.project_id = ",
                );
                qb.push_bind(project_id).push(" AND LOWER(r.email) = ").push_bind(email.to_owned());
                qb.push(" UNION SELECT external_id FROM app_users WHERE project_id = ").push_bind(project_id).push(" AND LOWER(");
                qb.push(Self::JSON_TEXT.0).push_bind(Self::json_path("email")).push(Self::JSON_TEXT.1);
                qb.push(") = ").push_bind(email.to_owned());
                let mut ids: Vec<String> = qb.build_query_scalar().fetch_all(&self.pool).await?;
                ids.sort();
                ids.dedup();
                Ok(ids)
            }

            async fn export_respondent(&self, who: &crate::store::data_rights::Respondent) -> crate::store::StoreResult<serde_json::Map<String, serde_json::Value>> {
                let mut out = serde_json::Map::new();
                let mut named = who.user_ids.clone();
                for (section, table, whose, cols) in crate::store::data_rights::SECTIONS {
                    let names = cols.iter().map(|c| match c {
                        crate::store::data_rights::Col::Text(n) | crate::store::data_rights::Col::Int(n)
                        | crate::store::data_rights::Col::Bool(n) | crate::store::data_rights::Col::Json(n) => *n,
                    });
                    let mut qb = sqlx::QueryBuilder::<$db>::new(format!("SELECT {} FROM {table} WHERE ", names.collect::<Vec<_>>().join(", ")));
                    Self::push_whose(&mut qb, *whose, who);
                    let rows = qb.build().fetch_all(&self.pool).await?;
                    let mut list = Vec::with_capacity(rows.len());
                    for row in &rows {
                        let object = Self::row_json(row, cols)?;
                        if matches!(*section, "answers" | "campaign_recipients") {
                            named.extend(object.get("id").and_then(|v| v.as_str()).map(str::to_owned));
                        }
                        list.push(serde_json::Value::Object(object));
                    }
                    out.insert((*section).to_owned(), serde_json::Value::Array(list));
                }
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "SELECT message_id, channel, kind, target, attempt, status, status_code, error, reference, at FROM deliveries WHERE ",
                );
                Self::push_deliveries_whose(&mut qb, who, &named);
                qb.push(" ORDER BY id");
                use crate::store::data_rights::Col::{Int, Text};
                let cols = [Text("message_id"), Text("channel"), Text("kind"), Text("target"), Int("attempt"), Text("status"),
                    Int("status_code"), Text("error"), Text("reference"), Int("at")];
                let rows = qb.build().fetch_all(&self.pool).await?;
                let list = rows.iter().map(|r| Self::row_json(r, &cols).map(serde_json::Value::Object)).collect::<Result<Vec<_>, _>>()?;
                out.insert("delivery_log".to_owned(), serde_json::Value::Array(list));
                Ok(out)
            }

            async fn erase_respondent(
                &self,
                who: &crate::store::data_rights::Respondent,
                subjects: &[String],
                now: i64,
            ) -> crate::store::StoreResult<crate::store::data_rights::Erased> {
                self.erase_with_secure_delete(who, subjects, now).await
            }

            async fn truncate_log(&self) -> crate::store::StoreResult<()> {
                if Self::DIALECT != crate::store::sql::Dialect::Sqlite {
                    return Ok(());
                }
                let mut conn = self.pool.acquire().await?;
                Self::truncate_wal(&mut conn).await
            }

            async fn erasures_since(&self, since: i64) -> crate::store::StoreResult<Vec<(i64, String, i64)>> {
                use sqlx::Row;
                let rows = sqlx::query("SELECT project_id, subject, erased_at FROM erasures WHERE erased_at >= $1")
                    .bind(since)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(|r| Ok((r.try_get("project_id")?, r.try_get("subject")?, r.try_get("erased_at")?))).collect()
            }

            async fn retention_settings(&self) -> crate::store::StoreResult<Vec<(i64, u16)>> {
                use sqlx::Row;
                let rows = sqlx::query("SELECT id, retention_months FROM projects WHERE retention_months IS NOT NULL ORDER BY id")
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter()
                    .map(|r| Ok((r.try_get("id")?, u16::try_from(r.try_get::<i64, _>("retention_months")?.clamp(1, 120)).unwrap_or(120))))
                    .collect()
            }

            async fn apply_retention(&self, project_id: i64, before: i64) -> crate::store::StoreResult<crate::store::data_rights::RetentionCounts> {
                let mut tx = if Self::DIALECT == crate::store::sql::Dialect::Sqlite { self.pool.begin_with("BEGIN IMMEDIATE").await? } else { self.pool.begin().await? };
                let old = "SELECT id FROM responses WHERE project_id = $1 AND created_at < $2";
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DELETE FROM followup_notes WHERE response_id IN (SELECT response_id FROM followups WHERE response_id IN ({old}))"
                )))
                .bind(project_id)
                .bind(before)
                .execute(&mut *tx)
                .await?;
                let mut counts = crate::store::data_rights::RetentionCounts::default();
                counts.followups = sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM followups WHERE response_id IN ({old})")))
                    .bind(project_id)
                    .bind(before)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                // The account cells keep the trend like the rollups; a user's latest answer
                // older than the cut-off goes (every answer of theirs to that survey is older).
                sqlx::query(
                    "DELETE FROM account_latest_answers WHERE answered_at < $2 AND survey_id IN (SELECT id FROM surveys WHERE project_id = $1)",
                )
                .bind(project_id)
                .bind(before)
                .execute(&mut *tx)
                .await?;
                for (table, slot) in [("responses", &mut counts.answers), ("displays", &mut counts.displays), ("decisions", &mut counts.decisions)] {
                    *slot = sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE project_id = $1 AND created_at < $2")))
                        .bind(project_id)
                        .bind(before)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                }
                tx.commit().await?;
                Ok(counts)
            }
        }
    };
}
