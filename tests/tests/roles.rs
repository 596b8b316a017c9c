//! Roles are enforced by the collector, not only hidden in the UI.

use nps_core::wire::SurveyKind;
use nps_e2e::{Admin, World};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn each_role_reads_and_changes_only_what_it_may() -> anyhow::Result<()> {
    let World { dir: _dir, collector, admin: owner, project, survey: customer, .. } = World::start(SurveyKind::Tnps).await?;
    let employee = owner.create_live_survey(project.id, SurveyKind::Enps).await?;
    let partner = owner.create_live_survey(project.id, SurveyKind::Partner).await?;

    let analyst = owner.add_signed_in_user("analyst@x.io", "analyst").await?;
    let hr = owner.add_signed_in_user("hr@x.io", "hr").await?;
    let pm = owner.add_signed_in_user("pm@x.io", "partner_manager").await?;

    let status = |admin: &Admin, survey: i64| {
        let request = admin.http.get(format!("{}/api/admin/reports/nps?survey_id={survey}", admin.base));
        async move { request.send().await.map(|r| r.status()) }
    };
    // (who, survey, expected)
    let table = [
        (&owner, employee.id, StatusCode::OK),
        (&analyst, customer.id, StatusCode::OK),
        (&analyst, partner.id, StatusCode::OK),
        (&analyst, employee.id, StatusCode::FORBIDDEN),
        (&hr, employee.id, StatusCode::OK),
        (&hr, customer.id, StatusCode::FORBIDDEN),
        (&pm, partner.id, StatusCode::OK),
        (&pm, customer.id, StatusCode::FORBIDDEN),
        (&pm, employee.id, StatusCode::FORBIDDEN),
    ];
    for (who, survey, expected) in table {
        assert_eq!(status(who, survey).await?, expected, "survey {survey}");
    }
    // Rows obey the same rule, and employee NPS has none for anyone (aggregates only).
    let rows = |admin: &Admin, survey: i64| {
        let request = admin.http.get(format!("{}/api/admin/responses?survey_id={survey}", admin.base));
        async move { request.send().await.map(|r| r.status()) }
    };
    assert_eq!(rows(&analyst, customer.id).await?, StatusCode::OK);
    assert_eq!(rows(&hr, customer.id).await?, StatusCode::FORBIDDEN);
    assert_eq!(rows(&hr, employee.id).await?, StatusCode::FORBIDDEN);
    assert_eq!(rows(&owner, employee.id).await?, StatusCode::FORBIDDEN);

    // Only owners and admins configure; only owners add users.
    let create = analyst
        .http
        .post(format!("{}/api/admin/projects", collector.url))
        .header("X-CSRF-Token", &analyst.csrf)
        .json(&json!({ "name": "nope" }))
        .send()
        .await?;
    assert_eq!(create.status(), StatusCode::FORBIDDEN);
    // The analyst does not see the identity secret.
    let projects: Vec<nps_core::wire::Project> = analyst.get("/api/admin/projects").await?;
    assert!(projects.iter().all(|p| p.identity_secret.is_none()));

    // A cookie session without the CSRF token cannot change anything.
    let no_csrf = owner.http.post(format!("{}/api/admin/projects", collector.url)).json(&json!({ "name": "x" })).send().await?;
    assert_eq!(no_csrf.status(), StatusCode::FORBIDDEN);
    // Without a session: 401.
    let anonymous = reqwest::Client::new().get(format!("{}/api/admin/projects", collector.url)).send().await?;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    // A wrong password: 401 with the same message as an unknown user.
    let wrong = Admin::sign_in(&collector.url, "hr@x.io", "wrong password!!").await;
    assert!(wrong.is_err());
    Ok(())
}
