//! Admin pages: the dashboard — counts, charts per day, reviewers' throughput, the longest waits.

use axum::Router;

use crate::web::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
}
