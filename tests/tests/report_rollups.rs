//! Report rollups on SQLite and PostgreSQL: answers stored the way the drainer stores them
//! (batches replayed, comments before scores, attributes changing, dimensions declared before,
//! during and after ingest) give the same headline, trend and breakdowns through the admin API
//! from the rollups as from the raw rows; internal users are left out of reports by default.

mod support;

use nps_collector::ingest::IngestRecord;
use nps_collector::store::rollups::RollupDimension;
use nps_collector::store::{Dimension, ResponseQuery};
use nps_core::eligibility::SurveyRules;
use nps_core::wire::{AccountMembership, ClientId, Device, Language, ResponseRequest, Survey, SurveyInput, SurveyKind, TriggerLabel};
use nps_core::{BandCounts, NpsScore};
use nps_e2e::{Admin, Backend, Lcg, live_survey, on_both_backends};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use support::{StoreBeside, attrs, complete, response, store_beside_a_collector};

const DAY: i64 = 86_400_000;
const T0: i64 = 1_735_689_600_000; // 2025-01-01T00:00:00Z
const USERS: usize = 240;
const ANSWERS: usize = 4_000;
const SPAN_DAYS: u64 = 420;

/// Users 0..10 are staff (`@corp.example`); some users have no plan; `seats` is a number and
/// `beta` a boolean, to prove values read the same from both paths.
fn identify(project_id: i64, u: usize, plan_shift: usize, at: i64) -> IngestRecord {
    let plans = ["free", "pro", "enterprise"];
    let countries = ["DE", "FR", "US", "BR", "JP"];
    let domain = if u < 10 { "corp.example" } else { "customer.example" };
    let mut a = json!({ "email": format!("u{u}@{domain}"), "country": countries[u % 5], "seats": (u % 7) * 5, "beta": u.is_multiple_of(4) });
    if !u.is_multiple_of(9) {
        a["plan"] = json!(plans[(u + plan_shift) % 3]);
    }
    let roles = ["executive_buyer", "admin", "end_user"];
    IngestRecord::Identify {
        project_id,
        at,
        user_id: format!("u{u}"),
        attributes: attrs(a),
        created_at: None,
        language: None,
        account: (!u.is_multiple_of(5)).then(|| AccountMembership { id: ClientId::parse(format!("acct{}", u % 17)).expect("valid"), attributes: Default::default(), role: ClientId::parse(roles[u % 3]).expect("valid") }),
    }
}

struct Generated {
    /// Batches in the order the drainer would apply them.
    batches: Vec<Vec<IngestRecord>>,
    /// (survey, user index, score, day) of every answer.
    answers: Vec<(i64, usize, i64, i64)>,
}

fn generate(project_id: i64, surveys: &[i64]) -> Generated {
    let mut rng = Lcg(7);
    let mut batches = vec![(0..USERS - 20).map(|u| identify(project_id, u, 0, T0 - DAY)).collect::<Vec<_>>()];
    let mut answers = Vec::new();
    let mut pending_scores = Vec::new();
    let mut batch = Vec::new();
    for i in 0..ANSWERS {
        let at = T0 + (rng.below(SPAN_DAYS) as i64) * DAY + rng.below(DAY as u64) as i64;
        let u = rng.below(USERS as u64) as usize;
        let survey_id = surveys[rng.below(surveys.len() as u64) as usize];
        let score = (rng.below(11) as i64 + [-2, 0, 2][u % 3]).clamp(0, 10);
        let id = format!("r{i}");
        let user_id = format!("u{u}");
        if i % 10 == 3 {
            // The comment arrives first; the score follows in a later batch.
            batch.push(complete(project_id, survey_id, &id, &user_id, "slow", at));
        }
        let response = ResponseRequest {
            response_id: ClientId::parse(id).expect("valid"),
            survey_id,
            user_id: ClientId::parse(user_id).expect("valid"),
            display_id: None,
            score: NpsScore::new(score).expect("score in range"),
            language: (i % 6 != 0).then(|| Language::parse(rng.pick(&["en", "de", "fr"])).expect("valid")),
            device: (i % 8 != 0).then(|| Device::parse(rng.pick(&["desktop", "mobile", "tablet"])).expect("valid")),
            trigger: Some(TriggerLabel::parse(rng.pick(&["after_export", "page_view"])).expect("valid")),
            sampling_rate_bp: None,
        };
        let record = IngestRecord::Response { project_id, at, response };
        if i % 10 == 3 { pending_scores.push(record) } else { batch.push(record) }
        answers.push((survey_id, u, score, at / DAY));
        if batch.len() >= 400 {
            batch.append(&mut pending_scores);
            batches.push(std::mem::take(&mut batch));
            // Some users change plan, and late users appear, between batches.
            let shift = batches.len();
            batches.push((0..USERS).filter(|u| u % 11 == shift % 11).map(|u| identify(project_id, u, shift, at)).collect());
        }
    }
    batch.append(&mut pending_scores);
    batches.push(batch);
    Generated { batches, answers }
}

/// Two customer surveys; the first leaves out the staff (`@corp.example`).
struct Fixture {
    base: StoreBeside,
    surveys: Vec<Survey>,
}

nps_e2e::extends!(Fixture, StoreBeside, base);

async fn fixture(backend: Backend) -> anyhow::Result<Fixture> {
    let base = store_beside_a_collector(backend).await?;
    let mut rules = SurveyRules::default();
    rules.targeting.exclude.email_domains = vec!["corp.example".into()];
    let mut surveys = Vec::new();
    for (name, rules) in [("in-app", rules), ("onboarding", SurveyRules::default())] {
        surveys.push(base.admin.create_survey(base.project_id, &SurveyInput { rules, ..live_survey(name, SurveyKind::Tnps) }).await?);
    }
    Ok(Fixture { base, surveys })
}

async fn declare(s: &Fixture, dimension: &str) -> anyhow::Result<()> {
    let _: Value = s.admin.post(&format!("/api/admin/projects/{}/report-dimensions", s.project_id), &json!({ "dimension": dimension })).await?;
    Ok(())
}

/// The same report from the rollups and from the raw rows, as JSON.
async fn both_ways(admin: &Admin, path: &str) -> anyhow::Result<Value> {
    let fast: Value = admin.get(&format!("{path}&rollups=true")).await?;
    let raw: Value = admin.get(&format!("{path}&rollups=false")).await?;
    assert_eq!(fast, raw, "{path}: rollups and raw rows disagree");
    Ok(fast)
}

fn expected_counts(answers: &[(i64, usize, i64, i64)], keep: impl Fn(&(i64, usize, i64, i64)) -> bool) -> BandCounts {
    let mut c = BandCounts::default();
    for a in answers.iter().filter(|a| keep(a)) {
        let s = a.2;
        c.merge(BandCounts::new(u64::from(s >= 9), u64::from((7..=8).contains(&s)), u64::from(s <= 6)));
    }
    c
}

async fn rollups_match_raw_rows(s: Fixture) -> anyhow::Result<()> {
    let ids: Vec<i64> = s.surveys.iter().map(|x| x.id).collect();
    let generated = generate(s.project_id, &ids);
    declare(&s, "attr:plan").await?;
    declare(&s, "device").await?;
    let half = generated.batches.len() / 2;
    for (i, batch) in generated.batches.iter().enumerate() {
        s.store.apply_batch(batch).await?;
        // The drainer replays a batch when it crashed before removing it from the spool.
        if i % 3 != 2 {
            s.store.apply_batch(batch).await?;
        }
        if i == half {
            declare(&s, "attr:country").await?;
            declare(&s, "role").await?;
            declare(&s, "attr:seats").await?;
        }
    }
    declare(&s, "language").await?;
    declare(&s, "attr:beta").await?;
    declare(&s, "language").await?; // declaring twice changes nothing

    // Straight from the store: every answer counted exactly once, per day and per segment.
    let all = ResponseQuery { survey_ids: ids.clone(), ..Default::default() };
    let raw_days = s.store.daily_band_counts(&all).await?;
    assert_eq!(s.store.rollup_daily(&all).await?, raw_days);
    let mut total = BandCounts::default();
    raw_days.iter().for_each(|d| total.merge(d.counts));
    assert_eq!(total, expected_counts(&generated.answers, |_| true));
    for key in ["attr:plan", "attr:country", "attr:seats", "attr:beta", "role", "device", "language"] {
        let dimension = RollupDimension::parse(key).expect("dimension");
        let by = Dimension::parse(key).expect("dimension");
        assert_eq!(s.store.rollup_segments(&all, Some(&dimension)).await?, s.store.segment_counts(&all, &by).await?, "{key}");
    }

    // Through the admin API, with and without internal users, for the whole range and a part.
    let survey_list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let ranges = [String::new(), format!("&from={}&to={}", T0 + 30 * DAY, T0 + 200 * DAY)];
    for range in &ranges {
        for internal in ["", "&exclude_internal=false"] {
            let filters = format!("survey_id={survey_list}{range}{internal}");
            for granularity in ["day", "week", "month"] {
                both_ways(&s.admin, &format!("/api/admin/reports/nps?{filters}&granularity={granularity}")).await?;
            }
            for by in ["attr:plan", "attr:country", "attr:seats", "attr:beta", "role", "device", "language", "survey", "trigger"] {
                both_ways(&s.admin, &format!("/api/admin/reports/segments?{filters}&by={by}")).await?;
            }
        }
    }

    // Internal users (u0..u9, `@corp.example`) are left out by default, and only they.
    for (range, whole) in [(&ranges[0], true), (&ranges[1], false)] {
        let in_it = |a: &(i64, usize, i64, i64)| whole || (T0 / DAY + 30..T0 / DAY + 200).contains(&a.3);
        let path = format!("/api/admin/reports/nps?survey_id={survey_list}{range}");
        let default = both_ways(&s.admin, &format!("{path}&granularity=week")).await?;
        let everyone = both_ways(&s.admin, &format!("{path}&granularity=week&exclude_internal=false")).await?;
        let customers = expected_counts(&generated.answers, |a| in_it(a) && a.1 >= 10);
        let all_users = expected_counts(&generated.answers, |a| in_it(a));
        assert_eq!(default["overall"]["n"].as_u64(), Some(customers.n()));
        assert_eq!(default["overall"]["counts"]["promoters"].as_u64(), Some(customers.promoters));
        assert_eq!(everyone["overall"]["n"].as_u64(), Some(all_users.n()));
        assert!(all_users.n() > customers.n(), "the generated data has internal answers");
    }

    // Segments: the declared dimension's breakdown adds up to the same customers-only total.
    let plan = both_ways(&s.admin, &format!("/api/admin/reports/segments?survey_id={survey_list}&by=attr:plan")).await?;
    let per_segment: u64 = plan["segments"].as_array().into_iter().flatten().map(|x| x["summary"]["n"].as_u64().unwrap_or(0)).sum();
    assert_eq!(per_segment, expected_counts(&generated.answers, |a| a.1 >= 10).n());
    let dims: Value = s.admin.get(&format!("/api/admin/projects/{}/report-dimensions", s.project_id)).await?;
    assert_eq!(dims["dimensions"].as_array().map(Vec::len), Some(7));
    Ok(())
}


/// A replayed batch adds nothing; a score arriving after its comment is counted once, on the
/// day of the answer, with the attributes of the answer.
async fn replays_and_late_scores_count_once(s: Fixture) -> anyhow::Result<()> {
    let survey_id = s.surveys[1].id;
    declare(&s, "attr:plan").await?;
    let p = s.project_id;
    let score = |id: &str, user: &str, value: i64, at: i64| response(p, survey_id, id, user, value, at);
    let first = vec![
        identify(p, 11, 0, T0),
        score("a", "u11", 10, T0 + DAY),
        score("b", "u11", 3, T0 + DAY),
        complete(p, survey_id, "c", "u11", "late score", T0 + 2 * DAY),
    ];
    for _ in 0..3 {
        s.store.apply_batch(&first).await?;
    }
    let second = vec![score("c", "u11", 8, T0 + 2 * DAY), score("a", "u11", 0, T0 + DAY)];
    for _ in 0..2 {
        s.store.apply_batch(&second).await?;
    }
    let q = ResponseQuery { survey_ids: vec![survey_id], ..Default::default() };
    let days = s.store.rollup_daily(&q).await?;
    let mut by_day = BTreeMap::new();
    days.iter().for_each(|d| {
        by_day.insert(d.day - T0 / DAY, d.counts);
    });
    assert_eq!(by_day, BTreeMap::from([(1, BandCounts::new(1, 0, 1)), (2, BandCounts::new(0, 1, 0))]));
    assert_eq!(days, s.store.daily_band_counts(&q).await?);
    let plan = RollupDimension::Attribute("plan".into());
    let segments = s.store.rollup_segments(&q, Some(&plan)).await?;
    assert_eq!(segments, vec![(Some("enterprise".to_owned()), BandCounts::new(1, 1, 1))]);
    assert_eq!(segments, s.store.segment_counts(&q, &Dimension::Attribute("plan".into())).await?);

    // Dropped, then declared again: rebuilt from the raw rows, nothing left over.
    let path = format!("/api/admin/projects/{}/report-dimensions/attr:plan", s.project_id);
    let (status, _) = s.admin.call(reqwest::Method::DELETE, &path, None).await?;
    assert!(status.is_success(), "drop: {status}");
    assert!(!s.store.dimension_declared_for(&[survey_id], &plan).await?);
    declare(&s, "attr:plan").await?;
    assert_eq!(s.store.rollup_segments(&q, Some(&plan)).await?, segments);
    Ok(())
}

on_both_backends!(rollups_match_raw_rows, replays_and_late_scores_count_once);
