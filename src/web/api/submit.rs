//! Submitting the materials for review.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::ErrorBody;
use crate::portal::submit as submit_materials;
use crate::web::AppState;
use crate::web::error::ApiError;
use crate::web::session::ApiCandidate;

#[derive(Serialize, ToSchema)]
pub struct Submitted {
    /// 提交后为 submitted。
    status: &'static str,
    /// 第几次提交（退回修改后重新提交时递增）。
    round: i32,
}

/// 提交全部材料。提交后材料不能再修改。
#[utoipa::path(post, path = "/api/v1/submit", tag = "考生",
    responses(
        (status = 200, body = Submitted),
        (status = 409, description = "当前状态或时间不允许提交", body = ErrorBody),
        (status = 422, description = "有必传材料尚未上传；missing 列出材料代码", body = ErrorBody),
    ))]
pub async fn submit(
    State(state): State<AppState>,
    candidate: ApiCandidate,
) -> Result<Json<Submitted>, ApiError> {
    let round = submit_materials(&state.portal, candidate.candidate_id, crate::db::now()).await?;
    Ok(Json(Submitted {
        status: "submitted",
        round,
    }))
}
