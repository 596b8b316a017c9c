//! A webhook receiver as a vendor would write one: verifies the Standard Webhooks signature
//! with the endpoint secret, refuses stale timestamps, processes each `webhook-id` once.
//! It answers 500 to the first `fail_first` attempts of every id.

use super::*;

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
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/hooks/nps", listener.local_addr()?);
        let state = Arc::new(Mutex::new(State { fail_first, ..Default::default() }));
        let shared = state.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, shared.clone()));
            }
        });
        Ok(Self { url, state })
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

/// Reads one HTTP/1.1 request (headers + Content-Length body).
async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<(HashMap<String, String>, Vec<u8>)> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(i) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let headers: HashMap<String, String> = head
        .split("\r\n")
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some((headers, body))
}

async fn serve(mut stream: tokio::net::TcpStream, state: Arc<Mutex<State>>) {
    let Some((headers, body)) = read_request(&mut stream).await else { return };
    let status = handle(&headers, &body, &state);
    let reason = if status == 200 { "OK" } else { "Nope" };
    let response = format!("HTTP/1.1 {status} {reason}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

fn handle(headers: &HashMap<String, String>, body: &[u8], state: &Mutex<State>) -> u16 {
    let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
    let id = headers.get("webhook-id").cloned().unwrap_or_default();
    let timestamp: i64 = headers.get("webhook-timestamp").and_then(|t| t.parse().ok()).unwrap_or(0);
    let sig = headers.get("webhook-signature").cloned().unwrap_or_default();
    let secret = s.secret.clone().unwrap_or_default();
    let fresh = (chrono_now_secs() - timestamp).abs() <= 300;
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

fn chrono_now_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}
