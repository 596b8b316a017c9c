//! Partner organisations and the coverage of the partner programme.

use super::*;
use nps_core::coverage::CoverageReport;
use nps_core::wire::{Partner, PartnerImport};

/// The project's partners (a partner manager gets their own).
pub async fn partners(project_id: i64) -> ApiResult<Vec<Partner>> {
    call("GET", &format!("/api/admin/projects/{project_id}/partners"), None).await
}

/// Adds or updates the partners of a CSV file (`id,name,tier,region,owner_email`), read here
/// with `nps_core::partners_csv`: a file with problems sends nothing and names each problem.
pub async fn import_partners_csv(project_id: i64, csv: &str) -> ApiResult<Vec<Partner>> {
    let partners = nps_core::partners_csv::parse(csv).map_err(ApiError::problems_of)?;
    call("POST", &format!("/api/admin/projects/{project_id}/partners"), json(&PartnerImport { partners })).await
}

/// Coverage of every partner survey of the project in [from, to).
pub async fn partner_coverage(project_id: i64, from: Option<i64>, to: Option<i64>) -> ApiResult<CoverageReport> {
    let q = query(&[
        ("project_id", project_id.to_string()),
        ("from", from.map(|t| t.to_string()).unwrap_or_default()),
        ("to", to.map(|t| t.to_string()).unwrap_or_default()),
    ]);
    call("GET", &format!("/api/admin/reports/partner-coverage{q}"), None).await
}
