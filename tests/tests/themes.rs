//! Reading the comments over HTTP: the project's editable taxonomy (validated), and the themes
//! report (counts by band and month, sentiment, detractor lift) on the stored answers.

use nps_core::wire::SurveyKind;
use nps_e2e::{World, new_id, wait_drained};
use serde_json::{Value, json};

async fn answer(w: &World, user: &str, score: u8, comment: &str) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    let base = w.client_base();
    let id = new_id();
    let body = json!({ "response_id": id, "survey_id": w.survey.id, "user_id": user, "score": score });
    anyhow::ensure!(http.post(format!("{base}/responses")).json(&body).send().await?.status() == 202);
    let body = json!({ "survey_id": w.survey.id, "user_id": user, "comment": comment });
    anyhow::ensure!(http.post(format!("{base}/responses/{id}/complete")).json(&body).send().await?.status() == 202);
    Ok(())
}

#[tokio::test]
async fn an_edited_taxonomy_tags_the_comments_of_the_themes_report() -> anyhow::Result<()> {
    let w = World::start(SurveyKind::Tnps).await?;
    let taxonomy_path = format!("/api/admin/projects/{}/taxonomy", w.project.id);

    // The default taxonomy until edited.
    let default: Value = w.admin.get(&taxonomy_path).await?;
    let names: Vec<&str> = default["themes"].as_array().into_iter().flatten().filter_map(|t| t["name"].as_str()).collect();
    for expected in ["usability", "performance", "bugs", "pricing", "support", "features", "onboarding", "integrations", "documentation", "reliability"] {
        assert!(names.contains(&expected), "{expected} missing from {names:?}");
    }

    // A bad taxonomy is refused with the problem named; a good one is stored.
    let bad = w.admin.http.put(format!("{}{taxonomy_path}", w.admin.base)).header("X-CSRF-Token", &w.admin.csrf)
        .json(&json!({ "themes": [{ "name": "", "keywords": ["x"] }] })).send().await?;
    assert_eq!(bad.status().as_u16(), 422);
    let bad: Value = bad.json().await?;
    assert!(bad["message"].as_str().is_some_and(|m| m.contains("taxonomy")), "{bad}");
    let taxonomy = json!({ "themes": [
        { "name": "exports", "keywords": ["export*", "csv"] },
        { "name": "speed", "keywords": ["slow", "lag*"] },
    ] });
    let stored = w.admin.http.put(format!("{}{taxonomy_path}", w.admin.base)).header("X-CSRF-Token", &w.admin.csrf).json(&taxonomy).send().await?;
    assert_eq!(stored.status().as_u16(), 200);

    answer(&w, "d1", 2, "Exports are slow and the CSV is broken").await?;
    answer(&w, "d2", 4, "Exporting takes ages, terrible").await?;
    answer(&w, "d3", 1, "Everything lags").await?;
    answer(&w, "p1", 10, "I love the CSV exports").await?;
    answer(&w, "p2", 9, "Great product, thank you").await?;
    wait_drained(&w.collector.url).await?;

    let report: Value = w.admin.get(&format!("/api/admin/reports/themes?survey_id={}", w.survey.id)).await?;
    assert_eq!(report["comments"], 5, "{report}");
    let theme = |name: &str| report["themes"].as_array().and_then(|t| t.iter().find(|r| r["theme"] == name)).cloned().unwrap_or_default();
    let exports = theme("exports");
    assert_eq!(exports["comments"], 3, "{exports}");
    assert_eq!((exports["by_band"]["detractors"].as_u64(), exports["by_band"]["promoters"].as_u64()), (Some(2), Some(1)), "{exports}");
    let speed = theme("speed");
    assert_eq!(speed["comments"], 2, "{speed}");
    assert!(speed["mean_sentiment"].as_f64().is_some_and(|s| s < 0.0), "slow and lagging read as negative: {speed}");
    let months: u64 = exports["trend"].as_object().into_iter().flatten().filter_map(|(_, n)| n.as_u64()).sum();
    assert_eq!(months, 3, "the trend counts the same comments: {exports}");
    // Speed is raised only by detractors: its lift is above 1.
    let lift = report["lift"].as_array().and_then(|l| l.iter().find(|r| r["theme"] == "speed")).cloned().unwrap_or_default();
    assert!(lift["lift"].as_f64().is_some_and(|l| l > 1.0), "{lift}");
    assert_eq!(lift["detractors_with"], 2);
    Ok(())
}
