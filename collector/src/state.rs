//! What every handler can reach.

use crate::auth::TokenKeys;
use crate::cache::ProjectCache;
use crate::config::Settings;
use crate::ingest::{Ingestor, Spool};
use crate::metrics::Metrics;
use crate::ratelimit::RateLimits;
use crate::store::DynStore;
use std::sync::Arc;

pub struct AppState {
    pub settings: Settings,
    pub store: DynStore,
    pub ingestor: Ingestor,
    pub spool: Option<Arc<Spool>>,
    pub projects: ProjectCache,
    pub keys: TokenKeys,
    pub metrics: Arc<Metrics>,
    pub limits: RateLimits,
}

pub type State = actix_web::web::Data<AppState>;
