//! Attacks across the group tables of one protected wave (stop 32's review), each against the
//! real binary: nested attributes subtracted, comment lists intersected, a hidden group named.
//! k = 5 and the comment threshold 5 throughout; HR reads.

use nps_core::wire::SurveyKind;
use nps_e2e::links::{answer, personal_links};
use nps_e2e::{Admin, Backend, Installation, live_survey, on_both_backends};
use serde_json::{Value, json};
use std::collections::BTreeSet;

struct Fixture {
    _installation: Installation,
    hr: Admin,
    survey_id: i64,
}

async fn fixture(backend: Backend) -> anyhow::Result<Backend> {
    Ok(backend)
}

/// An employee survey whose campaign groups by `groups`, answered by every recipient of `csv`
/// (columns: email, then the groups) with score 9 and the comment "<email> says hi".
async fn answered(backend: Backend, groups: &[&str], csv: &str) -> anyhow::Result<Fixture> {
    let (f, links) = invited(backend, groups, csv).await?;
    answer_all(&links).await?;
    Ok(f)
}

/// The survey and campaign of [`answered`], nobody answered yet: the personal links.
async fn invited(backend: Backend, groups: &[&str], csv: &str) -> anyhow::Result<(Fixture, Vec<(String, String)>)> {
    let installation = Installation::start(backend).await?;
    let hr = installation.user("hr@corp.test", "hr").await?;
    let project = installation.owner.create_project(&["*"]).await?;
    let survey = installation.owner.create_survey(project.id, &live_survey("eNPS", SurveyKind::Enps)).await?;
    let fields = json!({ "survey_id": survey.id, "name": "Q1", "anonymity": "anonymous", "group_attributes": groups, "min_group": 5, "verbatim_min_group": 5 });
    let campaign = installation.owner.create_campaign(&fields, csv).await?;
    let links = personal_links(&installation.db.url, &installation.collector.url, campaign["id"].as_i64().unwrap_or_default()).await?;
    Ok((Fixture { _installation: installation, hr, survey_id: survey.id }, links))
}

async fn answer_all(links: &[(String, String)]) -> anyhow::Result<()> {
    for (email, url) in links {
        let (status, _) = answer(url, 9, &format!("{email} says hi")).await?;
        anyhow::ensure!((200..300).contains(&status), "{email}: {status}");
    }
    Ok(())
}

fn people(rows: &[(&str, usize)]) -> String {
    let mut csv = String::new();
    let mut n = 0;
    for (groups, count) in rows {
        for _ in 0..*count {
            csv.push_str(&format!("p{n}@corp.test,{groups}\n"));
            n += 1;
        }
    }
    csv
}

/// The comments listed for eng (the body: `comments`, or `withheld`).
async fn eng_comments(f: &Fixture) -> anyhow::Result<Value> {
    let path = format!("/api/admin/reports/comments?survey_id={}&attr=department:eng", f.survey_id);
    Ok(f.hr.try_get(&path).await?.1)
}

/// The n a group filter released, if any.
async fn released_n(f: &Fixture, group: &str) -> anyhow::Result<Option<u64>> {
    let (status, report) = f.hr.try_get(&format!("/api/admin/reports/nps?survey_id={}&attr={group}", f.survey_id)).await?;
    anyhow::ensure!(status == 200, "{group}: {status} {report}");
    Ok((report["disclosure"]["withheld"] == false).then(|| report["overall"]["n"].as_u64().unwrap_or(0)))
}

/// Departments and teams, nested: team alpha is five of eng's six. Each table alone released
/// everything, and eng minus alpha was the sixth eng person.
async fn nested_groups_cannot_be_subtracted(backend: Backend) -> anyhow::Result<()> {
    let csv = format!("email,department,team\n{}", people(&[("eng,alpha", 5), ("eng,beta", 1), ("legal,beta", 6)]));
    let f = answered(backend, &["department", "team"], &csv).await?;
    let (eng, alpha) = (released_n(&f, "department:eng").await?, released_n(&f, "team:alpha").await?);
    assert!(eng.is_none() || alpha.is_none(), "eng {eng:?} and alpha {alpha:?} both released");
    // Nor through the breakdowns: no released department minus a released team inside it.
    let mut released = Vec::new();
    for by in ["department", "team"] {
        let (_, table) = f.hr.try_get(&format!("/api/admin/reports/segments?survey_id={}&by=attr:{by}", f.survey_id)).await?;
        for segment in table["segments"].as_array().into_iter().flatten().filter(|s| !s["summary"].is_null()) {
            released.push(format!("{by}:{}", segment["value"].as_str().unwrap_or_default()));
        }
    }
    assert!(!(released.contains(&"department:eng".to_owned()) && released.contains(&"team:alpha".to_owned())), "{released:?}");
    assert!(!released.is_empty(), "the plan keeps what it can");
    Ok(())
}

/// Departments and locations, crossed: two eng people work in Berlin. The comments listed for
/// eng and for Berlin had exactly their two comments in common.
async fn comment_lists_cannot_be_intersected(backend: Backend) -> anyhow::Result<()> {
    let csv = format!(
        "email,department,location\n{}",
        people(&[("eng,berlin", 2), ("eng,paris", 8), ("sales,berlin", 8), ("sales,paris", 2)])
    );
    let f = answered(backend, &["department", "location"], &csv).await?;
    let mut lists: Vec<(String, BTreeSet<String>)> = Vec::new();
    for group in ["department:eng", "department:sales", "location:berlin", "location:paris"] {
        let (_, body) = f.hr.try_get(&format!("/api/admin/reports/comments?survey_id={}&attr={group}", f.survey_id)).await?;
        let texts: BTreeSet<String> = body["comments"].as_array().into_iter().flatten().filter_map(|c| c["comment"].as_str().map(str::to_owned)).collect();
        if body["withheld"] != true {
            lists.push((group.to_owned(), texts));
        }
    }
    assert!(!lists.is_empty(), "some group's comments stay listed");
    for (a, left) in &lists {
        for (b, right) in &lists {
            let shared = left.intersection(right).count();
            assert!(a == b || shared == 0 || shared >= 5, "{a} and {b} share {shared} comments");
        }
    }
    Ok(())
}

/// A hidden group was listed by name as withheld, and a filter on a group nobody answered
/// from came back released and empty: "legal: withheld" said that legal's one person
/// answered. Now a group too small and a group absent answer alike, and neither is named.
async fn a_hidden_group_is_not_named(backend: Backend) -> anyhow::Result<()> {
    let csv = format!("email,department\n{}", people(&[("eng", 6), ("sales", 6), ("legal", 1)]));
    let f = answered(backend, &["department"], &csv).await?;
    let (_, table) = f.hr.try_get(&format!("/api/admin/reports/segments?survey_id={}&by=attr:department", f.survey_id)).await?;
    assert!(!table.to_string().contains("legal"), "{table}");
    // legal (1) is hidden, and eng (6) with it (total minus the rest); sales stays.
    assert!(table.to_string().contains("sales"), "the large groups stay listed: {table}");
    let (legal, absent) = (released_n(&f, "department:legal").await?, released_n(&f, "department:finance").await?);
    assert_eq!((legal, absent), (None, None));
    let body = |group: &str| {
        let hr = &f.hr;
        let path = format!("/api/admin/reports/nps?survey_id={}&attr={group}", f.survey_id);
        async move { hr.try_get(&path).await.map(|(_, v): (_, Value)| v) }
    };
    let (mut small, mut nobody) = (body("department:legal").await?, body("department:finance").await?);
    for report in [&mut small, &mut nobody] {
        report["disclosure"]["waves"] = Value::Null;
    }
    assert_eq!(small, nobody, "a small group and an absent one must read alike");
    Ok(())
}

/// Two readings one snapshot apart: eng was 8 with its eight comments, then five more answers
/// came (one in eng, four in sales) and the new snapshot showed eng 9 and nine comments: the
/// new eng person's band and words. A group or list that moved by fewer than k since it was
/// released is held back until it moves by k.
async fn a_group_that_moved_by_few_is_held_back(backend: Backend) -> anyhow::Result<()> {
    let csv = format!("email,department\n{}", people(&[("eng", 14), ("sales", 10)]));
    let (f, links) = invited(backend, &["department"], &csv).await?;
    let of = |prefix: std::ops::Range<usize>| -> Vec<(String, String)> {
        prefix.filter_map(|n| links.iter().find(|(e, _)| *e == format!("p{n}@corp.test")).cloned()).collect()
    };
    // eng are p0..p13, sales p14..p23.
    answer_all(&[of(0..8), of(14..19)].concat()).await?;
    assert_eq!((released_n(&f, "department:eng").await?, released_n(&f, "department:sales").await?), (Some(8), Some(5)));
    assert_eq!(eng_comments(&f).await?["comments"].as_array().map(Vec::len), Some(8));

    answer_all(&[of(8..9), of(19..23)].concat()).await?;
    let (_, whole) = f.hr.try_get(&format!("/api/admin/reports/nps?survey_id={}", f.survey_id)).await?;
    assert_eq!(whole["overall"]["n"].as_u64(), Some(18), "the wave's snapshot moved by five: {whole}");
    assert_eq!(released_n(&f, "department:eng").await?, None, "eng moved by one");
    assert_eq!(eng_comments(&f).await?["withheld"], true);

    answer_all(&[of(9..13), of(23..24)].concat()).await?;
    assert_eq!((released_n(&f, "department:eng").await?, released_n(&f, "department:sales").await?), (Some(13), Some(10)));
    assert_eq!(eng_comments(&f).await?["comments"].as_array().map(Vec::len), Some(13));
    Ok(())
}

on_both_backends!(
    a_group_that_moved_by_few_is_held_back,nested_groups_cannot_be_subtracted, comment_lists_cannot_be_intersected, a_hidden_group_is_not_named);
