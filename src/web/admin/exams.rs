//! Admin pages: exams — create from a config file, edit windows and reasons, mark current,
//! category preview (`rules`).

mod edit;
mod rules;

use std::net::SocketAddr;

use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, Form, Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use super::{admin_csrf, admin_page};
use crate::db::audit::{Actor, AuditEntry};
use crate::db::exams::ExamRow;
use crate::domain::rules::{ConfigError, ExamConfig};
use crate::domain::window::beijing;
use crate::web::AppState;
use crate::web::flash::{Flash, FlashCookie};
use crate::web::routes::Routes;
use crate::web::staff::{StaffVisitor, failure, message};

/// A config file is a few tens of KiB; the forms that carry one stay under this.
const CONFIG_BODY_LIMIT: usize = 1024 * 1024;

pub fn router() -> Routes {
    Routes::new()
        .route("/admin/exams", get(list).post(create))
        .route("/admin/exams/{code}", get(edit::page))
        .route("/admin/exams/{code}/name", post(edit::name))
        .route("/admin/exams/{code}/window", post(edit::window))
        .route("/admin/exams/{code}/deadline", post(edit::deadline))
        .route("/admin/exams/{code}/reasons", post(edit::reasons))
        .route("/admin/exams/{code}/current", post(edit::current))
        .route("/admin/exams/{code}/rules", post(rules::preview))
        .route("/admin/exams/{code}/rules/confirm", post(rules::confirm))
        .body_limit(CONFIG_BODY_LIMIT)
}

/// The exam pages' one-time messages.
const FLASH: FlashCookie = FlashCookie {
    name: "shenhe_exams_flash",
    path: "/admin/exams",
};

/// Back to `to` (a path under `/admin/exams`) with a one-time message.
fn redirect_with(jar: CookieJar, to: &str, ok: bool, text: impl Into<String>) -> Response {
    let flash = Flash {
        ok,
        text: text.into(),
        material: None,
    };
    (FLASH.set(jar, &flash), Redirect::to(to)).into_response()
}

fn exam_path(code: &str) -> String {
    format!("/admin/exams/{code}")
}

#[derive(askama::Template, askama_web::WebTemplate)]
#[template(path = "admin/exams.html")]
pub struct ExamsPage {
    csrf: String,
    username: String,
    is_admin: bool,
    flash: Option<Flash>,
    exams: Vec<ExamLine>,
    /// The config text of a failed creation, to edit and send again.
    config: String,
    errors: Vec<ConfigError>,
    /// A refusal that is not about a line of the config.
    problem: Option<String>,
}

pub struct ExamLine {
    code: String,
    name: String,
    is_current: bool,
    window: String,
    deadline: String,
    purged: String,
}

fn exam_line(exam: &ExamRow) -> ExamLine {
    let at = |t: Option<time::OffsetDateTime>| t.map(beijing).unwrap_or_else(|| "未设置".into());
    ExamLine {
        code: exam.code.clone(),
        name: exam.name.clone(),
        is_current: exam.is_current,
        window: format!(
            "{} 至 {}",
            at(exam.upload_opens_at),
            at(exam.upload_closes_at)
        ),
        deadline: at(exam.resubmit_deadline),
        purged: exam.purged_at.map(beijing).unwrap_or_default(),
    }
}

async fn list(State(state): State<AppState>, headers: HeaderMap, jar: CookieJar) -> Response {
    let visitor = match admin_page(&state, &headers).await {
        Ok(visitor) => visitor,
        Err(response) => return response,
    };
    let (jar, flash) = FLASH.take(jar);
    let page = exams_page(&state, &visitor, flash, String::new(), Vec::new(), None).await;
    (jar, page).into_response()
}

async fn exams_page(
    state: &AppState,
    visitor: &StaffVisitor,
    flash: Option<Flash>,
    config: String,
    errors: Vec<ConfigError>,
    problem: Option<String>,
) -> Response {
    let exams = match state.db.list_exams().await {
        Ok(exams) => exams,
        Err(e) => return failure(&e),
    };
    ExamsPage {
        csrf: visitor.csrf(),
        username: visitor.username.clone(),
        is_admin: true,
        flash,
        exams: exams.iter().map(exam_line).collect(),
        config,
        errors,
        problem,
    }
    .into_response()
}

/// A form carrying a config: pasted (`config`) or uploaded (`file`, which wins when given).
struct ConfigForm {
    csrf: String,
    text: String,
    /// Why the config could not be read, to show instead of its errors.
    problem: Option<String>,
}

/// Reads a config form, keeping what arrived when part of it cannot be read.
async fn read_config_form(mut multipart: Multipart) -> ConfigForm {
    let mut form = ConfigForm {
        csrf: String::new(),
        text: String::new(),
        problem: None,
    };
    let broken = "上传没有完成，请检查网络后重试。";
    let mut uploaded = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => {
                form.problem = Some(broken.into());
                return form;
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        let Ok(bytes) = field.bytes().await else {
            form.problem = Some(broken.into());
            return form;
        };
        let text = String::from_utf8(bytes.to_vec());
        match (name.as_str(), text) {
            ("csrf", Ok(text)) => form.csrf = text,
            ("config", Ok(text)) => form.text = text,
            ("file", Ok(text)) if !text.is_empty() => uploaded = Some(text),
            ("file", Err(_)) => {
                form.problem = Some(
                    "配置文件须为 UTF-8 编码的文本（TOML），请另存为 UTF-8 后重新上传。".into(),
                );
            }
            _ => {}
        }
    }
    if let Some(text) = uploaded {
        form.text = text;
    }
    form.text = form.text.replace("\r\n", "\n");
    if form.problem.is_none() && form.text.trim().is_empty() {
        form.problem = Some("请粘贴考试配置，或选择配置文件（TOML）上传。".into());
    }
    form
}

/// A multipart form that could not be read, before the CSRF check: nothing is done.
fn unreadable(text: &str) -> Response {
    message(StatusCode::UNPROCESSABLE_ENTITY, "无法读取提交的内容", text)
}

async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let visitor = match admin_page(&state, &headers).await {
        Ok(visitor) => visitor,
        Err(response) => return response,
    };
    let Ok(multipart) = multipart else {
        return unreadable("请通过本页的表单提交考试配置。");
    };
    let form = read_config_form(multipart).await;
    if let Some(refused) = admin_csrf(&visitor, &form.csrf) {
        return refused;
    }
    let refuse = |text: String, errors: Vec<ConfigError>, problem: Option<String>| {
        let state = state.clone();
        let visitor = visitor.clone();
        async move {
            let page = exams_page(&state, &visitor, None, text, errors, problem).await;
            (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
        }
    };
    if form.problem.is_some() {
        return refuse(form.text, Vec::new(), form.problem).await;
    }
    let rules = match ExamConfig::parse(&form.text) {
        Ok(rules) => rules,
        Err(errors) => return refuse(form.text, errors, None).await,
    };
    match state.db.find_exam_by_code(rules.code()).await {
        Err(e) => return failure(&e),
        Ok(Some(_)) => {
            let problem = format!(
                "考试代码 {} 已存在。要修改这场考试的规则，请打开该考试，在“替换规则”中提交；\
                 要新建考试，请在配置的 [exam] 中换一个代码。",
                rules.code()
            );
            return refuse(form.text, Vec::new(), Some(problem)).await;
        }
        Ok(None) => {}
    }
    let exam = match state
        .db
        .save_exam(rules.code(), rules.name(), &form.text)
        .await
    {
        Ok(exam) => exam,
        Err(e) => return failure(&e),
    };
    let ip = state.client_ip(&headers, Some(peer));
    if let Err(e) = audit(&state, &visitor, ip, "exam_saved", &exam, None).await {
        return failure(&e);
    }
    let text = format!(
        "已创建考试 {}（{}）。请设置材料上传时间，然后导入考生名单。",
        exam.name, exam.code
    );
    redirect_with(jar, &exam_path(&exam.code), true, text)
}

/// Writes an admin's change to an exam to the audit log.
async fn audit(
    state: &AppState,
    visitor: &StaffVisitor,
    ip: Option<String>,
    action: &'static str,
    exam: &ExamRow,
    detail: Option<serde_json::Value>,
) -> anyhow::Result<()> {
    let mut detail = detail.unwrap_or_else(|| serde_json::json!({}));
    detail["exam"] = serde_json::Value::String(exam.code.clone());
    state
        .db
        .record_audit(AuditEntry {
            actor: Actor::Staff(visitor.staff_id),
            action,
            candidate_id: None,
            ip,
            detail: Some(detail),
        })
        .await
}

/// A form with only the CSRF token.
#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// The CSRF token of a form that may not have parsed.
fn csrf_of(form: &Result<Form<CsrfForm>, FormRejection>) -> String {
    form.as_ref()
        .map(|Form(f)| f.csrf.clone())
        .unwrap_or_default()
}
