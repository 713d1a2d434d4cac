//! Admin pages: exams — create from a config file, edit windows and reasons, mark current, category preview.

use axum::Router;

use crate::web::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
}
