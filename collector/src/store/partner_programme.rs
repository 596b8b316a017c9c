//! Storage for the partner programme beyond answers: the facts response coverage is computed
//! from, and which partner a follow-up belongs to.

use super::StoreResult;
use async_trait::async_trait;
use super::PartnerKey;
use nps_core::wire::{Attributes, Partner};

/// A recipient of a partner campaign, as coverage sees it.
#[derive(Debug, Clone)]
pub struct ContactRow {
    pub email: String,
    pub attributes: Attributes,
}

/// An answer to a partner survey in the period.
#[derive(Debug, Clone)]
pub struct CoverageAnswerRow {
    /// The recipient's e-mail when the answer names its recipient (identified and confidential
    /// campaigns), else the answer's own respondent id.
    pub respondent: String,
    pub attributes: Attributes,
    pub account_role: Option<String>,
}

#[async_trait]
pub trait PartnerProgrammeStore: Send + Sync {
    async fn upsert_partners(&self, project_id: i64, partners: &[Partner]) -> StoreResult<()>;
    async fn list_partners(&self, project_id: Option<i64>) -> StoreResult<Vec<Partner>>;
    /// The partners this manager owns, as (project id, partner id).
    async fn partners_owned_by(&self, email: &str) -> StoreResult<Vec<PartnerKey>>;

    /// Recipients of the campaigns of these surveys.
    async fn campaign_contacts(&self, survey_ids: &[i64]) -> StoreResult<Vec<ContactRow>>;
    /// Scored answers to these surveys created in [from, to).
    async fn coverage_answers(&self, survey_ids: &[i64], from: Option<i64>, to: Option<i64>) -> StoreResult<Vec<CoverageAnswerRow>>;
    /// The project of the follow-up and its partner: `None`: no such follow-up; `Some((project,
    /// None))`: a follow-up of no partner. Partner ids mean something only within their project.
    async fn followup_partner(&self, response_id: &str) -> StoreResult<Option<(i64, Option<String>)>>;
}

macro_rules! impl_partner_programme_store {
    ($store:ident, $db:ty) => {
        #[async_trait::async_trait]
        impl crate::store::partner_programme::PartnerProgrammeStore for $store {
            async fn upsert_partners(&self, project_id: i64, partners: &[nps_core::wire::Partner]) -> crate::store::StoreResult<()> {
                let mut tx = self.pool.begin().await?;
                for chunk in partners.chunks(crate::store::sql::ROWS_PER_STATEMENT) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new("INSERT INTO partners (project_id, external_id, name, tier, region, owner_email) ");
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

            async fn list_partners(&self, project_id: Option<i64>) -> crate::store::StoreResult<Vec<nps_core::wire::Partner>> {
                use sqlx::Row as _;
                let rows = match project_id {
                    Some(p) => sqlx::query("SELECT * FROM partners WHERE project_id = $1 ORDER BY external_id").bind(p).fetch_all(&self.pool).await?,
                    None => sqlx::query("SELECT * FROM partners ORDER BY external_id").fetch_all(&self.pool).await?,
                };
                rows.iter()
                    .map(|r| {
                        Ok(nps_core::wire::Partner {
                            id: crate::store::typed("external_id", r.try_get("external_id")?)?,
                            name: crate::store::typed("name", r.try_get("name")?)?,
                            tier: r.try_get("tier")?,
                            region: r.try_get("region")?,
                            owner_email: r.try_get("owner_email")?,
                        })
                    })
                    .collect()
            }

            async fn partners_owned_by(&self, email: &str) -> crate::store::StoreResult<Vec<crate::store::PartnerKey>> {
                use sqlx::Row as _;
                let rows = sqlx::query("SELECT project_id, external_id FROM partners WHERE owner_email = $1 ORDER BY project_id, external_id")
                    .bind(email)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(|r| Ok((r.try_get("project_id")?, r.try_get("external_id")?))).collect()
            }

            async fn campaign_contacts(&self, survey_ids: &[i64]) -> crate::store::StoreResult<Vec<crate::store::partner_programme::ContactRow>> {
                use sqlx::Row;
                if survey_ids.is_empty() {
                    return Ok(Vec::new());
                }
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "SELECT r.email, r.attributes FROM recipients r JOIN campaigns c ON c.id = r.campaign_id WHERE c.survey_id IN (",
                );
                let mut ids = qb.separated(", ");
                for id in survey_ids {
                    ids.push_bind(*id);
                }
                qb.push(") ORDER BY r.email");
                let rows = qb.build().fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|r| {
                        Ok(crate::store::partner_programme::ContactRow {
                            email: r.try_get("email")?,
                            attributes: crate::store::sql::json_map(r.try_get("attributes")?)?,
                        })
                    })
                    .collect()
            }

            async fn coverage_answers(
                &self,
                survey_ids: &[i64],
                from: Option<i64>,
                to: Option<i64>,
            ) -> crate::store::StoreResult<Vec<crate::store::partner_programme::CoverageAnswerRow>> {
                use sqlx::Row;
                if survey_ids.is_empty() {
                    return Ok(Vec::new());
                }
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "SELECT COALESCE(rc.email, r.user_id) AS respondent, r.attributes, r.account_role FROM responses r \
                     LEFT JOIN recipients rc ON rc.id = r.user_id WHERE r.score IS NOT NULL AND r.survey_id IN (",
                );
                let mut ids = qb.separated(", ");
                for id in survey_ids {
                    ids.push_bind(*id);
                }
                qb.push(")");
                if let Some(from) = from {
                    qb.push(" AND r.created_at >= ").push_bind(from);
                }
                if let Some(to) = to {
                    qb.push(" AND r.created_at < ").push_bind(to);
                }
                let rows = qb.build().fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|r| {
                        Ok(crate::store::partner_programme::CoverageAnswerRow {
                            respondent: r.try_get("respondent")?,
                            attributes: crate::store::sql::json_map(r.try_get("attributes")?)?,
                            account_role: r.try_get("account_role")?,
                        })
                    })
                    .collect()
            }

            async fn followup_partner(&self, response_id: &str) -> crate::store::StoreResult<Option<(i64, Option<String>)>> {
                use sqlx::Row;
                let row = sqlx::query("SELECT project_id, partner_id FROM followups WHERE response_id = $1")
                    .bind(response_id)
                    .fetch_optional(&self.pool)
                    .await?;
                let Some(row) = row else { return Ok(None) };
                Ok(Some((row.try_get("project_id")?, row.try_get("partner_id")?)))
            }
        }
    };
}
