//! Retention: raw answers older than a project's `retention_months` are deleted, with their
//! follow-ups, displays and decisions; the rollups are left alone, so the NPS trend of rollup
//! reports stays as it was. A pass runs at start-up and every hour; an owner or admin can run
//! one for a project at once (`POST /api/admin/projects/{id}/retention/run`).
//!
//! Months are calendar months in UTC: with 12 months, on 2026-03-15T10:00Z everything created
//! before 2025-03-15T10:00Z goes. Opt-outs, declines and snoozes are kept (an opt-out is
//! honoured for ever). Eligibility facts kept in memory still hold the deleted displays and
//! answers until the next start; they only make the fatigue rules more careful.

use crate::store::DynStore;
use crate::store::data_rights::RetentionCounts;
use chrono::{Months, TimeZone, Utc};
use std::time::Duration;
use tokio::sync::watch;

const INTERVAL: Duration = Duration::from_secs(60 * 60);

/// The moment `months` calendar months before `now` (unix ms).
pub fn cutoff(now: i64, months: u16) -> i64 {
    Utc.timestamp_millis_opt(now)
        .single()
        .and_then(|t| t.checked_sub_months(Months::new(u32::from(months))))
        .map_or(i64::MIN, |t| t.timestamp_millis())
}

/// Applies one project's retention setting now. `None`: the project keeps answers for ever.
pub async fn run_project(store: &DynStore, project_id: i64, months: Option<u16>, now: i64) -> crate::store::StoreResult<Option<RetentionCounts>> {
    let Some(months) = months else { return Ok(None) };
    let counts = store.apply_retention(project_id, cutoff(now, months)).await?;
    if counts != RetentionCounts::default() {
        tracing::info!(project_id, months, answers = counts.answers, displays = counts.displays, "retention: old raw data deleted");
    }
    Ok(Some(counts))
}

/// One pass over every project with a retention setting.
pub async fn run_pass(store: &DynStore, now: i64) -> crate::store::StoreResult<()> {
    for (project_id, months) in store.retention_settings().await? {
        run_project(store, project_id, Some(months), now).await?;
    }
    Ok(())
}

/// The background task: a pass at start and every hour, until shutdown. A failed pass (the
/// database is down) is logged and tried again at the next tick.
pub async fn run(store: DynStore, mut shutdown: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(INTERVAL);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.changed() => return,
        }
        if *shutdown.borrow() {
            return;
        }
        if let Err(e) = run_pass(&store, crate::clock::now_ms()).await {
            tracing::warn!(error = %e, "retention pass failed; retried in an hour");
        }
    }
}
