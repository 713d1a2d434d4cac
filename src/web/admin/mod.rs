//! Admin pages: one module per area, each with its own router (the audit log in `audit`);
//! this one holds who may see an admin page (`admin_page`, `admin_posting`).

mod audit;
mod candidates;
mod dashboard;
mod exams;
pub(in crate::web) mod results;
mod roster;
mod staff;

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use crate::db::review::Disagreement;
use crate::domain::review::Outcome;
use crate::domain::window::beijing;
use crate::web::AppState;
use crate::web::routes::Routes;
use crate::web::staff::{StaffVisitor, csrf_refused, message, staff_page, staff_posting};

pub fn router() -> Routes {
    Routes::new()
        .merge(audit::router())
        .merge(dashboard::router())
        .merge(exams::router())
        .merge(roster::router())
        .merge(candidates::router())
        .merge(staff::router())
        .merge(results::router())
}

/// The admin looking at a page, or the response instead: a redirect for visitors who are
/// not signed in as staff (see [`staff_page`]), 403 for reviewers.
pub async fn admin_page(state: &AppState, headers: &HeaderMap) -> Result<StaffVisitor, Response> {
    let visitor = staff_page(state, headers).await?;
    if visitor.is_admin() {
        Ok(visitor)
    } else {
        Err(not_admin())
    }
}

/// [`admin_page`] for a form post, whose `csrf` field must be the session's token.
pub async fn admin_posting(
    state: &AppState,
    headers: &HeaderMap,
    csrf: &str,
) -> Result<StaffVisitor, Response> {
    let visitor = staff_posting(state, headers, csrf).await?;
    if visitor.is_admin() {
        Ok(visitor)
    } else {
        Err(not_admin())
    }
}

/// The CSRF check of a multipart post, whose token is inside the body: check who is asking
/// with [`admin_page`] first, so nobody else's upload is read at all, then this once the form
/// is read: `Some` is the page that refuses the token.
pub fn admin_csrf(visitor: &StaffVisitor, csrf: &str) -> Option<Response> {
    csrf_refused(visitor, csrf)
}

fn not_admin() -> Response {
    message(
        StatusCode::FORBIDDEN,
        "仅供管理员使用",
        "这个页面仅供管理员使用。",
    )
}

/// A second review that disagreed with the first (the audit page and the dashboard).
pub struct DisagreementLine {
    case_url: String,
    name: String,
    first: String,
    second: String,
    at: String,
}

pub(in crate::web::admin) fn disagreement(row: Disagreement) -> DisagreementLine {
    let outcome = |o: &str| Outcome::parse(o).map_or(o.to_string(), |o| o.title().to_string());
    DisagreementLine {
        case_url: format!("/review/cases/{}", row.candidate_id),
        name: row.name,
        first: format!("{}：{}", row.first_reviewer, outcome(&row.first_outcome)),
        second: format!("{}：{}", row.second_reviewer, outcome(&row.second_outcome)),
        at: beijing(row.decided_at),
    }
}
