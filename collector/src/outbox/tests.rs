//! The outbox's bookkeeping on a real redb file (and a real SQLite file for the delivery log).

use super::*;

fn email(to: &str) -> Message {
    Message::Email(EmailMessage {
        project_id: 1,
        to: to.into(),
        subject: "s".into(),
        text: "t".into(),
        html: None,
        kind: "alert".into(),
        reference: String::new(),
    })
}

fn webhook(body: &str) -> Message {
    Message::Webhook(WebhookMessage { project_id: 1, endpoint_id: 1, event: "response.created".into(), body: body.into() })
}

async fn open(dir: &Path) -> anyhow::Result<Arc<Outbox>> {
    let store = crate::store::connect(&format!("sqlite://{}", dir.join("nps.sqlite").display())).await?;
    Outbox::open(&dir.join("outbox.redb"), &OutboxSettings::default(), true, store, Arc::new(Metrics::new()?))
}

#[tokio::test]
async fn enqueue_is_idempotent_by_id_and_survives_reopening() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    {
        let outbox = open(dir.path()).await?;
        assert!(outbox.enqueue("a", webhook("{}")).await?);
        assert!(!outbox.enqueue("a", webhook("{\"other\":1}")).await?, "same id again");
        assert_eq!(outbox.enqueue_batch(vec![("b".into(), email("x@y.io")), ("a".into(), webhook("{}"))]).await?, vec![true, false]);
        assert_eq!(outbox.depth().await?, 2);
    }
    let outbox = open(dir.path()).await?;
    assert_eq!(outbox.depth().await?, 2, "pending messages survive reopening");
    let due = outbox.due(Channel::Webhook, now_ms(), 10, HashSet::new()).await?;
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].1.message, webhook("{}"), "the first enqueue wins");
    assert_eq!(outbox.due(Channel::Email, now_ms(), 10, HashSet::new()).await?.len(), 1);
    Ok(())
}

#[tokio::test]
async fn delivered_and_failed_ids_are_not_enqueued_again() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let outbox = open(dir.path()).await?;
    outbox.enqueue_batch(vec![("ok".into(), webhook("1")), ("bad".into(), webhook("2"))]).await?;
    let due = outbox.due(Channel::Webhook, now_ms(), 10, HashSet::new()).await?;
    for (id, envelope) in &due {
        if id == "ok" {
            outbox.mark_delivered(id, envelope).await?;
        } else {
            outbox.mark_failed(id, envelope).await?;
        }
    }
    assert_eq!(outbox.depth().await?, 0);
    assert_eq!(outbox.failed_count().await?, 1);
    assert_eq!(outbox.enqueue_batch(vec![("ok".into(), webhook("1")), ("bad".into(), webhook("2"))]).await?, vec![false, false]);
    assert!(outbox.due(Channel::Webhook, now_ms(), 10, HashSet::new()).await?.is_empty());
    Ok(())
}

#[tokio::test]
async fn a_rescheduled_message_is_due_only_at_its_time_and_busy_ones_are_skipped() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let outbox = open(dir.path()).await?;
    outbox.enqueue_batch(vec![("m1".into(), webhook("1")), ("m2".into(), webhook("2"))]).await?;
    let now = now_ms();
    let due = outbox.due(Channel::Webhook, now, 10, HashSet::new()).await?;
    let (id, envelope) = due.iter().find(|(id, _)| id == "m1").cloned().ok_or_else(|| anyhow::anyhow!("m1 not due"))?;
    let mut later = envelope.clone();
    later.attempts = 1;
    later.next_at = now + 60_000;
    outbox.reschedule(&id, envelope.next_at, &later).await?;
    let due: Vec<String> = outbox.due(Channel::Webhook, now, 10, HashSet::new()).await?.into_iter().map(|(id, _)| id).collect();
    assert_eq!(due, vec!["m2".to_owned()]);
    let busy: HashSet<String> = ["m2".to_owned()].into();
    assert!(outbox.due(Channel::Webhook, now, 10, busy.clone()).await?.is_empty());
    assert_eq!(outbox.next_due(Channel::Webhook, busy).await?, Some(now + 60_000));
    let due = outbox.due(Channel::Webhook, now + 60_000, 10, HashSet::new()).await?;
    assert_eq!(due.iter().find(|(id, _)| id == "m1").map(|(_, e)| e.attempts), Some(1));
    assert_eq!(outbox.depth().await?, 2);
    Ok(())
}
