//! The storage behind partner coverage, partner follow-up routing and campaign e-mail, on both
//! backends (a SQLite file and a fresh PostgreSQL database): the SQL is shared, the types and
//! dialects are not.

mod support;

use nps_collector::campaign::{DeliverySettings, Wave};
use nps_collector::campaign::links::token_hash;
use nps_collector::store::campaign_mail::CampaignMessage;
use nps_collector::store::{LinkAnswer, RecipientRecord};
use nps_core::followup::FollowUpPolicy;
use nps_core::webhooks::{Channel, DeliveryRow, DeliveryStatus};
use nps_core::wire::{Anonymity, CampaignInput, ClientId, Partner, PartnerName, SurveyKind};
use nps_e2e::{Backend, on_both_backends};
use serde_json::json;
use support::{StoreFixture, T0, attrs, store_with_survey};

/// The store fixture's partner survey, and an identified campaign of it created by pm1.
struct Fixture {
    base: StoreFixture,
    campaign_id: i64,
}

nps_e2e::extends!(Fixture, StoreFixture, base);

fn recipient(campaign_id: i64, n: u32, partner: &str, role: &str) -> RecipientRecord {
    RecipientRecord {
        id: format!("r{n}"),
        campaign_id,
        email: format!("c{n}@{partner}.test"),
        name: None,
        language: None,
        attributes: attrs(json!({ "partner": partner, "role": role })),
        token_id: format!("t{n}"),
    }
}

async fn fixture(backend: Backend) -> anyhow::Result<Fixture> {
    let base = store_with_survey(backend, SurveyKind::Partner).await?;
    let campaign = CampaignInput {
        survey_id: base.survey_id,
        name: "c".into(),
        anonymity: Anonymity::Identified,
        min_group: 5,
        verbatim_min_group: 5,
        group_attributes: vec![],
        expires_in_days: 30,
    };
    let campaign = base.store.create_campaign(base.project_id, &campaign, Some("pm1@x.io"), T0 + 30 * 86_400_000, T0).await?;
    Ok(Fixture { base, campaign_id: campaign.id })
}

async fn answer(f: &Fixture, r: &RecipientRecord, score: i64, at: i64) -> anyhow::Result<bool> {
    let a = LinkAnswer {
        id: format!("a-{}", r.id),
        project_id: f.project_id,
        survey_id: f.survey_id,
        user_id: r.id.clone(),
        score,
        comment: None,
        attributes: r.attributes.clone(),
        language: None,
        created_at: at,
    };
    Ok(f.store.submit_link_answer(&token_hash(&r.token_id), &a).await?)
}

async fn coverage_and_follow_up_routing(f: Fixture) -> anyhow::Result<()> {
    let campaign = f.store.get_campaign(f.campaign_id).await?.expect("the fixture's campaign");
    assert_eq!(campaign.created_by.as_deref(), Some("pm1@x.io"), "the creator is stored");
    let partners = [
        Partner { id: ClientId::parse("p1")?, name: PartnerName::parse("One")?, tier: None, region: None, owner_email: Some("pm1@x.io".into()) },
        Partner { id: ClientId::parse("p2")?, name: PartnerName::parse("Two")?, tier: None, region: None, owner_email: None },
    ];
    f.store.upsert_partners(f.project_id, &partners).await?;
    let rs = [recipient(f.campaign_id, 1, "p1", "executive_buyer"), recipient(f.campaign_id, 2, "p1", "end_user"), recipient(f.campaign_id, 3, "p2", "admin")];
    f.store.add_recipients(&rs, T0).await?;
    assert!(answer(&f, &rs[0], 2, T0 + 10).await?);
    assert!(answer(&f, &rs[2], 3, T0 + 20).await?);

    let contacts = f.store.campaign_contacts(&[f.survey_id]).await?;
    assert_eq!(contacts.iter().map(|c| c.email.as_str()).collect::<Vec<_>>(), ["c1@p1.test", "c2@p1.test", "c3@p2.test"]);
    let answers = f.store.coverage_answers(&[f.survey_id], Some(T0 + 15), None).await?;
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0].respondent, "c3@p2.test", "the recipient's e-mail stands for the respondent");
    assert_eq!(f.store.coverage_answers(&[f.survey_id], None, Some(T0 + 15)).await?[0].respondent, "c1@p1.test");

    let policy = FollowUpPolicy { default_owner: Some("lead@x.io".into()), ..Default::default() };
    assert_eq!(f.store.sync_followups(f.project_id, &policy, T0 + 100).await?, 2);
    let items = f.store.list_followups(f.project_id, T0 + 100).await?;
    let routed: Vec<(Option<&str>, Option<&str>)> = items.iter().map(|i| (i.partner.as_deref(), i.owner.as_deref())).collect();
    assert_eq!(routed, [(Some("p1"), Some("pm1@x.io")), (Some("p2"), Some("lead@x.io"))]);
    assert_eq!(f.store.followup_partner("a-r1").await?, Some((f.project_id, Some("p1".to_owned()))));
    assert_eq!(f.store.followup_partner("nope").await?, None);
    Ok(())
}

async fn campaign_mail_state(f: Fixture) -> anyhow::Result<()> {
    let c = f.campaign_id;
    assert!(f.store.campaign_schedule(c).await?.is_none());
    let settings = DeliverySettings { reminder_after_days: Some(3), max_reminders: 2, cadence_days: Some(90) };
    f.store.save_delivery_settings(c, &settings, T0).await?;
    assert!(f.store.active_schedules().await?.is_empty(), "settings alone do not send anything");
    f.store.activate_delivery(c, T0).await?;
    let active = f.store.active_schedules().await?;
    assert_eq!((active.len(), active[0].settings.clone()), (1, settings.clone()));
    f.store.save_delivery_settings(c, &DeliverySettings::default(), T0).await?;
    let schedule = f.store.campaign_schedule(c).await?.ok_or_else(|| anyhow::anyhow!("schedule"))?;
    assert!(schedule.active && schedule.settings == DeliverySettings::default(), "saving settings keeps delivery on");

    // The lease: one owner at a time, until it runs out.
    assert!(f.store.take_campaign_lease(c, "a", T0, T0 + 1_000).await?);
    assert!(f.store.take_campaign_lease(c, "a", T0 + 500, T0 + 1_500).await?, "the owner renews");
    assert!(!f.store.take_campaign_lease(c, "b", T0 + 1_000, T0 + 2_000).await?);
    assert!(f.store.take_campaign_lease(c, "b", T0 + 1_501, T0 + 2_501).await?, "an expired lease is taken over");

    let wave = Wave { wave: 1, started_at: T0, expires_at: T0 + 10, reminder_rounds: 0 };
    assert!(f.store.start_wave(c, &wave).await?);
    assert!(!f.store.start_wave(c, &Wave { started_at: T0 + 5, ..wave.clone() }).await?, "a wave starts once");
    f.store.start_wave(c, &Wave { wave: 2, started_at: T0 + 20, expires_at: T0 + 30, reminder_rounds: 0 }).await?;
    f.store.set_reminder_rounds(c, 1, 2).await?;
    let waves = f.store.waves(c).await?;
    assert_eq!(waves.iter().map(|w| (w.wave, w.started_at, w.reminder_rounds)).collect::<Vec<_>>(), [(1, T0, 2), (2, T0 + 20, 0)]);
    assert_eq!(f.store.get_wave(c, 2).await?.map(|w| w.expires_at), Some(T0 + 30));

    let message = |id: &str, kind: &'static str| CampaignMessage { outbox_id: id.into(), campaign_id: c, wave: 1, recipient_id: "r1".into(), kind };
    let handed = [message("invite:1", "invitation"), message("invite:2", "invitation"), message("remind:1", "reminder")];
    f.store.record_handed_over(&handed).await?;
    f.store.record_handed_over(&handed[..1]).await?;
    let mut invited = f.store.handed_over(c, 1, "invitation").await?;
    invited.sort();
    assert_eq!(invited, ["invite:1", "invite:2"]);
    let delivery = |id: &str, status: DeliveryStatus| DeliveryRow {
        id: 0,
        message_id: id.into(),
        project_id: Some(f.project_id),
        channel: Channel::Email,
        kind: "invitation".into(),
        target: "x@y.z".into(),
        attempt: 1,
        status,
        status_code: None,
        error: None,
        duration_ms: None,
        reference: None,
        at: T0,
    };
    f.store.record_delivery(&delivery("invite:1", DeliveryStatus::Retrying)).await?;
    f.store.record_delivery(&delivery("invite:1", DeliveryStatus::Delivered)).await?;
    f.store.record_delivery(&delivery("invite:2", DeliveryStatus::Retrying)).await?;
    let counts = f.store.message_counts(c).await?;
    let counts: Vec<(u32, &str, u64, u64)> = counts.iter().map(|m| (m.wave, m.kind.as_str(), m.sent, m.delivered)).collect();
    assert_eq!(counts, [(1, "invitation", 2, 1), (1, "reminder", 1, 0)]);

    let r = recipient(c, 1, "p1", "admin");
    f.store.add_recipients(std::slice::from_ref(&r), T0).await?;
    assert!(answer(&f, &r, 9, T0).await?);
    let spent = f.store.spent_tokens(&[token_hash("t1"), token_hash("t2")]).await?;
    assert_eq!(spent, [token_hash("t1")]);
    Ok(())
}

on_both_backends!(coverage_and_follow_up_routing, campaign_mail_state);
