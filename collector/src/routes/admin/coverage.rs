//! Response coverage of the partner programme: per partner organisation, contacts invited and
//! answered, and whether a decision-maker answered in the period; the share of partners
//! covered. Partner managers see their own partners only, like every other partner read.

use crate::extract::Query;
use crate::auth::AdminSession;
use crate::error::{ApiError, ApiResult};
use crate::state::State;
use crate::store::partner_programme::{ContactRow, CoverageAnswerRow};
use actix_web::{HttpResponse, get, web};
use nps_core::coverage::{
    AnswerFact, ContactFact, CoverageReport, DECISION_MAKER_ROLES, PartnerCoverageRow,
    partner_coverage,
};
use nps_core::wire::{AdminRole, Attributes, Partner, SurveyKind};
use serde::Deserialize;
use std::collections::BTreeSet;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(partner_coverage_report);
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CoverageParams {
    pub project_id: i64,
    /// Comma-separated partner survey ids; every partner survey of the project when absent or
    /// empty.
    #[param(pattern = r"^([0-9]{1,18}(,[0-9]{1,18})*)?$")]
    pub survey_id: Option<String>,
    /// Unix milliseconds, inclusive: answers from then on count.
    pub from: Option<i64>,
    /// Unix milliseconds, exclusive.
    pub to: Option<i64>,
}

/// The contact's role: the `role` attribute (or `contact_role`), else the in-app account role.
fn role_of<'a>(attributes: &'a Attributes, account_role: Option<&'a str>) -> Option<&'a str> {
    ["role", "contact_role"].iter().find_map(|k| attributes.get(*k).and_then(|v| v.as_str())).or(account_role)
}

fn partner_of(attributes: &Attributes) -> Option<&str> {
    attributes.get("partner").and_then(|v| v.as_str()).filter(|p| !p.is_empty())
}

/// The partner surveys the report reads. Coverage is who answered per partner, down to one
/// decision-maker: it counts identified campaigns only. A partner survey with an anonymous or
/// confidential campaign is left out of "all", and refused when named.
async fn partner_surveys(state: &State, project_id: i64, requested: Option<&str>) -> ApiResult<Vec<i64>> {
    let surveys: Vec<_> = state.store.list_surveys(Some(project_id)).await?.into_iter().filter(|s| s.kind == SurveyKind::Partner).collect();
    let partner_ids: Vec<i64> = surveys.iter().map(|s| s.id).collect();
    let protected: Vec<i64> = crate::disclosure::protected_among(state, surveys).await?.into_iter().map(|(s, _, _)| s.id).collect();
    let Some(requested) = requested.filter(|s| !s.is_empty()) else {
        return Ok(partner_ids.into_iter().filter(|id| !protected.contains(id)).collect());
    };
    requested
        .split(',')
        .map(|part| {
            // Exactly what the declared pattern admits: 1 to 18 digits (always an i64), no spaces.
            let digits = !part.is_empty() && part.len() <= 18 && part.bytes().all(|b| b.is_ascii_digit());
            let id: i64 = part
                .parse()
                .ok()
                .filter(|_| digits)
                .ok_or_else(|| ApiError::invalid(format!("survey_id `{part}` is not a list of survey ids")))?;
            if protected.contains(&id) {
                return Err(ApiError::protected(format!("partner survey {id} runs anonymous or confidential campaigns: who answered per partner is not released")));
            }
            if partner_ids.contains(&id) { Ok(id) } else { Err(ApiError::not_found(format!("partner survey {id} in this project"))) }
        })
        .collect()
}

/// The partners the report covers: a partner manager's own, else every registered partner and
/// any partner named by a recipient or an answer. `registered` holds this project's partners
/// only, so a manager's scope here is already keyed by (project, partner): owning `p1` in
/// another project does not put this project's `p1` in it.
fn partners_in_scope(session: &AdminSession, registered: &[Partner], contacts: &[ContactRow], answers: &[CoverageAnswerRow]) -> Vec<String> {
    if session.role == AdminRole::PartnerManager {
        return registered.iter().filter(|p| p.owner_email.as_deref() == Some(session.email.as_str())).map(|p| p.id.to_string()).collect();
    }
    let mut ids: Vec<String> = registered.iter().map(|p| p.id.to_string()).collect();
    let known: BTreeSet<String> = ids.iter().cloned().collect();
    let seen: BTreeSet<&str> = contacts
        .iter()
        .filter_map(|c| partner_of(&c.attributes))
        .chain(answers.iter().filter_map(|a| partner_of(&a.attributes)))
        .filter(|p| !known.contains(*p))
        .collect();
    ids.extend(seen.into_iter().map(str::to_owned));
    ids
}

#[utoipa::path(tag = "admin", params(CoverageParams), responses((status = 200, body = CoverageReport), (status = 403, body = nps_core::ApiErrorBody)))]
#[get("/api/admin/reports/partner-coverage")]
pub async fn partner_coverage_report(state: State, session: AdminSession, params: Query<CoverageParams>) -> ApiResult<HttpResponse> {
    if !session.can_read(SurveyKind::Partner) {
        return Err(ApiError::forbidden(format!("the {} role cannot read partner NPS", session.role.as_str())));
    }
    // `from` at or after `to` is an empty window and answers nothing (no error): OpenAPI
    // cannot declare a rule across two parameters, so the contract could not say it.
    state.store.get_project(params.project_id).await?.ok_or_else(|| ApiError::not_found("project"))?;
    let survey_ids = partner_surveys(&state, params.project_id, params.survey_id.as_deref()).await?;
    let contacts = state.store.campaign_contacts(&survey_ids).await?;
    let answers = state.store.coverage_answers(&survey_ids, params.from, params.to).await?;
    let registered = state.store.list_partners(Some(params.project_id)).await?;
    let scope = partners_in_scope(&session, &registered, &contacts, &answers);

    let contact_facts: Vec<ContactFact> = contacts
        .iter()
        .filter_map(|c| Some(ContactFact { partner: partner_of(&c.attributes)?, contact: &c.email, role: role_of(&c.attributes, None) }))
        .collect();
    let answer_facts: Vec<AnswerFact> = answers
        .iter()
        .filter_map(|a| {
            Some(AnswerFact {
                partner: partner_of(&a.attributes)?,
                respondent: &a.respondent,
                role: role_of(&a.attributes, a.account_role.as_deref()),
            })
        })
        .collect();
    let (rows, summary) = partner_coverage(&scope, &contact_facts, &answer_facts);
    let partners = rows
        .into_iter()
        .map(|coverage| {
            let p = registered.iter().find(|p| p.id.as_str() == coverage.partner);
            PartnerCoverageRow {
                name: p.map(|p| p.name.to_string()),
                tier: p.and_then(|p| p.tier.clone()),
                region: p.and_then(|p| p.region.clone()),
                owner_email: p.and_then(|p| p.owner_email.clone()),
                coverage,
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(CoverageReport {
        partners,
        summary,
        decision_maker_roles: DECISION_MAKER_ROLES.iter().map(|r| (*r).to_owned()).collect(),
    }))
}
