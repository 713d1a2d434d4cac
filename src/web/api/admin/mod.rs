//! Admin API under `/api/v1/admin`: the audit log and second-review disagreements here;
//! one module per area beside it, each adding its routes through `routes()`.

mod candidates;
mod exams;
mod export;
mod roster;
mod staff;
mod stats;

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use super::ApiQuery;
use super::auth::ErrorBody;
use crate::db::audit_search::{AuditFilter, AuditView, action_label};
use crate::db::review::Disagreement;
use crate::domain::window::beijing_day;
use crate::web::AppState;
use crate::web::error::ApiError;
use crate::web::session::ApiAdmin;

/// The admin areas' routes. Merged after the API's small-body limit, so each area sets
/// its own limit (the roster upload takes a file; everything else reads `ApiJson`, which is
/// bounded anyway).
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(exams::routes())
        .merge(roster::routes())
        .merge(candidates::routes())
        .merge(staff::routes())
        .merge(stats::routes())
        .merge(export::routes())
}

/// Entries per page of the audit log.
pub const AUDIT_PAGE: i64 = 100;

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// 工作人员用户名。
    pub staff: Option<String>,
    /// 考生身份证号、报名号或姓名。
    pub candidate: Option<String>,
    /// 操作代码，如 decided、image_viewed、login_failed。
    pub action: Option<String>,
    /// 起始日期（北京时间，含当天），如 2023-12-01。
    pub from: Option<String>,
    /// 截止日期（北京时间，含当天）。
    pub to: Option<String>,
    /// 翻页：上一页最后一条的编号。
    pub before_id: Option<i64>,
}

impl AuditQuery {
    /// The filter this query asks for; bad dates are the admin's 422.
    pub fn filter(&self) -> Result<AuditFilter, ApiError> {
        let text = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty() && v.chars().count() <= 100)
                .map(str::to_string)
        };
        let day = |v: &Option<String>| match text(v) {
            None => Ok(None),
            Some(d) => beijing_day(&d).map(Some).ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "日期格式不正确，请写成 2023-12-01 的形式。",
                )
            }),
        };
        Ok(AuditFilter {
            staff: text(&self.staff),
            candidate: text(&self.candidate).map(
                |c| {
                    if c.len() == 18 { c.to_uppercase() } else { c }
                },
            ),
            action: text(&self.action),
            from: day(&self.from)?,
            before: day(&self.to)?.map(|d| d + time::Duration::days(1)),
            before_id: self.before_id,
            limit: AUDIT_PAGE,
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct AuditJson {
    items: Vec<AuditItemJson>,
    /// 下一页的 before_id；没有更多时为空。
    next_before_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditItemJson {
    id: i64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    at: OffsetDateTime,
    /// staff | candidate | cli | anonymous
    actor_kind: String,
    actor_id: Option<i64>,
    actor_name: Option<String>,
    action: String,
    action_label: String,
    /// 考生编号（不含身份证号）。
    candidate_id: Option<i64>,
    candidate_name: Option<String>,
    ip: Option<String>,
    #[schema(value_type = Option<Object>)]
    detail: Option<serde_json::Value>,
}

impl From<AuditView> for AuditItemJson {
    fn from(v: AuditView) -> Self {
        AuditItemJson {
            id: v.id,
            at: v.at,
            actor_kind: v.actor_kind,
            actor_id: v.actor_id,
            actor_name: v.actor_name,
            action_label: action_label(&v.action).to_string(),
            action: v.action,
            candidate_id: v.candidate_id,
            candidate_name: v.candidate_name,
            ip: v.ip,
            detail: v.detail.and_then(|d| serde_json::from_str(&d).ok()),
        }
    }
}

/// 查询审计日志（仅管理员），最新的在前，每页 100 条。
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "管理", params(AuditQuery),
    responses(
        (status = 200, body = AuditJson),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, description = "日期格式不正确", body = ErrorBody),
    ))]
pub async fn audit(
    State(state): State<AppState>,
    _admin: ApiAdmin,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<axum::Json<AuditJson>, ApiError> {
    let filter = query.filter()?;
    let items = state.db.search_audit(&filter).await?;
    let next_before_id = (items.len() as i64 == AUDIT_PAGE)
        .then(|| items.last().map(|i| i.id))
        .flatten();
    Ok(axum::Json(AuditJson {
        items: items.into_iter().map(AuditItemJson::from).collect(),
        next_before_id,
    }))
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
