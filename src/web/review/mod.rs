//! The reviewer's pages, server-rendered and working without JavaScript: the queue, one
//! case with every image and the decision form, claim / release / decide. `static/review.js`
//! adds the keyboard and the image viewer. Every action goes through `crate::review`, like
//! the JSON API, so the two cannot disagree.

mod actions;
mod case;
pub(in crate::web) use case::case_id;
mod case_view;
mod filters;
mod queue;
mod views;

use std::net::SocketAddr;

use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

use super::AppState;
use super::flash::{Flash, FlashCookie};
use super::routes::Routes;
use super::staff::{StaffVisitor, failure, message};
use crate::domain::status::Status;
use crate::review::{ReviewError, Reviewer};
use views::StatusView;

/// A decision form is a few fields per material: far below this.
const DECISION_BODY_LIMIT: usize = 64 * 1024;

pub fn router() -> Routes {
    Routes::new()
        .route("/review", get(queue::page).post(queue::search))
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
/// The reviewer behind a page request: who, and from which address (for the audit log).
pub(in crate::web) fn reviewer(
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

/// The reviewer pages' one-time messages.
const FLASH: FlashCookie = FlashCookie {
    name: "shenhe_review_flash",
    path: "/review",
};

/// Sends the browser to `to` (a path this module built) with a one-time message.
fn redirect_with(jar: CookieJar, to: &str, ok: bool, text: String) -> Response {
    let jar = FLASH.set(
        jar,
        &Flash {
            ok,
            text,
            material: None,
        },
    );
    (jar, Redirect::to(to)).into_response()
}

/// Takes the one-time message, if any.
fn take_flash(jar: CookieJar) -> (CookieJar, Option<Flash>) {
    FLASH.take(jar)
}

fn case_path(id: i64) -> String {
    format!("/review/cases/{id}")
}
