//! The last spooled write of each recently active user, so that a decision taken in SQL can
//! wait for that user's own writes (identify, answers, declines) to reach SQL before it reads
//! their history: the browser sends `identify` and then `decide` within milliseconds.

use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Default)]
pub struct RecentWrites {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    last: HashMap<(i64, String), u64>,
    /// The size at which the drained entries are next swept out.
    sweep_at: usize,
    sweeps: u64,
}

impl RecentWrites {
    /// Below this many users the map is never swept.
    const SWEEP_ABOVE: usize = 100_000;

    /// Remembers `key` as the user's latest write; `drained_up_to` is the spool's drained key.
    ///
    /// Drained entries are swept out when the map reaches `sweep_at`, which then becomes twice
    /// what is left. With a fixed threshold, a drainer behind by more than the threshold (a
    /// burst of new users on PostgreSQL) made every write sweep the whole map and find nothing
    /// to take out: one core spent on sweeping, the drainer starved, and it fell further
    /// behind. Doubling makes a sweep's cost proportional to the writes since the last one.
    pub fn record(&self, project_id: i64, user_id: &str, key: Option<u64>, drained_up_to: u64) {
        let Some(key) = key else { return };
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if inner.last.len() >= inner.sweep_at.max(Self::SWEEP_ABOVE) {
            inner.last.retain(|_, k| *k > drained_up_to);
            inner.sweep_at = inner.last.len() * 2;
            inner.sweeps += 1;
        }
        inner.last.insert((project_id, user_id.to_owned()), key);
    }

    pub fn last(&self, project_id: i64, user_id: &str) -> Option<u64> {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.last.get(&(project_id, user_id.to_owned())).copied()
    }

    #[cfg(test)]
    fn sweeps(&self) -> u64 {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).sweeps
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).last.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_drainer_far_behind_does_not_make_every_write_sweep_the_map() {
        let recent = RecentWrites::default();
        // 400,000 users written while nothing has drained: the map cannot shrink.
        for n in 0..400_000u64 {
            recent.record(1, &format!("user-{n}"), Some(n + 1), 0);
        }
        // Swept at 100k, 200k and 400k: a handful of times, not once per write above 100k.
        assert!(recent.sweeps() <= 3, "{} sweeps", recent.sweeps());
        assert_eq!(recent.len(), 400_000);
        assert_eq!(recent.last(1, "user-7"), Some(8));
    }

    #[test]
    fn drained_writes_are_forgotten_and_undrained_ones_kept() {
        let recent = RecentWrites::default();
        for n in 0..100_000u64 {
            recent.record(1, &format!("user-{n}"), Some(n + 1), 0);
        }
        // Everything up to key 99,000 has reached SQL; the next write sweeps.
        recent.record(2, "late", Some(100_001), 99_000);
        assert_eq!(recent.sweeps(), 1);
        assert_eq!(recent.len(), 1_001);
        assert_eq!(recent.last(1, "user-5"), None);
        assert_eq!(recent.last(1, "user-99999"), Some(100_000));
        assert_eq!(recent.last(2, "late"), Some(100_001));
        // No write without a key (direct mode) is remembered.
        recent.record(3, "direct", None, 0);
        assert_eq!(recent.last(3, "direct"), None);
    }
}
