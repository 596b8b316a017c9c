//! The disclosure-control layer: every read of answers decides here what the session may get.
//!
//! [`scope`] turns a request's filters into either an open query (customer NPS: rows and any
//! filter) or a [`Universe`] of a protected survey (employee NPS, and partner NPS run through
//! anonymous or confidential campaigns). A protected universe is one survey's answers in one
//! campaign wave, read only through the release functions of [`release`], which apply the
//! rules of `nps_core::disclosure`: totals and group cells of at least `k`, complementary
//! suppression in every breakdown, filters answered only when they select a released cell,
//! comment sets and themes only when they and their complement are large enough, and never a
//! row, a date or an identity.
//!
//! Nobody reads protected answers any other way: the row listing and the exports refuse them,
//! the account roll-ups refuse them, webhooks and follow-ups never carry them.

pub mod release;
pub mod scope;

use crate::auth::AdminSession;
use crate::error::{ApiError, ApiResult};
use scope::{Filters, attribute_filters, scoped_query};
use crate::state::State;
use crate::store::ResponseQuery;
use crate::store::disclosure::SnapshotSpec;
use nps_core::disclosure::{Thresholds, WaveRelease};
use nps_core::wire::{AdminRole, Campaign, Survey, SurveyKind};

/// What a request may read.
#[derive(Debug)]
pub enum Scope {
    /// Customer NPS (and identified partner NPS): the query as the session may run it.
    Open(ResponseQuery),
    /// A protected survey: aggregates of one wave only.
    Protected(Box<Universe>),
}

/// One protected survey in one wave, as a session may read it.
#[derive(Debug, Clone)]
pub struct Universe {
    pub survey: Survey,
    pub thresholds: Thresholds,
    /// The attributes answers keep for grouping (declared by the campaigns).
    pub group_attributes: Vec<String>,
    pub waves: Vec<WaveRelease>,
    pub wave: u32,
    /// The one group the request selects (`attr=department:eng`), if any.
    pub group: Option<(String, String)>,
    /// A partner manager reading an anonymous partner survey: only these partners' cells.
    pub partners: Option<Vec<String>>,
}

impl Universe {
    /// The same survey in another wave (for the trend).
    pub fn in_wave(&self, wave: u32) -> Universe {
        Universe { wave, ..self.clone() }
    }

    /// The snapshot the universe is read from.
    pub fn snapshot_spec(&self) -> SnapshotSpec {
        SnapshotSpec {
            survey_id: self.survey.id,
            wave: self.wave,
            thresholds: self.thresholds,
            group_attributes: self.group_attributes.clone(),
        }
    }
}

/// Whether answers of this survey are protected, and with which thresholds: employee NPS
/// always; partner NPS when any of its campaigns is anonymous or confidential.
pub fn protection(survey: &Survey, campaigns: &[Campaign]) -> Option<Thresholds> {
    let own: Vec<&Campaign> = campaigns.iter().filter(|c| c.survey_id == survey.id).collect();
    survey.kind.protects_answers(own.iter().map(|c| c.anonymity)).then(|| {
        let default = nps_core::disclosure::DEFAULT_MIN_GROUP;
        Thresholds::new(
            own.iter().map(|c| c.min_group).max().unwrap_or(default),
            own.iter().map(|c| c.verbatim_min_group).max().unwrap_or(default),
        )
    })
}

/// The surveys among `survey_ids` whose answers are protected.
pub async fn protected_surveys(state: &State, survey_ids: &[i64]) -> ApiResult<Vec<(Survey, Thresholds, Vec<Campaign>)>> {
    let surveys = state.store.list_surveys(None).await?.into_iter().filter(|s| survey_ids.contains(&s.id));
    protected_among(state, surveys).await
}

/// The protected surveys among surveys already read, with their thresholds and campaigns.
pub async fn protected_among(state: &State, surveys: impl IntoIterator<Item = Survey>) -> ApiResult<Vec<(Survey, Thresholds, Vec<Campaign>)>> {
    // Only link surveys can be protected: customer NPS pays no campaign query.
    let surveys: Vec<Survey> = surveys.into_iter().filter(|s| matches!(s.kind, SurveyKind::Enps | SurveyKind::Partner)).collect();
    if surveys.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = surveys.iter().map(|s| s.id).collect();
    let campaigns = state.store.campaigns_for_surveys(&ids).await?;
    Ok(surveys
        .into_iter()
        .filter_map(|s| {
            let own: Vec<Campaign> = campaigns.iter().filter(|c| c.survey_id == s.id).cloned().collect();
            protection(&s, &own).map(|t| (s, t, own))
        })
        .collect())
}

/// Refuses when any of the surveys is protected: for endpoints that release rows or
/// per-person facts (listings, exports, account roll-ups).
pub async fn refuse_rows(state: &State, survey_ids: &[i64], what: &str) -> ApiResult<()> {
    if let Some((survey, ..)) = protected_surveys(state, survey_ids).await?.first() {
        return Err(ApiError::protected(format!(
            "survey {} is employee (or anonymous partner) NPS: {what} are never released for it; read its reports and \
             reports/comments, which release groups of at least k people",
            survey.id
        )));
    }
    Ok(())
}

/// The query of a request that releases rows or per-person facts (listings, exports, account
/// roll-ups): protected surveys are left out when the request did not name them, and refused
/// when it did.
pub async fn open_query(state: &State, session: &AdminSession, filters: &Filters, what: &str) -> ApiResult<ResponseQuery> {
    let mut query = scoped_query(state, session, filters).await?;
    let protected = protected_surveys(state, &query.survey_ids).await?;
    let named = filters.survey_id.as_deref().is_some_and(|s| !s.trim().is_empty());
    if !named {
        query.survey_ids.retain(|id| !protected.iter().any(|(s, ..)| s.id == *id));
        return Ok(query);
    }
    refuse_rows(state, &query.survey_ids, what).await?;
    Ok(query)
}

/// The one decision of what a request may read. Without `survey_id`, protected surveys are
/// left out of a query that also covers open ones (a reader of "everything" gets customer NPS);
/// a protected survey is read alone, by wave, with at most one group filter.
pub async fn scope(state: &State, session: &AdminSession, filters: &Filters) -> ApiResult<Scope> {
    let mut query = scoped_query(state, session, filters).await?;
    let mut protected = protected_surveys(state, &query.survey_ids).await?;
    if protected.is_empty() {
        return Ok(Scope::Open(query));
    }
    let named = filters.survey_id.as_deref().is_some_and(|s| !s.trim().is_empty());
    if !named && query.survey_ids.len() > protected.len() {
        query.survey_ids.retain(|id| !protected.iter().any(|(s, ..)| s.id == *id));
        return Ok(Scope::Open(query));
    }
    if query.survey_ids.len() > 1 {
        return Err(ApiError::protected(
            "employee NPS is reported one survey at a time (name one survey_id); it is never mixed with other surveys",
        ));
    }
    let (survey, thresholds, campaigns) = protected.remove(0);
    refuse_fine_filters(filters)?;
    let group_attributes = group_attributes(&campaigns);
    let group = one_group(filters, &group_attributes)?;
    let waves = waves_of(state, &survey, &campaigns).await?;
    let wave = match filters.wave {
        Some(w) if waves.iter().any(|r| r.wave == w) => w,
        Some(w) => return Err(ApiError::not_found(format!("wave {w} of survey {}", survey.id))),
        None => waves.last().map_or(1, |w| w.wave),
    };
    // Partner ownership is per (project, partner): only this survey's project counts.
    let partners = match session.role {
        AdminRole::PartnerManager => Some(
            query.partners.clone().unwrap_or_default().into_iter().filter(|(project, _)| *project == survey.project_id).map(|(_, p)| p).collect::<Vec<_>>(),
        ),
        _ => None,
    };
    if let Some(owned) = &partners {
        match &group {
            Some((key, value)) if key == "partner" && owned.contains(value) => {}
            _ => {
                return Err(ApiError::protected(
                    "anonymous partner NPS is read per partner: filter by one partner you own (attr=partner:<id>)",
                ));
            }
        }
    }
    // Every protected read is audited (see `crate::audit`): decided here, recorded after the answer.
    session.audit.protected_read(survey.id, wave);
    Ok(Scope::Protected(Box::new(Universe { survey, thresholds, group_attributes, waves, wave, group, partners })))
}

/// Band, text, comment-presence, date and dedupe filters select sets of people no table
/// describes; with them two requests could differ by one person.
fn refuse_fine_filters(f: &Filters) -> ApiResult<()> {
    let fine = [
        (f.from.is_some() || f.to.is_some() || f.window_days.is_some(), "date ranges (time is the campaign wave: use wave=N)"),
        (f.band.as_deref().is_some_and(|b| !b.is_empty()), "band filters (every report shows the band split)"),
        (f.has_comment.is_some(), "comment filters"),
        (f.q.as_deref().is_some_and(|q| !q.is_empty()), "text search"),
        (f.counting.as_deref().is_some_and(|c| !c.is_empty() && c != "every_response"), "deduplication"),
    ];
    match fine.iter().find(|(set, _)| *set) {
        Some((_, what)) => Err(ApiError::protected(format!(
            "employee NPS reports allow no {what}: a filter finer than a declared group could single people out"
        ))),
        None => Ok(()),
    }
}

/// The declared group attributes of the survey's campaigns (the wave is not one: it is the
/// universe itself).
fn group_attributes(campaigns: &[Campaign]) -> Vec<String> {
    let mut keys: Vec<String> = campaigns.iter().flat_map(|c| c.group_attributes.iter().cloned()).filter(|k| k != "wave").collect();
    keys.sort();
    keys.dedup();
    keys
}

/// At most one `key:value` filter, on a declared group attribute.
fn one_group(f: &Filters, declared: &[String]) -> ApiResult<Option<(String, String)>> {
    let pairs = attribute_filters(f.attr.as_deref())?;
    match pairs.as_slice() {
        [] => Ok(None),
        [(key, value)] if declared.contains(key) => Ok(Some((key.clone(), value.clone()))),
        [(key, _)] => Err(ApiError::protected(format!(
            "`{key}` is not a group attribute of this survey's campaigns (declared: {}); only those can filter employee NPS",
            if declared.is_empty() { "none".to_owned() } else { declared.join(", ") }
        ))),
        _ => Err(ApiError::protected("employee NPS reports filter by one group at a time (crossing groups makes them too small)")),
    }
}

/// Every wave of the survey's campaigns (wave 1 even before any e-mail went out).
async fn waves_of(state: &State, survey: &Survey, campaigns: &[Campaign]) -> ApiResult<Vec<WaveRelease>> {
    let mut waves: Vec<WaveRelease> = Vec::new();
    for campaign in campaigns {
        let mut recorded = state.store.waves(campaign.id).await?;
        if recorded.is_empty() {
            recorded.push(crate::store::campaign_mail::Wave::first(campaign));
        }
        for w in recorded {
            match waves.iter_mut().find(|r| r.wave == w.wave) {
                Some(r) => r.started_at = r.started_at.min(w.started_at),
                None => waves.push(WaveRelease { wave: w.wave, started_at: w.started_at, withheld: true }),
            }
        }
    }
    if waves.is_empty() {
        waves.push(WaveRelease { wave: 1, started_at: survey.created_at, withheld: true });
    }
    waves.sort_by_key(|w| w.wave);
    Ok(waves)
}
