//! Starting and ending sessions, shared by the JSON API and the pages.

use std::net::SocketAddr;

use axum::http::{HeaderMap, StatusCode};
use axum_extra::extract::cookie::Cookie;
use serde_json::Value;

use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::SameSite;

use super::AppState;
use super::client_addr::bucket;
use super::error::ApiError;
use super::session::{Session, load_session, secure, session_cookie};
use crate::auth::device::{DEVICE_COOKIE, DEVICE_LIFETIME};
use crate::auth::guard::{Admission, HOUR, account_key};
use crate::auth::two_factor::TwoFactorError;
use crate::auth::{Attempt, Busy, SignIn, SignedIn, new_token, sign_in, token_hash};
use crate::db::accounts::Account;
use crate::db::audit::{Actor, AuditEntry};
use crate::domain::password::is_initial_password;

/// A new session: who, its cookie, its CSRF token, and the browser's device cookie.
pub struct Started {
    pub signed_in: SignedIn,
    pub cookie: Cookie<'static>,
    pub csrf: String,
    pub device: Cookie<'static>,
}

/// Longest account name, password and code looked at; anything longer is refused unread.
const MAX_ACCOUNT: usize = 64;
const MAX_PASSWORD: usize = 256;
const MAX_CODE: usize = 32;

/// Checks the password (and the second-factor code of a staff member who has one) and
/// starts a session with a fresh token (a token the browser had before is ended, so it
/// cannot be fixed in advance by someone else). Failed attempts are audited by account (or
/// as anonymous) with the address the limits counted, never with what was typed.
pub async fn start(
    state: &AppState,
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
    account: &str,
    password: &str,
    totp: Option<&str>,
) -> Result<Started, ApiError> {
    let address = state.clients.client(headers, peer);
    let bucket = address.map(bucket);
    let counted = match state.throttle.check(bucket.as_deref()).await {
        Ok(counted) => counted,
        Err(wait) => {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "登录尝试过于频繁，请稍后再试。",
            )
            .retry_after(wait.as_secs() + 1));
        }
    };
    let ip = address.map(|ip| ip.to_string());
    let fields = [account, password, totp.unwrap_or("")];
    if fields
        .iter()
        .any(|field| field.chars().any(char::is_control))
    {
        audit_actor(
            state,
            Actor::Anonymous,
            "login_failed",
            ip,
            reason("invalid"),
        );
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "身份证号（用户名）或密码中含有无法识别的字符（如换行或控制字符），请重新输入。",
        ));
    }
    if account.len() > MAX_ACCOUNT
        || password.len() > MAX_PASSWORD
        || totp.is_some_and(|t| t.len() > MAX_CODE)
    {
        audit_actor(
            state,
            Actor::Anonymous,
            "login_failed",
            ip,
            reason("password"),
        );
        return Err(wrong());
    }
    let jar = CookieJar::from_headers(headers);
    let attempt = Attempt {
        account,
        password,
        totp,
        address: bucket.as_deref(),
        device: jar.get(DEVICE_COOKIE).map(Cookie::value),
    };
    let outcome = sign_in(&state.db, &state.sign_in, attempt).await?;
    let signed_in = match outcome {
        SignIn::Ok(signed_in) => signed_in,
        SignIn::Busy => return Err(ApiError::busy()),
        SignIn::Wrong { account, limited } => {
            let why = if limited { "limited" } else { "password" };
            metrics::counter!("shenhe_login_failures_total", "reason" => why).increment(1);
            let actor = account.map_or(Actor::Anonymous, actor_of);
            audit_actor(state, actor, "login_failed", ip, reason(why));
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
    };
    state.throttle.refund(counted).await;
    if let Some(old) = load_session(state, headers).await? {
        state.db.delete_session(&old.token_hash).await?;
    }
    let (cookie, csrf) = new_session(state, headers, signed_in.account).await?;
    let device = state.sign_in.devices.issue(&account_key(account)).await?;
    audit(state, signed_in.account, "signed_in", ip);
    Ok(Started {
        cookie,
        signed_in,
        csrf,
        device: device_cookie(state, headers, device),
    })
}

/// A fresh session token and CSRF token for `account`, stored, and the cookie carrying it.
async fn new_session(
    state: &AppState,
    headers: &HeaderMap,
    account: Account,
) -> Result<(Cookie<'static>, String), ApiError> {
    let token = new_token();
    let csrf = new_token();
    state
        .db
        .create_session(&token_hash(&token), account, &csrf, crate::db::now())
        .await?;
    Ok((session_cookie(state, headers, token), csrf))
}

/// The long-lived cookie that marks this browser as one that signed in to the account.
fn device_cookie(state: &AppState, headers: &HeaderMap, value: String) -> Cookie<'static> {
    let mut cookie = Cookie::new(DEVICE_COOKIE, value);
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Lax);
    cookie.set_path("/");
    cookie.set_secure(secure(state, headers));
    cookie.set_max_age(DEVICE_LIFETIME);
    cookie
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

/// The session that replaces the one a password change ended.
pub struct Rotated {
    pub cookie: Cookie<'static>,
    pub csrf: String,
}

/// Password changes one session may try per hour.
pub const PASSWORD_CHANGES_PER_HOUR: i32 = 10;

/// Replaces the password after checking the current one (the email, while it is still the
/// initial password) and the policy. A wrong current password counts towards the account's
/// guesses like a failed sign-in. Every session of the account ends, this one too: the
/// caller gets a new token and CSRF token, so a token copied before the change is worth
/// nothing after it.
pub async fn change_password(
    state: &AppState,
    session: &Session,
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
    current: &str,
    new: &str,
) -> Result<Rotated, ApiError> {
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
    let too_many = || {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "修改密码的尝试过于频繁，请一小时后再试。",
        )
        .retry_after(3600)
    };
    let now = crate::db::now();
    let tries = format!("password_change:{}", session.token_hash);
    let (hits, _) = state.db.count_hit(&tries, now, now - HOUR).await?;
    if hits > PASSWORD_CHANGES_PER_HOUR {
        return Err(too_many());
    }
    let key = account_key(&id_number);
    let bucket = state.clients.client(headers, peer).map(bucket);
    let jar = CookieJar::from_headers(headers);
    let device = match jar.get(DEVICE_COOKIE) {
        Some(cookie) => {
            state
                .sign_in
                .devices
                .recognise(cookie.value(), &key)
                .await?
        }
        None => None,
    };
    let admission = state
        .sign_in
        .guard
        .admit(&key, bucket.as_deref(), device.as_deref())
        .await?;
    let Admission::Check(reservation) = admission else {
        return Err(too_many());
    };
    let is_staff = matches!(session.account, Account::Staff(_));
    let verified = match state.other_passwords.verify(current, hash.as_deref()).await {
        Err(Busy) => return Err(ApiError::busy()),
        Ok(result) => result?,
    };
    if !(verified || (hash.is_none() && is_initial_password(current, &email))) {
        return Err(unprocessable("当前密码不正确，请重新输入。".to_string()));
    }
    state.sign_in.guard.refund(reservation).await?;
    if is_staff && new.trim().eq_ignore_ascii_case(id_number.trim()) {
        return Err(unprocessable("新密码不能与用户名相同。".to_string()));
    }
    state
        .policy
        .check(new, &id_number, &email)
        .map_err(unprocessable)?;
    let new_hash = match state.other_passwords.hash(new).await {
        Err(Busy) => return Err(ApiError::busy()),
        Ok(result) => result?,
    };
    state.db.set_password(session.account, &new_hash).await?;
    state.db.delete_sessions_of(session.account).await?;
    let (cookie, csrf) = new_session(state, headers, session.account).await?;
    audit(state, session.account, "password_changed", None);
    Ok(Rotated { cookie, csrf })
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
