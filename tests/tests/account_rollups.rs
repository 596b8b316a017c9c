//! Account aggregates on SQLite and PostgreSQL: generated histories over 30 accounts, stored
//! the way the drainer stores them (batches replayed, comments before scores, users moving
//! between accounts, answers sharing a millisecond, an employee survey beside), give the same
//! at-risk lists, account timelines and revenue reports from the aggregates as from every
//! answer (`rollups=false`), for every wave, roll-up and range the aggregates answer (and the
//! rest falls back to the answers); still after erasing respondents and after a survey moved
//! between the customer kinds (it may never become employee NPS). Retention then deletes old answers: the reports from the
//! aggregates keep showing them, as before.

#[path = "account_rollups/history.rs"]
mod history;
mod support;

use history::{ACCOUNTS, DAY, Surveys, account_name};
use nps_core::churn::calendar::date_of;
use nps_core::churn::cells::{quarter_of, quarter_start};
use nps_core::wire::{ProjectInput, SurveyKind};
use nps_e2e::bench::timeless;
use nps_e2e::{Admin, Backend, live_survey, now_ms, on_both_backends, project_input};
use support::{StoreBeside, store_beside_a_collector};
use serde_json::{Value, json};

/// The surveys of [`Surveys`], and the moment the generated history ends.
struct Fixture {
    base: StoreBeside,
    surveys: Surveys,
    now: i64,
}

nps_e2e::extends!(Fixture, StoreBeside, base);

async fn fixture(backend: Backend) -> anyhow::Result<Fixture> {
    let base = store_beside_a_collector(backend).await?;
    let mut ids = Vec::new();
    for kind in [SurveyKind::Tnps, SurveyKind::Rnps, SurveyKind::Tnps, SurveyKind::Enps] {
        ids.push(base.admin.create_live_survey(base.project_id, kind).await?.id);
    }
    let surveys = Surveys { tnps: ids[0], rnps: ids[1], changing: ids[2], employee: ids[3] };
    Ok(Fixture { base, surveys, now: now_ms() })
}

/// The report from the aggregates and from every answer: the same status and body.
async fn both_ways(admin: &Admin, path: &str) -> anyhow::Result<Value> {
    let (status, fast) = admin.try_get(path).await?;
    let (raw_status, raw) = admin.try_get(&format!("{path}&rollups=false")).await?;
    assert_eq!((status, timeless(fast.clone())), (raw_status, timeless(raw)), "{path}: the aggregates and the answers disagree");
    Ok(timeless(fast))
}

/// Every report this test compares, as (path, whether the aggregates answer it).
fn reports(f: &Fixture) -> Vec<(String, bool)> {
    let (p, s) = (f.project_id, f.surveys);
    let q = quarter_of(f.now);
    let (from, to) = (quarter_start(q - 6), quarter_start(q - 1));
    let mut out: Vec<(String, bool)> = [
        "",
        "&wave=survey",
        "&rollup=decision_maker_first",
        "&wave=survey&rollup=decision_maker_first&min_answers=2",
        "&min_answers=2&window_days=400&drop_points=10&low_nps=20&silent_displays=1&silent_declines=1",
        &format!("&survey_id={}", s.tnps),
        &format!("&survey_id={},{}", s.rnps, s.changing),
    ]
    .iter()
    .map(|extra| (format!("/api/admin/accounts/at-risk?project_id={p}{extra}"), true))
    .collect();
    out.push((format!("/api/admin/accounts/at-risk?project_id={p}&wave=month"), false));
    for extra in ["", "&rollup=decision_maker_first&include_churned=true", "&wave=survey", &format!("&from={from}&to={to}"), &format!("&to={to}&survey_id={}", s.rnps)] {
        out.push((format!("/api/admin/reports/revenue?project_id={p}{extra}"), true));
    }
    out.push((format!("/api/admin/reports/revenue?project_id={p}&from={}", from + DAY), false));
    // The widest bounds a client may send: their quarters start outside the i64 range.
    // (`i64::MIN` counts as the start of its quarter; `i64::MAX` is inside one: every answer.)
    out.push((format!("/api/admin/reports/revenue?project_id={p}&from={}", i64::MIN), true));
    out.push((format!("/api/admin/reports/revenue?project_id={p}&from={}&to={}", i64::MIN, i64::MAX), false));
    for k in [0, 5, 10, 15, 22, 29] {
        for extra in ["", "&wave=survey&rollup=decision_maker_first"] {
            out.push((format!("/api/admin/accounts/{}/timeline?project_id={p}{extra}", account_name(k)), true));
        }
    }
    out.push((format!("/api/admin/accounts/{}/timeline?project_id={p}&wave=days:45", account_name(3)), false));
    out.push((format!("/api/admin/accounts/business-only/timeline?project_id={p}"), true));
    out.push((format!("/api/admin/accounts/nobody/timeline?project_id={p}"), true));
    out
}

async fn compare_all(f: &Fixture) -> anyhow::Result<Vec<Value>> {
    let mut out = Vec::new();
    for (path, _) in reports(f) {
        out.push(both_ways(&f.admin, &path).await?);
    }
    Ok(out)
}

/// MRR for most accounts, ARR for some, nothing for one; renewals soon; three churned accounts
/// (inside a quarter, on a quarter's first day, at an unknown date).
async fn import_business(f: &Fixture) -> anyhow::Result<()> {
    let mut accounts: Vec<Value> = (0..ACCOUNTS)
        .filter(|k| *k != 7)
        .map(|k| {
            let mut a = if k % 4 == 3 { json!({ "arr": 12_000 + 700 * k }) } else { json!({ "mrr": 100 + 37 * k }) };
            a["account_id"] = json!(account_name(k));
            if k % 3 == 0 {
                a["renewal_date"] = json!(date_of(f.now + (1 + (k * 7 % 120) as i64) * DAY));
            }
            a
        })
        .collect();
    accounts.push(json!({ "account_id": account_name(5), "churn_date": date_of(f.now - 40 * DAY) }));
    accounts.push(json!({ "account_id": account_name(10), "churn_date": date_of(quarter_start(quarter_of(f.now) - 1)) }));
    accounts.push(json!({ "account_id": account_name(15), "churned": true }));
    accounts.push(json!({ "account_id": "business-only", "mrr": 50 }));
    let _: Value = f.admin.post(&format!("/api/admin/projects/{}/business-data", f.project_id), &json!({ "accounts": accounts })).await?;
    Ok(())
}

/// The generated data reaches every part of the reports (else agreeing would prove little).
fn assert_exercised(reports: &[Value]) {
    let at_risk = &reports[0];
    let kinds: Vec<&str> = at_risk["accounts"].as_array().into_iter().flatten().flat_map(|a| a["reasons"].as_array().into_iter().flatten()).filter_map(|r| r["kind"].as_str()).collect();
    for kind in ["falling", "silent_detractors", "low_nps", "renewal_soon"] {
        assert!(kinds.contains(&kind), "no {kind} reason in {at_risk}");
    }
    assert!(at_risk["accounts_considered"].as_u64() >= Some(25), "{at_risk}");
    let revenue = reports.iter().find(|r| r.get("formula").is_some()).expect("a revenue report");
    assert!(revenue["churn"]["decision_maker_first"]["churned_accounts"].as_u64() >= Some(2), "{revenue}");
    assert!(!revenue["renewals"].as_array().is_none_or(Vec::is_empty), "{revenue}");
    assert!(!revenue["accounts_without_revenue"].as_array().is_none_or(Vec::is_empty), "{revenue}");
}

async fn set_kind(f: &Fixture, kind: SurveyKind) -> anyhow::Result<()> {
    f.admin.put(&format!("/api/admin/surveys/{}", f.surveys.changing), &live_survey("changing", kind)).await
}

async fn aggregates_equal_answers(f: Fixture) -> anyhow::Result<()> {
    let history = history::generate(f.project_id, f.surveys, f.now);
    for (i, batch) in history.batches.iter().enumerate() {
        f.store.apply_batch(batch).await?;
        // The drainer replays a batch when it crashed before removing it from the spool.
        if i % 3 != 2 {
            f.store.apply_batch(batch).await?;
        }
    }
    import_business(&f).await?;
    assert_exercised(&compare_all(&f).await?);
    // Employee answers never enter the aggregates.
    assert!(f.store.account_cells(&[f.surveys.employee], None).await?.is_empty());
    assert!(!f.store.account_cells(&[f.surveys.tnps], None).await?.is_empty());

    // Erasure: an executive buyer with many answers, a silent detractor, a user without account.
    for user in ["u5", "u4", "u22", "u36"] {
        let _: Value = f.admin.post(&format!("/api/admin/projects/{}/respondents/erase", f.project_id), &json!({ "user_id": user })).await?;
    }
    compare_all(&f).await?;
    rebuilt_from_the_answers_alike(&f).await?;

    // A customer survey never becomes employee NPS (its answers were given unprotected), and
    // between the customer kinds the aggregates stay as they are.
    let into_enps = serde_json::to_value(live_survey("changing", SurveyKind::Enps))?;
    let (status, body) = f.admin.call(reqwest::Method::PUT, &format!("/api/admin/surveys/{}", f.surveys.changing), Some(&into_enps)).await?;
    assert_eq!(status, reqwest::StatusCode::CONFLICT, "{body}");
    nps_e2e::assert_error(&body, "conflict", "kind cannot change from tnps to enps");
    set_kind(&f, SurveyKind::Rnps).await?;
    assert!(!f.store.account_cells(&[f.surveys.changing], None).await?.is_empty());
    set_kind(&f, SurveyKind::Tnps).await?;
    let before = compare_all(&f).await?;
    retention_keeps_the_trend(&f, &before).await
}

/// `rebuild-account-aggregates` (answers that reached SQL another way) builds, from the stored
/// answers alone, exactly what the drainer kept through replays and erasures.
async fn rebuilt_from_the_answers_alike(f: &Fixture) -> anyhow::Result<()> {
    let s = f.surveys;
    let all = [s.tnps, s.rnps, s.changing, s.employee];
    let cells = || async {
        let mut rows = f.store.account_cells(&all, None).await?;
        rows.sort_by(|a, b| (a.survey_id, &a.account).cmp(&(b.survey_id, &b.account)));
        anyhow::Ok(rows)
    };
    let kept = cells().await?;
    let mut counted = 0;
    for survey in all {
        counted += f.store.rebuild_account_rollups(survey).await?;
    }
    assert!(counted > 0, "the rebuild read no answers");
    assert_eq!(cells().await?, kept, "the rebuild and the drainer disagree");
    compare_all(f).await?;
    Ok(())
}

/// What the aggregates keep through retention: waves and what they flag, and the revenue
/// figures; not the silent detractors, whose latest answers retention deletes like the answers
/// (a user's latest answer to one survey may be old), nor the listed answers.
fn trend(report: &Value) -> Value {
    let mut out = report.clone();
    let Some(map) = out.as_object_mut() else { return out };
    for key in ["answers", "reasons", "risk_score", "renewals", "silent_without_account"] {
        map.remove(key);
    }
    if let Some(accounts) = map.get_mut("accounts").and_then(Value::as_array_mut).filter(|_| report.get("accounts_considered").is_some()) {
        for account in accounts.iter_mut() {
            let flags: Vec<Value> = account["reasons"].as_array().into_iter().flatten().filter(|r| matches!(r["kind"].as_str(), Some("falling" | "low_nps"))).cloned().collect();
            *account = json!({ "account": account["account"], "latest": account["latest"], "flags": flags });
        }
        accounts.retain(|a| !a["flags"].as_array().is_none_or(Vec::is_empty));
    }
    out
}

/// Retention deletes the answers of the first year: reports from the aggregates keep their
/// trend (waves, flags, revenue figures), while every answer left says something else.
async fn retention_keeps_the_trend(f: &Fixture, before: &[Value]) -> anyhow::Result<()> {
    let input = ProjectInput { retention_months: Some(12), ..project_input("Acme app", &["*"])? };
    f.admin.put(&format!("/api/admin/projects/{}", f.project_id), &input).await?;
    let counts: Value = f.admin.post(&format!("/api/admin/projects/{}/retention/run", f.project_id), &json!({})).await?;
    assert!(counts["answers"].as_u64() > Some(500), "{counts}");
    let (mut raw_differs, mut fewer_listed) = (false, false);
    for ((path, from_aggregates), earlier) in reports(f).iter().zip(before) {
        if !from_aggregates {
            continue;
        }
        let (_, now) = f.admin.try_get(path).await?;
        let (_, raw) = f.admin.try_get(&format!("{path}&rollups=false")).await?;
        raw_differs |= trend(&timeless(raw)) != trend(&timeless(now.clone()));
        let listed = |v: &Value| v["answers"].as_array().map_or(0, Vec::len);
        fewer_listed |= listed(&now) < listed(earlier);
        assert_eq!(trend(&timeless(now)), trend(earlier), "{path}: retention changed the aggregates");
    }
    assert!(raw_differs && fewer_listed, "retention deleted answers the reports showed");
    Ok(())
}

on_both_backends!(aggregates_equal_answers);
