//! The reviewer's pages, server-rendered and working without JavaScript: the queue, one
//! case with every image and the decision form, claim / release / decide. `static/review.js`
//! adds the keyboard and the image viewer. Every action goes through `crate::review`, like
//! the JSON API, so the two cannot disagree.

mod actions;
mod case;
mod case_view;
mod filters;
mod queue;
mod views;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::staff::{StaffVisitor, failure, message};
use crate::domain::status::Status;
use crate::review::{ReviewError, Reviewer};
use views::{Flash, StatusView};

/// A decision form is a few fields per material: far below this.
const DECISION_BODY_LIMIT: usize = 64 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/review", get(queue::page))
        .route("/review/claim", post(queue::claim_next))
        .route("/review/cases/{id}", get(case::page))
        .route("/review/cases/{id}/claim", post(actions::claim))
        .route("/review/cases/{id}/release", post(actions::release))
        .route(
            "/review/cases/{id}/decision",
            post(actions::decide).layer(DefaultBodyLimit::max(DECISION_BODY_LIMIT)),
        )
}

/// The staff member as the review service knows them, with the address for the audit log.
fn reviewer(
    state: &AppState,
    visitor: &StaffVisitor,
    headers: &HeaderMap,
    peer: SocketAddr,
) -> Reviewer {
    Reviewer {
        staff_id: visitor.staff_id,
        ip: state.client_ip(headers, Some(peer)),
    }
}

/// A refusal of the review service as a page (for errors not shown on the case page).
fn refused(error: ReviewError) -> Response {
    match error {
        ReviewError::Internal(e) => failure(&e),
        ReviewError::NotFound => message(StatusCode::NOT_FOUND, "找不到考生", &error.to_string()),
        other => message(StatusCode::CONFLICT, "无法完成操作", &other.to_string()),
    }
}

/// The reviewer's word for a status.
fn status_view(status: Status) -> StatusView {
    let label = match status {
        Status::Draft => "未提交",
        Status::Submitted => "待审核",
        Status::InReview => "复核中",
        Status::Returned => "退回修改",
        Status::Approved => "审核通过",
        Status::Rejected => "审核不通过",
    };
    StatusView {
        code: status.as_str(),
        label,
    }
}

/// A form with only the CSRF token.
#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

const FLASH_COOKIE: &str = "shenhe_review_flash";

#[derive(Serialize, Deserialize)]
struct FlashCookie {
    ok: bool,
    text: String,
}

/// Sends the browser to `to` (a path this module built) with a one-time message.
fn redirect_with(jar: CookieJar, to: &str, ok: bool, text: String) -> Response {
    let json = serde_json::to_vec(&FlashCookie { ok, text }).unwrap_or_default();
    let mut cookie = Cookie::new(FLASH_COOKIE, URL_SAFE_NO_PAD.encode(json));
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Lax);
    cookie.set_path("/review");
    cookie.set_max_age(time::Duration::minutes(1));
    (jar.add(cookie), Redirect::to(to)).into_response()
}

/// Takes the one-time message, if any.
fn take_flash(jar: CookieJar) -> (CookieJar, Option<Flash>) {
    let Some(cookie) = jar.get(FLASH_COOKIE) else {
        return (jar, None);
    };
    let flash = URL_SAFE_NO_PAD
        .decode(cookie.value())
        .ok()
        .and_then(|json| serde_json::from_slice::<FlashCookie>(&json).ok())
        .map(|f| Flash {
            ok: f.ok,
            text: f.text,
        });
    let mut removal = Cookie::from(FLASH_COOKIE);
    removal.set_path("/review");
    removal.make_removal();
    (jar.add(removal), flash)
}

fn case_path(id: i64) -> String {
    format!("/review/cases/{id}")
}
