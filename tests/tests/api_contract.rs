//! The OpenAPI document as the contract (docs/api-contract.md): what the running collector
//! answers matches what the document says, for the rules that hold for every operation. The
//! full property-based check is `cargo xtask contract`; these pin the shared machinery.

use nps_core::wire::SurveyKind;
use nps_e2e::{World, new_id};
use serde_json::{Value, json};

#[tokio::test]
async fn a_method_a_documented_path_lacks_gets_405_with_allow_and_a_json_error() -> anyhow::Result<()> {
    let World { dir: _dir, collector, project, .. } = World::start(SurveyKind::Tnps).await?;
    let http = reqwest::Client::new();
    for (method, path, allow) in [
        (reqwest::Method::PATCH, "/api/admin/projects".to_owned(), "GET, POST"),
        (reqwest::Method::DELETE, format!("/api/admin/projects/{}", project.id), "GET, PUT"),
        (reqwest::Method::GET, format!("/v1/p/{}/responses", project.public_key), "POST"),
    ] {
        let response = http.request(method.clone(), format!("{}{path}", collector.url)).send().await?;
        assert_eq!(response.status(), 405, "{method} {path}");
        assert_eq!(response.headers().get("allow").and_then(|v| v.to_str().ok()), Some(allow), "{method} {path}");
        let body: Value = response.json().await?;
        assert_eq!(body["code"], "method_not_allowed", "{method} {path}: {body}");
    }
    // A path the document does not have stays a 404.
    let unknown = http.patch(format!("{}/api/admin/nothing-here", collector.url)).send().await?;
    assert_eq!(unknown.status(), 404);
    Ok(())
}

#[tokio::test]
async fn every_admin_operation_declares_its_session_and_the_public_ones_do_not() -> anyhow::Result<()> {
    let World { dir: _dir, collector, .. } = World::start(SurveyKind::Tnps).await?;
    let doc: Value = reqwest::get(format!("{}/openapi.json", collector.url)).await?.json().await?;
    let public = ["POST /api/admin/bootstrap", "POST /api/admin/session", "POST /api/admin/invitations/accept"];
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, operation) in item.as_object().into_iter().flatten() {
            let label = format!("{} {path}", method.to_uppercase());
            let open = operation["security"].as_array().is_some_and(|s| s.iter().any(|r| r.as_object().is_some_and(|o| o.is_empty())));
            if public.contains(&label.as_str()) {
                assert!(open, "{label} is public but declares a session");
            } else if path.starts_with("/api/admin/") && !open {
                assert!(operation["responses"]["401"].is_object(), "{label} needs a session but does not declare 401");
                checked += 1;
            }
            if operation["requestBody"].is_object() {
                for status in ["413", "415", "422"] {
                    assert!(operation["responses"][status].is_object(), "{label} reads a body but does not declare {status}");
                }
            }
        }
    }
    assert!(checked > 50, "only {checked} admin operations found");
    Ok(())
}

#[tokio::test]
async fn a_whole_number_written_as_a_float_is_an_integer() -> anyhow::Result<()> {
    let World { dir: _dir, collector, project, survey, .. } = World::start(SurveyKind::Tnps).await?;
    let url = format!("{}/v1/p/{}/responses", collector.url, project.public_key);
    let http = reqwest::Client::new();
    let whole = json!({ "response_id": new_id(), "survey_id": survey.id, "user_id": "u1", "score": 9.0 });
    assert_eq!(http.post(&url).json(&whole).send().await?.status(), 202);
    let fraction = json!({ "response_id": new_id(), "survey_id": survey.id, "user_id": "u1", "score": 9.5 });
    let refused = http.post(&url).json(&fraction).send().await?;
    assert_eq!(refused.status(), 422);
    let body: Value = refused.json().await?;
    assert!(body["message"].as_str().is_some_and(|m| m.starts_with("score")), "{body}");
    Ok(())
}

/// The OpenAPI document's `type: integer` query parameters take `1.0` too, as JSON Schema counts
/// it an integer; a fraction is refused naming the parameter.
#[tokio::test]
async fn a_whole_decimal_query_parameter_is_an_integer() -> anyhow::Result<()> {
    let World { dir: _dir, collector: _collector, admin, survey, .. } = World::start(SurveyKind::Tnps).await?;
    for path in [format!("/api/admin/reports/exclusions?survey_id={}.0", survey.id), format!("/api/admin/reports/nps?survey_id={}&from=0.0&to=1e15", survey.id)] {
        let response = admin.http.get(format!("{}{path}", admin.base)).send().await?;
        assert_eq!(response.status(), 200, "{path}: {}", response.text().await?);
    }
    let refused = admin.http.get(format!("{}/api/admin/reports/exclusions?survey_id={}.5", admin.base, survey.id)).send().await?;
    assert_eq!(refused.status(), 422);
    nps_e2e::assert_error(&refused.json().await?, "invalid_field", "survey_id");
    Ok(())
}

/// The client API's strings are parsed into types whose limits the document states once:
/// each request field names the type's schema, and the schema carries the rule the type
/// enforces.
#[tokio::test]
async fn client_request_strings_carry_their_limits_in_the_document() -> anyhow::Result<()> {
    let World { dir: _dir, collector, .. } = World::start(SurveyKind::Tnps).await?;
    let doc: Value = reqwest::get(format!("{}/openapi.json", collector.url)).await?.json().await?;
    let schemas = &doc["components"]["schemas"];
    let resolve = |field: &Value| -> Value {
        // An optional field is `oneOf: [null, $ref]`.
        let options = field["oneOf"].as_array().cloned().unwrap_or_default();
        let reference = field["$ref"].as_str().or_else(|| options.iter().find_map(|o| o["$ref"].as_str())).unwrap_or_default();
        schemas[reference.trim_start_matches("#/components/schemas/")].clone()
    };
    for (request, field, max) in [
        ("DisplayRequest", "user_id", 128),
        ("ResponseRequest", "response_id", 128),
        ("DecideRequest", "display_id", 128),
        ("DecideRequest", "url", 2048),
        ("ResponseRequest", "language", 35),
        ("CompleteRequest", "comment", 5000),
    ] {
        let schema = resolve(&schemas[request]["properties"][field]);
        assert_eq!(schema["maxLength"], max, "{request}.{field}: {schema}");
    }
    let id = resolve(&schemas["IdentifyRequest"]["properties"]["user_id"]);
    assert_eq!(id["minLength"], 1, "{id}");
    assert!(id["pattern"].as_str().is_some_and(|p| p.contains(r"\x00-\x1F")), "{id}");
    assert_eq!(resolve(&schemas["DisplayRequest"]["properties"]["sampling_rate_bp"])["maximum"], 10000);
    Ok(())
}
