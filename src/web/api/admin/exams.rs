//! Admin API: exams — list, create, edit windows and reasons, mark current, category preview.
//!
//! A config travels as the request body itself (the TOML text, `text/plain`), not inside
//! JSON: it is larger than the API's small JSON bodies and easier to send with `curl -T`.

use std::net::SocketAddr;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{ConnectInfo, DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::db::audit::{Actor, AuditEntry};
use crate::db::exams::ExamRow;
use crate::db::recategorise::{RuleChange, RuleSave};
use crate::domain::id_number::mask;
use crate::domain::review::ReasonCatalogue;
use crate::domain::rules::ExamConfig;
use crate::domain::window::{Window, parse_beijing};
use crate::web::AppState;
use crate::web::api::auth::ErrorBody;
use crate::web::api::{ApiJson, ApiPath};
use crate::web::error::ApiError;
use crate::web::session::ApiAdmin;

/// A config file is a few tens of KiB.
const CONFIG_BODY_LIMIT: usize = 1024 * 1024;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(update))
        .routes(routes!(preview))
        .routes(routes!(replace_rules))
        .layer(DefaultBodyLimit::max(CONFIG_BODY_LIMIT))
}

#[derive(Serialize, ToSchema)]
pub struct ExamJson {
    code: String,
    name: String,
    is_current: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    upload_opens_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    upload_closes_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    resubmit_deadline: Option<OffsetDateTime>,
    /// 审核员可选的不合格原因（未设置时为默认原因）。
    review_reasons: Vec<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    purged_at: Option<OffsetDateTime>,
}

impl From<&ExamRow> for ExamJson {
    fn from(exam: &ExamRow) -> Self {
        ExamJson {
            code: exam.code.clone(),
            name: exam.name.clone(),
            is_current: exam.is_current,
            upload_opens_at: exam.upload_opens_at,
            upload_closes_at: exam.upload_closes_at,
            resubmit_deadline: exam.resubmit_deadline,
            review_reasons: ReasonCatalogue::from_stored(exam.review_reasons.as_deref())
                .reasons()
                .to_vec(),
            purged_at: exam.purged_at,
        }
    }
}

/// 全部考试（仅管理员）。
#[utoipa::path(get, path = "/api/v1/admin/exams", tag = "管理",
    responses(
        (status = 200, body = Vec<ExamJson>),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    _admin: ApiAdmin,
) -> Result<Json<Vec<ExamJson>>, ApiError> {
    let exams = state.db.list_exams().await?;
    Ok(Json(exams.iter().map(ExamJson::from).collect()))
}

/// The config text of a request body; a config that does not parse is a 422 listing every
/// error with its line.
fn config_of(body: Result<Bytes, BytesRejection>) -> Result<(String, ExamConfig), ApiError> {
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "配置文件太大（超过 1 MB），请检查后重试。",
            )
        } else {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "请求没有完整收到，请检查网络后重试。",
            )
        }
    })?;
    let text = String::from_utf8(body.to_vec())
        .map_err(|_| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "配置须为 UTF-8 编码的 TOML 文本，请另存为 UTF-8 后重试。",
            )
        })?
        .replace("\r\n", "\n");
    match ExamConfig::parse(&text) {
        Ok(rules) => Ok((text, rules)),
        Err(errors) => {
            let listed: Vec<Value> = errors
                .iter()
                .map(|e| json!({ "line": e.line, "column": e.column, "message": e.message }))
                .collect();
            Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!(
                    "考试配置有 {} 处错误，未保存；请按行号改正后重试。",
                    errors.len()
                ),
            )
            .with("errors", Value::Array(listed)))
        }
    }
}

async fn audit(
    state: &AppState,
    admin: &ApiAdmin,
    ip: Option<String>,
    action: &'static str,
    exam: &str,
    mut detail: Value,
) -> anyhow::Result<()> {
    detail["exam"] = Value::String(exam.to_string());
    state
        .db
        .record_audit(AuditEntry {
            actor: Actor::Staff(admin.0.staff_id),
            action,
            candidate_id: None,
            ip,
            detail: Some(detail),
        })
        .await
}

/// 用考试配置（TOML 文本，作为请求正文）创建考试（仅管理员）。配置有错时返回 422，`errors`
/// 列出每处错误的行、列和说明，不保存任何内容。
#[utoipa::path(post, path = "/api/v1/admin/exams", tag = "管理",
    request_body(content = String, content_type = "text/plain", description = "考试配置（TOML）"),
    responses(
        (status = 201, body = ExamJson),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "考试代码已存在", body = ErrorBody),
        (status = 422, description = "配置有错（errors 列出行号）", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    admin: ApiAdmin,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<ExamJson>), ApiError> {
    let (text, rules) = config_of(body)?;
    if state.db.find_exam_by_code(rules.code()).await?.is_some() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!(
                "考试代码 {} 已存在。要修改其规则，请用 /api/v1/admin/exams/{}/rules；要新建考试，请换一个代码。",
                rules.code(),
                rules.code()
            ),
        ));
    }
    let exam = state
        .db
        .save_exam(rules.code(), rules.name(), &text)
        .await?;
    let ip = state.client_ip(&headers, Some(peer));
    audit(&state, &admin, ip, "exam_saved", &exam.code, json!({})).await?;
    Ok((StatusCode::CREATED, Json(ExamJson::from(&exam))))
}

/// A field that may be absent (keep), `null` (clear) or a value.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Ok(Some(Option::deserialize(d)?))
}

/// What to change; absent fields stay as they are.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExamUpdate {
    name: Option<String>,
    /// 材料上传开始时间：RFC 3339（如 2023-10-27T09:00:00+08:00）或北京时间 2023-10-27 09:00；null 为未公布。
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    upload_opens_at: Option<Option<String>>,
    /// 材料上传截止时间，格式同上。
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    upload_closes_at: Option<Option<String>>,
    /// 重新提交截止时间，格式同上；null 为上传截止时间。
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    resubmit_deadline: Option<Option<String>>,
    /// 不合格原因，按顺序；空列表恢复默认原因。
    review_reasons: Option<Vec<String>>,
    /// true：设为当前考试（考生登录时进入）。
    current: Option<bool>,
}

/// A moment in an update: RFC 3339, or Beijing time as an admin types it.
fn moment(field: &str, text: Option<String>) -> Result<Option<OffsetDateTime>, ApiError> {
    let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
        return Ok(None);
    };
    OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339)
        .ok()
        .or_else(|| parse_beijing(&text))
        .map(Some)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("{field} 的时间格式不正确，请写成 2023-10-27T09:00:00+08:00 或 2023-10-27 09:00（北京时间）。"),
            )
        })
}

async fn exam_by_code(state: &AppState, code: &str) -> Result<ExamRow, ApiError> {
    state.db.find_exam_by_code(code).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "没有这个代码的考试，请检查考试代码。",
        )
    })
}

/// 修改考试名称、上传时间、重新提交截止时间、不合格原因，或设为当前考试（仅管理员）。
/// 只修改请求中出现的字段。
#[utoipa::path(patch, path = "/api/v1/admin/exams/{code}", tag = "管理", request_body = ExamUpdate,
    params(("code" = String, Path, description = "考试代码")),
    responses(
        (status = 200, body = ExamJson),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "时间格式不正确、截止早于开始或名称为空", body = ErrorBody),
    ))]
pub async fn update(
    State(state): State<AppState>,
    admin: ApiAdmin,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiPath(code): ApiPath<String>,
    ApiJson(update): ApiJson<ExamUpdate>,
) -> Result<Json<ExamJson>, ApiError> {
    let exam = exam_by_code(&state, &code).await?;
    let refuse = |text: &str| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, text);
    // Everything is checked before anything is written.
    let name = update.name.as_deref().map(str::trim);
    if name.is_some_and(|n| n.is_empty() || n.chars().count() > 100) {
        return Err(refuse("考试名称不能为空，且不超过 100 个字。"));
    }
    let window = Window {
        opens_at: match update.upload_opens_at.clone() {
            Some(text) => moment("upload_opens_at", text)?,
            None => exam.upload_opens_at,
        },
        closes_at: match update.upload_closes_at.clone() {
            Some(text) => moment("upload_closes_at", text)?,
            None => exam.upload_closes_at,
        },
    };
    let window_changed = update.upload_opens_at.is_some() || update.upload_closes_at.is_some();
    if window_changed && let Some(refusal) = window.refusal_to_save() {
        return Err(refuse(refusal));
    }
    let deadline = match update.resubmit_deadline.clone() {
        Some(text) => Some(moment("resubmit_deadline", text)?),
        None => None,
    };
    if update.current == Some(true) && exam.purged_at.is_some() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "这场考试的资料已清除，不能再设为当前考试。",
        ));
    }

    let mut detail = json!({});
    if let Some(name) = name {
        state.db.set_exam_name(exam.id, name).await?;
        detail["name"] = json!(name);
    }
    if window_changed {
        state
            .db
            .set_upload_window(exam.id, window.opens_at, window.closes_at)
            .await?;
        detail["upload_opens_at"] = json!(window.opens_at.map(|t| t.to_string()));
        detail["upload_closes_at"] = json!(window.closes_at.map(|t| t.to_string()));
    }
    if let Some(deadline) = deadline {
        state.db.set_resubmit_deadline(exam.id, deadline).await?;
        detail["resubmit_deadline"] = json!(deadline.map(|t| t.to_string()));
    }
    if let Some(reasons) = &update.review_reasons {
        detail["review_reasons"] = json!(state.db.save_review_reasons(exam.id, reasons).await?);
    }
    if update.current == Some(true) {
        state.db.set_current_exam(exam.id).await?;
        detail["current"] = json!(true);
    }
    let ip = state.client_ip(&headers, Some(peer));
    audit(&state, &admin, ip, "exam_saved", &exam.code, detail).await?;
    let exam = exam_by_code(&state, &code).await?;
    Ok(Json(ExamJson::from(&exam)))
}

#[derive(Serialize, ToSchema)]
pub struct PreviewJson {
    /// 考生总数。
    candidates: u64,
    /// 类别会改变的考生人数。
    moved: u64,
    /// 其中已提交材料的人数。
    moved_submitted: u64,
    /// 确认保存时须原样带回（`/rules?digest=…`）；名单变化后会不同。
    digest: String,
    /// 前 500 名，已提交的在前。
    movers: Vec<MoverJson>,
}

#[derive(Serialize, ToSchema)]
pub struct MoverJson {
    candidate_id: i64,
    name: String,
    /// 身份证号（中间隐去）。
    id_number: String,
    registration_no: String,
    status: String,
    submitted: bool,
    /// 原类别代码；null 为不符合本考区审核条件。
    old_category: Option<String>,
    new_category: Option<String>,
}

impl From<RuleChange> for PreviewJson {
    fn from(change: RuleChange) -> Self {
        PreviewJson {
            candidates: change.candidates,
            moved: change.moved,
            moved_submitted: change.moved_submitted,
            digest: change.digest,
            movers: change
                .movers
                .into_iter()
                .map(|m| MoverJson {
                    candidate_id: m.candidate_id,
                    name: m.name,
                    id_number: mask(&m.id_number),
                    registration_no: m.registration_no,
                    status: m.status,
                    submitted: m.submitted,
                    old_category: m.old_category,
                    new_category: m.new_category,
                })
                .collect(),
        }
    }
}

/// The exam whose rules a request replaces, and the new rules (for this exam's code).
async fn rules_for(
    state: &AppState,
    code: &str,
    body: Result<Bytes, BytesRejection>,
) -> Result<(ExamRow, String, ExamConfig), ApiError> {
    let exam = exam_by_code(state, code).await?;
    if exam.purged_at.is_some() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "这场考试的资料已清除，不能再修改规则。",
        ));
    }
    let (text, rules) = config_of(body)?;
    if rules.code() != exam.code {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "配置中的考试代码是 {}，与这场考试（{}）不同；请把 [exam] 中的 code 改回 {}。",
                rules.code(),
                exam.code,
                exam.code
            ),
        ));
    }
    Ok((exam, text, rules))
}

/// 预览替换规则的影响（仅管理员）：列出类别会改变的考生，不保存任何内容。
#[utoipa::path(post, path = "/api/v1/admin/exams/{code}/preview", tag = "管理",
    request_body(content = String, content_type = "text/plain", description = "新的考试配置（TOML）"),
    params(("code" = String, Path, description = "考试代码")),
    responses(
        (status = 200, body = PreviewJson),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "配置有错（errors 列出行号）", body = ErrorBody),
    ))]
pub async fn preview(
    State(state): State<AppState>,
    _admin: ApiAdmin,
    ApiPath(code): ApiPath<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<PreviewJson>, ApiError> {
    let (exam, _, rules) = rules_for(&state, &code, body).await?;
    let change = state.db.preview_rule_change(exam.id, &rules).await?;
    Ok(Json(change.into()))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DigestQuery {
    /// 预览返回的 digest：确认的正是预览列出的这些考生。
    digest: String,
}

/// 替换考试规则（仅管理员），并把类别改变的考生调整到新类别。须带上预览返回的 digest；
/// 名单在预览后有变化时返回 409 和新的预览，不保存。
#[utoipa::path(post, path = "/api/v1/admin/exams/{code}/rules", tag = "管理",
    request_body(content = String, content_type = "text/plain", description = "新的考试配置（TOML）"),
    params(("code" = String, Path, description = "考试代码"), DigestQuery),
    responses(
        (status = 200, description = "已保存；正文为调整的考生", body = PreviewJson),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "名单已变化：preview 为新的预览", body = ErrorBody),
        (status = 422, description = "配置有错（errors 列出行号）", body = ErrorBody),
    ))]
pub async fn replace_rules(
    State(state): State<AppState>,
    admin: ApiAdmin,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiPath(code): ApiPath<String>,
    query: Result<Query<DigestQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<PreviewJson>, ApiError> {
    let Ok(Query(query)) = query else {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "请带上预览返回的 digest（?digest=…），确认的正是预览列出的考生。",
        ));
    };
    let (exam, text, rules) = rules_for(&state, &code, body).await?;
    let saved = state
        .db
        .save_rule_change(exam.id, &exam.code, &rules, &text, query.digest.trim())
        .await?;
    let change = match saved {
        RuleSave::Saved(change) => change,
        RuleSave::Changed(change) => {
            let preview = serde_json::to_value(PreviewJson::from(change)).unwrap_or_default();
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "考生名单或状态在预览之后有变化，规则未保存；请核对新的预览后再确认。",
            )
            .with("preview", preview));
        }
    };
    let detail = json!({
        "candidates": change.candidates,
        "moved": change.moved,
        "moved_submitted": change.moved_submitted,
    });
    let ip = state.client_ip(&headers, Some(peer));
    audit(&state, &admin, ip, "exam_rules_changed", &exam.code, detail).await?;
    Ok(Json(change.into()))
}
