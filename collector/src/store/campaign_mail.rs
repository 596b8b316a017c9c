//! Storage for e-mail delivery of link campaigns: the delivery settings, the waves, which
//! invitations and reminders were handed to the outbox, the lease that keeps several collectors
//! from working one campaign at once, and the ledger look-ups reminders are based on.

use super::StoreResult;
use nps_core::wire::DeliverySettings;
use async_trait::async_trait;

/// A campaign's delivery state as stored.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub campaign_id: i64,
    /// E-mail delivery runs (switched on by "send now").
    pub active: bool,
    pub settings: DeliverySettings,
}

pub use nps_core::wire::Wave;

/// An invitation or reminder handed to the outbox.
#[derive(Debug, Clone)]
pub struct CampaignMessage {
    pub outbox_id: String,
    pub campaign_id: i64,
    pub wave: u32,
    pub recipient_id: String,
    /// `invitation` or `reminder`.
    pub kind: &'static str,
}

/// Per wave and kind: messages handed to the outbox, and how many of those the delivery log
/// shows as delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageCount {
    pub wave: u32,
    pub kind: String,
    pub sent: u64,
    pub delivered: u64,
}

#[async_trait]
pub trait CampaignMailStore: Send + Sync {
    async fn campaign_schedule(&self, campaign_id: i64) -> StoreResult<Option<Schedule>>;
    /// Saves the settings (the campaign's delivery stays on or off as it was).
    async fn save_delivery_settings(&self, campaign_id: i64, settings: &DeliverySettings, now: i64) -> StoreResult<()>;
    /// Switches e-mail delivery on.
    async fn activate_delivery(&self, campaign_id: i64, now: i64) -> StoreResult<()>;
    async fn active_schedules(&self) -> StoreResult<Vec<Schedule>>;
    /// Takes (or renews) the campaign's lease for `owner` until `until`; false when another
    /// owner holds an unexpired lease.
    async fn take_campaign_lease(&self, campaign_id: i64, owner: &str, now: i64, until: i64) -> StoreResult<bool>;

    async fn waves(&self, campaign_id: i64) -> StoreResult<Vec<Wave>>;
    async fn get_wave(&self, campaign_id: i64, wave: u32) -> StoreResult<Option<Wave>>;
    /// Records a wave unless it exists (idempotent); true when newly recorded.
    async fn start_wave(&self, campaign_id: i64, wave: &Wave) -> StoreResult<bool>;
    async fn set_reminder_rounds(&self, campaign_id: i64, wave: u32, rounds: u32) -> StoreResult<()>;

    /// Outbox ids already handed over for this wave and kind.
    async fn handed_over(&self, campaign_id: i64, wave: u32, kind: &str) -> StoreResult<Vec<String>>;
    async fn record_handed_over(&self, messages: &[CampaignMessage]) -> StoreResult<()>;
    async fn message_counts(&self, campaign_id: i64) -> StoreResult<Vec<MessageCount>>;
    /// Which of these token hashes are in the used-token ledger. The ledger alone says who has
    /// answered: nothing is joined to the answers.
    async fn spent_tokens(&self, token_hashes: &[String]) -> StoreResult<Vec<String>>;
}

macro_rules! impl_campaign_mail_store {
    ($store:ident, $db:ty, $row:ty) => {
        const _: () = {
            use crate::store::campaign_mail::{Schedule, Wave};
            use nps_core::wire::DeliverySettings;
            use crate::store::campaign_mail::{CampaignMailStore, CampaignMessage, MessageCount};
            use crate::store::sql::ROWS_PER_STATEMENT;
            use crate::store::{StoreError, StoreResult};
            use sqlx::{QueryBuilder, Row};

            fn small(row: &$row, column: &str) -> StoreResult<u32> {
                u32::try_from(row.try_get::<i64, _>(column)?).map_err(|_| StoreError::Corrupt(format!("{column} out of range")))
            }

            fn optional_small(row: &$row, column: &str) -> StoreResult<Option<u32>> {
                row.try_get::<Option<i64>, _>(column)?
                    .map(|v| u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("{column} out of range"))))
                    .transpose()
            }

            fn schedule_from_row(row: &$row) -> StoreResult<Schedule> {
                Ok(Schedule {
                    campaign_id: row.try_get("campaign_id")?,
                    active: row.try_get("active")?,
                    settings: DeliverySettings {
                        reminder_after_days: optional_small(row, "reminder_after_days")?,
                        max_reminders: small(row, "max_reminders")?,
                        cadence_days: optional_small(row, "cadence_days")?,
                    },
                })
            }

            fn wave_from_row(row: &$row) -> StoreResult<Wave> {
                Ok(Wave {
                    wave: small(row, "wave")?,
                    started_at: row.try_get("started_at")?,
                    expires_at: row.try_get("expires_at")?,
                    reminder_rounds: small(row, "reminder_rounds")?,
                })
            }

            #[async_trait::async_trait]
            impl CampaignMailStore for $store {
                async fn campaign_schedule(&self, campaign_id: i64) -> StoreResult<Option<Schedule>> {
                    let row = sqlx::query("SELECT * FROM campaign_schedules WHERE campaign_id = $1")
                        .bind(campaign_id)
                        .fetch_optional(&self.pool)
                        .await?;
                    row.as_ref().map(schedule_from_row).transpose()
                }

                async fn save_delivery_settings(&self, campaign_id: i64, s: &DeliverySettings, now: i64) -> StoreResult<()> {
                    sqlx::query(
                        "INSERT INTO campaign_schedules (campaign_id, active, reminder_after_days, max_reminders, cadence_days, \
                         lease_until, updated_at) VALUES ($1, FALSE, $2, $3, $4, 0, $5) ON CONFLICT (campaign_id) DO UPDATE SET \
                         reminder_after_days = excluded.reminder_after_days, max_reminders = excluded.max_reminders, \
                         cadence_days = excluded.cadence_days, updated_at = excluded.updated_at",
                    )
                    .bind(campaign_id)
                    .bind(s.reminder_after_days.map(i64::from))
                    .bind(i64::from(s.max_reminders))
                    .bind(s.cadence_days.map(i64::from))
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn activate_delivery(&self, campaign_id: i64, now: i64) -> StoreResult<()> {
                    sqlx::query(
                        "INSERT INTO campaign_schedules (campaign_id, active, max_reminders, lease_until, updated_at) \
                         VALUES ($1, TRUE, 0, 0, $2) ON CONFLICT (campaign_id) DO UPDATE SET active = TRUE, updated_at = excluded.updated_at",
                    )
                    .bind(campaign_id)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn active_schedules(&self) -> StoreResult<Vec<Schedule>> {
                    let rows = sqlx::query("SELECT * FROM campaign_schedules WHERE active ORDER BY campaign_id").fetch_all(&self.pool).await?;
                    rows.iter().map(schedule_from_row).collect()
                }

                async fn take_campaign_lease(&self, campaign_id: i64, owner: &str, now: i64, until: i64) -> StoreResult<bool> {
                    // One conditional UPDATE: the database serialises competing takers.
                    let taken = sqlx::query(
                        "UPDATE campaign_schedules SET lease_owner = $1, lease_until = $2 \
                         WHERE campaign_id = $3 AND (lease_owner IS NULL OR lease_owner = $1 OR lease_until < $4)",
                    )
                    .bind(owner)
                    .bind(until)
                    .bind(campaign_id)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    Ok(taken.rows_affected() == 1)
                }

                async fn waves(&self, campaign_id: i64) -> StoreResult<Vec<Wave>> {
                    let rows = sqlx::query("SELECT * FROM campaign_waves WHERE campaign_id = $1 ORDER BY wave")
                        .bind(campaign_id)
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter().map(wave_from_row).collect()
                }

                async fn get_wave(&self, campaign_id: i64, wave: u32) -> StoreResult<Option<Wave>> {
                    let row = sqlx::query("SELECT * FROM campaign_waves WHERE campaign_id = $1 AND wave = $2")
                        .bind(campaign_id)
                        .bind(i64::from(wave))
                        .fetch_optional(&self.pool)
                        .await?;
                    row.as_ref().map(wave_from_row).transpose()
                }

                async fn start_wave(&self, campaign_id: i64, wave: &Wave) -> StoreResult<bool> {
                    let inserted = sqlx::query(
                        "INSERT INTO campaign_waves (campaign_id, wave, started_at, expires_at, reminder_rounds) \
                         VALUES ($1, $2, $3, $4, 0) ON CONFLICT (campaign_id, wave) DO NOTHING",
                    )
                    .bind(campaign_id)
                    .bind(i64::from(wave.wave))
                    .bind(wave.started_at)
                    .bind(wave.expires_at)
                    .execute(&self.pool)
                    .await?;
                    Ok(inserted.rows_affected() == 1)
                }

                async fn set_reminder_rounds(&self, campaign_id: i64, wave: u32, rounds: u32) -> StoreResult<()> {
                    sqlx::query("UPDATE campaign_waves SET reminder_rounds = $1 WHERE campaign_id = $2 AND wave = $3")
                        .bind(i64::from(rounds))
                        .bind(campaign_id)
                        .bind(i64::from(wave))
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn handed_over(&self, campaign_id: i64, wave: u32, kind: &str) -> StoreResult<Vec<String>> {
                    let rows = sqlx::query("SELECT outbox_id FROM campaign_messages WHERE campaign_id = $1 AND wave = $2 AND kind = $3")
                        .bind(campaign_id)
                        .bind(i64::from(wave))
                        .bind(kind)
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter().map(|r| Ok(r.try_get("outbox_id")?)).collect()
                }

                async fn record_handed_over(&self, messages: &[CampaignMessage]) -> StoreResult<()> {
                    for chunk in messages.chunks(ROWS_PER_STATEMENT) {
                        let mut qb = QueryBuilder::<$db>::new("INSERT INTO campaign_messages (outbox_id, campaign_id, wave, recipient_id, kind) ");
                        qb.push_values(chunk, |mut b, m| {
                            b.push_bind(&m.outbox_id).push_bind(m.campaign_id).push_bind(i64::from(m.wave)).push_bind(&m.recipient_id).push_bind(m.kind);
                        });
                        qb.push(" ON CONFLICT (outbox_id) DO NOTHING");
                        qb.build().execute(&self.pool).await?;
                    }
                    Ok(())
                }

                async fn message_counts(&self, campaign_id: i64) -> StoreResult<Vec<MessageCount>> {
                    // `deliveries` is the outbox's delivery log (one row per attempt).
                    let rows = sqlx::query(
                        "SELECT m.wave, m.kind, COUNT(*) AS sent, \
                         SUM(CASE WHEN EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = m.outbox_id AND d.status = 'delivered') \
                         THEN 1 ELSE 0 END) AS delivered \
                         FROM campaign_messages m WHERE m.campaign_id = $1 GROUP BY m.wave, m.kind ORDER BY m.wave, m.kind",
                    )
                    .bind(campaign_id)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(MessageCount {
                                wave: small(r, "wave")?,
                                kind: r.try_get("kind")?,
                                sent: u64::try_from(r.try_get::<i64, _>("sent")?).unwrap_or(0),
                                delivered: u64::try_from(r.try_get::<Option<i64>, _>("delivered")?.unwrap_or(0)).unwrap_or(0),
                            })
                        })
                        .collect()
                }

                async fn spent_tokens(&self, token_hashes: &[String]) -> StoreResult<Vec<String>> {
                    let mut spent = Vec::new();
                    for chunk in token_hashes.chunks(ROWS_PER_STATEMENT) {
                        let mut qb = QueryBuilder::<$db>::new("SELECT token_hash FROM token_ledger WHERE token_hash IN (");
                        let mut list = qb.separated(", ");
                        for h in chunk {
                            list.push_bind(h);
                        }
                        qb.push(")");
                        for row in qb.build().fetch_all(&self.pool).await? {
                            spent.push(row.try_get("token_hash")?);
                        }
                    }
                    Ok(spent)
                }
            }
        };
    };
}
