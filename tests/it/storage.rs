//! Blob storage on the local folder: what goes in comes out, keys carry no personal data.

use bytes::Bytes;
use shenhe::storage::Storage;

use crate::helpers::{Backend, TestApp};

#[tokio::test]
async fn blobs_round_trip_and_are_listed_per_exam() {
    let dir = tempfile::tempdir().unwrap();
    let storage = Storage::open(&format!("file://{}", dir.path().display())).unwrap();
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
    assert_eq!(storage.list("exams/7").await.unwrap(), vec![b]);
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
