//! Admin pages: candidates — the search (a form post, so an ID number never lands in a URL),
//! one candidate's page as they see it (read-only, images through the audited staff
//! routes) with the category explanation and the case history, and the password reset.

use std::net::SocketAddr;

use axum::Router;
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
use crate::domain::review::Marks;
use crate::domain::status::Status;
use crate::domain::window::beijing;
use crate::review::candidates::{CandidateFile, search_text};
use crate::review::{ReviewError, Reviewer};
use crate::web::AppState;
use crate::web::flash::{Flash, FlashCookie};
use crate::web::staff::{StaffVisitor, failure, message};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/candidates", get(search_page).post(search))
        .route("/admin/candidates/{id}", get(detail))
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

#[derive(askama::Template, askama_web::WebTemplate)]
#[template(path = "admin/candidate.html")]
pub struct DetailPage {
    csrf: String,
    username: String,
    is_admin: bool,
    id: i64,
    flash: Option<Flash>,
    exam_name: String,
    name: String,
    id_number: String,
    registration_no: String,
    school: String,
    is_student: &'static str,
    hukou: String,
    subject: String,
    email: String,
    phone: String,
    category: String,
    status_code: &'static str,
    status: &'static str,
    window: String,
    ineligible: Option<String>,
    outcome: Option<OutcomeLine>,
    materials: Vec<MaterialLine>,
    /// The rules' explanation, line by line.
    explanation: Vec<String>,
    history: Vec<RoundLine>,
}

pub struct OutcomeLine {
    code: &'static str,
    title: &'static str,
    comment: Option<String>,
    deadline: Option<String>,
}

pub struct MaterialLine {
    index: usize,
    name: String,
    description: String,
    required: bool,
    /// `Some((ok, text))` after a review.
    mark: Option<(bool, String)>,
    /// (thumbnail URL, full image URL), through the audited staff routes.
    images: Vec<(String, String)>,
}

pub struct RoundLine {
    round: i32,
    submitted_at: String,
    decisions: Vec<DecisionLine>,
}

pub struct DecisionLine {
    stage: &'static str,
    outcome: &'static str,
    reviewer: String,
    decided_at: String,
    comment: Option<String>,
    marks: Vec<String>,
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

fn staff(
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
    page.q = form.q.trim().chars().take(50).collect();
    let Some(q) = search_text(&form.q) else {
        page.error = Some("请输入考生的姓名、身份证号或报名号（50 个字以内）。".to_string());
        return (StatusCode::UNPROCESSABLE_ENTITY, page).into_response();
    };
    let me = staff(&state, &visitor, &headers, peer);
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

async fn detail(
    State(state): State<AppState>,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    Path(id): Path<String>,
) -> Response {
    let visitor = match admin_page(&state, &headers).await {
        Ok(visitor) => visitor,
        Err(response) => return response,
    };
    let Some(id) = candidate_id(&id) else {
        return refused(ReviewError::NotFound);
    };
    let me = staff(&state, &visitor, &headers, peer);
    match state
        .reviewing
        .candidate_file(&me, id, crate::db::now())
        .await
    {
        Ok(file) => {
            let (jar, flash) = FLASH.take(jar);
            (jar, detail_page(&visitor, id, file, flash)).into_response()
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
    let Some(id) = candidate_id(&id) else {
        return refused(ReviewError::NotFound);
    };
    let me = staff(&state, &visitor, &headers, peer);
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

/// A candidate id from the URL.
fn candidate_id(text: &str) -> Option<i64> {
    text.parse::<i64>().ok().filter(|id| *id > 0)
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

fn detail_page(
    visitor: &StaffVisitor,
    id: i64,
    file: CandidateFile,
    flash: Option<Flash>,
) -> DetailPage {
    let o = &file.overview;
    let facts = &o.candidate.facts;
    let names: Vec<(String, String)> = o
        .materials
        .iter()
        .map(|m| (m.code.clone(), m.name.clone()))
        .collect();
    DetailPage {
        csrf: visitor.csrf(),
        username: visitor.username.clone(),
        is_admin: true,
        id,
        flash,
        exam_name: o.exam.name.clone(),
        name: facts.name.clone(),
        id_number: facts.id_number.clone(),
        registration_no: facts.registration_no.clone(),
        school: facts.school.clone(),
        is_student: if facts.is_student { "是" } else { "否" },
        hukou: facts.hukou_text.clone(),
        subject: facts.subject.clone(),
        email: facts.email.clone(),
        phone: facts.phone.clone().unwrap_or_else(|| "—".to_string()),
        category: o
            .category
            .as_ref()
            .map_or_else(|| "不符合报考条件".to_string(), |(_, name)| name.clone()),
        status_code: o.status.as_str(),
        status: o.status.label(),
        window: o.window_state.describe(&o.window),
        ineligible: facts.ineligible_reason.clone(),
        outcome: o.decision.as_ref().map(|d| OutcomeLine {
            code: d.outcome.as_str(),
            title: d.outcome.title(),
            comment: d.comment.clone(),
            deadline: d.deadline.map(|at| format!("{}（北京时间）", beijing(at))),
        }),
        materials: o
            .materials
            .iter()
            .enumerate()
            .map(|(i, m)| MaterialLine {
                index: i + 1,
                name: m.name.clone(),
                description: m.description.clone(),
                required: m.required,
                mark: m.review.as_ref().map(|r| {
                    let text = r.text().unwrap_or_default();
                    (
                        r.ok,
                        if r.ok {
                            "合格".to_string()
                        } else {
                            format!("需修改：{text}")
                        },
                    )
                }),
                images: m
                    .images
                    .iter()
                    .map(|image| {
                        let url = format!("/api/v1/review/images/{}", image.uid);
                        (format!("{url}/thumb"), url)
                    })
                    .collect(),
            })
            .collect(),
        explanation: file
            .explanation
            .to_string()
            .lines()
            .map(str::to_string)
            .collect(),
        history: file
            .history
            .iter()
            .map(|round| RoundLine {
                round: round.round,
                submitted_at: beijing(round.submitted_at),
                decisions: round
                    .decisions
                    .iter()
                    .map(|d| DecisionLine {
                        stage: if d.stage >= 2 { "复核" } else { "初审" },
                        outcome: d.outcome.title(),
                        reviewer: d.reviewer.clone(),
                        decided_at: beijing(d.decided_at),
                        comment: d.comment.clone().filter(|c| !c.trim().is_empty()),
                        marks: mark_lines(&d.marks, &names),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// "材料：合格" or "材料：不合格（原因）", in the order of the candidate's materials.
fn mark_lines(marks: &Marks, names: &[(String, String)]) -> Vec<String> {
    names
        .iter()
        .filter_map(|(code, name)| {
            marks.get(code).map(|mark| match (mark.ok, mark.text()) {
                (true, _) => format!("{name}：合格"),
                (false, Some(text)) => format!("{name}：不合格（{text}）"),
                (false, None) => format!("{name}：不合格"),
            })
        })
        .collect()
}
