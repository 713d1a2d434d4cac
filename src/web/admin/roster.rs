//! Admin pages: roster upload (XLSX / CSV) with a dry-run report before it is committed.

use axum::Router;

use crate::web::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
}
