//! Partner organisations and admin users.

macro_rules! sql_people {
    // Appends this part's methods to those gathered so far and hands them to the next part;
    // the last hands them to `sql_store_impl!`, which writes the one `impl Store` block.
    ($store:ident, $db:ty, $row:ty, [$($done:tt)*], $next:ident $(, $rest:ident)*) => {
        $next!($store, $db, $row, [$($done)*
            async fn upsert_partners(&self, project_id: i64, partners: &[Partner]) -> StoreResult<()> {
                let mut tx = self.pool.begin().await?;
                for chunk in partners.chunks(ROWS_PER_STATEMENT) {
                    let mut qb = QueryBuilder::<$db>::new("INSERT INTO partners (project_id, external_id, name, tier, region, owner_email) ");
                    qb.push_values(chunk, |mut b, p| {
                        b.push_bind(project_id).push_bind(p.id.as_str()).push_bind(p.name.as_str()).push_bind(&p.tier).push_bind(&p.region).push_bind(&p.owner_email);
                    });
                    qb.push(
                        " ON CONFLICT (project_id, external_id) DO UPDATE SET name = excluded.name, tier = excluded.tier, \
                         region = excluded.region, owner_email = excluded.owner_email",
                    );
                    qb.build().execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn list_partners(&self, project_id: Option<i64>) -> StoreResult<Vec<Partner>> {
                let rows = match project_id {
                    Some(p) => sqlx::query("SELECT * FROM partners WHERE project_id = $1 ORDER BY external_id").bind(p).fetch_all(&self.pool).await?,
                    None => sqlx::query("SELECT * FROM partners ORDER BY external_id").fetch_all(&self.pool).await?,
                };
                rows.iter()
                    .map(|r| {
                        Ok(Partner {
                            id: crate::store::typed("external_id", r.try_get("external_id")?)?,
                            name: crate::store::typed("name", r.try_get("name")?)?,
                            tier: r.try_get("tier")?,
                            region: r.try_get("region")?,
                            owner_email: r.try_get("owner_email")?,
                        })
                    })
                    .collect()
            }

            async fn partners_owned_by(&self, email: &str) -> StoreResult<Vec<crate::store::PartnerKey>> {
                let rows = sqlx::query("SELECT project_id, external_id FROM partners WHERE owner_email = $1 ORDER BY project_id, external_id")
                    .bind(email)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(|r| Ok((r.try_get("project_id")?, r.try_get("external_id")?))).collect()
            }

            async fn count_admins(&self) -> StoreResult<i64> {
                let row = sqlx::query("SELECT COUNT(*) AS n FROM admin_users").fetch_one(&self.pool).await?;
                Ok(row.try_get("n")?)
            }

            #[tracing::instrument(skip(self, password_hash))]
            async fn create_admin(&self, email: &str, password_hash: &str, role: AdminRole, now: i64) -> StoreResult<AdminRecord> {
                let row = sqlx::query(
                    "INSERT INTO admin_users (email, password_hash, role, created_at) VALUES ($1, $2, $3, $4) \
                     RETURNING id, email, password_hash, role",
                )
                .bind(email)
                .bind(password_hash)
                .bind(role.as_str())
                .bind(now)
                .fetch_one(&self.pool)
                .await?;
                Self::admin_from_row(&row)
            }

            async fn admin_by_email(&self, email: &str) -> StoreResult<Option<AdminRecord>> {
                let row = sqlx::query("SELECT id, email, password_hash, role FROM admin_users WHERE email = $1")
                    .bind(email)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(Self::admin_from_row).transpose()
            }
        ], $($rest),*);
    };
}
