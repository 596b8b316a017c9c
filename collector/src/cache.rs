//! Projects and their surveys, cached by public key so that validating a write costs no
//! database round trip, and so that writes keep being accepted into the spool while the
//! database is down (a stale entry is served when a refresh fails).

use crate::store::{DynStore, StoreResult};
use nps_core::wire::{Project, Survey};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
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

pub struct ProjectCache {
    store: DynStore,
    ttl: Duration,
    entries: RwLock<HashMap<String, Entry>>,
}

impl ProjectCache {
    pub fn new(store: DynStore, ttl: Duration) -> Self {
        Self { store, ttl, entries: RwLock::new(HashMap::new()) }
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
                let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
                entries.insert(public_key.to_owned(), Entry { value: value.clone(), loaded: Instant::now() });
                Ok(value)
            }
            Err(e) => match stale {
                Some(value) => {
                    tracing::warn!(error = %e, "serving a stale project configuration");
                    Ok(value)
                }
                None => Err(e),
            },
        }
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
