//! Purging an exam: no blob of it remains, the statistics stay.

use std::process::{Command, Output, Stdio};

use bytes::Bytes;
use serde_json::json;
use shenhe::db::exams::ExamRow;
use time::Duration;

use crate::helpers::{Backend, Store, TestApp, on_both_databases};
use crate::portal_client::{LI_HUA, LI_MING, Portal};
use crate::review_client::{ADMIN, REVIEWER, candidate_id, staff, submitted};

on_both_databases!(
    a_purge_from_the_page_leaves_no_blob_and_keeps_the_counts,
    the_command_line_refuses_an_open_exam_and_finishes_a_purge,
    a_returned_candidate_within_their_deadline_holds_the_purge,
);

async fn exam(app: &TestApp) -> ExamRow {
    app.db().current_exam().await.unwrap().unwrap()
}

/// Closes the upload window and the resubmission deadline a minute ago.
async fn close(app: &TestApp) {
    let exam = exam(app).await;
    let now = shenhe::db::now();
    app.db()
        .set_upload_window(
            exam.id,
            Some(now - Duration::days(2)),
            Some(now - Duration::minutes(1)),
        )
        .await
        .unwrap();
    app.db()
        .set_resubmit_deadline(exam.id, Some(now - Duration::minutes(1)))
        .await
        .unwrap();
}

async fn blobs_of(app: &TestApp, exam: &ExamRow) -> Vec<String> {
    app.storage
        .list(&format!("exams/{}", exam.id))
        .await
        .unwrap()
}

async fn counts(app: &TestApp, exam: &ExamRow) -> Vec<(String, i64)> {
    let mut counts = app.db().status_counts(exam.id).await.unwrap();
    counts.sort();
    counts
}

/// The first case in the queue, approved.
async fn approve_next(app: &TestApp) {
    decide_next(app, "approve").await;
}

/// The first case in the queue, decided with every material fine (a return names none).
async fn decide_next(app: &TestApp, outcome: &str) {
    let reviewer = staff(app, REVIEWER.0).await;
    let case = Portal::send(reviewer.post("/api/v1/review/claim"))
        .await
        .expect(200)
        .json();
    let marks: Vec<_> = case["materials"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, m)| match (i, outcome) {
            (0, "return") => json!({"code": m["code"], "ok": false, "reason": "图片模糊不清"}),
            _ => json!({"code": m["code"], "ok": true}),
        })
        .collect();
    let id = case["id"].as_i64().unwrap();
    Portal::send(
        reviewer
            .post(&format!("/api/v1/review/cases/{id}/decision"))
            .json(&json!({"outcome": outcome, "materials": marks, "comment": "材料齐全"})),
    )
    .await
    .expect(200);
}

async fn purge_form(admin: &Portal, code: &str, confirm: &str) -> String {
    let reply = admin
        .post_form(
            "/admin/results/purge",
            &[("csrf", &admin.csrf), ("exam", code), ("confirm", confirm)],
        )
        .await
        .expect(303);
    assert_eq!(reply.location(), "/admin/results");
    admin.get("/admin/results").await.expect(200).text()
}

async fn a_purge_from_the_page_leaves_no_blob_and_keeps_the_counts(backend: Backend) {
    let app = TestApp::spawn_on(backend, Store::S3).await;
    shenhe::demo::load(app.db()).await.unwrap();
    app.db()
        .set_setting("second_review_share", "0")
        .await
        .unwrap();
    let li_ming = submitted(&app, &LI_MING).await;
    submitted(&app, &LI_HUA).await;
    approve_next(&app).await;
    let exam = exam(&app).await;
    let before = counts(&app, &exam).await;
    let approved = candidate_id(&app, &LI_MING).await;
    let blobs = blobs_of(&app, &exam).await;
    assert!(blobs.len() >= 8, "images and thumbnails: {blobs:?}");
    let admin = staff(&app, ADMIN.0).await;

    // While candidates may still upload, the page says why not and a post changes nothing.
    let page = admin.get("/admin/results").await.expect(200).text();
    assert!(page.contains("截止后才能清除"), "{page}");
    let page = purge_form(&admin, &exam.code, &exam.code).await;
    assert!(page.contains("未做任何清除"), "{page}");
    assert_eq!(blobs_of(&app, &exam).await, blobs);
    assert!(
        app.db()
            .find_candidate_by_id_number(exam.id, LI_MING.id_number)
            .await
            .unwrap()
            .is_some()
    );

    close(&app).await;
    let page = purge_form(&admin, &exam.code, "wrong").await;
    assert!(page.contains("不一致"), "{page}");
    assert_eq!(blobs_of(&app, &exam).await, blobs);

    let page = purge_form(&admin, &exam.code, &exam.code).await;
    assert!(
        page.contains(&format!("删除图片文件 {} 个", blobs.len())),
        "{page}"
    );
    assert!(page.contains("已于"), "{page}");

    // No blob of the exam remains, in the listing or on the S3 server's disk.
    assert_eq!(blobs_of(&app, &exam).await, Vec::<String>::new());
    assert_eq!(app.stored_files(), Vec::<std::path::PathBuf>::new());
    // Names and ID numbers are gone; the counts by status are not.
    for who in [&LI_MING, &LI_HUA] {
        assert!(
            app.db()
                .find_candidate_by_id_number(exam.id, who.id_number)
                .await
                .unwrap()
                .is_none()
        );
    }
    assert_eq!(counts(&app, &exam).await, before);
    // Decisions stay for the statistics, without the reviewer's own words.
    let history = app.db().case_history(approved).await.unwrap();
    assert_eq!(history[0].outcome.as_deref(), Some("approved"));
    assert_eq!(history[0].comment, None);
    let all = admin.get("/api/v1/admin/export?exam=").await.expect(409);
    assert!(all.error().contains("清除"), "{}", all.error());
    // The candidate's session ended.
    li_ming.get("/api/v1/me").await.expect(401);

    // The audit trail keeps what was done and when, not where from or the details.
    let audit = admin
        .get("/api/v1/admin/audit?action=decided")
        .await
        .expect(200)
        .json();
    let decided = &audit["items"][0];
    assert_eq!(decided["detail"], serde_json::Value::Null, "{audit}");
    assert_eq!(decided["ip"], serde_json::Value::Null, "{audit}");
    assert_eq!(decided["actor_name"], REVIEWER.0);
    assert_eq!(decided["candidate_name"], "已清除");
    let uploads = admin
        .get("/api/v1/admin/audit?action=image_uploaded")
        .await
        .expect(200)
        .json();
    assert!(
        uploads["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["ip"].is_null())
    );
    let purged = admin
        .get("/api/v1/admin/audit?action=exam_purged")
        .await
        .expect(200)
        .json();
    assert_eq!(
        purged["items"][0]["detail"]["blobs"],
        blobs.len() as u64,
        "{purged}"
    );
    assert_eq!(purged["items"][0]["actor_name"], ADMIN.0);

    // Reviewers cannot purge.
    let reviewer = staff(&app, REVIEWER.0).await;
    reviewer
        .post_form(
            "/admin/results/purge",
            &[
                ("csrf", &reviewer.csrf),
                ("exam", &exam.code),
                ("confirm", &exam.code),
            ],
        )
        .await
        .expect(403);
}

fn shenhe(app: &TestApp, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shenhe"))
        .args(args)
        .env("SHENHE_DATA_DIR", app.test_db.dir.path())
        .env("SHENHE_DATABASE_URL", &app.test_db.url)
        .env("SHENHE_STORAGE_URL", app.test_db.storage_url())
        .env("SHENHE_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .expect("running shenhe")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn the_command_line_refuses_an_open_exam_and_finishes_a_purge(backend: Backend) {
    let app = crate::review_client::review_app(backend).await;
    submitted(&app, &LI_MING).await;
    approve_next(&app).await;
    let exam = exam(&app).await;
    let blobs = blobs_of(&app, &exam).await;
    assert!(!blobs.is_empty());

    let open = shenhe(&app, &["purge", "--exam", &exam.code, "--yes"]);
    assert!(!open.status.success());
    assert!(
        text(&open.stderr).contains("截止后才能清除"),
        "{}",
        text(&open.stderr)
    );
    assert_eq!(blobs_of(&app, &exam).await, blobs);

    close(&app).await;
    // Without --yes the code must be typed; nothing typed, nothing purged.
    let unconfirmed = shenhe(&app, &["purge", "--exam", &exam.code]);
    assert!(!unconfirmed.status.success());
    assert!(text(&unconfirmed.stderr).contains("未做任何清除"));
    assert_eq!(blobs_of(&app, &exam).await, blobs);

    let done = shenhe(&app, &["purge", "--exam", &exam.code, "--yes"]);
    assert!(done.status.success(), "{}", text(&done.stderr));
    let report = text(&done.stdout);
    assert!(
        report.contains(&format!("删除图片文件 {} 个", blobs.len())),
        "{report}"
    );
    assert!(report.contains("匿名化考生"), "{report}");
    assert!(app.stored_files().is_empty());

    // A blob left behind (say, by an interrupted run) goes on the next run.
    let stray = format!("exams/{}/left-behind", exam.id);
    app.storage
        .put(&stray, Bytes::from_static(b"x"))
        .await
        .unwrap();
    let again = shenhe(&app, &["purge", "--exam", &exam.code, "--yes"]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    let report = text(&again.stdout);
    assert!(report.contains("无需再次清除"), "{report}");
    assert!(report.contains("遗留的图片文件 1 个"), "{report}");
    assert!(app.stored_files().is_empty());
}

async fn a_returned_candidate_within_their_deadline_holds_the_purge(backend: Backend) {
    let app = crate::review_client::review_app(backend).await;
    submitted(&app, &LI_MING).await;
    decide_next(&app, "return").await;
    close(&app).await;
    let exam = exam(&app).await;
    let blobs = blobs_of(&app, &exam).await;

    let held = shenhe(&app, &["purge", "--exam", &exam.code, "--yes"]);
    assert!(!held.status.success());
    let words = text(&held.stderr);
    assert!(words.contains("1 名被退回的考生"), "{words}");
    assert_eq!(blobs_of(&app, &exam).await, blobs);
    assert!(
        app.db()
            .find_candidate_by_id_number(exam.id, LI_MING.id_number)
            .await
            .unwrap()
            .is_some()
    );
}
