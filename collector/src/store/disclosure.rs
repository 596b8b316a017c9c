//! Snapshots of protected waves: what employee-NPS reports are computed from.
//!
//! A report read live would change with every new answer, so reading it before and after one
//! person answered would give that person's score by subtraction. Reports of a protected
//! survey therefore read a stored snapshot of the wave, which is replaced only when at least
//! `k` answers arrived since it was taken: any two snapshots a reader can see differ by 0 or
//! by at least `k` people. Refreshing is serialised per (survey, wave) (SQLite: the single
//! writer; PostgreSQL: a transaction-scoped advisory lock), so two collectors cannot publish
//! snapshots one answer apart.

use super::StoreResult;
use async_trait::async_trait;
use nps_core::wire::Attributes;
use nps_core::{Band, BandCounts, NpsScore};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Which wave to snapshot, with the rules in force.
#[derive(Debug, Clone)]
pub struct SnapshotSpec {
    pub survey_id: i64,
    pub wave: u32,
    /// A new snapshot needs `min_group` new answers; what the previous one released (its
    /// plan under these thresholds) is what readers may have seen of it.
    pub thresholds: nps_core::disclosure::Thresholds,
    /// The attributes kept per group (the campaigns' group attributes).
    pub group_attributes: Vec<String>,
}

/// One comment of a snapshot: its band and the groups of its author (for group filters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotComment {
    pub band: Band,
    pub text: String,
    pub groups: BTreeMap<String, Option<String>>,
}

/// The released-from state of a wave: totals, one table per group attribute, the comments.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaveSnapshot {
    pub answers: u64,
    pub total: BandCounts,
    /// Per group attribute: each value (none: the answer lacks it) with its counts.
    pub groups: BTreeMap<String, Vec<(Option<String>, BandCounts)>>,
    /// Sorted by text.
    pub comments: Vec<SnapshotComment>,
    /// How many answers share each combination of group values (one value per key of
    /// `groups`, in its order): what the release plan cuts into atoms
    /// (`nps_core::disclosure::plan`). Snapshots taken before it have none.
    #[serde(default)]
    pub combos: Vec<(Vec<Option<String>>, u64)>,
    /// An erasure took a comment out of the wave: its comments are no longer listed, in this
    /// snapshot or any later one of the wave (the list read before and after the erasure
    /// would differ by the erased person's comment).
    #[serde(default)]
    pub comments_withheld: bool,
    /// What readers may have seen of each group and comment list: its size in the last
    /// snapshot that released it. A group that changed since by fewer than k is held back
    /// (so is a list, by the comment threshold): the two readings would tell the few apart.
    #[serde(default)]
    pub seen: Seen,
}

/// A comment list of a wave: none for the whole wave, else a group (key, value).
pub type ListKey = Option<(String, Option<String>)>;

/// Sizes of what earlier snapshots of the wave released (see [`WaveSnapshot::seen`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    /// (group key, value, answers).
    pub cells: Vec<(String, Option<String>, u64)>,
    /// (group key and value, none for the whole wave; answers; comments).
    pub lists: Vec<(ListKey, u64, u64)>,
}

/// One stored answer of the wave, as a snapshot reads it.
pub struct WaveAnswer {
    pub score: i64,
    pub comment: Option<String>,
    pub attributes: Attributes,
}

fn group_value(attributes: &Attributes, key: &str) -> Option<String> {
    attributes.get(key).map(|v| v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string()))
}

impl WaveSnapshot {
    pub fn build(answers: &[WaveAnswer], group_attributes: &[String]) -> Self {
        let mut snapshot = WaveSnapshot::default();
        let mut tables: BTreeMap<String, BTreeMap<Option<String>, BandCounts>> = BTreeMap::new();
        let mut combos: BTreeMap<Vec<Option<String>>, u64> = BTreeMap::new();
        let mut keys = group_attributes.to_vec();
        keys.sort();
        keys.dedup();
        for answer in answers {
            let Ok(score) = NpsScore::new(answer.score) else { continue };
            let band = score.band();
            snapshot.answers += 1;
            snapshot.total.add(band);
            let groups: BTreeMap<String, Option<String>> =
                group_attributes.iter().map(|key| (key.clone(), group_value(&answer.attributes, key))).collect();
            for (key, value) in &groups {
                tables.entry(key.clone()).or_default().entry(value.clone()).or_default().add(band);
            }
            *combos.entry(keys.iter().map(|key| groups.get(key).cloned().flatten()).collect()).or_default() += 1;
            if let Some(text) = answer.comment.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                snapshot.comments.push(SnapshotComment { band, text: text.to_owned(), groups });
            }
        }
        snapshot.groups = tables.into_iter().map(|(key, cells)| (key, cells.into_iter().collect())).collect();
        snapshot.combos = combos.into_iter().collect();
        snapshot.comments.sort_by(|a, b| a.text.cmp(&b.text).then(a.band.cmp(&b.band)));
        snapshot
    }

    /// Whether a snapshot of `answers_now` answers may replace this one (taken at `self.answers`).
    pub fn due(current: Option<&WaveSnapshot>, answers_now: u64, min_group: u32) -> bool {
        let taken = current.map_or(0, |s| s.answers);
        answers_now >= taken + u64::from(min_group)
    }
}

#[async_trait]
pub trait DisclosureStore: Send + Sync {
    /// The wave's snapshot, first replacing it when at least `min_group` answers arrived since
    /// it was taken; none while the wave has fewer than `min_group` answers.
    async fn wave_snapshot(&self, spec: &SnapshotSpec) -> StoreResult<Option<WaveSnapshot>>;
}

macro_rules! impl_disclosure_store {
    ($store:ident, $db:ty) => {
        impl $store {
            /// The stored snapshot of the wave and how many scored answers the wave has now.
            async fn snapshot_state(
                conn: &mut <$db as sqlx::Database>::Connection,
                spec: &crate::store::disclosure::SnapshotSpec,
            ) -> crate::store::StoreResult<(Option<crate::store::disclosure::WaveSnapshot>, u64)> {
                use sqlx::Row;
                let stored = sqlx::query("SELECT body FROM disclosure_snapshots WHERE survey_id = $1 AND wave = $2")
                    .bind(spec.survey_id)
                    .bind(i64::from(spec.wave))
                    .fetch_optional(&mut *conn)
                    .await?;
                let current = match stored {
                    Some(row) => Some(serde_json::from_str(&row.try_get::<String, _>("body")?)?),
                    None => None,
                };
                let mut count = sqlx::QueryBuilder::<$db>::new("SELECT COUNT(*) AS n FROM responses WHERE score IS NOT NULL AND survey_id = ");
                Self::push_wave(&mut count, spec);
                let answers_now: i64 = count.build().fetch_one(&mut *conn).await?.try_get("n")?;
                Ok((current, u64::try_from(answers_now).unwrap_or(0)))
            }

            /// Builds the wave's snapshot from its answers and stores it (inside the refresh's
            /// lock, so two collectors cannot publish different snapshots of one wave).
            async fn take_snapshot(
                conn: &mut <$db as sqlx::Database>::Connection,
                spec: &crate::store::disclosure::SnapshotSpec,
            ) -> crate::store::StoreResult<crate::store::disclosure::WaveSnapshot> {
                use crate::store::disclosure::{WaveAnswer, WaveSnapshot};
                use sqlx::Row;
                let mut select = sqlx::QueryBuilder::<$db>::new("SELECT score, comment, attributes FROM responses WHERE score IS NOT NULL AND survey_id = ");
                Self::push_wave(&mut select, spec);
                let rows = select.build().fetch_all(&mut *conn).await?;
                let answers = rows
                    .iter()
                    .map(|r| {
                        Ok(WaveAnswer {
                            score: r.try_get("score")?,
                            comment: r.try_get("comment")?,
                            attributes: crate::store::sql::json_map(r.try_get("attributes")?)?,
                        })
                    })
                    .collect::<crate::store::StoreResult<Vec<_>>>()?;
                let mut snapshot = WaveSnapshot::build(&answers, &spec.group_attributes);
                if let Some(previous) = Self::snapshot_state(&mut *conn, spec).await?.0 {
                    snapshot.comments_withheld = previous.comments_withheld;
                    snapshot.seen = crate::store::release_plan::Plan::of(&previous, &spec.thresholds).seen();
                }
                sqlx::query(
                    "INSERT INTO disclosure_snapshots (survey_id, wave, answers, body) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (survey_id, wave) DO UPDATE SET answers = excluded.answers, body = excluded.body",
                )
                .bind(spec.survey_id)
                .bind(i64::from(spec.wave))
                .bind(i64::try_from(snapshot.answers).unwrap_or(i64::MAX))
                .bind(serde_json::to_string(&snapshot)?)
                .execute(&mut *conn)
                .await?;
                Ok(snapshot)
            }

            fn push_wave(qb: &mut sqlx::QueryBuilder<$db>, spec: &crate::store::disclosure::SnapshotSpec) {
                qb.push_bind(spec.survey_id).push(" AND ").push(Self::JSON_TEXT.0).push_bind(Self::json_path("wave")).push(Self::JSON_TEXT.1);
                qb.push(" = ").push_bind(spec.wave.to_string());
            }
        }

        #[async_trait::async_trait]
        impl crate::store::disclosure::DisclosureStore for $store {
            async fn wave_snapshot(
                &self,
                spec: &crate::store::disclosure::SnapshotSpec,
            ) -> crate::store::StoreResult<Option<crate::store::disclosure::WaveSnapshot>> {
                use crate::store::disclosure::WaveSnapshot;
                // Reads take no lock: most find the snapshot current. Only a due refresh is
                // serialised, and it checks again under the lock.
                let (current, answers_now) = Self::snapshot_state(&mut *self.pool.acquire().await?, spec).await?;
                if !WaveSnapshot::due(current.as_ref(), answers_now, spec.thresholds.min_group) {
                    return Ok(current);
                }
                let mut tx = self.begin_keyed_transaction(crate::store::disclosure::snapshot_lock_key(spec.survey_id, spec.wave)).await?;
                let (current, answers_now) = Self::snapshot_state(&mut *tx, spec).await?;
                if !WaveSnapshot::due(current.as_ref(), answers_now, spec.thresholds.min_group) {
                    tx.commit().await?;
                    return Ok(current);
                }
                let snapshot = Self::take_snapshot(&mut *tx, spec).await?;
                tx.commit().await?;
                Ok(Some(snapshot))
            }
        }
    };
}

/// The lock that serialises snapshot refreshes of one wave (a stable FNV-1a hash).
pub fn snapshot_lock_key(survey_id: i64, wave: u32) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in b"snapshot".iter().chain(&survey_id.to_le_bytes()).chain(&wave.to_le_bytes()) {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    i64::from_ne_bytes(hash.to_ne_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answer(score: i64, comment: &str, department: &str) -> WaveAnswer {
        let mut attributes = Attributes::new();
        attributes.insert("department".into(), json!(department));
        attributes.insert("wave".into(), json!(1));
        WaveAnswer { score, comment: Some(comment.to_owned()).filter(|c| !c.is_empty()), attributes }
    }

    #[test]
    fn a_snapshot_has_the_totals_one_table_per_group_and_sorted_comments() {
        let answers = [answer(10, "zebra", "eng"), answer(0, "apple", "legal"), answer(8, "", "eng")];
        let s = WaveSnapshot::build(&answers, &["department".to_owned()]);
        assert_eq!((s.answers, s.total), (3, BandCounts::new(1, 1, 1)));
        assert_eq!(
            s.groups["department"],
            [(Some("eng".to_owned()), BandCounts::new(1, 1, 0)), (Some("legal".to_owned()), BandCounts::new(0, 0, 1))]
        );
        assert_eq!(s.comments.iter().map(|c| c.text.as_str()).collect::<Vec<_>>(), ["apple", "zebra"]);
        assert_eq!(s.comments[0].groups["department"].as_deref(), Some("legal"));
        assert_eq!(s.combos, [(vec![Some("eng".to_owned())], 2), (vec![Some("legal".to_owned())], 1)]);
    }

    #[test]
    fn a_snapshot_is_replaced_only_after_k_more_answers() {
        assert!(!WaveSnapshot::due(None, 4, 5));
        assert!(WaveSnapshot::due(None, 5, 5));
        let taken = WaveSnapshot { answers: 6, ..Default::default() };
        assert!(!WaveSnapshot::due(Some(&taken), 10, 5));
        assert!(WaveSnapshot::due(Some(&taken), 11, 5));
    }
}
