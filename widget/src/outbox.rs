//! The persistent outbox: every write goes to localStorage first and is removed only once the
//! collector has acknowledged it. Writes carry client-generated ids, so sending one twice (a
//! lost acknowledgement, two tabs flushing at once) still stores it once.

use crate::browser::{self, Reply};
use serde::{Deserialize, Serialize};
use std::cell::Cell;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Item {
    /// Local id of the queue entry.
    pub id: String,
    /// Path under `/v1/p/{key}/`.
    pub path: String,
    /// The JSON body, as sent.
    pub body: String,
    pub user_id: String,
    pub attempts: u32,
    pub next_at: i64,
}

/// Entries older than this many attempts are given up (about a week of back-off).
const MAX_ATTEMPTS: u32 = 40;
const MAX_ITEMS: usize = 200;

thread_local! {
    static FLUSHING: Cell<bool> = const { Cell::new(false) };
}

fn key(project_key: &str) -> String {
    format!("nps:outbox:{project_key}")
}

fn session_key(project_key: &str) -> String {
    format!("nps:session:{project_key}")
}

/// The widget session token of the last identify, kept so that writes queued on an earlier
/// page can be flushed before this page's identify has finished.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    pub user_id: String,
    pub token: String,
    pub expires_at: i64,
}

pub fn save_session(project_key: &str, session: &Session) {
    browser::save(&session_key(project_key), session);
}

pub fn token(project_key: &str, user_id: &str) -> Option<String> {
    let s: Session = browser::load(&session_key(project_key))?;
    (s.user_id == user_id && s.expires_at > browser::now_ms()).then_some(s.token)
}

pub fn pending(project_key: &str) -> Vec<Item> {
    browser::load(&key(project_key)).unwrap_or_default()
}

/// Makes every entry due now (page load, back online): the reason for the back-off may be gone.
pub fn make_due(project_key: &str) {
    let mut items = pending(project_key);
    if items.iter().any(|i| i.next_at > 0) {
        items.iter_mut().for_each(|i| i.next_at = 0);
        browser::save(&key(project_key), &items);
    }
}

pub fn push(project_key: &str, path: String, user_id: &str, body: String) {
    let mut items = pending(project_key);
    if items.len() >= MAX_ITEMS {
        items.remove(0);
    }
    let id = browser::uuid();
    items.push(Item { id, path, body, user_id: user_id.to_owned(), attempts: 0, next_at: 0 });
    browser::save(&key(project_key), &items);
}

/// Re-reads the stored queue and applies `f` to it, so changes made meanwhile by another
/// write are kept.
fn update(project_key: &str, f: impl FnOnce(&mut Vec<Item>)) {
    let mut items = pending(project_key);
    f(&mut items);
    browser::save(&key(project_key), &items);
}

enum Outcome {
    Done,
    Retry,
    Drop(String),
}

fn classify(reply: &Reply) -> Outcome {
    match reply {
        Reply::Status(200..=299, _) => Outcome::Done,
        // Throttled, server trouble or no answer: the write is fine, the moment is not.
        Reply::Status(429, _) | Reply::Status(500.., _) | Reply::Network => Outcome::Retry,
        // An expired or missing widget session is fixed by the next identify: keep the answer.
        Reply::Status(401, body) if body.contains("identity_expired") || body.contains("identity_required") => {
            Outcome::Retry
        }
        Reply::Status(status, body) => Outcome::Drop(format!("{status} {body}")),
    }
}

/// Exponential back-off from 2 s up to 10 minutes, with jitter so that many clients coming back
/// online together do not hit the collector in step.
fn backoff_ms(attempts: u32) -> i64 {
    let base = 2_000i64.saturating_mul(1i64 << attempts.min(9)).min(600_000);
    base + (js_sys::Math::random() * base as f64 * 0.25) as i64
}

/// Sends every due entry in order; stops at the first one that must be retried, so a
/// completion never overtakes its score.
pub async fn flush(collector: &str, project_key: &str) {
    if FLUSHING.with(|f| f.replace(true)) {
        return;
    }
    loop {
        let now = browser::now_ms();
        let Some(item) = pending(project_key).into_iter().next() else { break };
        if item.next_at > now {
            break;
        }
        let url = format!("{collector}/v1/p/{project_key}/{}", item.path);
        let token = token(project_key, &item.user_id);
        let reply = browser::fetch("POST", &url, Some(&item.body), token.as_deref()).await;
        match classify(&reply) {
            Outcome::Done => update(project_key, |items| items.retain(|i| i.id != item.id)),
            Outcome::Drop(why) => {
                web_sys::console::warn_1(&format!("nps: write refused, dropped: {why}").into());
                update(project_key, |items| items.retain(|i| i.id != item.id));
            }
            Outcome::Retry => {
                update(project_key, |items| {
                    if let Some(i) = items.iter_mut().find(|i| i.id == item.id) {
                        i.attempts += 1;
                        i.next_at = browser::now_ms() + backoff_ms(i.attempts);
                    }
                    items.retain(|i| i.attempts < MAX_ATTEMPTS);
                });
                break;
            }
        }
    }
    FLUSHING.with(|f| f.set(false));
}
