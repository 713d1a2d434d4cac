//! Admin API: the audit log. The filters without personal data may be a query string; a
//! candidate filter (an ID number, 报名号 or name) goes only in a POST body. Every search is
//! itself recorded (`audit_searched`, by its shape).

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::candidates::AdminStaff;
use crate::db::audit_search::{AuditFilter, AuditView, action_label};
use crate::domain::search::{MAX_SEARCH_CHARS, person_search, search_field};
use crate::domain::window::beijing_day;
use crate::web::AppState;
use crate::web::api::auth::ErrorBody;
use crate::web::api::{ApiJson, ApiQuery};
use crate::web::error::ApiError;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(audit))
        .routes(routes!(search))
}

/// Entries per page of the audit log.
pub const AUDIT_PAGE: i64 = 100;

/// The audit log's filters as sent (a POST body; the page's form reads into it too).
#[derive(Deserialize, ToSchema, Default, Clone)]
pub struct AuditSearch {
    /// 工作人员用户名。
    #[serde(default)]
    pub staff: Option<String>,
    /// 考生身份证号、报名号或姓名（完整输入）。
    #[serde(default)]
    pub candidate: Option<String>,
    /// 操作代码，如 decided、image_viewed、login_failed。
    #[serde(default)]
    pub action: Option<String>,
    /// 起始日期（北京时间，含当天），如 2023-12-01。
    #[serde(default)]
    pub from: Option<String>,
    /// 截止日期（北京时间，含当天）。
    #[serde(default)]
    pub to: Option<String>,
    /// 翻页：上一页最后一条的编号。
    #[serde(default)]
    pub before_id: Option<i64>,
}

/// The filters a URL may carry: everything but the candidate.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// 工作人员用户名。
    staff: Option<String>,
    /// Refused: a candidate filter is personal data (see [`search`]).
    #[param(ignore)]
    candidate: Option<String>,
    /// 操作代码，如 decided、image_viewed、login_failed。
    action: Option<String>,
    /// 起始日期（北京时间，含当天），如 2023-12-01。
    from: Option<String>,
    /// 截止日期（北京时间，含当天）。
    to: Option<String>,
    /// 翻页：上一页最后一条的编号。
    before_id: Option<i64>,
}

impl AuditSearch {
    /// The filter this search asks for; a field over 100 characters, a control character
    /// or a bad date is the admin's 422 (never a filter silently left out).
    pub fn filter(&self) -> Result<AuditFilter, ApiError> {
        let unprocessable = |m: String| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, m);
        let field = |name: &'static str, value: &Option<String>| {
            search_field(name, value.as_deref(), MAX_SEARCH_CHARS)
                .map_err(|refusal| unprocessable(refusal.to_string()))
        };
        let day = |name: &'static str, value: &Option<String>| match field(name, value)? {
            None => Ok(None),
            Some(d) => beijing_day(&d).map(Some).ok_or_else(|| {
                unprocessable("日期格式不正确，请写成 2023-12-01 的形式。".to_string())
            }),
        };
        Ok(AuditFilter {
            staff: field("工作人员用户名", &self.staff)?,
            candidate: field("考生", &self.candidate)?.map(person_search),
            action: field("操作", &self.action)?,
            from: day("日期从", &self.from)?,
            before: day("日期至", &self.to)?.map(|d| d + time::Duration::days(1)),
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

/// 查询审计日志（仅管理员），最新的在前，每页 100 条。按考生查询请用 POST /api/v1/admin/audit/search。
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "管理", params(AuditQuery),
    responses(
        (status = 200, body = AuditJson),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, description = "条件不正确（日期格式、超过 100 个字、控制字符），或带了考生条件", body = ErrorBody),
    ))]
pub async fn audit(
    State(state): State<AppState>,
    admin: AdminStaff,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<axum::Json<AuditJson>, ApiError> {
    if query
        .candidate
        .as_deref()
        .is_some_and(|c| !c.trim().is_empty())
    {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "考生条件（身份证号、报名号或姓名）不能放在网址中：请用 POST /api/v1/admin/audit/search，在 JSON 请求体中发送 candidate。",
        ));
    }
    let fields = AuditSearch {
        staff: query.staff,
        candidate: None,
        action: query.action,
        from: query.from,
        to: query.to,
        before_id: query.before_id,
    };
    answer(&state, &admin, &fields).await
}

/// 查询审计日志（仅管理员），条件在请求体中，可按考生（身份证号、报名号或姓名）查询。
#[utoipa::path(post, path = "/api/v1/admin/audit/search", tag = "管理", request_body = AuditSearch,
    responses(
        (status = 200, body = AuditJson),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, description = "条件不正确（日期格式、超过 100 个字、控制字符）", body = ErrorBody),
    ))]
pub async fn search(
    State(state): State<AppState>,
    admin: AdminStaff,
    ApiJson(fields): ApiJson<AuditSearch>,
) -> Result<axum::Json<AuditJson>, ApiError> {
    answer(&state, &admin, &fields).await
}

async fn answer(
    state: &AppState,
    AdminStaff(who): &AdminStaff,
    fields: &AuditSearch,
) -> Result<axum::Json<AuditJson>, ApiError> {
    let filter = fields.filter()?;
    let items = state
        .db
        .search_audit_as(&filter, who.staff_id, who.ip.clone())
        .await?;
    let next_before_id = (items.len() as i64 == AUDIT_PAGE)
        .then(|| items.last().map(|i| i.id))
        .flatten();
    Ok(axum::Json(AuditJson {
        items: items.into_iter().map(AuditItemJson::from).collect(),
        next_before_id,
    }))
}
