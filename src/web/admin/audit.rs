//! Admin pages: the audit log, searchable by person, candidate, action and time, with the
//! second-review disagreements above it. The filters without personal data may be in the
//! URL; a candidate filter is posted and answered on the spot, never put in a URL. Every
//! search is itself recorded (`audit_searched`).

use std::net::SocketAddr;

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{ConnectInfo, Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use super::{DisagreementLine, admin_page, admin_posting, disagreement};
use crate::db::audit_search::{ACTIONS, AuditView, action_label};
use crate::domain::window::beijing;
use crate::review::Reviewer;
use crate::web::AppState;
use crate::web::api::AuditSearch;
use crate::web::review::reviewer;
use crate::web::routes::Routes;
use crate::web::staff::{StaffVisitor, failure, message};

pub fn router() -> Routes {
    Routes::new().route("/admin/audit", get(page).post(search))
}

/// The filters as typed: the query string of `GET /admin/audit` (without `candidate`) or
/// the posted form (with `csrf` and `candidate`).
#[derive(Deserialize, Default, Clone)]
pub struct AuditForm {
    #[serde(default)]
    csrf: String,
    staff: Option<String>,
    candidate: Option<String>,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before_id: Option<String>,
}

impl AuditForm {
    fn has_candidate(&self) -> bool {
        self.candidate
            .as_deref()
            .is_some_and(|c| !c.trim().is_empty())
    }

    /// The search these fields ask for; a page number that is not one is refused.
    fn fields(&self) -> Result<AuditSearch, String> {
        let before_id = match self.before_id.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(id) => Some(
                id.parse::<i64>()
                    .map_err(|_| "翻页参数不正确，请从第一页重新查询。".to_string())?,
            ),
        };
        Ok(AuditSearch {
            staff: self.staff.clone(),
            candidate: self.candidate.clone(),
            action: self.action.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            before_id,
        })
    }

    /// The same filters in a URL (never the candidate), one page older than `before_id`.
    fn href(&self, before_id: Option<i64>) -> String {
        let mut url = form_urlencoded::Serializer::new(String::new());
        for (key, value) in [
            ("staff", &self.staff),
            ("action", &self.action),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if let Some(value) = value.as_deref().filter(|v| !v.trim().is_empty()) {
                url.append_pair(key, value.trim());
            }
        }
        if let Some(id) = before_id {
            url.append_pair("before_id", &id.to_string());
        }
        let query = url.finish();
        if query.is_empty() {
            "/admin/audit".to_string()
        } else {
            format!("/admin/audit?{query}")
        }
    }
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
    /// The same, as the `before_id` a posted candidate search sends again.
    next_before_id: Option<i64>,
    /// The list answers a posted candidate search: the older page is a form, not a link.
    searching: bool,
    disagreements: Vec<DisagreementLine>,
}

/// `GET /admin/audit`: the log with the filters of the URL. A candidate filter in the URL
/// (an old bookmark) is not run: the page says to type it into the form.
async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    query: Result<Query<AuditForm>, QueryRejection>,
) -> Response {
    let visitor = match admin_page(&state, &headers).await {
        Ok(visitor) => visitor,
        Err(response) => return response,
    };
    let (form, refusal) = match query {
        Ok(Query(form)) if form.has_candidate() => (
            AuditForm {
                candidate: None,
                ..form
            },
            Some(
                "为保护个人信息，考生条件（身份证号、报名号或姓名）不能放在网址中：\
                 请在“考生”框中输入，再点“查询”。",
            ),
        ),
        Ok(Query(form)) => (form, None),
        Err(_) => (
            AuditForm::default(),
            Some("网址中的查询条件无法识别，请在下面重新填写后点“查询”。"),
        ),
    };
    let me = reviewer(&state, &visitor, &headers, peer);
    show(&state, &visitor, &me, &form, refusal).await
}

/// `POST /admin/audit`: the search form. A candidate filter is answered here, never
/// redirected; without one the browser goes to the same filters' URL.
async fn search(
    State(state): State<AppState>,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    form: Result<Form<AuditForm>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        if let Err(response) = admin_page(&state, &headers).await {
            return response;
        }
        return message(
            StatusCode::UNPROCESSABLE_ENTITY,
            "无法识别查询条件",
            "查询条件无法识别，请返回审计日志重新填写。",
        );
    };
    let visitor = match admin_posting(&state, &headers, &form.csrf).await {
        Ok(visitor) => visitor,
        Err(response) => return response,
    };
    if let (false, Ok(fields)) = (form.has_candidate(), form.fields())
        && fields.filter().is_ok()
    {
        return Redirect::to(&form.href(fields.before_id)).into_response();
    }
    let me = reviewer(&state, &visitor, &headers, peer);
    show(&state, &visitor, &me, &form, None).await
}

/// The log for these filters; with a refusal it lists nothing, says why, and answers 422.
async fn show(
    state: &AppState,
    visitor: &StaffVisitor,
    me: &Reviewer,
    form: &AuditForm,
    refusal: Option<&str>,
) -> Response {
    let filter = match refusal {
        Some(refusal) => Err(refusal.to_string()),
        None => form
            .fields()
            .and_then(|fields| fields.filter().map_err(|refused| refused.message)),
    };
    let (status, rows, next_before_id, error) = match filter {
        Err(error) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Vec::new(),
            None,
            Some(error),
        ),
        Ok(filter) => match state
            .db
            .search_audit_as(&filter, me.staff_id, me.ip.clone())
            .await
        {
            Err(e) => return failure(&e),
            Ok(rows) => {
                let next = (rows.len() as i64 == filter.limit)
                    .then(|| rows.last().map(|r| r.id))
                    .flatten();
                (
                    StatusCode::OK,
                    rows.into_iter().map(line).collect(),
                    next,
                    None,
                )
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
    // Shown again as typed, less what a page cannot show (a refused control character).
    let text = |v: &Option<String>| -> String {
        v.as_deref()
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect()
    };
    let candidate = text(&form.candidate);
    let page = AuditPage {
        csrf: visitor.csrf(),
        username: visitor.username.clone(),
        is_admin: true,
        staff: text(&form.staff),
        searching: error.is_none() && !candidate.trim().is_empty(),
        candidate,
        action: text(&form.action),
        from: text(&form.from),
        to: text(&form.to),
        actions: ACTIONS.to_vec(),
        error,
        rows,
        next: next_before_id.map(|id| form.href(Some(id))),
        next_before_id,
        disagreements,
    };
    (status, page).into_response()
}

pub struct AuditLine {
    at: String,
    who: String,
    action: String,
    candidate: String,
    ip: String,
    detail: String,
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
