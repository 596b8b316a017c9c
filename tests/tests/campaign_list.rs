//! `GET /api/admin/campaigns?survey_id=..`: a survey's campaigns, newest first, for the roles
//! that may run campaigns of that survey's kind.

use nps_core::wire::{AdminRole, Campaign, NewAdminUser, SurveyKind};
use nps_e2e::{Admin, World};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn a_surveys_campaigns_are_listed_newest_first_for_the_roles_that_run_them() -> anyhow::Result<()> {
    let world = World::start(SurveyKind::Enps).await?;
    let owner = &world.admin;
    let survey = world.survey.id;
    let other = owner.create_live_survey(world.project.id, SurveyKind::Enps).await?;
    let mut created = Vec::new();
    for name in ["Spring pulse", "Summer pulse"] {
        let c: Campaign = owner.post("/api/admin/campaigns", &json!({ "survey_id": survey, "name": name, "anonymity": "anonymous" })).await?;
        created.push(c.id);
    }
    let _: Campaign = owner.post("/api/admin/campaigns", &json!({ "survey_id": other.id, "name": "Elsewhere", "anonymity": "anonymous" })).await?;

    let listed: Vec<Campaign> = owner.get(&format!("/api/admin/campaigns?survey_id={survey}")).await?;
    let names: Vec<&str> = listed.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Summer pulse", "Spring pulse"]);
    assert!(listed.iter().all(|c| c.survey_id == survey && created.contains(&c.id)));

    // Creating a campaign still works on the same path (POST), and HR reads eNPS campaigns.
    let password = "a long enough password";
    for (email, role) in [("hr@x.io", AdminRole::Hr), ("analyst@x.io", AdminRole::Analyst)] {
        let _: Value = owner.post("/api/admin/users", &NewAdminUser { email: email.parse()?, password: password.into(), role }).await?;
    }
    let hr = Admin::sign_in(&world.collector.url, "hr@x.io", password).await?;
    let seen: Vec<Campaign> = hr.get(&format!("/api/admin/campaigns?survey_id={survey}")).await?;
    assert_eq!(seen.len(), 2);
    let analyst = Admin::sign_in(&world.collector.url, "analyst@x.io", password).await?;
    let refused = analyst.http.get(format!("{}/api/admin/campaigns?survey_id={survey}", world.collector.url)).send().await?;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let missing = owner.http.get(format!("{}/api/admin/campaigns?survey_id=999999", world.collector.url)).send().await?;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    Ok(())
}
