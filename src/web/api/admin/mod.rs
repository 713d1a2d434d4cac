//! Admin API under `/api/v1/admin`: the second-review disagreements here; one module per
//! area beside it (the audit log in `audit`), each adding its routes through `routes()`.

mod audit;
mod candidates;
mod exams;
mod export;
mod roster;
mod staff;
mod stats;

pub use audit::AuditSearch;

use axum::extract::State;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;

use super::auth::ErrorBody;
use crate::db::review::Disagreement;
use crate::web::AppState;
use crate::web::error::ApiError;
use crate::web::session::ApiAdmin;

/// The admin areas' routes. Merged after the API's small-body limit, so each area sets
/// its own limit (the roster upload takes a file; everything else reads `ApiJson`, which is
/// bounded anyway).
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(audit::routes())
        .merge(exams::routes())
        .merge(roster::routes())
        .merge(candidates::routes())
        .merge(staff::routes())
        .merge(stats::routes())
        .merge(export::routes())
}

#[derive(Serialize, ToSchema)]
pub struct DisagreementJson {
    candidate_id: i64,
    name: String,
    first_reviewer: String,
    first_outcome: String,
    second_reviewer: String,
    second_outcome: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    decided_at: OffsetDateTime,
}

impl From<Disagreement> for DisagreementJson {
    fn from(d: Disagreement) -> Self {
        DisagreementJson {
            candidate_id: d.candidate_id,
            name: d.name,
            first_reviewer: d.first_reviewer,
            first_outcome: d.first_outcome,
            second_reviewer: d.second_reviewer,
            second_outcome: d.second_outcome,
            decided_at: d.decided_at,
        }
    }
}

/// 复核与初审结论不一致的考生（仅管理员），最新的在前。
#[utoipa::path(get, path = "/api/v1/admin/disagreements", tag = "管理",
    responses(
        (status = 200, body = Vec<DisagreementJson>),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ))]
pub async fn disagreements(
    State(state): State<AppState>,
    _admin: ApiAdmin,
) -> Result<axum::Json<Vec<DisagreementJson>>, ApiError> {
    let Some(exam) = state.db.current_exam().await? else {
        return Ok(axum::Json(Vec::new()));
    };
    let rows = state.db.disagreements(exam.id, 200).await?;
    Ok(axum::Json(rows.into_iter().map(Into::into).collect()))
}
