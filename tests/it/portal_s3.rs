//! The candidate's and the reviewer's round trips with blobs in an S3 bucket (encrypted),
//! on both databases: the images still come back through the app, authorised.

use crate::helpers::{Backend, Store, TestApp, on_both_databases};
use crate::photos::{decode, small_jpeg};
use crate::portal_client::{LI_MING, Portal, id_of};
use crate::review_client::{REVIEWER, staff, submitted};

on_both_databases!(
    a_candidate_uploads_views_deletes_and_submits_on_s3,
    a_reviewer_sees_the_images_from_s3,
);

/// The demo exam on an app whose blobs are on S3; approvals are never sampled.
async fn s3_demo_app(backend: Backend) -> TestApp {
    let app = TestApp::spawn_on(backend, Store::S3).await;
    shenhe::demo::load(app.db())
        .await
        .expect("loading the demo");
    app.db()
        .set_setting("second_review_share", "0")
        .await
        .unwrap();
    app
}

async fn a_candidate_uploads_views_deletes_and_submits_on_s3(backend: Backend) {
    let app = s3_demo_app(backend).await;
    let portal = Portal::candidate(&app, &LI_MING).await;

    let front = portal.upload_ok("id_card", small_jpeg()).await;
    let back = portal.upload_ok("id_card", small_jpeg()).await;
    for key in ["url", "thumb_url"] {
        let reply = portal.get(front[key].as_str().unwrap()).await.expect(200);
        let (w, h, _) = decode(&reply.bytes);
        assert!(w > 0 && h > 0, "{key}");
    }
    assert_eq!(app.storage.list("exams").await.unwrap().len(), 4);

    portal.delete(&id_of(&back)).await.expect(204);
    portal.get(back["url"].as_str().unwrap()).await.expect(404);
    assert_eq!(
        app.storage.list("exams").await.unwrap().len(),
        2,
        "the deleted image's blobs are gone from the bucket"
    );

    portal.upload_ok("student_status", small_jpeg()).await;
    let submitted = portal.submit().await.expect(200);
    assert_eq!(submitted.json()["status"], "submitted");
}

async fn a_reviewer_sees_the_images_from_s3(backend: Backend) {
    let app = s3_demo_app(backend).await;
    submitted(&app, &LI_MING).await;
    let reviewer = staff(&app, REVIEWER.0).await;

    let case = Portal::send(reviewer.post("/api/v1/review/claim"))
        .await
        .expect(200)
        .json();
    let image = &case["materials"][0]["images"][0];
    for key in ["url", "thumb_url"] {
        let reply = reviewer.get(image[key].as_str().unwrap()).await.expect(200);
        assert!(reply.bytes.starts_with(b"\xff\xd8\xff"), "{key} is a JPEG");
        assert_eq!(
            reply.header("cache-control"),
            Some("private, no-store"),
            "{key}"
        );
    }
}
