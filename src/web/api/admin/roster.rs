//! Admin API: roster upload (`?dry_run=true` reports without writing).

use utoipa_axum::router::OpenApiRouter;

use crate::web::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}
