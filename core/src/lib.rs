//! The pure domain of the NPS platform.
//!
//! No I/O lives here: everything builds for `wasm32-unknown-unknown` as well as natively, so the
//! widget, the admin app and the collector share one definition of a score, one set of
//! statistics and one set of eligibility rules.

pub mod actions;
pub mod attributes;
pub mod basis_points;
pub mod business_csv;
pub mod churn;
pub mod coverage;
pub mod csv_file;
pub mod disclosure;
pub mod eligibility;
pub mod error_code;
pub mod followup;
pub mod partners_csv;
mod names;
pub mod patterns;
pub mod recipients_csv;
pub mod rollup;
pub mod score;
pub mod stats;
pub mod text;
pub mod webhooks;
pub mod wire;

pub use error_code::{ApiErrorBody, ErrorCode};
pub use score::{Band, NpsScore, ScoreError};
pub use stats::{BandCounts, Comparison, NpsInterval};
