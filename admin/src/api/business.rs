//! Business data (MRR, renewals, churn) and the revenue report.

use super::*;
use nps_core::wire::{BusinessImport, BusinessView, ImportSummary, RevenueReport};

pub async fn business_data(project_id: i64) -> ApiResult<Vec<BusinessView>> {
    call("GET", &format!("/api/admin/projects/{project_id}/business-data"), None).await
}

/// Adds or updates the accounts of a CSV file, read here with `nps_core::business_csv`: a
/// file with problems sends nothing and names each problem.
pub async fn import_business_csv(project_id: i64, csv: &str) -> ApiResult<ImportSummary> {
    let accounts = nps_core::business_csv::parse(csv).map_err(ApiError::problems_of)?;
    call("POST", &format!("/api/admin/projects/{project_id}/business-data"), json(&BusinessImport { accounts })).await
}

/// Revenue-weighted NPS, churned against retained, renewals: every in-app survey, all time.
pub async fn revenue(project_id: i64) -> ApiResult<RevenueReport> {
    call("GET", &format!("/api/admin/reports/revenue?project_id={project_id}"), None).await
}
