//! Group commit for decisions taken in SQL (PostgreSQL, which several collectors may share, and
//! SQLite when its facts are not kept in memory).
//!
//! Why: one decision alone is a lock, two or three reads, an insert and a commit (an fsync):
//! five to nine round trips, nearly all of them database CPU, about 2,000 decisions/s on two
//! cores. Requests queue here instead; a task takes everything queued (up to `max_batch`) and
//! hands it to the store at once (`Store::decide_and_claim_batch`: the batch's facts read
//! together, its rules applied in arrival order, its displays and log written together; on
//! PostgreSQL a read and one claim statement), while the next batch gathers behind it. By
//! default one batch runs at a time (`in_flight`): the queue behind it is what makes batches
//! full under load, and a lone request is decided at once. Two at a time gave the same rate
//! on one collector and a fifth less on two (docs/scale-out.md).
//!
//! The guarantee is the store's: a user's decisions are serialised by the user's lock (across
//! batches and collectors; on PostgreSQL the claim re-checks under it) and by arrival order
//! inside one batch.

use crate::store::{BatchDecision, DecisionFacts, DisplayClaim, DynStore, StoreError, StoreResult};
use nps_core::eligibility::Decision;
use std::sync::Arc;
use tokio::sync::{Semaphore, mpsc, oneshot};

/// The rules of one decision, owned so that the batch task can apply them.
pub type OwnedDecideFn = Box<dyn Fn(&DecisionFacts) -> Decision + Send + Sync>;

struct Pending {
    claim: DisplayClaim,
    decide: OwnedDecideFn,
    reply: oneshot::Sender<StoreResult<Decision>>,
}

pub struct DecisionBatcher {
    queue: mpsc::Sender<Pending>,
}

impl DecisionBatcher {
    /// Starts the batch task (needs a tokio runtime).
    pub fn start(store: DynStore, max_batch: usize, in_flight: usize) -> Self {
        let max_batch = max_batch.max(1);
        let in_flight = in_flight.max(1);
        let (queue, receiver) = mpsc::channel(max_batch * in_flight * 4);
        tokio::spawn(run(store, receiver, max_batch, Arc::new(Semaphore::new(in_flight))));
        Self { queue }
    }

    /// Decides `claim` with `decide` in the next batch, and claims its display when eligible.
    pub async fn decide(&self, claim: DisplayClaim, decide: OwnedDecideFn) -> StoreResult<Decision> {
        let (reply, answer) = oneshot::channel();
        self.queue.send(Pending { claim, decide, reply }).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn stopped() -> StoreError {
    StoreError::Other(anyhow::anyhow!("the decision batcher has stopped"))
}

async fn run(store: DynStore, mut receiver: mpsc::Receiver<Pending>, max_batch: usize, slots: Arc<Semaphore>) {
    while let Some(first) = receiver.recv().await {
        // A free slot first, then the batch: while every slot is busy, requests queue up and
        // the next batch is taken whole when one frees (group commit).
        let Ok(slot) = slots.clone().acquire_owned().await else { return };
        let mut batch = vec![first];
        while batch.len() < max_batch {
            match receiver.try_recv() {
                Ok(pending) => batch.push(pending),
                Err(_) => break,
            }
        }
        let store = store.clone();
        tokio::spawn(async move {
            decide_batch(&store, batch).await;
            drop(slot);
        });
    }
}

async fn decide_batch(store: &DynStore, batch: Vec<Pending>) {
    let items: Vec<BatchDecision<'_>> = batch.iter().map(|p| BatchDecision { claim: &p.claim, decide: &*p.decide }).collect();
    let result = store.decide_and_claim_batch(&items).await;
    drop(items);
    match result {
        Ok(decisions) if decisions.len() == batch.len() => {
            for (pending, decision) in batch.into_iter().zip(decisions) {
                let _ = pending.reply.send(Ok(decision));
            }
        }
        Ok(decisions) => {
            let e = StoreError::Corrupt(format!("{} decisions for a batch of {}", decisions.len(), batch.len()));
            answer_all_with(batch, &e);
        }
        Err(e) => {
            tracing::warn!(error = %e, decisions = batch.len(), "decision batch failed");
            answer_all_with(batch, &e);
        }
    }
}

/// Every request of a failed batch hears of the failure, as the kind of error it was (an
/// unavailable database stays a 503).
fn answer_all_with(batch: Vec<Pending>, e: &StoreError) {
    for pending in batch {
        let copy = match e {
            StoreError::Unavailable(cause) => StoreError::Unavailable(sqlx::Error::Protocol(cause.to_string())),
            StoreError::Rejected(m) => StoreError::Rejected(m.clone()),
            StoreError::Conflict(m) => StoreError::Conflict(m.clone()),
            StoreError::Corrupt(m) => StoreError::Corrupt(m.clone()),
            StoreError::Other(cause) => StoreError::Other(anyhow::anyhow!("{cause:#}")),
        };
        let _ = pending.reply.send(Err(copy));
    }
}
