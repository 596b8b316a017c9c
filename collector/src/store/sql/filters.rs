//! The WHERE clauses every answer query shares: scope, partners, users, filters.

macro_rules! sql_filters {
    ($store:ident, $db:ty, $row:ty) => {
            /// `survey_id IN (...)` and the date range, shared by the outer filter and the
            /// dedupe sub-query.
            fn push_scope(qb: &mut QueryBuilder<$db>, q: &ResponseQuery) {
                qb.push(" score IS NOT NULL AND");
                Self::push_surveys_between(qb, q);
                Self::push_user_scope(qb, &q.users);
                if let Some(partners) = &q.partners {
                    Self::push_partner_scope(qb, partners);
                }
            }

            /// ` survey_id IN (...)` and the date range `[from, to)` of the query.
            fn push_surveys_between(qb: &mut QueryBuilder<$db>, q: &ResponseQuery) {
                qb.push(" survey_id IN (");
                let mut ids = qb.separated(", ");
                for id in &q.survey_ids {
                    ids.push_bind(*id);
                }
                qb.push(")");
                if let Some(from) = q.from {
                    qb.push(" AND created_at >= ").push_bind(from);
                }
                if let Some(to) = q.to {
                    qb.push(" AND created_at < ").push_bind(to);
                }
            }

            /// The answers of each band, as `promoters`, `passives` and `detractors` columns.
            const BAND_SUMS: &'static str = "SUM(CASE WHEN score >= 9 THEN 1 ELSE 0 END) AS promoters, \
                SUM(CASE WHEN score BETWEEN 7 AND 8 THEN 1 ELSE 0 END) AS passives, \
                SUM(CASE WHEN score <= 6 THEN 1 ELSE 0 END) AS detractors";

            /// The [`Self::BAND_SUMS`] columns of a row.
            fn band_counts(row: &$row) -> StoreResult<BandCounts> {
                let count = |c: &str| -> StoreResult<u64> { Ok(row.try_get::<i64, _>(c)?.max(0) as u64) };
                Ok(BandCounts::new(count("promoters")?, count("passives")?, count("detractors")?))
            }

            /// ` AND ...` keeping only the answers of these (project, partner) pairs: per
            /// project, `project_id = ? AND partner IN (...)`; no pairs, no answers.
            fn push_partner_scope(qb: &mut QueryBuilder<$db>, partners: &[crate::store::PartnerKey]) {
                let mut by_project: std::collections::BTreeMap<i64, Vec<&String>> = std::collections::BTreeMap::new();
                for (project_id, partner) in partners {
                    by_project.entry(*project_id).or_default().push(partner);
                }
                qb.push(" AND (1 = 0");
                for (project_id, ids) in by_project {
                    qb.push(" OR (project_id = ").push_bind(project_id).push(" AND ");
                    qb.push(Self::JSON_TEXT.0).push_bind(Self::json_path("partner")).push(Self::JSON_TEXT.1);
                    qb.push(" IN (");
                    let mut list = qb.separated(", ");
                    for id in ids {
                        list.push_bind(id.clone());
                    }
                    qb.push("))");
                }
                qb.push(")");
            }

            /// ` AND ...` keeping or leaving out some users' answers (per project).
            fn push_user_scope(qb: &mut QueryBuilder<$db>, users: &crate::store::rollups::UserScope) {
                use crate::store::rollups::UserScope;
                let (groups, exclude) = match users {
                    UserScope::All => return,
                    UserScope::Excluding(groups) => (groups, true),
                    UserScope::Only(groups) => (groups, false),
                };
                let groups: Vec<_> = groups.iter().filter(|(_, users)| !users.is_empty()).collect();
                qb.push(if exclude { " AND NOT (1 = 0" } else { " AND (1 = 0" });
                for (project_id, users) in groups {
                    qb.push(" OR (project_id = ").push_bind(*project_id).push(" AND user_id IN (");
                    let mut ids = qb.separated(", ");
                    for user in users {
                        ids.push_bind(user.clone());
                    }
                    qb.push("))");
                }
                qb.push(")");
            }

            /// `WHERE ...` for a response read; `survey_ids` is never empty here.
            fn push_response_filters(qb: &mut QueryBuilder<$db>, q: &ResponseQuery) {
                qb.push(" WHERE");
                Self::push_scope(qb, q);
                if q.latest_per_user {
                    qb.push(
                        " AND id IN (SELECT id FROM (SELECT id, ROW_NUMBER() OVER \
                         (PARTITION BY user_id ORDER BY created_at DESC, id DESC) AS rn FROM responses WHERE",
                    );
                    Self::push_scope(qb, q);
                    qb.push(") AS ranked WHERE rn = 1)");
                }
                match q.band {
                    Some(Band::Detractor) => qb.push(" AND score <= 6"),
                    Some(Band::Passive) => qb.push(" AND score BETWEEN 7 AND 8"),
                    Some(Band::Promoter) => qb.push(" AND score >= 9"),
                    None => qb,
                };
                match q.has_comment {
                    Some(true) => qb.push(" AND comment IS NOT NULL AND comment <> ''"),
                    Some(false) => qb.push(" AND (comment IS NULL OR comment = '')"),
                    None => qb,
                };
                for (key, value) in &q.attributes {
                    qb.push(" AND ").push(Self::JSON_TEXT.0).push_bind(Self::json_path(key)).push(Self::JSON_TEXT.1);
                    qb.push(" = ").push_bind(value.clone());
                }
                if let Some(text) = q.text.as_deref().filter(|t| !t.is_empty()) {
                    let escaped = text.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
                    qb.push(" AND LOWER(comment) LIKE ").push_bind(format!("%{escaped}%")).push(" ESCAPE '\\'");
                }
            }
    };
}
