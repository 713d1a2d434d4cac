//! Admin pages: candidates — search, the candidate's page as they see it, history, password reset.

use axum::Router;

use crate::web::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
}
