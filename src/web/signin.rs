//! Starting and ending sessions, shared by the JSON API and the pages.

use std::net::SocketAddr;

use axum::http::{HeaderMap, StatusCode};
use axum_extra::extract::cookie::Cookie;

use super::AppState;
use super::error::ApiError;
use super::session::{Session, load_session, session_cookie};
use crate::auth::{Busy, SignIn, SignedIn, new_token, sign_in, token_hash};
use crate::db::accounts::Account;
use crate::db::audit::{Actor, AuditEntry};
use crate::domain::password::is_initial_password;
use crate::domain::window::beijing;

/// A new session: who, its cookie, and its CSRF token.
pub struct Started {
    pub signed_in: SignedIn,
    pub cookie: Cookie<'static>,
    pub csrf: String,
}

/// Checks the password and starts a session with a fresh token (a token the browser had
/// before is ended, so it cannot be fixed in advance by someone else).
pub async fn start(
    state: &AppState,
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
    account: &str,
    password: &str,
) -> Result<Started, ApiError> {
    let ip = state.throttle.client_ip(headers, peer);
    if let Err(wait) = state.throttle.check(ip) {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "登录尝试过于频繁，请稍后再试。",
        )
        .retry_after(wait.as_secs() + 1));
    }
    if account.len() > 64 || password.len() > 256 {
        return Err(wrong());
    }
    let signed_in = match sign_in(&state.db, &state.passwords, account, password).await? {
        SignIn::Ok(signed_in) => signed_in,
        SignIn::Wrong => return Err(wrong()),
        SignIn::Busy => return Err(ApiError::busy()),
        SignIn::Locked { until } => {
            let wait = (until - crate::db::now()).whole_seconds().max(1) as u64;
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "密码连续输错次数过多，账号已暂时锁定，请于 {}（北京时间）后再试。",
                    beijing(until)
                ),
            )
            .with("locked_until", serde_json::json!(until.unix_timestamp()))
            .retry_after(wait));
        }
    };
    if let Some(old) = load_session(state, headers).await? {
        state.db.delete_session(&old.token_hash).await?;
    }
    let token = new_token();
    let csrf = new_token();
    state
        .db
        .create_session(
            &token_hash(&token),
            signed_in.account,
            &csrf,
            crate::db::now(),
        )
        .await?;
    audit(
        state,
        signed_in.account,
        "signed_in",
        ip.map(|ip| ip.to_string()),
    );
    Ok(Started {
        cookie: session_cookie(state, headers, token),
        signed_in,
        csrf,
    })
}

/// Ends a session on the server.
pub async fn end(state: &AppState, session: &Session) -> Result<(), ApiError> {
    state.db.delete_session(&session.token_hash).await?;
    audit(state, session.account, "signed_out", None);
    Ok(())
}

fn wrong() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "身份证号（或用户名）或密码不正确。初始密码为报名时填写的电子邮箱。",
    )
}

/// Writes an audit entry after the response, so the sign-in does not wait for it.
pub fn audit(state: &AppState, account: Account, action: &'static str, ip: Option<String>) {
    let (actor, candidate_id) = match account {
        Account::Candidate(id) => (Actor::Candidate(id), Some(id)),
        Account::Staff(id) => (Actor::Staff(id), None),
    };
    let entry = AuditEntry {
        actor,
        action,
        candidate_id,
        ip,
        detail: None,
    };
    state.db.record_audit_later(entry);
}

/// Replaces the password after checking the current one (the email, while it is still the
/// initial password) and the policy; other sessions of the account end.
pub async fn change_password(
    state: &AppState,
    session: &Session,
    current: &str,
    new: &str,
) -> Result<(), ApiError> {
    let (hash, id_number, email) = match session.account {
        Account::Candidate(id) => {
            let login = state
                .db
                .find_candidate_login_by_id(id)
                .await?
                .ok_or_else(ApiError::signed_out)?;
            (login.password_hash, login.id_number, login.email)
        }
        Account::Staff(id) => {
            let login = state
                .db
                .find_staff_login_by_id(id)
                .await?
                .ok_or_else(ApiError::signed_out)?;
            (Some(login.password_hash), login.username, String::new())
        }
    };
    let unprocessable = |message: String| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, message);
    let verified = match state.passwords.verify(current, hash.as_deref()).await {
        Err(Busy) => return Err(ApiError::busy()),
        Ok(result) => result?,
    };
    if !(verified || (hash.is_none() && is_initial_password(current, &email))) {
        return Err(unprocessable("当前密码不正确，请重新输入。".to_string()));
    }
    state
        .policy
        .check(new, &id_number, &email)
        .map_err(unprocessable)?;
    let new_hash = match state.passwords.hash(new).await {
        Err(Busy) => return Err(ApiError::busy()),
        Ok(result) => result?,
    };
    state.db.set_password(session.account, &new_hash).await?;
    state
        .db
        .delete_other_sessions(session.account, &session.token_hash)
        .await?;
    audit(state, session.account, "password_changed", None);
    Ok(())
}
