//! Report correctness: with 10,000 generated answers, the report's NPS, interval, segment
//! figures and significance flags equal an independent computation from the raw data with the
//! formulas of `shared/reference/nps-statistics.md` (written out again here, not taken from
//! `nps-core`).

use futures::StreamExt;
use nps_core::wire::SurveyKind;
use nps_e2e::{Admin, World, new_id, wait_drained};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const Z: f64 = 1.959964;

/// (promoters, passives, detractors) → (raw NPS, low, high), adjusted-Wald.
fn reference_interval(p: f64, pa: f64, d: f64) -> (f64, f64, f64) {
    let n = p + pa + d;
    let raw = 100.0 * (p - d) / n;
    let n2 = n + 3.0;
    let (p2, d2) = ((p + 0.75) / n2, (d + 0.75) / n2);
    let se = 100.0 * ((p2 + d2 - (p2 - d2).powi(2)) / n2).sqrt();
    let centre = 100.0 * (p2 - d2);
    (raw, (centre - Z * se).max(-100.0), (centre + Z * se).min(100.0))
}

/// Two-sample z of A against B, each adjusted.
fn reference_z(a: (f64, f64, f64), b: (f64, f64, f64)) -> f64 {
    let adjusted = |(p, pa, d): (f64, f64, f64)| {
        let n2 = p + pa + d + 3.0;
        let (p2, d2) = ((p + 0.75) / n2, (d + 0.75) / n2);
        (p2 - d2, (p2 + d2 - (p2 - d2).powi(2)) / n2)
    };
    let ((ca, va), (cb, vb)) = (adjusted(a), adjusted(b));
    (ca - cb) / (va + vb).sqrt()
}

fn bands(scores: &[i64]) -> (f64, f64, f64) {
    let count = |f: fn(&i64) -> bool| scores.iter().filter(|s| f(s)).count() as f64;
    (count(|s| *s >= 9), count(|s| (7..=8).contains(s)), count(|s| *s <= 6))
}

fn close(actual: &Value, expected: f64) -> bool {
    actual.as_f64().is_some_and(|a| (a - expected).abs() < 1e-6)
}

#[tokio::test]
async fn ten_thousand_answers_report_exactly_what_the_formulas_say() -> anyhow::Result<()> {
    let World { dir: _dir, collector, admin, project, survey, .. } = World::start(SurveyKind::Tnps).await?;
    let base = format!("{}/v1/p/{}", collector.url, project.public_key);
    let http = reqwest::Client::new();

    // 400 users on three plans; "enterprise" users are happier, "free" ones less so.
    let plans = ["free", "pro", "enterprise"];
    for u in 0..400 {
        let body = json!({ "user_id": format!("u{u}"), "attributes": { "plan": plans[u % 3] } });
        http.post(format!("{base}/identify")).json(&body).send().await?.error_for_status()?;
    }
    wait_drained(&collector.url).await?;
    let answers = generated_answers(&plans);
    let failures = futures::stream::iter(answers.iter())
        .map(|(user, _, score)| {
            let body = json!({ "response_id": new_id(), "survey_id": survey.id, "user_id": user, "score": score });
            let request = http.post(format!("{base}/responses")).json(&body).send();
            async move { request.await.map(|r| r.status().as_u16() == 202).unwrap_or(false) }
        })
        .buffer_unordered(32)
        .filter(|ok| std::future::ready(!ok))
        .count()
        .await;
    assert_eq!(failures, 0);
    wait_drained(&collector.url).await?;

    let all: Vec<i64> = answers.iter().map(|(_, _, s)| *s).collect();
    let (raw, low, high) = { let (p, pa, d) = bands(&all); reference_interval(p, pa, d) };
    let report: Value = admin.get(&format!("/api/admin/reports/nps?survey_id={}", survey.id)).await?;
    let overall = &report["overall"];
    assert_eq!(overall["n"], json!(10_000));
    assert!(close(&overall["nps"], raw), "{} vs {raw}", overall["nps"]);
    assert!(close(&overall["interval"]["low"], low) && close(&overall["interval"]["high"], high), "{overall}");

    segments_match_the_formulas(&admin, survey.id, &answers, &plans).await?;

    // Dedupe: each of the 400 users counts once, with their latest answer (answers were sent
    // concurrently, so "latest" is decided by the stored order, read back from the rows).
    let deduped: Value = admin.get(&format!("/api/admin/reports/nps?survey_id={}&counting=latest_per_user", survey.id)).await?;
    assert_eq!(deduped["overall"]["n"], json!(400));
    assert_eq!(deduped["counting"], "latest_per_user_in_window");
    let rows = admin.responses(survey.id).await?;
    let mut latest: BTreeMap<&str, (i64, &str, u8)> = BTreeMap::new();
    for r in &rows {
        let entry = latest.entry(r.user_id.as_str()).or_insert((r.created_at, r.id.as_str(), r.score.unwrap_or(0)));
        if (r.created_at, r.id.as_str()) > (entry.0, entry.1) {
            *entry = (r.created_at, r.id.as_str(), r.score.unwrap_or(0));
        }
    }
    let latest_scores: Vec<i64> = latest.values().map(|(_, _, s)| i64::from(*s)).collect();
    let (raw, _, _) = { let (p, pa, d) = bands(&latest_scores); reference_interval(p, pa, d) };
    assert!(close(&deduped["overall"]["nps"], raw), "{} vs {raw}", deduped["overall"]["nps"]);
    Ok(())
}

/// 10,000 answers of 400 users (user `i` on plan `i % 3`), each plan biased: (user, plan, score).
fn generated_answers<'a>(plans: &[&'a str; 3]) -> Vec<(String, &'a str, i64)> {
    let mut seed: u64 = 42;
    let mut answers = Vec::new();
    for i in 0..10_000u64 {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let user = (i % 400) as usize;
        let bias = [-2i64, 0, 2][user % 3];
        let score = (((seed >> 33) % 11) as i64 + bias).clamp(0, 10);
        answers.push((format!("u{user}"), plans[user % 3], score));
    }
    answers
}

/// Each plan's segment: its NPS and interval, and its z against the rest, as the formulas say.
async fn segments_match_the_formulas(admin: &Admin, survey_id: i64, answers: &[(String, &str, i64)], plans: &[&str; 3]) -> anyhow::Result<()> {
    let segments: Value = admin.get(&format!("/api/admin/reports/segments?survey_id={}&by=attr:plan", survey_id)).await?;
    let by_plan: BTreeMap<&str, Vec<i64>> = plans
        .iter()
        .map(|plan| (*plan, answers.iter().filter(|(_, p, _)| p == plan).map(|(_, _, s)| *s).collect()))
        .collect();
    let listed = segments["segments"].as_array().cloned().unwrap_or_default();
    assert_eq!(listed.len(), 3);
    for segment in &listed {
        let plan = segment["value"].as_str().unwrap_or_default();
        let scores = &by_plan[plan];
        let (p, pa, d) = bands(scores);
        let (raw, low, high) = reference_interval(p, pa, d);
        let rest: Vec<i64> = answers.iter().filter(|(_, q, _)| *q != plan).map(|(_, _, s)| *s).collect();
        let z = reference_z((p, pa, d), bands(&rest));
        assert_eq!(segment["summary"]["n"], json!(scores.len()), "{plan}");
        assert!(close(&segment["summary"]["nps"], raw), "{plan}: {} vs {raw}", segment["summary"]["nps"]);
        assert!(close(&segment["summary"]["interval"]["low"], low) && close(&segment["summary"]["interval"]["high"], high));
        assert!(close(&segment["vs_rest"]["z"], z), "{plan}: z {} vs {z}", segment["vs_rest"]["z"]);
        assert_eq!(segment["vs_rest"]["significant"], json!(z.abs() > Z), "{plan}");
        assert_eq!(segment["small"], json!(false));
    }
    // The biased plans really differ from the rest, so the flags are not all the same.
    assert!(listed.iter().any(|s| s["vs_rest"]["significant"] == json!(true)));

    Ok(())
}
