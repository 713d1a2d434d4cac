//! Crash safety (issue 7): `shenhe serve` is SIGKILLed in the middle of concurrent uploads,
//! started again on the same data, and every upload that got a 201 must be listed and read
//! back byte for byte; `shenhe fsck` must find no row without its blobs. The rounds are
//! left in `target/proof/crash-<backend>.md`.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::helpers::{Backend, TestDb, on_both_databases};
use crate::photos::{Colour, quadrant_jpeg};
use crate::portal_client::{Candidate, LI_HUA, LI_MING, NEW_PASSWORD, Portal, id_of, image_ids};
use crate::process::{ServerProcess, proof_dir};

on_both_databases!(uploads_that_got_a_201_survive_sigkill);

/// The demo's six eligible candidates; 李明 and 李华 upload from two browsers at once.
const CANDIDATES: [Candidate; 6] = [
    LI_MING,
    LI_HUA,
    Candidate {
        id_number: "420106199607220417",
        email: "lixing@example.com",
        name: "李星",
    },
    Candidate {
        id_number: "420502199505300527",
        email: "liqiu@example.com",
        name: "李球",
    },
    Candidate {
        id_number: "420503199702140610",
        email: "lixue@example.com",
        name: "李雪",
    },
    Candidate {
        id_number: "420504199009010718",
        email: "liqiang@example.com",
        name: "李强",
    },
];

/// Eight uploaders: (candidate, material). A material takes at most 10 images, and each
/// round starts from none, so no uploader is refused for a full material.
const UPLOADERS: [(usize, &str); 8] = [
    (0, "id_card"),
    (0, "student_status"),
    (1, "id_card"),
    (1, "hukou_book"),
    (2, "id_card"),
    (3, "id_card"),
    (4, "id_card"),
    (5, "id_card"),
];

/// 20 rounds on SQLite, 10 on PostgreSQL: a PostgreSQL round takes about twice as long
/// (measured: 20 rounds in 54 s on SQLite, 91 s on PostgreSQL), and both files together
/// should stay within about four minutes of CI.
fn rounds(backend: Backend) -> usize {
    match backend {
        Backend::Sqlite => 20,
        Backend::Postgres => 10,
    }
}

/// An upload the server answered 201: its id and size, and the SHA-256 of the bytes it
/// served right after (when the kill did not come first).
struct Acknowledged {
    portal: usize,
    id: String,
    bytes: u64,
    served: Option<String>,
}

async fn uploads_that_got_a_201_survive_sigkill(backend: Backend) {
    let t = TestDb::new(backend).await;
    shenhe::demo::load(&t.db).await.expect("loading the demo");
    let mut server = ServerProcess::start(&t, &["--login-attempts-per-minute", "1000"]).await;
    let mut portals = Vec::new();
    for who in &CANDIDATES {
        let mut portal = Portal::at(&server.url(""));
        portal
            .sign_in_and_change(who.id_number, who.email, NEW_PASSWORD)
            .await;
        portals.push(portal);
    }
    for who in [&LI_MING, &LI_HUA] {
        let mut second = Portal::at(&server.url(""));
        second.login(who.id_number, NEW_PASSWORD).await.expect(200);
        portals.push(second);
    }
    let portals: Vec<Arc<Portal>> = portals.into_iter().map(Arc::new).collect();
    // Uploader i uses portals[PORTAL_OF[i]]: the second browsers are 6 and 7.
    const PORTAL_OF: [usize; 8] = [0, 6, 1, 7, 2, 3, 4, 5];

    let mut table = String::from(
        "| round | uploads ok (201) | in flight at kill | intact after restart | \
         committed, answer lost | fsck |\n|---|---|---|---|---|---|\n",
    );
    let mut photo_number = 0u32;
    let mut strays_before = 0;
    for round in 1..=rounds(backend) {
        let acknowledged_count = Arc::new(AtomicUsize::new(0));
        let in_flight = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for (uploader, &(_, material)) in UPLOADERS.iter().enumerate() {
            let portal_index = PORTAL_OF[uploader];
            let portal = portals[portal_index].clone();
            let (count, flying) = (acknowledged_count.clone(), in_flight.clone());
            photo_number += 100;
            let first_photo = photo_number;
            tasks.push(tokio::spawn(async move {
                upload_until_killed(
                    &portal,
                    portal_index,
                    material,
                    first_photo,
                    &count,
                    &flying,
                )
                .await
            }));
        }
        // The kill comes at a random moment after the first few 201s.
        while acknowledged_count.load(Ordering::SeqCst) < 3 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let delay = (uuid::Uuid::new_v4().as_u128() % 400) as u64;
        tokio::time::sleep(Duration::from_millis(delay)).await;
        let flying_at_kill = in_flight.load(Ordering::SeqCst);
        server.kill9();
        let mut acknowledged = Vec::new();
        for task in tasks {
            acknowledged.extend(task.await.expect("an uploader"));
        }

        server.restart().await;
        let (intact, listed) = check_intact(&t, &portals, &acknowledged).await;
        let strays = fsck_is_clean(&t);
        let fsck = match strays - strays_before {
            0 => "clean, exit 0".to_string(),
            n => format!("clean, exit 0 (+{n} blobs without a row, of cut-off uploads)"),
        };
        strays_before = strays;
        writeln!(
            table,
            "| {round} | {} | {flying_at_kill} | {intact} of {} | {} | {fsck} |",
            acknowledged.len(),
            acknowledged.len(),
            listed - intact,
        )
        .unwrap();
        assert_eq!(intact, acknowledged.len(), "round {round}:\n{table}");
        clear(&portals).await;
    }
    let file = proof_dir().join(format!("crash-{}.md", name(backend)));
    let title = format!(
        "# SIGKILL during concurrent uploads ({}, {} rounds, {} uploaders)\n\n",
        name(backend),
        rounds(backend),
        UPLOADERS.len()
    );
    std::fs::write(&file, format!("{title}{table}")).unwrap();
    assert!(!server.log().contains("panicked"), "{}", server.log());
}

/// Uploads new photos until the server stops answering; returns the ones it took.
async fn upload_until_killed(
    portal: &Portal,
    portal_index: usize,
    material: &str,
    mut photo: u32,
    acknowledged_count: &AtomicUsize,
    in_flight: &AtomicUsize,
) -> Vec<Acknowledged> {
    let mut taken = Vec::new();
    loop {
        photo += 1;
        in_flight.fetch_add(1, Ordering::SeqCst);
        let sent = send_upload(portal, material, distinct_photo(photo)).await;
        in_flight.fetch_sub(1, Ordering::SeqCst);
        let Some((status, body)) = sent else {
            return taken; // the server is gone
        };
        match status {
            201 => {}
            // Busy (every imaging slot taken) or full: not taken, try again.
            503 | 409 => continue,
            other => panic!("upload answered {other}: {body}"),
        }
        let id = id_of(&body);
        acknowledged_count.fetch_add(1, Ordering::SeqCst);
        let served = read_image(portal, &id).await.map(|bytes| sha256(&bytes));
        taken.push(Acknowledged {
            portal: portal_index,
            id,
            bytes: body["bytes"].as_u64().expect("a byte size"),
            served,
        });
    }
}

/// One upload; `None` when the connection broke (the kill).
async fn send_upload(
    portal: &Portal,
    material: &str,
    bytes: Vec<u8>,
) -> Option<(u16, serde_json::Value)> {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes)
            .file_name("photo.jpg")
            .mime_str("image/jpeg")
            .unwrap(),
    );
    let response = portal
        .post(&format!("/api/v1/materials/{material}/images"))
        .multipart(form)
        .send()
        .await
        .ok()?;
    let status = response.status().as_u16();
    let body = response.json().await.ok()?;
    Some((status, body))
}

async fn read_image(portal: &Portal, id: &str) -> Option<Vec<u8>> {
    let response = portal
        .client
        .get(portal.url(&format!("/api/v1/images/{id}")))
        .send()
        .await
        .ok()?;
    if response.status() != 200 {
        return None;
    }
    Some(response.bytes().await.ok()?.to_vec())
}

/// A photo no other upload in the test has: its size and corner colours follow `n`.
fn distinct_photo(n: u32) -> Vec<u8> {
    use Colour::{Blue, Green, Red, Yellow};
    let orders = [
        [Red, Green, Blue, Yellow],
        [Green, Blue, Yellow, Red],
        [Blue, Yellow, Red, Green],
        [Yellow, Red, Green, Blue],
    ];
    quadrant_jpeg(48 + n % 97, 40 + n / 97 % 61, orders[(n % 4) as usize])
}

/// How many acknowledged uploads are listed and read back as they were, and how many
/// images are listed in all. Every image listed
/// (acknowledged or not: a row may commit while its answer is lost) must also read back
/// with the SHA-256 recorded in its row.
async fn check_intact(
    t: &TestDb,
    portals: &[Arc<Portal>],
    acknowledged: &[Acknowledged],
) -> (usize, usize) {
    let mut listed = Vec::new();
    for (index, portal) in portals.iter().enumerate() {
        let me = portal.me().await;
        for material in ["id_card", "student_status", "hukou_book"] {
            let has = me["materials"]
                .as_array()
                .is_some_and(|m| m.iter().any(|m| m["code"] == material));
            if has {
                for id in image_ids(&me, material) {
                    listed.push((index, id));
                }
            }
        }
    }
    for (index, id) in &listed {
        let bytes = read_image(&portals[*index], id).await;
        let uid = uuid::Uuid::parse_str(id).unwrap();
        let row =
            t.db.find_image(uid)
                .await
                .unwrap()
                .expect("a listed image has a row");
        assert_eq!(
            bytes.as_deref().map(sha256),
            Some(row.sha256.clone()),
            "image {id} reads back as stored"
        );
    }
    let mut intact = 0;
    for upload in acknowledged {
        // A second browser of the same candidate lists the same images.
        let is_listed = listed.iter().any(|(_, id)| *id == upload.id);
        let bytes = read_image(&portals[upload.portal], &upload.id).await;
        let same = bytes.as_ref().is_some_and(|b| {
            b.len() as u64 == upload.bytes
                && upload.served.as_ref().is_none_or(|sha| *sha == sha256(b))
        });
        if is_listed && same {
            intact += 1;
        }
    }
    // The second browsers list their candidate's images again.
    let unique: std::collections::HashSet<&String> = listed.iter().map(|(_, id)| id).collect();
    (intact, unique.len())
}

/// Runs `shenhe fsck` beside the server and returns how many blobs without a row it found.
/// Those are uploads cut off by a kill between writing their blobs and committing their
/// row: fsck reports them as recent and they are no failure (`--repair` removes them after
/// an hour). A row without its blobs is a failure: "clean" means exit 0 and none of those.
fn fsck_is_clean(t: &TestDb) -> usize {
    let output = crate::fsck::shenhe_keyed(t, &["fsck"]);
    let report = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "fsck failed:\n{report}");
    assert!(report.contains("未发现未处理的问题"), "{report}");
    assert!(!report.contains("缺少存储对象"), "{report}");
    report
        .lines()
        .find(|l| l.starts_with("另有 "))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

/// Deletes every image, so the next round starts with empty materials.
async fn clear(portals: &[Arc<Portal>]) {
    for portal in &portals[..CANDIDATES.len()] {
        let me = portal.me().await;
        for material in me["materials"].as_array().unwrap() {
            for image in material["images"].as_array().unwrap() {
                portal.delete(&id_of(image)).await.expect(204);
            }
        }
    }
}

fn name(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
