//! Partner NPS beyond the reports: response coverage per partner (checked against an
//! independent computation from the raw rows) and follow-ups routed to the partner's owning
//! manager, who sees and works only those.

use nps_core::wire::SurveyKind;
use nps_e2e::admin::USER_PASSWORD as PASSWORD;
use nps_e2e::{Admin, Collector, World, new_id, now_ms, wait_drained};
use serde_json::{Value, json};
use sqlx::Connection;
use std::collections::{BTreeMap, BTreeSet};

struct Programme {
    _dir: tempfile::TempDir,
    collector: Collector,
    owner: Admin,
    db_url: String,
    project: nps_core::wire::Project,
    survey_id: i64,
    /// (email, url) of every recipient.
    links: Vec<(String, String)>,
}

/// Five registered partners (pm1 owns p1 and p2, pm2 owns p3 and p4, nobody owns p5) and the
/// contacts of an identified partner campaign, one of them at an unregistered partner (p6).
async fn programme() -> anyhow::Result<Programme> {
    let World { dir, db, collector, admin: owner, project, survey } = World::start(SurveyKind::Partner).await?;
    let partners = json!({ "partners": [
        { "id": "p1", "name": "Northwind", "tier": "gold", "region": "emea", "owner_email": "pm1@x.io" },
        { "id": "p2", "name": "Contoso", "tier": "silver", "region": "emea", "owner_email": "pm1@x.io" },
        { "id": "p3", "name": "Fabrikam", "tier": "gold", "region": "amer", "owner_email": "pm2@x.io" },
        { "id": "p4", "name": "Tailspin", "tier": "bronze", "region": "apac", "owner_email": "pm2@x.io" },
        { "id": "p5", "name": "Litware", "tier": "bronze", "region": "apac", "owner_email": null },
    ] });
    let _: Value = owner.post(&format!("/api/admin/projects/{}/partners", project.id), &partners).await?;
    for email in ["pm1@x.io", "pm2@x.io"] {
        owner.add_user(email, PASSWORD, "partner_manager").await?;
    }
    let csv = "email,name,partner,role\n\
        ceo@p1.test,Ann,p1,Executive Buyer\n\
        dev1@p1.test,Bo,p1,end_user\n\
        dev2@p1.test,Cy,p1,end_user\n\
        boss@p2.test,Di,p2,decision_maker\n\
        ops@p2.test,Ed,p2,admin\n\
        vp@p3.test,Fa,p3,executive-buyer\n\
        it@p3.test,Gu,p3,admin\n\
        user@p4.test,Ha,p4,end_user\n\
        ceo@p5.test,Io,p5,executive_buyer\n\
        cto@p6.test,Jo,p6,decision maker\n";
    let campaign = owner.create_campaign(&json!({ "survey_id": survey.id, "name": "PNPS", "anonymity": "identified" }), csv).await?;
    let links = nps_e2e::links::listed_links(&owner, campaign["id"].as_i64().unwrap_or_default()).await?;
    Ok(Programme { _dir: dir, collector, owner, db_url: db.url, project, survey_id: survey.id, links })
}

impl Programme {
    async fn answer(&self, email: &str, score: u8) -> anyhow::Result<()> {
        let url = &self.links.iter().find(|(e, _)| e == email).ok_or_else(|| anyhow::anyhow!("no link for {email}"))?.1;
        let (status, _) = nps_e2e::links::answer(url, score, "").await?;
        anyhow::ensure!(status == 200, "answering as {email}: {status}");
        Ok(())
    }
}

/// Coverage computed straight from the tables, without the collector's code: per partner,
/// (invited, answered, decision-maker answered).
async fn coverage_from_rows(db_url: &str, survey_id: i64, from: i64) -> anyhow::Result<BTreeMap<String, (u64, u64, bool)>> {
    let mut db = sqlx::SqliteConnection::connect(db_url).await?;
    let recipients: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT r.id, r.email, r.attributes FROM recipients r JOIN campaigns c ON c.id = r.campaign_id WHERE c.survey_id = $1",
    )
    .bind(survey_id)
    .fetch_all(&mut db)
    .await?;
    let answers: Vec<(String, String)> =
        sqlx::query_as("SELECT user_id, attributes FROM responses WHERE survey_id = $1 AND score IS NOT NULL AND created_at >= $2")
            .bind(survey_id)
            .bind(from)
            .fetch_all(&mut db)
            .await?;
    let text = |attributes: &str, key: &str| -> Option<String> {
        serde_json::from_str::<Value>(attributes).ok()?.get(key)?.as_str().map(str::to_owned)
    };
    let decision_maker = |role: Option<String>| {
        role.map(|r| r.to_lowercase().replace([' ', '-'], "_")).is_some_and(|r| r == "executive_buyer" || r == "decision_maker")
    };
    let mut invited: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut email_of = BTreeMap::new();
    for (id, email, attributes) in &recipients {
        email_of.insert(id.clone(), email.clone());
        if let Some(partner) = text(attributes, "partner") {
            invited.entry(partner).or_default().insert(email.clone());
        }
    }
    let mut answered: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut covered = BTreeSet::new();
    for (user, attributes) in &answers {
        let Some(partner) = text(attributes, "partner") else { continue };
        answered.entry(partner.clone()).or_default().insert(email_of.get(user).cloned().unwrap_or_else(|| user.clone()));
        if decision_maker(text(attributes, "role")) {
            covered.insert(partner);
        }
    }
    let partners: BTreeSet<&String> = invited.keys().chain(answered.keys()).collect();
    Ok(partners
        .into_iter()
        .map(|p| {
            let n = |m: &BTreeMap<String, BTreeSet<String>>| m.get(p).map_or(0, |s| s.len() as u64);
            (p.clone(), (n(&invited), n(&answered), covered.contains(p)))
        })
        .collect())
}

fn coverage_of(report: &Value) -> BTreeMap<String, (u64, u64, bool)> {
    report["partners"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            let n = |k: &str| p[k].as_u64().unwrap_or(u64::MAX);
            (p["partner"].as_str().unwrap_or("").to_owned(), (n("contacts_invited"), n("contacts_answered"), p["decision_maker_answered"] == true))
        })
        .collect()
}

#[tokio::test]
async fn coverage_per_partner_equals_an_independent_computation_and_is_scoped_for_partner_managers() -> anyhow::Result<()> {
    let p = programme().await?;
    // p1: the buyer and one end user; p2: only the admin; p3: the buyer (spelled
    // `executive-buyer`); p4: nobody; p5: the buyer; p6 (unregistered): the decision maker.
    for (email, score) in [("ceo@p1.test", 9), ("dev1@p1.test", 6), ("ops@p2.test", 8), ("vp@p3.test", 3), ("ceo@p5.test", 10), ("cto@p6.test", 7)] {
        p.answer(email, score).await?;
    }
    let path = format!("/api/admin/reports/partner-coverage?project_id={}", p.project.id);
    let report: Value = p.owner.get(&path).await?;
    let expected = coverage_from_rows(&p.db_url, p.survey_id, 0).await?;
    let got = coverage_of(&report);
    assert_eq!(got, expected, "{report}");
    assert_eq!(got.get("p4"), Some(&(1, 0, false)), "a partner without answers is listed");
    // Covered: p1, p3, p5, p6 of six partners.
    assert_eq!(report["summary"]["partners"], 6);
    assert_eq!(report["summary"]["partners_answered"], 5);
    assert_eq!(report["summary"]["partners_covered"], 4);
    assert!((report["summary"]["coverage"].as_f64().unwrap_or(f64::NAN) - 4.0 / 6.0).abs() < 1e-12, "{report}");
    let p1 = report["partners"].as_array().into_iter().flatten().find(|r| r["partner"] == "p1").cloned().unwrap_or_default();
    assert_eq!((p1["name"].as_str(), p1["decision_makers_invited"].as_u64(), p1["answers"].as_u64()), (Some("Northwind"), Some(1), Some(2)));

    // A partner manager sees their own partners only, and the share over those.
    let pm1 = Admin::sign_in(&p.collector.url, "pm1@x.io", PASSWORD).await?;
    let mine: Value = pm1.get(&path).await?;
    let partners: Vec<&str> = mine["partners"].as_array().into_iter().flatten().filter_map(|r| r["partner"].as_str()).collect();
    assert_eq!(partners, ["p1", "p2"]);
    assert_eq!((mine["summary"]["partners"].as_u64(), mine["summary"]["partners_covered"].as_u64()), (Some(2), Some(1)));
    assert_eq!(mine["summary"]["coverage"], json!(0.5));

    // The period: answers from a later moment on cover nobody.
    let later: Value = p.owner.get(&format!("{path}&from={}", now_ms() + 3_600_000)).await?;
    assert_eq!(later["summary"]["partners_covered"], 0);
    assert!(coverage_of(&later).values().all(|(_, answered, _)| *answered == 0));
    // HR never reads partner NPS.
    let hr = p.owner.add_signed_in_user("hr@x.io", "hr").await?;
    assert_eq!(hr.http.get(format!("{}{path}", p.collector.url)).send().await?.status().as_u16(), 403);
    Ok(())
}

/// Coverage of an anonymous partner campaign said, per partner, whether its one decision-maker
/// answered, and with `from`/`to` when (stop 32's review). It counts identified campaigns only.
#[tokio::test]
async fn coverage_leaves_out_anonymous_partner_campaigns() -> anyhow::Result<()> {
    let p = programme().await?;
    p.answer("ceo@p1.test", 9).await?;
    let path = format!("/api/admin/reports/partner-coverage?project_id={}", p.project.id);
    let before: Value = p.owner.get(&path).await?;
    let survey = p.owner.create_live_survey(p.project.id, SurveyKind::Partner).await?;
    let fields = json!({ "survey_id": survey.id, "name": "anonymous", "anonymity": "anonymous", "group_attributes": ["partner"] });
    let campaign = p.owner.create_campaign(&fields, "email,partner,role\nchief@p4.test,p4,decision_maker\n").await?;
    for (_, url) in nps_e2e::links::personal_links(&p.db_url, &p.collector.url, campaign["id"].as_i64().unwrap_or_default()).await? {
        assert_eq!(nps_e2e::links::answer(&url, 3, "").await?.0, 200);
    }
    let after: Value = p.owner.get(&path).await?;
    assert_eq!(coverage_of(&after), coverage_of(&before), "the anonymous answer moved coverage: {after}");
    assert_eq!(coverage_of(&after).get("p4"), Some(&(1, 0, false)));
    let (status, body) = p.owner.try_get(&format!("{path}&survey_id={}", survey.id)).await?;
    assert_eq!((status.as_u16(), body["code"].as_str()), (403, Some("anonymity_protected")), "{body}");
    Ok(())
}

#[tokio::test]
async fn partner_follow_ups_go_to_the_owning_partner_manager_who_works_only_those() -> anyhow::Result<()> {
    let p = programme().await?;
    let policy = json!({ "bands": ["detractor"], "sla_hours": 24, "default_owner": "lead@x.io" });
    let (status, _) = p.owner.call(reqwest::Method::PUT, &format!("/api/admin/projects/{}/followup-policy", p.project.id), Some(&policy)).await?;
    assert_eq!(status.as_u16(), 200);
    // Detractors at p1 (pm1), p3 (pm2), p5 (no owner: the policy decides), plus a promoter at p2.
    for (email, score) in [("dev1@p1.test", 2), ("it@p3.test", 4), ("ceo@p5.test", 1), ("ops@p2.test", 10)] {
        p.answer(email, score).await?;
    }
    // And an in-app customer detractor in the same project: the policy's too.
    let tnps = p.owner.create_live_survey(p.project.id, SurveyKind::Tnps).await?;
    let body = json!({ "response_id": new_id(), "survey_id": tnps.id, "user_id": "customer-1", "score": 0 });
    let url = format!("{}/v1/p/{}/responses", p.collector.url, p.project.public_key);
    assert_eq!(reqwest::Client::new().post(&url).json(&body).send().await?.status().as_u16(), 202);
    wait_drained(&p.collector.url).await?;

    let queue: Vec<Value> = p.owner.get(&format!("/api/admin/followups?project_id={}", p.project.id)).await?;
    let owners: BTreeMap<String, (Option<String>, Option<String>)> = queue
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().map(str::to_owned);
            (s("user_id").unwrap_or_default(), (s("partner"), s("owner")))
        })
        .collect();
    let expected: BTreeMap<String, (Option<String>, Option<String>)> = [
        (recipient_id(&p, "dev1@p1.test").await?, (Some("p1".to_owned()), Some("pm1@x.io".to_owned()))),
        (recipient_id(&p, "it@p3.test").await?, (Some("p3".to_owned()), Some("pm2@x.io".to_owned()))),
        (recipient_id(&p, "ceo@p5.test").await?, (Some("p5".to_owned()), Some("lead@x.io".to_owned()))),
        ("customer-1".to_owned(), (None, Some("lead@x.io".to_owned()))),
    ]
    .into_iter()
    .collect();
    assert_eq!(owners, expected);

    // pm1 sees and works only p1's follow-up.
    let pm1 = Admin::sign_in(&p.collector.url, "pm1@x.io", PASSWORD).await?;
    let mine: Vec<Value> = pm1.get(&format!("/api/admin/followups?project_id={}", p.project.id)).await?;
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["partner"], "p1");
    let theirs = queue.iter().find(|f| f["partner"] == "p3").and_then(|f| f["response_id"].as_str()).unwrap_or_default();
    let (refused, _) = pm1.try_post(&format!("/api/admin/followups/{theirs}"), &json!({ "status": "contacted" })).await?;
    assert_eq!(refused.as_u16(), 404, "another manager's follow-up is not there for pm1");
    let own = mine[0]["response_id"].as_str().unwrap_or_default();
    let worked: Value = pm1.post(&format!("/api/admin/followups/{own}"), &json!({ "status": "contacted", "note": "Called Bo" })).await?;
    assert_eq!(worked["status"], "contacted");
    let metrics: Value = pm1.get(&format!("/api/admin/reports/loop?project_id={}", p.project.id)).await?;
    assert_eq!((metrics["detractors_due"].as_u64(), metrics["contacted_within_sla"].as_u64()), (Some(1), Some(1)), "{metrics}");
    // pm2 still sees p3's follow-up untouched.
    let pm2 = Admin::sign_in(&p.collector.url, "pm2@x.io", PASSWORD).await?;
    let pm2_queue: Vec<Value> = pm2.get(&format!("/api/admin/followups?project_id={}", p.project.id)).await?;
    assert_eq!(pm2_queue.iter().map(|f| (f["partner"].clone(), f["status"].clone())).collect::<Vec<_>>(), [(json!("p3"), json!("new"))]);
    Ok(())
}

/// The recipient id behind an e-mail address, from the recipients table.
async fn recipient_id(p: &Programme, email: &str) -> anyhow::Result<String> {
    let mut db = sqlx::SqliteConnection::connect(&p.db_url).await?;
    let (id,): (String,) = sqlx::query_as("SELECT id FROM recipients WHERE email = $1").bind(email).fetch_one(&mut db).await?;
    Ok(id)
}
