//! A local HTTP endpoint for the collector's webhooks to reach: it reads each request (one per
//! connection: it answers with `connection: close`) and answers what the test's function says.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A request as it arrived: its headers (names in lower case) and its body.
pub struct Request {
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

/// What the endpoint answers a request: a status with its reason phrase, and a plain-text body.
pub struct Answer {
    pub status: u16,
    pub reason: &'static str,
    pub body: String,
}

/// Listens on 127.0.0.1 (a free port) and answers each request with what `answer` returns for
/// it, until the test's runtime ends: the address it listens on.
pub async fn listen<F>(answer: F) -> anyhow::Result<SocketAddr>
where
    F: Fn(Request) -> Answer + Send + Sync + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let answer = Arc::new(answer);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(stream, answer.clone()));
        }
    });
    Ok(address)
}

async fn serve<F: Fn(Request) -> Answer>(mut stream: TcpStream, answer: Arc<F>) {
    let Some(request) = read_request(&mut stream).await else { return };
    let Answer { status, reason, body } = answer(request);
    let response = format!("HTTP/1.1 {status} {reason}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len());
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Reads one HTTP/1.1 request: the head, then a body as long as its `Content-Length` says.
async fn read_request(stream: &mut TcpStream) -> Option<Request> {
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
    Some(Request { headers, body })
}
