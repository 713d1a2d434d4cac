//! Server-side sessions in an HttpOnly cookie, and the extractors that put permissions in a
//! handler's signature: an [`ApiCandidate`] can only exist for a signed-in candidate who has
//! replaced the initial password, on a request that passed the CSRF check.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use time::Duration;

use super::AppState;
use super::error::ApiError;
use crate::auth::{same_secret, token_hash};
use crate::db::accounts::Account;

pub const SESSION_COOKIE: &str = "shenhe_session";
/// The header a script sends the CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// A session ends after this long without a request.
pub const IDLE_TIMEOUT: Duration = Duration::minutes(30);
/// Activity is written at most this often (not on every request).
const TOUCH_EVERY: Duration = Duration::minutes(1);

/// A live session.
#[derive(Debug, Clone)]
pub struct Session {
    pub token_hash: String,
    pub account: Account,
    pub csrf: String,
    /// Still the initial password: only the password change and sign-out are open.
    pub must_change_password: bool,
}

impl Session {
    pub fn candidate_id(&self) -> Option<i64> {
        match self.account {
            Account::Candidate(id) => Some(id),
            Account::Staff(_) => None,
        }
    }

    pub fn csrf_matches(&self, sent: &str) -> bool {
        same_secret(&self.csrf, sent)
    }
}

/// The session the request's cookie names, if it is live.
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
    let Some(row) = state.db.find_session(&hash, now - IDLE_TIMEOUT).await? else {
        return Ok(None);
    };
    if now - row.last_seen_at > TOUCH_EVERY {
        state.db.touch_session(&hash, now).await?;
    }
    Ok(row.account().map(|account| Session {
        token_hash: hash,
        account,
        csrf: row.csrf_token,
        must_change_password: row.must_change_password,
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
            return Err(
                ApiError::new(StatusCode::FORBIDDEN, "请先修改初始密码，再进行其他操作。")
                    .with("must_change_password", serde_json::Value::Bool(true)),
            );
        }
        Ok(ApiCandidate {
            session,
            candidate_id,
        })
    }
}
