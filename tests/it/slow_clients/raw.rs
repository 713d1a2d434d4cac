//! The slow-client tests' raw clients: sign-ins, requests on open sockets, and bodies sent
//! byte by byte at a chosen pace.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep, timeout};

use super::GENEROUS;
use crate::portal_client::{Candidate, NEW_PASSWORD, Portal, session_cookie};
use crate::process::{RawReply, ServerProcess, read_reply};

/// A demo candidate signed in (initial password replaced): the session cookie and CSRF token.
pub(super) async fn signed_in(server: &ServerProcess, who: &Candidate) -> (String, String) {
    let mut portal = signed_in_portal(server, who).await;
    let login = portal.login(who.id_number, NEW_PASSWORD).await.expect(200);
    (session_cookie(&login), portal.csrf.clone())
}

pub(super) async fn signed_in_portal(server: &ServerProcess, who: &Candidate) -> Portal {
    let mut portal = Portal::at(&server.url(""));
    portal
        .sign_in_and_change(who.id_number, who.email, NEW_PASSWORD)
        .await;
    portal
}

/// `GET path` on an open connection, kept alive.
pub(super) async fn get(stream: &mut TcpStream, path: &str) -> std::io::Result<RawReply> {
    let request = format!("GET {path} HTTP/1.1\r\nHost: shenhe\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    timeout(GENEROUS, read_reply(stream))
        .await
        .map_err(|_| std::io::Error::other("no answer"))?
}

/// Sends `line` every 200 ms (nothing when empty) until the server closes the connection;
/// whether it did within [`GENEROUS`]. Whatever the server says first is read and ignored.
pub(super) async fn closed_while_sending(stream: TcpStream, line: &[u8]) -> bool {
    let (mut reader, mut writer) = stream.into_split();
    let deadline = Instant::now() + GENEROUS;
    let mut buffer = [0u8; 1024];
    loop {
        tokio::select! {
            read = reader.read(&mut buffer) => match read {
                Ok(0) | Err(_) => return true,
                Ok(_) => {}
            },
            () = sleep(Duration::from_millis(200)) => {
                if !line.is_empty() && writer.write_all(line).await.is_err() {
                    return true;
                }
            }
            () = tokio::time::sleep_until(deadline) => return false,
        }
    }
}

pub(super) const BOUNDARY: &str = "slowclientboundary";

/// A multipart body: one field `name` holding `value` (a file when `filename` is given).
pub(super) fn form(name: &str, filename: Option<&str>, value: &[u8]) -> Vec<u8> {
    let file = filename.map_or(String::new(), |f| {
        format!("; filename=\"{f}\"\r\nContent-Type: image/jpeg")
    });
    let mut body =
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"{file}\r\n\r\n")
            .into_bytes();
    body.extend_from_slice(value);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// A POST of `body` on its own connection, sent slowly: the head and `first` bytes at
/// once, then `trickle` bytes every 100 ms (none when 0; the connection stays open).
/// `headers` are extra header lines, each ending in CRLF. Resolves with the answer and
/// when it came.
pub(super) fn slow_post(
    server: SocketAddr,
    path: &str,
    headers: String,
    body: Vec<u8>,
    first: usize,
    trickle: usize,
) -> JoinHandle<std::io::Result<(RawReply, Instant)>> {
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: shenhe\r\n{headers}\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    tokio::spawn(async move {
        let stream = TcpStream::connect(server).await?;
        let (mut reader, writer) = stream.into_split();
        let sending = tokio::spawn(send_slowly(writer, head, body, first, trickle));
        let reply = read_reply(&mut reader).await;
        let at = Instant::now();
        sending.abort();
        reply.map(|r| (r, at))
    })
}

/// An API upload of a `size`-byte file (filler bytes), sent as [`slow_post`] does.
pub(super) fn slow_upload(
    server: SocketAddr,
    cookie: &str,
    csrf: &str,
    size: usize,
    first: usize,
    trickle: usize,
) -> JoinHandle<std::io::Result<(RawReply, Instant)>> {
    slow_post(
        server,
        "/api/v1/materials/id_card/images",
        format!("Cookie: {cookie}\r\nX-CSRF-Token: {csrf}\r\n"),
        form("file", Some("a.jpg"), &vec![0xAB; size]),
        first,
        trickle,
    )
}

/// Writes `head`, `first` bytes of `body`, then `trickle` bytes every 100 ms; then keeps
/// the connection open (silent) until aborted.
pub(super) async fn send_slowly(
    mut writer: tokio::net::tcp::OwnedWriteHalf,
    head: String,
    body: Vec<u8>,
    first: usize,
    trickle: usize,
) -> std::io::Result<()> {
    writer.write_all(head.as_bytes()).await?;
    let mut sent = first.min(body.len());
    writer.write_all(&body[..sent]).await?;
    loop {
        sleep(Duration::from_millis(100)).await;
        if trickle > 0 && sent < body.len() {
            let n = trickle.min(body.len() - sent);
            writer.write_all(&body[sent..sent + n]).await?;
            sent += n;
        }
    }
}
