//! Employee NPS by link: single-use invitations, provable anonymity, small groups suppressed
//! everywhere, differencing refused, clear pages for reused, expired and forged links.

use nps_core::wire::SurveyKind;
use nps_e2e::links::answer;
use nps_e2e::{Admin, Collector, World};
use serde_json::{Value, json};
use sqlx::Connection;

struct Setup {
    _dir: tempfile::TempDir,
    collector: Collector,
    admin: Admin,
    db_url: String,
    survey_id: i64,
    campaign_created_at: i64,
    links: Vec<(String, String)>,
}

/// An anonymous employee campaign of nine: four in ops and five in sales, so its groups are 4
/// (below k = 5) and 5.
async fn setup() -> anyhow::Result<Setup> {
    let World { dir, db, collector, admin, survey, .. } = World::start(SurveyKind::Enps).await?;
    let campaign: Value = admin
        .post(
            "/api/admin/campaigns",
            &json!({ "survey_id": survey.id, "name": "Q4", "anonymity": "anonymous", "group_attributes": ["department"] }),
        )
        .await?;
    let mut csv = String::from("email,name,department,manager\n");
    for i in 0..4 {
        csv.push_str(&format!("ops{i}@corp.test,Ops {i},ops,Olga\n"));
    }
    for i in 0..5 {
        csv.push_str(&format!("sales{i}@corp.test,Sales {i},sales,Sam\n"));
    }
    let imported: Value = admin.post(&format!("/api/admin/campaigns/{}/recipients", campaign["id"]), &nps_e2e::recipients_json(&csv)).await?;
    assert_eq!(imported["received"], 9);
    // Admins never see the links of an anonymous campaign; the test plays the recipients.
    let refused = admin.http.get(format!("{}/api/admin/campaigns/{}/links", collector.url, campaign["id"])).send().await?;
    assert_eq!(refused.status().as_u16(), 403);
    let links = nps_e2e::links::personal_links(&db.url, &collector.url, campaign["id"].as_i64().unwrap_or_default()).await?;
    Ok(Setup { _dir: dir, collector, admin, db_url: db.url, survey_id: survey.id, campaign_created_at: campaign["created_at"].as_i64().unwrap_or_default(), links })
}

#[tokio::test]
async fn an_anonymous_campaign_keeps_answers_unjoinable_and_small_groups_hidden() -> anyhow::Result<()> {
    let s = setup().await?;
    // The page works as a plain HTML form (no script at all).
    let page = reqwest::get(&s.links[0].1).await?;
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await?;
    assert!(html.contains("type=\"radio\"") && html.contains("<form method=\"post\"") && !html.contains("<script"));

    for (i, (email, url)) in s.links.iter().enumerate() {
        let score = if email.starts_with("ops") { 3 } else { 9 };
        let (status, body) = answer(url, score, &format!("comment {i}")).await?;
        assert_eq!(status, 200, "{body}");
    }
    // Reuse is refused with a clear page.
    let (status, body) = answer(&s.links[0].1, 10, "again").await?;
    assert_eq!(status, 409);
    assert!(body.contains("already answered"));

    // Nothing joins an answer to a recipient: inspect the schema and the rows.
    let mut db = sqlx::SqliteConnection::connect(&s.db_url).await?;
    let ledger_columns: Vec<(String,)> = sqlx::query_as("SELECT name FROM pragma_table_info('token_ledger')").fetch_all(&mut db).await?;
    assert_eq!(ledger_columns, [("token_hash".to_owned(),)], "the ledger must hold nothing but the token hash");
    let recipients: Vec<(String, String, String)> = sqlx::query_as("SELECT id, email, token_id FROM recipients").fetch_all(&mut db).await?;
    // (id, user, created_at, attributes, language)
    type AnswerRow = (String, String, i64, Option<String>, Option<String>);
    let answers: Vec<AnswerRow> =
        sqlx::query_as("SELECT id, user_id, created_at, attributes, language FROM responses WHERE survey_id = $1").bind(s.survey_id).fetch_all(&mut db).await?;
    assert_eq!(answers.len(), 9);
    for (id, user_id, created_at, attributes, language) in &answers {
        for (rid, email, token_id) in &recipients {
            assert!(user_id != rid && id != rid && user_id != token_id, "an answer carries a recipient's id");
            assert!(!attributes.clone().unwrap_or_default().contains(email.as_str()));
        }
        let attributes: Value = serde_json::from_str(attributes.as_deref().unwrap_or("{}"))?;
        // The group attribute and the wave (shared by every answer of the wave), nothing else.
        assert_eq!(attributes.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()), Some(vec!["department".to_owned(), "wave".to_owned()]));
        assert_eq!(*created_at, s.campaign_created_at, "an anonymous answer's only time is its wave's start");
        assert_eq!(language, &None, "the language would split groups: anonymous answers keep none");
    }
    let ledger: Vec<(String,)> = sqlx::query_as("SELECT token_hash FROM token_ledger").fetch_all(&mut db).await?;
    assert_eq!(ledger.len(), 9);
    for (hash,) in &ledger {
        assert!(answers.iter().all(|(id, user, ..)| hash != id && hash != user));
    }

    // The group of 4 (ops) is hidden in the segment breakdown, and the group of 5 with it
    // (otherwise total minus sales would reveal ops).
    let segments: Value = s.admin.get(&format!("/api/admin/reports/segments?survey_id={}&by=attr:department", s.survey_id)).await?;
    for segment in segments["segments"].as_array().into_iter().flatten() {
        assert_eq!(segment["suppressed"], json!(true), "{segment}");
        assert!(segment["summary"].is_null());
    }
    // The whole (9) is shown; a filter that leaves out fewer than 5 is refused (differencing).
    let report: Value = s.admin.get(&format!("/api/admin/reports/nps?survey_id={}", s.survey_id)).await?;
    assert_eq!(report["overall"]["n"], 9);
    let filtered = s.admin.http.get(format!("{}/api/admin/reports/nps?survey_id={}&band=promoter", s.collector.url, s.survey_id)).send().await?;
    assert_eq!(filtered.status().as_u16(), 403);
    let verbatims = s.admin.http.get(format!("{}/api/admin/responses?survey_id={}&band=detractor", s.collector.url, s.survey_id)).send().await?;
    assert_eq!(verbatims.status().as_u16(), 403, "4 ops comments would be shown");
    let rows = s.admin.http.get(format!("{}/api/admin/responses?survey_id={}", s.collector.url, s.survey_id)).send().await?;
    assert_eq!(rows.status().as_u16(), 403, "employee NPS answers are never listed as rows");

    // eNPS against customer NPS, with the two-sample test: 4 ops at 3, 5 sales at 9 (NPS 11.1)
    // against 10 promoters and 10 detractors (NPS 0).
    let project: Vec<nps_core::wire::Project> = s.admin.get("/api/admin/projects").await?;
    let customer = s.admin.create_live_survey(project[0].id, SurveyKind::Tnps).await?;
    let url = format!("{}/v1/p/{}/responses", s.collector.url, project[0].public_key);
    for i in 0..20 {
        let body = json!({ "response_id": nps_e2e::new_id(), "survey_id": customer.id, "user_id": format!("c{i}"), "score": if i % 2 == 0 { 10 } else { 0 } });
        assert_eq!(reqwest::Client::new().post(&url).json(&body).send().await?.status().as_u16(), 202);
    }
    nps_e2e::wait_drained(&s.collector.url).await?;
    let compared: Value = s.admin.get(&format!("/api/admin/reports/compare?a={}&b={}", s.survey_id, customer.id)).await?;
    let expected = nps_core::BandCounts::new(5, 0, 4).compare(&nps_core::BandCounts::new(10, 0, 10));
    assert!((compared["comparison"]["z"].as_f64().unwrap_or(f64::NAN) - expected.z).abs() < 1e-9, "{compared}");
    assert_eq!(compared["comparison"]["significant"], json!(expected.significant));
    assert_eq!((compared["a"]["n"].as_u64(), compared["b"]["n"].as_u64()), (Some(9), Some(20)));
    Ok(())
}

#[tokio::test]
async fn a_racing_double_submit_stores_one_answer_and_bad_links_get_clear_pages() -> anyhow::Result<()> {
    let s = setup().await?;
    let url = s.links[0].1.clone();
    let results = futures::future::join_all((0..8).map(|i| {
        let url = url.clone();
        async move { answer(&url, 7, &format!("race {i}")).await }
    }))
    .await;
    let statuses: Vec<u16> = results.into_iter().map(|r| r.map(|(s, _)| s).unwrap_or(0)).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 409), "{statuses:?}");
    let mut db = sqlx::SqliteConnection::connect(&s.db_url).await?;
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM responses WHERE survey_id = $1").bind(s.survey_id).fetch_one(&mut db).await?;
    assert_eq!(n, 1);

    // Forged: a valid-looking token with a bad signature.
    let token = url.rsplit('/').next().unwrap_or_default().to_owned();
    let forged = format!("{}/s/{}x", s.collector.url, token);
    let page = reqwest::get(&forged).await?;
    assert_eq!(page.status().as_u16(), 403);
    assert!(page.text().await?.contains("not valid"));

    // Expired: the same invitation re-signed with a past expiry.
    let mut claims = nps_e2e::tokens::server_claims(&token, "nps-invite")?;
    claims["exp"] = json!(1_000_000);
    let expired = nps_e2e::tokens::sign_as_server(&claims)?;
    let (status, body) = answer(&format!("{}/s/{expired}", s.collector.url), 9, "late").await?;
    assert_eq!(status, 410);
    assert!(body.contains("expired"));
    Ok(())
}

#[tokio::test]
async fn partner_managers_read_only_the_partners_they_own() -> anyhow::Result<()> {
    let World { dir: _dir, collector: _collector, admin: owner, project, survey, .. } = World::start(SurveyKind::Partner).await?;
    let partners = json!({ "partners": [
        { "id": "p1", "name": "Northwind", "tier": "gold", "region": "emea", "owner_email": "pm1@x.io" },
        { "id": "p2", "name": "Contoso", "tier": "silver", "region": "amer", "owner_email": "pm2@x.io" },
    ] });
    let _: Value = owner.post(&format!("/api/admin/projects/{}/partners", project.id), &partners).await?;
    let pm1 = owner.add_signed_in_user("pm1@x.io", "partner_manager").await?;
    let pm2 = owner.add_signed_in_user("pm2@x.io", "partner_manager").await?;
    let mut csv = String::from("email,partner,role,tier,region\n");
    for i in 0..3 {
        csv.push_str(&format!("a{i}@northwind.test,p1,admin,gold,emea\n"));
    }
    for i in 0..5 {
        csv.push_str(&format!("b{i}@contoso.test,p2,end_user,silver,amer\n"));
    }
    let campaign = owner.create_campaign(&json!({ "survey_id": survey.id, "name": "PNPS", "anonymity": "identified" }), &csv).await?;
    for (email, url) in nps_e2e::links::listed_links(&owner, campaign["id"].as_i64().unwrap_or_default()).await? {
        let score = if email.contains("northwind") { 10 } else { 4 };
        assert_eq!(answer(&url, score, "").await?.0, 200);
    }

    let n = |report: &Value| report["overall"]["n"].as_u64();
    let all: Value = owner.get(&format!("/api/admin/reports/nps?survey_id={}", survey.id)).await?;
    assert_eq!(n(&all), Some(8));
    let mine: Value = pm1.get(&format!("/api/admin/reports/nps?survey_id={}", survey.id)).await?;
    assert_eq!((n(&mine), mine["overall"]["nps"].as_f64()), (Some(3), Some(100.0)));
    let rows: Vec<Value> = pm1.get(&format!("/api/admin/responses?survey_id={}", survey.id)).await?;
    assert!(rows.len() == 3 && rows.iter().all(|r| r["attributes"]["partner"] == "p1"));
    let theirs: Value = pm2.get(&format!("/api/admin/reports/segments?survey_id={}&by=attr:tier", survey.id)).await?;
    let tiers: Vec<&str> = theirs["segments"].as_array().into_iter().flatten().filter_map(|s| s["value"].as_str()).collect();
    assert_eq!(tiers, ["silver"]);
    let visible: Vec<Value> = pm2.get(&format!("/api/admin/projects/{}/partners", project.id)).await?;
    assert_eq!(visible.len(), 1);
    assert_eq!(visible[0]["id"], "p2");
    // Per-partner NPS for the owner: segments by partner.
    let by_partner: Value = owner.get(&format!("/api/admin/reports/segments?survey_id={}&by=attr:partner&min_n=1", survey.id)).await?;
    let nps: Vec<(String, f64)> = by_partner["segments"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| (s["value"].as_str().unwrap_or("").to_owned(), s["summary"]["nps"].as_f64().unwrap_or(f64::NAN)))
        .collect();
    assert_eq!(nps, [("p1".to_owned(), 100.0), ("p2".to_owned(), -100.0)]);
    Ok(())
}
