//! A webhook receiver as a vendor would write one: verifies the Standard Webhooks signature
//! with the endpoint secret, refuses stale timestamps, processes each `webhook-id` once.
//! It answers 500 to the first `fail_first` attempts of every id.

use super::*;
use nps_e2e::receiver::{Answer, listen};

#[derive(Debug, Clone)]
pub struct Attempt {
    pub id: String,
    pub at: Instant,
    pub status: u16,
}

#[derive(Default)]
pub struct State {
    pub secret: Option<String>,
    pub fail_first: usize,
    pub attempts: Vec<Attempt>,
    /// webhook-id -> body, for the attempts that were processed.
    pub accepted: BTreeMap<String, Value>,
    /// Attempts that arrived for an id already processed.
    pub duplicates: usize,
    pub bad_signatures: usize,
}

pub struct Receiver {
    pub url: String,
    pub state: Arc<Mutex<State>>,
}

impl Receiver {
    pub async fn start(fail_first: usize) -> anyhow::Result<Self> {
        let state = Arc::new(Mutex::new(State { fail_first, ..Default::default() }));
        let shared = state.clone();
        let address = listen(move |request| {
            let status = handle(&request.headers, &request.body, &shared);
            Answer { status, reason: if status == 200 { "OK" } else { "Nope" }, body: String::new() }
        })
        .await?;
        Ok(Self { url: format!("http://{address}/hooks/nps"), state })
    }

    pub fn set_secret(&self, secret: &str) {
        if let Ok(mut s) = self.state.lock() {
            s.secret = Some(secret.to_owned());
        }
    }

    pub fn snapshot<T>(&self, f: impl FnOnce(&State) -> T) -> T {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        f(&state)
    }
}

fn handle(headers: &HashMap<String, String>, body: &[u8], state: &Mutex<State>) -> u16 {
    let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
    let id = headers.get("webhook-id").cloned().unwrap_or_default();
    let timestamp: i64 = headers.get("webhook-timestamp").and_then(|t| t.parse().ok()).unwrap_or(0);
    let sig = headers.get("webhook-signature").cloned().unwrap_or_default();
    let secret = s.secret.clone().unwrap_or_default();
    let fresh = (nps_e2e::now_secs() - timestamp).abs() <= 300;
    let status = if id.is_empty() || !fresh || !signature::verify(&secret, &id, timestamp, body, &sig) {
        s.bad_signatures += 1;
        401
    } else if s.attempts.iter().filter(|a| a.id == id).count() < s.fail_first {
        500
    } else if s.accepted.contains_key(&id) {
        s.duplicates += 1;
        200
    } else {
        let value = serde_json::from_slice(body).unwrap_or(Value::Null);
        s.accepted.insert(id.clone(), value);
        200
    };
    s.attempts.push(Attempt { id, at: Instant::now(), status });
    status
}
