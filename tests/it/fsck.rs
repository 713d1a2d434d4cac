//! `shenhe fsck` and `shenhe rekey` as an admin runs them, beside a running app.

use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

use bytes::Bytes;

use crate::helpers::{Backend, Store, TEST_KEY, TestApp, TestDb, on_both_databases};
use crate::photos::small_jpeg;
use crate::portal_client::{LI_MING, Portal, demo_app};

on_both_databases!(
    fsck_finds_rows_without_blobs_and_blobs_without_rows,
    rekey_encrypts_what_was_stored_before_the_key,
);

fn shenhe(app: &TestApp, args: &[&str]) -> Output {
    shenhe_keyed(&app.test_db, args)
}

/// The CLI beside an app whose blobs are encrypted with [`TEST_KEY`].
pub(crate) fn shenhe_keyed(t: &TestDb, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shenhe"))
        .args(args)
        .env("SHENHE_DATA_DIR", t.dir.path())
        .env("SHENHE_DATABASE_URL", &t.url)
        .env("SHENHE_STORAGE_URL", t.storage_url())
        .env("SHENHE_ENCRYPTION_KEY", TEST_KEY)
        .env("SHENHE_LOG", "warn")
        .output()
        .expect("running shenhe")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

async fn fsck_finds_rows_without_blobs_and_blobs_without_rows(backend: Backend) {
    let app = TestApp::spawn_on(backend, Store::Local).await;
    shenhe::demo::load(app.db()).await.unwrap();
    let portal = Portal::candidate(&app, &LI_MING).await;
    portal.upload_ok("id_card", small_jpeg()).await;
    portal.upload_ok("id_card", small_jpeg()).await;

    let clean = shenhe(&app, &["fsck"]);
    assert!(clean.status.success(), "{}", stdout(&clean));
    assert!(stdout(&clean).contains("检查了 2 条图片记录、4 个存储对象"));

    // Behind the app's back: one photo's blob goes, and two strays appear, one written
    // two hours ago (its file's time is set back) and one just now.
    let rows = app.db().image_keys_after(0, 10).await.unwrap();
    let lost = &rows[0].blob_key;
    app.storage.delete(lost).await.unwrap();
    let exam = lost.rsplit_once('/').unwrap().0;
    let (old_stray, new_stray) = (format!("{exam}/old-stray"), format!("{exam}/new-stray"));
    for stray in [&old_stray, &new_stray] {
        app.storage
            .put(stray, Bytes::from_static(b"left over"))
            .await
            .unwrap();
    }
    let file = app.test_db.dir.path().join("blobs").join(&old_stray);
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(SystemTime::now() - Duration::from_secs(2 * 3600))
        .unwrap();

    let checked = shenhe(&app, &["fsck"]);
    let report = stdout(&checked);
    assert!(!checked.status.success(), "{report}");
    assert!(report.contains("缺少存储对象的图片记录 1 条"), "{report}");
    assert!(report.contains(lost.as_str()), "{report}");
    assert!(report.contains(&rows[0].uid.to_string()), "{report}");
    assert!(report.contains("没有图片记录的存储对象 1 个"), "{report}");
    assert!(
        report.contains(&old_stray) && report.contains(&new_stray),
        "{report}"
    );
    assert!(
        app.storage.exists(&old_stray).await.unwrap(),
        "fsck alone changes nothing"
    );

    let repaired = shenhe(&app, &["fsck", "--repair"]);
    let report = stdout(&repaired);
    assert!(
        !repaired.status.success(),
        "the missing blob is not repaired: {report}"
    );
    assert!(report.contains("已删除以上 1 个"), "{report}");
    assert!(!app.storage.exists(&old_stray).await.unwrap());
    assert!(
        app.storage.exists(&new_stray).await.unwrap(),
        "a young stray may be an upload in progress"
    );
    assert_eq!(
        app.db().image_keys_after(0, 10).await.unwrap().len(),
        2,
        "rows are never deleted"
    );
}

async fn rekey_encrypts_what_was_stored_before_the_key(backend: Backend) {
    // An app without a key stores plaintext.
    let app = demo_app(backend).await;
    let portal = Portal::candidate(&app, &LI_MING).await;
    portal.upload_ok("id_card", small_jpeg()).await;
    let files = app.stored_files();
    let jpeg = |f: &std::path::PathBuf| std::fs::read(f).unwrap().starts_with(b"\xff\xd8\xff");
    assert_eq!(files.iter().filter(|f| jpeg(f)).count(), 2);

    let rekeyed = shenhe(&app, &["rekey"]);
    assert!(rekeyed.status.success(), "{rekeyed:?}");
    assert!(stdout(&rekeyed).contains("已重新加密 2 个"), "{rekeyed:?}");
    assert_eq!(files.iter().filter(|f| jpeg(f)).count(), 0);

    let again = shenhe(&app, &["rekey"]);
    assert!(stdout(&again).contains("已重新加密 0 个存储对象；2 个已使用当前密钥"));
    let checked = shenhe(&app, &["fsck"]);
    assert!(checked.status.success(), "{}", stdout(&checked));
}
