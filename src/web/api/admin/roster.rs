//! Admin API: roster upload (`?dry_run=true` reports without writing).

use std::collections::BTreeMap;
use std::net::SocketAddr;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Multipart, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::db::audit::{Actor, AuditEntry};
use crate::import::{ImportReport, import_bytes};
use crate::web::AppState;
use crate::web::api::auth::ErrorBody;
use crate::web::error::ApiError;
use crate::web::session::ApiAdmin;
use crate::web::upload::read_capped;

/// The largest roster file taken (a million rows of XLSX is about 40 MB).
const MAX_ROSTER_BYTES: usize = 50 * 1024 * 1024;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload))
        .layer(DefaultBodyLimit::max(MAX_ROSTER_BYTES + 1024 * 1024))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RosterQuery {
    /// true：只检查并报告，不写入任何数据。
    #[serde(default)]
    dry_run: bool,
    /// 考试代码；不填为当前考试。
    exam: Option<String>,
}

/// What an import did, or would do (`dry_run`).
#[derive(Serialize, ToSchema)]
pub struct ReportJson {
    dry_run: bool,
    /// 读取的数据行数（含被拒绝的行）。
    rows: u64,
    created: u64,
    updated: u64,
    unchanged: u64,
    refused: u64,
    /// 各类别人数（类别代码 → 人数）。
    categories: BTreeMap<String, u64>,
    not_eligible: u64,
    /// 被拒绝的行：行号（与 Excel 中一致）、列名、原因。
    issues: Vec<IssueJson>,
    /// 超出列出上限、只计数的问题数。
    unlisted_issues: u64,
    /// 未使用的列。
    ignored_headers: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct IssueJson {
    row: u64,
    column: Option<String>,
    reason: String,
}

impl From<ImportReport> for ReportJson {
    fn from(r: ImportReport) -> Self {
        ReportJson {
            dry_run: r.dry_run,
            rows: r.rows,
            created: r.created,
            updated: r.updated,
            unchanged: r.unchanged,
            refused: r.refused,
            categories: r.categories,
            not_eligible: r.not_eligible,
            issues: r
                .issues
                .into_iter()
                .map(|i| IssueJson {
                    row: i.row,
                    column: i.column.map(str::to_string),
                    reason: i.reason,
                })
                .collect(),
            unlisted_issues: r.unlisted_issues,
            ignored_headers: r.ignored_headers,
        }
    }
}

fn unprocessable(text: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, text)
}

/// The file of the multipart body (field `file`).
async fn file_of(mut multipart: Multipart) -> Result<Vec<u8>, ApiError> {
    let broken = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            unprocessable("上传没有完成，请检查网络后重试。")
        }
    };
    while let Some(field) = multipart.next_field().await.map_err(broken)? {
        if field.name() != Some("file") {
            continue;
        }
        return match read_capped(field, MAX_ROSTER_BYTES).await.map_err(broken)? {
            Ok(bytes) if bytes.is_empty() => Err(unprocessable(
                "文件是空的。请选择从报名系统导出的考生名单文件后重新上传。",
            )),
            Ok(bytes) => Ok(bytes.to_vec()),
            Err(_) => Err(too_large()),
        };
    }
    Err(unprocessable(
        "请在 multipart 字段 file 中上传名单文件（Excel .xlsx 或 CSV）。",
    ))
}

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "文件超过 {} MB。请删除多余的工作表或列后重试，或用命令 shenhe import 导入。",
            MAX_ROSTER_BYTES / 1024 / 1024
        ),
    )
}

/// 导入考生名单（仅管理员；multipart 字段 `file`：Excel .xlsx 或 CSV，UTF-8 或 GBK，不超过
/// 50 MB）。`dry_run=true` 只检查并返回与命令行 `shenhe import --dry-run` 相同的报告，不写入；
/// 否则导入没有问题的行，被拒绝的行列在 `issues` 中。
#[utoipa::path(post, path = "/api/v1/admin/roster", tag = "管理", params(RosterQuery),
    request_body(content_type = "multipart/form-data", description = "字段 file：名单文件"),
    responses(
        (status = 200, body = ReportJson),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "没有这场考试", body = ErrorBody),
        (status = 409, description = "考试资料已清除", body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 422, description = "文件无法读取（没有表头、缺少必需的列等）", body = ErrorBody),
    ))]
pub async fn upload(
    State(state): State<AppState>,
    admin: ApiAdmin,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    query: Result<Query<RosterQuery>, QueryRejection>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Json<ReportJson>, ApiError> {
    let Ok(Query(query)) = query else {
        return Err(unprocessable(
            "查询参数不正确：dry_run 为 true 或 false，exam 为考试代码。",
        ));
    };
    let exam = match &query.exam {
        Some(code) => state.db.find_exam_by_code(code.trim()).await?,
        None => state.db.current_exam().await?,
    }
    .ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "没有这场考试：请用 exam 参数给出考试代码，或先设置当前考试。",
        )
    })?;
    if exam.purged_at.is_some() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "这场考试的资料已清除，不能再导入名单。",
        ));
    }
    let multipart = multipart
        .map_err(|_| unprocessable("请以 multipart/form-data 上传，文件放在字段 file 中。"))?;
    let bytes = file_of(multipart).await?;
    let report = match import_bytes(&state.db, &exam, bytes, query.dry_run).await? {
        Ok(report) => report,
        Err(unreadable) => return Err(unprocessable(unreadable.to_string())),
    };
    if !query.dry_run {
        state
            .db
            .record_audit(AuditEntry {
                actor: Actor::Staff(admin.0.staff_id),
                action: "roster_import",
                candidate_id: None,
                ip: state.client_ip(&headers, Some(peer)),
                detail: Some(serde_json::json!({
                    "exam": exam.code,
                    "rows": report.rows,
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                    "refused": report.refused,
                })),
            })
            .await?;
    }
    Ok(Json(report.into()))
}
