//! Admin pages: one module per area, each with its own router; this one holds the audit
//! log (searchable by person, candidate, action and time, with the second-review
//! disagreements above it) and who may see an admin page (`admin_page`, `admin_posting`).

mod candidates;
mod dashboard;
mod exams;
pub(in crate::web) mod results;
mod roster;
mod staff;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::db::audit_search::{ACTIONS, AuditView, action_label};
use crate::db::review::Disagreement;
use crate::domain::review::Outcome;
use crate::domain::window::beijing;
use crate::web::AppState;
use crate::web::api::AuditQuery;
use crate::web::routes::Routes;
use crate::web::staff::{StaffVisitor, csrf_refused, failure, message, staff_page, staff_posting};

pub fn router() -> Routes {
    Routes::new()
        .route("/admin/audit", get(audit))
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

#[derive(askama::Template, askama_web::WebTemplate)]
#[template(path = "admin/audit.html")]
pub struct AuditPage {
    csrf: String,
    username: String,
    is_admin: bool,
    /// The filter as typed, to fill the form again.
    staff: String,
    candidate: String,
    action: String,
    from: String,
    to: String,
    actions: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    rows: Vec<AuditLine>,
    /// The link to the next (older) page, with the same filter.
    next: Option<String>,
    disagreements: Vec<DisagreementLine>,
}

pub struct AuditLine {
    at: String,
    who: String,
    action: String,
    candidate: String,
    ip: String,
    detail: String,
}

pub struct DisagreementLine {
    case_url: String,
    name: String,
    first: String,
    second: String,
    at: String,
}

async fn audit(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Response {
    let visitor = match admin_page(&state, &headers).await {
        Ok(visitor) => visitor,
        Err(response) => return response,
    };
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let (rows, next, error) = match query.filter() {
        Err(refused) => (Vec::new(), None, Some(refused.message)),
        Ok(filter) => match state.db.search_audit(&filter).await {
            Err(e) => return failure(&e),
            Ok(rows) => {
                let next = (rows.len() as i64 == filter.limit)
                    .then(|| rows.last().map(|r| next_link(&query, r.id)))
                    .flatten();
                (rows.into_iter().map(line).collect(), next, None)
            }
        },
    };
    let disagreements = match state.db.current_exam().await {
        Err(e) => return failure(&e),
        Ok(None) => Vec::new(),
        Ok(Some(exam)) => match state.db.disagreements(exam.id, 50).await {
            Err(e) => return failure(&e),
            Ok(rows) => rows.into_iter().map(disagreement).collect(),
        },
    };
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    AuditPage {
        csrf: visitor.csrf(),
        username: visitor.username.clone(),
        is_admin: true,
        staff: text(&query.staff),
        candidate: text(&query.candidate),
        action: text(&query.action),
        from: text(&query.from),
        to: text(&query.to),
        actions: ACTIONS.to_vec(),
        error,
        rows,
        next,
        disagreements,
    }
    .into_response()
}

/// The same search, one page older.
fn next_link(query: &AuditQuery, last_id: i64) -> String {
    let mut url = form_urlencoded::Serializer::new(String::new());
    for (key, value) in [
        ("staff", &query.staff),
        ("candidate", &query.candidate),
        ("action", &query.action),
        ("from", &query.from),
        ("to", &query.to),
    ] {
        if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
            url.append_pair(key, value);
        }
    }
    url.append_pair("before_id", &last_id.to_string());
    format!("/admin/audit?{}", url.finish())
}

fn line(row: AuditView) -> AuditLine {
    let who = match (row.actor_kind.as_str(), row.actor_name) {
        ("staff", Some(name)) => format!("工作人员 {name}"),
        ("candidate", Some(name)) => format!("考生 {name}"),
        ("cli", _) => "命令行".to_string(),
        ("anonymous", _) => "未知账号".to_string(),
        (kind, _) => format!("{kind} #{}", row.actor_id.unwrap_or_default()),
    };
    let candidate = match (row.candidate_id, row.candidate_name) {
        (Some(id), Some(name)) => format!("{name}（#{id}）"),
        (Some(id), None) => format!("#{id}"),
        _ => String::new(),
    };
    AuditLine {
        at: beijing(row.at),
        who,
        action: action_label(&row.action).to_string(),
        candidate,
        ip: row.ip.unwrap_or_default(),
        detail: row.detail.unwrap_or_default(),
    }
}

fn disagreement(row: Disagreement) -> DisagreementLine {
    let outcome = |o: &str| Outcome::parse(o).map_or(o.to_string(), |o| o.title().to_string());
    DisagreementLine {
        case_url: format!("/review/cases/{}", row.candidate_id),
        name: row.name,
        first: format!("{}：{}", row.first_reviewer, outcome(&row.first_outcome)),
        second: format!("{}：{}", row.second_reviewer, outcome(&row.second_outcome)),
        at: beijing(row.decided_at),
    }
}
