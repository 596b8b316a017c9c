//! Dialect, health, the server secret's fingerprint and the dead-letter table.

macro_rules! sql_store_core {
    // One aggregate's trait, its SQL written once for both backends.
    ($store:ident, $db:ty, $row:ty) => {
        #[async_trait::async_trait]
        impl crate::store::Store for $store {
            fn dialect(&self) -> crate::store::sql::Dialect {
                Self::DIALECT
            }

            #[tracing::instrument(skip(self))]
            async fn ping(&self) -> StoreResult<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            #[tracing::instrument(skip_all, fields(records = batch.len()))]
            async fn apply_batch(&self, batch: &[crate::store::records::IngestRecord]) -> StoreResult<()> {
                let parts = BatchParts::split(batch);
                self.apply_parts(&parts).await
            }

            async fn claim_secret_fingerprint(&self, fingerprint: &str, now: i64) -> StoreResult<String> {
                // The first collector's fingerprint stays; every later one reads it back.
                sqlx::query(
                    "INSERT INTO server_secret_check (id, fingerprint, recorded_at) VALUES (1, $1, $2) \
                     ON CONFLICT (id) DO NOTHING",
                )
                .bind(fingerprint)
                .bind(now)
                .execute(&self.pool)
                .await?;
                Ok(sqlx::query_scalar("SELECT fingerprint FROM server_secret_check WHERE id = 1").fetch_one(&self.pool).await?)
            }

            async fn replace_secret_fingerprint(&self, fingerprint: &str, now: i64) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO server_secret_check (id, fingerprint, recorded_at) VALUES (1, $1, $2) \
                     ON CONFLICT (id) DO UPDATE SET fingerprint = excluded.fingerprint, recorded_at = excluded.recorded_at",
                )
                .bind(fingerprint)
                .bind(now)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn dead_letter(&self, record: &str, reason: &str, at: i64) -> StoreResult<()> {
                sqlx::query("INSERT INTO dead_letters (record, reason, created_at) VALUES ($1, $2, $3)")
                    .bind(record)
                    .bind(reason)
                    .bind(at)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn list_dead_letters(&self, limit: i64) -> StoreResult<Vec<DeadLetter>> {
                let rows = sqlx::query("SELECT id, record, reason, created_at FROM dead_letters ORDER BY id DESC LIMIT $1")
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter()
                    .map(|r| {
                        Ok(DeadLetter {
                            id: r.try_get("id")?,
                            record: r.try_get("record")?,
                            reason: r.try_get("reason")?,
                            created_at: r.try_get("created_at")?,
                        })
                    })
                    .collect()
            }
        }
    };
}
