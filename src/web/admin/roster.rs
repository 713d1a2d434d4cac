//! Admin pages: roster upload (XLSX / CSV) with a dry-run report before it is committed.
//!
//! The uploaded file waits between the report and 确认导入 in blob storage under
//! `rosters/<uuid>` (any node can finish the import; the form carries only the uuid), and is
//! deleted once imported. Files left behind by a report nobody confirmed are deleted by the
//! next upload after a day. `shenhe fsck` looks under `exams/` only, so it ignores them.

use std::net::SocketAddr;

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{ConnectInfo, Form, Multipart, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use bytes::Bytes;
use futures::TryStreamExt;
use serde::Deserialize;
use uuid::Uuid;

use super::{admin_csrf, admin_page, admin_posting};
use crate::db::audit::{Actor, AuditEntry};
use crate::db::exams::ExamRow;
use crate::domain::rules::ExamConfig;
use crate::import::{ImportReport, import_bytes};
use crate::web::AppState;
use crate::web::flash::{Flash, FlashCookie};
use crate::web::routes::Routes;
use crate::web::staff::{StaffVisitor, failure, message};
use crate::web::upload::read_capped;

/// The largest roster file taken (a million rows of XLSX is about 40 MB).
pub const MAX_ROSTER_BYTES: usize = 50 * 1024 * 1024;
/// Refused rows listed one by one on the page; the rest are counted.
const LISTED_ISSUES: usize = 300;
/// Uploads never confirmed are deleted after this long.
const STALE_UPLOAD: time::Duration = time::Duration::days(1);

pub fn router() -> Routes {
    Routes::new()
        .route("/admin/roster", get(page).post(upload))
        .route("/admin/roster/commit", post(commit))
        .body_limit(MAX_ROSTER_BYTES + 1024 * 1024)
}

const FLASH: FlashCookie = FlashCookie {
    name: "shenhe_roster_flash",
    path: "/admin/roster",
};

fn blob_key(upload: Uuid) -> String {
    format!("rosters/{upload}")
}

#[derive(askama::Template, askama_web::WebTemplate)]
#[template(path = "admin/roster.html")]
pub struct RosterPage {
    csrf: String,
    username: String,
    is_admin: bool,
    flash: Option<Flash>,
    /// (code, name, chosen)
    exams: Vec<(String, String, bool)>,
    error: Option<String>,
    /// The dry run of an uploaded file, with what 确认导入 sends.
    report: Option<ReportView>,
    exam_code: String,
    exam_name: String,
    upload: String,
}

/// An [`ImportReport`] as the page shows it.
pub struct ReportView {
    rows: u64,
    created: u64,
    updated: u64,
    unchanged: u64,
    refused: u64,
    categories: Vec<(String, u64)>,
    not_eligible: u64,
    ignored_headers: String,
    /// (row, column, reason)
    issues: Vec<(u64, String, String)>,
    unlisted: u64,
}

fn report_view(report: ImportReport, rules: Option<&ExamConfig>) -> ReportView {
    let listed = report.issues.len().min(LISTED_ISSUES);
    let unlisted = (report.issues.len() - listed) as u64 + report.unlisted_issues;
    ReportView {
        rows: report.rows,
        created: report.created,
        updated: report.updated,
        unchanged: report.unchanged,
        refused: report.refused,
        categories: report
            .categories
            .into_iter()
            .map(|(code, n)| {
                let name = rules
                    .and_then(|r| r.category(&code))
                    .map_or(code, |c| c.name.clone());
                (name, n)
            })
            .collect(),
        not_eligible: report.not_eligible,
        ignored_headers: report.ignored_headers.join("、"),
        issues: report
            .issues
            .into_iter()
            .take(listed)
            .map(|i| (i.row, i.column.unwrap_or("").to_string(), i.reason))
            .collect(),
        unlisted,
    }
}

#[derive(Deserialize, Default)]
pub struct ExamQuery {
    exam: Option<String>,
}

async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    query: Result<Query<ExamQuery>, QueryRejection>,
) -> Response {
    let visitor = match admin_page(&state, &headers).await {
        Ok(visitor) => visitor,
        Err(response) => return response,
    };
    let chosen = query.map(|Query(q)| q.exam).unwrap_or_default();
    let (jar, flash) = FLASH.take(jar);
    let page = roster_page(&state, &visitor, chosen.as_deref()).await;
    match page {
        Ok(mut page) => {
            page.flash = flash;
            (jar, page).into_response()
        }
        Err(response) => response,
    }
}

/// The page with the upload form, the exam `chosen` (else the current one) selected.
async fn roster_page(
    state: &AppState,
    visitor: &StaffVisitor,
    chosen: Option<&str>,
) -> Result<RosterPage, Response> {
    let exams = state.db.list_exams().await.map_err(|e| failure(&e))?;
    let chosen = chosen
        .map(str::to_string)
        .or_else(|| exams.iter().find(|e| e.is_current).map(|e| e.code.clone()));
    Ok(RosterPage {
        csrf: visitor.csrf(),
        username: visitor.username.clone(),
        is_admin: true,
        flash: None,
        exams: exams
            .iter()
            .filter(|e| e.purged_at.is_none())
            .map(|e| {
                (
                    e.code.clone(),
                    e.name.clone(),
                    Some(&e.code) == chosen.as_ref(),
                )
            })
            .collect(),
        error: None,
        report: None,
        exam_code: String::new(),
        exam_name: String::new(),
        upload: String::new(),
    })
}

/// The page again with a refusal.
async fn refused(
    state: &AppState,
    visitor: &StaffVisitor,
    chosen: Option<&str>,
    status: StatusCode,
    text: String,
) -> Response {
    match roster_page(state, visitor, chosen).await {
        Ok(mut page) => {
            page.error = Some(text);
            (status, page).into_response()
        }
        Err(response) => response,
    }
}

/// The uploaded form: CSRF token, exam code, file (or why it could not be read).
struct UploadForm {
    csrf: String,
    exam: String,
    file: Result<Bytes, String>,
}

async fn read_upload(mut multipart: Multipart) -> UploadForm {
    let mut form = UploadForm {
        csrf: String::new(),
        exam: String::new(),
        file: Err("请选择要导入的名单文件（Excel .xlsx 或 CSV）。".into()),
    };
    let broken = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            "上传没有完成，请检查网络后重试。".to_string()
        }
    };
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                form.file = Err(broken(e));
                break;
            }
        };
        match field.name() {
            Some("csrf") => form.csrf = field.text().await.unwrap_or_default(),
            Some("exam") => form.exam = field.text().await.unwrap_or_default(),
            Some("file") => {
                form.file = match read_capped(field, MAX_ROSTER_BYTES).await {
                    Ok(Ok(bytes)) if bytes.is_empty() => {
                        Err("文件是空的。请选择从报名系统导出的考生名单文件后重新上传。".into())
                    }
                    Ok(Ok(bytes)) => Ok(bytes),
                    Ok(Err(_)) => Err(too_large()),
                    Err(e) => Err(broken(e)),
                }
            }
            _ => {}
        }
    }
    form
}

fn too_large() -> String {
    format!(
        "文件超过 {} MB。请删除名单中的多余工作表或列后重新上传，或用命令 shenhe import 导入。",
        MAX_ROSTER_BYTES / 1024 / 1024
    )
}

/// The exam named in a form, if it may take a roster; else the words why not.
async fn target_exam(state: &AppState, code: &str) -> anyhow::Result<Result<ExamRow, String>> {
    Ok(match state.db.find_exam_by_code(code.trim()).await? {
        None => Err("请选择要导入名单的考试。".into()),
        Some(exam) if exam.purged_at.is_some() => {
            Err("这场考试的资料已清除，不能再导入名单。".into())
        }
        Some(exam) => Ok(exam),
    })
}

async fn upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let visitor = match admin_page(&state, &headers).await {
        Ok(visitor) => visitor,
        Err(response) => return response,
    };
    let Ok(multipart) = multipart else {
        return message(
            StatusCode::UNPROCESSABLE_ENTITY,
            "无法读取提交的内容",
            "请通过“名单导入”页面的表单上传文件。",
        );
    };
    let form = read_upload(multipart).await;
    if let Some(refused) = admin_csrf(&visitor, &form.csrf) {
        return refused;
    }
    let chosen = Some(form.exam.as_str());
    let exam = match target_exam(&state, &form.exam).await {
        Err(e) => return failure(&e),
        Ok(Err(text)) => {
            return refused(
                &state,
                &visitor,
                chosen,
                StatusCode::UNPROCESSABLE_ENTITY,
                text,
            )
            .await;
        }
        Ok(Ok(exam)) => exam,
    };
    let bytes = match form.file {
        Ok(bytes) => bytes,
        Err(text) => {
            let status = if text.contains("MB") {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            return refused(&state, &visitor, chosen, status, text).await;
        }
    };
    sweep_stale_uploads(&state).await;
    let upload = Uuid::new_v4();
    if let Err(e) = state.storage.put(&blob_key(upload), bytes.clone()).await {
        return failure(&e);
    }
    let report = match import_bytes(&state.db, &exam, Vec::from(bytes), true).await {
        Err(e) => return failure(&e),
        Ok(Err(unreadable)) => {
            let _ = state.storage.delete(&blob_key(upload)).await;
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return refused(&state, &visitor, chosen, status, unreadable.to_string()).await;
        }
        Ok(Ok(report)) => report,
    };
    let rules = ExamConfig::parse(&exam.config).ok();
    match roster_page(&state, &visitor, chosen).await {
        Ok(mut page) => {
            page.report = Some(report_view(report, rules.as_ref()));
            page.exam_code = exam.code;
            page.exam_name = exam.name;
            page.upload = upload.to_string();
            page.into_response()
        }
        Err(response) => response,
    }
}

/// Deletes uploads whose report nobody confirmed within a day (they hold personal data).
async fn sweep_stale_uploads(state: &AppState) {
    let now = time::OffsetDateTime::now_utc();
    let stale: anyhow::Result<Vec<String>> = state
        .storage
        .list_info("rosters")
        .try_filter(|blob| std::future::ready(now - blob.last_modified > STALE_UPLOAD))
        .map_ok(|blob| blob.key)
        .try_collect()
        .await;
    match stale {
        Ok(keys) => {
            for key in keys {
                if let Err(e) = state.storage.delete(&key).await {
                    tracing::warn!("deleting an old roster upload: {e:#}");
                }
            }
        }
        Err(e) => tracing::warn!("listing old roster uploads: {e:#}"),
    }
}

#[derive(Deserialize)]
pub struct CommitForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    exam: String,
    #[serde(default)]
    upload: String,
}

async fn commit(
    State(state): State<AppState>,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    form: Result<Form<CommitForm>, FormRejection>,
) -> Response {
    let csrf = form.as_ref().map(|f| f.csrf.clone()).unwrap_or_default();
    let visitor = match admin_posting(&state, &headers, &csrf).await {
        Ok(visitor) => visitor,
        Err(response) => return response,
    };
    let back = |jar, text: String| {
        let flash = Flash {
            ok: false,
            text,
            material: None,
        };
        (FLASH.set(jar, &flash), Redirect::to("/admin/roster")).into_response()
    };
    let Ok(Form(form)) = form else {
        return back(jar, "提交的内容不完整，请重新上传名单文件。".into());
    };
    let Ok(upload) = Uuid::parse_str(form.upload.trim()) else {
        return back(jar, "提交的内容不完整，请重新上传名单文件。".into());
    };
    let exam = match target_exam(&state, &form.exam).await {
        Err(e) => return failure(&e),
        Ok(Err(text)) => return back(jar, text),
        Ok(Ok(exam)) => exam,
    };
    let key = blob_key(upload);
    let bytes = match state.storage.exists(&key).await {
        Err(e) => return failure(&e),
        Ok(false) => {
            let text = "这个文件已经导入，或上传已超过一天，请重新上传名单文件。";
            return back(jar, text.into());
        }
        Ok(true) => match state.storage.get(&key).await {
            Ok(bytes) => bytes,
            Err(e) => return failure(&e),
        },
    };
    let report = match import_bytes(&state.db, &exam, Vec::from(bytes), false).await {
        Err(e) => return failure(&e),
        Ok(Err(unreadable)) => return back(jar, unreadable.to_string()),
        Ok(Ok(report)) => report,
    };
    if let Err(e) = state.storage.delete(&key).await {
        tracing::warn!("deleting an imported roster upload: {e:#}");
    }
    let audited = state
        .db
        .record_audit(AuditEntry {
            actor: Actor::Staff(visitor.staff_id),
            action: "roster_import",
            candidate_id: None,
            ip: state.client_ip(&headers, Some(peer)),
            detail: Some(serde_json::json!({
                "exam": exam.code,
                "rows": report.rows,
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "refused": report.refused,
            })),
        })
        .await;
    if let Err(e) = audited {
        return failure(&e);
    }
    let text = format!(
        "已导入 {} 的名单：共读取 {} 行，新增 {}，更新 {}，未变 {}，拒绝 {}。",
        exam.name, report.rows, report.created, report.updated, report.unchanged, report.refused
    );
    let flash = Flash {
        ok: true,
        text,
        material: None,
    };
    let to = format!("/admin/roster?exam={}", exam.code);
    (FLASH.set(jar, &flash), Redirect::to(&to)).into_response()
}
