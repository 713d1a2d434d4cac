//! Admin API: staff accounts and the run-time settings.

use utoipa_axum::router::OpenApiRouter;

use crate::web::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}
