//! The client API end to end against the real binary: identify, answer in two steps,
//! idempotent retries, ETag, CORS, identity verification, and the admin report.

use nps_core::wire::{NpsReport, ProjectInput, SurveyKind};
use nps_core::{BandCounts, NpsScore};
use nps_e2e::{Backend, Installation, World, new_id, post_json, project_input, wait_for};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

#[tokio::test]
async fn an_answer_in_two_steps_is_stored_once_with_the_attributes_in_force() -> anyhow::Result<()> {
    let world = World::start(SurveyKind::Tnps).await?;
    let (admin, survey, base) = (&world.admin, &world.survey, world.client_base());

    let identify = json!({ "user_id": "u-42", "attributes": { "plan": "pro", "country": "FR" },
                           "account": { "id": "acme", "role": "executive_buyer", "attributes": { "mrr": 900 } } });
    let (status, body) = post_json(&format!("{base}/identify"), &identify).await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["session_token"].as_str().is_some_and(|t| t.len() > 20));

    let response_id = new_id();
    let score = json!({ "response_id": response_id, "survey_id": survey.id, "user_id": "u-42", "score": 3, "trigger": "ticket_resolved" });
    assert_eq!(post_json(&format!("{base}/responses"), &score).await?.0, StatusCode::ACCEPTED);
    // A retry, even with another score, changes nothing.
    let retry = json!({ "response_id": response_id, "survey_id": survey.id, "user_id": "u-42", "score": 10 });
    assert_eq!(post_json(&format!("{base}/responses"), &retry).await?.0, StatusCode::ACCEPTED);
    let comment = json!({ "survey_id": survey.id, "user_id": "u-42", "comment": "Too slow", "extra_answers": { "support": 2 } });
    assert_eq!(post_json(&format!("{base}/responses/{response_id}/complete"), &comment).await?.0, StatusCode::ACCEPTED);

    // The attributes change after answering; the stored answer keeps the earlier ones.
    let later = json!({ "user_id": "u-42", "attributes": { "plan": "enterprise" } });
    assert_eq!(post_json(&format!("{base}/identify"), &later).await?.0, StatusCode::OK);

    let rows = wait_for(Duration::from_secs(10), || async {
        let rows = admin.responses(survey.id).await.ok()?;
        let complete = rows.first().is_some_and(|r| r.comment.is_some());
        complete.then_some(rows)
    })
    .await
    .expect("the answer reached the database");
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.score, Some(3));
    assert_eq!(row.comment.as_deref(), Some("Too slow"));
    assert_eq!(row.extra_answers["support"], json!(2));
    assert_eq!(row.attributes["plan"], json!("pro"));
    assert_eq!(row.account_id.as_deref(), Some("acme"));
    assert_eq!(row.role.as_deref(), Some("executive_buyer"));
    assert_eq!(row.trigger.as_deref(), Some("ticket_resolved"));
    Ok(())
}

#[tokio::test]
async fn a_comment_that_arrives_before_its_score_is_merged() -> anyhow::Result<()> {
    let world = World::start(SurveyKind::Tnps).await?;
    let (admin, survey, base) = (&world.admin, &world.survey, world.client_base());
    let id = new_id();
    let comment = json!({ "survey_id": survey.id, "user_id": "u1", "comment": "Love it" });
    assert_eq!(post_json(&format!("{base}/responses/{id}/complete"), &comment).await?.0, StatusCode::ACCEPTED);
    let score = json!({ "response_id": id, "survey_id": survey.id, "user_id": "u1", "score": 9 });
    assert_eq!(post_json(&format!("{base}/responses"), &score).await?.0, StatusCode::ACCEPTED);
    let row = wait_for(Duration::from_secs(10), || async {
        admin.responses(survey.id).await.ok()?.into_iter().find(|r| r.score.is_some() && r.comment.is_some())
    })
    .await
    .expect("merged row");
    assert_eq!((row.score, row.comment.as_deref()), (Some(9), Some("Love it")));
    Ok(())
}

#[tokio::test]
async fn configuration_is_cacheable_and_cors_follows_the_allowed_origins() -> anyhow::Result<()> {
    let Installation { dir: _dir, collector, owner: admin, .. } = Installation::start(Backend::Sqlite).await?;
    let project = admin.create_project(&["https://app.example.com"]).await?;
    admin.create_live_survey(project.id, SurveyKind::Tnps).await?;
    let http = reqwest::Client::new();
    let config_url = format!("{}/v1/p/{}/config", collector.url, project.public_key);

    let first = http.get(&config_url).header("Origin", "https://app.example.com").send().await?;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(first.headers()["access-control-allow-origin"], "https://app.example.com");
    let etag = first.headers()["etag"].to_str()?.to_owned();
    let config: Value = first.json().await?;
    assert_eq!(config["surveys"].as_array().map(Vec::len), Some(1));

    let again = http.get(&config_url).header("If-None-Match", &etag).send().await?;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    let preflight = http
        .request(reqwest::Method::OPTIONS, format!("{}/v1/p/{}/responses", collector.url, project.public_key))
        .header("Origin", "https://app.example.com")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await?;
    assert_eq!(preflight.status(), StatusCode::NO_CONTENT);
    assert_eq!(preflight.headers()["access-control-allow-origin"], "https://app.example.com");

    let foreign = http.get(&config_url).header("Origin", "https://evil.example.net").send().await?;
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    assert!(foreign.headers().get("access-control-allow-origin").is_none());

    // "Check installation" shows these requests, newest first, refusal included.
    let activity: Vec<Value> = admin.get(&format!("/api/admin/projects/{}/activity", project.id)).await?;
    let seen: Vec<(String, u64, Option<String>)> = activity
        .iter()
        .map(|e| (e["endpoint"].as_str().unwrap_or("").to_owned(), e["status"].as_u64().unwrap_or(0), e["origin"].as_str().map(str::to_owned)))
        .collect();
    let app = Some("https://app.example.com".to_owned());
    assert_eq!(
        seen,
        [
            ("config".to_owned(), 403, Some("https://evil.example.net".to_owned())),
            ("responses".to_owned(), 204, app.clone()),
            ("config".to_owned(), 304, None),
            ("config".to_owned(), 200, app),
        ]
    );
    Ok(())
}

/// The vendor's backend vouches for `sub` (with a plan) for ten minutes.
fn sign_identity(secret: &str, sub: &str) -> anyhow::Result<String> {
    nps_e2e::tokens::sign(secret, &json!({ "sub": sub, "exp": nps_e2e::now_secs() + 600, "attributes": { "plan": "signed" } }))
}

#[tokio::test]
async fn in_enforce_mode_nobody_can_answer_as_someone_else() -> anyhow::Result<()> {
    let Installation { dir: _dir, collector, owner: admin, .. } = Installation::start(Backend::Sqlite).await?;
    let project: nps_core::wire::Project = admin
        .post("/api/admin/projects", &ProjectInput { identity_enforced: true, ..project_input("Strict", &["*"])? })
        .await?;
    let survey = admin.create_live_survey(project.id, SurveyKind::Tnps).await?;
    let secret = project.identity_secret.clone().unwrap_or_default();
    let base = format!("{}/v1/p/{}", collector.url, project.public_key);
    let http = reqwest::Client::new();

    let (status, body) = post_json(&format!("{base}/identify"), &json!({ "user_id": "alice" })).await?;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("identity_required")));
    let (status, body) =
        post_json(&format!("{base}/identify"), &json!({ "user_id": "alice", "identity_token": sign_identity(&secret, "mallory")? })).await?;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("identity_invalid")));
    let signed = json!({ "user_id": "alice", "identity_token": sign_identity(&secret, "alice")?, "attributes": { "plan": "forged" } });
    let (status, body) = post_json(&format!("{base}/identify"), &signed).await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    let session = body["session_token"].as_str().unwrap_or_default().to_owned();

    let answer = |user: &str| json!({ "response_id": new_id(), "survey_id": survey.id, "user_id": user, "score": 8 });
    let unsigned = http.post(format!("{base}/responses")).json(&answer("alice")).send().await?;
    assert_eq!(unsigned.status(), StatusCode::UNAUTHORIZED);
    let as_bob = http.post(format!("{base}/responses")).bearer_auth(&session).json(&answer("bob")).send().await?;
    assert_eq!(as_bob.status(), StatusCode::UNAUTHORIZED);
    let as_alice = http.post(format!("{base}/responses")).bearer_auth(&session).json(&answer("alice")).send().await?;
    assert_eq!(as_alice.status(), StatusCode::ACCEPTED);

    let rows = wait_for(Duration::from_secs(10), || async { Some(admin.responses(survey.id).await.ok()?).filter(|r| !r.is_empty()) })
        .await
        .expect("alice's answer stored");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].user_id, "alice");
    // The signed attributes won over the ones sent in the clear.
    assert_eq!(rows[0].attributes["plan"], json!("signed"));
    Ok(())
}

#[tokio::test]
async fn the_report_counts_only_scored_answers_and_carries_the_interval() -> anyhow::Result<()> {
    let world = World::start(SurveyKind::Tnps).await?;
    let (admin, survey, base) = (&world.admin, &world.survey, world.client_base());
    let scores: Vec<i64> = (0..60).map(|i| (i * 7 + 3) % 11).collect();
    for (i, score) in scores.iter().enumerate() {
        let user = format!("user-{i}");
        let display = json!({ "display_id": new_id(), "survey_id": survey.id, "user_id": user });
        assert_eq!(post_json(&format!("{base}/displays"), &display).await?.0, StatusCode::ACCEPTED);
        let answer = json!({ "response_id": new_id(), "survey_id": survey.id, "user_id": user, "score": score });
        assert_eq!(post_json(&format!("{base}/responses"), &answer).await?.0, StatusCode::ACCEPTED);
    }
    // Twenty more displays that were dismissed: they lower the response rate, not the NPS.
    for i in 0..20 {
        let display = json!({ "display_id": new_id(), "survey_id": survey.id, "user_id": format!("quiet-{i}") });
        assert_eq!(post_json(&format!("{base}/displays"), &display).await?.0, StatusCode::ACCEPTED);
        let decline = json!({ "action_id": new_id(), "survey_id": survey.id, "user_id": format!("quiet-{i}"), "kind": "decline" });
        assert_eq!(post_json(&format!("{base}/feedback"), &decline).await?.0, StatusCode::ACCEPTED);
    }
    let expected = BandCounts::from_scores(scores.iter().map(|s| NpsScore::new(*s).expect("valid")));
    let report: NpsReport = wait_for(Duration::from_secs(10), || async {
        let report: NpsReport = admin.get(&format!("/api/admin/reports/nps?survey_id={}&granularity=day", survey.id)).await.ok()?;
        (report.overall.n == 60 && report.overall.displays == 80).then_some(report)
    })
    .await
    .expect("all answers reported");
    assert_eq!(report.overall.counts, expected);
    let nps = report.overall.nps.expect("answers");
    assert!((nps - expected.nps().expect("answers")).abs() < 1e-9);
    let interval = expected.interval95();
    assert!((report.overall.interval.low - interval.low).abs() < 1e-9);
    assert!((report.overall.interval.high - interval.high).abs() < 1e-9);
    assert!((report.overall.response_rate.expect("displays") - 0.75).abs() < 1e-9);
    assert_eq!(report.periods.len(), 1);
    Ok(())
}

#[tokio::test]
async fn account_roll_ups_are_all_three_and_per_role() -> anyhow::Result<()> {
    let world = World::start(SurveyKind::Tnps).await?;
    let (admin, survey, base) = (&world.admin, &world.survey, world.client_base());
    // acme: a detracting buyer and three promoting end users; globex: one passive admin.
    let people = [("b1", "acme", "executive_buyer", 2), ("e1", "acme", "end_user", 10), ("e2", "acme", "end_user", 9), ("e3", "acme", "end_user", 10), ("a1", "globex", "admin", 8)];
    for (user, account, role, score) in people {
        let identify = json!({ "user_id": user, "account": { "id": account, "role": role } });
        assert_eq!(post_json(&format!("{base}/identify"), &identify).await?.0, StatusCode::OK);
        let answer = json!({ "response_id": new_id(), "survey_id": survey.id, "user_id": user, "score": score });
        assert_eq!(post_json(&format!("{base}/responses"), &answer).await?.0, StatusCode::ACCEPTED);
    }
    nps_e2e::wait_drained(&world.collector.url).await?;
    let r: Value = admin.get(&format!("/api/admin/reports/accounts?survey_id={}", survey.id)).await?;
    assert_eq!(r["every_response"]["counts"], json!({ "promoters": 3, "passives": 1, "detractors": 1 }));
    // acme = (3 - 1) / 4 = 50, globex = 0: each account weighs the same.
    assert_eq!(r["per_account"]["accounts"], 2);
    assert!((r["per_account"]["mean_nps"].as_f64().unwrap_or(0.0) - 25.0).abs() < 1e-9);
    // The buyer speaks for acme (detractor); the admin for globex (passive).
    assert_eq!(r["decision_maker_first"]["counts"], json!({ "promoters": 0, "passives": 1, "detractors": 1 }));
    assert_eq!(r["per_role"]["end_user"]["n"], 3);
    assert_eq!(r["per_role"]["executive_buyer"]["nps"], json!(-100.0));
    Ok(())
}
