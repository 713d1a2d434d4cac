//! The reviewer's API: the queue. The filters without personal data may be a query string;
//! the search by 姓名, 身份证号 or 报名号 goes only in a POST body, so no URL carries it.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use super::auth::ErrorBody;
use super::{ApiJson, ApiQuery};
use crate::db::review::{QueueFilter, QueueItem};
use crate::domain::id_number::mask;
use crate::domain::search::{MAX_SEARCH_CHARS, person_search, search_field};
use crate::domain::status::Status;
use crate::domain::window::beijing_day;
use crate::web::AppState;
use crate::web::error::ApiError;
use crate::web::session::ApiStaff;

/// The queue's filters a URL may carry: everything but the personal search.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// submitted | in_review | returned | approved | rejected | draft；不填为全部已提交过的。
    status: Option<String>,
    /// 类别代码。
    category: Option<String>,
    /// 学校（完整名称）。
    school: Option<String>,
    /// 提交日期起（北京时间，含当天），如 2023-12-01。
    from: Option<String>,
    /// 提交日期止（北京时间，含当天）。
    to: Option<String>,
    /// Refused: a personal search goes by POST (see [`search`]).
    #[param(ignore)]
    q: Option<String>,
    /// 页码，从 1 开始（0 按 1；超过 100000 按 100000；超过末页时 `items` 为空）。
    #[param(value_type = Option<i64>, minimum = 0, maximum = 4294967295_i64)]
    page: Option<u32>,
}

/// The queue's filters with the personal search, as a POST body.
#[derive(Deserialize, ToSchema, Default)]
pub struct QueueSearch {
    /// submitted | in_review | returned | approved | rejected | draft；不填为全部已提交过的。
    #[serde(default)]
    status: Option<String>,
    /// 类别代码。
    #[serde(default)]
    category: Option<String>,
    /// 学校（完整名称）。
    #[serde(default)]
    school: Option<String>,
    /// 提交日期起（北京时间，含当天），如 2023-12-01。
    #[serde(default)]
    from: Option<String>,
    /// 提交日期止（北京时间，含当天）。
    #[serde(default)]
    to: Option<String>,
    /// 姓名、身份证号或报名号（完全匹配）。
    #[serde(default)]
    q: Option<String>,
    /// 页码，从 1 开始（0 按 1；超过 100000 按 100000；超过末页时 `items` 为空）。
    #[serde(default)]
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 4294967295_i64)]
    page: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct QueueJson {
    /// 符合条件的总数。
    total: i64,
    page: u32,
    per_page: u32,
    /// 本场考试各状态人数。
    counts: BTreeMap<String, i64>,
    items: Vec<QueueItemJson>,
}

#[derive(Serialize, ToSchema)]
pub struct QueueItemJson {
    id: i64,
    name: String,
    registration_no: String,
    /// 身份证号（中间隐去）。
    id_number: String,
    category: Option<String>,
    school: String,
    status: String,
    status_label: String,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    submitted_at: Option<OffsetDateTime>,
    /// 第几次提交；大于 1 为退回后重新提交。
    round: i32,
    /// 待复核（初审已完成）。
    second_review: bool,
    /// 正在审核的审核员。
    claimed_by: Option<String>,
}

impl From<QueueItem> for QueueItemJson {
    fn from(item: QueueItem) -> Self {
        let status = Status::parse(&item.status);
        QueueItemJson {
            id: item.id,
            name: item.name,
            registration_no: item.registration_no,
            id_number: mask(&item.id_number),
            category: item.category,
            school: item.school,
            status_label: status.map_or("", Status::label).to_string(),
            second_review: status == Some(Status::InReview),
            status: item.status,
            submitted_at: item.submitted_at,
            round: item.round.unwrap_or(0),
            claimed_by: item.claimed_by,
        }
    }
}

/// Reads the filters; a bad status or date, a field over 100 characters or with a control
/// character is the reviewer's 422 (never a filter silently left out).
fn queue_filter(fields: &QueueSearch) -> Result<QueueFilter, ApiError> {
    let unprocessable = |m: String| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, m);
    let field = |name: &'static str, value: &Option<String>| {
        search_field(name, value.as_deref(), MAX_SEARCH_CHARS)
            .map_err(|refusal| unprocessable(refusal.to_string()))
    };
    let status = field("状态", &fields.status)?;
    if status
        .as_deref()
        .is_some_and(|s| Status::parse(s).is_none())
    {
        return Err(unprocessable("状态不正确，请从列表中选择。".to_string()));
    }
    let day = |name: &'static str, value: &Option<String>| match field(name, value)? {
        None => Ok(None),
        Some(d) => beijing_day(&d)
            .map(Some)
            .ok_or_else(|| unprocessable("日期格式不正确，请写成 2023-12-01 的形式。".to_string())),
    };
    Ok(QueueFilter {
        exam_id: 0,
        status,
        category: field("类别", &fields.category)?,
        school: field("学校", &fields.school)?,
        submitted_from: day("提交日期从", &fields.from)?,
        submitted_before: day("提交日期至", &fields.to)?.map(|d| d + time::Duration::days(1)),
        q: field("姓名 / 身份证号 / 报名号", &fields.q)?.map(person_search),
        page: fields.page.unwrap_or(1).clamp(1, 100_000) - 1,
        per_page: 0,
    })
}

/// 审核队列：按条件列出考生，附各状态人数。按姓名、身份证号或报名号查询请用 POST /api/v1/review/queue/search。
#[utoipa::path(get, path = "/api/v1/review/queue", tag = "审核", params(QueueQuery),
    responses(
        (status = 200, body = QueueJson),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, description = "查询条件不正确（状态、日期、超过 100 个字、控制字符），或带了 q", body = ErrorBody),
    ))]
pub async fn queue(
    State(state): State<AppState>,
    _staff: ApiStaff,
    ApiQuery(query): ApiQuery<QueueQuery>,
) -> Result<axum::Json<QueueJson>, ApiError> {
    if query.q.as_deref().is_some_and(|q| !q.trim().is_empty()) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "姓名、身份证号、报名号不能放在网址中：请用 POST /api/v1/review/queue/search，在 JSON 请求体中发送 q。",
        ));
    }
    let fields = QueueSearch {
        status: query.status,
        category: query.category,
        school: query.school,
        from: query.from,
        to: query.to,
        q: None,
        page: query.page,
    };
    answer(&state, &fields).await
}

/// 审核队列查询：条件在请求体中，可按姓名、身份证号或报名号（完全匹配）查询。
#[utoipa::path(post, path = "/api/v1/review/queue/search", tag = "审核", request_body = QueueSearch,
    responses(
        (status = 200, body = QueueJson),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, description = "查询条件不正确（状态、日期、超过 100 个字、控制字符）", body = ErrorBody),
    ))]
pub async fn search(
    State(state): State<AppState>,
    _staff: ApiStaff,
    ApiJson(fields): ApiJson<QueueSearch>,
) -> Result<axum::Json<QueueJson>, ApiError> {
    answer(&state, &fields).await
}

async fn answer(state: &AppState, fields: &QueueSearch) -> Result<axum::Json<QueueJson>, ApiError> {
    let filter = queue_filter(fields)?;
    let page = filter.page + 1;
    let (total, items, counts) = state.reviewing.queue(filter, crate::db::now()).await?;
    Ok(axum::Json(QueueJson {
        total,
        page,
        per_page: crate::review::PAGE_SIZE,
        counts,
        items: items.into_iter().map(QueueItemJson::from).collect(),
    }))
}
