//! Each concrete attack ever found on employee-NPS anonymity, as its own test against the real
//! binary: an anonymous campaign with k = 5, group attribute `department`, five people in
//! `eng` and one in `legal` (the organisation of issue #11).

use nps_core::wire::SurveyKind;
use nps_e2e::links::{answer, personal_links};
use nps_e2e::{Admin, Backend, Collector, Installation, TestDatabase, live_survey, on_both_backends};
use reqwest::StatusCode;
use serde_json::{Value, json};

struct Fixture {
    _dir: tempfile::TempDir,
    db: TestDatabase,
    collector: Collector,
    owner: Admin,
    hr: Admin,
    survey_id: i64,
    campaign: Value,
}

/// Six answers: eng 9, 9, 10, 7, 3 (with comments), legal 0 "my manager ignores me".
async fn fixture(backend: Backend) -> anyhow::Result<Fixture> {
    fixture_with(backend, "anonymous").await
}

async fn fixture_with(backend: Backend, anonymity: &str) -> anyhow::Result<Fixture> {
    let installation = Installation::start(backend).await?;
    let hr = installation.user("hr@corp.test", "hr").await?;
    let Installation { dir, db, collector, owner } = installation;
    let project = owner.create_project(&["*"]).await?;
    let survey = owner.create_survey(project.id, &live_survey("eNPS", SurveyKind::Enps)).await?;
    let csv = "email,name,department,language\n\
               e0@corp.test,E0,eng,de\ne1@corp.test,E1,eng,en\ne2@corp.test,E2,eng,en\ne3@corp.test,E3,eng,en\ne4@corp.test,E4,eng,en\n\
               l0@corp.test,L0,legal,fr\n\
               n0@corp.test,N0,eng,en\nn1@corp.test,N1,eng,en\nn2@corp.test,N2,eng,en\nn3@corp.test,N3,eng,en\nn4@corp.test,N4,eng,en\n";
    let fields = json!({ "survey_id": survey.id, "name": "Q1", "anonymity": anonymity, "group_attributes": ["department"] });
    let campaign = owner.create_campaign(&fields, csv).await?;
    let answers = [("e0", 9, "great team"), ("e1", 9, "great tools"), ("e2", 10, "great growth"), ("e3", 7, "fine pay"), ("e4", 3, "poor pay"), ("l0", 0, "my manager ignores me")];
    let links = personal_links(&db.url, &collector.url, campaign["id"].as_i64().unwrap_or_default()).await?;
    for (who, score, comment) in answers {
        answer_as(&links, who, score, comment).await?;
    }
    Ok(Fixture { _dir: dir, db, collector, owner, hr, survey_id: survey.id, campaign })
}

/// Answers the personal link of the recipient whose address starts with `who`.
async fn answer_as(links: &[(String, String)], who: &str, score: u8, comment: &str) -> anyhow::Result<()> {
    let (_, url) = links.iter().find(|(email, _)| email.starts_with(who)).ok_or_else(|| anyhow::anyhow!("no link for {who}"))?;
    let (status, _) = answer(url, score, comment).await?;
    anyhow::ensure!((200..300).contains(&status), "{who}: {status}");
    Ok(())
}

/// Answers as one of the five recipients (n0..n4) who had not answered yet.
async fn answer_late(f: &Fixture, who: &str, score: u8) -> anyhow::Result<()> {
    let links = personal_links(&f.db.url, &f.collector.url, f.campaign["id"].as_i64().unwrap_or_default()).await?;
    answer_as(&links, who, score, "").await
}

fn refused_as_protected((status, body): &(StatusCode, Value)) -> bool {
    *status == 403 && body["code"] == "anonymity_protected"
}

/// Rows: HR listed every anonymous answer with its department and language, so the single
/// `legal` answer was the person. No reader gets rows, in any format.
async fn answer_rows_are_never_released(f: Fixture) -> anyhow::Result<()> {
    for format in ["json", "csv", "xlsx"] {
        for reader in [&f.hr, &f.owner] {
            let r = reader.try_get(&format!("/api/admin/responses?survey_id={}&format={format}", f.survey_id)).await?;
            assert!(refused_as_protected(&r), "{format}: {r:?}");
        }
    }
    // The owner's listing of everything leaves the employee answers out.
    let (status, rows) = f.owner.try_get("/api/admin/responses").await?;
    assert_eq!(status, 200);
    assert_eq!(rows.as_array().map(Vec::len), Some(0), "{rows}");
    Ok(())
}

/// Differencing through segments: `attr=department:eng&by=survey` answered n = 5 while the
/// whole was 6. A group filter resolves to a released cell only, and eng (5) is hidden with
/// legal (1) by complementary suppression, so the filter is withheld.
async fn a_filtered_breakdown_cannot_subtract_one_person(f: Fixture) -> anyhow::Result<()> {
    let s = f.survey_id;
    let r = f.hr.try_get(&format!("/api/admin/reports/segments?survey_id={s}&attr=department:eng&by=survey")).await?;
    assert!(refused_as_protected(&r), "{r:?}");
    let r = f.hr.try_get(&format!("/api/admin/reports/segments?survey_id={s}&by=attr:department")).await?;
    assert_eq!(r.0, 200);
    // Hidden cells are not listed at all: "legal: withheld" said that legal's one person
    // answered (stop 32's review).
    assert!(r.1["segments"].as_array().is_some_and(Vec::is_empty), "{}", r.1);
    assert!(!r.1.to_string().contains("legal"), "{}", r.1);
    let (status, whole) = f.hr.try_get(&format!("/api/admin/reports/nps?survey_id={s}")).await?;
    assert_eq!((status, whole["overall"]["n"].as_u64()), (StatusCode::OK, Some(6)));
    let (status, eng) = f.hr.try_get(&format!("/api/admin/reports/nps?survey_id={s}&attr=department:eng")).await?;
    assert_eq!(status, 200);
    assert_eq!((eng["overall"]["n"].as_u64(), eng["disclosure"]["withheld"].as_bool()), (Some(0), Some(true)), "{eng}");
    // Other dimensions do not exist for anonymous answers.
    for by in ["language", "device", "survey", "role"] {
        let r = f.hr.try_get(&format!("/api/admin/reports/segments?survey_id={s}&by={by}")).await?;
        assert!(refused_as_protected(&r), "by={by}: {r:?}");
    }
    Ok(())
}

/// Themes of one person: `reports/themes?attr=department:legal` (and with a band) gave the
/// single person's comment count, sentiment and themes.
async fn themes_and_comments_of_one_person_are_withheld(f: Fixture) -> anyhow::Result<()> {
    let s = f.survey_id;
    let (status, legal) = f.hr.try_get(&format!("/api/admin/reports/themes?survey_id={s}&attr=department:legal")).await?;
    assert_eq!(status, 200);
    assert_eq!((legal["withheld"].as_bool(), legal["comments"].as_u64()), (Some(true), Some(0)), "{legal}");
    assert!(legal["sentiment"].as_object().is_some_and(|m| m.is_empty()));
    let r = f.hr.try_get(&format!("/api/admin/reports/themes?survey_id={s}&attr=department:legal&band=detractor")).await?;
    assert!(refused_as_protected(&r), "{r:?}");
    let (_, comments) = f.hr.try_get(&format!("/api/admin/reports/comments?survey_id={s}&attr=department:legal")).await?;
    assert_eq!(comments["withheld"], true, "{comments}");
    // The whole wave's six comments are released as a set sorted by text, bands only.
    let (_, all) = f.hr.try_get(&format!("/api/admin/reports/comments?survey_id={s}")).await?;
    let texts: Vec<&str> = all["comments"].as_array().into_iter().flatten().filter_map(|c| c["comment"].as_str()).collect();
    assert_eq!(texts, ["fine pay", "great growth", "great team", "great tools", "my manager ignores me", "poor pay"]);
    assert!(all["comments"].as_array().into_iter().flatten().all(|c| c.as_object().is_some_and(|o| o.len() == 2)));
    Ok(())
}

/// Time: two date ranges, or a daily trend, differed by one answer. Anonymous answers keep
/// the wave's start as their only time and no language; dates are not a filter at all.
async fn time_is_the_wave_and_nothing_finer(f: Fixture) -> anyhow::Result<()> {
    let s = f.survey_id;
    for q in ["from=0&to=4102444800000", "from=0", "window_days=7", "band=promoter", "q=pay", "has_comment=true", "counting=latest_per_user"] {
        for endpoint in ["nps", "segments", "themes", "comments"] {
            let r = f.hr.try_get(&format!("/api/admin/reports/{endpoint}?survey_id={s}&by=attr:department&{q}")).await?;
            assert!(refused_as_protected(&r), "{endpoint}?{q}: {r:?}");
        }
    }
    let (_, daily) = f.hr.try_get(&format!("/api/admin/reports/nps?survey_id={s}&granularity=day")).await?;
    assert_eq!(daily["periods"].as_array().map(Vec::len), Some(1), "one point per wave: {daily}");
    assert_eq!(daily["disclosure"]["waves"].as_array().map(Vec::len), Some(1));
    let started = f.campaign["created_at"].as_i64().unwrap_or_default();
    let rows: Vec<(i64, Option<String>)> = match f.db.url.starts_with("postgres") {
        true => {
            use sqlx::Connection;
            let mut db = sqlx::PgConnection::connect(&f.db.url).await?;
            sqlx::query_as("SELECT created_at, language FROM responses WHERE survey_id = $1").bind(s).fetch_all(&mut db).await?
        }
        false => {
            use sqlx::Connection;
            let mut db = sqlx::SqliteConnection::connect(&f.db.url).await?;
            // No hidden insertion order: the table has no rowid at all.
            assert!(sqlx::query("SELECT rowid FROM responses").fetch_all(&mut db).await.is_err(), "responses keeps a rowid");
            sqlx::query_as("SELECT created_at, language FROM responses WHERE survey_id = $1").bind(s).fetch_all(&mut db).await?
        }
    };
    assert_eq!(rows.len(), 6);
    assert!(rows.iter().all(|(at, language)| *at == started && language.is_none()), "{rows:?}");
    Ok(())
}

/// Time, read live: a report read before and after one person answered gave that person's
/// score by subtraction. Reports read the wave's snapshot, replaced only after k new answers.
async fn reading_before_and_after_an_answer_shows_the_same_figures(f: Fixture) -> anyhow::Result<()> {
    let path = format!("/api/admin/reports/nps?survey_id={}", f.survey_id);
    let (_, before) = f.hr.try_get(&path).await?;
    assert_eq!(before["overall"]["n"], 6);
    for (i, who) in ["n0", "n1", "n2", "n3"].into_iter().enumerate() {
        answer_late(&f, who, 0).await?;
        let (_, after) = f.hr.try_get(&path).await?;
        assert_eq!(after["overall"], before["overall"], "after {} more answers", i + 1);
        let (_, comments) = f.hr.try_get(&format!("/api/admin/reports/comments?survey_id={}", f.survey_id)).await?;
        assert_eq!(comments["comments"].as_array().map(Vec::len), Some(6));
    }
    // Participation is live while both sides are at least k: ten of eleven answered leaves one
    // who did not, so it is withheld (stop 32's review); results wait for k new answers.
    let status_path = format!("/api/admin/campaigns/{}/status", f.campaign["id"]);
    let (_, status) = f.hr.try_get(&status_path).await?;
    assert!(status["waves"][0]["answered"].is_null(), "{status}");
    answer_late(&f, "n4", 0).await?;
    let (_, status) = f.hr.try_get(&status_path).await?;
    assert_eq!(status["waves"][0]["answered"], 11);
    let (_, after) = f.hr.try_get(&path).await?;
    assert_eq!((after["overall"]["n"].as_u64(), after["overall"]["counts"]["detractors"].as_u64()), (Some(11), Some(7)), "{after}");
    Ok(())
}

/// Who answered: whoever created the campaign could download every personal link and watch
/// the page change once a link was used.
async fn links_of_anonymous_campaigns_are_never_shown(f: Fixture) -> anyhow::Result<()> {
    let id = &f.campaign["id"];
    for reader in [&f.hr, &f.owner] {
        for q in ["", "?format=csv", "?wave=1"] {
            let r = reader.try_get(&format!("/api/admin/campaigns/{id}/links{q}")).await?;
            assert!(refused_as_protected(&r), "{q}: {r:?}");
        }
    }
    // Participation is a count per wave, never per person.
    let (status, campaign_status) = f.hr.try_get(&format!("/api/admin/campaigns/{id}/status")).await?;
    assert_eq!(status, 200);
    assert_eq!(campaign_status["waves"][0]["answered"], 6);
    assert!(!campaign_status.to_string().contains("@corp.test"), "{campaign_status}");
    Ok(())
}

/// Compare: employee NPS against customer NPS releases the wave's whole, never a subset.
async fn compare_releases_the_whole_wave_only(f: Fixture) -> anyhow::Result<()> {
    let projects: Vec<nps_core::wire::Project> = f.owner.get("/api/admin/projects").await?;
    let customer = f.owner.create_live_survey(projects[0].id, SurveyKind::Tnps).await?;
    let s = f.survey_id;
    let (status, compared) = f.owner.try_get(&format!("/api/admin/reports/compare?a={s}&b={}", customer.id)).await?;
    assert_eq!((status, compared["a"]["n"].as_u64()), (StatusCode::OK, Some(6)), "{compared}");
    let r = f.owner.try_get(&format!("/api/admin/reports/compare?a={s},{}&b={}", customer.id, customer.id)).await?;
    assert!(refused_as_protected(&r), "mixed with another survey: {r:?}");
    Ok(())
}

/// Confidential campaigns keep identity and times in storage, never in what HR reads: no
/// date ranges, no rows, no links.
#[tokio::test]
async fn confidential_campaigns_release_no_dates() -> anyhow::Result<()> {
    let f = fixture_with(Backend::Sqlite, "confidential").await?;
    let s = f.survey_id;
    for path in [
        format!("/api/admin/reports/nps?survey_id={s}&from=0&to=4102444800000"),
        format!("/api/admin/responses?survey_id={s}"),
        format!("/api/admin/campaigns/{}/links", f.campaign["id"]),
    ] {
        let r = f.hr.try_get(&path).await?;
        assert!(refused_as_protected(&r), "{path}: {r:?}");
    }
    let (_, whole) = f.hr.try_get(&format!("/api/admin/reports/nps?survey_id={s}")).await?;
    assert_eq!(whole["overall"]["n"], 6);
    Ok(())
}

/// Kind switch (stop 32's review): an owner edited the eNPS survey into tNPS, and every answer
/// was a row again (with the recipient and the second for confidential ones). An employee
/// survey keeps its kind, and its answers stay protected.
async fn an_employee_survey_never_changes_kind(f: Fixture) -> anyhow::Result<()> {
    for kind in [SurveyKind::Tnps, SurveyKind::Rnps, SurveyKind::Partner] {
        let input = serde_json::to_value(live_survey("eNPS", kind))?;
        let (status, body) = f.owner.call(reqwest::Method::PUT, &format!("/api/admin/surveys/{}", f.survey_id), Some(&input)).await?;
        assert_eq!(status, StatusCode::CONFLICT, "{kind:?}: {body}");
        nps_e2e::assert_error(&body, "conflict", "kind cannot change from enps");
    }
    let survey: Value = f.owner.get(&format!("/api/admin/surveys/{}", f.survey_id)).await?;
    assert_eq!(survey["kind"], "enps");
    let rows = f.owner.try_get(&format!("/api/admin/responses?survey_id={}&format=csv", f.survey_id)).await?;
    assert!(refused_as_protected(&rows), "{rows:?}");
    // The same survey edited without changing its kind still saves.
    f.owner.put(&format!("/api/admin/surveys/{}", f.survey_id), &live_survey("eNPS renamed", SurveyKind::Enps)).await
}

/// An identified campaign of an employee survey handed HR every employee's personal link (and
/// with it, who answered when); an anonymous campaign of a customer survey promised a
/// protection its reports never apply. Both are refused.
async fn campaigns_promise_only_what_the_kind_keeps(f: Fixture) -> anyhow::Result<()> {
    let refused = |body: &Value| body["code"] == "conflict" && body["message"].as_str().is_some_and(|m| m.contains("does not fit"));
    for reader in [&f.hr, &f.owner] {
        let identified = json!({ "survey_id": f.survey_id, "name": "named", "anonymity": "identified" });
        let (status, body) = reader.try_post("/api/admin/campaigns", &identified).await?;
        assert!(status == StatusCode::CONFLICT && refused(&body), "{status} {body}");
    }
    let project = f.owner.get::<Value>(&format!("/api/admin/surveys/{}", f.survey_id)).await?["project_id"].as_i64().unwrap_or_default();
    let customer = f.owner.create_live_survey(project, SurveyKind::Tnps).await?;
    for anonymity in ["anonymous", "confidential"] {
        let (status, body) = f.owner.try_post("/api/admin/campaigns", &json!({ "survey_id": customer.id, "name": "x", "anonymity": anonymity })).await?;
        assert!(status == StatusCode::CONFLICT && refused(&body), "{anonymity}: {status} {body}");
    }
    Ok(())
}

/// Participation of one person: a second campaign on the same survey with Alice as its only
/// recipient, its status polled, said when she answered. A protected campaign's participation
/// is released only while both sides are at least k, and its reminders are never counted.
async fn a_campaign_of_one_does_not_tell_when_she_answered(f: Fixture) -> anyhow::Result<()> {
    let fields = json!({ "survey_id": f.survey_id, "name": "Alice only", "anonymity": "anonymous", "group_attributes": ["department"] });
    let alone = f.hr.create_campaign(&fields, "email,department\nalice@corp.test,legal\n").await?;
    let id = alone["id"].as_i64().unwrap_or_default();
    let status_path = format!("/api/admin/campaigns/{id}/status");
    let (_, before) = f.hr.try_get(&status_path).await?;
    let links = personal_links(&f.db.url, &f.collector.url, id).await?;
    answer_as(&links, "alice", 4, "").await?;
    let (_, after) = f.hr.try_get(&status_path).await?;
    for status in [&before, &after] {
        let wave = &status["waves"][0];
        assert!(wave["answered"].is_null() && wave["reminders_sent"].is_null(), "{status}");
    }
    assert_eq!(before, after, "the status must not change when she answers");
    // (The delivery log's reminders are left out too: tests/tests/campaign_email.rs.)
    Ok(())
}

on_both_backends!(
    a_campaign_of_one_does_not_tell_when_she_answered,
    an_employee_survey_never_changes_kind,
    campaigns_promise_only_what_the_kind_keeps,
    answer_rows_are_never_released,
    a_filtered_breakdown_cannot_subtract_one_person,
    themes_and_comments_of_one_person_are_withheld,
    time_is_the_wave_and_nothing_finer,
    links_of_anonymous_campaigns_are_never_shown,
    reading_before_and_after_an_answer_shows_the_same_figures,
    compare_releases_the_whole_wave_only,
);

/// Side door: the follow-up queue listed answers one by one with their score. Answers of
/// partner surveys run through an anonymous campaign are protected like employee NPS, so they
/// never become follow-ups (an identified campaign's still do).
#[tokio::test]
async fn anonymous_partner_answers_never_become_follow_ups() -> anyhow::Result<()> {
    let Installation { dir: _dir, db, collector, owner } = Installation::start(Backend::Sqlite).await?;
    let project = owner.create_project(&["*"]).await?;
    let policy = json!({ "bands": ["detractor"], "sla_hours": 48, "team": [], "default_owner": "pm@x.io" });
    let (status, _) = owner.call(reqwest::Method::PUT, &format!("/api/admin/projects/{}/followup-policy", project.id), Some(&policy)).await?;
    assert_eq!(status.as_u16(), 200);
    for anonymity in ["anonymous", "identified"] {
        let survey = owner.create_live_survey(project.id, SurveyKind::Partner).await?;
        let fields = json!({ "survey_id": survey.id, "name": anonymity, "anonymity": anonymity, "group_attributes": ["partner"] });
        let campaign = owner.create_campaign(&fields, &format!("email,partner\na-{anonymity}@p.test,p1\nb-{anonymity}@p.test,p1\n")).await?;
        for (_, url) in personal_links(&db.url, &collector.url, campaign["id"].as_i64().unwrap_or_default()).await? {
            assert!((200..300).contains(&answer(&url, 1, "slow").await?.0));
        }
    }
    let queue: Vec<Value> = owner.get(&format!("/api/admin/followups?project_id={}", project.id)).await?;
    assert_eq!(queue.len(), 2, "the two identified detractors only: {queue:?}");
    Ok(())
}
