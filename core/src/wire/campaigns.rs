//! Link campaigns (employee NPS, partner NPS): anonymity, recipients, partners.

use crate::names::names;
use super::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// How much a link campaign knows about who answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum Anonymity {
    /// The answer keeps only the group attributes; the used-token ledger is kept apart and
    /// shares nothing with the answers (no id, no timestamp).
    Anonymous,
    /// Identity is stored with the answer but never shown to HR.
    Confidential,
    /// Identity is stored and shown (partner NPS: contacts speak for their organisation).
    Identified,
}

names!(Anonymity { Anonymous => "anonymous", Confidential => "confidential", Identified => "identified" });

impl super::SurveyKind {
    /// Whether answers of a survey of this kind, run through campaigns promising these, are
    /// protected (released only through the disclosure rules): employee NPS always; partner
    /// NPS when any of its campaigns is anonymous or confidential; customer NPS never.
    pub fn protects_answers(self, campaigns: impl IntoIterator<Item = Anonymity>) -> bool {
        use super::SurveyKind::*;
        match self {
            Enps => true,
            Partner => campaigns.into_iter().any(|a| a != Anonymity::Identified),
            Tnps | Rnps => false,
        }
    }
}

impl Anonymity {
    /// Whether a campaign of a survey of this kind may promise this: employee NPS is never
    /// identified (the answers are the employees'), customer surveys are never protected
    /// (their reports read answers as rows), partner NPS may be either.
    pub fn fits(self, kind: super::SurveyKind) -> bool {
        use super::SurveyKind::*;
        match kind {
            Enps => self != Anonymity::Identified,
            Tnps | Rnps => self == Anonymity::Identified,
            Partner => true,
        }
    }
}

/// The smallest group an employee-NPS report may show (default 5); admins may lower it to 3.
pub use crate::disclosure::{DEFAULT_MIN_GROUP, MIN_GROUP_FLOOR};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CampaignInput {
    pub survey_id: i64,
    #[cfg_attr(feature = "openapi", schema(schema_with = super::limits::not_blank))]
    pub name: String,
    pub anonymity: Anonymity,
    /// Groups smaller than this are never shown (floor 3).
    #[serde(default = "default_min_group")]
    #[cfg_attr(feature = "openapi", schema(minimum = 3))]
    pub min_group: u32,
    /// Comments are shown only for groups at least this large.
    #[serde(default = "default_min_group")]
    #[cfg_attr(feature = "openapi", schema(minimum = 3))]
    pub verbatim_min_group: u32,
    /// The recipient attributes an anonymous answer keeps (e.g. department, location).
    #[serde(default)]
    pub group_attributes: Vec<String>,
    /// Links stop working after this many days.
    #[serde(default = "default_expiry_days")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 365))]
    pub expires_in_days: u32,
}

fn default_min_group() -> u32 {
    DEFAULT_MIN_GROUP
}

fn default_expiry_days() -> u32 {
    30
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Campaign {
    pub id: i64,
    pub project_id: i64,
    pub survey_id: i64,
    pub name: String,
    pub anonymity: Anonymity,
    pub min_group: u32,
    pub verbatim_min_group: u32,
    pub group_attributes: Vec<String>,
    pub expires_at: i64,
    pub created_at: i64,
    /// E-mail of the admin who created it (absent for campaigns older than this field). A
    /// partner campaign is that partner manager's: no other partner manager reads it.
    #[serde(default)]
    pub created_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RecipientInput {
    pub email: EmailAddress,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::wire::limits::AttributeMap))]
    pub attributes: ClientAttributes,
}

/// A recipient with their personal link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RecipientLink {
    pub recipient_id: String,
    pub email: String,
    pub url: String,
}

/// A partner organisation (partner NPS). Answers name it in their `partner` attribute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Partner {
    pub id: ClientId,
    pub name: PartnerName,
    pub tier: Option<String>,
    pub region: Option<String>,
    /// E-mail of the partner manager who owns it: they see its answers and only theirs.
    pub owner_email: Option<String>,
}

/// `POST /api/admin/projects/{id}/partners`: partners to add or update (by id). A CSV file is
/// read client-side into this ([`crate::partners_csv::parse`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PartnerImport {
    pub partners: Vec<Partner>,
}

/// How a campaign's e-mails go out: reminders and the recurring cadence.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DeliverySettings {
    /// Remind those who have not answered this many days after the wave started, and again
    /// after as many days again; none: no reminders.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 365))]
    pub reminder_after_days: Option<u32>,
    /// At most this many reminders per wave (0 to 5).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(maximum = 5))]
    pub max_reminders: u32,
    /// Start the next wave by itself this many days after the last one started (e.g. 90);
    /// none: a single wave.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 730))]
    pub cadence_days: Option<u32>,
}

impl DeliverySettings {
    /// What is wrong with these settings, one message per problem (none: they may be saved).
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self
            .reminder_after_days
            .is_some_and(|d| !(1..=365).contains(&d))
        {
            problems.push("reminder_after_days must be between 1 and 365".to_owned());
        }
        if self.max_reminders > 5 {
            problems.push("max_reminders must be at most 5".to_owned());
        }
        if self.cadence_days.is_some_and(|d| !(1..=730).contains(&d)) {
            problems.push("cadence_days must be between 1 and 730".to_owned());
        }
        problems
    }
}

/// How many recipients an import added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ImportResult {
    pub received: u64,
}

/// One wave of a campaign: the first sending, or a recurring one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Wave {
    /// The wave number (1 = the first sending).
    pub wave: u32,
    pub started_at: i64,
    pub expires_at: i64,
    /// Reminder rounds done.
    pub reminder_rounds: u32,
}

impl Wave {
    /// The first wave of a campaign whose links went out before any wave was recorded.
    pub fn first(campaign: &Campaign) -> Self {
        Wave { wave: 1, started_at: campaign.created_at, expires_at: campaign.expires_at, reminder_rounds: 0 }
    }
}

/// A wave with what its e-mails did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct WaveStatus {
    #[serde(flatten)]
    pub wave: Wave,
    pub invitations_sent: u64,
    /// Invitations the SMTP relay accepted (from the outbox's delivery log).
    pub invitations_delivered: u64,
    /// None for a protected campaign (employee NPS, partner NPS with an anonymous or
    /// confidential campaign): reminders go only to who has not answered, so their number
    /// per round is a participation count at a time the reader knows.
    pub reminders_sent: Option<u64>,
    pub reminders_delivered: Option<u64>,
    /// Links of this wave in the used-token ledger. None for a protected campaign when the
    /// people who answered, or those who did not, are fewer than its smallest group (a
    /// campaign of one recipient would say whether, and when, that person answered).
    pub answered: Option<u64>,
}

/// A campaign's e-mail delivery: its settings, recipients and waves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CampaignStatus {
    pub campaign_id: i64,
    /// E-mail delivery is on (after "send now").
    pub delivery_active: bool,
    pub settings: DeliverySettings,
    pub recipients: u64,
    pub waves: Vec<WaveStatus>,
    /// When the next wave starts by itself.
    pub next_wave_at: Option<i64>,
}
