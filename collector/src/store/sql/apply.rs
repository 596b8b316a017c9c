//! The drainer's batch: multi-row idempotent upserts of every record kind, with rollups.

macro_rules! sql_apply {
    ($store:ident, $db:ty, $row:ty) => {
            /// One batch in one transaction, in the order its records depend on each other:
            /// identifies before the answers, which copy their user's attributes as they are
            /// inserted; scores before the rollups.
            async fn apply_parts(&self, parts: &BatchParts) -> StoreResult<()> {
                let mut tx = self.pool.begin().await?;
                Self::upsert_people(&mut tx, parts).await?;
                Self::insert_displays(&mut tx, &parts.displays).await?;
                let newly_scored = Self::upsert_scores(&mut tx, parts).await?;
                Self::upsert_completions(&mut tx, parts).await?;
                Self::insert_decision_logs(&mut tx, &parts.decisions).await?;
                Self::rollup_scored_answers(&mut tx, &newly_scored).await?;
                tx.commit().await?;
                Ok(())
            }

            /// Users, accounts and account members.
            async fn upsert_people(conn: &mut <$db as sqlx::Database>::Connection, parts: &BatchParts) -> StoreResult<()> {
                // A replayed older identify never overwrites a newer one.
                upsert_chunked!(
                    conn,
                    $db,
                    parts.users,
                    "INSERT INTO app_users (project_id, external_id, attributes, created_at, first_seen_at, \
                     last_seen_at, language, account_id, account_role) ",
                    |mut b, u| {
                        b.push_bind(u.project_id)
                            .push_bind(&u.user_id)
                            .push_bind(&u.attributes)
                            .push_bind(u.created_at)
                            .push_bind(u.first_seen_at)
                            .push_bind(u.last_seen_at)
                            .push_bind(&u.language)
                            .push_bind(&u.account_id)
                            .push_bind(&u.account_role);
                    },
                    " ON CONFLICT (project_id, external_id) DO UPDATE SET \
                     attributes = excluded.attributes, \
                     created_at = COALESCE(excluded.created_at, app_users.created_at), \
                     last_seen_at = excluded.last_seen_at, \
                     language = COALESCE(excluded.language, app_users.language), \
                     account_id = COALESCE(excluded.account_id, app_users.account_id), \
                     account_role = COALESCE(excluded.account_role, app_users.account_role) \
                     WHERE excluded.last_seen_at >= app_users.last_seen_at"
                );
                upsert_chunked!(
                    conn,
                    $db,
                    parts.accounts,
                    "INSERT INTO accounts (project_id, external_id, attributes, first_seen_at, updated_at) ",
                    |mut b, a| {
                        b.push_bind(a.project_id).push_bind(&a.account_id).push_bind(&a.attributes).push_bind(a.at).push_bind(a.at);
                    },
                    " ON CONFLICT (project_id, external_id) DO UPDATE SET attributes = excluded.attributes, \
                     updated_at = excluded.updated_at WHERE excluded.updated_at >= accounts.updated_at"
                );
                upsert_chunked!(
                    conn,
                    $db,
                    parts.members,
                    "INSERT INTO account_members (project_id, account_id, user_id, role, updated_at) ",
                    |mut b, m| {
                        b.push_bind(m.project_id).push_bind(&m.account_id).push_bind(&m.user_id).push_bind(&m.role).push_bind(m.at);
                    },
                    " ON CONFLICT (project_id, account_id, user_id) DO UPDATE SET role = excluded.role, \
                     updated_at = excluded.updated_at WHERE excluded.updated_at >= account_members.updated_at"
                );
                Ok(())
            }

            /// Displays, idempotent by id: the drainer's, and those a SQLite decision batch granted.
            async fn insert_displays(conn: &mut <$db as sqlx::Database>::Connection, rows: &[crate::store::records::DisplayRow]) -> StoreResult<()> {
                upsert_chunked!(
                    conn,
                    $db,
                    rows,
                    "INSERT INTO displays (id, project_id, survey_id, user_id, trigger_name, url, language, device, \
                     sampling_rate_bp, created_at) ",
                    |mut b, d| {
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
                    },
                    " ON CONFLICT (id) DO NOTHING"
                );
                Ok(())
            }

            /// Inserts scores (or fills a comment-first row) and returns the answers that got
            /// their score here, as stored: only these are added to the rollups, so a replay
            /// adds nothing.
            async fn upsert_scores(
                conn: &mut <$db as sqlx::Database>::Connection,
                parts: &BatchParts,
            ) -> StoreResult<Vec<crate::store::rollups::ScoredAnswer>> {
                let mut newly_scored = Vec::new();
                for chunk in parts.scores.chunks(ROWS_PER_STATEMENT) {
                    let mut qb = QueryBuilder::<$db>::new(crate::store::sql::snapshot_insert_head(crate::store::sql::SCORE_COLUMNS));
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
                    qb.push(crate::store::sql::snapshot_insert_tail(crate::store::sql::SCORE_COLUMNS));
                    // The score may arrive after its comment (retries reorder); it fills the row
                    // then, and a retried score never changes a stored one.
                    qb.push(format!(
                        " ON CONFLICT (id) DO UPDATE SET score = excluded.score, display_id = excluded.display_id, \
                         language = excluded.language, device = excluded.device, trigger_name = excluded.trigger_name, \
                         sampling_rate_bp = excluded.sampling_rate_bp, created_at = excluded.created_at, {kept} \
                         WHERE responses.score IS NULL AND responses.project_id = excluded.project_id \
                         AND responses.user_id = excluded.user_id AND responses.survey_id = excluded.survey_id \
                         RETURNING {returned}",
                        kept = crate::store::sql::SNAPSHOT_KEPT,
                        returned = crate::store::rollups::SCORED_ANSWER_COLUMNS,
                    ));
                    for row in qb.build().fetch_all(&mut *conn).await? {
                        newly_scored.push(Self::scored_answer_of_row(&row)?);
                    }
                }
                Ok(newly_scored)
            }

            /// Comments and extra answers, then feedback (declined, snoozed, opted out).
            async fn upsert_completions(conn: &mut <$db as sqlx::Database>::Connection, parts: &BatchParts) -> StoreResult<()> {
                // The survey must match too: the client API takes completions of in-app
                // surveys only, so one naming an in-app survey must not land on a link
                // answer (employee or partner NPS) that happens to have this id and user.
                for chunk in parts.completions.chunks(ROWS_PER_STATEMENT) {
                    let mut qb = QueryBuilder::<$db>::new(crate::store::sql::snapshot_insert_head(crate::store::sql::COMPLETION_COLUMNS));
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
                    qb.push(crate::store::sql::snapshot_insert_tail(crate::store::sql::COMPLETION_COLUMNS));
                    qb.push(format!(
                        " ON CONFLICT (id) DO UPDATE SET comment = excluded.comment, \
                         extra_answers = excluded.extra_answers, completed_at = excluded.completed_at, {kept} \
                         WHERE responses.project_id = excluded.project_id AND responses.user_id = excluded.user_id \
                         AND responses.survey_id = excluded.survey_id",
                        kept = crate::store::sql::SNAPSHOT_KEPT,
                    ));
                    qb.build().execute(&mut *conn).await?;
                }
                upsert_chunked!(
                    conn,
                    $db,
                    parts.feedback,
                    "INSERT INTO feedback (id, project_id, survey_id, user_id, kind, created_at) ",
                    |mut b, f| {
                        b.push_bind(&f.id)
                            .push_bind(f.project_id)
                            .push_bind(f.survey_id)
                            .push_bind(&f.user_id)
                            .push_bind(f.kind.as_str())
                            .push_bind(f.at);
                    },
                    " ON CONFLICT (id) DO NOTHING"
                );
                Ok(())
            }

            /// Decision log entries as (project, moment, entry); idempotent by the entry's key. The
            /// drainer writes those a resident collector spooled; a batch of decisions taken in
            /// SQL writes its own in its transaction.
            async fn insert_decision_logs(
                conn: &mut <$db as sqlx::Database>::Connection,
                rows: &[(i64, i64, crate::store::records::DecisionLog)],
            ) -> StoreResult<()> {
                upsert_chunked!(
                    conn,
                    $db,
                    rows,
                    "INSERT INTO decisions (decision_key, project_id, survey_id, user_id, eligible, rule, detail, \
                     retry_after, sampling_rate_bp, display_id, trigger_name, created_at) ",
                    |mut b, (project_id, at, d)| {
                        b.push_bind(&d.key)
                            .push_bind(*project_id)
                            .push_bind(d.survey_id)
                            .push_bind(&d.user_id)
                            .push_bind(d.decision.eligible)
                            .push_bind(d.decision.rule.as_str())
                            .push_bind(&d.decision.detail)
                            .push_bind(d.decision.retry_after)
                            .push_bind(i64::from(d.decision.sampling_rate_bp))
                            .push_bind(d.decision.eligible.then_some(&d.key))
                            .push_bind(&d.trigger)
                            .push_bind(*at);
                    },
                    " ON CONFLICT (decision_key) DO NOTHING"
                );
                Ok(())
            }
    };
}
