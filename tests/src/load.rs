//! A lean HTTP/1.1 load generator for the benchmarks.
//!
//! The benchmarks run the load generator and the collector on the same two cores, so every
//! microsecond the client spends is taken from the server being measured. A general-purpose
//! client (reqwest: connection pool, header maps, body streams, a timeout timer per request)
//! spends several times what the server's own request handling costs. This one keeps one
//! keep-alive connection per worker, writes each request as one buffer and reads the response
//! just far enough to know its status and where it ends (`Content-Length`).

use anyhow::Context;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One keep-alive HTTP/1.1 connection.
pub struct Connection {
    stream: TcpStream,
    host: String,
    request: Vec<u8>,
    /// Bytes read from the socket and not yet consumed.
    buffer: Vec<u8>,
}

/// A response: the status and the body.
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Connection {
    /// Connects to the `http://host:port` base URL.
    pub async fn open(base_url: &str) -> anyhow::Result<Self> {
        let authority = base_url.strip_prefix("http://").context("only http:// URLs")?.trim_end_matches('/');
        let addr: SocketAddr = tokio::net::lookup_host(authority)
            .await?
            .next()
            .with_context(|| format!("cannot resolve {authority}"))?;
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Self { stream, host: authority.to_owned(), request: Vec::with_capacity(512), buffer: Vec::with_capacity(4096) })
    }

    /// POSTs a JSON body to `path` and reads the whole response.
    pub async fn post_json(&mut self, path: &str, body: &[u8]) -> anyhow::Result<Reply> {
        self.request.clear();
        self.request.extend_from_slice(b"POST ");
        self.request.extend_from_slice(path.as_bytes());
        self.request.extend_from_slice(b" HTTP/1.1\r\nHost: ");
        self.request.extend_from_slice(self.host.as_bytes());
        self.request.extend_from_slice(b"\r\nContent-Type: application/json\r\nContent-Length: ");
        self.request.extend_from_slice(body.len().to_string().as_bytes());
        self.request.extend_from_slice(b"\r\n\r\n");
        self.request.extend_from_slice(body);
        self.stream.write_all(&self.request).await?;
        self.read_reply().await
    }

    async fn read_reply(&mut self) -> anyhow::Result<Reply> {
        let head_end = loop {
            if let Some(end) = find(&self.buffer, b"\r\n\r\n") {
                break end + 4;
            }
            self.fill().await?;
        };
        let head = std::str::from_utf8(&self.buffer[..head_end]).context("response head is not UTF-8")?;
        let status = parse_status(head)?;
        let length = content_length(head)?;
        while self.buffer.len() < head_end + length {
            self.fill().await?;
        }
        let body = self.buffer[head_end..head_end + length].to_vec();
        self.buffer.drain(..head_end + length);
        Ok(Reply { status, body })
    }

    async fn fill(&mut self) -> anyhow::Result<()> {
        let mut chunk = [0u8; 4096];
        let read = self.stream.read(&mut chunk).await?;
        anyhow::ensure!(read > 0, "the server closed the connection");
        self.buffer.extend_from_slice(&chunk[..read]);
        Ok(())
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn parse_status(head: &str) -> anyhow::Result<u16> {
    let line = head.lines().next().unwrap_or_default();
    line.split(' ').nth(1).and_then(|s| s.parse().ok()).with_context(|| format!("bad status line {line:?}"))
}

/// The body length. The collector answers with `Content-Length` (never chunked) for the
/// small JSON bodies the benchmarks read.
fn content_length(head: &str) -> anyhow::Result<usize> {
    for line in head.lines() {
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            return value.trim().parse().context("bad Content-Length");
        }
    }
    anyhow::ensure!(!head.to_ascii_lowercase().contains("transfer-encoding"), "chunked responses are not supported");
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_status_and_length() {
        let head = "HTTP/1.1 202 Accepted\r\ncontent-length: 17\r\ncontent-type: application/json\r\n\r\n";
        assert_eq!(parse_status(head).ok(), Some(202));
        assert_eq!(content_length(head).ok(), Some(17));
        assert!(parse_status("garbage").is_err());
        assert_eq!(content_length("HTTP/1.1 204 No Content\r\n\r\n").ok(), Some(0));
    }
}
