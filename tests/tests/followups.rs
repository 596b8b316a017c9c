//! Closing the loop over HTTP: detractors get follow-ups routed round robin, status changes
//! record the first contact, and the loop metrics follow.

use nps_core::wire::SurveyKind;
use nps_e2e::{World, new_id, wait_drained};
use serde_json::{Value, json};

#[tokio::test]
async fn detractors_get_routed_follow_ups_and_the_loop_metrics_follow() -> anyhow::Result<()> {
    let World { dir: _dir, collector, admin, project, survey, .. } = World::start(SurveyKind::Tnps).await?;
    let policy = json!({ "bands": ["detractor"], "sla_hours": 48, "team": ["ann@x.io", "bob@x.io"] });
    let response = admin
        .http
        .put(format!("{}/api/admin/projects/{}/followup-policy", collector.url, project.id))
        .header("X-CSRF-Token", &admin.csrf)
        .json(&policy)
        .send()
        .await?;
    assert_eq!(response.status().as_u16(), 200);

    let http = reqwest::Client::new();
    let answer = |user: &str, score: i64| json!({ "response_id": new_id(), "survey_id": survey.id, "user_id": user, "score": score });
    for (user, score) in [("d1", 2), ("d2", 5), ("d3", 0), ("p1", 10)] {
        let url = format!("{}/v1/p/{}/responses", collector.url, project.public_key);
        assert_eq!(http.post(&url).json(&answer(user, score)).send().await?.status().as_u16(), 202);
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    }
    wait_drained(&collector.url).await?;

    let queue: Vec<Value> = admin.get(&format!("/api/admin/followups?project_id={}", project.id)).await?;
    assert_eq!(queue.len(), 3, "one per detractor, none for the promoter");
    let owners: Vec<&str> = queue.iter().filter_map(|f| f["owner"].as_str()).collect();
    assert_eq!(owners.iter().filter(|o| **o == "ann@x.io").count(), 2, "{owners:?}");
    assert_eq!(owners.iter().filter(|o| **o == "bob@x.io").count(), 1, "{owners:?}");
    assert!(queue.iter().all(|f| f["status"] == "new" && f["overdue"] == false));
    let due = queue[0]["due_at"].as_i64().unwrap_or(0) - queue[0]["created_at"].as_i64().unwrap_or(0);
    assert_eq!(due, 48 * 3_600_000);
    // Asking again creates nothing new.
    let again: Vec<Value> = admin.get(&format!("/api/admin/followups?project_id={}", project.id)).await?;
    assert_eq!(again.len(), 3);

    let first = queue[0]["response_id"].as_str().unwrap_or_default();
    let updated: Value = admin
        .post(&format!("/api/admin/followups/{first}"), &json!({ "status": "contacted", "note": "Called, will fix export" }))
        .await?;
    assert_eq!(updated["status"], "contacted");
    assert!(updated["first_contact_at"].as_i64().is_some());

    // d1 answers again, now as a promoter: recovered.
    let url = format!("{}/v1/p/{}/responses", collector.url, project.public_key);
    assert_eq!(http.post(&url).json(&answer("d1", 9)).send().await?.status().as_u16(), 202);
    wait_drained(&collector.url).await?;
    let metrics: Value = admin.get(&format!("/api/admin/reports/loop?project_id={}", project.id)).await?;
    // Only the contacted one is due so far (the others have 48 h left), and it was on time.
    assert_eq!((metrics["detractors_due"].as_u64(), metrics["contacted_within_sla"].as_u64()), (Some(1), Some(1)));
    assert_eq!(metrics["closure_rate"], json!(1.0));
    assert_eq!((metrics["detractors_with_next_answer"].as_u64(), metrics["recovered"].as_u64()), (Some(1), Some(1)));
    assert_eq!(metrics["overdue"], 0);
    Ok(())
}
