//! Projects and their surveys, cached by public key so that validating a write costs no
//! database round trip, and so that writes keep being accepted into the spool while the
//! database is down (a stale entry is served when a refresh fails).

use crate::store::{DynStore, StoreResult};
use nps_core::wire::{Project, Survey};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

pub struct CachedProject {
    pub project: Project,
    pub surveys: HashMap<i64, Survey>,
    /// Hash of the public configuration, used as the ETag.
    pub etag: String,
}

struct Entry {
    value: Option<Arc<CachedProject>>,
    loaded: Instant,
}

/// Above this many entries, "no such project" entries are dropped (and no longer added), so
/// requests with ever new unknown keys cannot grow the cache without bound.
const MAX_ENTRIES: usize = 10_000;

/// While the database is down every request for a project serves the stale entry; say so at
/// most once per project per this interval, with the count of the warnings held back.
const STALE_WARNING_EVERY: Duration = Duration::from_secs(30);

pub struct ProjectCache {
    store: DynStore,
    ttl: Duration,
    entries: RwLock<HashMap<String, Entry>>,
    stale_warnings: WarningLimiter,
}

/// At most one warning per key per interval; counts the ones held back. Keys are project keys
/// with a cached entry, so the map is no larger than the cache.
pub struct WarningLimiter {
    every: Duration,
    last: Mutex<HashMap<String, (Instant, u64)>>,
}

impl WarningLimiter {
    pub fn new(every: Duration) -> Self {
        Self { every, last: Mutex::new(HashMap::new()) }
    }

    /// `Some(suppressed since the last one)` when a warning for `key` may be logged now.
    pub fn allow(&self, key: &str, now: Instant) -> Option<u64> {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        match last.get_mut(key) {
            Some((at, suppressed)) if now.duration_since(*at) < self.every => {
                *suppressed += 1;
                None
            }
            Some((at, suppressed)) => {
                let held_back = std::mem::take(suppressed);
                *at = now;
                Some(held_back)
            }
            None => {
                if last.len() >= MAX_ENTRIES {
                    last.clear();
                }
                last.insert(key.to_owned(), (now, 0));
                Some(0)
            }
        }
    }
}

impl ProjectCache {
    pub fn new(store: DynStore, ttl: Duration) -> Self {
        Self { store, ttl, entries: RwLock::new(HashMap::new()), stale_warnings: WarningLimiter::new(STALE_WARNING_EVERY) }
    }

    fn insert(&self, public_key: &str, value: Option<Arc<CachedProject>>) {
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        if !entries.contains_key(public_key) && entries.len() >= MAX_ENTRIES {
            entries.retain(|_, e| e.value.is_some());
            // Mostly real projects: stop caching misses. Otherwise misses refill the room
            // left, so this sweep runs once per many thousand misses, not on each.
            if value.is_none() && entries.len() >= MAX_ENTRIES / 2 {
                return;
            }
        }
        entries.insert(public_key.to_owned(), Entry { value, loaded: Instant::now() });
    }

    /// The project with this key (`None` if unknown). Fresh entries come from memory; stale
    /// ones are reloaded, and kept if the reload fails.
    pub async fn get(&self, public_key: &str) -> StoreResult<Option<Arc<CachedProject>>> {
        let stale = {
            let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
            match entries.get(public_key) {
                Some(e) if e.loaded.elapsed() < self.ttl => return Ok(e.value.clone()),
                Some(e) => Some(e.value.clone()),
                None => None,
            }
        };
        match self.load(public_key).await {
            Ok(value) => {
                self.insert(public_key, value.clone());
                Ok(value)
            }
            Err(e) => match stale {
                Some(value) => {
                    if let Some(suppressed) = self.stale_warnings.allow(public_key, Instant::now()) {
                        tracing::warn!(error = %e, suppressed, "serving a stale project configuration (at most one warning per project per 30 s; `suppressed` counts those held back)");
                    }
                    Ok(value)
                }
                None => Err(e),
            },
        }
    }

    /// Whether the cache holds a project for this key (fresh or stale), without loading.
    pub fn is_known(&self, public_key: &str) -> bool {
        let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
        entries.get(public_key).is_some_and(|e| e.value.is_some())
    }

    pub fn invalidate_all(&self) {
        self.entries.write().unwrap_or_else(|p| p.into_inner()).clear();
    }

    async fn load(&self, public_key: &str) -> StoreResult<Option<Arc<CachedProject>>> {
        let Some(project) = self.store.project_by_key(public_key).await? else {
            return Ok(None);
        };
        let surveys = self.store.list_surveys(Some(project.id)).await?;
        let etag = etag_of(&project, &surveys);
        let surveys = surveys.into_iter().map(|s| (s.id, s)).collect();
        Ok(Some(Arc::new(CachedProject { project, surveys, etag })))
    }
}

fn etag_of(project: &Project, surveys: &[Survey]) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(project.identity_enforced.to_string());
    hasher.update(serde_json::to_vec(&project.allowed_origins).unwrap_or_default());
    for s in surveys {
        hasher.update(s.id.to_le_bytes());
        hasher.update(s.updated_at.to_le_bytes());
        hasher.update(s.status.as_str());
    }
    format!("\"{}\"", hex::encode(&hasher.finalize()[..12]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warns_once_per_key_per_interval_and_counts_the_rest() {
        let limiter = WarningLimiter::new(Duration::from_secs(30));
        let t0 = Instant::now();
        assert_eq!(limiter.allow("pk_a", t0), Some(0));
        for i in 1..=1_000 {
            assert_eq!(limiter.allow("pk_a", t0 + Duration::from_millis(i)), None);
        }
        assert_eq!(limiter.allow("pk_b", t0), Some(0), "each project has its own allowance");
        assert_eq!(limiter.allow("pk_a", t0 + Duration::from_secs(30)), Some(1_000));
        assert_eq!(limiter.allow("pk_a", t0 + Duration::from_secs(31)), None);
    }
}
