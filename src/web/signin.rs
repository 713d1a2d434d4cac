//! Starting and ending sessions, shared by the JSON API and the pages.

use std::net::SocketAddr;

use axum::http::{HeaderMap, StatusCode};
use axum_extra::extract::cookie::Cookie;
use serde_json::Value;

use super::AppState;
use super::error::ApiError;
use super::session::{Session, load_session, session_cookie};
use crate::auth::two_factor::TwoFactorError;
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

/// Checks the password (and the second-factor code of a staff member who has one) and
/// starts a session with a fresh token (a token the browser had before is ended, so it
/// cannot be fixed in advance by someone else). Failed attempts are audited by account (or
/// as anonymous), never by what was typed.
pub async fn start(
    state: &AppState,
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
    account: &str,
    password: &str,
    totp: Option<&str>,
) -> Result<Started, ApiError> {
    let address = state.throttle.client_ip(headers, peer);
    if let Err(wait) = state.throttle.check(address).await {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "登录尝试过于频繁，请稍后再试。",
        )
        .retry_after(wait.as_secs() + 1));
    }
    let ip = address.map(|ip| ip.to_string());
    if account.len() > 64 || password.len() > 256 || totp.is_some_and(|t| t.len() > 32) {
        audit_actor(
            state,
            Actor::Anonymous,
            "login_failed",
            ip,
            reason("password"),
        );
        return Err(wrong());
    }
    let outcome = sign_in(&state.db, &state.passwords, account, password, totp).await?;
    let signed_in = match outcome {
        SignIn::Ok(signed_in) => signed_in,
        SignIn::Busy => return Err(ApiError::busy()),
        SignIn::Wrong { account } => {
            metrics::counter!("shenhe_login_failures_total", "reason" => "password").increment(1);
            let actor = account.map_or(Actor::Anonymous, actor_of);
            audit_actor(state, actor, "login_failed", ip, reason("password"));
            return Err(wrong());
        }
        SignIn::TotpNeeded { .. } => {
            return Err(totp_error("请输入动态验证码。"));
        }
        SignIn::WrongTotp { account } => {
            metrics::counter!("shenhe_login_failures_total", "reason" => "totp").increment(1);
            audit_actor(state, actor_of(account), "totp_failed", ip, None);
            return Err(totp_error(
                "动态验证码不正确或已使用过，请输入验证器中最新的 6 位验证码（需重新输入密码）。",
            ));
        }
        SignIn::Locked { account, until } => {
            metrics::counter!("shenhe_login_failures_total", "reason" => "locked").increment(1);
            audit_actor(
                state,
                actor_of(account),
                "login_failed",
                ip,
                reason("locked"),
            );
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
    audit(state, signed_in.account, "signed_in", ip);
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

/// The answer when a staff member's second factor is missing or wrong: the client asks
/// for the code (and the password again).
fn totp_error(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, message).with("totp_required", Value::Bool(true))
}

fn reason(why: &str) -> Option<Value> {
    Some(serde_json::json!({ "reason": why }))
}

fn actor_of(account: Account) -> Actor {
    match account {
        Account::Candidate(id) => Actor::Candidate(id),
        Account::Staff(id) => Actor::Staff(id),
    }
}

/// Writes an audit entry after the response, so the sign-in does not wait for it.
pub fn audit(state: &AppState, account: Account, action: &'static str, ip: Option<String>) {
    audit_actor(state, actor_of(account), action, ip, None);
}

fn audit_actor(
    state: &AppState,
    actor: Actor,
    action: &'static str,
    ip: Option<String>,
    detail: Option<Value>,
) {
    let candidate_id = match actor {
        Actor::Candidate(id) => Some(id),
        _ => None,
    };
    state.db.record_audit_later(AuditEntry {
        actor,
        action,
        candidate_id,
        ip,
        detail,
    });
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
    let is_staff = matches!(session.account, Account::Staff(_));
    let verified = match state.passwords.verify(current, hash.as_deref()).await {
        Err(Busy) => return Err(ApiError::busy()),
        Ok(result) => result?,
    };
    if !(verified || (hash.is_none() && is_initial_password(current, &email))) {
        return Err(unprocessable("当前密码不正确，请重新输入。".to_string()));
    }
    if is_staff && new.trim().eq_ignore_ascii_case(id_number.trim()) {
        return Err(unprocessable("新密码不能与用户名相同。".to_string()));
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

/// A refused second-factor change as the API's error (the pages show its message).
pub fn two_factor_refusal(error: TwoFactorError) -> ApiError {
    let status = match &error {
        TwoFactorError::WrongCode => StatusCode::UNPROCESSABLE_ENTITY,
        TwoFactorError::AlreadyEnabled
        | TwoFactorError::NothingPending
        | TwoFactorError::NotEnabled => StatusCode::CONFLICT,
        TwoFactorError::Required => StatusCode::FORBIDDEN,
        TwoFactorError::Locked => StatusCode::TOO_MANY_REQUESTS,
        TwoFactorError::Internal(e) => return ApiError::internal(e),
    };
    ApiError::new(status, error.to_string())
}
