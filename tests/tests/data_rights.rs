//! Data subject rights against the real binary, on SQLite and PostgreSQL: erase one respondent
//! (by user id or e-mail) everywhere, with no byte of them left in the SQLite file, its WAL, the
//! spool or the outbox (on PostgreSQL: in no table), while other users' data stays and is still
//! reported; erase while their answers are still spooled, then crash and restart; export
//! everything about one respondent and nothing about others; retention deletes old raw answers
//! while the rollup trend stays; roles and bad bodies.

#[path = "data_rights/support.rs"]
mod support;
#[path = "data_rights/retention.rs"]
mod retention;
#[path = "data_rights/campaigns.rs"]
mod campaigns;

use nps_e2e::{Backend, on_both_backends, wait_drained, wait_for};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use support::{Fixture, fixture, stored_anywhere};

const VICTIM: &str = "victim-7f3a9c51";
const VICTIM_EMAIL: &str = "victim.person@erasure.example";
const OLD_VICTIM_EMAIL: &str = "old.address@erasure.example";
const OTHER: &str = "other-user-b1240d";
const OTHER_EMAIL: &str = "someone.else@keep.example";

on_both_backends!(
    erasing_by_user_id_leaves_no_byte_and_keeps_others,
    erasing_by_email_finds_the_users_with_that_address,
    erasing_while_answers_are_spooled_survives_a_crash,
    export_holds_everything_about_the_respondent_and_nothing_else,
    only_owners_and_admins_and_only_good_bodies,
);

async fn declare_plan(f: &Fixture) -> anyhow::Result<()> {
    let _: Value = f.owner.post(&format!("/api/admin/projects/{}/report-dimensions", f.project.id), &json!({ "dimension": "attr:plan" })).await?;
    Ok(())
}

async fn erasing_by_user_id_leaves_no_byte_and_keeps_others(f: Fixture) -> anyhow::Result<()> {
    declare_plan(&f).await?;
    f.failing_webhook().await?;
    // An earlier identity of the victim, replaced since: its bytes must not linger either.
    f.use_the_product(VICTIM, OLD_VICTIM_EMAIL, 7, "earlier words").await?;
    f.use_the_product(VICTIM, VICTIM_EMAIL, 2, "the victim's own words").await?;
    f.use_the_product(OTHER, OTHER_EMAIL, 10, "kept words").await?;
    wait_drained(&f.collector.url).await?;
    // The outbox holds the webhook messages about both answers (their first attempt failed).
    let outbox = f.data_dir().join("outbox.redb");
    wait_for(Duration::from_secs(10), || async { (!support::files_holding(std::slice::from_ref(&outbox), VICTIM).is_empty()).then_some(()) })
        .await
        .expect("the webhook messages about the victim's answer wait in the outbox");
    let before = f.report_both_ways().await?;
    assert_eq!(before["overall"]["n"].as_u64(), Some(3), "{before}");
    assert!(!stored_anywhere(&f, VICTIM).await?.is_empty(), "the search finds what is stored");

    let answer = f.erase(json!({ "user_id": VICTIM })).await?;
    let erased = &answer["erased"];
    for (kind, n) in [("answers", 2), ("identity", 1), ("feedback", 2)] {
        assert_eq!(erased[kind].as_u64(), Some(n), "{kind}: {answer}");
    }
    assert!(erased["displays"].as_u64() >= Some(1) && erased["decisions"].as_u64() >= Some(1), "{answer}");
    assert!(erased["outbox_messages"].as_u64() >= Some(1), "{answer}");
    assert!(answer["note"].as_str().is_some_and(|n| n.contains("anonymous")), "{answer}");

    let found = stored_anywhere(&f, VICTIM).await?;
    assert!(found.is_empty(), "the user id is still stored in {found:?}");
    for needle in [VICTIM_EMAIL, OLD_VICTIM_EMAIL] {
        let found = stored_anywhere(&f, needle).await?;
        assert!(found.is_empty(), "the e-mail {needle} is still stored in {found:?}");
    }
    assert!(stored_anywhere(&f, "the victim's own words").await?.is_empty(), "the comment is still stored");
    // The other user is untouched, still stored and still reported.
    assert!(!stored_anywhere(&f, OTHER).await?.is_empty());
    let rows = f.owner.responses(f.survey.id).await?;
    assert_eq!(rows.iter().map(|r| r.user_id.as_str()).collect::<Vec<_>>(), vec![OTHER]);
    let after = f.report_both_ways().await?;
    assert_eq!(after["overall"]["n"].as_u64(), Some(1), "{after}");
    assert_eq!(after["overall"]["counts"]["promoters"].as_u64(), Some(1), "{after}");

    // Erasing again finds nothing; answers given after the erasure are new data and are kept.
    let again = f.erase(json!({ "user_id": VICTIM })).await?;
    assert_eq!(again["erased"]["answers"].as_u64(), Some(0), "{again}");
    f.use_the_product(VICTIM, VICTIM_EMAIL, 9, "back again").await?;
    wait_drained(&f.collector.url).await?;
    let rows = f.owner.responses(f.survey.id).await?;
    assert_eq!(rows.iter().filter(|r| r.user_id == VICTIM).count(), 1, "a new answer after the erasure is kept");
    Ok(())
}

async fn erasing_by_email_finds_the_users_with_that_address(f: Fixture) -> anyhow::Result<()> {
    f.use_the_product(VICTIM, VICTIM_EMAIL, 5, "by mail").await?;
    f.use_the_product(OTHER, OTHER_EMAIL, 8, "kept").await?;
    wait_drained(&f.collector.url).await?;
    // The address is matched whatever its case.
    let answer = f.erase(json!({ "email": VICTIM_EMAIL.to_uppercase() })).await?;
    assert_eq!(answer["user_ids_found"].as_u64(), Some(1), "{answer}");
    assert_eq!(answer["erased"]["answers"].as_u64(), Some(1), "{answer}");
    assert_eq!(answer["erased"]["identity"].as_u64(), Some(1), "{answer}");
    for needle in [VICTIM, VICTIM_EMAIL] {
        let found = stored_anywhere(&f, needle).await?;
        assert!(found.is_empty(), "{needle} is still stored in {found:?}");
    }
    let rows = f.owner.responses(f.survey.id).await?;
    assert_eq!(rows.iter().map(|r| r.user_id.as_str()).collect::<Vec<_>>(), vec![OTHER]);
    f.report_both_ways().await?;
    Ok(())
}

async fn erasing_while_answers_are_spooled_survives_a_crash(f: Fixture) -> anyhow::Result<()> {
    // A second collector on the same database and data folder that never drains: what it
    // acknowledges stays in its spool.
    let Fixture { backend, dir, db, mut collector, owner: _, project, survey } = f;
    collector.terminate().await?;
    let paused = collector.options.clone().with("NPS_INGEST__DRAIN_PAUSED", true);
    let collector = nps_e2e::Collector::start(paused).await?;
    let owner = nps_e2e::Admin::bootstrap(&collector.url).await?;
    let mut f = Fixture { backend, dir, db, collector, owner, project, survey };
    f.use_the_product(VICTIM, VICTIM_EMAIL, 1, "spooled words").await?;
    f.use_the_product(OTHER, OTHER_EMAIL, 9, "spooled but kept").await?;
    let spool = [f.data_dir().join("spool.redb")];
    assert!(!support::files_holding(&spool, VICTIM).is_empty(), "the victim's records wait in the spool");

    // The spool as it was before the erasure: what a crash before the erasure's rename of the
    // rewritten spool leaves on disk (the SQL transaction had committed).
    let before_erasure = f.data_dir().join("spool.before-erasure");
    std::fs::copy(&spool[0], &before_erasure)?;
    let exported = f.export(json!({ "user_id": VICTIM })).await?;
    let spooled = exported["spooled_records"].as_array().map_or(0, Vec::len);
    assert!(spooled >= 4, "identify, decision, answer, completion, snooze are spooled: {exported}");
    let answer = f.erase(json!({ "user_id": VICTIM })).await?;
    assert_eq!(answer["erased"]["spooled_records"].as_u64(), Some(spooled as u64), "{answer}");
    assert!(support::files_holding(&spool, VICTIM).is_empty(), "no byte of the victim is left in the spool");
    assert!(!support::files_holding(&spool, OTHER).is_empty(), "the other user's records are still spooled");

    // Crash, with the spool of before the erasure on disk, then start draining: the ledger drops
    // the victim's records (acknowledged before the erasure), the other user's answer arrives.
    f.collector.kill9().await?;
    std::fs::rename(&before_erasure, &spool[0])?;
    assert!(!support::files_holding(&spool, VICTIM).is_empty());
    let mut options = f.collector.options.clone();
    options.env.retain(|(k, _)| k != "NPS_INGEST__DRAIN_PAUSED");
    f.collector = nps_e2e::Collector::start(options).await?;
    f.owner = nps_e2e::Admin::bootstrap(&f.collector.url).await?;
    wait_drained(&f.collector.url).await?;
    let rows = f.owner.responses(f.survey.id).await?;
    assert_eq!(rows.iter().map(|r| (r.user_id.as_str(), r.comment.as_deref())).collect::<Vec<_>>(), vec![(OTHER, Some("spooled but kept"))]);
    for needle in [VICTIM, VICTIM_EMAIL] {
        let found = stored_anywhere(&f, needle).await?;
        assert!(found.is_empty(), "{needle} came back in {found:?}");
    }
    f.report_both_ways().await?;
    Ok(())
}

async fn export_holds_everything_about_the_respondent_and_nothing_else(f: Fixture) -> anyhow::Result<()> {
    f.failing_webhook().await?;
    let response_id = f.use_the_product(VICTIM, VICTIM_EMAIL, 6, "exported words").await?;
    f.use_the_product(OTHER, OTHER_EMAIL, 10, "not exported").await?;
    wait_drained(&f.collector.url).await?;
    for body in [json!({ "user_id": VICTIM }), json!({ "email": VICTIM_EMAIL })] {
        let doc = f.export(body.clone()).await?;
        let count = |section: &str| doc[section].as_array().map_or(0, Vec::len);
        assert_eq!(count("answers"), 1, "{doc}");
        let answer = &doc["answers"][0];
        assert_eq!((answer["id"].as_str(), answer["score"].as_i64()), (Some(response_id.as_str()), Some(6)), "{doc}");
        assert_eq!(answer["comment"].as_str(), Some("exported words"));
        assert_eq!(answer["attributes"]["email"].as_str(), Some(VICTIM_EMAIL), "attributes as they were: {doc}");
        assert_eq!(count("identity"), 1, "{doc}");
        assert!(count("displays") >= 1 && count("decisions") >= 1 && count("feedback") == 1, "{doc}");
        assert!(doc["note"].as_str().is_some_and(|n| n.contains("anonymous")));
        let text = doc.to_string();
        for other in [OTHER, OTHER_EMAIL, "not exported"] {
            assert!(!text.contains(other), "the export of {body} holds {other}");
        }
    }
    let nobody = f.export(json!({ "user_id": "nobody-at-all" })).await?;
    assert_eq!(nobody["answers"].as_array().map(Vec::len), Some(0), "{nobody}");
    Ok(())
}

async fn only_owners_and_admins_and_only_good_bodies(f: Fixture) -> anyhow::Result<()> {
    let base = format!("/api/admin/projects/{}", f.project.id);
    let body = json!({ "user_id": OTHER });
    for (email, role, allowed) in [("an@x.example", "analyst", false), ("hr@x.example", "hr", false), ("ad@x.example", "admin", true)] {
        let password = "a long enough password for tests";
        let _: Value = f.owner.post("/api/admin/users", &json!({ "email": email, "password": password, "role": role })).await?;
        let user = nps_e2e::Admin::sign_in(&f.collector.url, email, password).await?;
        for action in ["respondents/export", "respondents/erase"] {
            let (status, answer) = user.try_post(&format!("{base}/{action}"), &body).await?;
            let expected = if allowed { StatusCode::OK } else { StatusCode::FORBIDDEN };
            assert_eq!(status, expected, "{role} {action}: {answer}");
            if !allowed {
                assert_eq!(answer["code"].as_str(), Some("forbidden"), "{answer}");
            }
        }
    }
    let bad = [
        json!({}),
        json!({ "user_id": VICTIM, "email": VICTIM_EMAIL }),
        json!({ "user_id": "" }),
        json!({ "user_id": "x".repeat(257) }),
        json!({ "email": "not an address" }),
        json!({ "user_id": VICTIM, "name": "unknown field" }),
        json!({ "user_id": 42 }),
        json!([VICTIM]),
    ];
    for body in &bad {
        for action in ["respondents/export", "respondents/erase"] {
            let (status, answer) = f.owner.try_post(&format!("{base}/{action}"), body).await?;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{action} {body}: {answer}");
            assert!(answer["code"].is_string() && answer["message"].is_string(), "{answer}");
        }
    }
    let (status, answer) = f.owner.try_post("/api/admin/projects/999999/respondents/erase", &body).await?;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    let form = f.owner.http.post(format!("{}{base}/respondents/erase", f.owner.base)).header("X-CSRF-Token", &f.owner.csrf);
    let status = form.header("Content-Type", "text/plain").body(format!("user_id={OTHER}")).send().await?.status();
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // The OpenAPI document describes the endpoints and the limits of the body and the setting.
    let doc: Value = reqwest::get(format!("{}/openapi.json", f.collector.url)).await?.json().await?;
    for action in ["respondents/erase", "respondents/export", "retention/run"] {
        let path = format!("/api/admin/projects/{{id}}/{action}");
        assert!(doc["paths"][&path]["post"]["responses"]["403"].is_object(), "{path} missing from /openapi.json");
    }
    let schemas = &doc["components"]["schemas"];
    assert_eq!(schemas["RespondentRequest"]["oneOf"].as_array().map(Vec::len), Some(2), "exactly one of: {}", schemas["RespondentRequest"]);
    assert_eq!(schemas["ByUserId"]["properties"]["user_id"]["maxLength"].as_u64(), Some(256), "{}", schemas["ByUserId"]);
    assert_eq!(schemas["ByEmail"]["properties"]["email"]["maxLength"].as_u64(), Some(320), "{}", schemas["ByEmail"]);
    assert_eq!(schemas["ProjectInput"]["properties"]["retention_months"]["maximum"].as_u64(), Some(120), "{}", schemas["ProjectInput"]);
    // No CSRF token with the cookie: refused before anything is erased.
    let status = f.owner.http.post(format!("{}{base}/respondents/erase", f.owner.base)).json(&body).send().await?.status();
    assert_eq!(status, StatusCode::FORBIDDEN);
    Ok(())
}
