//! What every handler can reach.

use crate::tokens::TokenKeys;
use crate::cache::ProjectCache;
use crate::config::Settings;
use crate::ingest::{Ingestor, RecentWrites, Spool};
use crate::metrics::Metrics;
use crate::outbox::{EventPublisher, Outbox};
use crate::ratelimit::RateLimits;
use crate::store::DynStore;
use std::sync::Arc;

pub struct AppState {
    /// The last client requests per project key ("check installation").
    pub activity: crate::activity::Activity,
    /// Sends campaign e-mails and starts recurring waves (see [`crate::campaign::scheduler`]).
    pub campaigns: Arc<crate::campaign::scheduler::CampaignMailer>,
    /// Export and erasure of one respondent (see [`crate::data_rights`]).
    pub data_rights: Arc<crate::data_rights::DataRights>,
    /// Decisions taken in SQL, in batches (see [`crate::decide_batch`]).
    pub decisions: crate::decide_batch::DecisionBatcher,
    pub settings: Settings,
    pub store: DynStore,
    pub ingestor: Ingestor,
    pub spool: Option<Arc<Spool>>,
    pub projects: ProjectCache,
    pub keys: TokenKeys,
    pub metrics: Arc<Metrics>,
    pub limits: RateLimits,
    /// Failed sign-ins per account and per address (lockout).
    pub sign_in: crate::ratelimit::SignInThrottle,
    pub recent_writes: RecentWrites,
    /// Webhooks and e-mails still to deliver (see [`crate::outbox`]).
    pub outbox: Arc<Outbox>,
    /// Turns stored answers into webhook events and alert e-mails.
    pub events: Arc<EventPublisher>,
}

impl AppState {
    /// What the campaign scheduler needs, and nothing else of the state.
    pub fn campaign_deps(&self) -> crate::campaign::scheduler::CampaignDeps {
        crate::campaign::scheduler::CampaignDeps { store: self.store.clone(), keys: self.keys.clone(), outbox: self.outbox.clone() }
    }

    /// Remembers a user's latest spooled write (see [`RecentWrites`]).
    pub fn note_write(&self, project_id: i64, user_id: &str, key: Option<u64>) {
        // Decisions from memory never wait for SQL: keep the hot write path free of this map.
        if self.ingestor.resident().is_some() {
            return;
        }
        let drained = self.spool.as_ref().map_or(0, |s| s.drained_up_to());
        self.recent_writes.record(project_id, user_id, key, drained);
    }

    /// Waits (briefly) until the user's own latest write has reached SQL.
    pub async fn await_user_writes(&self, project_id: i64, user_id: &str) {
        if let (Some(spool), Some(key)) = (&self.spool, self.recent_writes.last(project_id, user_id))
            && !spool.wait_drained(key, std::time::Duration::from_secs(2)).await
        {
            tracing::warn!("deciding before the user's latest write reached the database");
        }
    }
}

pub type State = actix_web::web::Data<AppState>;
