//! Admin API: results export, streamed as CSV or XLSX.

use utoipa_axum::router::OpenApiRouter;

use crate::web::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}
