//! Tenant isolation (issue #11), against the real binary over real HTTP: the widget's public
//! key cannot write into link surveys, partner scope is keyed by (project, partner) and partner
//! campaigns belong to their manager, enforce mode takes the B2B account only from signed
//! claims, and the action log hides entries about answers the reader may not read.

use nps_core::wire::{Project, ProjectInput, Survey, SurveyKind};
use nps_e2e::links::{answer, listed_links, personal_links};
use nps_e2e::{Admin, Backend, Installation, new_id, on_both_backends, post_json, project_input, wait_drained};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Connection;

/// A collector on a fresh database with its owner signed in, and what these tests ask of it.
struct Fixture(Installation);

nps_e2e::extends!(Fixture, Installation, 0);

async fn fixture(backend: Backend) -> anyhow::Result<Fixture> {
    Ok(Fixture(Installation::start(backend).await?))
}

impl Fixture {
    async fn project(&self, identity_enforced: bool) -> anyhow::Result<Project> {
        let input = ProjectInput { identity_enforced, ..project_input("Isolated", &["*"])? };
        self.owner.post("/api/admin/projects", &input).await
    }

    /// A project (identities not enforced) with a live employee survey and a live customer one.
    async fn employee_and_customer_surveys(&self) -> anyhow::Result<(Project, Survey, Survey)> {
        let project = self.project(false).await?;
        let enps = self.owner.create_live_survey(project.id, SurveyKind::Enps).await?;
        let tnps = self.owner.create_live_survey(project.id, SurveyKind::Tnps).await?;
        Ok((project, enps, tnps))
    }

    /// The client API of a project.
    fn client(&self, project: &Project) -> String {
        format!("{}/v1/p/{}", self.collector.url, project.public_key)
    }

    /// Rows of `table` whose `survey_id` is this survey, read straight from the database.
    async fn rows_of_survey(&self, table: &str, survey_id: i64) -> anyhow::Result<i64> {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE survey_id = $1");
        Ok(self.scalar::<i64>(&sql, survey_id).await?.first().copied().unwrap_or(0))
    }

    /// Ids of the stored answers to a survey, straight from the database.
    async fn response_ids(&self, survey_id: i64) -> anyhow::Result<Vec<String>> {
        self.scalar::<String>("SELECT id FROM responses WHERE survey_id = $1 ORDER BY id", survey_id).await
    }

    async fn scalar<T>(&self, sql: &str, survey_id: i64) -> anyhow::Result<Vec<T>>
    where
        T: Send + Unpin + for<'r> sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite> + for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
    {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        Ok(match self.db.backend {
            Backend::Sqlite => {
                let mut db = sqlx::SqliteConnection::connect(&self.db.url).await?;
                sqlx::query_scalar(sql).bind(survey_id).fetch_all(&mut db).await?
            }
            Backend::Postgres => {
                let mut db = sqlx::PgConnection::connect(&self.db.url).await?;
                sqlx::query_scalar(sql).bind(survey_id).fetch_all(&mut db).await?
            }
        })
    }

    /// A link campaign of a survey (`anonymity`: anonymous, confidential or identified),
    /// created by `by`; its id.
    async fn campaign(&self, by: &Admin, survey_id: i64, anonymity: &str) -> anyhow::Result<i64> {
        let campaign: Value = by.post("/api/admin/campaigns", &json!({ "survey_id": survey_id, "name": "wave", "anonymity": anonymity })).await?;
        campaign["id"].as_i64().ok_or_else(|| anyhow::anyhow!("no campaign id in {campaign}"))
    }

    /// Answers every personal link of the campaign with this score: as `by` reads them, or,
    /// without a reader, as the recipients got them (employee campaigns show no links).
    async fn answer_links(&self, by: Option<&Admin>, campaign_id: i64, score: u8) -> anyhow::Result<()> {
        let links = match by {
            Some(by) => listed_links(by, campaign_id).await?,
            None => personal_links(&self.db.url, &self.collector.url, campaign_id).await?,
        };
        anyhow::ensure!(!links.is_empty(), "campaign {campaign_id} has no links");
        for (_, url) in &links {
            let (status, _) = answer(url, score, "").await?;
            anyhow::ensure!(status == 200, "answering {url}: {status}");
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// 1. The widget's public key cannot write into employee or partner surveys.

#[tokio::test]
async fn the_client_api_refuses_link_surveys_and_stores_nothing() -> anyhow::Result<()> {
    let f = fixture(Backend::Sqlite).await?;
    let (project, enps, tnps) = f.employee_and_customer_surveys().await?;
    let base = f.client(&project);

    let config: Value = reqwest::get(format!("{base}/config")).await?.json().await?;
    let listed: Vec<i64> = config["surveys"].as_array().into_iter().flatten().filter_map(|s| s["id"].as_i64()).collect();
    assert_eq!(listed, [tnps.id], "the widget config lists in-app surveys only");

    let user = "employee-1";
    let writes = [
        ("decide".to_owned(), json!({ "user_id": user, "display_id": new_id(), "survey_id": enps.id })),
        ("displays".to_owned(), json!({ "display_id": new_id(), "survey_id": enps.id, "user_id": user })),
        ("responses".to_owned(), json!({ "response_id": new_id(), "survey_id": enps.id, "user_id": user, "score": 0 })),
        (format!("responses/{}/complete", new_id()), json!({ "survey_id": enps.id, "user_id": user, "comment": "forged" })),
        ("feedback".to_owned(), json!({ "action_id": new_id(), "survey_id": enps.id, "user_id": user, "kind": "decline" })),
    ];
    for (endpoint, body) in &writes {
        let (status, error) = post_json(&format!("{base}/{endpoint}"), body).await?;
        assert_eq!((status, error["code"].as_str()), (StatusCode::CONFLICT, Some("survey_not_in_app")), "{endpoint}: {error}");
        assert!(error["message"].as_str().is_some_and(|m| m.contains("enps")), "{endpoint}: the message names the kind: {error}");
    }
    // The same writes into the in-app survey still go through, so the spool had work to drain.
    let answer = json!({ "response_id": new_id(), "survey_id": tnps.id, "user_id": user, "score": 9 });
    assert_eq!(post_json(&format!("{base}/responses"), &answer).await?.0, StatusCode::ACCEPTED);
    wait_drained(&f.collector.url).await?;

    for table in ["responses", "displays", "feedback", "decisions"] {
        assert_eq!(f.rows_of_survey(table, enps.id).await?, 0, "nothing reached {table}");
    }
    assert_eq!(f.rows_of_survey("responses", tnps.id).await?, 1);
    let hr = f.user("hr@x.io", "hr").await?;
    let (status, report) = hr.try_get(&format!("/api/admin/reports/nps?survey_id={}", enps.id)).await?;
    assert_eq!((status, report["overall"]["n"].as_u64()), (StatusCode::OK, Some(0)), "HR's n is unchanged: {report}");
    Ok(())
}

/// A completion sent through the client API in the name of an in-app survey, with the id and
/// user of a link answer, leaves that answer alone.
async fn a_completion_cannot_land_on_a_link_answer(f: Fixture) -> anyhow::Result<()> {
    let (project, enps, tnps) = f.employee_and_customer_surveys().await?;
    let campaign = f.campaign(&f.owner, enps.id, "confidential").await?;
    let _: Value = f.owner.post(&format!("/api/admin/campaigns/{campaign}/recipients"), &nps_e2e::recipients_json("email\nann@corp.test\n")).await?;
    f.answer_links(None, campaign, 3).await?;
    let id = f.response_ids(enps.id).await?.pop().ok_or_else(|| anyhow::anyhow!("the link answer is stored"))?;
    let user = f.scalar::<String>("SELECT user_id FROM responses WHERE survey_id = $1", enps.id).await?.pop().unwrap_or_default();
    let complete = json!({ "survey_id": tnps.id, "user_id": user, "comment": "forged" });
    assert_eq!(post_json(&format!("{}/responses/{id}/complete", f.client(&project)), &complete).await?.0, StatusCode::ACCEPTED);
    wait_drained(&f.collector.url).await?;
    let comments = f.scalar::<Option<String>>("SELECT comment FROM responses WHERE survey_id = $1", enps.id).await?;
    assert!(comments.iter().all(|c| c.as_deref().unwrap_or("").is_empty()), "the link answer kept its comment: {comments:?}");
    Ok(())
}

/// A score sent for one in-app survey filled the comment-first row of another survey of the
/// same user (same response id), skipping that survey's response caps (stop 32's review).
async fn a_score_cannot_fill_another_surveys_answer(f: Fixture) -> anyhow::Result<()> {
    let (project, _, first) = f.employee_and_customer_surveys().await?;
    let second = f.owner.create_live_survey(project.id, SurveyKind::Tnps).await?;
    let id = new_id();
    let comment = json!({ "survey_id": first.id, "user_id": "u1", "comment": "slow exports" });
    assert_eq!(post_json(&format!("{}/responses/{id}/complete", f.client(&project)), &comment).await?.0, StatusCode::ACCEPTED);
    wait_drained(&f.collector.url).await?;
    let score = json!({ "response_id": id, "survey_id": second.id, "user_id": "u1", "score": 2 });
    assert_eq!(post_json(&format!("{}/responses", f.client(&project)), &score).await?.0, StatusCode::ACCEPTED);
    wait_drained(&f.collector.url).await?;
    let scores = f.scalar::<Option<i64>>("SELECT score FROM responses WHERE survey_id = $1", first.id).await?;
    assert_eq!(scores, [None], "the first survey's answer took the second's score");
    Ok(())
}

on_both_backends!(a_completion_cannot_land_on_a_link_answer, a_score_cannot_fill_another_surveys_answer);

// ---------------------------------------------------------------------------------------------
// 2. Partner scope is (project, partner); partner campaigns belong to their manager.

/// Two projects, each with a partner survey and a partner `p1`: pm-a owns project A's, pm-b
/// project B's. Each manager runs a campaign to their `p1` contact, who answered as a detractor.
struct TwoProgrammes {
    f: Fixture,
    pm_a: Admin,
    pm_b: Admin,
    project_a: Project,
    project_b: Project,
    survey_a: i64,
    survey_b: i64,
    campaign_a: i64,
}

async fn two_programmes(f: Fixture) -> anyhow::Result<TwoProgrammes> {
    let pm_a = f.user("pm-a@x.io", "partner_manager").await?;
    let pm_b = f.user("pm-b@x.io", "partner_manager").await?;
    let project_a = f.project(false).await?;
    let project_b = f.project(false).await?;
    let survey_a = f.owner.create_live_survey(project_a.id, SurveyKind::Partner).await?.id;
    let survey_b = f.owner.create_live_survey(project_b.id, SurveyKind::Partner).await?.id;
    for (project, manager) in [(&project_a, "pm-a@x.io"), (&project_b, "pm-b@x.io")] {
        let partners = json!({ "partners": [{ "id": "p1", "name": "Same id", "owner_email": manager }] });
        let _: Value = f.owner.post(&format!("/api/admin/projects/{}/partners", project.id), &partners).await?;
    }
    let campaign_a = f.campaign(&pm_a, survey_a, "identified").await?;
    let campaign_b = f.campaign(&pm_b, survey_b, "identified").await?;
    for (pm, campaign, email) in [(&pm_a, campaign_a, "buyer@a.test"), (&pm_b, campaign_b, "buyer@b.test")] {
        let recipients = json!({ "recipients": [{ "email": email, "attributes": { "partner": "p1", "role": "decision_maker" } }] });
        let _: Value = pm.post(&format!("/api/admin/campaigns/{campaign}/recipients"), &recipients).await?;
        f.answer_links(Some(pm), campaign, 2).await?;
    }
    Ok(TwoProgrammes { f, pm_a, pm_b, project_a, project_b, survey_a, survey_b, campaign_a })
}

/// How many follow-ups of the project this admin sees.
async fn queue(admin: &Admin, project: &Project) -> anyhow::Result<usize> {
    Ok(admin.get::<Vec<Value>>(&format!("/api/admin/followups?project_id={}", project.id)).await?.len())
}

/// The survey ids of the answers this manager reads.
async fn surveys_read_by(pm: &Admin) -> anyhow::Result<Vec<i64>> {
    let rows: Vec<Value> = pm.get("/api/admin/responses?limit=1000").await?;
    Ok(rows.iter().filter_map(|r| r["survey_id"].as_i64()).collect())
}

async fn partner_scope_is_per_project(f: Fixture) -> anyhow::Result<()> {
    let t = two_programmes(f).await?;
    assert_eq!(surveys_read_by(&t.pm_a).await?, [t.survey_a], "pm-a reads project A's p1 only");
    assert_eq!(surveys_read_by(&t.pm_b).await?, [t.survey_b], "pm-b reads project B's p1 only");
    let report: Value = t.pm_a.get(&format!("/api/admin/reports/nps?survey_id={}", t.survey_b)).await?;
    assert_eq!(report["overall"]["n"], 0, "project B's answers are not in pm-a's report: {report}");

    // Follow-ups (the default policy follows detractors): each manager's own project only.
    assert_eq!(queue(&t.f.owner, &t.project_b).await?, 1, "project B has a follow-up");
    assert_eq!(queue(&t.pm_b, &t.project_b).await?, 1);
    assert_eq!(queue(&t.pm_a, &t.project_b).await?, 0, "project B's p1 follow-up is not pm-a's");
    assert_eq!(queue(&t.pm_a, &t.project_a).await?, 1);
    let theirs: Vec<Value> = t.f.owner.get(&format!("/api/admin/followups?project_id={}", t.project_b.id)).await?;
    let theirs = theirs[0]["response_id"].as_str().unwrap_or_default();
    let (status, body) = t.pm_a.try_post(&format!("/api/admin/followups/{theirs}"), &json!({ "status": "contacted" })).await?;
    assert_eq!(status, StatusCode::NOT_FOUND, "pm-a cannot work project B's follow-up: {body}");
    Ok(())
}

async fn partner_campaigns_belong_to_their_manager(f: Fixture) -> anyhow::Result<()> {
    let t = two_programmes(f).await?;
    let a = t.campaign_a;
    for path in [format!("/api/admin/campaigns/{a}"), format!("/api/admin/campaigns/{a}/links"), format!("/api/admin/campaigns/{a}/status")] {
        let (status, body) = t.pm_b.try_get(&path).await?;
        assert_eq!(status, StatusCode::NOT_FOUND, "pm-b reads {path}: {body}");
        assert_eq!(t.pm_a.try_get(&path).await?.0, StatusCode::OK, "pm-a reads {path}");
        assert_eq!(t.f.owner.try_get(&path).await?.0, StatusCode::OK, "the owner reads {path}");
    }
    let recipient = json!({ "recipients": [{ "email": "intruder@b.test", "attributes": { "partner": "p1" } }] });
    assert_eq!(t.pm_b.try_post(&format!("/api/admin/campaigns/{a}/recipients"), &recipient).await?.0, StatusCode::NOT_FOUND);
    assert_eq!(t.pm_b.try_post(&format!("/api/admin/campaigns/{a}/send"), &json!({})).await?.0, StatusCode::NOT_FOUND);
    let listed: Vec<Value> = t.pm_b.get(&format!("/api/admin/campaigns?survey_id={}", t.survey_a)).await?;
    assert!(listed.is_empty(), "pm-b does not list pm-a's campaign: {listed:?}");

    // In a campaign of their own in project A, pm-b may not invite project A's p1 (pm-a's).
    let own = t.f.campaign(&t.pm_b, t.survey_a, "identified").await?;
    let (status, error) = t.pm_b.try_post(&format!("/api/admin/campaigns/{own}/recipients"), &recipient).await?;
    assert_eq!(status, StatusCode::FORBIDDEN, "{error}");
    assert!(error["message"].as_str().is_some_and(|m| m.contains("recipients[0].attributes.partner")), "{error}");
    let (status, error) = t.pm_b.try_post(&format!("/api/admin/campaigns/{own}/recipients"), &nps_e2e::recipients_json("email\nnobody@b.test\n")).await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a contact of no partner: {error}");
    // Nothing of pm-b's reached pm-a's programme.
    assert_eq!(t.f.response_ids(t.survey_a).await?.len(), 1);
    Ok(())
}

/// A partner moved to another manager takes its contacts' links out of the old manager's hands:
/// each link answers as that contact (and shows whether they did). The campaign stays theirs.
async fn a_moved_partners_links_leave_its_old_manager(f: Fixture) -> anyhow::Result<()> {
    let t = two_programmes(f).await?;
    let links = format!("/api/admin/campaigns/{}/links", t.campaign_a);
    let move_p1 = |manager: &str| json!({ "partners": [{ "id": "p1", "name": "Same id", "owner_email": manager }] });
    let partners = format!("/api/admin/projects/{}/partners", t.project_a.id);
    let held = |links: Vec<Value>| links.iter().filter_map(|l| l["email"].as_str().map(str::to_owned)).collect::<Vec<_>>();
    assert_eq!(held(t.pm_a.get(&links).await?), ["buyer@a.test"], "pm-a's own partner's contact");

    let _: Value = t.f.owner.post(&partners, &move_p1("pm-b@x.io")).await?;
    assert_eq!(held(t.pm_a.get(&links).await?), Vec::<String>::new(), "p1 is pm-b's now");
    assert_eq!(held(t.f.owner.get(&links).await?), ["buyer@a.test"], "the campaign keeps its recipient");
    assert_eq!(t.pm_b.try_get(&links).await?.0, StatusCode::NOT_FOUND, "the campaign is still pm-a's");

    let _: Value = t.f.owner.post(&partners, &move_p1("pm-a@x.io")).await?;
    assert_eq!(held(t.pm_a.get(&links).await?), ["buyer@a.test"], "p1 came back to pm-a");
    Ok(())
}

on_both_backends!(partner_scope_is_per_project, partner_campaigns_belong_to_their_manager, a_moved_partners_links_leave_its_old_manager);

// ---------------------------------------------------------------------------------------------
// 3. Enforce mode takes the account, role and account attributes from the signed claims only.

/// The vendor's backend signs these claims for ten minutes.
fn identity_token(secret: &str, mut claims: Value) -> anyhow::Result<String> {
    claims["exp"] = json!(nps_e2e::now_secs() + 600);
    nps_e2e::tokens::sign(secret, &claims)
}

/// Identifies (expecting 200) and answers with the widget session; the response id.
async fn identify_and_answer(base: &str, survey_id: i64, identify: Value, score: u8) -> anyhow::Result<String> {
    let (status, body) = post_json(&format!("{base}/identify"), &identify).await?;
    anyhow::ensure!(status == StatusCode::OK, "identify: {status} {body}");
    let session = body["session_token"].as_str().unwrap_or_default();
    let id = new_id();
    let answer = json!({ "response_id": id, "survey_id": survey_id, "user_id": identify["user_id"], "score": score });
    let status = reqwest::Client::new().post(format!("{base}/responses")).bearer_auth(session).json(&answer).send().await?.status();
    anyhow::ensure!(status == StatusCode::ACCEPTED, "answer: {status}");
    Ok(id)
}

#[tokio::test]
async fn in_enforce_mode_the_account_comes_only_from_signed_claims() -> anyhow::Result<()> {
    let f = fixture(Backend::Sqlite).await?;
    let project = f.project(true).await?;
    let survey = f.owner.create_live_survey(project.id, SurveyKind::Tnps).await?;
    let secret = project.identity_secret.clone().unwrap_or_default();
    let base = f.client(&project);
    // acme's only member so far: an end user, signed, promoting.
    let signed = identity_token(&secret, json!({ "sub": "v", "account": "acme", "role": "end_user" }))?;
    identify_and_answer(&base, survey.id, json!({ "user_id": "v", "identity_token": signed }), 10).await?;

    // u signs for herself only, and claims acme's buyer seat (the decision-maker-first roll-up's
    // first choice) in the clear.
    let own = identity_token(&secret, json!({ "sub": "u" }))?;
    let forged = json!({ "user_id": "u", "identity_token": own, "account": { "id": "acme", "role": "executive_buyer" } });
    let (status, error) = post_json(&format!("{base}/identify"), &forged).await?;
    assert_eq!((status, error["code"].as_str()), (StatusCode::CONFLICT, Some("conflict")), "{error}");
    assert!(error["message"].as_str().is_some_and(|m| m.starts_with("account")), "the message names the field: {error}");
    let u_answer = identify_and_answer(&base, survey.id, json!({ "user_id": "u", "identity_token": own }), 0).await?;
    wait_drained(&f.collector.url).await?;
    let accounts: Value = f.owner.get(&format!("/api/admin/reports/accounts?survey_id={}", survey.id)).await?;
    assert_eq!(accounts["decision_maker_first"]["counts"], json!({ "promoters": 1, "passives": 0, "detractors": 0 }), "{accounts}");
    assert!(accounts["per_role"].get("executive_buyer").is_none(), "{accounts}");
    let rows = f.owner.responses(survey.id).await?;
    let u_row = rows.iter().find(|r| r.id == u_answer).ok_or_else(|| anyhow::anyhow!("u's answer is stored"))?;
    assert_eq!((u_row.account_id.as_deref(), u_row.role.as_deref()), (None, None));

    // The same membership in the signed claims is stored and counts.
    let signed = identity_token(&secret, json!({ "sub": "w", "account": "acme", "role": "executive_buyer", "account_attributes": { "seats": 40 } }))?;
    let w_answer = identify_and_answer(&base, survey.id, json!({ "user_id": "w", "identity_token": signed }), 1).await?;
    wait_drained(&f.collector.url).await?;
    let rows = f.owner.responses(survey.id).await?;
    let w_row = rows.iter().find(|r| r.id == w_answer).ok_or_else(|| anyhow::anyhow!("w's answer is stored"))?;
    assert_eq!((w_row.account_id.as_deref(), w_row.role.as_deref()), (Some("acme"), Some("executive_buyer")));
    let accounts: Value = f.owner.get(&format!("/api/admin/reports/accounts?survey_id={}", survey.id)).await?;
    assert_eq!(accounts["decision_maker_first"]["counts"], json!({ "promoters": 0, "passives": 0, "detractors": 1 }), "{accounts}");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 4. The action log hides entries citing answers the reader may not read.

#[tokio::test]
async fn actions_citing_employee_answers_are_hidden_from_analysts() -> anyhow::Result<()> {
    let f = fixture(Backend::Sqlite).await?;
    let (project, enps, tnps) = f.employee_and_customer_surveys().await?;
    // Confidential, so that the answer is stored under its recipient; the test answers the link
    // as the recipient got it (employee links are never shown to admins).
    let campaign = f.campaign(&f.owner, enps.id, "confidential").await?;
    let _: Value = f.owner.post(&format!("/api/admin/campaigns/{campaign}/recipients"), &nps_e2e::recipients_json("email\nann@corp.test\n")).await?;
    f.answer_links(None, campaign, 3).await?;
    let answer = json!({ "response_id": new_id(), "survey_id": tnps.id, "user_id": "customer", "score": 4 });
    assert_eq!(post_json(&format!("{}/responses", f.client(&project)), &answer).await?.0, StatusCode::ACCEPTED);
    wait_drained(&f.collector.url).await?;
    let (enps_answers, tnps_answers) = (f.response_ids(enps.id).await?, f.response_ids(tnps.id).await?);
    assert_eq!((enps_answers.len(), tnps_answers.len()), (1, 1));

    let action = |title: &str, ids: &[String]| {
        json!({ "project_id": project.id, "title": title, "decision": "Decided", "decided_at": 1_700_000_000_000_i64, "response_ids": ids })
    };
    let hidden: Value = f.owner.post("/api/admin/actions", &action("Fix the team's on-call load", &enps_answers)).await?;
    let _: Value = f.owner.post("/api/admin/actions", &action("Speed up exports", &tnps_answers)).await?;
    let titles = |list: &Value| -> Vec<String> { list.as_array().into_iter().flatten().filter_map(|a| a["title"].as_str().map(str::to_owned)).collect() };

    let analyst = f.user("analyst@x.io", "analyst").await?;
    let log: Value = analyst.get(&format!("/api/admin/actions?project_id={}", project.id)).await?;
    assert_eq!(titles(&log), ["Speed up exports"], "the analyst's log leaves out the eNPS action");
    assert_eq!(analyst.try_get(&format!("/api/admin/actions/{}", hidden["id"])).await?.0, StatusCode::NOT_FOUND);
    let recent: Value = analyst.get(&format!("/api/admin/reports/actions?project_id={}&days=3650", project.id)).await?;
    assert_eq!(titles(&recent["actions"]), ["Speed up exports"]);
    // HR may not read the action log at all; the owner, who may read eNPS, sees both entries.
    let log: Value = f.owner.get(&format!("/api/admin/actions?project_id={}", project.id)).await?;
    assert_eq!(titles(&log), ["Fix the team's on-call load", "Speed up exports"]);
    Ok(())
}
