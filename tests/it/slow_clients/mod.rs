//! Slow and greedy clients (issue 14) against the real `shenhe serve`: slowloris headers
//! and idle sockets are closed after the header timeout, one address cannot hold more than
//! its connections, a stalled upload body loses its place, and one candidate's slow uploads
//! cannot block another candidate's. The limits are set small by flag so each test is quick.

mod raw;

use std::net::IpAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, sleep, timeout};

use raw::{
    BOUNDARY, closed_while_sending, form, get, signed_in, signed_in_portal, slow_post, slow_upload,
};

use crate::helpers::{Backend, TestDb, on_both_databases};
use crate::photos::small_jpeg;
use crate::portal_client::{LI_HUA, LI_MING};
use crate::process::{ServerProcess, connect_from, read_reply};

/// Far beyond every limit the tests set: "closed" means closed well before this.
const GENEROUS: Duration = Duration::from_secs(30);

#[tokio::test]
async fn slowloris_headers_are_closed_after_the_header_timeout() {
    let t = TestDb::new(Backend::Sqlite).await;
    let server = ServerProcess::start(&t, &["--header-timeout-secs", "1"]).await;

    // One header line every 200 ms: always sending, never done.
    let mut slow = TcpStream::connect(server.address()).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: shenhe\r\n")
        .await
        .unwrap();
    assert!(
        closed_while_sending(slow, b"X-Slow: 1\r\n").await,
        "a request whose headers never end is closed"
    );
    // The server itself is fine.
    let ok = reqwest::get(server.url("/healthz")).await.unwrap();
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn idle_and_kept_alive_connections_are_closed_after_the_header_timeout() {
    let t = TestDb::new(Backend::Sqlite).await;
    let server = ServerProcess::start(&t, &["--header-timeout-secs", "1"]).await;

    let silent = TcpStream::connect(server.address()).await.unwrap();
    assert!(closed_while_sending(silent, b"").await, "a silent socket");

    let mut kept = TcpStream::connect(server.address()).await.unwrap();
    let answer = get(&mut kept, "/healthz").await.expect("an answer");
    assert_eq!(answer.status, 200);
    assert!(
        closed_while_sending(kept, b"").await,
        "a kept-alive connection with no next request"
    );
}

#[tokio::test]
async fn many_idle_connections_from_one_address_hit_the_cap_while_another_address_is_served() {
    let t = TestDb::new(Backend::Sqlite).await;
    let server = ServerProcess::start(
        &t,
        &[
            "--connections-per-address",
            "8",
            "--header-timeout-secs",
            "60",
        ],
    )
    .await;
    let greedy: IpAddr = "127.0.0.2".parse().unwrap();
    let mut held = Vec::new();
    for _ in 0..8 {
        held.push(connect_from(greedy, server.address()).await);
    }

    // The ninth is told why and closed, without sending anything.
    let mut ninth = connect_from(greedy, server.address()).await;
    let refused = timeout(GENEROUS, read_reply(&mut ninth))
        .await
        .expect("an answer at once")
        .expect("a 503 before the close");
    assert_eq!(refused.status, 503);
    assert!(refused.text().contains("连接过多"), "{}", refused.text());
    assert_eq!(ninth.read(&mut [0u8; 16]).await.unwrap_or(0), 0, "closed");

    // The eight already open keep working, and another address is served.
    let answer = get(&mut held[0], "/healthz").await.expect("served");
    assert_eq!(answer.status, 200);
    let mut other = connect_from("127.0.0.3".parse().unwrap(), server.address()).await;
    assert_eq!(get(&mut other, "/healthz").await.unwrap().status, 200);

    // Closed connections give their places back.
    drop(held);
    let started = Instant::now();
    loop {
        let mut again = connect_from(greedy, server.address()).await;
        if get(&mut again, "/healthz")
            .await
            .is_ok_and(|a| a.status == 200)
        {
            break;
        }
        assert!(started.elapsed() < GENEROUS, "the places never came back");
        sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_trusted_proxy_is_not_capped_like_one_client() {
    let t = TestDb::new(Backend::Sqlite).await;
    let server = ServerProcess::start(
        &t,
        &[
            "--connections-per-address",
            "4",
            "--header-timeout-secs",
            "60",
            "--client-ip-header",
            "X-Real-IP",
            "--trusted-proxies",
            "127.0.0.5",
        ],
    )
    .await;
    // The proxy carries many candidates' connections from its one address.
    let proxy: IpAddr = "127.0.0.5".parse().unwrap();
    let mut held = Vec::new();
    for _ in 0..12 {
        held.push(connect_from(proxy, server.address()).await);
    }
    for connection in &mut held {
        assert_eq!(
            get(connection, "/healthz").await.expect("served").status,
            200
        );
    }
    // Anyone else is still capped.
    let other: IpAddr = "127.0.0.6".parse().unwrap();
    let mut theirs = Vec::new();
    for _ in 0..4 {
        theirs.push(connect_from(other, server.address()).await);
    }
    let mut fifth = connect_from(other, server.address()).await;
    let refused = timeout(GENEROUS, read_reply(&mut fifth))
        .await
        .expect("an answer at once")
        .expect("a 503 before the close");
    assert_eq!(refused.status, 503);
}

#[tokio::test]
async fn a_stalled_form_body_is_cut_off_too() {
    let t = TestDb::new(Backend::Sqlite).await;
    let server = ServerProcess::start(
        &t,
        &[
            "--body-min-kib",
            "1",
            "--body-rate-window-secs",
            "1",
            "--header-timeout-secs",
            "60",
        ],
    )
    .await;
    // A sign-in that says 100 bytes and sends 10: without a rate it would wait forever.
    let mut stalled = TcpStream::connect(server.address()).await.unwrap();
    stalled
        .write_all(
            b"POST /api/v1/login HTTP/1.1\r\nHost: shenhe\r\n\
              Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"account\"",
        )
        .await
        .unwrap();
    assert!(
        closed_while_sending(stalled, b"").await,
        "the stalled form is cut off"
    );
    let ok = reqwest::get(server.url("/healthz")).await.unwrap();
    assert_eq!(ok.status(), 200);
}

on_both_databases!(a_stalled_upload_loses_its_place_and_another_candidates_upload_then_succeeds);

async fn a_stalled_upload_loses_its_place_and_another_candidates_upload_then_succeeds(
    backend: Backend,
) {
    let t = TestDb::new(backend).await;
    shenhe::demo::load(&t.db).await.expect("loading the demo");
    // One upload place on the node; a body must bring 4 KiB per second of waiting.
    let server = ServerProcess::start(
        &t,
        &[
            "--upload-places",
            "1",
            "--body-min-kib",
            "4",
            "--body-rate-window-secs",
            "1",
        ],
    )
    .await;
    let (stalled_cookie, stalled_csrf) = signed_in(&server, &LI_MING).await;
    let other = signed_in_portal(&server, &LI_HUA).await;

    // 1 KiB of a 200 KiB photo, then nothing: it takes the only place.
    let stalled = slow_upload(
        server.address(),
        &stalled_cookie,
        &stalled_csrf,
        200 * 1024,
        1024,
        0,
    );
    sleep(Duration::from_millis(300)).await;
    let upload = timeout(GENEROUS, other.upload("id_card", small_jpeg(), "a.jpg"))
        .await
        .expect("the other upload is answered");
    let other_done = Instant::now();
    assert_eq!(upload.status, 201, "{}", upload.text());

    let (cut, cut_at) = stalled
        .await
        .unwrap()
        .expect("the stalled upload is answered");
    assert_eq!(cut.status, 408, "{}", cut.text());
    assert!(cut.text().contains("上传已中断"), "{}", cut.text());
    assert!(
        cut_at <= other_done,
        "the other upload waited for the stalled one's place"
    );
    assert!(!server.log().contains("panicked"), "{}", server.log());
}

on_both_databases!(one_candidate_with_many_slow_uploads_cannot_block_another_candidates_upload);

async fn one_candidate_with_many_slow_uploads_cannot_block_another_candidates_upload(
    backend: Backend,
) {
    let t = TestDb::new(backend).await;
    shenhe::demo::load(&t.db).await.expect("loading the demo");
    // Three places on the node; 1 KiB per second of waiting is enough to keep one.
    let server = ServerProcess::start(
        &t,
        &[
            "--upload-places",
            "3",
            "--body-min-kib",
            "1",
            "--body-rate-window-secs",
            "1",
        ],
    )
    .await;
    let (greedy_cookie, greedy_csrf) = signed_in(&server, &LI_MING).await;
    let other = signed_in_portal(&server, &LI_HUA).await;

    // Six uploads of 4 MB, each sending 2 KiB every 100 ms (fast enough never to be cut):
    // without a per-candidate limit they would hold all three places for minutes.
    let greedy: Vec<_> = (0..6)
        .map(|_| {
            slow_upload(
                server.address(),
                &greedy_cookie,
                &greedy_csrf,
                4 << 20,
                2048,
                2048,
            )
        })
        .collect();
    sleep(Duration::from_millis(500)).await;

    let upload = timeout(GENEROUS, other.upload("id_card", small_jpeg(), "a.jpg"))
        .await
        .expect("the other candidate's upload is answered");
    assert_eq!(upload.status, 201, "{}", upload.text());
    assert!(
        greedy.iter().all(|u| !u.is_finished()),
        "the greedy uploads were still going"
    );
    for upload in greedy {
        upload.abort();
    }
    assert!(!server.log().contains("panicked"), "{}", server.log());
}

on_both_databases!(a_page_upload_still_sending_its_csrf_field_holds_no_place);

async fn a_page_upload_still_sending_its_csrf_field_holds_no_place(backend: Backend) {
    let t = TestDb::new(backend).await;
    shenhe::demo::load(&t.db).await.expect("loading the demo");
    // One upload place; a long window, so the slow form is not cut off during the test.
    let server = ServerProcess::start(
        &t,
        &[
            "--upload-places",
            "1",
            "--body-min-kib",
            "1",
            "--body-rate-window-secs",
            "60",
        ],
    )
    .await;
    let (cookie, _) = signed_in(&server, &LI_MING).await;
    let other = signed_in_portal(&server, &LI_HUA).await;

    // A page form whose csrf field arrives one byte per 100 ms (and is 4 KiB long).
    let forged = slow_post(
        server.address(),
        "/materials/id_card/images",
        format!("Cookie: {cookie}\r\n"),
        form("csrf", None, &[b'x'; 4096]),
        120,
        1,
    );
    sleep(Duration::from_millis(500)).await;
    let upload = timeout(GENEROUS, other.upload("id_card", small_jpeg(), "a.jpg"))
        .await
        .expect("the other upload is answered");
    assert_eq!(upload.status, 201, "{}", upload.text());
    assert!(!forged.is_finished(), "the slow form was still sending");
    forged.abort();
}

on_both_databases!(sigterm_lets_an_upload_in_flight_finish);

async fn sigterm_lets_an_upload_in_flight_finish(backend: Backend) {
    let t = TestDb::new(backend).await;
    shenhe::demo::load(&t.db).await.expect("loading the demo");
    let mut server = ServerProcess::start(&t, &[]).await;
    let (cookie, csrf) = signed_in(&server, &LI_HUA).await;
    let body = form("file", Some("a.jpg"), &small_jpeg());
    let head = format!(
        "POST /api/v1/materials/id_card/images HTTP/1.1\r\nHost: shenhe\r\n\
         Cookie: {cookie}\r\nX-CSRF-Token: {csrf}\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let mut stream = TcpStream::connect(server.address()).await.unwrap();
    let (almost, rest) = body.split_at(body.len() - 16);
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(almost).await.unwrap();
    sleep(Duration::from_millis(500)).await; // the server is reading it

    server.terminate();
    sleep(Duration::from_millis(200)).await;
    stream.write_all(rest).await.unwrap();
    let answer = timeout(GENEROUS, read_reply(&mut stream))
        .await
        .expect("answered")
        .expect("an answer, not a reset");
    assert_eq!(answer.status, 201, "{}", answer.text());
    let status = server.exited_within(GENEROUS).await.expect("stopped");
    assert!(status.success(), "a clean exit, got {status}");
}
