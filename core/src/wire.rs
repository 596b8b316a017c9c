//! The JSON shapes exchanged between the widget, the admin app and the collector.
//!
//! Inputs are parsed into these types at the edge; anything that does not fit is refused with
//! an [`crate::ErrorCode`] before it reaches storage.

use crate::eligibility::SurveyRules;
use crate::score::NpsScore;
use crate::stats::{BandCounts, Comparison, NpsInterval};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Free-form attributes of a user or an account (plan, country, MRR, ...).
pub type Attributes = serde_json::Map<String, serde_json::Value>;

/// Longest follow-up comment accepted, in characters.
pub const MAX_COMMENT_CHARS: usize = 5_000;
/// Longest client-generated id, user id or attribute key.
pub const MAX_ID_CHARS: usize = 128;

// ---------------------------------------------------------------------------------------------
// Client API (the widget)
// ---------------------------------------------------------------------------------------------

/// Tells the collector who the signed-in user of the host app is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IdentifyRequest {
    pub user_id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    #[serde(default)]
    pub attributes: Attributes,
    /// When the user signed up in the host app (unix milliseconds).
    pub created_at: Option<i64>,
    pub language: Option<String>,
    pub account: Option<AccountMembership>,
    /// A JWT signed by the vendor's backend with the project's identity secret (`sub` = user
    /// id, `exp`, optional `attributes`). Required when the project enforces verification.
    pub identity_token: Option<String>,
}

/// The B2B account the user acts for, and the user's role in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AccountMembership {
    pub id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    #[serde(default)]
    pub attributes: Attributes,
    /// `executive_buyer`, `admin`, `end_user` or a custom role name.
    #[serde(default = "default_role")]
    pub role: String,
}

fn default_role() -> String {
    "end_user".to_owned()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IdentifyResponse {
    pub user_id: String,
    /// Short-lived token the widget sends as `Authorization: Bearer` on later writes.
    pub session_token: String,
    pub expires_at: i64,
}

/// A survey was shown to a user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DisplayRequest {
    /// Client-generated id: retries with the same id are stored once.
    pub display_id: String,
    pub survey_id: i64,
    pub user_id: String,
    pub trigger: Option<String>,
    pub url: Option<String>,
    pub language: Option<String>,
    pub device: Option<String>,
    /// Sampling rate in force, in basis points (10000 = everyone).
    pub sampling_rate_bp: Option<u32>,
}

/// The score, sent as soon as it is tapped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ResponseRequest {
    /// Client-generated id: retries with the same id are stored once.
    pub response_id: String,
    pub survey_id: i64,
    pub user_id: String,
    pub display_id: Option<String>,
    pub score: NpsScore,
    pub language: Option<String>,
    pub device: Option<String>,
    pub trigger: Option<String>,
    pub sampling_rate_bp: Option<u32>,
}

/// The follow-up comment and extra answers, sent when the user submits them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CompleteRequest {
    pub survey_id: i64,
    pub user_id: String,
    pub comment: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    #[serde(default)]
    pub extra_answers: Attributes,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum FeedbackKind {
    /// Closed the survey without answering.
    Decline,
    /// "Ask me later".
    Snooze,
    /// Never ask me again (honoured forever, across all surveys of the project).
    OptOut,
}

impl FeedbackKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FeedbackKind::Decline => "decline",
            FeedbackKind::Snooze => "snooze",
            FeedbackKind::OptOut => "opt_out",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FeedbackRequest {
    pub action_id: String,
    /// Absent for a project-wide opt-out.
    pub survey_id: Option<i64>,
    pub user_id: String,
    pub kind: FeedbackKind,
}

/// The answer to an accepted write: it is durable once this is returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Accepted {
    pub id: String,
    pub durable: bool,
}

/// What the widget needs to know about a project (cacheable, served with an ETag).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ProjectConfig {
    pub project_key: String,
    pub identity_enforced: bool,
    pub surveys: Vec<PublicSurvey>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PublicSurvey {
    pub id: i64,
    pub kind: SurveyKind,
    pub definition: SurveyDefinition,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub rules: SurveyRules,
}

// ---------------------------------------------------------------------------------------------
// Surveys
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum SurveyKind {
    /// Transactional: after an event or page in the host app.
    Tnps,
    /// Relational: on a cadence per user.
    Rnps,
    /// Employee NPS, by link, anonymous or confidential.
    Enps,
    /// Partner NPS, by link to partner contacts.
    Partner,
}

impl SurveyKind {
    pub const ALL: [SurveyKind; 4] = [SurveyKind::Tnps, SurveyKind::Rnps, SurveyKind::Enps, SurveyKind::Partner];

    pub fn as_str(self) -> &'static str {
        match self {
            SurveyKind::Tnps => "tnps",
            SurveyKind::Rnps => "rnps",
            SurveyKind::Enps => "enps",
            SurveyKind::Partner => "partner",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Answered in the host app through the widget. Employee and partner NPS are answered
    /// only through personal links: the public project key must never write into them.
    pub fn is_in_app(self) -> bool {
        matches!(self, SurveyKind::Tnps | SurveyKind::Rnps)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum SurveyStatus {
    #[default]
    Draft,
    Live,
    Paused,
    Closed,
}

impl SurveyStatus {
    pub const ALL: [SurveyStatus; 4] = [SurveyStatus::Draft, SurveyStatus::Live, SurveyStatus::Paused, SurveyStatus::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            SurveyStatus::Draft => "draft",
            SurveyStatus::Live => "live",
            SurveyStatus::Paused => "paused",
            SurveyStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One value per band (follow-up questions, thank-you messages).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PerBand<T> {
    pub detractor: T,
    pub passive: T,
    pub promoter: T,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum ExtraQuestionKind {
    /// 1 to 5.
    Rating,
    Text,
    YesNo,
}

/// An optional question after the follow-up (support responsiveness, value for money, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ExtraQuestion {
    pub id: String,
    pub text: String,
    pub kind: ExtraQuestionKind,
}

/// Everything a respondent reads, in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SurveyTexts {
    pub question: String,
    pub follow_up: PerBand<String>,
    pub thank_you: PerBand<String>,
    #[serde(default)]
    pub extra_questions: Vec<ExtraQuestion>,
    /// Optional call to action shown to promoters (review site, referral page).
    pub promoter_link: Option<String>,
}

impl Default for SurveyTexts {
    fn default() -> Self {
        Self {
            question: "How likely are you to recommend us to a friend or colleague?".to_owned(),
            follow_up: PerBand {
                detractor: "What is the main reason for your score?".to_owned(),
                passive: "What is the main reason for your score?".to_owned(),
                promoter: "What is the main reason for your score?".to_owned(),
            },
            thank_you: PerBand {
                detractor: "Thank you. We read every answer and will work on it.".to_owned(),
                passive: "Thank you for your feedback.".to_owned(),
                promoter: "Thank you! We are glad you like it.".to_owned(),
            },
            extra_questions: Vec::new(),
            promoter_link: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum Placement {
    #[default]
    BottomRight,
    BottomLeft,
    Centre,
    BottomSheet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum Theme {
    Light,
    Dark,
    #[default]
    Auto,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Appearance {
    pub placement: Placement,
    pub theme: Theme,
    /// CSS colour of the brand, e.g. `#4f46e5`.
    pub brand_colour: String,
}

impl Default for Appearance {
    fn default() -> Self {
        Self { placement: Placement::default(), theme: Theme::default(), brand_colour: "#4f46e5".to_owned() }
    }
}

/// The content of a survey: texts per language and appearance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SurveyDefinition {
    pub default_language: String,
    pub texts: BTreeMap<String, SurveyTexts>,
    pub appearance: Appearance,
}

impl Default for SurveyDefinition {
    fn default() -> Self {
        Self {
            default_language: "en".to_owned(),
            texts: BTreeMap::from([("en".to_owned(), SurveyTexts::default())]),
            appearance: Appearance::default(),
        }
    }
}

impl SurveyDefinition {
    /// The texts in `language` if the survey has them, else in its default language.
    pub fn texts_for(&self, language: Option<&str>) -> Option<&SurveyTexts> {
        language
            .and_then(|l| self.texts.get(l).or_else(|| self.texts.get(l.split('-').next().unwrap_or(l))))
            .or_else(|| self.texts.get(&self.default_language))
    }

    /// Problems an editor must fix before the survey can be saved, one message each.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if !self.texts.contains_key(&self.default_language) {
            problems.push(format!("definition.texts has no entry for the default language `{}`", self.default_language));
        }
        for (language, texts) in &self.texts {
            if texts.question.trim().is_empty() {
                problems.push(format!("definition.texts.{language}.question must not be empty"));
            }
        }
        problems
    }
}

// ---------------------------------------------------------------------------------------------
// Admin API
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum AdminRole {
    Owner,
    Admin,
    Analyst,
    /// Sees employee NPS only.
    Hr,
    /// Sees partner NPS of the partners they own only.
    PartnerManager,
}

impl AdminRole {
    pub const ALL: [AdminRole; 5] = [AdminRole::Owner, AdminRole::Admin, AdminRole::Analyst, AdminRole::Hr, AdminRole::PartnerManager];

    pub fn as_str(self) -> &'static str {
        match self {
            AdminRole::Owner => "owner",
            AdminRole::Admin => "admin",
            AdminRole::Analyst => "analyst",
            AdminRole::Hr => "hr",
            AdminRole::PartnerManager => "partner_manager",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// May create and change projects and surveys.
    pub fn can_configure(self) -> bool {
        matches!(self, AdminRole::Owner | AdminRole::Admin)
    }

    /// The survey kinds whose answers this role may read.
    pub fn readable_kinds(self) -> &'static [SurveyKind] {
        match self {
            AdminRole::Owner | AdminRole::Admin => &SurveyKind::ALL,
            AdminRole::Analyst => &[SurveyKind::Tnps, SurveyKind::Rnps, SurveyKind::Partner],
            AdminRole::Hr => &[SurveyKind::Enps],
            AdminRole::PartnerManager => &[SurveyKind::Partner],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Credentials {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct NewAdminUser {
    pub email: String,
    pub password: String,
    pub role: AdminRole,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SessionInfo {
    pub email: String,
    pub role: AdminRole,
    /// Must be echoed in the `X-CSRF-Token` header of every state-changing request.
    pub csrf_token: String,
    pub expires_at: i64,
}

/// Whether an admin user may sign in (owners disable and re-enable users).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum AdminUserStatus {
    Active,
    /// Cannot sign in; every session ended when it was disabled.
    Disabled,
}

/// `PUT /api/admin/users/{id}/role` (owners).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RoleChange {
    pub role: AdminRole,
}

/// `PUT /api/admin/users/{id}/status` (owners).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StatusChange {
    pub status: AdminUserStatus,
}

/// A signed, single-use password-reset link for one admin user, returned to whoever created
/// it to pass on (nothing is e-mailed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PasswordResetLink {
    pub email: String,
    /// Unix milliseconds.
    pub expires_at: i64,
    pub token: String,
    /// Path of the admin app's page that sets the password: `/admin/reset?token=<token>`.
    pub reset_path: String,
}

/// `POST /api/admin/password-resets/{token}`: the new password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct NewPassword {
    pub password: String,
}

/// `POST /api/admin/session/password`: a signed-in user changes their own password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ProjectInput {
    pub name: String,
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    #[serde(default)]
    pub identity_enforced: bool,
    /// Project-wide fatigue defaults; surveys may override each rule.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub fatigue: crate::eligibility::FatiguePolicy,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Project {
    pub id: i64,
    pub name: String,
    /// Write-only key the widget uses; safe to publish.
    pub public_key: String,
    pub allowed_origins: Vec<String>,
    pub identity_enforced: bool,
    /// The secret the vendor's backend signs identities with; only shown to owners and admins.
    pub identity_secret: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub fatigue: crate::eligibility::FatiguePolicy,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SurveyInput {
    pub name: String,
    pub kind: SurveyKind,
    #[serde(default)]
    pub status: SurveyStatus,
    #[serde(default)]
    pub definition: SurveyDefinition,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub rules: SurveyRules,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Survey {
    pub id: i64,
    pub project_id: i64,
    pub name: String,
    pub kind: SurveyKind,
    pub status: SurveyStatus,
    pub definition: SurveyDefinition,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub rules: SurveyRules,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One stored answer as the admin sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ResponseRow {
    pub id: String,
    pub survey_id: i64,
    pub user_id: String,
    pub score: Option<u8>,
    pub band: Option<crate::Band>,
    pub comment: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub extra_answers: Attributes,
    /// The user's attributes when the answer arrived.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub attributes: Attributes,
    pub account_id: Option<String>,
    pub role: Option<String>,
    pub language: Option<String>,
    pub device: Option<String>,
    pub trigger: Option<String>,
    pub sampling_rate_bp: Option<u32>,
    pub created_at: i64,
    pub completed_at: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum Granularity {
    Day,
    #[default]
    Week,
    Month,
}

/// NPS of a set of answers, always with its interval and the response rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct NpsSummary {
    pub counts: BandCounts,
    pub n: u64,
    /// Raw NPS; absent when nobody answered.
    pub nps: Option<f64>,
    /// 95% adjusted-Wald interval.
    pub interval: NpsInterval,
    pub displays: u64,
    /// Answers with a score divided by displays; absent without displays.
    pub response_rate: Option<f64>,
}

impl NpsSummary {
    pub fn new(counts: BandCounts, displays: u64) -> Self {
        let n = counts.n();
        Self {
            counts,
            n,
            nps: counts.nps(),
            interval: counts.interval95(),
            displays,
            response_rate: (displays > 0).then(|| n as f64 / displays as f64),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PeriodSummary {
    /// First day of the period, `YYYY-MM-DD` (UTC).
    pub period_start: String,
    pub summary: NpsSummary,
    /// Against the previous period that had answers.
    pub change: Option<Comparison>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct NpsReport {
    pub survey_ids: Vec<i64>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub granularity: Granularity,
    /// How answers were counted: `every_response` or `latest_per_user_in_window`.
    pub counting: String,
    pub overall: NpsSummary,
    pub periods: Vec<PeriodSummary>,
    /// Present for employee NPS and anonymous partner NPS: what the disclosure rules released.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disclosure: Option<crate::disclosure::Disclosure>,
}

// ---------------------------------------------------------------------------------------------
// Authoritative eligibility
// ---------------------------------------------------------------------------------------------

/// Asks the collector whether to show a survey now. When the answer is yes, the collector has
/// already recorded (claimed) the display under `display_id`, atomically with the decision, so
/// two tabs or devices can never both get a survey inside a cooldown. The widget does not post
/// a separate display for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DecideRequest {
    pub survey_id: i64,
    pub user_id: String,
    /// Client-generated id for the display this decision may claim.
    pub display_id: String,
    /// Label of the trigger that fired, e.g. `event:ticket_resolved`.
    pub trigger: Option<String>,
    pub url: Option<String>,
    pub language: Option<String>,
    pub device: Option<String>,
    /// E-mail of the user, when known, for internal-user exclusion rules.
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DecideResponse {
    pub eligible: bool,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub rule: crate::eligibility::Rule,
    pub detail: String,
    /// When the blocking rule stops blocking (unix ms), if known.
    pub retry_after: Option<i64>,
    pub sampling_rate_bp: u32,
    /// Set when eligible: the display that was recorded.
    pub display_id: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Link campaigns (employee NPS, partner NPS)
// ---------------------------------------------------------------------------------------------

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

impl Anonymity {
    pub fn as_str(self) -> &'static str {
        match self {
            Anonymity::Anonymous => "anonymous",
            Anonymity::Confidential => "confidential",
            Anonymity::Identified => "identified",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Anonymity::Anonymous, Anonymity::Confidential, Anonymity::Identified].into_iter().find(|a| a.as_str() == s)
    }
}

/// The smallest group an employee-NPS report may show (default 5); admins may lower it to 3.
pub use crate::disclosure::{DEFAULT_MIN_GROUP, MIN_GROUP_FLOOR};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CampaignInput {
    pub survey_id: i64,
    pub name: String,
    pub anonymity: Anonymity,
    /// Groups smaller than this are never shown (floor 3).
    #[serde(default = "default_min_group")]
    pub min_group: u32,
    /// Comments are shown only for groups at least this large.
    #[serde(default = "default_min_group")]
    pub verbatim_min_group: u32,
    /// The recipient attributes an anonymous answer keeps (e.g. department, location).
    #[serde(default)]
    pub group_attributes: Vec<String>,
    /// Links stop working after this many days.
    #[serde(default = "default_expiry_days")]
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
    pub email: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub attributes: Attributes,
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
    pub id: String,
    pub name: String,
    pub tier: Option<String>,
    pub region: Option<String>,
    /// E-mail of the partner manager who owns it: they see its answers and only theirs.
    pub owner_email: Option<String>,
}
