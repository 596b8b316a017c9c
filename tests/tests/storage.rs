//! One storage suite, run against both backends (SQLite file and a fresh PostgreSQL database).

mod support;

use nps_collector::ingest::{Drainer, IngestRecord, Spool};
use nps_collector::metrics::Metrics;
use nps_collector::store::rollups::RollupDimension;
use nps_collector::store::sign_in::AttemptWindow;
use nps_collector::store::{Dimension, ResponseQuery, StoreError};
use nps_core::eligibility::HistoryKind;
use nps_core::wire::{AccountMembership, AdminRole, ClientAttributes, ClientId, FeedbackKind, SurveyInput, SurveyKind, SurveyStatus};
use nps_core::{Band, BandCounts};
use nps_e2e::{Backend, on_both_backends};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use support::{StoreFixture, T0, attrs, sampled, store_with_survey};

const DAY: i64 = 86_400_000;

type Fixture = StoreFixture;

async fn fixture(backend: Backend) -> anyhow::Result<Fixture> {
    store_with_survey(backend, SurveyKind::Tnps).await
}

fn identify(f: &Fixture, user: &str, plan: &str, at: i64) -> IngestRecord {
    IngestRecord::Identify {
        project_id: f.project_id,
        at,
        user_id: user.into(),
        attributes: attrs(json!({ "plan": plan })),
        created_at: Some(T0 - 100 * DAY),
        language: Some("fr".into()),
        account: Some(AccountMembership { id: ClientId::parse("acme").expect("valid"), attributes: ClientAttributes::parse(attrs(json!({ "tier": "gold" }))).expect("valid"), role: ClientId::parse("admin").expect("valid") }),
    }
}

/// Answers here come from a widget that asks a quarter of the users.
fn response(f: &Fixture, survey_id: i64, id: &str, user: &str, score: i64, at: i64) -> IngestRecord {
    sampled(support::response(f.project_id, survey_id, id, user, score, at), 2_500)
}

fn all(f: &Fixture) -> ResponseQuery {
    ResponseQuery { survey_ids: vec![f.survey_id], limit: 1_000, ..Default::default() }
}

async fn applying_a_batch_twice_changes_nothing(f: Fixture) -> anyhow::Result<()> {
    let batch = vec![
        identify(&f, "u1", "free", T0),
        f.display("d1", "u1", T0 + 1),
        response(&f, f.survey_id, "r1", "u1", 4, T0 + 2),
        f.complete("r1", "u1", "slow pages", T0 + 3),
        f.feedback("a1", "u2", FeedbackKind::Decline, T0 + 4),
        identify(&f, "u1", "pro", T0 + 5),
    ];
    f.store.apply_batch(&batch).await?;
    f.store.apply_batch(&batch).await?;
    let rows = f.store.list_responses(&all(&f)).await?;
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!((r.score, r.band, r.comment.as_deref()), (Some(4), Some(Band::Detractor), Some("slow pages")));
    // The attributes in force when the answer was applied: the last identify of the batch.
    assert_eq!(r.attributes["plan"], json!("pro"));
    assert_eq!((r.account_id.as_deref(), r.role.as_deref()), (Some("acme"), Some("admin")));
    assert_eq!(r.sampling_rate_bp, Some(2_500));
    let shown = f.store.daily_displays(&all(&f)).await?;
    assert_eq!(shown.iter().map(|(_, n)| n).sum::<u64>(), 1);
    Ok(())
}

/// An answer's attribute snapshot is taken by the insert of its first part (comment or score)
/// and kept: a score that arrives after its comment, once the user was identified again with
/// other attributes and another account, fills the row without replacing the snapshot, and
/// the rollups count the answer with the values the row holds.
async fn a_late_score_keeps_the_snapshot_its_comment_took(f: Fixture) -> anyhow::Result<()> {
    let plan = RollupDimension::Attribute("plan".into());
    assert!(f.store.declare_dimension(f.project_id, &plan, T0).await?);
    f.store.apply_batch(&[identify(&f, "u1", "free", T0), f.complete("r1", "u1", "too slow", T0 + 1)]).await?;
    let moved = IngestRecord::Identify {
        project_id: f.project_id,
        at: T0 + 2,
        user_id: "u1".into(),
        attributes: attrs(json!({ "plan": "pro" })),
        created_at: None,
        language: None,
        account: Some(AccountMembership { id: ClientId::parse("globex").expect("valid"), attributes: ClientAttributes::parse(attrs(json!({}))).expect("valid"), role: ClientId::parse("viewer").expect("valid") }),
    };
    f.store.apply_batch(&[moved]).await?;
    f.store.apply_batch(&[response(&f, f.survey_id, "r1", "u1", 10, T0 + 3)]).await?;
    let rows = f.store.list_responses(&all(&f)).await?;
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!((r.score, r.comment.as_deref()), (Some(10), Some("too slow")));
    assert_eq!(r.attributes["plan"], json!("free"));
    assert_eq!((r.account_id.as_deref(), r.role.as_deref()), (Some("acme"), Some("admin")));
    let segments = f.store.rollup_segments(&all(&f), Some(&plan)).await?;
    assert_eq!(segments, vec![(Some("free".to_owned()), BandCounts::new(1, 0, 0))]);
    assert_eq!(segments, f.store.segment_counts(&all(&f), &Dimension::Attribute("plan".into())).await?);
    // An answer whose score comes first takes the attributes the user has then.
    f.store.apply_batch(&[response(&f, f.survey_id, "r2", "u1", 3, T0 + 4)]).await?;
    let rows = f.store.list_responses(&all(&f)).await?;
    let r2 = rows.iter().find(|r| r.id == "r2").expect("r2 stored");
    assert_eq!((r2.attributes["plan"].clone(), r2.account_id.as_deref(), r2.role.as_deref()), (json!("pro"), Some("globex"), Some("viewer")));
    Ok(())
}

async fn a_retried_score_never_replaces_the_stored_one(f: Fixture) -> anyhow::Result<()> {
    f.store.apply_batch(&[response(&f, f.survey_id, "r1", "u1", 9, T0)]).await?;
    f.store.apply_batch(&[response(&f, f.survey_id, "r1", "u1", 0, T0 + 1)]).await?;
    // Someone else cannot attach a comment to this answer.
    f.store.apply_batch(&[f.complete("r1", "intruder", "hijack", T0 + 2)]).await?;
    let rows = f.store.list_responses(&all(&f)).await?;
    assert_eq!((rows.len(), rows[0].score, rows[0].comment.clone()), (1, Some(9), None));
    Ok(())
}

async fn the_database_rejects_an_answer_to_an_unknown_survey(f: Fixture) -> anyhow::Result<()> {
    let result = f.store.apply_batch(&[response(&f, 987_654, "r1", "u1", 9, T0)]).await;
    assert!(matches!(result, Err(StoreError::Rejected(_))), "{result:?}");
    Ok(())
}

async fn the_drainer_dead_letters_what_the_database_refuses_and_stores_the_rest(f: Fixture) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let metrics = Arc::new(Metrics::new()?);
    let spool = Spool::open(&dir.path().join("spool.redb"), 64, metrics.clone())?;
    let records = [
        response(&f, f.survey_id, "ok-1", "u1", 10, T0),
        response(&f, 424_242, "bad", "u2", 5, T0 + 1),
        response(&f, f.survey_id, "ok-2", "u3", 6, T0 + 2),
    ];
    for record in &records {
        spool.append(serde_json::to_vec(record)?).await?;
    }
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let drainer = Drainer { spool: spool.clone(), store: f.store.clone(), metrics, batch: 100, shutdown_grace: Duration::from_secs(5), linger: Duration::ZERO, hook: None, erasures: None };
    let task = tokio::spawn(drainer.run(stopped));
    let drained = nps_e2e::wait_for(Duration::from_secs(10), || async { (spool.depth().await.ok()? == 0).then_some(()) }).await;
    stop.send(true)?;
    task.await?;
    assert!(drained.is_some(), "the spool did not drain");
    let ids: Vec<String> = f.store.list_responses(&all(&f)).await?.into_iter().map(|r| r.id).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&"ok-1".to_owned()) && ids.contains(&"ok-2".to_owned()));
    let dead = f.store.list_dead_letters(10).await?;
    assert_eq!(dead.len(), 1);
    assert!(dead[0].record.contains("424242") && !dead[0].reason.is_empty(), "{:?}", dead[0]);
    Ok(())
}

async fn filters_and_daily_counts_select_the_right_answers(f: Fixture) -> anyhow::Result<()> {
    let mut batch = Vec::new();
    for (i, score) in [0, 5, 6, 7, 8, 9, 10, 10].into_iter().enumerate() {
        let id = format!("r{i}");
        batch.push(identify(&f, &format!("u{i}"), if i % 2 == 0 { "pro" } else { "free" }, T0 + i as i64 * DAY - 1));
        batch.push(response(&f, f.survey_id, &id, &format!("u{i}"), score, T0 + i as i64 * DAY));
        if score <= 6 {
            batch.push(f.complete(&id, &format!("u{i}"), &format!("100% TOO_SLOW {i}"), T0 + i as i64 * DAY));
        }
    }
    f.store.apply_batch(&batch).await?;
    let q = |band, has_comment, text: Option<&str>, from, to| ResponseQuery {
        band,
        has_comment,
        text: text.map(str::to_owned),
        from,
        to,
        ..all(&f)
    };
    assert_eq!(f.store.list_responses(&q(Some(Band::Detractor), None, None, None, None)).await?.len(), 3);
    assert_eq!(f.store.list_responses(&q(Some(Band::Passive), None, None, None, None)).await?.len(), 2);
    assert_eq!(f.store.list_responses(&q(Some(Band::Promoter), None, None, None, None)).await?.len(), 3);
    assert_eq!(f.store.list_responses(&q(None, Some(true), None, None, None)).await?.len(), 3);
    assert_eq!(f.store.list_responses(&q(None, Some(false), None, None, None)).await?.len(), 5);
    // LIKE wildcards in the search text are literal.
    assert_eq!(f.store.list_responses(&q(None, None, Some("100% too_slow"), None, None)).await?.len(), 3);
    assert_eq!(f.store.list_responses(&q(None, None, Some("_"), None, None)).await?.len(), 3);
    assert_eq!(f.store.list_responses(&q(None, None, Some("%"), None, None)).await?.len(), 3);
    assert_eq!(f.store.list_responses(&q(None, None, None, Some(T0 + 2 * DAY), Some(T0 + 5 * DAY))).await?.len(), 3);
    // Attribute values as they were when the answer arrived: pro = scores 0, 6, 8, 10.
    let pro = ResponseQuery { attributes: vec![("plan".into(), "pro".into())], ..all(&f) };
    let mut scores: Vec<u8> = f.store.list_responses(&pro).await?.iter().filter_map(|r| r.score).collect();
    scores.sort_unstable();
    assert_eq!(scores, [0, 6, 8, 10]);
    let pro_counts: Vec<BandCounts> = f.store.daily_band_counts(&pro).await?.iter().map(|d| d.counts).collect();
    assert_eq!(pro_counts.iter().fold(BandCounts::default(), |mut t, c| { t.merge(*c); t }), BandCounts::new(1, 1, 2));
    let nobody = ResponseQuery { attributes: vec![("plan".into(), "pro".into()), ("plan".into(), "free".into())], ..all(&f) };
    assert!(f.store.list_responses(&nobody).await?.is_empty(), "all pairs must hold");
    // Segments by an attribute of the answer's account (every user here is in acme, tier gold).
    let tier = nps_collector::store::Dimension::parse("acct:tier").expect("a dimension");
    assert_eq!(f.store.segment_counts(&all(&f), &tier).await?, [(Some("gold".to_owned()), BandCounts::new(3, 2, 3))]);
    let unknown = nps_collector::store::Dimension::parse("acct:nothing").expect("a dimension");
    assert_eq!(f.store.segment_counts(&all(&f), &unknown).await?, [(None, BandCounts::new(3, 2, 3))]);
    let days = f.store.daily_band_counts(&all(&f)).await?;
    assert_eq!(days.len(), 8);
    let mut total = BandCounts::default();
    days.iter().for_each(|d| total.merge(d.counts));
    assert_eq!(total, BandCounts::new(3, 2, 3));
    assert_eq!(days[0].day, T0 / DAY);
    Ok(())
}

async fn the_user_history_holds_what_the_rules_need(f: Fixture) -> anyhow::Result<()> {
    f.store
        .apply_batch(&[
            identify(&f, "u1", "free", T0),
            f.display("d1", "u1", T0 + DAY),
            response(&f, f.survey_id, "r1", "u1", 8, T0 + DAY + 5),
            f.feedback("a1", "u1", FeedbackKind::Snooze, T0 + 2 * DAY),
            f.feedback("a2", "u1", FeedbackKind::Decline, T0 + 3 * DAY),
        ])
        .await?;
    let history = f.store.user_history(f.project_id, "u1", T0 + 10 * DAY).await?;
    assert_eq!(history.first_seen_at, T0 - 100 * DAY, "created_at is earlier than first sight");
    assert!(!history.opted_out);
    let kinds: Vec<HistoryKind> = history.events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [HistoryKind::Display, HistoryKind::Response, HistoryKind::Snooze, HistoryKind::Decline]);
    f.store.apply_batch(&[f.feedback("a3", "u1", FeedbackKind::OptOut, T0 + 4 * DAY)]).await?;
    assert!(f.store.user_history(f.project_id, "u1", T0 + 10 * DAY).await?.opted_out);
    let stranger = f.store.user_history(f.project_id, "nobody", T0).await?;
    assert!(stranger.events.is_empty() && !stranger.opted_out);
    Ok(())
}

async fn configuration_round_trips_and_emails_are_unique(f: Fixture) -> anyhow::Result<()> {
    let mut survey = f.store.get_survey(f.survey_id).await?.expect("survey exists");
    survey.rules.sampling_rate_bp = nps_core::wire::BasisPoints::new(1_234);
    let input = SurveyInput { name: "renamed".into(), kind: survey.kind, status: SurveyStatus::Paused, definition: survey.definition.clone(), rules: survey.rules.clone() };
    let updated = f.store.update_survey(f.survey_id, &input, T0 + 1).await?.expect("updated");
    assert_eq!((updated.name.as_str(), updated.status, updated.rules.sampling_rate_bp), ("renamed", SurveyStatus::Paused, nps_core::wire::BasisPoints::new(1_234)));
    assert_eq!(updated.definition, survey.definition);
    f.store.create_admin("a@b.c", "hash", AdminRole::Hr, T0).await?;
    let again = f.store.create_admin("a@b.c", "hash", AdminRole::Owner, T0).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    assert_eq!(f.store.admin_by_email("a@b.c").await?.map(|a| a.role), Some(AdminRole::Hr));
    Ok(())
}

/// The advisory key of a user's decisions (collector/src/store/postgres.rs): FNV-1a of the
/// project id's little-endian bytes and the user id, stable across processes and releases.
fn decision_lock_key(project_id: i64, user_id: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in project_id.to_le_bytes().iter().chain(user_id.as_bytes()) {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    i64::from_ne_bytes(hash.to_ne_bytes())
}

/// On PostgreSQL a decision batch reads its facts without a lock and claims afterwards. A
/// display stored for the user in between (here while another session holds the user's lock,
/// so that the batch has read and waits in its claim) must be seen: the claim finds the user's
/// displays changed, writes nothing, and the batch decides again and grants nothing.
#[tokio::test]
async fn a_display_stored_between_a_batch_read_and_its_claim_is_seen() -> anyhow::Result<()> {
    use nps_collector::store::{BatchDecision, DecisionFacts, DisplayClaim};
    use nps_core::eligibility::{Decision, Rule};
    use sqlx::Connection;
    let f = fixture(Backend::Postgres).await?;
    f.store.apply_batch(&[identify(&f, "u1", "free", T0)]).await?;
    let mut other = sqlx::PgConnection::connect(&f.url).await?;
    let mut holding = other.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(decision_lock_key(f.project_id, "u1")).execute(&mut *holding).await?;

    let (store, project_id, survey_id) = (f.store.clone(), f.project_id, f.survey_id);
    let deciding = tokio::spawn(async move {
        let claim = DisplayClaim {
            project_id,
            survey_id,
            user_id: ClientId::parse("u1").expect("valid"),
            display_id: ClientId::parse("d-batch").expect("valid"),
            trigger: None,
            url: None,
            language: None,
            device: None,
            now: T0 + DAY,
            count_responses: false,
        };
        // Eligible while the user has never been shown a survey.
        let decide = |facts: &DecisionFacts| {
            let shown = facts.history.events.iter().any(|e| e.kind == HistoryKind::Display);
            Decision { eligible: !shown, rule: if shown { Rule::GlobalCooldown } else { Rule::Eligible }, detail: String::new(), retry_after: None, sampling_rate_bp: 10_000 }
        };
        store.decide_and_claim_batch(&[BatchDecision { claim: &claim, decide: &decide }]).await
    });
    // Long enough for the batch to read and reach its claim; then a display lands first.
    tokio::time::sleep(Duration::from_millis(500)).await;
    f.store.apply_batch(&[f.display("d-other", "u1", T0 + DAY - 1)]).await?;
    holding.commit().await?;

    let decisions = deciding.await??;
    assert_eq!(decisions.len(), 1);
    assert!(!decisions[0].eligible, "granted a second display: {:?}", decisions[0]);
    let history = f.store.user_history(f.project_id, "u1", T0 + 2 * DAY).await?;
    let displays = history.events.iter().filter(|e| e.kind == HistoryKind::Display).count();
    assert_eq!(displays, 1, "{history:?}");
    Ok(())
}

/// The sign-in lockout's counts (shared by every collector on the database): one window per
/// key, ended `window` after its start; an attempt taken back only from its own window.
async fn sign_in_attempts_are_counted_in_windows(f: Fixture) -> anyhow::Result<()> {
    let (store, window) = (&f.store, 60_000);
    let counted = |attempts, started_at| AttemptWindow { started_at, attempts };
    assert_eq!(store.count_sign_in_attempt("k", T0, window).await?, counted(1, T0));
    assert_eq!(store.count_sign_in_attempt("k", T0 + 10, window).await?, counted(2, T0));
    assert_eq!(store.count_sign_in_attempt("other", T0 + 10, window).await?, counted(1, T0 + 10), "keys are counted apart");

    store.take_back_sign_in_attempt("k", T0).await?;
    store.take_back_sign_in_attempt("k", T0 - 1).await?; // another window's: nothing
    assert_eq!(store.count_sign_in_attempt("k", T0 + 20, window).await?, counted(2, T0));
    assert_eq!(store.count_sign_in_attempt("k", T0 + window - 1, window).await?, counted(3, T0), "still the same window");
    assert_eq!(store.count_sign_in_attempt("k", T0 + window, window).await?, counted(1, T0 + window), "the window ended");
    store.take_back_sign_in_attempt("k", T0).await?; // the ended window's: nothing
    assert_eq!(store.count_sign_in_attempt("k", T0 + window, window).await?, counted(2, T0 + window));
    store.forget_sign_in_attempts("k").await?;
    assert_eq!(store.count_sign_in_attempt("k", T0 + window + 1, window).await?, counted(1, T0 + window + 1));

    // Concurrent attempts each get a count of their own: the lockout relies on it.
    let racing = (0..24).map(|_| store.count_sign_in_attempt("race", T0, window));
    let mut counts: Vec<i64> = futures::future::try_join_all(racing).await?.iter().map(|w| w.attempts).collect();
    counts.sort_unstable();
    assert_eq!(counts, (1..=24).collect::<Vec<i64>>());

    // A row taken back to nothing is deleted: the next attempt starts a window of its own.
    assert_eq!(store.count_sign_in_attempt("once", T0, window).await?, counted(1, T0));
    store.take_back_sign_in_attempt("once", T0).await?;
    assert_eq!(store.count_sign_in_attempt("once", T0 + 5, window).await?, counted(1, T0 + 5));

    // Housekeeping deletes the ended windows and nothing else.
    assert_eq!(store.forget_ended_sign_in_windows(T0 + 10).await?, 3, "'other', 'race' and 'once' ended");
    assert_eq!(store.count_sign_in_attempt("k", T0 + window + 2, window).await?, counted(2, T0 + window + 1));
    Ok(())
}

on_both_backends!(
    applying_a_batch_twice_changes_nothing,
    a_retried_score_never_replaces_the_stored_one,
    a_late_score_keeps_the_snapshot_its_comment_took,
    the_database_rejects_an_answer_to_an_unknown_survey,
    the_drainer_dead_letters_what_the_database_refuses_and_stores_the_rest,
    filters_and_daily_counts_select_the_right_answers,
    the_user_history_holds_what_the_rules_need,
    configuration_round_trips_and_emails_are_unique,
    sign_in_attempts_are_counted_in_windows,
);
