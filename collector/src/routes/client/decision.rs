//! `POST decide`: the authoritative eligibility decision, which claims the display itself.

use super::*;

/// The authoritative decision: may this survey be shown to this user now? Decided from the
/// server's record of the user (cross-device; the browser cannot reset it). When the answer is
/// yes the display is recorded in the same transaction, so concurrent requests for one user
/// (tabs, devices, collector processes) can never all get a survey.
#[utoipa::path(
    tag = "client",
    post,
    path = "/v1/p/{key}/decide",
    params(("key" = String, Path, description = "Project public key")),
    request_body = DecideRequest,
    responses((status = 200, body = DecideResponse), (status = 404, body = nps_core::ApiErrorBody), (status = 422, body = nps_core::ApiErrorBody), (status = 401, body = nps_core::ApiErrorBody), (status = 409, body = nps_core::ApiErrorBody))
)]
#[post("/decide")]
pub async fn decide(state: State, key: web::Path<String>, req: HttpRequest, body: JsonBody<DecideRequest>) -> ApiResult<HttpResponse> {
    let request = body.0;
    let project = project(&state, &key).await?;
    // Not `answerable_survey`: a paused survey still gets a decision (no), with its rule.
    let survey = in_app_survey(&project, request.survey_id)?;
    authorize_user(&state, &project, &req, &request.user_id)?;
    let now = now_ms();
    let claim = DisplayClaim {
        project_id: project.project.id,
        survey_id: survey.id,
        user_id: request.user_id.clone(),
        display_id: request.display_id.clone(),
        trigger: request.trigger.clone(),
        url: request.url.clone(),
        language: request.language.clone(),
        device: request.device.clone(),
        now,
        count_responses: survey.rules.response_caps.per_day.is_some() || survey.rules.response_caps.total.is_some(),
    };
    let display_id = claim.display_id.clone();
    let rules = DecisionRules { project: &project, survey, request: &request, now };
    let decision = match state.ingestor.resident() {
        Some(resident) => {
            // In memory: the per-user turn is held until the claimed display is in the spool.
            let _turn = resident.lock_user(claim.project_id, &claim.user_id).await;
            let decision = rules.decide(&resident.facts(claim.project_id, &claim.user_id, claim.survey_id, now));
            let mut records = Vec::with_capacity(2);
            if decision.eligible {
                records.push(claimed_display(&claim, &decision));
            }
            records.push(decision_log(&claim, &decision));
            state.ingestor.submit_all(records).await?;
            decision
        }
        None => {
            state.await_user_writes(claim.project_id, &claim.user_id).await;
            // The batch logs the decision in the transaction that claims the display.
            state.decisions.decide(claim, rules.owned(project.clone())).await?
        }
    };
    let display_id = decision.eligible.then(|| display_id.into_inner());
    Ok(HttpResponse::Ok().json(DecideResponse { decision, display_id }))
}

/// Everything a decision applies the rules with.
struct DecisionRules<'a> {
    project: &'a CachedProject,
    survey: &'a Survey,
    request: &'a DecideRequest,
    now: i64,
}

impl DecisionRules<'_> {
    fn decide(&self, facts: &DecisionFacts) -> Decision {
        let request = self.request;
        let subject = Subject {
            user_key: &request.user_id,
            user_attributes: &facts.user_attributes,
            account_attributes: facts.account_attributes.as_ref(),
            role: facts.role.as_deref(),
            language: request.language.as_deref().or(facts.language.as_deref()),
            device: request.device.as_deref(),
            email: request.email.as_deref(),
        };
        nps_core::eligibility::decide(&DecisionInput {
            now: self.now,
            survey_id: self.survey.id,
            rules: &self.survey.rules,
            policy: &self.project.project.fatigue,
            subject,
            history: &facts.history,
            responses_today: facts.responses_today,
            responses_total: facts.responses_total,
            survey_live: self.survey.status == SurveyStatus::Live,
        })
    }

    /// The same rules, owned, for a decision taken in a batch by another task (see
    /// [`crate::decide_batch`]).
    fn owned(&self, project: Arc<CachedProject>) -> crate::decide_batch::OwnedDecideFn {
        let (survey, request, now) = (self.survey.clone(), self.request.clone(), self.now);
        Box::new(move |facts| DecisionRules { project: &project, survey: &survey, request: &request, now }.decide(facts))
    }
}

/// The display a granted decision claims, as a spool record.
fn claimed_display(claim: &DisplayClaim, decision: &Decision) -> IngestRecord {
    IngestRecord::Display {
        project_id: claim.project_id,
        at: claim.now,
        display: DisplayRequest {
            display_id: claim.display_id.clone(),
            survey_id: claim.survey_id,
            user_id: claim.user_id.clone(),
            trigger: claim.trigger.clone(),
            url: claim.url.clone(),
            language: claim.language.clone(),
            device: claim.device.clone(),
            // The rules cap the rate at 10000, so it is always a valid rate.
            sampling_rate_bp: nps_core::wire::BasisPoints::new(decision.sampling_rate_bp),
        },
    }
}

fn decision_log(claim: &DisplayClaim, decision: &Decision) -> IngestRecord {
    IngestRecord::Decision { project_id: claim.project_id, at: claim.now, decision: DecisionLog::of(claim, decision) }
}
