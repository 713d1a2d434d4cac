//! Blob storage on the local folder and on S3: what goes in comes out, keys carry no
//! personal data, and with a key nothing readable is stored.

use bytes::Bytes;
use shenhe::storage::{Key, Keyring, Storage, StorageConfig};

use crate::helpers::{Backend, Store, TestApp};
use crate::photos::small_jpeg;
use crate::portal_client::{LI_MING, Portal};
use crate::s3::s3_server;

fn keys(current: u8, old: &[u8]) -> Option<Keyring> {
    let key = |n: u8| Key::parse(&format!("{n:02x}").repeat(32)).unwrap();
    Some(Keyring::new(
        key(current),
        old.iter().map(|n| key(*n)).collect(),
    ))
}

#[tokio::test]
async fn blobs_round_trip_and_are_listed_per_exam() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("file://{}", dir.path().display());
    round_trip(Storage::open(&url).unwrap()).await;
    let mut encrypted = StorageConfig::new(url);
    encrypted.keys = keys(1, &[]);
    round_trip(Storage::open_with(&encrypted).unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blobs_round_trip_on_s3() {
    let server = s3_server().await;
    let mut config = StorageConfig::new(&server.url);
    config.s3 = server.settings();
    round_trip(Storage::open_with(&config).unwrap()).await;
    config.keys = keys(1, &[]);
    round_trip(Storage::open_with(&config).unwrap()).await;
    // The prefix of the URL is a folder in the bucket.
    assert!(server.bucket_folder().join("blobs/exams").is_dir());
}

async fn round_trip(storage: Storage) {
    let (a, b, other) = (
        Storage::new_key(7),
        Storage::new_key(7),
        Storage::new_key(8),
    );
    assert!(a.starts_with("exams/7/") && a != b);
    assert!(
        a.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'/' || c == b'-')
    );

    let photo = Bytes::from_static(b"\xff\xd8\xff\xe0 not really a photo");
    storage.put(&a, photo.clone()).await.unwrap();
    storage
        .put(&b, Bytes::from_static(b"second"))
        .await
        .unwrap();
    storage
        .put(&other, Bytes::from_static(b"other exam"))
        .await
        .unwrap();
    assert_eq!(storage.get(&a).await.unwrap(), photo);

    let mut listed = storage.list("exams/7").await.unwrap();
    listed.sort();
    let mut expected = vec![a.clone(), b.clone()];
    expected.sort();
    assert_eq!(listed, expected);

    storage.delete(&a).await.unwrap();
    storage.delete(&a).await.expect("deleting twice is fine");
    assert!(storage.get(&a).await.is_err());
    assert_eq!(storage.list("exams/7").await.unwrap(), vec![b.clone()]);
    for key in [b, other] {
        storage.delete(&key).await.unwrap();
    }
}

#[tokio::test]
async fn readiness_fails_when_blob_storage_cannot_take_writes() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    assert_eq!(app.get("/readyz").await.status(), 200);

    // The blob folder disappears and a plain file takes its place.
    let blobs = app.test_db.dir.path().join("blobs");
    std::fs::remove_dir_all(&blobs).unwrap();
    std::fs::write(&blobs, b"not a folder").unwrap();

    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 503);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["storage"], "unreachable");
    assert_eq!(body["database"], "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_fails_when_the_s3_server_is_gone() {
    let app = TestApp::spawn_on(Backend::Sqlite, Store::S3).await;
    assert_eq!(app.get("/readyz").await.status(), 200);

    app.s3.as_ref().unwrap().stop();

    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 503);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["storage"], "unreachable");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_key_no_stored_object_holds_a_jpeg() {
    for store in [Store::Local, Store::S3] {
        let app = TestApp::spawn_on(Backend::Sqlite, store).await;
        shenhe::demo::load(app.db()).await.unwrap();
        let portal = Portal::candidate(&app, &LI_MING).await;
        let image = portal.upload_ok("id_card", small_jpeg()).await;
        // The candidate still gets the photo back as a JPEG.
        let shown = portal.get(image["url"].as_str().unwrap()).await.expect(200);
        assert!(shown.bytes.starts_with(b"\xff\xd8\xff"));

        let stored: Vec<_> = app
            .stored_files()
            .into_iter()
            .filter(|f| f.to_string_lossy().contains("exams"))
            .collect();
        assert_eq!(stored.len(), 2, "{store:?}: the image and its thumbnail");
        for file in stored {
            let bytes = std::fs::read(&file).unwrap();
            assert!(
                bytes.starts_with(b"shenhe\x01"),
                "{store:?}: {file:?} is sealed"
            );
            assert!(
                !bytes.windows(3).any(|w| w == b"\xff\xd8\xff"),
                "{store:?}: {file:?} holds a JPEG signature"
            );
        }
    }
}

#[tokio::test]
async fn rekey_reencrypts_plaintext_and_old_keys_and_can_run_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = StorageConfig::new(format!("file://{}", dir.path().display()));
    let plain = Storage::open_with(&config).unwrap();
    plain
        .put("exams/1/plain", Bytes::from_static(b"before any key"))
        .await
        .unwrap();
    config.keys = keys(1, &[]);
    let first = Storage::open_with(&config).unwrap();
    first
        .put("exams/1/old", Bytes::from_static(b"under key 1"))
        .await
        .unwrap();
    config.keys = keys(2, &[1]);
    let rotated = Storage::open_with(&config).unwrap();
    rotated
        .put("exams/1/new", Bytes::from_static(b"under key 2"))
        .await
        .unwrap();

    let report = rotated.rekey().await.unwrap();
    assert_eq!((report.rewritten, report.current), (2, 1));
    let again = rotated.rekey().await.unwrap();
    assert_eq!(
        (again.rewritten, again.current),
        (0, 3),
        "nothing left to do"
    );

    // Key 1 can go: everything is under key 2 now.
    config.keys = keys(2, &[]);
    let only_current = Storage::open_with(&config).unwrap();
    assert_eq!(
        only_current.get("exams/1/plain").await.unwrap(),
        &b"before any key"[..]
    );
    assert_eq!(
        only_current.get("exams/1/old").await.unwrap(),
        &b"under key 1"[..]
    );
    assert!(
        first.get("exams/1/old").await.is_err(),
        "key 1 no longer opens it"
    );
    assert!(
        plain.get("exams/1/new").await.is_err(),
        "no key, no plaintext"
    );
}
