//! Server-side sessions in an HttpOnly cookie, and the extractors that put permissions in a
//! handler's signature: an [`ApiCandidate`] can only exist for a signed-in candidate who has
//! replaced the initial password, an [`ApiStaff`] for a staff member whose password and
//! second factor are in order, an [`ApiAdmin`] for an admin; each on a request that passed
//! the CSRF check.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde_json::Value;
use time::Duration;

use super::AppState;
use super::error::ApiError;
use crate::auth::{same_secret, token_hash};
use crate::config::WebSettings;
use crate::db::accounts::Account;
use crate::db::staff::Role;

pub const SESSION_COOKIE: &str = "shenhe_session";
/// The header a script sends the CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// A candidate's session ends after this long without a request.
pub const IDLE_TIMEOUT: Duration = Duration::minutes(30);
/// Activity is written at most this often (not on every request).
const TOUCH_EVERY: Duration = Duration::minutes(1);

/// A staff member's session ends after this long without a request (`--staff-idle-minutes`).
pub fn staff_idle_timeout(settings: &WebSettings) -> Duration {
    Duration::minutes(i64::from(settings.staff_idle_minutes))
}

/// The longest any session may be idle: what the sweep may delete after.
pub fn longest_idle(settings: &WebSettings) -> Duration {
    IDLE_TIMEOUT.max(staff_idle_timeout(settings))
}

/// A live session.
#[derive(Debug, Clone)]
pub struct Session {
    pub token_hash: String,
    pub account: Account,
    pub csrf: String,
    /// Still the initial password: only the password change and sign-out are open.
    pub must_change_password: bool,
    /// A staff member without a second factor while an admin requires one: only TOTP
    /// enrollment, the password change and sign-out are open.
    pub must_enroll_totp: bool,
    /// A staff member's role and username as the database has them now.
    pub staff_role: Option<Role>,
    pub staff_username: Option<String>,
}

impl Session {
    pub fn candidate_id(&self) -> Option<i64> {
        match self.account {
            Account::Candidate(id) => Some(id),
            Account::Staff(_) => None,
        }
    }

    pub fn staff_id(&self) -> Option<i64> {
        match self.account {
            Account::Staff(id) => Some(id),
            Account::Candidate(_) => None,
        }
    }

    pub fn csrf_matches(&self, sent: &str) -> bool {
        same_secret(&self.csrf, sent)
    }
}

/// The session the request's cookie names, if it is live: a candidate's seen in the last
/// 30 minutes, a staff member's within `--staff-idle-minutes` and not disabled.
pub async fn load_session(
    state: &AppState,
    headers: &HeaderMap,
) -> anyhow::Result<Option<Session>> {
    let jar = CookieJar::from_headers(headers);
    let Some(token) = jar.get(SESSION_COOKIE).map(Cookie::value) else {
        return Ok(None);
    };
    if token.is_empty() || token.len() > 128 {
        return Ok(None);
    }
    let hash = token_hash(token);
    let now = crate::db::now();
    let staff_idle = staff_idle_timeout(&state.settings);
    let Some(row) = state
        .db
        .find_session(&hash, now - IDLE_TIMEOUT, now - staff_idle)
        .await?
    else {
        return Ok(None);
    };
    let Some(account) = row.account() else {
        return Ok(None);
    };
    let staff_role = row.staff_role.as_deref().and_then(Role::parse);
    if matches!(account, Account::Staff(_)) && staff_role.is_none() {
        return Ok(None);
    }
    if now - row.last_seen_at > TOUCH_EVERY {
        state.db.touch_session(&hash, now).await?;
    }
    Ok(Some(Session {
        token_hash: hash,
        account,
        csrf: row.csrf_token,
        must_change_password: row.must_change_password,
        must_enroll_totp: row.must_enroll_totp,
        staff_role,
        staff_username: row.staff_username,
    }))
}

/// The cookie that carries a new session token.
pub fn session_cookie(state: &AppState, headers: &HeaderMap, token: String) -> Cookie<'static> {
    let mut cookie = Cookie::new(SESSION_COOKIE, token);
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Lax);
    cookie.set_path("/");
    cookie.set_secure(secure(state, headers));
    cookie
}

/// A cookie that clears the session cookie in the browser.
pub fn clearing_cookie() -> Cookie<'static> {
    let mut cookie = Cookie::from(SESSION_COOKIE);
    cookie.set_path("/");
    cookie.make_removal();
    cookie
}

/// Cookies are `Secure` when configured, or when a proxy says the request came over https.
pub fn secure(state: &AppState, headers: &HeaderMap) -> bool {
    state.settings.secure_cookies
        || headers
            .get("x-forwarded-proto")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"))
}

/// Any signed-in account, on a request that passed the CSRF check (a state change must
/// carry the session's token in `X-CSRF-Token`).
pub struct ApiSession(pub Session);

impl FromRequestParts<AppState> for ApiSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let session = load_session(state, &parts.headers)
            .await?
            .ok_or_else(ApiError::signed_out)?;
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !session.csrf_matches(sent) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "页面已过期，请刷新页面后重试。",
                ));
            }
        }
        Ok(ApiSession(session))
    }
}

fn must_change_password() -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "请先修改初始密码，再进行其他操作。")
        .with("must_change_password", Value::Bool(true))
}

/// A signed-in candidate who has replaced the initial password.
pub struct ApiCandidate {
    pub session: Session,
    pub candidate_id: i64,
}

impl FromRequestParts<AppState> for ApiCandidate {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let ApiSession(session) = ApiSession::from_request_parts(parts, state).await?;
        let Some(candidate_id) = session.candidate_id() else {
            return Err(ApiError::new(StatusCode::FORBIDDEN, "此功能仅供考生使用。"));
        };
        if session.must_change_password {
            return Err(must_change_password());
        }
        Ok(ApiCandidate {
            session,
            candidate_id,
        })
    }
}

/// A signed-in staff member (reviewer or admin) who has replaced the initial password and,
/// when an admin requires it, set up the second factor.
pub struct ApiStaff {
    pub session: Session,
    pub staff_id: i64,
    pub role: Role,
}

/// A staff member setting up their own account: like [`ApiStaff`], but open while the
/// second factor still has to be set up (for enrollment itself).
pub struct ApiStaffSetup(pub ApiStaff);

/// An admin.
#[allow(dead_code, reason = "for the admin routes")]
pub struct ApiAdmin(pub ApiStaff);

impl ApiStaff {
    #[allow(dead_code, reason = "for the admin routes")]
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    async fn from_parts(
        parts: &mut Parts,
        state: &AppState,
        enrolling: bool,
    ) -> Result<ApiStaff, ApiError> {
        let ApiSession(session) = ApiSession::from_request_parts(parts, state).await?;
        let (Some(staff_id), Some(role)) = (session.staff_id(), session.staff_role) else {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "此功能仅供工作人员使用。",
            ));
        };
        if session.must_change_password {
            return Err(must_change_password());
        }
        if session.must_enroll_totp && !enrolling {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "管理员要求启用两步验证：请先设置动态验证码，再进行其他操作。",
            )
            .with("must_enroll_totp", Value::Bool(true)));
        }
        Ok(ApiStaff {
            session,
            staff_id,
            role,
        })
    }
}

impl FromRequestParts<AppState> for ApiStaff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        ApiStaff::from_parts(parts, state, false).await
    }
}

impl FromRequestParts<AppState> for ApiStaffSetup {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        ApiStaff::from_parts(parts, state, true)
            .await
            .map(ApiStaffSetup)
    }
}

impl FromRequestParts<AppState> for ApiAdmin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let staff = ApiStaff::from_parts(parts, state, false).await?;
        if !staff.is_admin() {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "此功能仅供管理员使用。",
            ));
        }
        Ok(ApiAdmin(staff))
    }
}
