//! The storage parts of accounts at risk, directly on both backends: business imports, the
//! action log, and the engagement read after answers.

use super::*;
use nps_core::wire::{ClientId, DecisionText, Name, ThemeName};
use support::{StoreFixture, T0, store_with_survey};

type Fixture = StoreFixture;

async fn fixture(backend: Backend) -> anyhow::Result<Fixture> {
    store_with_survey(backend, SurveyKind::Rnps).await
}

async fn business_imports_change_only_what_they_carry(f: Fixture) -> anyhow::Result<()> {
    let acme = BusinessRecord {
        account_id: "acme".into(),
        mrr_cents: Some(10_000),
        renewal_at: Some(T0 + 30 * DAY),
        plan: Some("pro".into()),
        owner: Some("ann@x.io".into()),
        ..Default::default()
    };
    let globex = BusinessRecord { account_id: "globex".into(), churned: Some(true), churn_at: Some(T0), ..Default::default() };
    f.store.upsert_business(f.project_id, &[acme, globex], T0).await?;
    let update = [
        BusinessRecord { account_id: "acme".into(), mrr_cents: Some(20_000), ..Default::default() },
        BusinessRecord { account_id: "globex".into(), churned: Some(false), ..Default::default() },
    ];
    f.store.upsert_business(f.project_id, &update, T0 + 1).await?;
    let stored = f.store.list_business(f.project_id).await?;
    assert_eq!(stored.len(), 2);
    let acme = &stored[0];
    assert_eq!((acme.account_id.as_str(), acme.mrr_cents, acme.renewal_at), ("acme", Some(20_000), Some(T0 + 30 * DAY)));
    assert_eq!((acme.plan.as_deref(), acme.owner.as_deref(), acme.updated_at), (Some("pro"), Some("ann@x.io"), T0 + 1));
    assert_eq!((stored[1].churned, stored[1].churn_at), (Some(false), None), "un-churning clears the churn date");
    // Another project's data is its own.
    let other = f.store.create_project(&project_input("q", &[])?, "pk_other", "s", T0).await?;
    assert!(f.store.list_business(other.id).await?.is_empty());
    Ok(())
}

async fn actions_round_trip_and_list_by_decision_date(f: Fixture) -> anyhow::Result<()> {
    let input = |title: &str, day: i64| ActionInput {
        project_id: f.project_id,
        survey_id: Some(f.survey_id),
        title: Name::parse(title).expect("valid"),
        decision: DecisionText::parse("d").expect("valid"),
        decided_at: T0 + day * DAY,
        owner: None,
        themes: vec![ThemeName::parse("pricing").expect("valid")],
        response_ids: vec![ClientId::parse("r1").expect("valid")],
    };
    let a = f.store.create_action(&input("a", 5), "owner@x.io", T0).await?;
    let b = f.store.create_action(&input("b", 1), "analyst@x.io", T0).await?;
    let c = f.store.create_action(&input("c", 9), "owner@x.io", T0).await?;
    assert_eq!(f.store.get_action(a.id).await?.as_ref(), Some(&a));
    assert_eq!((a.input.themes.clone(), a.created_by.as_str()), (vec![ThemeName::parse("pricing")?], "owner@x.io"));
    let titles = |list: Vec<nps_core::actions::Action>| list.into_iter().map(|x| x.input.title.into_inner()).collect::<Vec<_>>();
    assert_eq!(titles(f.store.list_actions(f.project_id, None, None).await?), ["b", "a", "c"]);
    assert_eq!(titles(f.store.list_actions(f.project_id, Some(T0 + DAY), Some(T0 + 9 * DAY)).await?), ["b", "a"]);
    let changed = f.store.update_action(c.id, &ActionInput { themes: vec![], ..input("c2", 2) }, T0 + 7).await?.expect("exists");
    assert_eq!((changed.input.title.as_str(), changed.updated_at, changed.created_at), ("c2", T0 + 7, T0));
    assert!(f.store.delete_action(b.id).await?);
    assert!(!f.store.delete_action(b.id).await?);
    assert!(f.store.update_action(b.id, &input("gone", 1), T0).await?.is_none());
    assert_eq!(titles(f.store.list_actions(f.project_id, None, None).await?), ["c2", "a"]);
    Ok(())
}

async fn engagement_reads_what_users_did_after_answering(f: Fixture) -> anyhow::Result<()> {
    f.store
        .apply_batch(&[
            f.response("r1", "u1", 3, T0),
            f.display(&new_id(), "u1", T0 - 1),
            f.display(&new_id(), "u1", T0 + 5),
            f.display(&new_id(), "u2", T0 + 5),
            f.feedback(&new_id(), "u1", FeedbackKind::Decline, T0 + 6),
            f.feedback(&new_id(), "u1", FeedbackKind::OptOut, T0 + 7),
            f.feedback(&new_id(), "u1", FeedbackKind::Snooze, T0 + 8),
        ])
        .await?;
    let mut events = f.store.engagement(f.project_id, &[f.survey_id], &["u1".to_owned()], T0).await?;
    events.sort_by_key(|e| e.at);
    let seen: Vec<(EngagementKind, i64)> = events.iter().map(|e| (e.kind, e.at)).collect();
    assert_eq!(seen, [(EngagementKind::Shown, T0 + 5), (EngagementKind::Declined, T0 + 6), (EngagementKind::OptedOut, T0 + 7)]);
    assert!(events.iter().all(|e| e.user_id == "u1"));
    // Another survey's displays and declines do not count; the opt-out does (it is global).
    let other = f.store.engagement(f.project_id, &[987_654], &["u1".to_owned()], T0).await?;
    assert_eq!(other.iter().map(|e| e.kind).collect::<Vec<_>>(), [EngagementKind::OptedOut]);
    assert!(f.store.engagement(f.project_id, &[f.survey_id], &[], T0).await?.is_empty());
    let (r1, nope) = (ClientId::parse("r1")?, ClientId::parse("nope")?);
    assert_eq!(f.store.unknown_responses(&[f.survey_id], &[r1.clone(), nope.clone()]).await?, [nope]);
    assert_eq!(f.store.unknown_responses(&[], std::slice::from_ref(&r1)).await?, [r1]);
    Ok(())
}

on_both_backends!(
    business_imports_change_only_what_they_carry,
    actions_round_trip_and_list_by_decision_date,
    engagement_reads_what_users_did_after_answering,
);
