//! The real `shenhe serve` as a child process (so it can be SIGKILLed and its memory read),
//! and a raw HTTP/1.1 exchange for requests no well-behaved client library would send.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::helpers::{TEST_KEY, TestDb};

/// `shenhe serve` on the test database, blobs in `<test dir>/blobs`, encrypted with
/// [`TEST_KEY`]. Killed when dropped.
pub struct ServerProcess {
    child: Child,
    pub pid: u32,
    address: SocketAddr,
    args: Vec<String>,
    log: PathBuf,
    starts: u32,
}

impl ServerProcess {
    /// Starts on a port of the system's choosing and waits until `/readyz` answers 200.
    pub async fn start(test_db: &TestDb, extra_args: &[&str]) -> ServerProcess {
        let mut args: Vec<String> = vec![
            "--data-dir".into(),
            test_db.dir.path().display().to_string(),
            "--database-url".into(),
            test_db.url.clone(),
            "--storage-url".into(),
            test_db.storage_url(),
            "serve".into(),
        ];
        args.extend(extra_args.iter().map(|a| a.to_string()));
        let log = test_db.dir.path().join("server-1.log");
        let (child, address) = spawn(&args, "127.0.0.1:0", &log).await;
        ServerProcess {
            pid: child.id(),
            child,
            address,
            args,
            log,
            starts: 1,
        }
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// The most memory the process has held at once (VmHWM), in KiB.
    pub fn peak_rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid))
            .expect("reading /proc/<pid>/status");
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("a VmHWM line")
    }

    /// Whether the process is still running (it has not exited or crashed).
    pub fn is_alive(&mut self) -> bool {
        self.child
            .try_wait()
            .expect("asking for the status")
            .is_none()
    }

    /// SIGKILL: no shutdown, no flush, like a power cut to the process.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM: the server stops accepting and finishes the requests in flight.
    pub fn terminate(&self) {
        let sent = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .expect("running kill");
        assert!(sent.success(), "sending SIGTERM");
    }

    /// How the process ended, once it has (waiting up to `bound`); `None` if still running.
    pub async fn exited_within(&mut self, bound: Duration) -> Option<std::process::ExitStatus> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("asking for the status") {
                return Some(status);
            }
            if started.elapsed() > bound {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Starts again on the same port with the same data (after [`kill9`](Self::kill9)).
    pub async fn restart(&mut self) {
        self.kill9();
        self.starts += 1;
        self.log = self
            .log
            .with_file_name(format!("server-{}.log", self.starts));
        let (child, address) = spawn(&self.args, &self.address.to_string(), &self.log).await;
        self.pid = child.id();
        self.child = child;
        self.address = address;
    }

    /// What the current process has logged (warnings, errors, panics).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// Spawns `shenhe <args> --listen <listen>` logging to `log`; returns once it is ready. The
/// bound address comes from the "serving on" log line. A port just freed by a killed process
/// can be briefly taken, so a failed start is retried.
async fn spawn(args: &[String], listen: &str, log: &PathBuf) -> (Child, SocketAddr) {
    for _ in 0..20 {
        let file = std::fs::File::create(log).expect("creating the server log");
        let mut command = Command::new(env!("CARGO_BIN_EXE_shenhe"));
        for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("SHENHE_")) {
            command.env_remove(name);
        }
        let mut child = command
            .args(args)
            .args(["--listen", listen])
            .env("SHENHE_ENCRYPTION_KEY", TEST_KEY)
            .env("SHENHE_LOG", "warn,shenhe::cli=info")
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .expect("starting shenhe serve");
        let started = Instant::now();
        let address = loop {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            if let Some(address) = served_address(&text) {
                break Some(address);
            }
            if child.try_wait().unwrap().is_some() {
                break None;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "shenhe serve did not start:\n{text}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let Some(address) = address else {
            tokio::time::sleep(Duration::from_millis(250)).await;
            continue;
        };
        wait_ready(address, &mut child, log).await;
        return (child, address);
    }
    panic!(
        "shenhe serve kept failing to start:\n{}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

fn served_address(log: &str) -> Option<SocketAddr> {
    let rest = &log[log.find("serving on http://")? + "serving on http://".len()..];
    rest.split_whitespace().next()?.parse().ok()
}

async fn wait_ready(address: SocketAddr, child: &mut Child, log: &PathBuf) {
    let started = Instant::now();
    loop {
        let ready = reqwest::get(format!("http://{address}/readyz")).await;
        if ready.is_ok_and(|r| r.status() == 200) {
            return;
        }
        let exited = child.try_wait().unwrap();
        assert!(
            exited.is_none() && started.elapsed() < Duration::from_secs(60),
            "shenhe serve is not ready ({exited:?}):\n{}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Where the proof tables go: `target/proof/` (beside `debug/`, whatever the target folder).
pub fn proof_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    // target/debug/deps/it-<hash>
    let target = exe
        .ancestors()
        .nth(3)
        .expect("a target folder")
        .to_path_buf();
    let dir = target.join("proof");
    std::fs::create_dir_all(&dir).expect("creating target/proof");
    dir
}

/// A request written byte by byte: any method, path, header bytes and body.
#[derive(Clone)]
pub struct RawRequest {
    pub method: &'static str,
    pub path: String,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: RawBody,
}

#[derive(Clone)]
pub enum RawBody {
    Bytes(Vec<u8>),
    /// `head`, then `filler` zero bytes produced while sending, then `tail`: a huge body
    /// that is never held in memory.
    Stream {
        head: Vec<u8>,
        filler: usize,
        tail: Vec<u8>,
    },
}

impl RawBody {
    fn len(&self) -> usize {
        match self {
            RawBody::Bytes(bytes) => bytes.len(),
            RawBody::Stream { head, filler, tail } => head.len() + filler + tail.len(),
        }
    }
}

/// A whole answer.
pub struct RawReply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawReply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every `Set-Cookie` as `name=value`.
    pub fn cookies(&self) -> Vec<String> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
            .filter_map(|(_, v)| v.split(';').next().map(str::to_string))
            .collect()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A connection to `server` from `source`, another address of the loopback range
/// (127.0.0.0/8 is all local on Linux): a second client, as far as the server can tell.
pub async fn connect_from(source: std::net::IpAddr, server: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("a socket");
    socket
        .bind(SocketAddr::new(source, 0))
        .expect("binding a loopback source address");
    socket
        .connect(server)
        .await
        .expect("connecting to the server")
}

/// Sends `request` on a new connection (`Connection: close`, `Content-Length` set) while
/// reading the answer, so an early answer (413 before the body is all sent) is still read.
pub async fn exchange(address: SocketAddr, request: RawRequest) -> std::io::Result<RawReply> {
    let stream = TcpStream::connect(address).await?;
    let (mut reader, mut writer) = stream.into_split();
    let mut head = format!(
        "{} {} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Length: {}\r\n",
        request.method,
        request.path,
        request.body.len()
    )
    .into_bytes();
    for (name, value) in &request.headers {
        head.extend_from_slice(name.as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value);
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
    let sending = tokio::spawn(async move {
        writer.write_all(&head).await?;
        match request.body {
            RawBody::Bytes(bytes) => writer.write_all(&bytes).await?,
            RawBody::Stream { head, filler, tail } => {
                writer.write_all(&head).await?;
                let zeros = vec![0u8; 64 * 1024];
                let mut left = filler;
                while left > 0 {
                    let n = left.min(zeros.len());
                    writer.write_all(&zeros[..n]).await?;
                    left -= n;
                }
                writer.write_all(&tail).await?;
            }
        }
        writer.flush().await?;
        // Keep the write half open: shutting it could end the exchange early.
        Ok::<_, std::io::Error>(writer)
    });
    let reply = read_reply(&mut reader).await;
    sending.abort();
    reply
}

/// Reads one whole answer (head, then the body its length or chunking says).
pub async fn read_reply<R: AsyncRead + Unpin>(reader: &mut R) -> std::io::Result<RawReply> {
    let mut buffer = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let end = loop {
        if let Some(i) = find(&buffer, b"\r\n\r\n") {
            break i;
        }
        let n = reader.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::Error::other("closed before an answer"));
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
    let mut rest = buffer[end + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP answer: {head}")))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let get = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let chunked = get("transfer-encoding").is_some_and(|v| v.contains("chunked"));
    let length: Option<usize> = get("content-length").and_then(|v| v.parse().ok());
    // Read what the answer says it has; a reset after that changes nothing.
    loop {
        let done = match (chunked, length) {
            (true, _) => dechunk(&rest).is_some(),
            (false, Some(length)) => rest.len() >= length,
            (false, None) => false,
        };
        if done {
            break;
        }
        match reader.read(&mut chunk).await {
            Ok(0) => break,
            Ok(n) => rest.extend_from_slice(&chunk[..n]),
            Err(e) => return Err(e),
        }
    }
    let body = if chunked {
        dechunk(&rest).ok_or_else(|| std::io::Error::other("a cut chunked body"))?
    } else {
        rest.truncate(length.unwrap_or(rest.len()));
        rest
    };
    Ok(RawReply {
        status,
        headers,
        body,
    })
}

/// The body of a complete chunked encoding, or `None` while it is incomplete.
fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line = find(data, b"\r\n")?;
        let size = std::str::from_utf8(&data[..line]).ok()?;
        let size = usize::from_str_radix(size.split(';').next()?.trim(), 16).ok()?;
        data = &data[line + 2..];
        if size == 0 {
            return Some(body);
        }
        if data.len() < size + 2 {
            return None;
        }
        body.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
