//! Free-text comments: theme tagging, sentiment and which themes detractors raise more.
//!
//! Everything is lexicon- and rule-based on purpose: it runs in the browser (WASM) and in the
//! collector alike, needs no model download, and an admin can read and edit the taxonomy.
//! Its quality on a hand-labelled set is measured by `core/tests/text_quality.rs`.

mod default_taxonomy;
mod lexicon;
pub mod lift;
pub mod sentiment;
pub mod themes;
pub mod tokenize;

pub use lift::{ThemeLift, theme_lift};
pub use sentiment::{Sentiment, SentimentLabel, sentiment};
pub use themes::{Taxonomy, Theme, ThemeMatch};
pub use tokenize::{Token, stem, tokenize};
