//! The SQL of [`AccountRollupStore`](super::account_rollups::AccountRollupStore) and of the
//! account aggregates' upkeep (drainer, erasure, retention, a survey changing kind), once for
//! both backends.

macro_rules! impl_account_rollup_store {
    ($store:ident, $db:ty, $row:ty) => {
        impl $store {
            fn answer_of_row(row: &$row) -> crate::store::StoreResult<nps_core::churn::Answer> {
                use sqlx::Row;
                let score: i64 = row.try_get("score")?;
                Ok(nps_core::churn::Answer {
                    response_id: row.try_get("id")?,
                    survey_id: row.try_get("survey_id")?,
                    user_id: row.try_get("user_id")?,
                    account: row.try_get("account_id")?,
                    role: row.try_get("account_role")?,
                    score: nps_core::NpsScore::new(score).map_err(|e| crate::store::StoreError::Corrupt(e.to_string()))?,
                    at: row.try_get("created_at")?,
                })
            }

            fn scored_answer_of_row(row: &$row) -> crate::store::StoreResult<crate::store::rollups::ScoredAnswer> {
                use sqlx::Row;
                Ok(crate::store::rollups::ScoredAnswer { project_id: row.try_get("project_id")?, answer: Self::answer_of_row(row)? })
            }

            /// `(v1, v2, ...)`, each value bound.
            fn push_values<T>(qb: &mut sqlx::QueryBuilder<$db>, values: &[T])
            where
                T: Clone + for<'t> sqlx::Encode<'t, $db> + sqlx::Type<$db>,
            {
                qb.push("(");
                let mut list = qb.separated(", ");
                for value in values {
                    list.push_bind(value.clone());
                }
                qb.push(")");
            }

            /// Scored answers of in-app surveys matching the condition the caller pushes after
            /// `WHERE ... AND `, with the account and role they keep.
            async fn account_answers_where(
                conn: &mut <$db as sqlx::Database>::Connection,
                condition: impl FnOnce(&mut sqlx::QueryBuilder<$db>),
            ) -> crate::store::StoreResult<Vec<nps_core::churn::Answer>> {
                Self::account_answers_joined(conn, sqlx::QueryBuilder::new(""), "", condition).await
            }

            /// [`Self::account_answers_where`] with `qb` holding what comes before the `SELECT`
            /// (a `WITH`) and `join` a table joined to the answers `r`.
            async fn account_answers_joined(
                conn: &mut <$db as sqlx::Database>::Connection,
                mut qb: sqlx::QueryBuilder<$db>,
                join: &str,
                condition: impl FnOnce(&mut sqlx::QueryBuilder<$db>),
            ) -> crate::store::StoreResult<Vec<nps_core::churn::Answer>> {
                qb.push(format!(
                    "SELECT r.id, r.survey_id, r.user_id, r.account_id, r.account_role, r.score, r.created_at \
                     FROM responses r JOIN surveys s ON s.id = r.survey_id{join} \
                     WHERE s.kind IN {} AND r.score IS NOT NULL AND ",
                    crate::store::account_rollups::ACCOUNT_KINDS_SQL
                ));
                condition(&mut qb);
                let rows = qb.build().persistent(crate::store::sql::PLANNED_EACH_TIME).fetch_all(&mut *conn).await?;
                rows.iter().map(Self::answer_of_row).collect()
            }

            /// The stored rows of one survey's accounts, locked until the transaction ends on
            /// PostgreSQL (several collectors' drainers may change the same account: each reads
            /// what the other committed). Rows that do not exist yet are created empty first,
            /// in key order, so there is a row to lock and two drains cannot both insert it.
            async fn lock_account_rows(
                conn: &mut <$db as sqlx::Database>::Connection,
                survey_id: i64,
                accounts: &[String],
            ) -> crate::store::StoreResult<std::collections::BTreeMap<String, Vec<nps_core::churn::cells::Cell>>> {
                use sqlx::Row;
                let postgres = Self::DIALECT == crate::store::sql::Dialect::Postgres;
                if postgres {
                    let mut qb = sqlx::QueryBuilder::<$db>::new("INSERT INTO account_quarters (survey_id, account_id, cells) ");
                    qb.push_values(accounts, |mut b, a| {
                        b.push_bind(survey_id).push_bind(a.clone()).push_bind("");
                    });
                    qb.push(" ON CONFLICT (survey_id, account_id) DO NOTHING");
                    qb.build().execute(&mut *conn).await?;
                }
                let mut qb = sqlx::QueryBuilder::<$db>::new("SELECT account_id, cells FROM account_quarters WHERE survey_id = ");
                qb.push_bind(survey_id).push(" AND account_id IN ");
                Self::push_values(&mut qb, accounts);
                qb.push(if postgres { " ORDER BY account_id FOR UPDATE" } else { "" });
                let mut out = std::collections::BTreeMap::new();
                for row in qb.build().fetch_all(&mut *conn).await? {
                    let cells: String = row.try_get("cells")?;
                    out.insert(row.try_get("account_id")?, crate::store::account_rollups::decode_cells(&cells)?);
                }
                Ok(out)
            }

            /// Writes rows back; a row left without cells is deleted.
            async fn store_account_rows(
                conn: &mut <$db as sqlx::Database>::Connection,
                survey_id: i64,
                rows: &std::collections::BTreeMap<String, Vec<nps_core::churn::cells::Cell>>,
            ) -> crate::store::StoreResult<()> {
                let (kept, emptied): (Vec<_>, Vec<_>) = rows.iter().partition(|(_, cells)| cells.iter().any(|c| c.tally.answers() > 0));
                if !kept.is_empty() {
                    let mut qb = sqlx::QueryBuilder::<$db>::new("INSERT INTO account_quarters (survey_id, account_id, cells) ");
                    qb.push_values(&kept, |mut b, (account, cells)| {
                        b.push_bind(survey_id).push_bind((*account).clone()).push_bind(crate::store::account_rollups::encode_cells(cells));
                    });
                    qb.push(" ON CONFLICT (survey_id, account_id) DO UPDATE SET cells = excluded.cells");
                    qb.build().execute(&mut *conn).await?;
                }
                if !emptied.is_empty() {
                    let names: Vec<String> = emptied.iter().map(|(a, _)| (*a).clone()).collect();
                    let mut qb = sqlx::QueryBuilder::<$db>::new("DELETE FROM account_quarters WHERE survey_id = ");
                    qb.push_bind(survey_id).push(" AND account_id IN ");
                    Self::push_values(&mut qb, &names);
                    qb.build().execute(&mut *conn).await?;
                }
                Ok(())
            }

            /// Adds cells to the stored rows (new answers of the drain).
            async fn add_account_cells(
                conn: &mut <$db as sqlx::Database>::Connection,
                deltas: Vec<nps_core::churn::cells::AccountCells>,
            ) -> crate::store::StoreResult<()> {
                let mut by_survey: std::collections::BTreeMap<i64, Vec<nps_core::churn::cells::AccountCells>> = Default::default();
                for row in deltas {
                    by_survey.entry(row.survey_id).or_default().push(row);
                }
                for (survey_id, rows) in by_survey {
                    for chunk in rows.chunks(crate::store::sql::ROWS_PER_STATEMENT) {
                        let accounts: Vec<String> = chunk.iter().map(|r| r.account.clone()).collect();
                        let mut stored = Self::lock_account_rows(conn, survey_id, &accounts).await?;
                        for delta in chunk {
                            let mut row = nps_core::churn::cells::AccountCells {
                                survey_id,
                                account: delta.account.clone(),
                                cells: stored.remove(&delta.account).unwrap_or_default(),
                            };
                            row.absorb(&delta.cells);
                            stored.insert(row.account, row.cells);
                        }
                        Self::store_account_rows(conn, survey_id, &stored).await?;
                    }
                }
                Ok(())
            }

            /// Keeps each user's latest answer per survey (a replayed or older one changes nothing).
            async fn keep_latest_answers(
                conn: &mut <$db as sqlx::Database>::Connection,
                answers: &[nps_core::churn::Answer],
            ) -> crate::store::StoreResult<()> {
                // One row per (survey, user) in a statement: an upsert may not touch a row twice.
                let mut latest: std::collections::BTreeMap<(i64, &str), &nps_core::churn::Answer> = Default::default();
                for a in answers {
                    let entry = latest.entry((a.survey_id, a.user_id.as_str())).or_insert(a);
                    if (a.at, &a.response_id) > (entry.at, &entry.response_id) {
                        *entry = a;
                    }
                }
                let rows: Vec<&nps_core::churn::Answer> = latest.into_values().collect();
                let b = crate::store::account_rollups::bytewise(Self::DIALECT);
                for chunk in rows.chunks(crate::store::sql::ROWS_PER_STATEMENT) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO account_latest_answers (survey_id, user_id, response_id, account_id, score, answered_at) ",
                    );
                    qb.push_values(chunk, |mut q, a| {
                        q.push_bind(a.survey_id)
                            .push_bind(a.user_id.clone())
                            .push_bind(a.response_id.clone())
                            .push_bind(a.account.clone())
                            .push_bind(i64::from(a.score.value()))
                            .push_bind(a.at);
                    });
                    qb.push(format!(
                        " ON CONFLICT (survey_id, user_id) DO UPDATE SET response_id = excluded.response_id, \
                         account_id = excluded.account_id, score = excluded.score, answered_at = excluded.answered_at \
                         WHERE excluded.answered_at > account_latest_answers.answered_at \
                         OR (excluded.answered_at = account_latest_answers.answered_at \
                         AND excluded.response_id{b} > account_latest_answers.response_id{b})"
                    ));
                    qb.build().execute(&mut *conn).await?;
                }
                Ok(())
            }

            /// Adds answers that got their score in the current transaction to the account
            /// aggregates (those of the surveys kept for accounts). Called where the report
            /// rollups are, with the answers as stored.
            async fn account_rollup_new_answers(
                conn: &mut <$db as sqlx::Database>::Connection,
                scored: &[crate::store::rollups::ScoredAnswer],
            ) -> crate::store::StoreResult<()> {
                use sqlx::Row;
                let surveys: std::collections::BTreeSet<i64> = scored.iter().map(|a| a.answer.survey_id).collect();
                let surveys: Vec<i64> = surveys.into_iter().collect();
                let mut qb = sqlx::QueryBuilder::<$db>::new(format!(
                    "SELECT id FROM surveys WHERE kind IN {} AND id IN ",
                    crate::store::account_rollups::ACCOUNT_KINDS_SQL
                ));
                Self::push_values(&mut qb, &surveys);
                let mut kept = std::collections::HashSet::new();
                for row in qb.build().persistent(crate::store::sql::PLANNED_EACH_TIME).fetch_all(&mut *conn).await? {
                    kept.insert(row.try_get::<i64, _>("id")?);
                }
                let answers: Vec<nps_core::churn::Answer> =
                    scored.iter().filter(|a| kept.contains(&a.answer.survey_id)).map(|a| a.answer.clone()).collect();
                if answers.is_empty() {
                    return Ok(());
                }
                Self::keep_latest_answers(conn, &answers).await?;
                Self::add_account_cells(conn, nps_core::churn::cells::cells_of(&answers)).await
            }

            /// Takes the respondent's answers out of the account aggregates (before they are
            /// deleted): see `account_rollups::without`.
            async fn unroll_account_answers(
                conn: &mut <$db as sqlx::Database>::Connection,
                who: &crate::store::data_rights::Respondent,
            ) -> crate::store::StoreResult<()> {
                use nps_core::churn::cells::{cells_of, quarter_start};
                if who.user_ids.is_empty() {
                    return Ok(());
                }
                let erased = Self::account_answers_where(conn, |qb| {
                    qb.push("r.project_id = ").push_bind(who.project_id).push(" AND r.user_id IN ");
                    Self::push_values(qb, &who.user_ids);
                })
                .await?;
                let mut qb = sqlx::QueryBuilder::<$db>::new("DELETE FROM account_latest_answers WHERE survey_id IN (SELECT id FROM surveys WHERE project_id = ");
                qb.push_bind(who.project_id).push(") AND user_id IN ");
                Self::push_values(&mut qb, &who.user_ids);
                qb.build().execute(&mut *conn).await?;
                for row in cells_of(&erased) {
                    let mut stored = Self::lock_account_rows(conn, row.survey_id, std::slice::from_ref(&row.account)).await?;
                    let mut cells = stored.remove(&row.account).unwrap_or_default();
                    for gone in &row.cells {
                        let Some(cell) = cells.iter_mut().find(|c| c.quarter == gone.quarter) else { continue };
                        let remaining = if crate::store::account_rollups::needs_remaining(&cell.tally, &gone.tally) {
                            let (from, to) = (quarter_start(gone.quarter), quarter_start(gone.quarter + 1));
                            let left = Self::account_answers_where(conn, |qb| {
                                qb.push("r.survey_id = ").push_bind(row.survey_id);
                                if row.account != nps_core::churn::cells::SURVEY_TOTAL {
                                    qb.push(" AND r.project_id = ").push_bind(who.project_id).push(" AND r.account_id = ").push_bind(row.account.clone());
                                }
                                qb.push(" AND r.created_at >= ").push_bind(from).push(" AND r.created_at < ").push_bind(to);
                                qb.push(" AND r.user_id NOT IN ");
                                Self::push_values(qb, &who.user_ids);
                            })
                            .await?;
                            cells_of(&left).into_iter().find(|r| r.account == row.account).and_then(|r| r.cells.first().map(|c| c.tally))
                        } else {
                            None
                        };
                        let left = crate::store::account_rollups::without(&cell.tally, &gone.tally, &remaining.unwrap_or_default());
                        cell.tally = left.unwrap_or_default();
                    }
                    stored.insert(row.account.clone(), cells);
                    Self::store_account_rows(conn, row.survey_id, &stored).await?;
                }
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl crate::store::account_rollups::AccountRollupStore for $store {
            #[tracing::instrument(skip(self))]
            async fn rebuild_account_rollups(&self, survey_id: i64) -> crate::store::StoreResult<u64> {
                let mut tx = self.begin_holding_response_writes().await?;
                for table in ["account_quarters", "account_latest_answers"] {
                    sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE survey_id = $1"))).bind(survey_id).execute(&mut *tx).await?;
                }
                let answers = Self::account_answers_where(&mut tx, |qb| {
                    qb.push("r.survey_id = ").push_bind(survey_id);
                })
                .await?;
                if !answers.is_empty() {
                    Self::keep_latest_answers(&mut tx, &answers).await?;
                    Self::add_account_cells(&mut tx, nps_core::churn::cells::cells_of(&answers)).await?;
                }
                tx.commit().await?;
                Ok(answers.len() as u64)
            }

            #[tracing::instrument(skip(self))]
            async fn account_cells(&self, survey_ids: &[i64], account: Option<&str>) -> crate::store::StoreResult<Vec<nps_core::churn::cells::AccountCells>> {
                use sqlx::Row;
                if survey_ids.is_empty() {
                    return Ok(Vec::new());
                }
                let mut qb = sqlx::QueryBuilder::<$db>::new("SELECT survey_id, account_id, cells FROM account_quarters WHERE survey_id IN ");
                Self::push_values(&mut qb, survey_ids);
                if let Some(account) = account {
                    qb.push(" AND account_id IN ('', ").push_bind(account.to_owned()).push(")");
                }
                let rows = qb.build().fetch_all(&self.pool).await?;
                crate::store::account_rollups::decode_rows(rows, |r| {
                    let cells: &str = r.try_get("cells")?;
                    Ok(nps_core::churn::cells::AccountCells {
                        survey_id: r.try_get("survey_id")?,
                        account: r.try_get("account_id")?,
                        cells: crate::store::account_rollups::decode_cells(cells)?,
                    })
                })
                .await
            }

            #[tracing::instrument(skip(self))]
            async fn silent_candidates(&self, project_id: i64, survey_ids: &[i64], account: Option<&str>) -> crate::store::StoreResult<Vec<nps_core::churn::Answer>> {
                if survey_ids.is_empty() {
                    return Ok(Vec::new());
                }
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "SELECT survey_id, user_id, response_id AS id, account_id, NULL AS account_role, score, answered_at AS created_at \
                     FROM account_latest_answers WHERE survey_id IN ",
                );
                Self::push_values(&mut qb, survey_ids);
                qb.push(" AND user_id IN (SELECT l.user_id FROM account_latest_answers l WHERE l.score <= 6 AND l.survey_id IN ");
                Self::push_values(&mut qb, survey_ids);
                if let Some(account) = account {
                    qb.push(" AND l.account_id = ").push_bind(account.to_owned());
                }
                qb.push(" AND (EXISTS (SELECT 1 FROM displays d WHERE d.project_id = ").push_bind(project_id);
                qb.push(" AND d.user_id = l.user_id AND d.created_at > l.answered_at AND d.survey_id IN ");
                Self::push_values(&mut qb, survey_ids);
                qb.push(") OR EXISTS (SELECT 1 FROM feedback f WHERE f.project_id = ").push_bind(project_id);
                qb.push(" AND f.user_id = l.user_id AND f.created_at > l.answered_at AND (f.kind = 'opt_out' OR (f.kind = 'decline' AND f.survey_id IN ");
                Self::push_values(&mut qb, survey_ids);
                qb.push(")))))");
                let rows = qb.build().fetch_all(&self.pool).await?;
                rows.iter().map(Self::answer_of_row).collect()
            }

            #[tracing::instrument(skip(self, windows), fields(accounts = windows.len()))]
            async fn account_answers(
                &self,
                project_id: i64,
                survey_ids: &[i64],
                windows: &[crate::store::account_rollups::AnswerWindow],
            ) -> crate::store::StoreResult<Vec<nps_core::churn::Answer>> {
                let mut out = Vec::new();
                if survey_ids.is_empty() {
                    return Ok(out);
                }
                let mut conn = self.pool.acquire().await?;
                for chunk in windows.chunks(crate::store::sql::ROWS_PER_STATEMENT) {
                    // Each account's window joined in, so only the answers asked for come back
                    // (the revenue report asks for the weeks before each churn: one window
                    // around them all read every answer of 600 accounts, 80 ms in its bench).
                    let mut qb = sqlx::QueryBuilder::<$db>::new("WITH w (account_id, from_at, to_at) AS (VALUES ");
                    let mut list = qb.separated(", ");
                    for w in chunk {
                        list.push("(").push_bind_unseparated(w.account.clone()).push_unseparated(", ");
                        list.push_bind_unseparated(w.from).push_unseparated(", ").push_bind_unseparated(w.to).push_unseparated(")");
                    }
                    qb.push(") ");
                    out.extend(Self::account_answers_joined(&mut conn, qb, " JOIN w ON w.account_id = r.account_id AND r.created_at >= w.from_at AND r.created_at < w.to_at", |qb| {
                        qb.push("r.project_id = ").push_bind(project_id).push(" AND r.survey_id IN ");
                        Self::push_values(qb, survey_ids);
                    })
                    .await?);
                }
                out.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.response_id.cmp(&b.response_id)));
                Ok(out)
            }
        }
    };
}
