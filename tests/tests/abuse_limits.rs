//! What anyone on the internet can send, bounded: texts PostgreSQL cannot store are refused at
//! the edge instead of poisoning the drain, invented methods add no metric series, anonymous
//! requests add no audit entries, and hosted answer forms take every answer their page allows
//! while unreadable ones get the page, not plain text. Each test failed on the build before its
//! fix; see docs/security.md, protection 14.

use nps_core::wire::SurveyKind;
use nps_e2e::admin::{OWNER_EMAIL, USER_PASSWORD, session_token};
use nps_e2e::links::{answer, personal_links};
use nps_e2e::{Backend, World, assert_error, new_id, on_both_backends, post_json, project_input, reply, wait_drained};
use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;

type Fixture = World;

async fn fixture(backend: Backend) -> anyhow::Result<Fixture> {
    World::start_with(backend, SurveyKind::Tnps, &[]).await
}

/// (path under the project's client API, body, the field the 422 must name).
fn poisoned_writes(survey_id: i64) -> Vec<(String, Value, &'static str)> {
    let display = |field: &str, value: &str| {
        let mut body = json!({ "display_id": new_id(), "survey_id": survey_id, "user_id": "u1" });
        body[field] = json!(value);
        body
    };
    vec![
        ("displays".into(), display("url", "https://app.test/\u{0}"), "url"),
        ("displays".into(), display("language", "de\u{0}"), "language"),
        ("displays".into(), display("device", "mobile\u{1}"), "device"),
        ("displays".into(), display("trigger", "event:saved\u{0}"), "trigger"),
        ("decide".into(), display("url", "https://app.test/\u{0}"), "url"),
        ("identify".into(), json!({ "user_id": "u1", "attributes": { "plan": "pro\u{0}" } }), "attributes"),
        ("identify".into(), json!({ "user_id": "u1", "attributes": { "a\nb": 1 } }), "attributes"),
        ("identify".into(), json!({ "user_id": "u1", "language": "\u{0}" }), "language"),
        (
            "responses".into(),
            json!({ "response_id": new_id(), "survey_id": survey_id, "user_id": "u1", "score": 9, "language": "en\u{0}" }),
            "language",
        ),
        (format!("responses/{}/complete", new_id()), json!({ "survey_id": survey_id, "user_id": "u1", "comment": "great\u{0}" }), "comment"),
        (format!("responses/{}/complete", new_id()), json!({ "survey_id": survey_id, "user_id": "u1", "comment": "a\u{8}b" }), "comment"),
    ]
}

async fn nul_is_refused_at_the_edge_and_never_reaches_the_drain(f: Fixture) -> anyhow::Result<()> {
    let base = f.client_base();
    for (path, body, field) in poisoned_writes(f.survey.id) {
        let (status, reply) = post_json(&format!("{base}/{path}"), &body).await?;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path} with a control character in {field}: {reply}");
        assert_error(&reply, "invalid_field", field);
        assert!(reply["message"].as_str().is_some_and(|m| m.contains("control character") || m.contains("NUL")), "{reply}");
    }
    // A comment keeps the line breaks and tabs of a text area.
    let (response_id, comment) = (new_id(), "first line\r\n\tsecond line");
    let answer = json!({ "response_id": response_id, "survey_id": f.survey.id, "user_id": "u1", "score": 9 });
    assert!(post_json(&format!("{base}/responses"), &answer).await?.0.is_success());
    let complete = json!({ "survey_id": f.survey.id, "user_id": "u1", "comment": comment });
    let (status, reply) = post_json(&format!("{base}/responses/{response_id}/complete"), &complete).await?;
    assert!(status.is_success(), "{status} {reply}");
    let display = json!({ "display_id": new_id(), "survey_id": f.survey.id, "user_id": "u1", "url": "https://app.test/pricing" });
    assert!(post_json(&format!("{base}/displays"), &display).await?.0.is_success());
    wait_drained(&f.collector.url).await?;
    let dead: Vec<i64> = f.db.column("SELECT COUNT(*) FROM dead_letters").await?;
    assert_eq!(dead, [0], "nothing acknowledged was refused by the database");
    let displays: Vec<i64> = f.db.column("SELECT COUNT(*) FROM displays").await?;
    assert_eq!(displays, [1]);
    let comments: Vec<Option<String>> = f.db.column("SELECT comment FROM responses").await?;
    assert_eq!(comments, [Some(comment.to_owned())]);
    Ok(())
}

/// The method labels of the latency histogram on `/metrics`.
async fn method_labels(base: &str) -> anyhow::Result<BTreeSet<String>> {
    let text = reqwest::get(format!("{base}/metrics")).await?.text().await?;
    let labels = text
        .lines()
        .filter(|l| l.starts_with("nps_http_request_duration_seconds_count"))
        .filter_map(|l| l.split("method=\"").nth(1)?.split('"').next().map(str::to_owned));
    Ok(labels.collect())
}

#[tokio::test]
async fn invented_methods_add_no_metric_series() -> anyhow::Result<()> {
    let f = World::start(SurveyKind::Tnps).await?;
    let http = reqwest::Client::new();
    let paths = ["/healthz".to_owned(), "/api/admin/projects".to_owned(), format!("/v1/p/{}/displays", f.project.public_key)];
    for i in 0..30 {
        let method = Method::from_bytes(format!("X{i}{}", &new_id()[..8]).as_bytes())?;
        for path in &paths {
            http.request(method.clone(), format!("{}{path}", f.collector.url)).send().await?;
        }
    }
    let labels = method_labels(&f.collector.url).await?;
    let standard = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE", "other"];
    assert!(labels.iter().all(|l| standard.contains(&l.as_str())), "one series per invented method: {labels:?}");
    assert!(labels.contains("other"), "{labels:?}");
    Ok(())
}

on_both_backends!(nul_is_refused_at_the_edge_and_never_reaches_the_drain, anonymous_requests_add_no_audit_entries, hosted_forms_take_what_their_page_allows);

async fn audit_rows(f: &Fixture) -> anyhow::Result<i64> {
    let count: Vec<i64> = f.db.column("SELECT COUNT(*) FROM audit_log").await?;
    Ok(count.first().copied().unwrap_or_default())
}

/// (action, status, actor e-mail) of the newest audit entry, read from the database.
async fn newest_entry(f: &Fixture) -> anyhow::Result<(String, i64, String)> {
    let last = |sql: &'static str| async move { f.db.column::<String>(sql).await.map(|v| v.into_iter().next().unwrap_or_default()) };
    let action = last("SELECT action FROM audit_log ORDER BY seq DESC LIMIT 1").await?;
    let status = last("SELECT CAST(status AS TEXT) FROM audit_log ORDER BY seq DESC LIMIT 1").await?;
    let actor = last("SELECT COALESCE(actor_email, '') FROM audit_log ORDER BY seq DESC LIMIT 1").await?;
    Ok((action, status.parse()?, actor))
}

/// Requests anyone can send to the admin API without a session: none is worth an entry.
async fn send_anonymous_noise(f: &Fixture) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    let url = |path: &str| format!("{}{path}", f.collector.url);
    let project = serde_json::to_value(project_input("Noise", &["*"])?)?;
    let export = url(&format!("/api/admin/responses?survey_id={}&format=csv", f.survey.id));
    let credentials = json!({ "email": "someone@example.com", "password": "a long enough password" });
    let requests = [
        (http.post(url("/api/admin/x")).json(&json!({})), StatusCode::NOT_FOUND),
        (http.get(url("/api/admin/x?format=csv")), StatusCode::NOT_FOUND),
        (http.get(export.clone()), StatusCode::UNAUTHORIZED),
        (http.get(export).bearer_auth("not-a-session"), StatusCode::UNAUTHORIZED),
        (http.post(url("/api/admin/projects")).json(&project), StatusCode::UNAUTHORIZED),
        (http.delete(url("/api/admin/users/1")).header("Cookie", "nps_session=forged"), StatusCode::UNAUTHORIZED),
        (http.request(Method::from_bytes(b"FLOOD")?, url("/api/admin/projects")), StatusCode::METHOD_NOT_ALLOWED),
        (http.post(url("/api/admin/bootstrap")).json(&credentials), StatusCode::CONFLICT),
        (http.post(url("/api/admin/session")).json(&json!({ "email": 1 })), StatusCode::UNPROCESSABLE_ENTITY),
        (http.post(url("/api/admin/password-resets/not-a-link")).json(&json!({ "password": "a long enough password" })), StatusCode::UNAUTHORIZED),
    ];
    for (request, expected) in requests {
        let (status, body) = reply(request).await?;
        assert_eq!(status, expected, "{body}");
    }
    Ok(())
}

async fn anonymous_requests_add_no_audit_entries(f: Fixture) -> anyhow::Result<()> {
    let before = audit_rows(&f).await?;
    send_anonymous_noise(&f).await?;
    assert_eq!(audit_rows(&f).await?, before, "anonymous requests were recorded");
    // A wrong password is still recorded (docs/security.md, protection 11).
    let wrong = json!({ "email": OWNER_EMAIL, "password": "not the password at all" });
    assert_eq!(post_json(&format!("{}/api/admin/session", f.collector.url), &wrong).await?.0, StatusCode::UNAUTHORIZED);
    assert_eq!(audit_rows(&f).await?, before + 1);
    assert_eq!(newest_entry(&f).await?, ("POST /api/admin/session".to_owned(), 401, String::new()));
    // A signed-in write is.
    let _: Value = f.admin.post("/api/admin/projects", &project_input("Recorded", &["*"])?).await?;
    assert_eq!(newest_entry(&f).await?, ("POST /api/admin/projects".to_owned(), 201, OWNER_EMAIL.to_owned()));
    // So is the use of a session after it was signed out: the token still names its user.
    f.admin.add_user("analyst@example.com", USER_PASSWORD, "analyst").await?;
    let token = session_token(&f.collector.url, "analyst@example.com", USER_PASSWORD).await?;
    let http = reqwest::Client::new();
    let (status, _) = reply(http.delete(format!("{}/api/admin/session", f.collector.url)).bearer_auth(&token)).await?;
    assert!(status.is_success(), "{status}");
    let (status, _) = reply(http.get(format!("{}/api/admin/users", f.collector.url)).bearer_auth(&token)).await?;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(newest_entry(&f).await?, ("GET /api/admin/users".to_owned(), 401, "analyst@example.com".to_owned()));
    Ok(())
}

/// A hosted answer that is not an answer gets the page (HTML, in the browser's language),
/// with this status.
async fn refused_with_the_page(request: reqwest::RequestBuilder, status: StatusCode) -> anyhow::Result<()> {
    let response = request.header("Accept-Language", "de-DE,de;q=0.9").send().await?;
    assert_eq!(response.status(), status);
    let content_type = response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let page = response.text().await?;
    assert!(content_type.starts_with("text/html"), "{content_type}: {page}");
    assert!(page.contains("<html lang=\"de\"") && page.contains("konnte nicht gelesen werden"), "{page}");
    Ok(())
}

async fn hosted_forms_take_what_their_page_allows(f: Fixture) -> anyhow::Result<()> {
    let survey = f.admin.create_live_survey(f.project.id, SurveyKind::Enps).await?;
    let fields = json!({ "survey_id": survey.id, "name": "Pulse", "anonymity": "confidential" });
    let campaign = f.admin.create_campaign(&fields, "email,name\na@corp.test,A\nb@corp.test,B\nc@corp.test,C\n").await?;
    let links = personal_links(&f.db.url, &f.collector.url, campaign["id"].as_i64().unwrap_or_default()).await?;
    let [(_, first), (_, second), (_, third)] = <[(String, String); 3]>::try_from(links).map_err(|l| anyhow::anyhow!("{l:?}"))?;
    // The page allows 5,000 characters: in Chinese that is 45,000 bytes URL-encoded.
    let long = "漢".repeat(5_000);
    let (status, page) = answer(&first, 8, &long).await?;
    assert_eq!(status, 200, "{}", page.chars().take(300).collect::<String>());
    let comments: Vec<Option<String>> = f.db.column("SELECT comment FROM responses WHERE comment IS NOT NULL").await?;
    assert_eq!(comments, [Some(long)]);
    // NUL cannot be stored: the form again, and the link still works.
    let (status, page) = answer(&second, 8, "fine\u{0}").await?;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("could not be read") && page.contains("<form"), "{page}");
    assert_eq!(answer(&second, 8, "fine\r\nthanks").await?.0, 200);
    let http = reqwest::Client::new();
    let oversized = [("score", "8".to_owned()), ("comment", "x".repeat(70_000))];
    refused_with_the_page(http.post(&third).form(&oversized), StatusCode::PAYLOAD_TOO_LARGE).await?;
    let json_body = http.post(&third).header(CONTENT_TYPE, "application/json").body(r#"{"score":"8"}"#);
    refused_with_the_page(json_body, StatusCode::UNSUPPORTED_MEDIA_TYPE).await?;
    assert_eq!(answer(&third, 9, "").await?.0, 200, "nothing was spent by the refusals");
    Ok(())
}
