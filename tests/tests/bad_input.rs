//! Bad input, table-driven: every case gets a 4xx JSON error with a code and a message naming
//! the problem; none gives a 5xx, a panic or a stored row.

use nps_e2e::tokens::sign as sign_identity;
use nps_e2e::{Backend, Installation, new_id, now_secs};
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

impl Case {
    /// A JSON body posted from no particular origin.
    fn new(name: &'static str, path: &str, body: Vec<u8>, status: u16, code: &'static str, mentions: &'static str) -> Self {
        Case { name, path: path.to_owned(), body, content_type: "application/json", origin: None, status, code, mentions }
    }
}

/// Answers that are not answers: the score, the ids, the JSON itself.
fn malformed_answers(responses: &str, sid: i64) -> Vec<Case> {
    let case = |name, body, status, code, mentions| Case::new(name, responses, body, status, code, mentions);
    vec![
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
        case("invalid JSON", b"{\"score\": 5,".to_vec(), 422, "invalid_json", "JSON"),
        case("empty body", Vec::new(), 422, "invalid_json", "empty"),
        case("JSON array", b"[1,2,3]".to_vec(), 422, "invalid_json", "object"),
    ]
}

/// Requests refused for where they go or how they come: surveys of other projects, content
/// type, size, origin, project keys, identity tokens.
fn misdirected_requests(public_key: &str, identity_secret: &str, sid: i64, other_sid: i64) -> anyhow::Result<Vec<Case>> {
    let responses = format!("/v1/p/{public_key}/responses");
    let case = |name, body, status, code, mentions| Case::new(name, &responses, body, status, code, mentions);
    Ok(vec![
        case("unknown survey", response_body(999_999, json!(5)), 404, "unknown_survey", "survey"),
        case("survey of another project", response_body(other_sid, json!(5)), 404, "unknown_survey", "survey"),
        Case { content_type: "application/x-www-form-urlencoded", ..case("wrong content type", b"score=5".to_vec(), 415, "unsupported_media_type", "application/json") },
        case("10 MB body", vec![b' '; 10 * 1024 * 1024], 413, "payload_too_large", "bytes"),
        Case { origin: Some("https://evil.example.net"), ..case("disallowed origin", response_body(sid, json!(5)), 403, "origin_not_allowed", "origin") },
        Case { path: "/v1/p/pk_doesnotexist/responses".into(), ..case("unknown project key", response_body(sid, json!(5)), 404, "unknown_project", "key") },
        Case {
            path: format!("/v1/p/{}/responses/{}/complete", public_key, new_id()),
            ..case(
                "over-long comment",
                json!({ "survey_id": sid, "user_id": "u1", "comment": "x".repeat(5_001) }).to_string().into_bytes(),
                422,
                "invalid_field",
                "comment",
            )
        },
        Case {
            path: format!("/v1/p/{}/identify", public_key),
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
            path: format!("/v1/p/{}/identify", public_key),
            ..case(
                "expired identity token",
                json!({ "user_id": "u1", "identity_token": expired_token(identity_secret)? })
                    .to_string()
                    .into_bytes(),
                401,
                "identity_expired",
                "expired",
            )
        },
    ])
}

/// Identities whose parts break a rule of their type, sent in the clear or signed: each is
/// named by its path (the signed claims used to be checked by hand in the handler).
fn bad_identities(public_key: &str, identity_secret: &str) -> anyhow::Result<Vec<Case>> {
    let identify = format!("/v1/p/{public_key}/identify");
    let case = |name, body: Value, mentions| Case::new(name, &identify, body.to_string().into_bytes(), 422, "invalid_field", mentions);
    let in_one_hour = now_secs() + 3600;
    let signed = |claims: Value| sign_identity(identity_secret, &claims);
    let many_keys: serde_json::Map<String, Value> = (0..101).map(|i| (format!("k{i}"), json!(i))).collect();
    Ok(vec![
        case("attribute key too long", json!({ "user_id": "u1", "attributes": { "k".repeat(129): 1 } }), "attributes"),
        case("account attributes too large", json!({ "user_id": "u1", "account": { "id": "acme", "attributes": { "notes": "x".repeat(17_000) } } }), "account.attributes"),
        case(
            "signed account empty",
            json!({ "user_id": "u1", "identity_token": signed(json!({ "sub": "u1", "exp": in_one_hour, "account": "" }))? }),
            "identity_token.account",
        ),
        case(
            "signed account attributes with 101 keys",
            json!({ "user_id": "u1", "identity_token": signed(json!({ "sub": "u1", "exp": in_one_hour, "account": "acme", "account_attributes": many_keys }))? }),
            "identity_token.account_attributes",
        ),
    ])
}

/// Admin bodies that break a rule of a shared type (`nps_core::wire`): the collector refuses
/// what the admin app refuses, naming the field.
fn bad_admin_bodies(project_id: i64) -> Vec<Case> {
    let case = |name, path: String, body: Value, mentions| Case::new(name, &path, body.to_string().into_bytes(), 422, "invalid_field", mentions);
    let survey = |colour: &str| {
        json!({ "name": "s", "kind": "tnps", "definition": { "appearance": { "placement": "centre", "theme": "auto", "brand_colour": colour } } })
    };
    vec![
        case("brand colour not hex", format!("/api/admin/projects/{project_id}/surveys"), survey("red"), "brand_colour"),
        case("brand colour escaping its rule", format!("/api/admin/projects/{project_id}/surveys"), survey("#fff;}body{"), "brand_colour"),
        case("empty partner id", format!("/api/admin/projects/{project_id}/partners"), json!({ "partners": [{ "id": "", "name": "P" }] }), "partners[0].id"),
        case("long partner name", format!("/api/admin/projects/{project_id}/partners"), json!({ "partners": [{ "id": "p", "name": "n".repeat(201) }] }), "partners[0].name"),
        case("long follow-up note", "/api/admin/followups/r1".to_owned(), json!({ "status": "contacted", "note": "n".repeat(5_001) }), "note"),
        case(
            "action citing an empty response id",
            "/api/admin/actions".to_owned(),
            json!({ "project_id": project_id, "title": "t", "decision": "d", "decided_at": 0, "response_ids": [""] }),
            "response_ids[0]",
        ),
        case(
            "action title of spaces",
            "/api/admin/actions".to_owned(),
            json!({ "project_id": project_id, "title": " \u{3000} ", "decision": "d", "decided_at": 0 }),
            "title",
        ),
        case("survey name of spaces", format!("/api/admin/projects/{project_id}/surveys"), json!({ "name": "\t", "kind": "tnps" }), "name"),
        case("origin with a path", "/api/admin/projects".to_owned(), json!({ "name": "p", "allowed_origins": ["https://app.example.com/app"] }), "allowed_origins[0]"),
        case(
            "long webhook description",
            format!("/api/admin/projects/{project_id}/webhooks"),
            json!({ "url": "https://hooks.example.com/x", "events": ["response.created"], "description": "d".repeat(501) }),
            "description",
        ),
    ]
}

/// What each case got that it should not have.
async fn failures_of(http: &reqwest::Client, base: &str, csrf: Option<&str>, cases: &[Case]) -> anyhow::Result<Vec<String>> {
    let mut failures = Vec::new();
    for c in cases {
        let mut request = http.post(format!("{base}{}", c.path)).header(CONTENT_TYPE, c.content_type).body(c.body.clone());
        if let Some(csrf) = csrf {
            request = request.header("X-CSRF-Token", csrf);
        }
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
    Ok(failures)
}

#[tokio::test]
async fn bad_input_is_refused_with_a_clear_json_error_and_nothing_is_stored() -> anyhow::Result<()> {
    let Installation { dir: _dir, collector, owner: admin, .. } = Installation::start(Backend::Sqlite).await?;
    let project = admin.create_project(&["https://app.example.com"]).await?;
    let other = admin.create_project(&["*"]).await?;
    let survey = admin.create_live_survey(project.id, nps_core::wire::SurveyKind::Tnps).await?;
    let other_survey = admin.create_live_survey(other.id, nps_core::wire::SurveyKind::Tnps).await?;
    let sid = survey.id;
    let mut cases = malformed_answers(&format!("/v1/p/{}/responses", project.public_key), sid);
    let secret = project.identity_secret.as_deref().unwrap_or_default();
    cases.extend(misdirected_requests(&project.public_key, secret, sid, other_survey.id)?);
    cases.extend(bad_identities(&project.public_key, secret)?);

    let http = reqwest::Client::new();
    let mut failures = failures_of(&http, &collector.url, None, &cases).await?;
    failures.extend(failures_of(&admin.http, &collector.url, Some(&admin.csrf), &bad_admin_bodies(project.id)).await?);
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
    sign_identity(secret, &json!({ "sub": "u1", "exp": now_secs() - 3600 }))
}
