//! The candidate's pages, server-rendered, working without JavaScript: sign in, change
//! password, the material page, view/delete an image, submit. `static/portal.js` enhances
//! them (uploads with progress, an in-page viewer) through the JSON API.

mod account;
mod edit;
mod home;
mod views;

use axum::body::Bytes;
use axum::extract::{Form, FromRequest, Request};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::CookieJar;
use serde::de::DeserializeOwned;

use super::AppState;
use super::error::ApiError;
use super::routes::Routes;
use super::session::{Session, load_session};
use crate::db::accounts::Account;
use views::MessagePage;

use crate::web::flash::{Flash, FlashCookie};

pub fn router() -> Routes {
    Routes::new()
        .route("/", get(account::front))
        // Enter in the address bar after a failed sign-in, or after 退出: the front page.
        .route("/login", get(to_front).post(account::login))
        .route("/logout", get(to_front).post(account::logout))
        .route(
            "/password",
            get(account::password_page).post(account::change_password),
        )
        .route(
            "/materials/{code}/images",
            post(edit::upload).layer(edit::body_limit()),
        )
        .route("/view/{id}", get(edit::view))
        .route("/images/{id}/delete", post(edit::delete))
        .route("/submit", get(edit::submit_page).post(edit::submit))
}

async fn to_front() -> Redirect {
    Redirect::to("/")
}

/// Who is looking at a page.
enum Visitor {
    SignedOut,
    /// Still has the initial password: may only change it or sign out.
    MustChange(Session),
    Candidate(Session, i64),
    Staff(Session),
}

async fn visitor(state: &AppState, headers: &HeaderMap) -> Result<Visitor, Response> {
    let session = match load_session(state, headers).await {
        Ok(Some(session)) => session,
        Ok(None) => return Ok(Visitor::SignedOut),
        Err(e) => return Err(failure(&e)),
    };
    Ok(match session.account {
        Account::Staff(_) => Visitor::Staff(session),
        Account::Candidate(_) if session.must_change_password => Visitor::MustChange(session),
        Account::Candidate(id) => Visitor::Candidate(session, id),
    })
}

/// A candidate who may use the material pages, or where to send the browser instead.
async fn candidate(state: &AppState, headers: &HeaderMap) -> Result<(Session, i64), Response> {
    match visitor(state, headers).await? {
        Visitor::Candidate(session, id) => Ok((session, id)),
        Visitor::MustChange(_) => Err(Redirect::to("/password").into_response()),
        Visitor::SignedOut | Visitor::Staff(_) => Err(Redirect::to("/").into_response()),
    }
}

/// A candidate posting a form: signed in, password changed, and the form's `csrf` field
/// is the session's token.
async fn candidate_posting(
    state: &AppState,
    headers: &HeaderMap,
    csrf: &str,
) -> Result<(Session, i64), Response> {
    let (session, candidate_id) = candidate(state, headers).await?;
    match csrf_refused(&session, csrf) {
        Some(refused) => Err(refused),
        None => Ok((session, candidate_id)),
    }
}

/// The CSRF check of a form post: the hidden `csrf` field must be the session's token.
/// `Some` is the page that refuses it.
fn csrf_refused(session: &Session, sent: &str) -> Option<Response> {
    (!session.csrf_matches(sent)).then(forged)
}

fn forged() -> Response {
    message(
        StatusCode::FORBIDDEN,
        "页面已过期",
        "页面已过期或来源不明，请返回首页刷新后重试。",
    )
}

/// A message page (the candidate layout, a link back to the front page), for errors any
/// visitor can reach.
pub(super) fn message_page(status: StatusCode, title: &str, text: &str) -> Response {
    message(status, title, text)
}

fn message(status: StatusCode, title: &str, text: &str) -> Response {
    (
        status,
        MessagePage {
            title: title.to_string(),
            text: text.to_string(),
        },
    )
        .into_response()
}

fn failure(error: &anyhow::Error) -> Response {
    tracing::error!("page failed: {error:#}");
    message(
        StatusCode::INTERNAL_SERVER_ERROR,
        "系统繁忙",
        "系统繁忙，请稍后再试。已保存的材料不受影响。",
    )
}

/// An API-style refusal shown as a page.
fn refusal(error: ApiError) -> Response {
    let title = if error.status.is_server_error() {
        "系统繁忙"
    } else {
        "无法完成操作"
    };
    message(error.status, title, &error.message)
}

/// `Form` whose refusals are pages in Chinese.
struct PageForm<T>(T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for PageForm<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        let refused = || {
            message(
                StatusCode::UNPROCESSABLE_ENTITY,
                "提交的内容不完整",
                "提交的内容不完整，请返回上一页重新填写。",
            )
        };
        // The form decoder would turn bytes that are not UTF-8 into U+FFFD, so a password
        // could be set to something nobody typed: such a form is refused instead.
        let (parts, body) = request.into_parts();
        let bytes = match Bytes::from_request(Request::from_parts(parts.clone(), body), state).await
        {
            Ok(bytes) if form_is_utf8(&bytes) => bytes,
            _ => return Err(refused()),
        };
        match Form::<T>::from_request(Request::from_parts(parts, bytes.into()), state).await {
            Ok(Form(value)) => Ok(PageForm(value)),
            Err(_) => Err(refused()),
        }
    }
}

/// Whether an `application/x-www-form-urlencoded` body decodes to UTF-8 (`&` and `=` are
/// ASCII, so decoding it whole checks every name and value).
fn form_is_utf8(body: &[u8]) -> bool {
    let mut decoded = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match body[i] {
            b'%' if i + 2 < body.len() => match (hex(body[i + 1]), hex(body[i + 2])) {
                (Some(high), Some(low)) => {
                    decoded.push((high * 16 + low) as u8);
                    i += 3;
                    continue;
                }
                _ => decoded.push(b'%'),
            },
            b'+' => decoded.push(b' '),
            byte => decoded.push(byte),
        }
        i += 1;
    }
    std::str::from_utf8(&decoded).is_ok()
}

/// The candidate pages' one-time messages.
const FLASH: FlashCookie = FlashCookie {
    name: "shenhe_flash",
    path: "/",
};

/// Sends the browser back to the material page with a one-time message.
fn back_with(jar: CookieJar, ok: bool, text: String) -> Response {
    back_to(jar, ok, text, None)
}

/// Like [`back_with`], to a material's row: the browser lands where the candidate was
/// working, and the message is shown in that row.
fn back_to(jar: CookieJar, ok: bool, text: String, material: Option<&str>) -> Response {
    // The code may come from the URL: only a well-formed one goes into the redirect.
    let material = material.filter(|code| {
        !code.is_empty()
            && code.len() <= 64
            && code
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    });
    let to = material.map_or_else(|| "/".to_string(), |code| format!("/#material-{code}"));
    let material = material.map(str::to_string);
    let jar = FLASH.set(jar, &Flash { ok, text, material });
    (jar, Redirect::to(&to)).into_response()
}

/// Takes the one-time message, if any.
fn take_flash(jar: CookieJar) -> (CookieJar, Option<Flash>) {
    FLASH.take(jar)
}
