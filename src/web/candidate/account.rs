//! The front page (sign in, or the candidate's page; staff go on to `/review`), signing
//! out, changing the password (candidates and staff).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use super::views::{LoginPage, PasswordPage};
use super::{PageForm, Visitor, csrf_refused, failure, home, message, take_flash, visitor};
use crate::db::accounts::Account;
use crate::domain::password::PasswordPolicy;
use crate::domain::window::Window;
use crate::web::AppState;
use crate::web::session::{Session, clearing_cookie};
use crate::web::signin;

pub async fn front(State(state): State<AppState>, headers: HeaderMap, jar: CookieJar) -> Response {
    match visitor(&state, &headers).await {
        Err(response) => response,
        Ok(Visitor::SignedOut) => login_page(&state, String::new(), None, None, false).await,
        Ok(Visitor::MustChange(_)) => Redirect::to("/password").into_response(),
        Ok(Visitor::Staff(session)) if session.must_change_password => {
            Redirect::to("/password").into_response()
        }
        Ok(Visitor::Staff(_)) => Redirect::to("/review").into_response(),
        Ok(Visitor::Candidate(session, id)) => {
            let (jar, flash) = take_flash(jar);
            (jar, home::page(&state, &session, id, flash).await).into_response()
        }
    }
}

async fn login_page(
    state: &AppState,
    account: String,
    error: Option<String>,
    notice: Option<String>,
    ask_totp: bool,
) -> Response {
    let exam = match state.db.current_exam().await {
        Ok(exam) => exam,
        Err(e) => return failure(&e),
    };
    let window = exam.as_ref().map(|exam| {
        let window = Window {
            opens_at: exam.upload_opens_at,
            closes_at: exam.upload_closes_at,
        };
        window.state(crate::db::now()).describe(&window)
    });
    let status = if error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    let page = LoginPage {
        exam_name: exam.map(|e| e.name),
        window,
        account,
        error,
        notice,
        ask_totp,
    };
    (status, page).into_response()
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    account: String,
    #[serde(default)]
    password: String,
    /// A staff member's second-factor code, on the second step of their sign-in.
    #[serde(default)]
    totp: String,
}

pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    jar: CookieJar,
    PageForm(form): PageForm<LoginForm>,
) -> Response {
    let totp = Some(form.totp.as_str()).filter(|code| !code.trim().is_empty());
    let started = signin::start(
        &state,
        &headers,
        Some(peer),
        &form.account,
        &form.password,
        totp,
    )
    .await;
    match started {
        Ok(started) => {
            let signed_in = &started.signed_in;
            let staff = matches!(signed_in.account, Account::Staff(_));
            let to = if signed_in.must_change_password {
                "/password"
            } else if signed_in.must_enroll_totp {
                "/staff/totp"
            } else if staff {
                "/review"
            } else {
                "/"
            };
            let jar = jar.add(started.cookie).add(started.device);
            (jar, Redirect::to(to)).into_response()
        }
        Err(error) => {
            let ask_totp = error.extra.contains_key("totp_required");
            let notice = ask_totp.then(|| {
                "此账号已启用两步验证：请重新输入密码，并输入手机验证器中显示的 6 位动态验证码。"
                    .to_string()
            });
            let account = form.account.trim().chars().take(32).collect();
            let mut response =
                login_page(&state, account, Some(error.message), notice, ask_totp).await;
            *response.status_mut() = error.status;
            response
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    PageForm(form): PageForm<CsrfForm>,
) -> Response {
    let session = match visitor(&state, &headers).await {
        Err(response) => return response,
        Ok(Visitor::SignedOut) => return Redirect::to("/").into_response(),
        Ok(Visitor::MustChange(s) | Visitor::Candidate(s, _) | Visitor::Staff(s)) => s,
    };
    if let Some(response) = csrf_refused(&session, &form.csrf) {
        return response;
    }
    if let Err(error) = signin::end(&state, &session).await {
        return super::refusal(error);
    }
    let notice = Some("您已安全退出。".to_string());
    let page = login_page(&state, String::new(), None, notice, false).await;
    (jar.add(clearing_cookie()), page).into_response()
}

pub async fn password_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match visitor(&state, &headers).await {
        Err(response) => response,
        Ok(Visitor::SignedOut) => Redirect::to("/").into_response(),
        Ok(
            Visitor::MustChange(session) | Visitor::Candidate(session, _) | Visitor::Staff(session),
        ) => password_form(&state, &session, None),
    }
}

/// The password form; `forced` while the initial password is unchanged, in words for a
/// candidate (the email) or a staff member (the one-time password they were given).
fn password_form(state: &AppState, session: &Session, error: Option<String>) -> Response {
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let staff = matches!(session.account, Account::Staff(_));
    let policy = if staff {
        staff_policy(&state.policy)
    } else {
        state.policy.describe()
    };
    let page = PasswordPage {
        csrf: session.csrf.clone(),
        forced: session.must_change_password,
        staff,
        policy,
        error,
    };
    (status, page).into_response()
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    PageForm(form): PageForm<PasswordForm>,
) -> Response {
    let session = match visitor(&state, &headers).await {
        Err(response) => return response,
        Ok(Visitor::SignedOut) => return Redirect::to("/").into_response(),
        Ok(Visitor::MustChange(s) | Visitor::Candidate(s, _) | Visitor::Staff(s)) => s,
    };
    if let Some(response) = csrf_refused(&session, &form.csrf) {
        return response;
    }
    if form.new != form.confirm {
        let error = Some("两次输入的新密码不一致，请重新输入。".to_string());
        return password_form(&state, &session, error);
    }
    let changed = signin::change_password(
        &state,
        &session,
        &headers,
        Some(peer),
        &form.current,
        &form.new,
    )
    .await;
    match changed {
        Ok(rotated) if matches!(session.account, Account::Staff(_)) => {
            let page = message(
                StatusCode::OK,
                "密码已修改",
                "新密码已生效，其他设备上的登录已退出。",
            );
            (CookieJar::new().add(rotated.cookie), page).into_response()
        }
        Ok(rotated) => super::back_with(
            CookieJar::new().add(rotated.cookie),
            true,
            "密码已修改。".to_string(),
        ),
        Err(error) if error.status == StatusCode::UNPROCESSABLE_ENTITY => {
            password_form(&state, &session, Some(error.message))
        }
        Err(error) => super::refusal(error),
    }
}

/// The password rules in words for a staff member (no ID number or email to avoid).
fn staff_policy(policy: &PasswordPolicy) -> String {
    let mut text = format!("新密码至少{}位", policy.min_length);
    if policy.letters_and_digits {
        text.push_str("，须同时包含字母和数字");
    }
    text.push_str("，不能与用户名相同。");
    text
}
