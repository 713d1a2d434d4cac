//! Liveness and readiness probes for load balancers and orchestrators.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use serde_json::{Value, json};

use super::AppState;
use super::routes::Routes;

pub fn router() -> Routes {
    Routes::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

/// The process is up.
async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// The database and blob storage both answer. Failures are logged with their cause and
/// reported without internals.
async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let database = state.db.ping().await;
    let storage = state.storage.ping().await;
    for (name, result) in [("database", &database), ("storage", &storage)] {
        if let Err(e) = result {
            tracing::warn!("readiness: {name} unreachable: {e:#}");
        }
    }
    let word = |r: &anyhow::Result<()>| if r.is_ok() { "ok" } else { "unreachable" };
    let status = if database.is_ok() && storage.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "status": if status == StatusCode::OK { "ok" } else { "unavailable" },
        "database": word(&database),
        "storage": word(&storage),
    });
    (status, Json(body))
}
