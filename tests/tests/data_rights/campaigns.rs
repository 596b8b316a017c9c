//! Link campaigns: a confidential campaign keeps who answered, so erasing by e-mail finds the
//! answer (and neither the export nor the erasure's counts show it to the admin); an anonymous
//! campaign's answer joins nobody and stays (only the recipient record, which holds the
//! address, goes).

use super::support::{Fixture, fixture, stored_anywhere};
use super::{OTHER_EMAIL, VICTIM_EMAIL};
use nps_core::wire::SurveyKind;
use nps_e2e::{Backend, live_survey, on_both_backends, wait_drained};
use serde_json::{Value, json};

on_both_backends!(erasing_by_email_reaches_confidential_answers_not_anonymous_ones);

/// A live employee-NPS survey (k = 3) with a campaign of this anonymity sent to the victim and
/// three others; returns the survey and (recipient e-mail, personal link) per recipient.
async fn campaign(f: &Fixture, anonymity: &str) -> anyhow::Result<(i64, Vec<(String, String)>)> {
    let survey = f.owner.create_survey(f.project.id, &live_survey(&format!("eNPS {anonymity}"), SurveyKind::Enps)).await?;
    let body = json!({ "survey_id": survey.id, "name": anonymity, "anonymity": anonymity, "group_attributes": ["department"], "min_group": 3, "verbatim_min_group": 3 });
    let csv = format!("email,name,department\n{VICTIM_EMAIL},Victim,ops\n{OTHER_EMAIL},Other,ops\nc@k.example,C,ops\nd@k.example,D,ops\n");
    let created = f.owner.create_campaign(&body, &csv).await?;
    let id = created["id"].as_i64().unwrap_or_default();
    // Sent: the invitations (personal links inside) wait in the outbox or are delivered.
    let _: Value = f.owner.post(&format!("/api/admin/campaigns/{id}/send"), &json!({})).await?;
    Ok((survey.id, nps_e2e::links::personal_links(&f.db.url, &f.collector.url, id).await?))
}

async fn answer(links: &[(String, String)], email: &str, score: u8, comment: &str) -> anyhow::Result<()> {
    let url = &links.iter().find(|(e, _)| e == email).expect("a link per recipient").1;
    let (status, _) = nps_e2e::links::answer(url, score, comment).await?;
    anyhow::ensure!((200..300).contains(&status), "answering: {status}");
    Ok(())
}

async fn erasing_by_email_reaches_confidential_answers_not_anonymous_ones(f: Fixture) -> anyhow::Result<()> {
    let (survey_id, confidential) = campaign(&f, "confidential").await?;
    let (_, anonymous) = campaign(&f, "anonymous").await?;
    answer(&confidential, VICTIM_EMAIL, 3, "a remark of the victim").await?;
    answer(&confidential, OTHER_EMAIL, 9, "kept remark").await?;
    answer(&confidential, "c@k.example", 8, "c's remark").await?;
    answer(&confidential, "d@k.example", 7, "d's remark").await?;
    answer(&anonymous, VICTIM_EMAIL, 4, "anonymous words").await?;
    wait_drained(&f.collector.url).await?;
    // Reading the report takes the wave's disclosure snapshot, which holds the comments.
    let report: Value = f.owner.get(&format!("/api/admin/reports/nps?survey_id={survey_id}")).await?;
    assert_eq!(report["overall"]["n"].as_u64(), Some(4), "{report}");
    let comments_path = format!("/api/admin/reports/comments?survey_id={survey_id}");
    let before: Value = f.owner.get(&comments_path).await?;
    assert_eq!(before["comments"].as_array().map(Vec::len), Some(4), "{before}");
    assert!(!stored_anywhere(&f, "a remark of the victim").await?.is_empty());

    // The admin who runs the export reads it: the confidential answer (linked to the person)
    // is not in it, nor is the personal link of a waiting invitation (stop 32's review).
    let exported = f.export(json!({ "email": VICTIM_EMAIL })).await?;
    assert_eq!(exported["answers"].as_array().map(Vec::len), Some(0), "{exported}");
    assert!(exported["withheld"].as_str().is_some_and(|n| n.contains("not part of an export")), "{exported}");
    assert_eq!(exported["campaign_recipients"].as_array().map(Vec::len), Some(2), "{exported}");
    for secret in ["a remark of the victim", "anonymous words", "/s/"] {
        assert!(!exported.to_string().contains(secret), "the export shows {secret:?}: {exported}");
    }

    // Nor does the erasure's answer say whether the person answered or commented.
    let erased = f.erase(json!({ "email": VICTIM_EMAIL })).await?;
    assert_eq!(erased["erased"]["answers"].as_u64(), Some(0), "{erased}");
    assert_eq!(erased["erased"]["campaign_recipients"].as_u64(), Some(2), "{erased}");
    assert!(erased["erased"].get("snapshot_comments").is_none(), "{erased}");
    // The list read before and after the erasure would differ by the victim's comment: the
    // wave's comments are withheld from now on.
    let after: Value = f.owner.get(&comments_path).await?;
    assert_eq!(after["withheld"], true, "{after}");
    for needle in [VICTIM_EMAIL, "a remark of the victim"] {
        let found = stored_anywhere(&f, needle).await?;
        assert!(found.is_empty(), "{needle} still stored in {found:?}");
    }
    // The anonymous answer is still there (nobody can tell whose it is), and so is the other
    // person's confidential answer.
    assert!(!stored_anywhere(&f, "anonymous words").await?.is_empty());
    assert!(!stored_anywhere(&f, OTHER_EMAIL).await?.is_empty());
    assert!(!stored_anywhere(&f, "kept remark").await?.is_empty());
    Ok(())
}
