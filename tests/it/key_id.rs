//! The database records the key the blob store is under; the real `shenhe serve` refuses to
//! start without it or with another one, and a key change (old key listed, then `rekey`)
//! keeps working. On both databases.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use shenhe::db::settings::ENCRYPTION_KEY_ID;
use shenhe::storage::Key;
use shenhe::storage::crypt::sealed_with;

use crate::helpers::{Backend, Store, TEST_KEY, TestApp, TestDb, on_both_databases};
use crate::photos::small_jpeg;
use crate::portal_client::{LI_MING, NEW_PASSWORD, Portal, id_of};
use crate::process::ServerProcess;

on_both_databases!(
    a_node_without_the_key_or_with_another_refuses_to_start,
    a_store_encrypted_before_the_record_keeps_its_key,
    turning_encryption_on_is_recorded_and_cannot_be_undone_by_accident,
);

/// Another key, for a node that was given the wrong one, or for a key change.
const OTHER_KEY: &str = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";

fn id(key: &str) -> String {
    Key::parse(key).unwrap().id()
}

async fn recorded(t: &TestDb) -> Option<String> {
    t.db.setting(ENCRYPTION_KEY_ID).await.unwrap()
}

/// What `shenhe serve` did with a key (`None`: no key at all).
#[derive(Debug)]
enum Start {
    /// It bound its port and said so (then it was stopped).
    Served,
    /// It exited; what it wrote to stderr.
    Refused(String),
}

async fn start(t: &TestDb, key: Option<&str>) -> Start {
    let log = t.dir.path().join("start.log");
    let mut command = Command::new(env!("CARGO_BIN_EXE_shenhe"));
    for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("SHENHE_")) {
        command.env_remove(name);
    }
    command
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("SHENHE_DATA_DIR", t.dir.path())
        .env("SHENHE_DATABASE_URL", &t.url)
        .env("SHENHE_STORAGE_URL", t.storage_url())
        .env("SHENHE_LOG", "warn,shenhe::cli=info")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap());
    if let Some(key) = key {
        command.env("SHENHE_ENCRYPTION_KEY", key);
    }
    let mut child = command.spawn().expect("starting shenhe serve");
    // Not a timing assertion: a guard, so a node that neither serves nor exits fails the
    // test instead of hanging it.
    let started = Instant::now();
    loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.contains("serving on") {
            let _ = child.kill();
            let _ = child.wait();
            return Start::Served;
        }
        if child.try_wait().unwrap().is_some() {
            return Start::Refused(std::fs::read_to_string(&log).unwrap());
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "shenhe serve neither served nor exited:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[track_caller]
fn refused(start: Start, words: &[&str]) -> String {
    let Start::Refused(stderr) = start else {
        panic!("the node started");
    };
    for word in words {
        assert!(stderr.contains(word), "{word:?} not in:\n{stderr}");
    }
    stderr
}

/// Every stored blob's file, and the key each is sealed with.
fn stored_keys(t: &TestDb) -> Vec<(PathBuf, Option<String>)> {
    let mut found = Vec::new();
    let mut folders = vec![t.dir.path().join("blobs/exams")];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                let key = sealed_with(&std::fs::read(&path).unwrap());
                found.push((path, key));
            }
        }
    }
    found.sort();
    found
}

fn key_file(dir: &Path, name: &str, key: &str) -> String {
    let file = dir.join(name);
    std::fs::write(&file, key).unwrap();
    file.display().to_string()
}

async fn a_node_without_the_key_or_with_another_refuses_to_start(backend: Backend) {
    let t = TestDb::new(backend).await;
    shenhe::demo::load(&t.db).await.unwrap();
    let server = ServerProcess::start(&t, &[]).await;
    let mut li_ming = Portal::at(&server.url(""));
    li_ming
        .sign_in_and_change(LI_MING.id_number, LI_MING.email, NEW_PASSWORD)
        .await;
    let image = id_of(&li_ming.upload_ok("id_card", small_jpeg()).await);
    drop(server);
    assert_eq!(recorded(&t).await, Some(id(TEST_KEY)));
    let before = stored_keys(&t);
    assert!(before.iter().all(|(_, key)| *key == Some(id(TEST_KEY))));

    refused(
        start(&t, None).await,
        &[
            "no encryption key is configured",
            &id(TEST_KEY),
            "SHENHE_ENCRYPTION_KEY_FILE",
        ],
    );
    refused(
        start(&t, Some(OTHER_KEY)).await,
        &[
            &id(TEST_KEY),
            &id(OTHER_KEY),
            "SHENHE_OLD_ENCRYPTION_KEY_FILES",
        ],
    );
    assert_eq!(stored_keys(&t), before, "a refused node writes nothing");
    assert_eq!(recorded(&t).await, Some(id(TEST_KEY)));

    // A key change: the new key current, the old one listed. The node starts, the record
    // moves to the new key, and the old photo is still served.
    let old = key_file(t.dir.path(), "old.key", TEST_KEY);
    let changed = [
        "--encryption-key",
        OTHER_KEY,
        "--old-encryption-key-files",
        &old,
    ];
    let server = ServerProcess::start(&t, &changed).await;
    let mut li_ming = Portal::at(&server.url(""));
    li_ming
        .login(LI_MING.id_number, NEW_PASSWORD)
        .await
        .expect(200);
    li_ming
        .get(&format!("/api/v1/images/{image}"))
        .await
        .expect(200);
    drop(server);
    assert_eq!(recorded(&t).await, Some(id(OTHER_KEY)));
    // From now on the old key alone is the wrong key.
    refused(start(&t, Some(TEST_KEY)).await, &[&id(OTHER_KEY)]);

    // rekey moves the blobs; then the old key can go.
    let rekey = Command::new(env!("CARGO_BIN_EXE_shenhe"))
        .arg("rekey")
        .env("SHENHE_DATA_DIR", t.dir.path())
        .env("SHENHE_DATABASE_URL", &t.url)
        .env("SHENHE_STORAGE_URL", t.storage_url())
        .env("SHENHE_ENCRYPTION_KEY", OTHER_KEY)
        .env("SHENHE_OLD_ENCRYPTION_KEY_FILES", &old)
        .env("SHENHE_LOG", "warn")
        .output()
        .unwrap();
    assert!(rekey.status.success(), "{rekey:?}");
    assert!(
        stored_keys(&t)
            .iter()
            .all(|(_, key)| *key == Some(id(OTHER_KEY)))
    );
    assert!(matches!(start(&t, Some(OTHER_KEY)).await, Start::Served));
}

async fn a_store_encrypted_before_the_record_keeps_its_key(backend: Backend) {
    // An app of a version without the record: its blobs are sealed, nothing is recorded.
    let app = TestApp::spawn_on(backend, Store::Local).await;
    shenhe::demo::load(app.db()).await.unwrap();
    Portal::candidate(&app, &LI_MING)
        .await
        .upload_ok("id_card", small_jpeg())
        .await;
    let t = &app.test_db;
    assert_eq!(recorded(t).await, None);

    refused(
        start(t, None).await,
        &[
            "read from a stored image",
            &id(TEST_KEY),
            "SHENHE_ENCRYPTION_KEY",
        ],
    );
    refused(start(t, Some(OTHER_KEY)).await, &[&id(TEST_KEY)]);
    assert_eq!(recorded(t).await, None, "a refused node records nothing");
    assert!(matches!(start(t, Some(TEST_KEY)).await, Start::Served));
    assert_eq!(recorded(t).await, Some(id(TEST_KEY)));
}

async fn turning_encryption_on_is_recorded_and_cannot_be_undone_by_accident(backend: Backend) {
    let t = TestDb::new(backend).await;
    assert!(matches!(start(&t, None).await, Start::Served));
    assert_eq!(recorded(&t).await.as_deref(), Some("none"));
    assert!(matches!(start(&t, None).await, Start::Served));

    assert!(matches!(start(&t, Some(TEST_KEY)).await, Start::Served));
    assert_eq!(recorded(&t).await, Some(id(TEST_KEY)));
    refused(
        start(&t, None).await,
        &["no encryption key is configured", &id(TEST_KEY)],
    );
}
