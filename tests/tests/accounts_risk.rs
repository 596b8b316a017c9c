//! Accounts at risk, end to end: account histories (declining, silent, stable, recovering,
//! churned) generated through the real client API of the running collector, business data
//! imported by CSV and JSON, and the at-risk list, the account timeline, the revenue report and
//! the action log read over HTTP; on SQLite and on PostgreSQL. The expected revenue-weighted
//! NPS and churn test are computed here again from the raw rows, not taken from `nps-core`.
//! The storage parts are also exercised directly on both backends.

mod support;

use nps_collector::store::accounts::BusinessRecord;
use nps_core::actions::ActionInput;
use nps_core::churn::EngagementKind;
use nps_core::wire::{FeedbackKind, SurveyKind};
use nps_e2e::{Admin, Backend, Collector, Installation, new_id, now_ms, on_both_backends, project_input, wait_drained};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const DAY: i64 = 86_400_000;
const Z: f64 = 1.959964;

/// `YYYY-MM-DD` of `now + days` (UTC), written out without the crate under test.
fn date_in(days: i64) -> String {
    let day = (now_ms() + days * DAY).div_euclid(DAY);
    let mut date = (1970i64, 1u32, 1u32);
    let mut left = day;
    loop {
        let leap = (date.0 % 4 == 0 && date.0 % 100 != 0) || date.0 % 400 == 0;
        let year_days = if leap { 366 } else { 365 };
        if left >= year_days {
            left -= year_days;
            date.0 += 1;
            continue;
        }
        let months = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        for (m, len) in months.iter().enumerate() {
            if left < *len {
                date.1 = m as u32 + 1;
                date.2 = left as u32 + 1;
                return format!("{:04}-{:02}-{:02}", date.0, date.1, date.2);
            }
            left -= len;
        }
    }
}

/// Scores per account and wave: (account, [wave 1, wave 2, wave 3]); an empty wave is skipped.
type Plan = [(&'static str, [&'static [i64]; 3])];

const PLAN: &Plan = &[
    // 100 → 33 → -67: falls between consecutive waves and inside 90 days.
    ("declining", [&[10, 9, 9], &[9, 8, 7], &[6, 5, 8]]),
    // Steady around 25-75 (one detractor who answers 9 next time).
    ("stable", [&[9, 9, 8, 5], &[9, 10, 8, 9], &[9, 8, 10]]),
    ("steady", [&[10, 9, 7], &[10, 9, 8], &[9, 9, 7]]),
    // 100 → -33 → 100: fell once, recovered; its detractors answered again.
    ("recovering", [&[9, 9, 10], &[3, 5, 9], &[9, 9, 10]]),
    // Unhappy and falling, but churned: lost, not at risk.
    ("gone", [&[2, 3, 9], &[1, 6, 7], &[]]),
];

struct Scenario {
    collector: Collector,
    owner: Admin,
    project_id: i64,
    surveys: [i64; 3],
    /// A detractor answer of the declining account (to link from an action).
    declining_detractor: String,
    _dir: tempfile::TempDir,
}

/// Three waves (rNPS surveys) answered by the accounts of the plan, through the widget.
async fn fixture(backend: Backend) -> anyhow::Result<Scenario> {
    let Installation { dir, collector, owner, .. } = Installation::start(backend).await?;
    let project = owner.create_project(&["*"]).await?;
    let mut surveys = [0; 3];
    for s in &mut surveys {
        *s = owner.create_live_survey(project.id, SurveyKind::Rnps).await?.id;
    }
    let widget = Widget { http: reqwest::Client::new(), base: format!("{}/v1/p/{}", collector.url, project.public_key) };
    for (account, waves) in PLAN {
        let users = waves.iter().map(|w| w.len()).max().unwrap_or(0);
        for u in 0..users {
            widget.identify(&format!("{account}-{u}"), Some(account)).await?;
        }
    }
    for user in ["quiet-0", "quiet-1", "quiet-2", "quiet-3", "quiet-4"] {
        widget.identify(user, Some("silent")).await?;
    }
    widget.identify("anon", None).await?;
    wait_drained(&collector.url).await?;

    let mut declining_detractor = String::new();
    for (wave, survey) in surveys.iter().enumerate() {
        for (account, waves) in PLAN {
            for (u, score) in waves[wave].iter().enumerate() {
                let id = widget.answer(&format!("{account}-{u}"), *survey, *score).await?;
                if *account == "declining" && *score <= 6 {
                    declining_detractor = id;
                }
            }
        }
        // silent: quiet-2 (a detractor) stops answering though shown every wave; quiet-4 (a
        // detractor) declines every wave; the others answer. 20 → 100 → 100.
        match wave {
            0 => {
                for (user, score) in [("quiet-0", 9), ("quiet-1", 10), ("quiet-2", 2), ("quiet-3", 9), ("quiet-4", 4)] {
                    widget.answer(user, *survey, score).await?;
                }
                widget.answer("anon", *survey, 3).await?;
            }
            _ => {
                for (user, score) in [("quiet-0", 9), ("quiet-1", 9), ("quiet-3", 10)] {
                    widget.answer(user, *survey, score).await?;
                }
                widget.shown("quiet-2", *survey).await?;
                widget.decline("quiet-4", *survey).await?;
                widget.shown("anon", *survey).await?;
            }
        }
    }
    wait_drained(&collector.url).await?;
    Ok(Scenario { collector, owner, project_id: project.id, surveys, declining_detractor, _dir: dir })
}

/// The MRR (in cents) the CSV and JSON imports give each account.
fn imported_mrr() -> BTreeMap<&'static str, i64> {
    BTreeMap::from([("declining", 150_000), ("silent", 85_000), ("stable", 250_050), ("recovering", 30_000), ("gone", 90_000)])
}

async fn import_business_data(s: &Scenario) -> anyhow::Result<()> {
    let path = format!("/api/admin/projects/{}/business-data", s.project_id);
    // A bad CSV is refused client-side (the core parser names each bad line and field), and a
    // date the schema's `format: date` refuses stores nothing.
    let bad = "account_id,mrr,renewal_date\ndeclining,1500,2026-02-30\nsilent,8,00,\n";
    let problems = nps_core::business_csv::parse(bad).expect_err("a bad file").iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
    assert!(problems.contains("line 2, field renewal_date") && problems.contains("line 3"), "{problems}");
    let invalid = json!({ "accounts": [{ "account_id": "declining", "mrr": 1500 }, { "account_id": "silent", "renewal_date": "2026-02-30" }] });
    let (status, body) = s.owner.call(Method::POST, &path, Some(&invalid)).await?;
    assert_eq!(status, 422, "{body}");
    let (status, body) = s.owner.call(Method::POST, &path, Some(&json!({ "csv": "account_id\nacme\n" }))).await?;
    assert_eq!(status, 422, "the JSON API takes accounts only: {body}");
    let (status, body) = s.owner.call(Method::POST, &path, Some(&json!({ "accounts": [] }))).await?;
    assert_eq!((status, body["upserted"].as_u64()), (StatusCode::OK, Some(0)), "nothing to import: {body}");
    let (_, stored) = s.owner.call(Method::GET, &path, None).await?;
    assert_eq!(stored.as_array().map(Vec::len), Some(0), "nothing was imported");

    let csv = format!(
        "account_id,mrr,renewal_date,churned,churn_date,plan,owner\n\
         declining,1500.00,{},,,pro,ann@x.io\n\
         silent,800,,,,,bob@x.io\n\
         stable,2500.50,{},no,,enterprise,\n\
         recovering,300,,,,,\n\
         gone,900,,yes,{},pro,\n",
        date_in(30),
        date_in(20),
        date_in(1),
    );
    let accounts = nps_core::business_csv::parse(&csv).map_err(|p| anyhow::anyhow!("{p:?}"))?;
    let (status, body) = s.owner.call(Method::POST, &path, Some(&json!({ "accounts": accounts }))).await?;
    assert_eq!((status, body["upserted"].as_u64()), (StatusCode::OK, Some(5)), "{body}");
    // JSON, by account id: only what is sent changes.
    let (status, body) = s.owner.call(Method::POST, &path, Some(&json!({ "accounts": [{ "account_id": "silent", "mrr": 850 }] }))).await?;
    assert_eq!(status, 200, "{body}");
    let (_, stored) = s.owner.call(Method::GET, &path, None).await?;
    let silent = stored.as_array().and_then(|a| a.iter().find(|b| b["account_id"] == "silent")).cloned().unwrap_or_default();
    assert_eq!((silent["mrr"].as_f64(), silent["owner"].as_str()), (Some(850.0), Some("bob@x.io")), "{stored}");
    let gone = stored.as_array().and_then(|a| a.iter().find(|b| b["account_id"] == "gone")).cloned().unwrap_or_default();
    assert_eq!(gone["churned"], true);
    Ok(())
}

fn reason<'a>(account: &'a Value, kind: &str) -> Option<&'a Value> {
    account["reasons"].as_array()?.iter().find(|r| r["kind"] == kind)
}

async fn the_at_risk_list_flags_declining_and_silent_accounts(s: &Scenario) -> anyhow::Result<()> {
    let base = format!("/api/admin/accounts/at-risk?project_id={}", s.project_id);
    let path = format!("{base}&wave=survey");
    let (status, report) = s.owner.call(Method::GET, &path, None).await?;
    assert_eq!(status, 200, "{report}");
    let listed: Vec<&str> = report["accounts"].as_array().map(|a| a.iter().filter_map(|x| x["account"].as_str()).collect()).unwrap_or_default();
    assert_eq!(listed, ["declining", "silent"], "{report:#}");
    assert_eq!(report["accounts_considered"], 6);

    let declining = &report["accounts"][0];
    let falling = reason(declining, "falling").expect("declining is falling");
    let evidence = falling["evidence"].as_array().cloned().unwrap_or_default();
    let consecutive = evidence.iter().find(|e| e["rule"] == "consecutive_waves").expect("consecutive fall");
    assert_eq!(consecutive["from"]["wave"], format!("survey {}", s.surveys[1]));
    assert_eq!(consecutive["to"]["wave"], format!("survey {}", s.surveys[2]));
    assert!((consecutive["drop"].as_f64().unwrap_or(0.0) - 100.0).abs() < 1e-9, "{consecutive}");
    let window = evidence.iter().find(|e| e["rule"] == "within_window").expect("slide inside 90 days");
    assert_eq!(window["from"]["wave"], format!("survey {}", s.surveys[0]));
    assert!((window["drop"].as_f64().unwrap_or(0.0) - 500.0 / 3.0).abs() < 1e-9, "{window}");
    assert!(reason(declining, "low_nps").is_some());
    let renewal = reason(declining, "renewal_soon").expect("renews in 30 days");
    assert!((29.0..=30.0).contains(&renewal["days_left"].as_f64().unwrap_or(0.0)), "{renewal}");
    assert_eq!(declining["mrr_cents"], 150_000);

    let silent = &report["accounts"][1];
    assert!(reason(silent, "falling").is_none() && reason(silent, "low_nps").is_none(), "{silent:#}");
    let users = reason(silent, "silent_detractors").and_then(|r| r["users"].as_array()).cloned().unwrap_or_default();
    let found: Vec<(&str, &str, u64, u64)> = users
        .iter()
        .map(|u| (u["user_id"].as_str().unwrap_or(""), u["rule"].as_str().unwrap_or(""), u["shown_since"].as_u64().unwrap_or(0), u["declined_since"].as_u64().unwrap_or(0)))
        .collect();
    assert_eq!(found, [("quiet-2", "stopped_answering", 2, 0), ("quiet-4", "keeps_declining", 2, 2)]);
    let anon: Vec<&str> = report["silent_without_account"].as_array().map(|a| a.iter().filter_map(|u| u["user_id"].as_str()).collect()).unwrap_or_default();
    assert_eq!(anon, ["anon"]);

    // Thresholds are parameters: demanding a 200-point fall and silence after three displays
    // leaves only the low NPS of the declining account.
    let strict = format!("{path}&drop_points=200&silent_displays=3&silent_declines=3");
    let (_, report) = s.owner.call(Method::GET, &strict, None).await?;
    let kinds: Vec<&str> = report["accounts"][0]["reasons"].as_array().map(|r| r.iter().filter_map(|x| x["kind"].as_str()).collect()).unwrap_or_default();
    assert_eq!((report["accounts"].as_array().map(Vec::len), kinds), (Some(1), vec!["low_nps", "renewal_soon"]));
    let (status, _) = s.owner.call(Method::GET, &format!("{path}&drop_points=-1"), None).await?;
    assert_eq!(status, 422);
    let (status, _) = s.owner.call(Method::GET, &format!("{base}&wave=fortnight"), None).await?;
    assert_eq!(status, 422);

    // One account's timeline: three waves, its reasons, its business data.
    let timeline_path = format!("/api/admin/accounts/declining/timeline?project_id={}&wave=survey", s.project_id);
    let (status, timeline) = s.owner.call(Method::GET, &timeline_path, None).await?;
    assert_eq!(status, 200, "{timeline}");
    let nps: Vec<f64> = timeline["waves"].as_array().map(|w| w.iter().filter_map(|x| x["nps"].as_f64()).collect()).unwrap_or_default();
    assert_eq!(nps.len(), 3);
    assert!((nps[0] - 100.0).abs() < 1e-9 && (nps[1] - 100.0 / 3.0).abs() < 1e-9 && (nps[2] + 200.0 / 3.0).abs() < 1e-9, "{nps:?}");
    assert_eq!(timeline["answers"].as_array().map(Vec::len), Some(9));
    assert_eq!(timeline["business"]["mrr"], 1500.0);
    assert!(timeline["reasons"].as_array().is_some_and(|r| !r.is_empty()));
    let (_, stable) = s.owner.call(Method::GET, &timeline_path.replace("declining", "stable"), None).await?;
    assert_eq!(stable["reasons"], json!([]), "{stable:#}");
    let (status, _) = s.owner.call(Method::GET, &timeline_path.replace("declining", "nobody"), None).await?;
    assert_eq!(status, 404);
    Ok(())
}

/// (promoters, passives, detractors) of a list of scores.
fn bands(scores: &[i64]) -> (f64, f64, f64) {
    let count = |f: fn(&i64) -> bool| scores.iter().filter(|s| f(s)).count() as f64;
    (count(|s| *s >= 9), count(|s| (7..=8).contains(s)), count(|s| *s <= 6))
}

async fn revenue_weighted_nps_equals_the_raw_rows(s: &Scenario) -> anyhow::Result<()> {
    let ids = s.surveys.map(|x| x.to_string()).join(",");
    let rows: Vec<Value> = s.owner.get(&format!("/api/admin/responses?survey_id={ids}&limit=100000")).await?;
    let mut scores: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for row in &rows {
        if let (Some(account), Some(score)) = (row["account_id"].as_str(), row["score"].as_i64()) {
            scores.entry(account.to_owned()).or_default().push(score);
        }
    }
    // Churned (gone) and revenue-less (steady) accounts are left out.
    let mrr = imported_mrr();
    let weighed: Vec<(f64, f64)> = scores
        .iter()
        .filter(|(a, _)| a.as_str() != "gone")
        .filter_map(|(a, list)| {
            let (p, _, d) = bands(list);
            Some((100.0 * (p - d) / list.len() as f64, *mrr.get(a.as_str())? as f64))
        })
        .collect();
    assert_eq!(weighed.len(), 4);
    let total: f64 = weighed.iter().map(|(_, w)| w).sum();
    let expected = weighed.iter().map(|(x, w)| x * w).sum::<f64>() / total;
    let k = weighed.len() as f64;
    let se = (k / (k - 1.0) * weighed.iter().map(|(x, w)| (w / total).powi(2) * (x - expected).powi(2)).sum::<f64>()).sqrt();

    let path = format!("/api/admin/reports/revenue?project_id={}&wave=survey", s.project_id);
    let (status, report) = s.owner.call(Method::GET, &path, None).await?;
    assert_eq!(status, 200, "{report}");
    let weighted = &report["revenue_weighted"];
    assert!((weighted["nps"].as_f64().unwrap_or(f64::NAN) - expected).abs() < 1e-9, "{weighted} vs {expected}");
    assert!((weighted["se"].as_f64().unwrap_or(f64::NAN) - se).abs() < 1e-9, "{weighted} vs {se}");
    assert!((weighted["low"].as_f64().unwrap_or(f64::NAN) - (expected - Z * se).max(-100.0)).abs() < 1e-6);
    assert_eq!(weighted["accounts"], 4);
    assert_eq!(weighted["total_mrr_cents"], 150_000 + 85_000 + 250_050 + 30_000);
    assert_eq!(report["accounts_without_revenue"], json!(["steady"]));
    assert_eq!(report["churned_left_out"], json!(["gone"]));
    assert!(report["formula"].as_str().is_some_and(|f| f.contains("MRR")));

    // Churned against retained, every answer counted, with the two-sample test.
    let churned: Vec<i64> = scores.get("gone").cloned().unwrap_or_default();
    let retained: Vec<i64> = scores.iter().filter(|(a, _)| a.as_str() != "gone").flat_map(|(_, l)| l.clone()).collect();
    let adjusted = |(p, pa, d): (f64, f64, f64)| {
        let n = p + pa + d + 3.0;
        let (p2, d2) = ((p + 0.75) / n, (d + 0.75) / n);
        (p2 - d2, (p2 + d2 - (p2 - d2).powi(2)) / n)
    };
    let ((ca, va), (cb, vb)) = (adjusted(bands(&churned)), adjusted(bands(&retained)));
    let z = (ca - cb) / (va + vb).sqrt();
    let split = &report["churn"]["every_response"];
    assert_eq!((split["churned_accounts"].as_u64(), split["retained_accounts"].as_u64()), (Some(1), Some(5)));
    assert_eq!(split["churned"]["detractors"].as_u64(), Some(bands(&churned).2 as u64));
    assert!((split["comparison"]["z"].as_f64().unwrap_or(f64::NAN) - z).abs() < 1e-9, "{split} vs {z}");
    assert_eq!(report["churn"]["decision_maker_first"]["churned"]["detractors"].as_u64().unwrap_or(0) + report["churn"]["decision_maker_first"]["churned"]["promoters"].as_u64().unwrap_or(0) + report["churn"]["decision_maker_first"]["churned"]["passives"].as_u64().unwrap_or(0), 1);

    // Renewals in the next 90 days, soonest first, with their latest NPS.
    let renewals = report["renewals"].as_array().cloned().unwrap_or_default();
    let names: Vec<&str> = renewals.iter().filter_map(|r| r["account"].as_str()).collect();
    assert_eq!(names, ["stable", "declining"]);
    assert!((renewals[1]["latest_nps"].as_f64().unwrap_or(0.0) + 200.0 / 3.0).abs() < 1e-9);
    assert_eq!((renewals[0]["at_risk"].as_bool(), renewals[1]["at_risk"].as_bool()), (Some(false), Some(true)));
    assert_eq!(renewals[1]["renewal_date"], date_in(30));
    Ok(())
}

async fn roles_are_enforced(s: &Scenario) -> anyhow::Result<(Admin, Admin)> {
    let analyst = s.owner.add_signed_in_user("analyst@x.io", "analyst").await?;
    let hr = s.owner.add_signed_in_user("hr@x.io", "hr").await?;
    let pm = s.owner.add_signed_in_user("pm@x.io", "partner_manager").await?;
    let p = s.project_id;
    let reads = [
        format!("/api/admin/accounts/at-risk?project_id={p}"),
        format!("/api/admin/accounts/declining/timeline?project_id={p}"),
        format!("/api/admin/reports/revenue?project_id={p}"),
        format!("/api/admin/projects/{p}/business-data"),
        format!("/api/admin/actions?project_id={p}"),
        format!("/api/admin/reports/actions?project_id={p}"),
    ];
    for path in &reads {
        assert_eq!(analyst.call(Method::GET, path, None).await?.0, 200, "analyst {path}");
        assert_eq!(hr.call(Method::GET, path, None).await?.0, 403, "hr {path}");
        assert_eq!(pm.call(Method::GET, path, None).await?.0, 403, "partner manager {path}");
    }
    let import = json!({ "accounts": [{ "account_id": "declining", "mrr": 1 }] });
    let (status, _) = analyst.call(Method::POST, &format!("/api/admin/projects/{p}/business-data"), Some(&import)).await?;
    assert_eq!(status, 403, "only owners and admins import business data");
    Ok((analyst, hr))
}

async fn the_action_log_answers_what_changed(s: &Scenario, analyst: &Admin, hr: &Admin) -> anyhow::Result<()> {
    let now = now_ms();
    let action = |title: &str, days_ago: i64| {
        json!({
            "project_id": s.project_id, "survey_id": s.surveys[2], "title": title,
            "decision": "Move CSV export to a background job", "decided_at": now - days_ago * DAY,
            "owner": "ann@x.io", "themes": ["Performance", "performance", "reliability"],
            "response_ids": [s.declining_detractor],
        })
    };
    let (status, first) = s.owner.call(Method::POST, "/api/admin/actions", Some(&action("Faster exports", 10))).await?;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["themes"], json!(["performance", "reliability"]));
    assert_eq!((first["created_by"].as_str(), first["response_ids"][0].as_str()), (Some("owner@example.com"), Some(s.declining_detractor.as_str())));
    let (status, old) = analyst.call(Method::POST, "/api/admin/actions", Some(&action("Old pricing change", 120))).await?;
    assert_eq!(status, 201, "{old}");
    // Links are checked: unknown answers, a survey of no project, HR.
    let mut bad = action("x", 1);
    bad["response_ids"] = json!(["not-an-answer"]);
    let (status, body) = s.owner.call(Method::POST, "/api/admin/actions", Some(&bad)).await?;
    assert!(status == 404 && body["message"].as_str().is_some_and(|m| m.contains("not-an-answer")), "{status} {body}");
    let mut bad = action("x", 1);
    bad["survey_id"] = json!(987_654);
    assert_eq!(s.owner.call(Method::POST, "/api/admin/actions", Some(&bad)).await?.0, 404);
    let mut bad = action("", 1);
    bad["title"] = json!("  ");
    assert_eq!(s.owner.call(Method::POST, "/api/admin/actions", Some(&bad)).await?.0, 422);
    assert_eq!(hr.call(Method::POST, "/api/admin/actions", Some(&action("x", 1))).await?.0, 403);

    // "Has an NPS insight changed anything in the last 90 days?"
    let recent = format!("/api/admin/reports/actions?project_id={}", s.project_id);
    let (_, answer) = analyst.call(Method::GET, &recent, None).await?;
    assert_eq!((answer["changed_anything"].as_bool(), answer["count"].as_u64(), answer["days"].as_u64()), (Some(true), Some(1), Some(90)), "{answer}");
    assert_eq!(answer["actions"][0]["title"], "Faster exports");
    let (_, longer) = analyst.call(Method::GET, &format!("{recent}&days=200"), None).await?;
    assert_eq!(longer["count"], 2);

    // Listed in a time range, each with the trend period it falls in.
    let list = format!("/api/admin/actions?project_id={}&from={}&to={}&granularity=week", s.project_id, now - 30 * DAY, now + DAY);
    let (_, listed) = analyst.call(Method::GET, &list, None).await?;
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert!(listed[0]["period_start"].as_str().is_some_and(|d| d.len() == 10), "{listed}");
    let (_, all) = analyst.call(Method::GET, &format!("/api/admin/actions?project_id={}", s.project_id), None).await?;
    assert_eq!(all.as_array().map(|a| a.iter().filter_map(|x| x["title"].as_str()).collect::<Vec<_>>()), Some(vec!["Old pricing change", "Faster exports"]));

    // Update and delete (an analyst may), then the answer changes.
    let id = first["id"].as_i64().unwrap_or_default();
    let mut changed = action("Faster exports, phase 2", 10);
    changed["themes"] = json!([]);
    let (status, updated) = analyst.call(Method::PUT, &format!("/api/admin/actions/{id}"), Some(&changed)).await?;
    assert_eq!((status, updated["title"].as_str()), (StatusCode::OK, Some("Faster exports, phase 2")), "{updated}");
    let (_, fetched) = hr.call(Method::GET, &format!("/api/admin/actions/{id}"), None).await?;
    assert_eq!(fetched["code"], "forbidden");
    let (_, fetched) = s.owner.call(Method::GET, &format!("/api/admin/actions/{id}"), None).await?;
    assert_eq!((fetched["title"].as_str(), fetched["themes"].clone()), (Some("Faster exports, phase 2"), json!([])));
    assert_eq!(hr.call(Method::DELETE, &format!("/api/admin/actions/{id}"), None).await?.0, 403);
    assert_eq!(analyst.call(Method::DELETE, &format!("/api/admin/actions/{id}"), None).await?.0, 204);
    assert_eq!(analyst.call(Method::GET, &format!("/api/admin/actions/{id}"), None).await?.0, 404);
    assert_eq!(analyst.call(Method::DELETE, &format!("/api/admin/actions/{id}"), None).await?.0, 404);
    let (_, answer) = analyst.call(Method::GET, &recent, None).await?;
    assert_eq!((answer["changed_anything"].as_bool(), answer["count"].as_u64()), (Some(false), Some(0)));
    Ok(())
}

async fn the_endpoints_are_documented(s: &Scenario) -> anyhow::Result<()> {
    let doc: Value = reqwest::get(format!("{}/openapi.json", s.collector.url)).await?.json().await?;
    for path in [
        "/api/admin/accounts/at-risk",
        "/api/admin/accounts/{account}/timeline",
        "/api/admin/projects/{id}/business-data",
        "/api/admin/reports/revenue",
        "/api/admin/actions",
        "/api/admin/actions/{id}",
        "/api/admin/reports/actions",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing from /openapi.json");
    }
    for schema in ["AtRiskReport", "RiskReason", "RevenueReport", "BusinessImport", "ActionInput", "RecentActions"] {
        assert!(doc["components"]["schemas"][schema].is_object(), "schema {schema} missing");
    }
    Ok(())
}

async fn accounts_at_risk_end_to_end(s: Scenario) -> anyhow::Result<()> {
    the_endpoints_are_documented(&s).await?;
    import_business_data(&s).await?;
    the_at_risk_list_flags_declining_and_silent_accounts(&s).await?;
    revenue_weighted_nps_equals_the_raw_rows(&s).await?;
    let (analyst, hr) = roles_are_enforced(&s).await?;
    the_action_log_answers_what_changed(&s, &analyst, &hr).await?;
    Ok(())
}

on_both_backends!(accounts_at_risk_end_to_end);

#[path = "accounts_risk/storage.rs"]
mod storage;
#[path = "accounts_risk/widget.rs"]
mod widget;
use widget::Widget;
