//! `GET /api/admin/projects/{id}/followup-policy`: the default until one is set, then what was
//! saved; owners and admins only.

use nps_core::wire::{AdminRole, NewAdminUser, SurveyKind};
use nps_e2e::{Admin, World};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn the_followup_policy_reads_back_as_saved() -> anyhow::Result<()> {
    let world = World::start(SurveyKind::Tnps).await?;
    let path = format!("/api/admin/projects/{}/followup-policy", world.project.id);
    let default: Value = world.admin.get(&path).await?;
    assert_eq!(default, json!({ "bands": ["detractor"], "sla_hours": 48, "owner_attribute": null, "team": [], "default_owner": null }));

    let policy = json!({ "bands": ["detractor", "passive"], "sla_hours": 24, "owner_attribute": "csm", "team": ["a@x.io"], "default_owner": "lead@x.io" });
    let response = world.admin.http.put(format!("{}{path}", world.collector.url)).header("X-CSRF-Token", &world.admin.csrf).json(&policy).send().await?;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(world.admin.get::<Value>(&path).await?, policy);

    let _: Value = world.admin.post("/api/admin/users", &NewAdminUser { email: "an@x.io".parse()?, password: "a long enough password".into(), role: AdminRole::Analyst }).await?;
    let analyst = Admin::sign_in(&world.collector.url, "an@x.io", "a long enough password").await?;
    assert_eq!(analyst.http.get(format!("{}{path}", world.collector.url)).send().await?.status(), StatusCode::FORBIDDEN);
    let missing = world.admin.http.get(format!("{}/api/admin/projects/999999/followup-policy", world.collector.url)).send().await?;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    Ok(())
}
