//! `SmtpSink`: a minimal real SMTP server on 127.0.0.1 for tests (EHLO/HELO, MAIL FROM, RCPT TO,
//! DATA with dot-unstuffing, RSET, NOOP, QUIT), recording every message it accepts. `stop()`
//! closes the port and every open session, so a test can take the relay down and start a new
//! sink on the same port later.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpSocket, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// One accepted message: the envelope and the raw message (headers and body, CRLF line ends).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

impl ReceivedMail {
    /// The value of the first header with this name (case-insensitive), unfolded.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or("");
        let mut value: Option<String> = None;
        for line in head.split("\r\n") {
            if let Some(v) = value.as_mut() {
                if line.starts_with([' ', '\t']) {
                    v.push_str(line.trim_start());
                    continue;
                }
                break;
            }
            if let Some((key, rest)) = line.split_once(':')
                && key.eq_ignore_ascii_case(name)
            {
                value = Some(rest.trim().to_owned());
            }
        }
        value
    }
}

pub struct SmtpSink {
    port: u16,
    messages: Arc<Mutex<Vec<ReceivedMail>>>,
    server: Mutex<Option<JoinHandle<()>>>,
}

impl SmtpSink {
    /// Listens on 127.0.0.1:`port` (0 = any free port). Panics if the port cannot be bound:
    /// a test that asked for a relay cannot go on without one.
    pub async fn start(port: u16) -> SmtpSink {
        match Self::try_start(port) {
            Ok(sink) => sink,
            Err(e) => panic!("SmtpSink could not listen on 127.0.0.1:{port}: {e}"),
        }
    }

    fn try_start(port: u16) -> std::io::Result<SmtpSink> {
        let socket = TcpSocket::new_v4()?;
        // Sessions this sink closed leave TIME_WAIT sockets on the port; a restarted sink must
        // still be able to bind it.
        socket.set_reuseaddr(true)?;
        socket.bind(SocketAddr::from(([127, 0, 0, 1], port)))?;
        let listener = socket.listen(128)?;
        let port = listener.local_addr()?.port();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let server = tokio::spawn({
            let messages = messages.clone();
            async move {
                // Owned by this task: aborting it drops every session with it.
                let mut sessions = JoinSet::new();
                while let Ok((stream, _)) = listener.accept().await {
                    sessions.spawn(session(stream, messages.clone()));
                    while sessions.try_join_next().is_some() {}
                }
            }
        });
        Ok(SmtpSink { port, messages, server: Mutex::new(Some(server)) })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every message accepted so far, in order.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.messages.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// Closes the port and every open session; returns once they are closed.
    pub async fn stop(&self) {
        let server = self.server.lock().ok().and_then(|mut s| s.take());
        if let Some(server) = server {
            server.abort();
            let _ = server.await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        if let Some(server) = self.server.lock().ok().and_then(|mut s| s.take()) {
            server.abort();
        }
    }
}

#[derive(Default)]
struct Envelope {
    from: Option<String>,
    to: Vec<String>,
}

/// The address inside `<...>` after `FROM:` / `TO:`.
fn path_argument(rest: &str) -> Option<String> {
    let start = rest.find('<')?;
    let end = rest[start..].find('>')? + start;
    Some(rest[start + 1..end].to_owned())
}

async fn session(stream: TcpStream, messages: Arc<Mutex<Vec<ReceivedMail>>>) {
    let _ = run_session(stream, messages).await;
}

async fn run_session(stream: TcpStream, messages: Arc<Mutex<Vec<ReceivedMail>>>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 127.0.0.1 SmtpSink ready\r\n").await?;
    let mut envelope = Envelope::default();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end_matches(['\r', '\n']);
        let upper = command.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") {
            b"250-127.0.0.1 greets you\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
        } else if upper.starts_with("HELO") {
            b"250 127.0.0.1\r\n"
        } else if upper.starts_with("MAIL FROM:") {
            envelope = Envelope { from: path_argument(&command[10..]), to: Vec::new() };
            if envelope.from.is_some() { b"250 OK\r\n" } else { b"501 Syntax: MAIL FROM:<address>\r\n" }
        } else if upper.starts_with("RCPT TO:") {
            match (&envelope.from, path_argument(&command[8..])) {
                (Some(_), Some(to)) => {
                    envelope.to.push(to);
                    b"250 OK\r\n"
                }
                (None, _) => b"503 MAIL first\r\n",
                (_, None) => b"501 Syntax: RCPT TO:<address>\r\n",
            }
        } else if upper == "DATA" {
            if envelope.to.is_empty() {
                b"503 RCPT first\r\n"
            } else {
                write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                let data = read_data(&mut lines).await?;
                let Some(data) = data else { return Ok(()) };
                let mail = ReceivedMail { from: envelope.from.take().unwrap_or_default(), to: std::mem::take(&mut envelope.to), data };
                // Recorded before the reply: once the client hears 250, the mail is here.
                if let Ok(mut m) = messages.lock() {
                    m.push(mail);
                }
                b"250 OK queued\r\n"
            }
        } else if upper == "RSET" {
            envelope = Envelope::default();
            b"250 OK\r\n"
        } else if upper.starts_with("NOOP") {
            b"250 OK\r\n"
        } else if upper == "QUIT" {
            write.write_all(b"221 Bye\r\n").await?;
            return Ok(());
        } else {
            b"502 Command not implemented\r\n"
        };
        write.write_all(reply).await?;
    }
}

/// Reads the message up to the lone `.` line, undoing dot-stuffing; `None` if the client left.
async fn read_data(lines: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> std::io::Result<Option<String>> {
    let mut data = String::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(None);
        }
        let content = line.trim_end_matches(['\r', '\n']);
        if content == "." {
            return Ok(Some(data));
        }
        data.push_str(content.strip_prefix('.').unwrap_or(content));
        data.push_str("\r\n");
    }
}
