//! Admin API: staff accounts and the run-time settings. A one-time password is in the
//! answer that made it, once.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::staff::{StaffAdmin, StaffError};
use crate::db::audit::Actor;
use crate::db::settings::ReviewSettings;
use crate::db::staff::{Role, StaffRow, StaffSummary};
use crate::web::AppState;
use crate::web::api::auth::ErrorBody;
use crate::web::api::{ApiJson, ApiPath};
use crate::web::error::ApiError;
use crate::web::session::ApiAdmin;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(disable))
        .routes(routes!(enable))
        .routes(routes!(reset_password))
        .routes(routes!(reset_totp))
        .routes(routes!(set_role))
        .routes(routes!(settings, save_settings))
}

impl From<StaffError> for ApiError {
    fn from(error: StaffError) -> Self {
        let status = match &error {
            StaffError::BadUsername(_) => StatusCode::UNPROCESSABLE_ENTITY,
            StaffError::Taken(_) | StaffError::OwnAccount | StaffError::LastAdmin => {
                StatusCode::CONFLICT
            }
            StaffError::NotFound => StatusCode::NOT_FOUND,
            StaffError::Internal(e) => return ApiError::internal(e),
        };
        ApiError::new(status, error.to_string())
    }
}

/// The acting admin as the account service knows them.
pub struct Admin(StaffAdmin);

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let ApiAdmin(staff) = ApiAdmin::from_request_parts(parts, state).await?;
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| *peer);
        Ok(Admin(StaffAdmin {
            db: state.db.clone(),
            actor: Actor::Staff(staff.staff_id),
            ip: state.client_ip(&parts.headers, peer),
        }))
    }
}

#[derive(Serialize, ToSchema)]
pub struct StaffJson {
    id: i64,
    username: String,
    /// reviewer | admin
    role: String,
    totp_enabled: bool,
    disabled: bool,
    must_change_password: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    last_sign_in: Option<OffsetDateTime>,
}

impl From<StaffSummary> for StaffJson {
    fn from(s: StaffSummary) -> Self {
        StaffJson {
            id: s.id,
            username: s.username,
            role: s.role,
            totp_enabled: s.totp_enabled,
            disabled: s.disabled,
            must_change_password: s.must_change_password,
            last_sign_in: s.last_sign_in,
        }
    }
}

/// 工作人员账号列表（仅管理员）。
#[utoipa::path(get, path = "/api/v1/admin/staff", tag = "管理",
    responses(
        (status = 200, body = Vec<StaffJson>),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    _admin: ApiAdmin,
) -> Result<axum::Json<Vec<StaffJson>>, ApiError> {
    let rows = state.db.list_staff().await?;
    Ok(axum::Json(rows.into_iter().map(Into::into).collect()))
}

#[derive(Deserialize, ToSchema)]
pub struct NewStaff {
    /// 3–32 个英文字母、数字或 _ . -，不能恰好 18 个字符。
    username: String,
    /// reviewer（审核员）或 admin（管理员）。
    role: String,
}

#[derive(Serialize, ToSchema)]
pub struct OneTimePassword {
    id: i64,
    username: String,
    /// 一次性初始密码：只返回这一次，首次登录后须修改。
    password: String,
}

impl OneTimePassword {
    fn of(staff: StaffRow, password: String) -> Self {
        OneTimePassword {
            id: staff.id,
            username: staff.username,
            password,
        }
    }
}

fn role(text: &str) -> Result<Role, ApiError> {
    Role::parse(text).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "role 须为 reviewer（审核员）或 admin（管理员）。",
        )
    })
}

/// 添加工作人员，返回一次性初始密码（仅管理员，记入审计日志）。
#[utoipa::path(post, path = "/api/v1/admin/staff", tag = "管理", request_body = NewStaff,
    responses(
        (status = 201, body = OneTimePassword),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "用户名已存在", body = ErrorBody),
        (status = 422, description = "用户名或角色不正确", body = ErrorBody),
    ))]
pub async fn create(
    Admin(admin): Admin,
    ApiJson(body): ApiJson<NewStaff>,
) -> Result<(StatusCode, axum::Json<OneTimePassword>), ApiError> {
    let role = role(&body.role)?;
    let (staff, password) = admin.create(body.username.trim(), role).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(OneTimePassword::of(staff, password)),
    ))
}

/// 停用账号，其登录立即全部退出（不能停用自己或最后一位管理员）。
#[utoipa::path(post, path = "/api/v1/admin/staff/{id}/disable", tag = "管理",
    params(("id" = i64, Path, description = "工作人员编号")),
    responses(
        (status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "自己的账号或最后一位管理员", body = ErrorBody),
    ))]
pub async fn disable(
    Admin(admin): Admin,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    admin.set_disabled(id, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 启用已停用的账号。
#[utoipa::path(post, path = "/api/v1/admin/staff/{id}/enable", tag = "管理",
    params(("id" = i64, Path, description = "工作人员编号")),
    responses(
        (status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn enable(
    Admin(admin): Admin,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    admin.set_disabled(id, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 重置密码：返回新的一次性初始密码，其登录全部退出；两步验证保留。
#[utoipa::path(post, path = "/api/v1/admin/staff/{id}/reset-password", tag = "管理",
    params(("id" = i64, Path, description = "工作人员编号")),
    responses(
        (status = 200, body = OneTimePassword), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "自己的账号（请用“修改密码”）", body = ErrorBody),
    ))]
pub async fn reset_password(
    Admin(admin): Admin,
    ApiPath(id): ApiPath<i64>,
) -> Result<axum::Json<OneTimePassword>, ApiError> {
    let (staff, password) = admin.reset_password(id).await?;
    Ok(axum::Json(OneTimePassword::of(staff, password)))
}

/// 重置两步验证（手机丢失时）：两步验证关闭，其登录全部退出。
#[utoipa::path(post, path = "/api/v1/admin/staff/{id}/reset-totp", tag = "管理",
    params(("id" = i64, Path, description = "工作人员编号")),
    responses(
        (status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "自己的账号（请在“两步验证”页面修改）", body = ErrorBody),
    ))]
pub async fn reset_totp(
    Admin(admin): Admin,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    admin.reset_totp(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct RoleBody {
    /// reviewer（审核员）或 admin（管理员）。
    role: String,
}

/// 修改角色，下一次请求起生效（不能取消自己或最后一位管理员的管理员角色）。
#[utoipa::path(post, path = "/api/v1/admin/staff/{id}/role", tag = "管理",
    params(("id" = i64, Path, description = "工作人员编号")), request_body = RoleBody,
    responses(
        (status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "自己的账号或最后一位管理员", body = ErrorBody),
        (status = 422, description = "角色不正确", body = ErrorBody),
    ))]
pub async fn set_role(
    Admin(admin): Admin,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<RoleBody>,
) -> Result<StatusCode, ApiError> {
    admin.set_role(id, role(&body.role)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct SettingsJson {
    /// 要求所有工作人员启用两步验证。
    totp_required: bool,
    /// 审核通过的考生中随机复核的百分比，0–100（审核不通过的全部复核）。
    second_review_percent: f64,
}

impl From<ReviewSettings> for SettingsJson {
    fn from(s: ReviewSettings) -> Self {
        SettingsJson {
            totp_required: s.totp_required,
            second_review_percent: (s.second_review_share * 1000.0).round() / 10.0,
        }
    }
}

/// 系统设置（仅管理员）。
#[utoipa::path(get, path = "/api/v1/admin/settings", tag = "管理",
    responses(
        (status = 200, body = SettingsJson),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ))]
pub async fn settings(
    State(state): State<AppState>,
    _admin: ApiAdmin,
) -> Result<axum::Json<SettingsJson>, ApiError> {
    Ok(axum::Json(state.db.review_settings().await?.into()))
}

/// 修改系统设置，立即生效（仅管理员，记入审计日志）。
#[utoipa::path(put, path = "/api/v1/admin/settings", tag = "管理", request_body = SettingsJson,
    responses(
        (status = 200, body = SettingsJson),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, description = "复核比例不在 0–100 之间", body = ErrorBody),
    ))]
pub async fn save_settings(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(body): ApiJson<SettingsJson>,
) -> Result<axum::Json<SettingsJson>, ApiError> {
    let percent = body.second_review_percent;
    if !(percent.is_finite() && (0.0..=100.0).contains(&percent)) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "second_review_percent 须为 0 到 100 之间的数字，如 10。",
        ));
    }
    let wanted = ReviewSettings {
        totp_required: body.totp_required,
        second_review_share: percent / 100.0,
    };
    state
        .db
        .save_review_settings(wanted, admin.actor, admin.ip)
        .await?;
    Ok(axum::Json(state.db.review_settings().await?.into()))
}
