//! Admin API: results export, streamed as CSV or XLSX.

use std::net::SocketAddr;

use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::db::audit::Actor;
use crate::web::AppState;
use crate::web::admin::results::{ExportQuery, download};
use crate::web::api::auth::ErrorBody;
use crate::web::error::ApiError;
use crate::web::session::ApiAdmin;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(export))
}

/// 导出审核结果（仅管理员）：报名号、身份证号、姓名、类别、审核结果、审核意见、审核人、
/// 审核时间，按状态筛选，流式返回 CSV（UTF-8 带 BOM 或 GBK）或 XLSX 文件。每次导出记入审计日志。
#[utoipa::path(get, path = "/api/v1/admin/export", tag = "管理", params(ExportQuery),
    responses(
        (status = 200, description = "结果文件（附件下载）：text/csv 或 \
            application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            content_type = "text/csv"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "没有这个考试", body = ErrorBody),
        (status = 409, description = "考试数据已清除", body = ErrorBody),
        (status = 422, description = "参数不正确", body = ErrorBody),
    ))]
pub async fn export(
    State(state): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    query: Result<Query<ExportQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|_| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "查询参数不正确，请检查 format、status、encoding、exam。",
        )
    })?;
    let (exam, options) = query
        .resolve(&state.db)
        .await
        .map_err(|(status, text)| ApiError::new(status, text))?;
    let ip = state.client_ip(&headers, Some(peer));
    Ok(download(
        &state.db,
        exam,
        options,
        Actor::Staff(admin.staff_id),
        ip,
    ))
}
