//! Staff pages: who may see them (`staff_page`, `staff_posting`, for every staff area), the
//! layout their templates extend (`templates/staff/layout.html`), and the staff member's
//! own TOTP page.

mod totp;
mod views;

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use super::AppState;
use super::routes::Routes;
use super::session::{Session, load_session};
use crate::db::staff::Role;
pub use views::StaffMessagePage;

pub fn router() -> Routes {
    Routes::new()
        .route("/staff/totp", get(totp::page).post(totp::confirm))
        .route("/staff/totp/disable", post(totp::disable))
}

/// A signed-in staff member whose password and second factor are in order.
#[derive(Debug, Clone)]
pub struct StaffVisitor {
    pub session: Session,
    pub staff_id: i64,
    pub role: Role,
    pub username: String,
}

impl StaffVisitor {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    pub fn csrf(&self) -> String {
        self.session.csrf.clone()
    }
}

/// The staff member looking at a page, or where to send the browser instead: `/` when not
/// signed in as staff, `/password` while the initial password is unchanged, `/staff/totp`
/// while a required second factor is missing.
pub async fn staff_page(state: &AppState, headers: &HeaderMap) -> Result<StaffVisitor, Response> {
    staff_visitor(state, headers, false).await
}

/// [`staff_page`] for a form post, whose `csrf` field must be the session's token.
pub async fn staff_posting(
    state: &AppState,
    headers: &HeaderMap,
    csrf: &str,
) -> Result<StaffVisitor, Response> {
    let visitor = staff_page(state, headers).await?;
    match csrf_refused(&visitor, csrf) {
        Some(refused) => Err(refused),
        None => Ok(visitor),
    }
}

/// Like [`staff_page`], but open while the second factor still has to be set up.
async fn enrolling(state: &AppState, headers: &HeaderMap) -> Result<StaffVisitor, Response> {
    staff_visitor(state, headers, true).await
}

async fn enrolling_posting(
    state: &AppState,
    headers: &HeaderMap,
    csrf: &str,
) -> Result<StaffVisitor, Response> {
    let visitor = enrolling(state, headers).await?;
    match csrf_refused(&visitor, csrf) {
        Some(refused) => Err(refused),
        None => Ok(visitor),
    }
}

/// The CSRF check of a form post: `Some` is the page that refuses a `csrf` field that is
/// not the session's token.
pub(crate) fn csrf_refused(visitor: &StaffVisitor, csrf: &str) -> Option<Response> {
    (!visitor.session.csrf_matches(csrf)).then(|| {
        message(
            StatusCode::FORBIDDEN,
            "页面已过期",
            "页面已过期或来源不明，请返回刷新后重试。",
        )
    })
}

async fn staff_visitor(
    state: &AppState,
    headers: &HeaderMap,
    enrolling: bool,
) -> Result<StaffVisitor, Response> {
    let session = match load_session(state, headers).await {
        Ok(Some(session)) => session,
        Ok(None) => return Err(Redirect::to("/").into_response()),
        Err(e) => return Err(failure(&e)),
    };
    let (Some(staff_id), Some(role)) = (session.staff_id(), session.staff_role) else {
        return Err(Redirect::to("/").into_response());
    };
    if session.must_change_password {
        return Err(Redirect::to("/password").into_response());
    }
    if session.must_enroll_totp && !enrolling {
        return Err(Redirect::to("/staff/totp").into_response());
    }
    Ok(StaffVisitor {
        username: session.staff_username.clone().unwrap_or_default(),
        session,
        staff_id,
        role,
    })
}

/// A plain message page for staff, with a way back to the queue.
pub fn message(status: StatusCode, title: &str, text: &str) -> Response {
    let page = StaffMessagePage {
        title: title.to_string(),
        text: text.to_string(),
    };
    (status, page).into_response()
}

/// An internal error, logged with its chain and shown as a plain message.
pub fn failure(error: &anyhow::Error) -> Response {
    tracing::error!("page failed: {error:#}");
    message(
        StatusCode::INTERNAL_SERVER_ERROR,
        "系统繁忙",
        "系统繁忙，请稍后再试。",
    )
}
