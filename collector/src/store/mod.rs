//! Durable storage behind one trait, with one implementation per SQL backend.
//!
//! Both backends share their SQL text (see [`sql`]): the schema keeps to types both speak
//! (BIGINT, TEXT, BOOLEAN; JSON kept as TEXT; times as unix milliseconds), so one storage test
//! suite proves both. What differs (connection options, migrations, locking) lives in
//! `sqlite.rs` and `postgres.rs`.

#[macro_use]
mod project_json;
#[macro_use]
mod sql;
pub use sql::Dialect;
#[macro_use]
pub mod audit;
#[macro_use]
pub mod accounts;
#[macro_use]
pub mod admin_users;
#[macro_use]
pub mod resident;
#[macro_use]
pub mod partner_programme;
#[macro_use]
pub mod campaign_mail;
#[macro_use]
pub mod webhooks;
#[macro_use]
pub mod rollups;
pub mod account_rollups;
#[macro_use]
mod account_rollups_sql;
#[macro_use]
pub mod disclosure;
// What a wave snapshot releases: its groups and comment lists planned together.
pub mod release_plan;
pub mod data_rights;
#[macro_use]
pub mod sign_in;
mod postgres;
mod sqlite;
pub mod hook;
pub mod projects;
pub mod campaigns;
pub mod followups;
pub mod reports;
pub mod decisions;
pub mod records;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

use records::IngestRecord;
use async_trait::async_trait;
use nps_core::eligibility::{Decision, UserHistory};
use nps_core::followup::{FollowUpItem, FollowUpPolicy, FollowUpUpdate, ScoredAnswer};
use nps_core::wire::Attributes;
use nps_core::wire::{AdminRole, Campaign, CampaignInput, Project, ProjectInput, ResponseRow, Survey, SurveyInput};
use nps_core::{Band, BandCounts};
use std::sync::Arc;

/// A column read back into its domain type (`ClientId`, `ShortText`...): what was parsed on the
/// way in parses again, so a refusal means the row was changed behind the collector's back.
pub(crate) fn typed<T>(column: &str, value: String) -> StoreResult<T>
where
    T: TryFrom<String>,
    T::Error: std::fmt::Display,
{
    T::try_from(value).map_err(|e| StoreError::Corrupt(format!("stored {column} {e}")))
}

/// [`typed`] for a column that may be NULL.
pub(crate) fn typed_opt<T>(column: &str, value: Option<String>) -> StoreResult<Option<T>>
where
    T: TryFrom<String>,
    T::Error: std::fmt::Display,
{
    value.map(|v| typed(column, v)).transpose()
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached or is overloaded: retry later, nothing is wrong with
    /// the data.
    #[error("database unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    /// The database refused this data (constraint, type): retrying will not help.
    #[error("database rejected the data: {0}")]
    Rejected(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) => {
                let code = db.code().unwrap_or_default();
                // SQLite 5/6 = busy/locked; PostgreSQL class 08 = connection, 53 = resources,
                // 57P = operator intervention (shutdown), 40001/40P01 = serialisation/deadlock.
                let transient = matches!(code.as_ref(), "5" | "6" | "40001" | "40P01")
                    || code.starts_with("08")
                    || code.starts_with("53")
                    || code.starts_with("57P");
                if transient {
                    StoreError::Unavailable(e)
                } else if db.is_unique_violation() {
                    StoreError::Conflict(db.message().to_owned())
                } else {
                    StoreError::Rejected(db.message().to_owned())
                }
            }
            sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) | sqlx::Error::ColumnNotFound(_) => {
                StoreError::Corrupt(e.to_string())
            }
            _ => StoreError::Unavailable(e),
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// An admin user as stored (with the password hash, which never leaves the collector).
#[derive(Debug, Clone)]
pub struct AdminRecord {
    pub id: i64,
    pub email: String,
    pub password_hash: String,
    pub role: AdminRole,
}

/// A partner organisation as ownership and scoping see it: (project id, partner id). Partner
/// ids are chosen per project, so the id alone never identifies a partner.
pub type PartnerKey = (i64, String);

/// Which answers a read covers. `survey_ids` is always explicit: the caller has already
/// narrowed it to the surveys the signed-in role may read.
#[derive(Debug, Clone, Default)]
pub struct ResponseQuery {
    pub survey_ids: Vec<i64>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub band: Option<Band>,
    pub has_comment: Option<bool>,
    /// Only answers whose attributes (as they were when the answer arrived) hold these
    /// key/value pairs, all of them.
    pub attributes: Vec<(String, String)>,
    /// Case-insensitive substring of the comment.
    pub text: Option<String>,
    /// Count only each respondent's latest answer inside [from, to) (dedupe window).
    pub latest_per_user: bool,
    /// Partner managers: only answers of one of these (project, partner) pairs, the partner
    /// named by the answer's `partner` attribute. Partner ids are per project: `p1` of one
    /// project is not `p1` of another (issue #11).
    pub partners: Option<Vec<PartnerKey>>,
    /// Leave out (or read only) the answers of some users, e.g. internal ones.
    pub users: rollups::UserScope,
    pub limit: i64,
    pub offset: i64,
}

/// A recipient of a link campaign, as stored.
#[derive(Debug, Clone)]
pub struct RecipientRecord {
    pub id: String,
    pub campaign_id: i64,
    pub email: String,
    pub name: Option<String>,
    pub language: Option<String>,
    pub attributes: Attributes,
    pub token_id: String,
}

/// An answer given on a hosted survey page.
#[derive(Debug, Clone)]
pub struct LinkAnswer {
    pub id: String,
    pub project_id: i64,
    pub survey_id: i64,
    /// The recipient id, or a random id for anonymous campaigns.
    pub user_id: String,
    pub score: i64,
    pub comment: Option<String>,
    pub attributes: Attributes,
    pub language: Option<String>,
    /// Anonymous campaigns store the day only.
    pub created_at: i64,
}

/// What a segment report breaks answers down by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dimension {
    /// A user attribute, as it was when the answer arrived.
    Attribute(String),
    /// An attribute of the answer's account, as the account is now (e.g. its tier).
    AccountAttribute(String),
    /// Role in the account (executive buyer, admin, end user, ...).
    Role,
    Account,
    Trigger,
    Language,
    Device,
    Survey,
}

impl Dimension {
    /// `attr:<key>`, `acct:<key>`, `role`, `account`, `trigger`, `language`, `device` or `survey`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "role" => Some(Self::Role),
            "account" => Some(Self::Account),
            "trigger" => Some(Self::Trigger),
            "language" => Some(Self::Language),
            "device" => Some(Self::Device),
            "survey" => Some(Self::Survey),
            _ => {
                let key = |prefix: &str| s.strip_prefix(prefix).filter(|k| !k.is_empty() && k.chars().count() <= 128).map(str::to_owned);
                key("attr:").map(Self::Attribute).or_else(|| key("acct:").map(Self::AccountAttribute))
            }
        }
    }

    /// The column holding the dimension (attributes are handled per backend).
    pub(crate) fn column(&self) -> Option<&'static str> {
        match self {
            Self::Role => Some("account_role"),
            Self::Account => Some("account_id"),
            Self::Trigger => Some("trigger_name"),
            Self::Language => Some("language"),
            Self::Device => Some("device"),
            Self::Survey => Some("CAST(survey_id AS TEXT)"),
            Self::Attribute(_) | Self::AccountAttribute(_) => None,
        }
    }
}

/// Answers of one UTC day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayCounts {
    /// Days since 1970-01-01.
    pub day: i64,
    pub counts: BandCounts,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct DeadLetter {
    pub id: i64,
    pub record: String,
    pub reason: String,
    pub created_at: i64,
}

#[async_trait]
pub trait Store: projects::ProjectStore + campaigns::CampaignStore + followups::FollowUpStore + reports::ReportStore + decisions::DecisionStore + admin_users::AdminUserStore + audit::AuditStore + rollups::RollupStore + account_rollups::AccountRollupStore + accounts::AccountStore + webhooks::WebhookStore + partner_programme::PartnerProgrammeStore + campaign_mail::CampaignMailStore + resident::ResidentStore + disclosure::DisclosureStore + data_rights::DataRightsStore + sign_in::SignInStore + Send + Sync + 'static {
    /// Which backend this is: start-up and `/readyz` branch on it, never on a name.
    fn dialect(&self) -> Dialect;
    async fn ping(&self) -> StoreResult<()>;

    /// Applies spooled records in one transaction with idempotent upserts: applying the same
    /// batch twice leaves the same rows as applying it once.
    async fn apply_batch(&self, batch: &[IngestRecord]) -> StoreResult<()>;
    /// Records `fingerprint` unless one is recorded already; answers the recorded one.
    async fn claim_secret_fingerprint(&self, fingerprint: &str, now: i64) -> StoreResult<String>;
    /// Records `fingerprint` in place of any earlier one (an operator changing the secret).
    async fn replace_secret_fingerprint(&self, fingerprint: &str, now: i64) -> StoreResult<()>;
    async fn dead_letter(&self, record: &str, reason: &str, at: i64) -> StoreResult<()>;
    async fn list_dead_letters(&self, limit: i64) -> StoreResult<Vec<DeadLetter>>;
}

pub type DynStore = Arc<dyn Store>;

/// A display the eligibility decision may claim.
#[derive(Debug, Clone)]
pub struct DisplayClaim {
    pub project_id: i64,
    pub survey_id: i64,
    pub user_id: nps_core::wire::ClientId,
    pub display_id: nps_core::wire::ClientId,
    pub trigger: Option<nps_core::wire::TriggerLabel>,
    pub url: Option<nps_core::wire::PageUrl>,
    pub language: Option<nps_core::wire::Language>,
    pub device: Option<nps_core::wire::Device>,
    pub now: i64,
    /// The survey has response caps, so the decision needs the answer counts.
    pub count_responses: bool,
}

/// What the server knows about a user when deciding: the input of the eligibility rules.
#[derive(Debug, Clone, Default)]
pub struct DecisionFacts {
    pub history: UserHistory,
    pub user_attributes: Attributes,
    pub account_attributes: Option<Attributes>,
    pub role: Option<String>,
    pub language: Option<String>,
    /// Answers to the survey on the current UTC day, and in total.
    pub responses_today: u64,
    pub responses_total: u64,
}

/// The rules, applied to the facts read inside the claim's transaction.
pub type DecideFn<'a> = &'a (dyn Fn(&DecisionFacts) -> Decision + Send + Sync);

/// One decision of a batch: the display it may claim and the rules that decide it.
#[derive(Clone, Copy)]
pub struct BatchDecision<'a> {
    pub claim: &'a DisplayClaim,
    pub decide: DecideFn<'a>,
}

/// The decision log as read back, and its counts per rule: the explain and exclusions answers.
pub use nps_core::wire::{LoggedDecision, RuleCount};

/// Opens the store the URL names (`sqlite://` or `postgres://`) and runs its migrations.
pub async fn connect(url: &str) -> anyhow::Result<DynStore> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PostgresStore::connect(url).await?))
    } else if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::connect(url).await?))
    } else {
        anyhow::bail!("database_url must start with sqlite:// or postgres://")
    }
}
