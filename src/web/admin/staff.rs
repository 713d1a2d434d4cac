//! Admin pages: staff accounts (create, disable, reset, role) and the run-time settings.

use axum::Router;

use crate::web::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
}
