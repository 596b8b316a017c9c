//! Answers as reports read them: the listing, daily and segment counts, displays.

use super::*;
use async_trait::async_trait;

#[async_trait]
pub trait ReportStore: Send + Sync {
    async fn list_responses(&self, query: &ResponseQuery) -> StoreResult<Vec<ResponseRow>>;
    async fn daily_band_counts(&self, query: &ResponseQuery) -> StoreResult<Vec<DayCounts>>;
    /// Answers per value of a dimension (`None` = the value is missing).
    async fn segment_counts(&self, query: &ResponseQuery, by: &Dimension) -> StoreResult<Vec<(Option<String>, BandCounts)>>;
    /// Displays per UTC day (day, count) for the same surveys and dates.
    async fn daily_displays(&self, query: &ResponseQuery) -> StoreResult<Vec<(i64, u64)>>;
}
