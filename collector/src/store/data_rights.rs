//! Data subject rights in SQL: what is held about one respondent of a project (export), erasing
//! it everywhere with the rollups adjusted, the ledger of erasures, and retention.
//!
//! A respondent is a set of user ids of one project (answers, displays, decisions, identity,
//! follow-ups name them) and optionally an e-mail address (campaign recipients and the e-mail
//! delivery log name it). Answers to anonymous campaigns carry a random id that joins nothing,
//! so they are never found here: that is the anonymity promise, not an omission.

use super::StoreResult;
use async_trait::async_trait;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Whom an export or erasure is about.
#[derive(Debug, Clone)]
pub struct Respondent {
    pub project_id: i64,
    /// Every user id of the respondent in the project (may be empty when only the e-mail is
    /// known).
    pub user_ids: Vec<String>,
    /// Lower-cased.
    pub email: Option<String>,
}

/// What an erasure removed from SQL, per kind, and the answers it removed (their ids name the
/// outbox messages about them).
#[derive(Debug, Clone, Default)]
pub struct Erased {
    pub counts: BTreeMap<String, u64>,
    pub response_ids: Vec<String>,
    pub recipient_ids: Vec<String>,
}

/// What a retention pass deleted from one project (a wire type: the admin app shows it).
pub use nps_core::wire::RetentionCounts;

/// A column of an export section and how to read it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Col {
    Text(&'static str),
    Int(&'static str),
    Bool(&'static str),
    /// JSON kept as TEXT: exported as the JSON it holds.
    Json(&'static str),
}

/// Which rows of a section belong to the respondent.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Whose {
    /// `project_id = P AND <column> IN (user ids)`.
    User(&'static str),
    /// Notes of the respondent's follow-ups.
    FollowupNotes,
    /// Recipients of the project's campaigns with one of the user ids or the e-mail.
    Recipients,
    /// Messages to those recipients.
    RecipientMessages,
}

/// The export: one section per kind of record, in this order.
pub(crate) const SECTIONS: &[(&str, &str, Whose, &[Col])] = {
    use Col::*;
    &[
        ("answers", "responses", Whose::User("user_id"), &[
            Text("id"), Int("survey_id"), Text("user_id"), Text("display_id"), Int("score"), Text("comment"),
            Json("extra_answers"), Json("attributes"), Text("account_id"), Text("account_role"), Text("language"),
            Text("device"), Text("trigger_name"), Int("sampling_rate_bp"), Int("created_at"), Int("completed_at"),
        ]),
        ("displays", "displays", Whose::User("user_id"), &[
            Text("id"), Int("survey_id"), Text("user_id"), Text("trigger_name"), Text("url"), Text("language"),
            Text("device"), Int("sampling_rate_bp"), Int("created_at"),
        ]),
        ("decisions", "decisions", Whose::User("user_id"), &[
            Text("decision_key"), Int("survey_id"), Text("user_id"), Bool("eligible"), Text("rule"), Text("detail"),
            Int("retry_after"), Int("sampling_rate_bp"), Text("display_id"), Text("trigger_name"), Int("created_at"),
        ]),
        ("feedback", "feedback", Whose::User("user_id"), &[
            Text("id"), Int("survey_id"), Text("user_id"), Text("kind"), Int("created_at"),
        ]),
        ("identity", "app_users", Whose::User("external_id"), &[
            Text("external_id"), Json("attributes"), Int("created_at"), Int("first_seen_at"), Int("last_seen_at"),
            Text("language"), Text("account_id"), Text("account_role"),
        ]),
        ("account_memberships", "account_members", Whose::User("user_id"), &[
            Text("account_id"), Text("user_id"), Text("role"), Int("updated_at"),
        ]),
        ("followups", "followups", Whose::User("user_id"), &[
            Text("response_id"), Int("survey_id"), Text("user_id"), Text("band"), Text("owner"), Text("status"),
            Int("created_at"), Int("due_at"), Int("first_contact_at"), Int("updated_at"), Text("partner_id"),
        ]),
        ("followup_notes", "followup_notes", Whose::FollowupNotes, &[
            Text("response_id"), Text("author"), Text("status"), Text("note"), Text("outcome"), Int("created_at"),
        ]),
        ("campaign_recipients", "recipients", Whose::Recipients, &[
            Text("id"), Int("campaign_id"), Text("email"), Text("name"), Text("language"), Json("attributes"),
            Int("created_at"),
        ]),
        ("campaign_messages", "campaign_messages", Whose::RecipientMessages, &[
            Text("outbox_id"), Int("campaign_id"), Int("wave"), Text("recipient_id"), Text("kind"),
        ]),
    ]
};

/// `LIKE` patterns matching outbox message ids that name one of `ids` as a whole `:`-separated
/// part (`wh:{endpoint}:{response}:{event}`, `alert:{response}:{to}`,
/// `invite:{campaign}:{wave}:{recipient}`, `remind:{campaign}:{wave}:{recipient}:{round}`).
pub(crate) fn message_id_patterns(ids: &[String]) -> Vec<String> {
    let escape = |s: &str| s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    ids.iter().flat_map(|id| [format!("%:{}:%", escape(id)), format!("%:{}", escape(id))]).collect()
}

/// Whether an outbox message id names one of `ids` (the same rule as [`message_id_patterns`]).
pub fn message_id_names(message_id: &str, ids: &[String]) -> bool {
    ids.iter().any(|id| message_id.contains(&format!(":{id}:")) || message_id.ends_with(&format!(":{id}")))
}

/// `LIKE` patterns matching dead-lettered ingest records (compact JSON) of these users in the
/// project.
pub(crate) fn dead_letter_patterns(project_id: i64, user_ids: &[String]) -> Vec<String> {
    let escape = |s: &str| s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    user_ids
        .iter()
        .map(|u| {
            let quoted = serde_json::to_string(u).unwrap_or_default();
            format!("%\"project\\_id\":{project_id},%\"user\\_id\":{}%", escape(&quoted))
        })
        .collect()
}

#[async_trait]
pub trait DataRightsStore: Send + Sync {
    /// The user ids the e-mail names in the project: recipients of its campaigns with that
    /// address (confidential and identified campaigns answer under the recipient id) and users
    /// whose identity attribute `email` is that address.
    async fn respondent_ids_by_email(&self, project_id: i64, email: &str) -> StoreResult<Vec<String>>;
    /// Every record held about the respondent, one section per kind (see [`SECTIONS`]), plus
    /// `deliveries` (the delivery log of messages about them).
    async fn export_respondent(&self, who: &Respondent) -> StoreResult<Map<String, Value>>;
    /// Erases the respondent in one transaction: their rows everywhere, their answers taken off
    /// the rollups, and `subjects` (keyed hashes of their user ids) recorded in the ledger.
    async fn erase_respondent(&self, who: &Respondent, subjects: &[String], now: i64) -> StoreResult<Erased>;
    /// After an erasure: SQLite copies its write-ahead log into the database file and truncates
    /// it, so old page images holding erased rows are gone (nothing to do on PostgreSQL).
    async fn truncate_log(&self) -> StoreResult<()>;
    /// Ledger entries `(project, subject, erased_at)` erased at or after `since`.
    async fn erasures_since(&self, since: i64) -> StoreResult<Vec<(i64, String, i64)>>;
    /// Projects with a retention setting, and the setting in months.
    async fn retention_settings(&self) -> StoreResult<Vec<(i64, u16)>>;
    /// Deletes the project's raw answers (with their follow-ups), displays and decisions created
    /// before `before`; the rollups are left as they are, so the trend stays.
    async fn apply_retention(&self, project_id: i64, before: i64) -> StoreResult<RetentionCounts>;
}
