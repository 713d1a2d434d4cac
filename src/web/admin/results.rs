//! Admin pages: results export (CSV / XLSX, downloaded by a GET form) and purging a
//! finished exam (a POST that needs the exam's code typed again). The download answer is
//! shared with the API (`download`).

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use super::{admin_page, admin_posting};
use crate::db::Db;
use crate::db::audit::Actor;
use crate::db::exams::ExamRow;
use crate::domain::window::beijing;
use crate::results::{ExportOptions, PurgeOutcome, STATUS_CHOICES, purge_exam, stream_export};
use crate::web::AppState;
use crate::web::flash::{Flash, FlashCookie};
use crate::web::routes::Routes;
use crate::web::staff::{failure, message};

pub fn router() -> Routes {
    Routes::new()
        .route("/admin/results", get(page))
        .route("/admin/results/export", get(export))
        .route("/admin/results/purge", post(purge))
}

/// This page's one-time messages.
const FLASH: FlashCookie = FlashCookie {
    name: "shenhe_results_flash",
    path: "/admin/results",
};

#[derive(askama::Template, askama_web::WebTemplate)]
#[template(path = "admin/results.html")]
pub struct ResultsPage {
    csrf: String,
    username: String,
    is_admin: bool,
    flash: Option<Flash>,
    /// Exams whose results can still be exported: (code, name, current).
    exams: Vec<(String, String, bool)>,
    statuses: Vec<(&'static str, &'static str)>,
    purges: Vec<PurgeLine>,
}

/// One exam in the purge section.
pub struct PurgeLine {
    code: String,
    name: String,
    /// 已清除于 … / why it cannot be purged yet; empty when it can.
    state: String,
    can_purge: bool,
}

async fn page(State(state): State<AppState>, headers: HeaderMap, jar: CookieJar) -> Response {
    let visitor = match admin_page(&state, &headers).await {
        Ok(visitor) => visitor,
        Err(response) => return response,
    };
    let exams = match state.db.list_exams().await {
        Ok(exams) => exams,
        Err(e) => return failure(&e),
    };
    let mut purges = Vec::new();
    for exam in &exams {
        match purge_line(&state.db, exam).await {
            Ok(line) => purges.push(line),
            Err(e) => return failure(&e),
        }
    }
    let (jar, flash) = FLASH.take(jar);
    let page = ResultsPage {
        csrf: visitor.csrf(),
        username: visitor.username.clone(),
        is_admin: true,
        flash,
        exams: exams
            .iter()
            .filter(|e| e.purged_at.is_none())
            .map(|e| (e.code.clone(), e.name.clone(), e.is_current))
            .collect(),
        statuses: STATUS_CHOICES.to_vec(),
        purges,
    };
    (jar, page).into_response()
}

async fn purge_line(db: &Db, exam: &ExamRow) -> anyhow::Result<PurgeLine> {
    let (state, can_purge) = match exam.purged_at {
        Some(at) => (format!("已于 {} 清除", beijing(at)), false),
        None => {
            let at = crate::db::now();
            let open_returns = db.count_open_returns(exam.id, at).await?;
            match crate::results::purge::refusal(exam, at, open_returns) {
                Some(reason) => (reason, false),
                None => (String::new(), true),
            }
        }
    };
    Ok(PurgeLine {
        code: exam.code.clone(),
        name: exam.name.clone(),
        state,
        can_purge,
    })
}

/// The export form's fields (also the API's query).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// 考试代码；不填为当前考试。
    pub exam: Option<String>,
    /// all（默认）、decided、approved、returned、rejected、pending、submitted、in_review、draft。
    pub status: Option<String>,
    /// csv（默认）或 xlsx。CSV 为用表格软件打开而写：报名号和身份证号写成 ="…"，以 = + - @、
    /// 制表符或回车开头的内容前加单引号 '；程序读取请用 xlsx（每个单元格都是原样的文本）。
    pub format: Option<String>,
    /// CSV 的文字编码：utf-8（默认，带 BOM）或 gbk。
    pub encoding: Option<String>,
}

/// Why an export cannot start: the status and the words.
pub type ExportRefused = (StatusCode, String);

impl ExportQuery {
    /// The exam and options asked for, or why not.
    pub async fn resolve(&self, db: &Db) -> Result<(ExamRow, ExportOptions), ExportRefused> {
        let options = ExportOptions::parse(
            self.format.as_deref(),
            self.encoding.as_deref(),
            self.status.as_deref(),
        )
        .map_err(|e| (StatusCode::UNPROCESSABLE_ENTITY, e))?;
        let internal = |e: anyhow::Error| {
            tracing::error!("export failed: {e:#}");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "系统繁忙，请稍后再试。".to_string(),
            )
        };
        let code = self
            .exam
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        let exam = match code {
            Some(code) => db.find_exam_by_code(code).await.map_err(internal)?,
            None => db.current_exam().await.map_err(internal)?,
        };
        let Some(exam) = exam else {
            let text = match code {
                Some(_) => "没有这个代码的考试，请从列表中选择考试。",
                None => "还没有设定当前考试，请选择要导出的考试。",
            };
            return Err((StatusCode::NOT_FOUND, text.to_string()));
        };
        if let Some(at) = exam.purged_at {
            return Err((
                StatusCode::CONFLICT,
                format!(
                    "{}的个人信息已于 {} 清除，不能再导出审核结果。",
                    exam.name,
                    beijing(at)
                ),
            ));
        }
        Ok((exam, options))
    }
}

/// The streamed file, named for the exam and status, audited when the last row is out.
pub fn download(
    db: &Db,
    exam: ExamRow,
    options: ExportOptions,
    actor: Actor,
    ip: Option<String>,
) -> Response {
    let (name, ascii) = options.file_names(&exam.code);
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        percent_encoded(&name)
    );
    let body = Body::from_stream(stream_export(db.clone(), exam, options, actor, ip));
    (
        [
            (header::CONTENT_TYPE, options.content_type().to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        body,
    )
        .into_response()
}

/// RFC 8187 `value-chars`: every byte but letters, digits and `!#$&+-.^_`|~` as `%XX`.
fn percent_encoded(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn export(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    query: Result<Query<ExportQuery>, QueryRejection>,
) -> Response {
    let visitor = match admin_page(&state, &headers).await {
        Ok(visitor) => visitor,
        Err(response) => return response,
    };
    let query = query.map(|Query(q)| q).unwrap_or_default();
    match query.resolve(&state.db).await {
        Err((status, text)) => message(status, "不能导出", &text),
        Ok((exam, options)) => {
            let ip = state.client_ip(&headers, Some(peer));
            download(&state.db, exam, options, Actor::Staff(visitor.staff_id), ip)
        }
    }
}

#[derive(Deserialize)]
struct PurgeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    exam: String,
    /// The exam code typed again.
    #[serde(default)]
    confirm: String,
}

async fn purge(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    jar: CookieJar,
    Form(form): Form<PurgeForm>,
) -> Response {
    let visitor = match admin_posting(&state, &headers, &form.csrf).await {
        Ok(visitor) => visitor,
        Err(response) => return response,
    };
    let exam = match state.db.find_exam_by_code(form.exam.trim()).await {
        Ok(Some(exam)) => exam,
        Ok(None) => return back(jar, false, "没有这个代码的考试，请刷新页面后重试。".into()),
        Err(e) => return failure(&e),
    };
    if form.confirm.trim() != exam.code {
        let text = format!(
            "确认框中的考试代码与“{}”不一致，未做任何清除。请输入 {} 再提交。",
            exam.name, exam.code
        );
        return back(jar, false, text);
    }
    let ip = state.client_ip(&headers, Some(peer));
    let actor = Actor::Staff(visitor.staff_id);
    match purge_exam(&state.db, &state.storage, &exam, actor, ip).await {
        Err(e) => failure(&e),
        Ok(PurgeOutcome::Refused(reason)) => back(jar, false, format!("{reason}（未做任何清除）")),
        Ok(PurgeOutcome::Done(report)) => back(jar, true, report.to_string()),
    }
}

fn back(jar: CookieJar, ok: bool, text: String) -> Response {
    let flash = Flash {
        ok,
        text,
        material: None,
    };
    (FLASH.set(jar, &flash), Redirect::to("/admin/results")).into_response()
}
