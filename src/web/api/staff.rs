//! A staff member's own account: who am I, and the TOTP second factor (enroll, confirm,
//! turn off).

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ApiJson;
use super::auth::ErrorBody;
use crate::auth::two_factor;
use crate::web::AppState;
use crate::web::error::ApiError;
use crate::web::session::{ApiStaff, ApiStaffSetup};
use crate::web::signin::{self, two_factor_refusal};

#[derive(Serialize, ToSchema)]
pub struct StaffMe {
    username: String,
    /// reviewer | admin
    role: &'static str,
    /// 已启用两步验证（动态验证码）。
    totp_enabled: bool,
}

/// 当前工作人员的账号信息。
#[utoipa::path(get, path = "/api/v1/staff/me", tag = "工作人员",
    responses(
        (status = 200, body = StaffMe),
        (status = 401, body = ErrorBody),
        (status = 403, description = "非工作人员；或须先修改初始密码（`must_change_password`）、先设置两步验证（`must_enroll_totp`）", body = ErrorBody),
    ))]
pub async fn me(State(state): State<AppState>, staff: ApiStaff) -> Result<Json<StaffMe>, ApiError> {
    let totp = state
        .db
        .staff_totp(staff.staff_id)
        .await?
        .unwrap_or_default();
    Ok(Json(StaffMe {
        username: staff.session.staff_username.clone().unwrap_or_default(),
        role: staff.role.as_str(),
        totp_enabled: totp.totp_secret.is_some(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct TotpEnrollment {
    /// 密钥（Base32），可手动输入验证器应用。
    secret: String,
    /// `otpauth://` 地址，即二维码的内容。
    otpauth_uri: String,
}

/// 开始设置两步验证：生成新的密钥（确认之前不生效）。
#[utoipa::path(post, path = "/api/v1/staff/totp", tag = "工作人员",
    responses(
        (status = 200, body = TotpEnrollment),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 409, description = "两步验证已启用", body = ErrorBody),
    ))]
pub async fn start_totp(
    State(state): State<AppState>,
    ApiStaffSetup(staff): ApiStaffSetup,
) -> Result<Json<TotpEnrollment>, ApiError> {
    let username = staff.session.staff_username.as_deref().unwrap_or_default();
    let enrollment = two_factor::start_enrollment(&state.db, staff.staff_id, username, false)
        .await
        .map_err(two_factor_refusal)?;
    Ok(Json(TotpEnrollment {
        secret: enrollment.secret,
        otpauth_uri: enrollment.otpauth_uri,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct TotpCode {
    /// 验证器显示的 6 位动态验证码。
    code: String,
}

/// 确认两步验证：输入验证器显示的第一个验证码后启用。
#[utoipa::path(post, path = "/api/v1/staff/totp/confirm", tag = "工作人员", request_body = TotpCode,
    responses(
        (status = 204),
        (status = 409, description = "没有待确认的密钥，或已启用", body = ErrorBody),
        (status = 422, description = "验证码不正确", body = ErrorBody),
    ))]
pub async fn confirm_totp(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiStaffSetup(staff): ApiStaffSetup,
    ApiJson(request): ApiJson<TotpCode>,
) -> Result<StatusCode, ApiError> {
    two_factor::confirm_enrollment(&state.db, staff.staff_id, &request.code)
        .await
        .map_err(two_factor_refusal)?;
    let ip = state.client_ip(&headers, Some(peer));
    signin::audit(&state, staff.session.account, "totp_enrolled", ip);
    Ok(StatusCode::NO_CONTENT)
}

/// 关闭两步验证（管理员要求启用时不能关闭）。须输入当前的动态验证码。
#[utoipa::path(post, path = "/api/v1/staff/totp/disable", tag = "工作人员", request_body = TotpCode,
    responses(
        (status = 204),
        (status = 403, description = "管理员要求启用两步验证", body = ErrorBody),
        (status = 409, description = "尚未启用", body = ErrorBody),
        (status = 422, description = "验证码不正确（计入登录失败次数）", body = ErrorBody),
        (status = 429, description = "失败次数过多，账号暂时锁定", body = ErrorBody),
    ))]
pub async fn disable_totp(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    staff: ApiStaff,
    ApiJson(request): ApiJson<TotpCode>,
) -> Result<StatusCode, ApiError> {
    let ip = state.client_ip(&headers, Some(peer));
    match two_factor::turn_off(&state.db, staff.staff_id, &request.code).await {
        Ok(()) => {
            signin::audit(&state, staff.session.account, "totp_disabled", ip);
            Ok(StatusCode::NO_CONTENT)
        }
        Err(error) => {
            if matches!(error, two_factor::TwoFactorError::WrongCode) {
                signin::audit(&state, staff.session.account, "totp_failed", ip);
            }
            Err(two_factor_refusal(error))
        }
    }
}
