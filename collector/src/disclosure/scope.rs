//! What a session may read, as a query: the request's filters parsed and narrowed to the
//! surveys the role may read (and, for partner managers, the partners they own). The
//! disclosure layer (`super::scope`) decides on top of it whether the result is open or
//! protected.

use crate::auth::AdminSession;
use crate::error::{ApiError, ApiResult};
use crate::state::State;
use crate::store::ResponseQuery;
use nps_core::Band;
use serde::Deserialize;

/// Filters shared by listings, exports and reports.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct Filters {
    /// Comma-separated survey ids; all readable surveys when absent.
    #[param(pattern = r"^( *-?[0-9]{1,18} *(, *-?[0-9]{1,18} *)*)?$")]
    pub survey_id: Option<String>,
    /// Unix milliseconds, inclusive.
    pub from: Option<i64>,
    /// Unix milliseconds, exclusive.
    pub to: Option<i64>,
    /// `detractor`, `passive` or `promoter`.
    #[param(pattern = r"^(|detractor|passive|promoter)$")]
    pub band: Option<String>,
    pub has_comment: Option<bool>,
    /// Text the comment must contain (case-insensitive).
    pub q: Option<String>,
    /// Attribute values the answers must have had, `key:value`, several joined by `;`
    /// (e.g. `plan:pro;country:FR`).
    #[param(schema_with = nps_core::wire::limits::attribute_filters)]
    pub attr: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    /// `json` (default), `csv` or `xlsx`.
    #[param(pattern = r"^(|json|csv|xlsx)$")]
    pub format: Option<String>,
    /// `every_response` (default) or `latest_per_user`: each respondent's latest answer in the
    /// date range only.
    #[param(pattern = r"^(|every_response|latest_per_user)$")]
    pub counting: Option<String>,
    /// Dedupe window: with no `from`, the range starts this many days before `to` (or now).
    #[param(minimum = 1, maximum = 3650)]
    pub window_days: Option<i64>,
    /// Employee NPS: the campaign wave to report (default: the latest). Protected surveys are
    /// reported per wave, never by date.
    #[param(value_type = Option<i64>, minimum = 0, maximum = 4294967295_i64)]
    pub wave: Option<u32>,
}

/// `plan:pro;country:FR` into key/value pairs.
pub fn attribute_filters(attr: Option<&str>) -> ApiResult<Vec<(String, String)>> {
    let Some(attr) = attr.filter(|a| !a.trim().is_empty()) else { return Ok(Vec::new()) };
    attr.split(';')
        .map(|pair| {
            let (key, value) = pair
                .split_once(':')
                .ok_or_else(|| ApiError::invalid(format!("attr: `{pair}` must be key:value (pairs joined by ;)")))?;
            let key = key.trim();
            if key.is_empty() || key.chars().count() > nps_core::wire::MAX_ID_CHARS {
                return Err(ApiError::invalid(format!("attr: the key of `{pair}` must be 1 to 128 characters")));
            }
            Ok((key.to_owned(), value.trim().to_owned()))
        })
        .collect()
}

/// Turns filters into a query over the surveys this session may read. Asking for a survey
/// the role may not read is refused, not silently dropped.
pub async fn scoped_query(state: &State, session: &AdminSession, f: &Filters) -> ApiResult<ResponseQuery> {
    let surveys = state.store.list_surveys(None).await?;
    let readable: Vec<i64> = surveys.iter().filter(|s| session.can_read(s.kind)).map(|s| s.id).collect();
    let survey_ids = match f.survey_id.as_deref().filter(|s| !s.is_empty()) {
        None => readable,
        Some(requested) => {
            let mut ids = Vec::new();
            for part in requested.split(',') {
                let id: i64 = part.trim().parse().map_err(|_| ApiError::invalid(format!("survey_id `{part}` is not a number")))?;
                if !surveys.iter().any(|s| s.id == id) {
                    return Err(ApiError::not_found(format!("survey {id}")));
                }
                if !readable.contains(&id) {
                    return Err(ApiError::forbidden(format!("the {} role cannot read survey {id}", session.role.as_str())));
                }
                ids.push(id);
            }
            ids
        }
    };
    let band = match f.band.as_deref() {
        None | Some("") => None,
        Some(b) => Some(Band::parse(b).ok_or_else(|| ApiError::invalid("band must be detractor, passive or promoter"))?),
    };
    let latest_per_user = match f.counting.as_deref() {
        None | Some("") | Some("every_response") => false,
        Some("latest_per_user") => true,
        Some(other) => return Err(ApiError::invalid(format!("counting must be every_response or latest_per_user (got `{other}`)"))),
    };
    // Checked here for every report, although only the answer rows have other formats, so
    // that one parameter has one rule everywhere it is declared.
    if let Some(format) = f.format.as_deref().filter(|f| !matches!(*f, "" | "json" | "csv" | "xlsx")) {
        return Err(ApiError::invalid(format!("format must be json, csv or xlsx (got `{format}`)")));
    }
    // Checked even when `from` makes it unused, so the rule is the one the schema declares.
    if f.window_days.is_some_and(|days| !(1..=3_650).contains(&days)) {
        return Err(ApiError::invalid("window_days must be between 1 and 3650"));
    }
    let from = match (f.from, f.window_days) {
        (Some(from), _) => Some(from),
        (None, Some(days)) => Some(f.to.unwrap_or_else(crate::ingest::now_ms).saturating_sub(days * 86_400_000)),
        (None, None) => None,
    };
    // `from` at or after `to` is an empty window and answers nothing (no error): OpenAPI
    // cannot declare a rule across two parameters, so the contract could not say it.
    // Partner managers read the answers of the partners they own, and no others; a partner is
    // its (project, id) pair, so another project's partner of the same id stays out.
    let partners = match session.role {
        nps_core::wire::AdminRole::PartnerManager => Some(state.store.partners_owned_by(&session.email).await?),
        _ => None,
    };
    Ok(ResponseQuery {
        survey_ids,
        partners,
        users: Default::default(),
        latest_per_user,
        from,
        to: f.to,
        band,
        has_comment: f.has_comment,
        attributes: attribute_filters(f.attr.as_deref())?,
        text: f.q.clone(),
        limit: f.limit.unwrap_or(100).clamp(1, 100_000),
        offset: f.offset.unwrap_or(0).max(0),
    })
}

