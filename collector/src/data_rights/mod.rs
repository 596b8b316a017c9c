//! Data subject rights: export everything held about one respondent of a project, erase it
//! everywhere (SQL with rollups adjusted, the spool, the outbox, the in-memory eligibility
//! facts), and retention of raw answers per project.
//!
//! Anonymous campaigns: their answers carry a random id and the ledger of used links holds
//! only hashes with nothing to join them to a person, so neither an export nor an erasure can
//! find them. That is the promise made to respondents, and the answers say so.
//!
//! Crash windows of an erasure (the steps run in this order, under the ledger lock):
//! 1. one SQL transaction deletes every row and records the keyed hashes in `erasures`. A
//!    crash before its commit erased nothing (the caller got no answer and retries);
//! 2. the spool is rewritten without the respondent's records. A crash before the rename leaves
//!    the old file, whose records of the respondent the drainer drops by the ledger at the next
//!    start, and the start-up purge rewrites the file;
//! 3. the outbox is rewritten without the messages about them. A crash before it leaves
//!    messages about the respondent to be sent (their content was frozen before the erasure);
//!    the caller got no answer and retries, which purges them;
//! 4. the in-memory facts are forgotten (rebuilt from SQL and the spool at start anyway);
//! 5. SQLite's WAL is checkpointed and truncated. If readers keep it busy the caller gets 503
//!    and repeats the erasure (which finds nothing more and truncates).
//!
//! The HTTP answer comes after step 5: a 200 means everything is gone and stays gone.

pub mod retention;
mod withheld;

use crate::error::ApiError;
use crate::ingest::purge::{record_response_id, record_subject};
use crate::ingest::{IngestRecord, Spool, now_ms};
use crate::outbox::Outbox;
use crate::resident::Resident;
use crate::store::DynStore;
use crate::store::data_rights::{Respondent, message_id_names};
use crate::ingest::erasures::ErasureLedger;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// What every export and erasure answer says about anonymous campaigns.
pub const ANONYMOUS_NOTE: &str = "Answers to anonymous campaigns are not linked to any person (they carry a random id and \
     the record of used links holds only hashes), so they cannot be found, exported or erased for a respondent. Answers to \
     confidential campaigns are erased with the respondent's other records.";

/// Whom the caller means.
#[derive(Debug, Clone)]
pub enum Target {
    UserId(String),
    /// Lower-cased.
    Email(String),
}

/// Everything an erasure or export touches.
pub struct DataRights {
    pub store: DynStore,
    pub spool: Option<Arc<Spool>>,
    pub outbox: Arc<Outbox>,
    pub resident: Option<Arc<Resident>>,
    pub ledger: Arc<ErasureLedger>,
}

impl DataRights {
    async fn resolve(&self, project_id: i64, target: &Target) -> Result<Respondent, ApiError> {
        Ok(match target {
            Target::UserId(user_id) => Respondent { project_id, user_ids: vec![user_id.clone()], email: None },
            Target::Email(email) => {
                let user_ids = self.store.respondent_ids_by_email(project_id, email).await?;
                Respondent { project_id, user_ids, email: Some(email.clone()) }
            }
        })
    }

    /// Erases the respondent everywhere; returns what went, per kind.
    pub async fn erase(&self, project_id: i64, target: &Target) -> Result<Value, ApiError> {
        let mut ledger = self.ledger.lock().await;
        let who = self.resolve(project_id, target).await?;
        // Protected answers are erased but not counted: the count would tell the admin that
        // the person answered (and the scrubbed snapshot comments, that they commented).
        let protected = withheld::Protected::of_project(&self.store, project_id).await?;
        let protected_answers = protected.answers_of(&self.store.export_respondent(&who).await?);
        let now = now_ms();
        let subjects: Vec<String> = who.user_ids.iter().map(|u| self.ledger.subject(project_id, u)).collect();
        let erased = self.store.erase_respondent(&who, &subjects, now).await?;
        ledger.record(project_id, &subjects, now);
        let mut counts = erased.counts;
        counts.remove("snapshot_comments");
        if let Some(answers) = counts.get_mut("answers") {
            *answers = answers.saturating_sub(protected_answers);
        }
        let mut named: Vec<String> = who.user_ids.clone();
        named.extend(erased.response_ids);
        named.extend(erased.recipient_ids);
        if let Some(spool) = &self.spool {
            let (removed, spooled_answers) = purge_spool(spool, &who).await?;
            counts.insert("spooled_records".into(), removed);
            named.extend(spooled_answers);
        }
        let email = who.email.clone();
        let pick_names = named.clone();
        let removed = self
            .outbox
            .purge(move |held| {
                message_id_names(held.id, &pick_names)
                    || matches!((held.message, &email), (Some(crate::outbox::Message::Email(m)), Some(e)) if m.to.eq_ignore_ascii_case(e))
            })
            .await
            .map_err(ApiError::Unavailable)?;
        counts.insert("outbox_messages".into(), removed);
        if let Some(resident) = &self.resident {
            for user_id in &who.user_ids {
                resident.forget(project_id, user_id);
            }
        }
        drop(ledger);
        // Last, and outside the lock (it may wait for readers): a failure leaves everything
        // erased but old page images in the WAL; the caller gets 503 and repeats the erasure,
        // which finds nothing more and tries the truncation again.
        self.store.truncate_log().await?;
        tracing::info!(project_id, users = who.user_ids.len(), "respondent erased");
        Ok(json!({ "project_id": project_id, "user_ids_found": who.user_ids.len(), "erased": counts, "note": ANONYMOUS_NOTE, "withheld": withheld::PROTECTED_NOTE }))
    }

    /// One JSON document of everything held about the respondent in the project.
    pub async fn export(&self, project_id: i64, target: &Target) -> Result<Value, ApiError> {
        let who = self.resolve(project_id, target).await?;
        let mut out = Map::new();
        out.insert("project_id".into(), json!(project_id));
        out.insert("user_ids".into(), json!(who.user_ids));
        out.insert("email".into(), json!(who.email));
        out.insert("note".into(), json!(ANONYMOUS_NOTE));
        out.insert("withheld".into(), json!(withheld::PROTECTED_NOTE));
        let protected = withheld::Protected::of_project(&self.store, project_id).await?;
        let mut held = self.store.export_respondent(&who).await?;
        protected.withhold(&mut held);
        let mut named: Vec<String> = who.user_ids.clone();
        for section in ["answers", "campaign_recipients"] {
            let ids = held.get(section).and_then(Value::as_array).into_iter().flatten();
            named.extend(ids.filter_map(|row| row.get("id").and_then(Value::as_str)).map(str::to_owned));
        }
        out.extend(held);
        let mut spooled = Vec::new();
        if let Some(spool) = &self.spool {
            for (_, bytes) in spool.peek(usize::MAX).await.map_err(|e| ApiError::Unavailable(e.into()))? {
                if let Ok(record) = serde_json::from_slice::<IngestRecord>(&bytes)
                    && names(&record, &who)
                {
                    named.extend(record_response_id(&record).map(str::to_owned));
                    spooled.push(serde_json::to_value(&record).map_err(|e| ApiError::Internal(e.into()))?);
                }
            }
        }
        out.insert("spooled_records".into(), Value::Array(spooled));
        let email = who.email.clone();
        let pending = self
            .outbox
            .find(move |held| {
                message_id_names(held.id, &named)
                    || matches!((held.message, &email), (Some(crate::outbox::Message::Email(m)), Some(e)) if m.to.eq_ignore_ascii_case(e))
            })
            .await
            .map_err(ApiError::Unavailable)?;
        let pending: BTreeMap<String, Value> = pending
            .into_iter()
            .filter(|(id, _)| !protected.holds_message(id))
            .map(|(id, envelope)| (id, serde_json::to_value(&envelope.message).unwrap_or(Value::Null)))
            .collect();
        out.insert("pending_deliveries".into(), json!(pending));
        Ok(Value::Object(out))
    }
}

/// Whether a spooled record is about the respondent.
fn names(record: &IngestRecord, who: &Respondent) -> bool {
    let (project_id, user_id) = record_subject(record);
    project_id == who.project_id && who.user_ids.iter().any(|u| u == user_id)
}

/// Rewrites the spool without the respondent's records; returns how many went and the answer
/// ids they carried (messages about those answers may be in the outbox).
async fn purge_spool(spool: &Spool, who: &Respondent) -> Result<(u64, Vec<String>), ApiError> {
    let answers = Arc::new(Mutex::new(Vec::new()));
    let (seen, who) = (answers.clone(), who.clone());
    let removed = spool
        .purge(Box::new(move |bytes| {
            let Ok(record) = serde_json::from_slice::<IngestRecord>(bytes) else { return false };
            let picked = names(&record, &who);
            if picked && let Some(id) = record_response_id(&record) {
                seen.lock().unwrap_or_else(|p| p.into_inner()).push(id.to_owned());
            }
            picked
        }))
        .await
        .map_err(|e| ApiError::Unavailable(e.into()))?;
    let answers = std::mem::take(&mut *answers.lock().unwrap_or_else(|p| p.into_inner()));
    Ok((removed, answers))
}

/// At start-up, before anything reads the spool: records of respondents erased while they were
/// spooled (a crash between the erasure's SQL commit and its spool rewrite) are removed and the
/// file rewritten, so neither the in-memory facts nor the drainer ever see them again.
pub async fn purge_erased_at_start(spool: &Spool, ledger: &ErasureLedger) -> anyhow::Result<()> {
    let guard = ledger.lock().await;
    let erased: std::collections::HashSet<Vec<u8>> = spool
        .peek(usize::MAX)
        .await?
        .into_iter()
        .filter(|(_, bytes)| serde_json::from_slice::<IngestRecord>(bytes).is_ok_and(|r| guard.erased(&r)))
        .map(|(_, bytes)| bytes)
        .collect();
    drop(guard);
    if erased.is_empty() {
        return Ok(());
    }
    let removed = spool.purge(Box::new(move |bytes| erased.contains(bytes))).await?;
    tracing::info!(removed, "records of erased respondents removed from the spool");
    Ok(())
}
