//! Accounts at risk: per-account NPS over time and the at-risk list with the evidence behind
//! each flag (the revenue report is in `revenue.rs`). The rules live in `nps_core::churn`; the
//! figures come from the account aggregates or every answer (`account_source.rs`); this file
//! checks the parameters and shapes the answers.

use super::account_source::{self, AccountData, Scope};
use super::business::{facts_of, require_account_reader};
use crate::extract::Query;
use crate::auth::AdminSession;
use crate::error::{ApiError, ApiResult};
use crate::ingest::now_ms;
use crate::state::State;
use actix_web::{HttpResponse, get, web};
use nps_core::churn::signals::risk_score;
use nps_core::churn::{
    AccountRollup, ChurnConfig, SilentDetractor, WaveBy, account_reasons,
};
use nps_core::wire::SurveyKind;
use nps_core::wire::{AccountTimelineReport, AtRiskReport, BusinessView, TimelineAnswer};
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(at_risk_list).service(account_timeline);
}

/// Which answers and which rules: shared by the at-risk list and the timeline.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SignalParams {
    pub project_id: i64,
    /// Comma-separated in-app survey ids of the project; all of them when absent.
    #[param(pattern = r"^( *-?[0-9]{1,18} *(, *-?[0-9]{1,18} *)*)?$")]
    pub survey_id: Option<String>,
    /// `quarter` (default), `month`, `days:<n>` or `survey` (each survey is one wave).
    #[param(pattern = r"^(quarter|month|survey|days:([1-9][0-9]{0,2}|[1-2][0-9]{3}|3[0-5][0-9]{2}|36[0-4][0-9]|3650))$")]
    pub wave: Option<String>,
    /// How an account's answers in one wave make its NPS: `every_response` (default) or
    /// `decision_maker_first`.
    #[param(pattern = r"^(every_response|decision_maker_first)$")]
    pub rollup: Option<String>,
    /// Points of NPS lost that flag a falling account (default 15).
    #[param(exclusive_minimum = 0, maximum = 200)]
    pub drop_points: Option<f64>,
    /// Days inside which a slide over several waves counts as one fall (default 90).
    #[param(minimum = 1, maximum = 3650)]
    pub window_days: Option<u32>,
    /// Waves with fewer answers are ignored by the flags (default 1).
    #[param(minimum = 1, maximum = 10000)]
    pub min_answers: Option<u64>,
    /// A latest NPS below this is low (default 0).
    #[param(minimum = -100, maximum = 100)]
    pub low_nps: Option<f64>,
    /// A renewal within this many days makes a risk more urgent (default 90).
    #[param(minimum = 1, maximum = 3650)]
    pub renewal_days: Option<u32>,
    /// Surveys shown since a detractor's answer, unanswered, that make them silent (default 2).
    #[param(minimum = 1)]
    pub silent_displays: Option<u32>,
    /// Surveys declined since a detractor's answer that make them silent (default 2).
    #[param(minimum = 1)]
    pub silent_declines: Option<u32>,
    /// `false` reads every answer instead of the account aggregates (same figures, slower; the
    /// aggregates keep answers retention deleted).
    pub rollups: Option<bool>,
}

pub struct Signals {
    pub wave: WaveBy,
    pub rollup: AccountRollup,
    pub config: ChurnConfig,
}

pub fn parse_rollup(value: Option<&str>) -> ApiResult<AccountRollup> {
    value.map_or(Ok(AccountRollup::EveryResponse), |r| {
        AccountRollup::parse(r).ok_or_else(|| ApiError::invalid(format!("rollup must be every_response or decision_maker_first (got `{r}`)")))
    })
}

impl SignalParams {
    pub fn signals(&self) -> ApiResult<Signals> {
        let wave = match self.wave.as_deref() {
            None => WaveBy::Quarter,
            Some(w) => WaveBy::parse(w)
                .ok_or_else(|| ApiError::invalid(format!("wave must be survey, month, quarter or days:<1..3650> (got `{w}`)")))?,
        };
        let d = ChurnConfig::default();
        let config = ChurnConfig {
            drop_points: self.drop_points.unwrap_or(d.drop_points),
            window_days: self.window_days.unwrap_or(d.window_days),
            min_answers: self.min_answers.unwrap_or(d.min_answers),
            low_nps: self.low_nps.unwrap_or(d.low_nps),
            renewal_days: self.renewal_days.unwrap_or(d.renewal_days),
            silent_displays: self.silent_displays.unwrap_or(d.silent_displays),
            silent_declines: self.silent_declines.unwrap_or(d.silent_declines),
        };
        if let Some(problem) = config.problem() {
            return Err(ApiError::invalid(problem));
        }
        Ok(Signals { wave, rollup: parse_rollup(self.rollup.as_deref())?, config })
    }
}

/// The in-app (customer) surveys of the project this session may read, narrowed to the
/// requested ones. Employee and partner NPS have no accounts here.
pub async fn account_surveys(state: &State, session: &AdminSession, project_id: i64, requested: Option<&str>) -> ApiResult<Vec<i64>> {
    require_account_reader(session)?;
    state.store.get_project(project_id).await?.ok_or_else(|| ApiError::not_found("project"))?;
    let surveys = state.store.list_surveys(Some(project_id)).await?;
    let usable: Vec<i64> = surveys
        .iter()
        .filter(|s| matches!(s.kind, SurveyKind::Tnps | SurveyKind::Rnps) && session.can_read(s.kind))
        .map(|s| s.id)
        .collect();
    let Some(requested) = requested.filter(|r| !r.trim().is_empty()) else {
        return Ok(usable);
    };
    requested
        .split(',')
        .map(|part| {
            let id: i64 = part.trim().parse().map_err(|_| ApiError::invalid(format!("survey_id `{part}` is not a number")))?;
            if usable.contains(&id) {
                Ok(id)
            } else {
                // An id that names nothing this reader may use here: a 404, like every unknown id.
                Err(ApiError::not_found(format!("in-app survey {id} of project {project_id}")))
            }
        })
        .collect()
}

/// Reads what the signals look at, for every account or one.
pub async fn load(state: &State, session: &AdminSession, params: &SignalParams, signals: &Signals, account: Option<&str>) -> ApiResult<(Vec<i64>, AccountData)> {
    let surveys = account_surveys(state, session, params.project_id, params.survey_id.as_deref()).await?;
    let scope = Scope {
        project_id: params.project_id,
        surveys: &surveys,
        wave: signals.wave,
        rollup: signals.rollup,
        account,
        aggregates: params.rollups.unwrap_or(true),
    };
    let data = account_source::load(state, &scope, &signals.config).await?;
    Ok((surveys, data))
}

pub fn wave_name(wave: WaveBy) -> String {
    match wave {
        WaveBy::Survey => "survey".into(),
        WaveBy::Month => "month".into(),
        WaveBy::Quarter => "quarter".into(),
        WaveBy::Days(n) => format!("days:{n}"),
    }
}

/// Accounts at risk, most urgent first, each with its reasons and their evidence: falling NPS
/// (between consecutive waves or inside the window), silent detractors, low NPS, and a renewal
/// soon (which only ever adds urgency to another reason).
#[utoipa::path(tag = "admin", params(SignalParams), responses((status = 200, body = AtRiskReport), (status = 403, body = nps_core::ApiErrorBody), (status = 422, body = nps_core::ApiErrorBody)))]
#[get("/api/admin/accounts/at-risk")]
pub async fn at_risk_list(state: State, session: AdminSession, params: Query<SignalParams>) -> ApiResult<HttpResponse> {
    let signals = params.signals()?;
    let (_, data) = load(&state, &session, &params, &signals, None).await?;
    let now = now_ms();
    let accounts = data.at_risk(now, &signals.config);
    Ok(HttpResponse::Ok().json(AtRiskReport {
        project_id: params.project_id,
        as_of: now,
        wave: wave_name(signals.wave),
        rollup: signals.rollup,
        accounts_considered: data.timelines.len() as u64,
        accounts,
        silent_without_account: data.silent.iter().filter(|s| s.account.is_none()).cloned().collect(),
        config: signals.config,
    }))
}

/// One account over time: NPS per wave with intervals and changes, its risk reasons with
/// evidence, its business data and its answers.
#[utoipa::path(
    tag = "admin",
    params(("account" = String, Path, description = "account external id"), SignalParams),
    responses((status = 200, body = AccountTimelineReport), (status = 404, body = nps_core::ApiErrorBody))
)]
#[get("/api/admin/accounts/{account}/timeline")]
pub async fn account_timeline(
    state: State,
    session: AdminSession,
    account: web::Path<String>,
    params: Query<SignalParams>,
) -> ApiResult<HttpResponse> {
    let signals = params.signals()?;
    let account = account.into_inner();
    let (surveys, data) = load(&state, &session, &params, &signals, Some(&account)).await?;
    let timeline = data.timelines.iter().find(|t| t.account == account);
    let business = data.business.iter().find(|b| b.account_id == account);
    if timeline.is_none() && business.is_none() {
        return Err(ApiError::not_found(format!("account `{account}`")));
    }
    let silent: Vec<SilentDetractor> = data.silent.iter().filter(|s| s.account.as_deref() == Some(account.as_str())).cloned().collect();
    let facts = facts_of(business.map(std::slice::from_ref).unwrap_or_default());
    let reasons = if facts.get(&account).is_some_and(|f| f.churned) {
        Vec::new()
    } else {
        account_reasons(timeline, &silent, facts.get(&account), now_ms(), &signals.config)
    };
    let scope = Scope { project_id: params.project_id, surveys: &surveys, wave: signals.wave, rollup: signals.rollup, account: None, aggregates: true };
    let answers = account_source::answers_of_account(&state, &scope, &data, &account).await?;
    Ok(HttpResponse::Ok().json(AccountTimelineReport {
        wave: wave_name(signals.wave),
        rollup: signals.rollup,
        waves: timeline.map(|t| t.waves.clone()).unwrap_or_default(),
        risk_score: risk_score(&reasons),
        reasons,
        business: business.map(BusinessView::from),
        answers: answers
            .into_iter()
            .map(|a| TimelineAnswer { score: a.score.value(), response_id: a.response_id, survey_id: a.survey_id, user_id: a.user_id, role: a.role, at: a.at })
            .collect(),
        account,
    }))
}
