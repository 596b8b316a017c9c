//! The JSON shapes exchanged between the widget, the admin app and the collector.
//!
//! Inputs are parsed into these types at the edge; anything that does not fit is refused with
//! an [`crate::ErrorCode`] before it reaches storage.

mod admin;
mod audit;
mod business;
mod campaigns;
mod client;
mod eligibility;
mod email;
#[cfg(feature = "openapi")]
pub mod limits;
mod reports;
mod survey;
mod text;

pub use admin::*;
pub use audit::*;
pub use business::*;
pub use campaigns::*;
pub use client::*;
pub use eligibility::*;
pub use email::{EmailAddress, NotAnAddress};
pub use reports::*;
pub use survey::*;
pub use text::*;

pub(crate) use crate::eligibility::SurveyRules;
pub(crate) use crate::score::NpsScore;
pub(crate) use crate::stats::{BandCounts, Comparison, NpsInterval};
pub(crate) use std::collections::BTreeMap;

pub use crate::attributes::Attributes;

/// Longest follow-up comment accepted, in characters.
pub const MAX_COMMENT_CHARS: usize = 5_000;
/// Longest client-generated id, user id or attribute key.
pub const MAX_ID_CHARS: usize = 128;
