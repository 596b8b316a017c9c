//! The admin API: roles and sessions, users, projects and surveys.

use crate::names::names;
use super::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

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
    /// May create and change projects and surveys.
    pub fn can_configure(self) -> bool {
        matches!(self, AdminRole::Owner | AdminRole::Admin)
    }

    /// May read accounts, revenue and churn (the customer programme's business data).
    pub fn reads_accounts(self) -> bool {
        matches!(
            self,
            AdminRole::Owner | AdminRole::Admin | AdminRole::Analyst
        )
    }

    /// Has follow-ups to work: customer and partner programmes. Employee NPS has none, since
    /// its answers are not tied to people.
    pub fn works_followups(self) -> bool {
        self != AdminRole::Hr
    }

    /// May read partner NPS and the partner registry (a partner manager: their own partners).
    pub fn reads_partners(self) -> bool {
        self.readable_kinds().contains(&SurveyKind::Partner)
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

names!(AdminRole { Owner => "owner", Admin => "admin", Analyst => "analyst", Hr => "hr", PartnerManager => "partner_manager" });

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Credentials {
    pub email: EmailAddress,
    #[cfg_attr(feature = "openapi", schema(min_length = 10, max_length = 1024))]
    pub password: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct NewAdminUser {
    pub email: EmailAddress,
    #[cfg_attr(feature = "openapi", schema(min_length = 10, max_length = 1024))]
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
    #[cfg_attr(feature = "openapi", schema(min_length = 10, max_length = 1024))]
    pub password: String,
}

/// `POST /api/admin/session/password`: a signed-in user changes their own password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PasswordChange {
    pub current_password: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 10, max_length = 1024))]
    pub new_password: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ProjectInput {
    pub name: Name,
    #[serde(default)]
    pub allowed_origins: Vec<Origin>,
    #[serde(default)]
    pub identity_enforced: bool,
    /// Project-wide fatigue defaults; surveys may override each rule.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub fatigue: crate::eligibility::FatiguePolicy,
    /// Raw answers older than this many months are deleted (rollups keep the trend); absent:
    /// keep them.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 120))]
    pub retention_months: Option<u16>,
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
    /// See [`ProjectInput::retention_months`].
    #[serde(default)]
    pub retention_months: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SurveyInput {
    /// A [`Name`]; a plain string here because the editor's form holds what is being typed.
    #[cfg_attr(feature = "openapi", schema(value_type = Name))]
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

impl SurveyInput {
    /// What must be fixed before the survey can be saved, one message each: the editor shows
    /// them before sending, and the collector refuses a body that has any.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if let Err(e) = Name::parse(self.name.as_str()) {
            problems.push(format!("name {e}"));
        }
        problems.extend(self.definition.problems());
        problems.extend(self.rules.problems());
        problems
    }
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

/// The signed-in admin user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Me {
    pub email: String,
    pub role: AdminRole,
}

/// A signed invitation for an e-mail address to join with a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Invitation {
    pub email: String,
    pub role: AdminRole,
    pub invited_by: String,
    /// Unix milliseconds.
    pub expires_at: i64,
    /// The signed token; the admin app's link is `/admin/accept?token=<token>`.
    pub token: String,
    /// Path of the page where the invitee sets a password (same origin as the admin app).
    pub accept_path: String,
}

/// One request of a project's widget, for the install check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ActivityEntry {
    /// Unix ms.
    pub at: i64,
    /// The client endpoint: `identify`, `config`, `decide`, `displays`, `responses`,
    /// `complete`, `feedback`.
    pub endpoint: String,
    pub method: String,
    /// The HTTP status the widget got.
    pub status: u16,
    /// The page's origin, when the browser sent one.
    pub origin: Option<String>,
}

/// Invites an e-mail address with a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct InvitationRequest {
    pub email: EmailAddress,
    pub role: AdminRole,
}

/// An admin user as the Users screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AdminUser {
    /// Addresses the user in `/api/admin/users/{id}/...`.
    pub id: i64,
    pub email: String,
    pub role: AdminRole,
    pub status: AdminUserStatus,
    /// Unix milliseconds.
    pub created_at: i64,
}

/// What a retention pass deleted from one project (`POST /api/admin/projects/{id}/retention/run`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RetentionCounts {
    pub answers: u64,
    pub displays: u64,
    pub decisions: u64,
    pub followups: u64,
}
