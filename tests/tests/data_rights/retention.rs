//! Retention: raw answers older than the project's `retention_months` go, the rollup trend
//! stays exactly as it was.

use super::support::{Fixture, fixture};
use nps_collector::ingest::IngestRecord;
use nps_core::NpsScore;
use nps_core::wire::{CompleteRequest, DisplayRequest, ProjectInput, ResponseRequest};
use nps_e2e::{Backend, on_both_backends};
use reqwest::StatusCode;
use serde_json::{Value, json};
use nps_core::wire::{ClientId, CommentText};

const DAY: i64 = 86_400_000;

on_both_backends!(retention_deletes_old_raw_answers_and_keeps_the_trend);

fn records(f: &Fixture, now: i64) -> (Vec<IngestRecord>, usize) {
    let (project_id, survey_id) = (f.project.id, f.survey.id);
    let mut out = Vec::new();
    let mut old = 0;
    // 30 answers spread over the last 600 days: those before 12 months ago are old.
    for i in 0..30i64 {
        let at = now - (i * 20 + 3) * DAY;
        old += usize::from(at < now - 366 * DAY);
        let (id, user_id) = (format!("ret-{i}"), format!("ret-user-{}", i % 7));
        out.push(IngestRecord::Display {
            project_id,
            at,
            display: DisplayRequest {
                display_id: ClientId::parse(format!("d-{id}")).expect("valid"),
                survey_id,
                user_id: ClientId::parse(user_id.clone()).expect("valid"),
                trigger: None,
                url: None,
                language: None,
                device: None,
                sampling_rate_bp: None,
            },
        });
        let response = ResponseRequest {
            response_id: ClientId::parse(id.clone()).expect("valid"),
            survey_id,
            user_id: ClientId::parse(user_id.clone()).expect("valid"),
            display_id: Some(ClientId::parse(format!("d-{id}")).expect("valid")),
            score: NpsScore::new(i * 7 % 11).expect("score"),
            language: None,
            device: None,
            trigger: None,
            sampling_rate_bp: None,
        };
        out.push(IngestRecord::Response { project_id, at, response });
        let complete = CompleteRequest { survey_id, user_id: ClientId::parse(user_id).expect("valid"), comment: Some(CommentText::parse(format!("comment {i}")).expect("valid")), extra_answers: Default::default() };
        out.push(IngestRecord::Complete { project_id, at: at + 1000, response_id: id, complete });
    }
    (out, old)
}

/// The report without what is computed from displays (counts of displays, response rates).
fn without_displays(mut report: Value) -> Value {
    fn strip(summary: &mut Value) {
        if let Some(object) = summary.as_object_mut() {
            object.remove("displays");
            object.remove("response_rate");
        }
    }
    strip(&mut report["overall"]);
    for period in report["periods"].as_array_mut().into_iter().flatten() {
        strip(&mut period["summary"]);
    }
    report
}

async fn retention_deletes_old_raw_answers_and_keeps_the_trend(f: Fixture) -> anyhow::Result<()> {
    let run = format!("/api/admin/projects/{}/retention/run", f.project.id);
    let (status, answer) = f.owner.try_post(&run, &json!({})).await?;
    assert_eq!(status, StatusCode::CONFLICT, "no retention setting: {answer}");
    let project_url = format!("/api/admin/projects/{}", f.project.id);
    let origins: Vec<&str> = f.project.allowed_origins.iter().map(String::as_str).collect();
    let mut input = ProjectInput { retention_months: Some(0), ..nps_e2e::project_input(&f.project.name, &origins)? };
    for months in [0, 121] {
        input.retention_months = Some(months);
        let response = f.owner.http.put(format!("{}{project_url}", f.owner.base)).header("X-CSRF-Token", &f.owner.csrf).json(&input).send().await?;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "retention_months {months}");
    }
    input.retention_months = Some(12);
    let response = f.owner.http.put(format!("{}{project_url}", f.owner.base)).header("X-CSRF-Token", &f.owner.csrf).json(&input).send().await?;
    assert_eq!(response.status(), StatusCode::OK);
    let project: Value = f.owner.get(&project_url).await?;
    assert_eq!(project["retention_months"].as_u64(), Some(12), "{project}");

    let now = nps_collector::ingest::now_ms();
    let (batch, old) = records(&f, now);
    let store = nps_collector::store::connect(&f.db.url).await?;
    store.apply_batch(&batch).await?;
    let from = (now - 700 * DAY).div_euclid(DAY) * DAY;
    let to = (now + DAY).div_euclid(DAY) * DAY;
    let report = |rollups: bool| {
        format!(
            "/api/admin/reports/nps?survey_id={}&granularity=month&exclude_internal=false&from={from}&to={to}&rollups={rollups}",
            f.survey.id
        )
    };
    let before: Value = f.owner.get(&report(true)).await?;
    let raw_before: Value = f.owner.get(&report(false)).await?;
    assert_eq!(before, raw_before);
    assert_eq!(before["overall"]["n"].as_u64(), Some(30), "{before}");

    let (status, counts) = f.owner.try_post(&run, &json!({})).await?;
    assert_eq!(status, StatusCode::OK, "{counts}");
    assert_eq!(counts["answers"].as_u64(), Some(old as u64), "{counts}");
    assert_eq!(counts["displays"].as_u64(), Some(old as u64), "{counts}");
    assert!(old > 5 && old < 30, "the data has old and recent answers");

    let rows = f.owner.responses(f.survey.id).await?;
    assert_eq!(rows.len(), 30 - old, "only recent raw answers are left");
    assert!(rows.iter().all(|r| r.created_at >= now - 366 * DAY));
    // The scores come from the rollups and do not change; response rates need the displays,
    // which retention deletes too.
    let after: Value = f.owner.get(&report(true)).await?;
    assert_eq!(without_displays(after), without_displays(before), "the rollup headline and trend are unchanged");
    let raw_after: Value = f.owner.get(&report(false)).await?;
    assert_eq!(raw_after["overall"]["n"].as_u64(), Some((30 - old) as u64), "{raw_after}");
    // A second pass finds nothing more.
    let (_, again) = f.owner.try_post(&run, &json!({})).await?;
    assert_eq!(again["answers"].as_u64(), Some(0), "{again}");
    Ok(())
}
