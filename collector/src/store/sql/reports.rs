//! Answer listings and report counts (daily, by segment, displays).

macro_rules! sql_reports {
    // One aggregate's trait, its SQL written once for both backends.
    ($store:ident, $db:ty, $row:ty) => {
        #[async_trait::async_trait]
        impl crate::store::reports::ReportStore for $store {
            #[tracing::instrument(skip(self))]
            async fn list_responses(&self, q: &ResponseQuery) -> StoreResult<Vec<ResponseRow>> {
                if q.survey_ids.is_empty() {
                    return Ok(Vec::new());
                }
                let mut qb = QueryBuilder::<$db>::new(format!("SELECT {RESPONSE_COLUMNS} FROM responses"));
                Self::push_response_filters(&mut qb, q);
                qb.push(" ORDER BY created_at DESC, id LIMIT ").push_bind(q.limit).push(" OFFSET ").push_bind(q.offset);
                let rows = qb.build().fetch_all(&self.pool).await?;
                rows.iter().map(Self::response_from_row).collect()
            }

            #[tracing::instrument(skip(self))]
            async fn daily_band_counts(&self, q: &ResponseQuery) -> StoreResult<Vec<DayCounts>> {
                if q.survey_ids.is_empty() {
                    return Ok(Vec::new());
                }
                let mut qb = QueryBuilder::<$db>::new(format!("SELECT created_at / {MS_PER_DAY} AS day, {} FROM responses", Self::BAND_SUMS));
                Self::push_response_filters(&mut qb, q);
                qb.push(" GROUP BY 1 ORDER BY 1");
                let rows = qb.build().fetch_all(&self.pool).await?;
                rows.iter().map(|r| Ok(DayCounts { day: r.try_get("day")?, counts: Self::band_counts(r)? })).collect()
            }

            #[tracing::instrument(skip(self))]
            async fn segment_counts(&self, q: &ResponseQuery, by: &Dimension) -> StoreResult<Vec<(Option<String>, BandCounts)>> {
                if q.survey_ids.is_empty() {
                    return Ok(Vec::new());
                }
                let mut qb = QueryBuilder::<$db>::new("SELECT ");
                match (by.column(), by) {
                    (Some(column), _) => {
                        qb.push(column);
                    }
                    (None, Dimension::Attribute(key)) => {
                        qb.push(Self::JSON_TEXT.0).push_bind(Self::json_path(key)).push(Self::JSON_TEXT.1);
                    }
                    (None, Dimension::AccountAttribute(key)) => {
                        // A scalar sub-query: inside it `attributes` is the account's.
                        qb.push("(SELECT ").push(Self::JSON_TEXT.0).push_bind(Self::json_path(key)).push(Self::JSON_TEXT.1);
                        qb.push(
                            " FROM accounts acct WHERE acct.project_id = responses.project_id \
                             AND acct.external_id = responses.account_id)",
                        );
                    }
                    (None, _) => return Err(StoreError::Other(anyhow::anyhow!("dimension without a column"))),
                }
                qb.push(" AS segment, ").push(Self::BAND_SUMS).push(" FROM responses");
                Self::push_response_filters(&mut qb, q);
                qb.push(" GROUP BY 1 ORDER BY 1");
                let rows = qb.build().fetch_all(&self.pool).await?;
                rows.iter().map(|r| Ok((r.try_get::<Option<String>, _>("segment")?, Self::band_counts(r)?))).collect()
            }

            async fn daily_displays(&self, q: &ResponseQuery) -> StoreResult<Vec<(i64, u64)>> {
                if q.survey_ids.is_empty() {
                    return Ok(Vec::new());
                }
                let mut qb = QueryBuilder::<$db>::new(format!("SELECT created_at / {MS_PER_DAY} AS day, COUNT(*) AS n FROM displays WHERE"));
                Self::push_surveys_between(&mut qb, q);
                qb.push(" GROUP BY 1 ORDER BY 1");
                let rows = qb.build().fetch_all(&self.pool).await?;
                rows.iter().map(|r| Ok((r.try_get("day")?, r.try_get::<i64, _>("n")?.max(0) as u64))).collect()
            }
        }
    };
}
