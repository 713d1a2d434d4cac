//! Admin pages: candidates — the search (a form post, so an ID number never lands in a URL),
//! one candidate's page as they see it (read-only, images through the audited staff
//! routes) with the category explanation and the case history, and the password reset.

mod detail;

use std::net::SocketAddr;

use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use super::{admin_page, admin_posting};
use crate::db::candidates::CandidateMatch;
use crate::domain::id_number::mask;
use crate::domain::status::Status;
use crate::review::ReviewError;
use crate::review::candidates::search_text;
use crate::web::AppState;
use crate::web::flash::{Flash, FlashCookie};
use crate::web::review::{case_id, reviewer};
use crate::web::routes::Routes;
use crate::web::staff::{StaffVisitor, failure, message};

pub fn router() -> Routes {
    Routes::new()
        .route("/admin/candidates", get(search_page).post(search))
        .route("/admin/candidates/{id}", get(detail::page))
        .route(
            "/admin/candidates/{id}/reset-password",
            post(reset_password),
        )
}

/// The candidate pages' one-time messages.
const FLASH: FlashCookie = FlashCookie {
    name: "shenhe_admin_candidate_flash",
    path: "/admin/candidates",
};

#[derive(askama::Template, askama_web::WebTemplate)]
#[template(path = "admin/candidates.html")]
pub struct SearchPage {
    csrf: String,
    username: String,
    is_admin: bool,
    /// What was searched for (shown again in the box, never in a URL).
    q: String,
    exam_name: String,
    /// `None` before a search.
    results: Option<Vec<MatchLine>>,
    error: Option<String>,
}

pub struct MatchLine {
    url: String,
    name: String,
    /// Masked: `420502********0215`.
    id_number: String,
    registration_no: String,
    category: String,
    status: &'static str,
}

#[derive(Deserialize)]
pub struct SearchForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    q: String,
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

fn search_page_for(visitor: &StaffVisitor, exam_name: String) -> SearchPage {
    SearchPage {
        csrf: visitor.csrf(),
        username: visitor.username.clone(),
        is_admin: true,
        q: String::new(),
        exam_name,
        results: None,
        error: None,
    }
}

async fn search_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let visitor = match admin_page(&state, &headers).await {
        Ok(visitor) => visitor,
        Err(response) => return response,
    };
    let exam_name = match state.db.current_exam().await {
        Ok(exam) => exam.map(|e| e.name).unwrap_or_default(),
        Err(e) => return failure(&e),
    };
    search_page_for(&visitor, exam_name).into_response()
}

async fn search(
    State(state): State<AppState>,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    form: Result<Form<SearchForm>, FormRejection>,
) -> Response {
    let form = form.map(|Form(f)| f).unwrap_or(SearchForm {
        csrf: String::new(),
        q: String::new(),
    });
    let visitor = match admin_posting(&state, &headers, &form.csrf).await {
        Ok(visitor) => visitor,
        Err(response) => return response,
    };
    let mut page = search_page_for(&visitor, String::new());
    page.q = form
        .q
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(50)
        .collect();
    let q = match search_text(&form.q) {
        Ok(Some(q)) => q,
        Ok(None) => {
            page.error = Some("请输入考生的姓名、身份证号或报名号（50 个字以内）。".to_string());
            return (StatusCode::UNPROCESSABLE_ENTITY, page).into_response();
        }
        Err(refusal) => {
            page.error = Some(refusal.to_string());
            return (StatusCode::UNPROCESSABLE_ENTITY, page).into_response();
        }
    };
    let me = reviewer(&state, &visitor, &headers, peer);
    match state.reviewing.search_candidates(&me, None, &q).await {
        Ok((exam, rows)) => {
            let rules = match state.portal.rules(&exam) {
                Ok(rules) => rules,
                Err(e) => return failure(&e),
            };
            let category = |code: &Option<String>| match code {
                Some(code) => rules
                    .category(code)
                    .map_or_else(|| code.clone(), |c| c.name.clone()),
                None => "不符合报考条件".to_string(),
            };
            page.exam_name = exam.name.clone();
            page.results = Some(
                rows.iter()
                    .map(|row: &CandidateMatch| MatchLine {
                        url: format!("/admin/candidates/{}", row.id),
                        name: row.name.clone(),
                        id_number: mask(&row.id_number),
                        registration_no: row.registration_no.clone(),
                        category: category(&row.category),
                        status: Status::parse(&row.status).map_or("—", Status::label),
                    })
                    .collect(),
            );
            page.into_response()
        }
        Err(ReviewError::NoExam) => {
            page.error = Some(ReviewError::NoExam.to_string());
            (StatusCode::CONFLICT, page).into_response()
        }
        Err(e) => refused(e),
    }
}

async fn reset_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    Path(id): Path<String>,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Response {
    let csrf = form.map(|Form(f)| f.csrf).unwrap_or_default();
    let visitor = match admin_posting(&state, &headers, &csrf).await {
        Ok(visitor) => visitor,
        Err(response) => return response,
    };
    let Some(id) = case_id(&id) else {
        return refused(ReviewError::NotFound);
    };
    let me = reviewer(&state, &visitor, &headers, peer);
    match state.reviewing.reset_candidate_password(&me, id).await {
        Ok(()) => {
            let flash = Flash {
                ok: true,
                text: "已重置密码：考生现在用报名时填写的电子邮箱作为初始密码登录，登录后须修改密码；其原有登录已全部退出。".to_string(),
                material: None,
            };
            let jar = FLASH.set(jar, &flash);
            (jar, Redirect::to(&format!("/admin/candidates/{id}"))).into_response()
        }
        Err(e) => refused(e),
    }
}

fn refused(error: ReviewError) -> Response {
    match error {
        ReviewError::Internal(e) => failure(&e),
        ReviewError::NotFound => message(
            StatusCode::NOT_FOUND,
            "找不到考生",
            "找不到这位考生，请返回考生查询重新查找。",
        ),
        other => message(StatusCode::CONFLICT, "无法完成操作", &other.to_string()),
    }
}
