//! Link campaigns for employee NPS (HR) and partner NPS (partner managers): recipients as
//! JSON (a CSV file is read client-side, `nps_core::recipients_csv`), personal single-use links, CSV export of the links for other channels.

use crate::auth::AdminSession;
use crate::campaign::{Wave, personal_link};
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, Query};
use crate::ingest::now_ms;
use crate::state::State;
use crate::store::RecipientRecord;
use actix_web::{HttpResponse, get, http::header, post, web};
use nps_core::wire::{AdminRole, Anonymity, Campaign, CampaignInput, ImportResult, MIN_GROUP_FLOOR, RecipientInput, RecipientLink, SurveyKind};
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create).service(get_one).service(add_recipients).service(links);
}

/// eNPS campaigns are run by HR (and owners/admins), partner campaigns by partner managers.
pub(crate) fn require_campaign_role(session: &AdminSession, kind: SurveyKind) -> ApiResult<()> {
    let allowed = match kind {
        SurveyKind::Enps => matches!(session.role, AdminRole::Owner | AdminRole::Admin | AdminRole::Hr),
        SurveyKind::Partner => matches!(session.role, AdminRole::Owner | AdminRole::Admin | AdminRole::PartnerManager),
        SurveyKind::Tnps | SurveyKind::Rnps => session.role.can_configure(),
    };
    if allowed { Ok(()) } else { Err(ApiError::forbidden(format!("the {} role cannot run {} campaigns", session.role.as_str(), kind.as_str()))) }
}

/// Whether the session may see this campaign at all (its role runs campaigns of the kind):
/// a partner manager sees only the campaigns they created. Partner managers of one programme
/// are separate tenants: another's recipients, links and status are not theirs to read, and a
/// link would let them answer as that manager's contacts (issue #11). Campaigns without a
/// creator (older than migration 0011) are left to owners and admins.
pub(crate) fn may_see_campaign(session: &AdminSession, campaign: &Campaign) -> bool {
    session.role != AdminRole::PartnerManager || campaign.created_by.as_deref() == Some(session.email.as_str())
}

/// The campaign, if this session may work it; someone else's is as good as missing (404).
pub async fn campaign_for(state: &State, session: &AdminSession, id: i64) -> ApiResult<Campaign> {
    let campaign = state.store.get_campaign(id).await?.ok_or_else(|| ApiError::not_found("campaign"))?;
    let survey = state.store.get_survey(campaign.survey_id).await?.ok_or_else(|| ApiError::not_found("survey"))?;
    require_campaign_role(session, survey.kind)?;
    if !may_see_campaign(session, &campaign) {
        return Err(ApiError::not_found("campaign"));
    }
    Ok(campaign)
}

/// Partner managers invite contacts of their own partners only: every recipient must name, in
/// its `partner` attribute, a partner the manager owns in the campaign's project.
async fn require_own_partners(state: &State, session: &AdminSession, campaign: &Campaign, inputs: &[RecipientInput]) -> ApiResult<()> {
    let LinkHolder::PartnersOf(owned) = partners_still_theirs(state, session, campaign).await? else { return Ok(()) };
    for (i, r) in inputs.iter().enumerate() {
        match r.attributes.get("partner").and_then(|v| v.as_str()) {
            Some(p) if owned.iter().any(|o| o == p) => {}
            Some(p) => {
                return Err(ApiError::forbidden(format!(
                    "recipients[{i}].attributes.partner: `{p}` is not a partner you own in project {}",
                    campaign.project_id
                )));
            }
            None => {
                return Err(ApiError::invalid(format!(
                    "recipients[{i}].attributes.partner is required: partner managers invite contacts of their own partners"
                )));
            }
        }
    }
    Ok(())
}

/// The recipients whose links a session may hold. A partner manager holds those of the partners
/// they own now: after a partner moves to another manager, the links of its contacts (each one
/// a way to answer as that contact, and to see whether they did) stay with the campaign's
/// recipients but leave the previous manager's hands.
enum LinkHolder {
    Anyone,
    PartnersOf(Vec<String>),
}

impl LinkHolder {
    fn covers(&self, attributes: &serde_json::Map<String, serde_json::Value>) -> bool {
        match self {
            LinkHolder::Anyone => true,
            LinkHolder::PartnersOf(owned) => attributes.get("partner").and_then(|v| v.as_str()).is_some_and(|p| owned.iter().any(|o| o == p)),
        }
    }
}

async fn partners_still_theirs(state: &State, session: &AdminSession, campaign: &Campaign) -> ApiResult<LinkHolder> {
    if session.role != AdminRole::PartnerManager {
        return Ok(LinkHolder::Anyone);
    }
    let owned = state.store.partners_owned_by(&session.email).await?;
    Ok(LinkHolder::PartnersOf(owned.into_iter().filter(|(project, _)| *project == campaign.project_id).map(|(_, id)| id).collect()))
}

#[utoipa::path(tag = "admin", request_body = CampaignInput, responses((status = 201, body = Campaign), (status = 409, body = nps_core::ApiErrorBody), (status = 422, body = nps_core::ApiErrorBody)))]
#[post("/api/admin/campaigns")]
pub async fn create(state: State, session: AdminSession, body: JsonBody<CampaignInput>) -> ApiResult<HttpResponse> {
    let input = body.0;
    let survey = state.store.get_survey(input.survey_id).await?.ok_or_else(|| ApiError::not_found("survey"))?;
    require_campaign_role(&session, survey.kind)?;
    if input.name.trim().is_empty() {
        return Err(ApiError::invalid("name must not be empty"));
    }
    if !input.anonymity.fits(survey.kind) {
        return Err(ApiError::client(nps_core::ErrorCode::Conflict, format!(
            "anonymity {} does not fit a {} survey: employee NPS is anonymous or confidential, customer NPS identified",
            input.anonymity.as_str(),
            survey.kind.as_str()
        )));
    }
    if input.min_group < MIN_GROUP_FLOOR || input.verbatim_min_group < MIN_GROUP_FLOOR {
        return Err(ApiError::invalid(format!("min_group and verbatim_min_group must be at least {MIN_GROUP_FLOOR}")));
    }
    if !(1..=365).contains(&input.expires_in_days) {
        return Err(ApiError::invalid("expires_in_days must be between 1 and 365"));
    }
    let now = now_ms();
    let expires_at = now + i64::from(input.expires_in_days) * 86_400_000;
    let campaign = state.store.create_campaign(survey.project_id, &input, Some(&session.email), expires_at, now).await?;
    Ok(HttpResponse::Created().json(campaign))
}

#[utoipa::path(tag = "admin", params(("id" = i64, Path)), responses((status = 200, body = Campaign)))]
#[get("/api/admin/campaigns/{id}")]
pub async fn get_one(state: State, session: AdminSession, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(campaign_for(&state, &session, *id).await?))
}

/// Recipients to add. A CSV file is read client-side (`nps_core::recipients_csv::parse`) into
/// these; no recipients adds nothing.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecipientImport {
    #[serde(default)]
    pub recipients: Vec<RecipientInput>,
}

#[utoipa::path(tag = "admin", params(("id" = i64, Path)), request_body = RecipientImport, responses((status = 200, body = ImportResult)))]
#[post("/api/admin/campaigns/{id}/recipients")]
pub async fn add_recipients(state: State, session: AdminSession, id: web::Path<i64>, body: JsonBody<RecipientImport>) -> ApiResult<HttpResponse> {
    let campaign = campaign_for(&state, &session, *id).await?;
    let inputs = body.0.recipients;
    require_own_partners(&state, &session, &campaign, &inputs).await?;
    let mut records = Vec::with_capacity(inputs.len());
    for r in inputs {
        records.push(RecipientRecord {
            id: uuid::Uuid::new_v4().to_string(),
            campaign_id: campaign.id,
            email: r.email.into(),
            name: r.name,
            language: r.language,
            attributes: r.attributes.into_inner(),
            token_id: uuid::Uuid::new_v4().to_string(),
        });
    }
    state.store.add_recipients(&records, now_ms()).await?;
    Ok(HttpResponse::Ok().json(ImportResult { received: records.len() as u64 }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct LinkParams {
    /// `json` (default) or `csv`.
    pub format: Option<String>,
    /// The wave whose links to give (default: the latest).
    pub wave: Option<u32>,
}

/// The public base of links: the configured public URL, else the host the admin called.
pub fn link_base(state: &State, req: &actix_web::HttpRequest) -> String {
    state.settings.http.public_url.clone().unwrap_or_else(|| {
        let info = req.connection_info();
        format!("{}://{}", info.scheme(), info.host())
    })
}

/// A wave of the campaign (the latest when `wave` is none); the first exists even before
/// any e-mail went out.
pub async fn wave_of(state: &State, campaign: &Campaign, wave: Option<u32>) -> ApiResult<Wave> {
    let waves = state.store.waves(campaign.id).await?;
    let found = match wave {
        None => waves.last().cloned(),
        Some(n) => waves.iter().find(|w| w.wave == n).cloned(),
    };
    match (found, wave) {
        (Some(w), _) => Ok(w),
        (None, None | Some(1)) => Ok(Wave::first(campaign)),
        (None, Some(n)) => Err(ApiError::not_found(format!("wave {n}"))),
    }
}

/// Personal links, one per recipient, for e-mail or any other channel: identified campaigns
/// only (see below).
#[utoipa::path(tag = "admin", params(("id" = i64, Path), LinkParams), responses((status = 200, body = Vec<RecipientLink>)))]
#[get("/api/admin/campaigns/{id}/links")]
pub async fn links(
    state: State,
    session: AdminSession,
    id: web::Path<i64>,
    params: Query<LinkParams>,
    req: actix_web::HttpRequest,
) -> ApiResult<HttpResponse> {
    let campaign = campaign_for(&state, &session, *id).await?;
    if campaign.anonymity != Anonymity::Identified {
        // Whoever holds a link can see whether it was used (the page changes), so an admin
        // with the links could watch who answered and match the new answer.
        return Err(ApiError::protected(
            "the personal links of anonymous and confidential campaigns go to each recipient by e-mail only \
             (POST /api/admin/campaigns/{id}/send); admins see counts, never links",
        ));
    }
    let base = link_base(&state, &req);
    let wave = wave_of(&state, &campaign, params.wave).await?;
    let theirs = partners_still_theirs(&state, &session, &campaign).await?;
    let mut out = Vec::new();
    for r in state.store.list_recipients(campaign.id).await? {
        if !theirs.covers(&r.attributes) {
            continue;
        }
        let url = personal_link(&state.keys, &base, &campaign, &r, &wave).map_err(ApiError::Internal)?;
        out.push(RecipientLink { recipient_id: r.id, email: r.email, url });
    }
    if params.format.as_deref() == Some("csv") {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let io = |e: csv::Error| ApiError::Internal(e.into());
        writer.write_record(["email", "url"]).map_err(io)?;
        for link in &out {
            writer.write_record(crate::csv_safe::row([&link.email, &link.url])).map_err(io)?;
        }
        let bytes = writer.into_inner().map_err(|e| ApiError::Internal(anyhow::anyhow!("csv: {e}")))?;
        return Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
            .insert_header((header::CONTENT_DISPOSITION, "attachment; filename=\"links.csv\""))
            .body(bytes));
    }
    Ok(HttpResponse::Ok().json(out))
}
