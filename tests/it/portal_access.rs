//! Who may do what: one candidate never sees another's pictures (guessing passwords:
//! sign_in_limits.rs), state-changing requests need the CSRF token, signing out ends the session on the
//! server, and the API describes itself.

use crate::helpers::{Backend, on_both_databases};
use crate::photos::small_jpeg;
use crate::portal_client::{
    LI_HUA, LI_MING, NEW_PASSWORD, Portal, demo_app, id_of, image_ids, session_cookie,
};

on_both_databases!(
    a_candidate_cannot_see_or_delete_another_candidates_pictures,
    changes_need_the_csrf_token_and_signing_out_ends_the_session,
    the_api_describes_itself,
    one_address_gets_a_limited_number_of_sign_in_attempts,
    malformed_and_oversized_requests_get_a_message_not_a_crash,
);

async fn malformed_and_oversized_requests_get_a_message_not_a_crash(backend: Backend) {
    let app = demo_app(backend).await;
    let url = app.url("/api/v1/login");
    let huge = format!(
        r#"{{"account": "{}", "password": "x"}}"#,
        "1".repeat(1 << 20)
    );
    for (body, status) in [
        (huge, 413),
        ("{not json".to_string(), 422),
        (r#"{"account": 42}"#.to_string(), 422),
    ] {
        let reply = app
            .client
            .post(&url)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("a response");
        assert_eq!(reply.status().as_u16(), status);
        let json: serde_json::Value = reply.json().await.expect("a JSON error");
        assert!(
            json["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{json}"
        );
    }
    // The server still signs people in.
    let mut portal = Portal::new(&app);
    portal
        .login(LI_MING.id_number, LI_MING.email)
        .await
        .expect(200);
}

async fn one_address_gets_a_limited_number_of_sign_in_attempts(backend: Backend) {
    let settings = shenhe::config::WebSettings {
        login_attempts_per_minute: 3,
        ..Default::default()
    };
    let app = crate::helpers::TestApp::spawn_with(backend, settings).await;
    shenhe::demo::load(app.db()).await.unwrap();
    let mut portal = Portal::new(&app);
    // Different accounts each time: the per-account budgets are not what stops this.
    for who in [&LI_MING, &LI_HUA, &LI_MING] {
        portal
            .login(who.id_number, "wrong-password-1")
            .await
            .expect(401);
    }
    let throttled = portal
        .login(LI_HUA.id_number, LI_HUA.email)
        .await
        .expect(429);
    assert!(throttled.header("retry-after").is_some());
    assert!(throttled.error().contains("频繁"), "{}", throttled.error());
}

async fn a_candidate_cannot_see_or_delete_another_candidates_pictures(backend: Backend) {
    let app = demo_app(backend).await;
    let a = Portal::candidate(&app, &LI_MING).await;
    let b = Portal::candidate(&app, &LI_HUA).await;
    let theirs = a.upload_ok("id_card", small_jpeg()).await;
    let (url, thumb) = (
        theirs["url"].as_str().unwrap(),
        theirs["thumb_url"].as_str().unwrap(),
    );

    // B's own picture, deleted: what "does not exist" looks like.
    let gone = b.upload_ok("id_card", small_jpeg()).await;
    b.delete(&id_of(&gone)).await.expect(204);
    let nonexistent = b.get(gone["url"].as_str().unwrap()).await.expect(404);

    let seen = b.get(url).await.expect(404);
    assert_eq!(
        seen.text(),
        nonexistent.text(),
        "indistinguishable from a missing id"
    );
    assert_ne!(seen.header("content-type"), Some("image/jpeg"));
    b.get(thumb).await.expect(404);
    b.delete(&id_of(&theirs)).await.expect(404);
    // Nobody signed in at all.
    Portal::new(&app).get(url).await.expect(401);

    // B completes and submits; A's draft and picture are untouched.
    for code in ["id_card", "hukou_book", "student_status"] {
        b.upload_ok(code, small_jpeg()).await;
    }
    b.submit().await.expect(200);
    let me = a.me().await;
    assert_eq!(me["status"], "draft");
    assert_eq!(image_ids(&me, "id_card"), [id_of(&theirs)]);
    a.get(url).await.expect(200);
    a.get(thumb).await.expect(200);
    a.upload_ok("student_status", small_jpeg()).await;
}

async fn changes_need_the_csrf_token_and_signing_out_ends_the_session(backend: Backend) {
    let app = demo_app(backend).await;
    let a = Portal::candidate(&app, &LI_MING).await;
    let b = Portal::candidate(&app, &LI_HUA).await;

    a.upload_with_token("id_card", small_jpeg(), "a.jpg", None)
        .await
        .expect(403)
        .error();
    a.upload_with_token("id_card", small_jpeg(), "a.jpg", Some("not-the-token"))
        .await
        .expect(403)
        .error();
    // Another session's token is no good either.
    a.upload_with_token("id_card", small_jpeg(), "a.jpg", Some(b.csrf.as_str()))
        .await
        .expect(403);
    assert!(image_ids(&a.me().await, "id_card").is_empty());

    let image = a.upload_ok("id_card", small_jpeg()).await;
    a.upload_ok("student_status", small_jpeg()).await;
    let delete = a
        .client
        .delete(a.url(&format!("/api/v1/images/{}", id_of(&image))))
        .send()
        .await
        .unwrap();
    assert_eq!(delete.status(), 403);
    let submit = a.client.post(a.url("/api/v1/submit")).send().await.unwrap();
    assert_eq!(submit.status(), 403);
    let me = a.me().await;
    assert_eq!(me["status"], "draft");
    assert_eq!(image_ids(&me, "id_card"), [id_of(&image)]);

    // Signing out: the old cookie, replayed by hand, no longer opens anything.
    let mut c = Portal::new(&app);
    let login = c.login(LI_MING.id_number, NEW_PASSWORD).await.expect(200);
    let cookie = session_cookie(&login);
    let replay = || {
        app.client
            .get(app.url("/api/v1/me"))
            .header("cookie", cookie.clone())
            .send()
    };
    assert_eq!(replay().await.unwrap().status(), 200);
    c.logout().await.expect(204);
    assert_eq!(replay().await.unwrap().status(), 401);
    c.get("/api/v1/me").await.expect(401).error();

    // No cookie at all.
    let anonymous = Portal::new(&app);
    anonymous.get("/api/v1/me").await.expect(401).error();
    anonymous
        .upload("id_card", small_jpeg(), "a.jpg")
        .await
        .expect(401);
}

async fn the_api_describes_itself(backend: Backend) {
    let app = demo_app(backend).await;
    let spec = Portal::new(&app)
        .get("/api/v1/openapi.json")
        .await
        .expect(200)
        .json();
    assert!(
        spec["openapi"].as_str().is_some_and(|v| v.starts_with('3')),
        "{spec}"
    );
    for path in ["/api/v1/login", "/api/v1/me", "/api/v1/submit"] {
        assert!(spec["paths"].get(path).is_some(), "{path} is documented");
    }
}
