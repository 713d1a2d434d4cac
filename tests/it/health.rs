use crate::helpers::{Backend, TestApp, on_both_databases};

on_both_databases!(
    probes_report_a_working_app,
    readiness_fails_when_the_database_is_gone
);

async fn probes_report_a_working_app(backend: Backend) {
    let app = TestApp::spawn(backend).await;

    let health = app.get("/healthz").await;
    assert_eq!(health.status(), 200);

    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["database"], "ok");
    assert_eq!(body["storage"], "ok");
}

async fn readiness_fails_when_the_database_is_gone(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.db().close().await;

    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 503);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["database"], "unreachable");
    assert_eq!(body["storage"], "ok");
    // The process itself is still alive.
    assert_eq!(app.get("/healthz").await.status(), 200);
}
