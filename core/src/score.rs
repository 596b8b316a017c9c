//! The answer to the Net Promoter question and the band it falls into.

use crate::names::names;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An answer to "How likely are you to recommend ...?": an integer from 0 to 10.
///
/// The only ways to get one are [`NpsScore::new`] and deserialisation, and both refuse anything
/// outside 0..=10, so every `NpsScore` in the system is valid by construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "u8")]
pub struct NpsScore(u8);

/// The schema carries the range, so the contract refuses what deserialisation refuses.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for NpsScore {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::Integer))
            .minimum(Some(0))
            .maximum(Some(NpsScore::MAX))
            .examples([serde_json::json!(9)])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for NpsScore {}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreError(pub i64);

impl fmt::Display for ScoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "score must be an integer from 0 to 10, got {}", self.0)
    }
}

impl std::error::Error for ScoreError {}

impl NpsScore {
    pub const MAX: u8 = 10;

    pub fn new(value: i64) -> Result<Self, ScoreError> {
        match u8::try_from(value) {
            Ok(v) if v <= Self::MAX => Ok(Self(v)),
            _ => Err(ScoreError(value)),
        }
    }

    pub fn value(self) -> u8 {
        self.0
    }

    pub fn band(self) -> Band {
        match self.0 {
            0..=6 => Band::Detractor,
            7..=8 => Band::Passive,
            _ => Band::Promoter,
        }
    }

    /// All eleven scores, lowest first.
    pub fn all() -> impl Iterator<Item = NpsScore> {
        (0..=Self::MAX).map(NpsScore)
    }
}

impl TryFrom<i64> for NpsScore {
    type Error = ScoreError;
    fn try_from(value: i64) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<NpsScore> for u8 {
    fn from(score: NpsScore) -> u8 {
        score.0
    }
}

impl fmt::Display for NpsScore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Detractor 0-6, passive 7-8, promoter 9-10.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Band {
    Detractor,
    Passive,
    Promoter,
}

names!(Band { Detractor => "detractor", Passive => "passive", Promoter => "promoter" });

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_zero_to_ten_are_scores() {
        for v in 0..=10 {
            assert_eq!(NpsScore::new(v).map(NpsScore::value), Ok(v as u8));
        }
        for v in [-1, 11, 255, 256, i64::MIN, i64::MAX] {
            assert_eq!(NpsScore::new(v), Err(ScoreError(v)));
        }
    }

    #[test]
    fn bands_follow_the_standard_cut_points() {
        let bands: Vec<Band> = NpsScore::all().map(NpsScore::band).collect();
        assert_eq!(&bands[..7], &[Band::Detractor; 7]);
        assert_eq!(&bands[7..9], &[Band::Passive; 2]);
        assert_eq!(&bands[9..], &[Band::Promoter; 2]);
    }

    #[test]
    fn deserialisation_refuses_what_is_not_an_integer_score() {
        assert_eq!(serde_json::from_str::<NpsScore>("7").ok(), NpsScore::new(7).ok());
        for bad in ["11", "-1", "\"7\"", "7.5", "null", "true"] {
            assert!(serde_json::from_str::<NpsScore>(bad).is_err(), "{bad} was accepted");
        }
    }
}
