//! Admin pages: results export (CSV / XLSX) and purging a finished exam.

use axum::Router;

use crate::web::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
}
