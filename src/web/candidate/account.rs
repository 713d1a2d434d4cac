//! The front page (sign in, or the candidate's page), signing out, changing the password.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use super::views::{LoginPage, PasswordPage};
use super::{PageForm, Visitor, csrf_refused, failure, home, message, take_flash, visitor};
use crate::domain::window::Window;
use crate::web::AppState;
use crate::web::session::clearing_cookie;
use crate::web::signin;

pub async fn front(State(state): State<AppState>, headers: HeaderMap, jar: CookieJar) -> Response {
    match visitor(&state, &headers).await {
        Err(response) => response,
        Ok(Visitor::SignedOut) => login_page(&state, String::new(), None, None).await,
        Ok(Visitor::MustChange(_)) => Redirect::to("/password").into_response(),
        Ok(Visitor::Staff(_)) => message(
            StatusCode::OK,
            "工作人员账号",
            "您已用工作人员账号登录。本页面供考生使用；审核与管理功能请使用工作人员入口。",
        ),
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
    };
    (status, page).into_response()
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    account: String,
    #[serde(default)]
    password: String,
}

pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    jar: CookieJar,
    PageForm(form): PageForm<LoginForm>,
) -> Response {
    match signin::start(&state, &headers, Some(peer), &form.account, &form.password).await {
        Ok(started) => {
            let to = if started.signed_in.must_change_password {
                "/password"
            } else {
                "/"
            };
            (jar.add(started.cookie), Redirect::to(to)).into_response()
        }
        Err(error) => {
            let account = form.account.trim().chars().take(32).collect();
            let mut response = login_page(&state, account, Some(error.message), None).await;
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
    let page = login_page(&state, String::new(), None, notice).await;
    (jar.add(clearing_cookie()), page).into_response()
}

pub async fn password_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match visitor(&state, &headers).await {
        Err(response) => response,
        Ok(Visitor::SignedOut) => Redirect::to("/").into_response(),
        Ok(Visitor::MustChange(session)) => password_form(&state, &session.csrf, true, None),
        Ok(Visitor::Candidate(session, _) | Visitor::Staff(session)) => {
            password_form(&state, &session.csrf, false, None)
        }
    }
}

fn password_form(state: &AppState, csrf: &str, forced: bool, error: Option<String>) -> Response {
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = PasswordPage {
        csrf: csrf.to_string(),
        forced,
        policy: state.policy.describe(),
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
    headers: HeaderMap,
    PageForm(form): PageForm<PasswordForm>,
) -> Response {
    let (session, forced) = match visitor(&state, &headers).await {
        Err(response) => return response,
        Ok(Visitor::SignedOut) => return Redirect::to("/").into_response(),
        Ok(Visitor::MustChange(session)) => (session, true),
        Ok(Visitor::Candidate(session, _) | Visitor::Staff(session)) => (session, false),
    };
    if let Some(response) = csrf_refused(&session, &form.csrf) {
        return response;
    }
    if form.new != form.confirm {
        let error = Some("两次输入的新密码不一致，请重新输入。".to_string());
        return password_form(&state, &session.csrf, forced, error);
    }
    match signin::change_password(&state, &session, &form.current, &form.new).await {
        Ok(()) => super::back_with(CookieJar::new(), true, "密码已修改。".to_string()),
        Err(error) if error.status == StatusCode::UNPROCESSABLE_ENTITY => {
            password_form(&state, &session.csrf, forced, Some(error.message))
        }
        Err(error) => super::refusal(error),
    }
}
