//! The client API of the widget: identify, displays, two-step answers, feedback and the
//! project's public configuration.

use crate::names::names;
use super::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Tells the collector who the signed-in user of the host app is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IdentifyRequest {
    pub user_id: ClientId,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::wire::limits::AttributeMap))]
    #[serde(default)]
    pub attributes: ClientAttributes,
    /// When the user signed up in the host app (unix milliseconds).
    pub created_at: Option<i64>,
    pub language: Option<Language>,
    pub account: Option<AccountMembership>,
    /// A JWT signed by the vendor's backend with the project's identity secret (`sub` = user
    /// id, `exp`, optional `attributes`). Required when the project enforces verification.
    pub identity_token: Option<String>,
}

/// The B2B account the user acts for, and the user's role in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AccountMembership {
    pub id: ClientId,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::wire::limits::AttributeMap))]
    #[serde(default)]
    pub attributes: ClientAttributes,
    /// `executive_buyer`, `admin`, `end_user` or a custom role name.
    #[serde(default = "AccountMembership::default_role")]
    pub role: ClientId,
}

impl AccountMembership {
    /// The role of a member whose role is not given.
    pub fn default_role() -> ClientId {
        ClientId::from_static("end_user")
    }
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
    pub display_id: ClientId,
    pub survey_id: i64,
    pub user_id: ClientId,
    pub trigger: Option<TriggerLabel>,
    pub url: Option<PageUrl>,
    pub language: Option<Language>,
    pub device: Option<Device>,
    /// Sampling rate in force, in basis points (10000 = everyone).
    pub sampling_rate_bp: Option<BasisPoints>,
}

/// The score, sent as soon as it is tapped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ResponseRequest {
    /// Client-generated id: retries with the same id are stored once.
    pub response_id: ClientId,
    pub survey_id: i64,
    pub user_id: ClientId,
    pub display_id: Option<ClientId>,
    pub score: NpsScore,
    pub language: Option<Language>,
    pub device: Option<Device>,
    pub trigger: Option<TriggerLabel>,
    pub sampling_rate_bp: Option<BasisPoints>,
}

/// The follow-up comment and extra answers, sent when the user submits them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CompleteRequest {
    pub survey_id: i64,
    pub user_id: ClientId,
    pub comment: Option<CommentText>,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::wire::limits::AttributeMap))]
    #[serde(default)]
    pub extra_answers: ClientAttributes,
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

names!(FeedbackKind { Decline => "decline", Snooze => "snooze", OptOut => "opt_out" });

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedbackRequest {
    pub action_id: ClientId,
    /// Absent for a project-wide opt-out.
    pub survey_id: Option<i64>,
    pub user_id: ClientId,
    pub kind: FeedbackKind,
}

/// Written by hand because `survey_id` is required for a decline or a snooze and optional for
/// an opt-out: two shapes, one per kind, so the schema states the rule the handler enforces.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for FeedbackRequest {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, SchemaType, Type};
        let shape = |kinds: &[&str], survey: ObjectBuilder, survey_required: bool| {
            let object = ObjectBuilder::new()
                .property("action_id", <ClientId as utoipa::PartialSchema>::schema())
                .property("user_id", <ClientId as utoipa::PartialSchema>::schema())
                .property("kind", ObjectBuilder::new().schema_type(Type::String).enum_values(Some(kinds.iter().copied())))
                .property("survey_id", survey)
                .required("action_id")
                .required("user_id")
                .required("kind");
            if survey_required { object.required("survey_id") } else { object }
        };
        let integer = ObjectBuilder::new().schema_type(Type::Integer).format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Int64)));
        let nullable = ObjectBuilder::new().schema_type(SchemaType::from_iter([Type::Integer, Type::Null])).format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Int64)));
        OneOfBuilder::new()
            .item(shape(&["decline", "snooze"], integer, true))
            .item(shape(&["opt_out"], nullable, false))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl ToSchema for FeedbackRequest {}

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
