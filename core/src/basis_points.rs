//! A share of users, in basis points: the sampling rate of a survey, of a display and of the
//! answer it led to. Valid by construction, so the eligibility rules and the widget never see
//! a rate above everyone.

use serde::{Deserialize, Serialize};

/// A sampling rate in basis points: 0 to 10000 (= everyone); more is refused when parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32")]
pub struct BasisPoints(u32);

impl BasisPoints {
    pub const EVERYONE: BasisPoints = BasisPoints(10_000);

    pub fn new(value: u32) -> Option<Self> {
        (value <= 10_000).then_some(Self(value))
    }

    pub const fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<u32> for BasisPoints {
    type Error = &'static str;

    fn try_from(value: u32) -> Result<Self, Self::Error> {
        Self::new(value).ok_or("is in basis points and must be at most 10000")
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for BasisPoints {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
        ObjectBuilder::new().schema_type(SchemaType::Type(Type::Integer)).minimum(Some(0)).maximum(Some(10_000)).into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for BasisPoints {}
