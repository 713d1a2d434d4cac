//! Sign in, sign out, change password.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ApiJson;
use crate::web::AppState;
use crate::web::error::ApiError;
use crate::web::session::{ApiSession, CSRF_HEADER, clearing_cookie};
use crate::web::signin;

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    /// 考生：身份证号；工作人员：用户名。
    account: String,
    /// 初始密码为报名时填写的电子邮箱。
    password: String,
    /// 工作人员已启用两步验证时：验证器显示的 6 位动态验证码（每个验证码只能使用一次）。
    #[serde(default)]
    totp: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// candidate | reviewer | admin
    role: String,
    /// 仍在使用初始密码，须先修改密码。
    must_change_password: bool,
    /// 工作人员：管理员要求启用两步验证而尚未设置，须先设置（`POST /api/v1/staff/totp`）。
    must_enroll_totp: bool,
    /// 之后的状态变更请求须放在 `X-CSRF-Token` 头中。
    csrf_token: String,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// 给用户看的说明。
    error: String,
}

/// 登录。成功后设置会话 Cookie。
#[utoipa::path(post, path = "/api/v1/login", tag = "账号", request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 401, description = "身份证号（用户名）或密码不正确；工作人员缺少或输错动态验证码时另有 `\"totp_required\": true`", body = ErrorBody),
        (status = 422, description = "账号或密码中含有控制字符", body = ErrorBody),
        (status = 429, description = "此地址的登录尝试过于频繁（见 Retry-After）", body = ErrorBody),
        (status = 503, description = "系统繁忙（见 Retry-After）", body = ErrorBody),
    ))]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    jar: CookieJar,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let started = signin::start(
        &state,
        &headers,
        Some(peer),
        &request.account,
        &request.password,
        request.totp.as_deref(),
    )
    .await?;
    let body = LoginResponse {
        role: started.signed_in.role,
        must_change_password: started.signed_in.must_change_password,
        must_enroll_totp: started.signed_in.must_enroll_totp,
        csrf_token: started.csrf,
    };
    let jar = jar.add(started.cookie).add(started.device);
    Ok((jar, axum::Json(body)).into_response())
}

/// 退出登录：会话在服务器端结束。
#[utoipa::path(post, path = "/api/v1/logout", tag = "账号",
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
    ApiSession(session): ApiSession,
) -> Result<Response, ApiError> {
    signin::end(&state, &session).await?;
    Ok((jar.add(clearing_cookie()), StatusCode::NO_CONTENT).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordRequest {
    /// 当前密码（尚未修改时为报名邮箱）。
    current: String,
    /// 新密码：默认至少 8 位，须同时包含字母和数字，不能与身份证号或邮箱相同。
    new: String,
}

/// 修改密码。所有设备上的登录随之失效，本次会话换用新的会话 Cookie 和新的 CSRF 令牌
/// （在响应头 `X-CSRF-Token` 中，之后的请求须使用新令牌）。
#[utoipa::path(post, path = "/api/v1/password", tag = "账号", request_body = PasswordRequest,
    responses(
        (status = 204, headers(("x-csrf-token" = String, description = "新的 CSRF 令牌"))),
        (status = 422, description = "当前密码不正确，或新密码不符合要求", body = ErrorBody),
        (status = 429, description = "修改密码的尝试过于频繁（见 Retry-After）", body = ErrorBody),
    ))]
pub async fn change_password(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    jar: CookieJar,
    ApiSession(session): ApiSession,
    ApiJson(request): ApiJson<PasswordRequest>,
) -> Result<Response, ApiError> {
    let rotated = signin::change_password(
        &state,
        &session,
        &headers,
        Some(peer),
        &request.current,
        &request.new,
    )
    .await?;
    let csrf = [(CSRF_HEADER, rotated.csrf)];
    Ok((jar.add(rotated.cookie), csrf, StatusCode::NO_CONTENT).into_response())
}
