//! What a protected [`Universe`] releases. Every number leaves through one of these
//! functions, each a direct application of `nps_core::disclosure` to the wave's snapshot
//! (`store::disclosure`), which changes only by k answers at a time.

use super::Universe;
use crate::error::{ApiError, ApiResult};
use crate::state::State;
use crate::store::disclosure::WaveSnapshot;
use crate::store::release_plan::Plan;
use nps_core::disclosure::{Disclosure, WaveRelease};
use nps_core::wire::{Granularity, NpsReport, NpsSummary, PeriodSummary};
use nps_core::{Band, BandCounts};

/// A breakdown of a universe by one group attribute, after complementary suppression.
#[derive(Debug)]
pub struct Breakdown {
    /// The universe's total; none when withheld.
    pub total: Option<BandCounts>,
    /// Each value with its counts; none when suppressed.
    pub cells: Vec<(Option<String>, Option<BandCounts>)>,
}

/// The wave's snapshot (see `store::disclosure`): none while it has fewer than k answers.
async fn snapshot(state: &State, u: &Universe) -> ApiResult<Option<WaveSnapshot>> {
    Ok(state.store.wave_snapshot(&u.snapshot_spec()).await?)
}

/// The counts the universe's request selects (the wave, or its one group), or none when the
/// rules withhold them. A group with no answers is released as empty: it isolates nobody.
pub async fn counts(state: &State, u: &Universe) -> ApiResult<Option<BandCounts>> {
    Ok(snapshot(state, u).await?.and_then(|s| counts_in(&s, u)))
}

fn counts_in(s: &WaveSnapshot, u: &Universe) -> Option<BandCounts> {
    if s.total.n() < u.thresholds.k() {
        return None;
    }
    match &u.group {
        None => Some(s.total),
        Some((key, value)) => Plan::of(s, &u.thresholds).group(key, value),
    }
}

/// The NPS report of a protected survey: the wave's (or group's) figures and a trend of one
/// point per wave, each wave its own universe.
pub async fn nps_report(state: &State, u: &Universe) -> ApiResult<NpsReport> {
    // The request's own wave is one of the waves of the trend: read each snapshot once.
    let per_wave = wave_counts(state, u).await?;
    let released = match per_wave.iter().find(|(w, _)| w.wave == u.wave) {
        Some((_, cell)) => *cell,
        None => counts(state, u).await?,
    };
    let mut periods = Vec::new();
    let mut waves = Vec::new();
    for (wave, cell) in per_wave {
        if let Some(c) = cell.filter(|c| c.n() > 0) {
            let start = chrono::DateTime::from_timestamp_millis(wave.started_at).map(|t| t.format("%Y-%m-%d").to_string());
            periods.push(PeriodSummary { period_start: start.unwrap_or_default(), summary: NpsSummary::new(c, 0), change: None });
        }
        waves.push(wave);
    }
    recompare(&mut periods);
    Ok(NpsReport {
        survey_ids: vec![u.survey.id],
        from: None,
        to: None,
        granularity: Granularity::Week,
        counting: nps_core::wire::Counting::EveryResponse,
        overall: NpsSummary::new(released.unwrap_or_default(), 0),
        periods,
        disclosure: Some(disclosure(u, released.is_none(), waves)),
    })
}

/// Every wave of the survey with the request's counts in it (none when withheld).
pub async fn wave_counts(state: &State, u: &Universe) -> ApiResult<Vec<(WaveRelease, Option<BandCounts>)>> {
    let mut out = Vec::with_capacity(u.waves.len());
    for wave in &u.waves {
        let cell = counts(state, &u.in_wave(wave.wave)).await?;
        out.push((WaveRelease { withheld: cell.is_none(), ..wave.clone() }, cell));
    }
    Ok(out)
}

/// Each wave compared with the previous released one.
fn recompare(periods: &mut [PeriodSummary]) {
    let mut previous: Option<BandCounts> = None;
    for period in periods.iter_mut() {
        let counts = period.summary.counts;
        period.change = previous.map(|p| counts.compare(&p));
        previous = Some(counts);
    }
}

pub fn disclosure(u: &Universe, withheld: bool, waves: Vec<WaveRelease>) -> Disclosure {
    Disclosure { thresholds: u.thresholds, wave: u.wave, withheld, waves, group_attributes: u.group_attributes.clone() }
}

/// The universe broken down by one declared group attribute, suppressed. Crossing it with a
/// group filter would be a two-way table, which the rules do not release.
pub async fn breakdown(state: &State, u: &Universe, key: &str) -> ApiResult<Breakdown> {
    if !u.group_attributes.iter().any(|g| g == key) {
        return Err(ApiError::protected(format!(
            "employee NPS breaks down only by a group attribute of its campaigns (declared: {})",
            if u.group_attributes.is_empty() { "none".to_owned() } else { u.group_attributes.join(", ") }
        )));
    }
    if u.group.is_some() || u.partners.is_some() {
        return Err(ApiError::protected("employee NPS breakdowns cover the whole wave: remove the group filter"));
    }
    let Some(s) = snapshot(state, u).await? else { return Ok(Breakdown { total: None, cells: Vec::new() }) };
    let plan = Plan::of(&s, &u.thresholds);
    let total = (s.total.n() >= u.thresholds.k()).then_some(s.total);
    // Only released cells are listed: a hidden one named would say that its small group
    // answered at all (a group nobody in it answered is not in the snapshot).
    let cells = plan
        .cells(key)
        .iter()
        .enumerate()
        .filter(|(i, _)| total.is_some() && plan.released(key, *i))
        .map(|(_, (value, counts))| (value.clone(), Some(*counts)))
        .collect();
    Ok(Breakdown { total, cells })
}

/// The comments of the request's cell with their bands, when the cell is released and its
/// comments (and the people without one) are at least the comment threshold. Sorted by text,
/// so their order says nothing about who wrote them or when.
pub async fn comments(state: &State, u: &Universe) -> ApiResult<Option<Vec<(Band, String)>>> {
    let Some(s) = snapshot(state, u).await? else { return Ok(None) };
    // A list is open only when its cell (or the wave's total) is released too.
    if !Plan::of(&s, &u.thresholds).comments_released(u.group.as_ref().map(|(k, v)| (k.as_str(), v.as_str()))) {
        return Ok(None);
    }
    let comments: Vec<(Band, String)> = s
        .comments
        .into_iter()
        .filter(|c| u.group.as_ref().is_none_or(|(key, value)| c.groups.get(key).and_then(Option::as_deref) == Some(value.as_str())))
        .map(|c| (c.band, c.text))
        .collect();
    // The plan checked that the commenters and the rest of the cell are each empty or at
    // least k (their bands are released with their words), in every atom of the lists.
    Ok(Some(comments))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waves_are_compared_with_the_previous_released_wave() {
        let summary = |p, d| PeriodSummary { period_start: String::new(), summary: NpsSummary::new(BandCounts::new(p, 0, d), 0), change: None };
        let mut periods = vec![summary(5, 5), summary(8, 2)];
        recompare(&mut periods);
        assert!(periods[0].change.is_none());
        assert!(periods[1].change.is_some_and(|c| c.difference > 0.0));
    }
}
