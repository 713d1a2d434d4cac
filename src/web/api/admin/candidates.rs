//! Admin API: candidates — search, one candidate (as they see it, with history), password reset.

use utoipa_axum::router::OpenApiRouter;

use crate::web::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}
