//! One exam's page: its name, upload window, resubmission deadline, reason catalogue, the
//! current mark, and the form that replaces its rules (see `rules`).

use std::net::SocketAddr;

use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use serde_json::json;
use time::OffsetDateTime;

use super::{CsrfForm, FLASH, audit, csrf_of, exam_path, redirect_with};
use crate::db::exams::ExamRow;
use crate::domain::review::ReasonCatalogue;
use crate::domain::rules::ExamConfig;
use crate::domain::window::{Window, beijing_input, parse_beijing};
use crate::web::AppState;
use crate::web::admin::{admin_page, admin_posting};
use crate::web::flash::Flash;
use crate::web::staff::{StaffVisitor, failure, message};

#[derive(askama::Template, askama_web::WebTemplate)]
#[template(path = "admin/exam.html")]
pub struct ExamPage {
    csrf: String,
    username: String,
    is_admin: bool,
    flash: Option<Flash>,
    code: String,
    name: String,
    is_current: bool,
    purged: bool,
    opens: String,
    closes: String,
    deadline: String,
    reasons: String,
    custom_reasons: bool,
    candidates: i64,
    categories: Vec<(String, i64)>,
    config: String,
}

/// The exam of a page, or the 404 page.
pub(super) async fn exam_of(state: &AppState, code: &str) -> Result<ExamRow, Response> {
    match state.db.find_exam_by_code(code).await {
        Ok(Some(exam)) => Ok(exam),
        Ok(None) => Err(message(
            StatusCode::NOT_FOUND,
            "找不到考试",
            "没有这个代码的考试，请从考试列表中选择。",
        )),
        Err(e) => Err(failure(&e)),
    }
}

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    Path(code): Path<String>,
) -> Response {
    let visitor = match admin_page(&state, &headers).await {
        Ok(visitor) => visitor,
        Err(response) => return response,
    };
    let exam = match exam_of(&state, &code).await {
        Ok(exam) => exam,
        Err(response) => return response,
    };
    let (candidates, categories) = match (
        state.db.count_candidates(exam.id).await,
        state.db.count_by_category(exam.id).await,
    ) {
        (Ok(n), Ok(c)) => (n, c),
        (Err(e), _) | (_, Err(e)) => return failure(&e),
    };
    let (jar, flash) = FLASH.take(jar);
    let input = |t: Option<OffsetDateTime>| t.map(beijing_input).unwrap_or_default();
    let catalogue = ReasonCatalogue::from_stored(exam.review_reasons.as_deref());
    let rules = ExamConfig::parse(&exam.config).ok();
    let page = ExamPage {
        csrf: visitor.csrf(),
        username: visitor.username.clone(),
        is_admin: true,
        flash,
        code: exam.code.clone(),
        name: exam.name.clone(),
        is_current: exam.is_current,
        purged: exam.purged_at.is_some(),
        opens: input(exam.upload_opens_at),
        closes: input(exam.upload_closes_at),
        deadline: input(exam.resubmit_deadline),
        reasons: catalogue.reasons().join("\n"),
        custom_reasons: exam.review_reasons.is_some(),
        candidates,
        categories: categories
            .into_iter()
            .map(|(code, n)| (category_name(rules.as_ref(), code), n))
            .collect(),
        config: exam.config,
    };
    (jar, page).into_response()
}

/// The words for a stored category code (`None`: not eligible here).
fn category_name(rules: Option<&ExamConfig>, code: Option<String>) -> String {
    match code {
        None => "不符合本考区审核条件".to_string(),
        Some(code) => rules
            .and_then(|r| r.category(&code))
            .map_or(code, |c| c.name.clone()),
    }
}

/// An admin's post on one exam: the admin (CSRF checked), the exam and their address.
async fn posting(
    state: &AppState,
    headers: &HeaderMap,
    peer: SocketAddr,
    code: &str,
    csrf: &str,
) -> Result<(StaffVisitor, ExamRow, Option<String>), Response> {
    let visitor = admin_posting(state, headers, csrf).await?;
    let exam = exam_of(state, code).await?;
    Ok((visitor, exam, state.client_ip(headers, Some(peer))))
}

#[derive(Deserialize)]
pub struct NameForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
}

pub async fn name(
    State(state): State<AppState>,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    Path(code): Path<String>,
    form: Result<Form<NameForm>, FormRejection>,
) -> Response {
    let csrf = form.as_ref().map(|f| f.csrf.clone()).unwrap_or_default();
    let (visitor, exam, ip) = match posting(&state, &headers, peer, &code, &csrf).await {
        Ok(post) => post,
        Err(response) => return response,
    };
    let name = form.map(|Form(f)| f.name).unwrap_or_default();
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        let text = "考试名称不能为空，且不超过 100 个字，请重新填写。";
        return redirect_with(jar, &exam_path(&code), false, text);
    }
    let detail = json!({ "name": name });
    let saved = async {
        state.db.set_exam_name(exam.id, name).await?;
        audit(&state, &visitor, ip, "exam_saved", &exam, Some(detail)).await
    };
    match saved.await {
        Ok(()) => redirect_with(jar, &exam_path(&code), true, "已修改考试名称。"),
        Err(e) => failure(&e),
    }
}

#[derive(Deserialize)]
pub struct WindowForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    opens: String,
    #[serde(default)]
    closes: String,
}

/// A typed moment: empty is `None`; text that is not a moment is refused.
fn moment(text: &str) -> Result<Option<OffsetDateTime>, ()> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    parse_beijing(text).map(Some).ok_or(())
}

pub async fn window(
    State(state): State<AppState>,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    Path(code): Path<String>,
    form: Result<Form<WindowForm>, FormRejection>,
) -> Response {
    let csrf = form.as_ref().map(|f| f.csrf.clone()).unwrap_or_default();
    let (visitor, exam, ip) = match posting(&state, &headers, peer, &code, &csrf).await {
        Ok(post) => post,
        Err(response) => return response,
    };
    let Ok(Form(form)) = form else {
        return redirect_with(
            jar,
            &exam_path(&code),
            false,
            "提交的内容不完整，请重新填写。",
        );
    };
    let (Ok(opens), Ok(closes)) = (moment(&form.opens), moment(&form.closes)) else {
        let text = "时间格式不正确，请写成 2023-10-27 09:00 的形式（北京时间）。";
        return redirect_with(jar, &exam_path(&code), false, text);
    };
    if let Some(refusal) = (Window {
        opens_at: opens,
        closes_at: closes,
    })
    .refusal_to_save()
    {
        return redirect_with(jar, &exam_path(&code), false, refusal);
    }
    let detail =
        json!({ "upload_opens_at": form.opens.trim(), "upload_closes_at": form.closes.trim() });
    let saved = async {
        state.db.set_upload_window(exam.id, opens, closes).await?;
        audit(&state, &visitor, ip, "exam_saved", &exam, Some(detail)).await
    };
    match saved.await {
        Ok(()) => redirect_with(jar, &exam_path(&code), true, "已修改材料上传时间。"),
        Err(e) => failure(&e),
    }
}

#[derive(Deserialize)]
pub struct DeadlineForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    deadline: String,
}

pub async fn deadline(
    State(state): State<AppState>,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    Path(code): Path<String>,
    form: Result<Form<DeadlineForm>, FormRejection>,
) -> Response {
    let csrf = form.as_ref().map(|f| f.csrf.clone()).unwrap_or_default();
    let (visitor, exam, ip) = match posting(&state, &headers, peer, &code, &csrf).await {
        Ok(post) => post,
        Err(response) => return response,
    };
    let typed = form.map(|Form(f)| f.deadline).unwrap_or_default();
    let Ok(deadline) = moment(&typed) else {
        let text = "时间格式不正确，请写成 2023-11-03 17:00 的形式（北京时间）。";
        return redirect_with(jar, &exam_path(&code), false, text);
    };
    let detail = json!({ "resubmit_deadline": typed.trim() });
    let saved = async {
        state.db.set_resubmit_deadline(exam.id, deadline).await?;
        audit(&state, &visitor, ip, "exam_saved", &exam, Some(detail)).await
    };
    match saved.await {
        Ok(()) => redirect_with(jar, &exam_path(&code), true, "已修改重新提交截止时间。"),
        Err(e) => failure(&e),
    }
}

#[derive(Deserialize)]
pub struct ReasonsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reasons: String,
    /// Present: back to the default catalogue.
    default: Option<String>,
}

pub async fn reasons(
    State(state): State<AppState>,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    Path(code): Path<String>,
    form: Result<Form<ReasonsForm>, FormRejection>,
) -> Response {
    let csrf = form.as_ref().map(|f| f.csrf.clone()).unwrap_or_default();
    let (visitor, exam, ip) = match posting(&state, &headers, peer, &code, &csrf).await {
        Ok(post) => post,
        Err(response) => return response,
    };
    let Ok(Form(form)) = form else {
        return redirect_with(
            jar,
            &exam_path(&code),
            false,
            "提交的内容不完整，请重新填写。",
        );
    };
    let lines: Vec<String> = if form.default.is_some() {
        Vec::new()
    } else {
        form.reasons.lines().map(str::to_string).collect()
    };
    if form.default.is_none() && lines.iter().all(|l| l.trim().is_empty()) {
        let text = "请每行填写一条不合格原因；要恢复默认原因，请点“恢复默认”。";
        return redirect_with(jar, &exam_path(&code), false, text);
    }
    let saved = async {
        let stored = state.db.save_review_reasons(exam.id, &lines).await?;
        let detail = json!({ "review_reasons": stored });
        audit(&state, &visitor, ip, "setting_changed", &exam, Some(detail)).await
    };
    match saved.await {
        Ok(()) => redirect_with(jar, &exam_path(&code), true, "已保存不合格原因。"),
        Err(e) => failure(&e),
    }
}

pub async fn current(
    State(state): State<AppState>,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    Path(code): Path<String>,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Response {
    let (visitor, exam, ip) = match posting(&state, &headers, peer, &code, &csrf_of(&form)).await {
        Ok(post) => post,
        Err(response) => return response,
    };
    if exam.purged_at.is_some() {
        let text = "这场考试的资料已清除，不能再设为当前考试。";
        return redirect_with(jar, &exam_path(&code), false, text);
    }
    let detail = json!({ "current": true });
    let saved = async {
        state.db.set_current_exam(exam.id).await?;
        audit(&state, &visitor, ip, "exam_saved", &exam, Some(detail)).await
    };
    match saved.await {
        Ok(()) => {
            let text = format!("已将 {} 设为当前考试，考生登录后进入这场考试。", exam.name);
            redirect_with(jar, &exam_path(&code), true, text)
        }
        Err(e) => failure(&e),
    }
}
