//! Bad input, table-driven: every case gets a 4xx JSON error with a code and a message naming
//! the problem; none gives a 5xx, a panic or a stored row.

use nps_e2e::{Admin, Collector, CollectorOptions, TestDatabase, new_id};
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};

struct Case {
    name: &'static str,
    path: String,
    body: Vec<u8>,
    content_type: &'static str,
    origin: Option<&'static str>,
    status: u16,
    code: &'static str,
    /// A word the message must contain (it names the problem).
    mentions: &'static str,
}

fn response_body(survey_id: i64, score: Value) -> Vec<u8> {
    json!({ "response_id": new_id(), "survey_id": survey_id, "user_id": "u1", "score": score }).to_string().into_bytes()
}

#[tokio::test]
async fn bad_input_is_refused_with_a_clear_json_error_and_nothing_is_stored() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let db = TestDatabase::sqlite(dir.path());
    let collector = Collector::start(CollectorOptions::new(dir.path().join("data"), db.url.clone())).await?;
    let admin = Admin::bootstrap(&collector.url).await?;
    let project = admin.create_project(&["https://app.example.com"]).await?;
    let other = admin.create_project(&["*"]).await?;
    let survey = admin.create_live_survey(project.id, nps_core::wire::SurveyKind::Tnps).await?;
    let other_survey = admin.create_live_survey(other.id, nps_core::wire::SurveyKind::Tnps).await?;
    let responses = format!("/v1/p/{}/responses", project.public_key);
    let sid = survey.id;
    let case = |name, body: Vec<u8>, status, code, mentions| Case {
        name,
        path: responses.clone(),
        body,
        content_type: "application/json",
        origin: None,
        status,
        code,
        mentions,
    };
    let cases = vec![
        case("score 11", response_body(sid, json!(11)), 422, "invalid_field", "score"),
        case("score -1", response_body(sid, json!(-1)), 422, "invalid_field", "score"),
        case("score as text", response_body(sid, json!("7")), 422, "invalid_field", "score"),
        case("fractional score", response_body(sid, json!(7.5)), 422, "invalid_field", "score"),
        case("null score", response_body(sid, Value::Null), 422, "invalid_field", "score"),
        case(
            "missing score",
            json!({ "response_id": new_id(), "survey_id": sid, "user_id": "u1" }).to_string().into_bytes(),
            422,
            "invalid_field",
            "score",
        ),
        case(
            "missing user",
            json!({ "response_id": new_id(), "survey_id": sid, "score": 5 }).to_string().into_bytes(),
            422,
            "invalid_field",
            "user_id",
        ),
        case(
            "empty response id",
            json!({ "response_id": "", "survey_id": sid, "user_id": "u1", "score": 5 }).to_string().into_bytes(),
            422,
            "invalid_field",
            "response_id",
        ),
        case("unknown survey", response_body(999_999, json!(5)), 404, "unknown_survey", "survey"),
        case("survey of another project", response_body(other_survey.id, json!(5)), 404, "unknown_survey", "survey"),
        case("invalid JSON", b"{\"score\": 5,".to_vec(), 422, "invalid_json", "JSON"),
        case("empty body", Vec::new(), 422, "invalid_json", "empty"),
        case("JSON array", b"[1,2,3]".to_vec(), 422, "invalid_json", "object"),
        Case { content_type: "application/x-www-form-urlencoded", ..case("wrong content type", b"score=5".to_vec(), 415, "unsupported_media_type", "application/json") },
        case("10 MB body", vec![b' '; 10 * 1024 * 1024], 413, "payload_too_large", "bytes"),
        Case { origin: Some("https://evil.example.net"), ..case("disallowed origin", response_body(sid, json!(5)), 403, "origin_not_allowed", "origin") },
        Case { path: "/v1/p/pk_doesnotexist/responses".into(), ..case("unknown project key", response_body(sid, json!(5)), 404, "unknown_project", "key") },
        Case {
            path: format!("/v1/p/{}/responses/{}/complete", project.public_key, new_id()),
            ..case(
                "over-long comment",
                json!({ "survey_id": sid, "user_id": "u1", "comment": "x".repeat(5_001) }).to_string().into_bytes(),
                422,
                "invalid_field",
                "comment",
            )
        },
        Case {
            path: format!("/v1/p/{}/identify", project.public_key),
            ..case(
                "forged identity token",
                json!({ "user_id": "u1", "identity_token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSIsImV4cCI6OTk5OTk5OTk5OX0.c2lnbmF0dXJl" })
                    .to_string()
                    .into_bytes(),
                401,
                "identity_invalid",
                "identity_token",
            )
        },
        Case {
            path: format!("/v1/p/{}/identify", project.public_key),
            ..case(
                "expired identity token",
                json!({ "user_id": "u1", "identity_token": expired_token(project.identity_secret.as_deref().unwrap_or_default())? })
                    .to_string()
                    .into_bytes(),
                401,
                "identity_expired",
                "expired",
            )
        },
    ];

    let http = reqwest::Client::new();
    let mut failures = Vec::new();
    for c in &cases {
        let mut request = http.post(format!("{}{}", collector.url, c.path)).header(CONTENT_TYPE, c.content_type).body(c.body.clone());
        if let Some(origin) = c.origin {
            request = request.header("Origin", origin);
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let code = body["code"].as_str().unwrap_or("<none>");
        let message = body["message"].as_str().unwrap_or("");
        if status != c.status || code != c.code || !message.to_lowercase().contains(&c.mentions.to_lowercase()) {
            failures.push(format!("{}: got {status} {code} {message:?}, expected {} {} mentioning {:?}", c.name, c.status, c.code, c.mentions));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // Nothing above was stored, and the collector is still healthy.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(admin.responses(sid).await?.is_empty());
    let health = http.get(format!("{}/healthz", collector.url)).send().await?;
    assert_eq!(health.status().as_u16(), 200);
    assert!(!collector.log().contains("panicked"), "the collector panicked:\n{}", collector.log());
    Ok(())
}

fn expired_token(secret: &str) -> anyhow::Result<String> {
    let claims = json!({ "sub": "u1", "exp": chrono_like_now() - 3600 });
    Ok(jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )?)
}

fn chrono_like_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}
