//! A candidate's way through the portal over the JSON API: first sign-in, password change,
//! uploads, submission; what is refused when materials are missing, the window is closed or the
//! candidate is not eligible here.

use serde_json::Value;
use time::{Duration, OffsetDateTime};

use crate::helpers::{Backend, on_both_databases};
use crate::photos::{UPRIGHT, decode, quadrant_jpeg, small_jpeg};
use crate::portal_client::{
    LI_HUA, LI_MING, NEW_PASSWORD, Portal, ZHANG_MING, demo_app, id_of, image_ids, material,
    material_codes, session_set_cookie,
};

on_both_databases!(
    a_candidate_signs_in_uploads_every_required_material_and_submits,
    submitting_with_a_required_material_missing_names_it_and_keeps_the_draft,
    the_upload_window_is_enforced_by_the_server,
    a_candidate_who_is_not_eligible_is_told_why_and_cannot_upload_or_submit,
);

/// Fetches an image URL and checks what a browser must be told about it.
async fn fetch_jpeg(portal: &Portal, url: &str) -> (u32, u32, Vec<u8>) {
    let reply = portal.get(url).await.expect(200);
    assert_eq!(reply.header("content-type"), Some("image/jpeg"));
    assert_eq!(reply.header("cache-control"), Some("private, no-store"));
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    decode(&reply.bytes)
}

async fn a_candidate_signs_in_uploads_every_required_material_and_submits(backend: Backend) {
    let app = demo_app(backend).await;
    let mut portal = Portal::new(&app);

    // The initial password is the roster email, however it is typed.
    let login = portal
        .login(LI_MING.id_number, " LiMing@Example.com ")
        .await
        .expect(200);
    assert_eq!(login.json()["role"], "candidate");
    assert_eq!(login.json()["must_change_password"], true);
    let cookie = session_set_cookie(&login).to_ascii_lowercase();
    assert!(cookie.contains("httponly"), "{cookie}");
    assert!(cookie.contains("samesite=lax"), "{cookie}");

    // Nothing else until the password is changed.
    let blocked = portal.get("/api/v1/me").await.expect(403);
    assert_eq!(blocked.json()["must_change_password"], true);
    blocked.error();
    let blocked = portal
        .upload("id_card", small_jpeg(), "a.jpg")
        .await
        .expect(403);
    assert_eq!(blocked.json()["must_change_password"], true);

    // Weak new passwords are refused with a reason; so is a wrong current one.
    for weak in [
        "abc123",
        "onlyletters",
        "1234567890",
        LI_MING.id_number,
        LI_MING.email,
    ] {
        portal
            .change_password(LI_MING.email, weak)
            .await
            .expect(422)
            .error();
    }
    let wrong = portal
        .change_password("not-my-email@example.com", NEW_PASSWORD)
        .await;
    assert!(
        matches!(wrong.status.as_u16(), 401 | 422),
        "{}",
        wrong.text()
    );
    wrong.error();
    portal
        .change_password(LI_MING.email, NEW_PASSWORD)
        .await
        .expect(204);

    // From now on the email is no longer a password and the new one is.
    Portal::new(&app)
        .login(LI_MING.id_number, LI_MING.email)
        .await
        .expect(401);
    let mut portal = Portal::new(&app);
    let login = portal
        .login(LI_MING.id_number, NEW_PASSWORD)
        .await
        .expect(200);
    assert_eq!(login.json()["must_change_password"], false);

    let me = portal.me().await;
    assert_eq!(me["name"], LI_MING.name);
    assert_eq!(me["school"], "武汉大学");
    assert_eq!(me["is_student"], true);
    assert!(me["hukou"].as_str().unwrap().contains("宜昌"), "{me}");
    assert_eq!(me["status"], "draft");
    assert_eq!(me["category"]["code"], "student_in_wuhan");
    assert!(!me["category"]["name"].as_str().unwrap().is_empty());
    assert_eq!(me["ineligible_reason"], Value::Null);
    assert_eq!(me["window"]["open"], true);
    assert_eq!(me["decision"], Value::Null);
    assert_eq!(material_codes(&me), ["id_card", "student_status"]);
    assert_eq!(material(&me, "id_card")["name"], "身份证");
    assert_eq!(material(&me, "student_status")["name"], "学籍证明");
    for entry in me["materials"].as_array().unwrap() {
        assert_eq!(entry["required"], true, "{entry}");
        assert_eq!(entry["editable"], true, "{entry}");
        assert_eq!(entry["review"], Value::Null, "{entry}");
        assert!(entry["images"].as_array().unwrap().is_empty());
        assert!(entry["max_images"].as_u64().unwrap() >= 1);
        assert!(!entry["description"].as_str().unwrap().is_empty());
    }

    // The ID card: a front as a phone takes it (wide, shrunk) and a small back.
    let front = portal
        .upload_ok("id_card", quadrant_jpeg(3000, 120, UPRIGHT))
        .await;
    assert_eq!(front["width"], 2560, "{front}");
    let back = portal.upload_ok("id_card", small_jpeg()).await;
    assert_eq!(
        (back["width"].as_u64(), back["height"].as_u64()),
        (Some(64), Some(48))
    );
    assert!(back["bytes"].as_u64().unwrap() > 0);
    assert!(back["uploaded_at"].is_string(), "{back}");
    portal.upload_ok("student_status", small_jpeg()).await;

    for image in [&front, &back] {
        for key in ["url", "thumb_url"] {
            let url = image[key].as_str().unwrap();
            assert!(!url.contains(LI_MING.id_number), "{url}");
        }
    }
    let (w, h, _) = fetch_jpeg(&portal, front["url"].as_str().unwrap()).await;
    assert_eq!(w, 2560);
    assert_eq!(Some(u64::from(h)), front["height"].as_u64());
    assert!((100..=104).contains(&h), "kept its shape: {w}×{h}");
    let (w, h, _) = fetch_jpeg(&portal, front["thumb_url"].as_str().unwrap()).await;
    assert_eq!(w, 320, "thumbnail long edge");
    assert!((12..=14).contains(&h), "{w}×{h}");
    let (w, h, _) = fetch_jpeg(&portal, back["url"].as_str().unwrap()).await;
    assert_eq!((w, h), (64, 48), "a small photo is not enlarged");
    let (w, h, _) = fetch_jpeg(&portal, back["thumb_url"].as_str().unwrap()).await;
    assert_eq!((w, h), (64, 48));

    // Replacing a blurred picture: delete it, upload again.
    portal.delete(&id_of(&back)).await.expect(204);
    assert_eq!(image_ids(&portal.me().await, "id_card"), [id_of(&front)]);
    portal.get(back["url"].as_str().unwrap()).await.expect(404);
    let again = portal.upload_ok("id_card", small_jpeg()).await;
    let ids = image_ids(&portal.me().await, "id_card");
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&id_of(&again)));

    let submitted = portal.submit().await.expect(200);
    assert_eq!(submitted.json()["status"], "submitted");

    // Submitted: read-only, but the pictures can still be looked at.
    let me = portal.me().await;
    assert_eq!(me["status"], "submitted");
    for entry in me["materials"].as_array().unwrap() {
        assert_eq!(entry["editable"], false, "{entry}");
    }
    portal
        .upload("id_card", small_jpeg(), "c.jpg")
        .await
        .expect(409)
        .error();
    portal.delete(&id_of(&again)).await.expect(409).error();
    assert_eq!(image_ids(&portal.me().await, "id_card").len(), 2);
    fetch_jpeg(&portal, again["url"].as_str().unwrap()).await;
}

async fn submitting_with_a_required_material_missing_names_it_and_keeps_the_draft(
    backend: Backend,
) {
    let app = demo_app(backend).await;
    let portal = Portal::candidate(&app, &LI_HUA).await;
    assert_eq!(
        material_codes(&portal.me().await),
        ["id_card", "hukou_book", "student_status"]
    );
    portal.upload_ok("id_card", small_jpeg()).await;

    let refused = portal.submit().await.expect(422);
    refused.error();
    let mut missing: Vec<String> = refused.json()["missing"]
        .as_array()
        .expect("a missing list")
        .iter()
        .map(|code| code.as_str().unwrap().to_string())
        .collect();
    missing.sort();
    assert_eq!(missing, ["hukou_book", "student_status"]);

    let me = portal.me().await;
    assert_eq!(me["status"], "draft");
    assert_eq!(material(&me, "hukou_book")["editable"], true);
    // Adding what was missing lets the same candidate submit.
    portal.upload_ok("hukou_book", small_jpeg()).await;
    portal.upload_ok("student_status", small_jpeg()).await;
    portal.submit().await.expect(200);
}

async fn the_upload_window_is_enforced_by_the_server(backend: Backend) {
    let app = demo_app(backend).await;
    let portal = Portal::candidate(&app, &LI_MING).await;
    let kept = portal.upload_ok("id_card", small_jpeg()).await;
    portal.upload_ok("student_status", small_jpeg()).await;

    let exam = app.db().current_exam().await.unwrap().unwrap();
    let now = OffsetDateTime::now_utc();
    app.db()
        .set_upload_window(
            exam.id,
            Some(now - Duration::days(2)),
            Some(now - Duration::hours(1)),
        )
        .await
        .unwrap();

    let me = portal.me().await;
    assert_eq!(me["window"]["open"], false);
    for entry in me["materials"].as_array().unwrap() {
        assert_eq!(entry["editable"], false, "{entry}");
    }
    portal
        .upload("id_card", small_jpeg(), "late.jpg")
        .await
        .expect(409)
        .error();
    portal.submit().await.expect(409).error();
    let delete = portal.delete(&id_of(&kept)).await;
    assert!(delete.status.is_client_error(), "{}", delete.status);
    let me = portal.me().await;
    assert_eq!(me["status"], "draft");
    assert_eq!(image_ids(&me, "id_card"), [id_of(&kept)]);

    // Not open yet is the same.
    app.db()
        .set_upload_window(
            exam.id,
            Some(now + Duration::days(1)),
            Some(now + Duration::days(9)),
        )
        .await
        .unwrap();
    assert_eq!(portal.me().await["window"]["open"], false);
    portal
        .upload("id_card", small_jpeg(), "early.jpg")
        .await
        .expect(409);
    portal.submit().await.expect(409);
}

async fn a_candidate_who_is_not_eligible_is_told_why_and_cannot_upload_or_submit(backend: Backend) {
    let app = demo_app(backend).await;
    let portal = Portal::candidate(&app, &ZHANG_MING).await;

    let me = portal.me().await;
    assert_eq!(me["name"], ZHANG_MING.name);
    assert_eq!(me["category"], Value::Null);
    let reason = me["ineligible_reason"].as_str().expect("a reason");
    assert!(reason.contains("联系"), "says whom to contact: {reason}");
    assert_eq!(me["materials"].as_array().map(Vec::len), Some(0));

    let upload = portal.upload("id_card", small_jpeg(), "id.jpg").await;
    assert!(
        matches!(upload.status.as_u16(), 404 | 409),
        "{}",
        upload.text()
    );
    upload.error();
    let submit = portal.submit().await;
    assert!(
        matches!(submit.status.as_u16(), 409 | 422),
        "{}",
        submit.text()
    );
    submit.error();
    assert_eq!(portal.me().await["status"], "draft");
}
