//! Admin API: candidates — search, one candidate (as they see it, with history), password
//! reset. An ID number is searched for only in a request body, never in a URL.

use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::db::candidates::CandidateMatch;
use crate::domain::id_number::mask;
use crate::review::Reviewer;
use crate::review::candidates::{CandidateFile, search_text};
use crate::web::AppState;
use crate::web::api::auth::ErrorBody;
use crate::web::api::review::reviewer_of;
use crate::web::api::{ApiJson, ApiPath, ApiQuery};
use crate::web::error::ApiError;
use crate::web::session::ApiAdmin;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(search))
        .routes(routes!(one))
        .routes(routes!(reset_password))
}

/// The acting admin, with the address for the audit log.
pub struct AdminStaff(pub Reviewer);

impl FromRequestParts<AppState> for AdminStaff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let ApiAdmin(staff) = ApiAdmin::from_request_parts(parts, state).await?;
        Ok(AdminStaff(reviewer_of(parts, state, staff.staff_id)))
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// 姓名或报名号（完整输入）。身份证号请用 POST /api/v1/admin/candidates/search。
    #[serde(default)]
    q: String,
    /// 考试编号；不填为当前考试。
    exam_id: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
pub struct SearchBody {
    /// 姓名、身份证号或报名号（完整输入）。
    q: String,
    /// 考试编号；不填为当前考试。
    exam_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CandidateLineJson {
    /// 考生编号（用于其他接口）。
    id: i64,
    name: String,
    /// 隐去出生日期的身份证号，如 420502********0215。
    id_number_masked: String,
    registration_no: String,
    /// 类别代码；不符合报考条件时为空。
    category: Option<String>,
    status: String,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    submitted_at: Option<OffsetDateTime>,
}

impl From<CandidateMatch> for CandidateLineJson {
    fn from(row: CandidateMatch) -> Self {
        CandidateLineJson {
            id: row.id,
            id_number_masked: mask(&row.id_number),
            name: row.name,
            registration_no: row.registration_no,
            category: row.category,
            status: row.status,
            submitted_at: row.submitted_at,
        }
    }
}

async fn find(
    state: &AppState,
    who: &Reviewer,
    q: &str,
    exam_id: Option<i64>,
) -> Result<axum::Json<Vec<CandidateLineJson>>, ApiError> {
    let unprocessable = |m: String| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, m);
    let q = search_text(q)
        .map_err(|refusal| unprocessable(refusal.to_string()))?
        .ok_or_else(|| {
            unprocessable("请填写 q：考生的姓名、身份证号或报名号（50 个字以内）。".to_string())
        })?;
    let (_, rows) = state.reviewing.search_candidates(who, exam_id, &q).await?;
    Ok(axum::Json(rows.into_iter().map(Into::into).collect()))
}

/// An ID number (17 digits and a check character, or an old 15-digit one) in a URL would
/// end up in logs.
fn looks_like_id_number(q: &str) -> bool {
    let q = q.trim().as_bytes();
    match q.len() {
        18 => q[..17].iter().all(u8::is_ascii_digit),
        15 => q.iter().all(u8::is_ascii_digit),
        _ => false,
    }
}

/// 按姓名或报名号查询考生（仅管理员，记入审计日志）。
#[utoipa::path(get, path = "/api/v1/admin/candidates", tag = "管理", params(SearchQuery),
    responses(
        (status = 200, body = Vec<CandidateLineJson>),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "没有当前考试", body = ErrorBody),
        (status = 422, description = "q 为空，或是身份证号（请改用 POST）", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    AdminStaff(who): AdminStaff,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> Result<axum::Json<Vec<CandidateLineJson>>, ApiError> {
    if looks_like_id_number(&query.q) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "身份证号不能放在网址中：请用 POST /api/v1/admin/candidates/search，在请求体中发送 q。",
        ));
    }
    find(&state, &who, &query.q, query.exam_id).await
}

/// 按姓名、身份证号或报名号查询考生（仅管理员，记入审计日志）。
#[utoipa::path(post, path = "/api/v1/admin/candidates/search", tag = "管理",
    request_body = SearchBody,
    responses(
        (status = 200, body = Vec<CandidateLineJson>),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "没有当前考试", body = ErrorBody),
        (status = 422, description = "q 为空", body = ErrorBody),
    ))]
pub async fn search(
    State(state): State<AppState>,
    AdminStaff(who): AdminStaff,
    ApiJson(body): ApiJson<SearchBody>,
) -> Result<axum::Json<Vec<CandidateLineJson>>, ApiError> {
    find(&state, &who, &body.q, body.exam_id).await
}

#[derive(Serialize, ToSchema)]
pub struct CandidateJson {
    id: i64,
    exam_code: String,
    name: String,
    id_number: String,
    registration_no: String,
    school: String,
    is_student: bool,
    hukou: String,
    subject: String,
    email: String,
    phone: Option<String>,
    /// 类别代码与名称；不符合报考条件时为空。
    category: Option<String>,
    category_name: Option<String>,
    ineligible_reason: Option<String>,
    status: String,
    status_label: String,
    /// 考生看到的上传时间说明。
    window: String,
    /// 考生看到的审核结果（仅最终结论）。
    outcome: Option<String>,
    outcome_comment: Option<String>,
    materials: Vec<MaterialJson>,
    /// 报考类别的判断过程，逐行。
    explanation: Vec<String>,
    history: Vec<RoundJson>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = AdminMaterialJson)]
pub struct MaterialJson {
    code: String,
    name: String,
    required: bool,
    /// 审核意见：合格为 true；尚未审核为空。
    ok: Option<bool>,
    reason: Option<String>,
    /// 图片（经审核接口查看，记入审计日志）。
    images: Vec<ImageJson>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = AdminImageJson)]
pub struct ImageJson {
    id: String,
    url: String,
    thumb_url: String,
}

#[derive(Serialize, ToSchema)]
#[schema(as = AdminRoundJson)]
pub struct RoundJson {
    round: i32,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    submitted_at: OffsetDateTime,
    decisions: Vec<DecisionJson>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = AdminDecisionJson)]
pub struct DecisionJson {
    /// 1 初审，2 复核。
    stage: i32,
    outcome: String,
    reviewer: String,
    comment: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    decided_at: OffsetDateTime,
}

impl From<CandidateFile> for CandidateJson {
    fn from(file: CandidateFile) -> Self {
        let o = file.overview;
        let facts = o.candidate.facts;
        CandidateJson {
            id: o.candidate.id,
            exam_code: o.exam.code,
            name: facts.name,
            id_number: facts.id_number,
            registration_no: facts.registration_no,
            school: facts.school,
            is_student: facts.is_student,
            hukou: facts.hukou_text,
            subject: facts.subject,
            email: facts.email,
            phone: facts.phone,
            category_name: o.category.as_ref().map(|(_, name)| name.clone()),
            category: o.category.map(|(code, _)| code),
            ineligible_reason: facts.ineligible_reason,
            status: o.status.as_str().to_string(),
            status_label: o.status.label().to_string(),
            window: o.window_state.describe(&o.window),
            outcome: o.decision.as_ref().map(|d| d.outcome.as_str().to_string()),
            outcome_comment: o.decision.and_then(|d| d.comment),
            materials: o
                .materials
                .into_iter()
                .map(|m| MaterialJson {
                    ok: m.review.as_ref().map(|r| r.ok),
                    reason: m.review.as_ref().and_then(|r| r.text()),
                    images: m
                        .images
                        .iter()
                        .map(|i| ImageJson {
                            id: i.uid.to_string(),
                            url: format!("/api/v1/review/images/{}", i.uid),
                            thumb_url: format!("/api/v1/review/images/{}/thumb", i.uid),
                        })
                        .collect(),
                    code: m.code,
                    name: m.name,
                    required: m.required,
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
                .into_iter()
                .map(|r| RoundJson {
                    round: r.round,
                    submitted_at: r.submitted_at,
                    decisions: r
                        .decisions
                        .into_iter()
                        .map(|d| DecisionJson {
                            stage: d.stage,
                            outcome: d.outcome.as_str().to_string(),
                            reviewer: d.reviewer,
                            comment: d.comment,
                            decided_at: d.decided_at,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// 一位考生：考生本人看到的内容、报考类别的判断过程和审核记录（仅管理员，记入审计日志）。
#[utoipa::path(get, path = "/api/v1/admin/candidates/{id}", tag = "管理",
    params(("id" = i64, Path, description = "考生编号")),
    responses(
        (status = 200, body = CandidateJson),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn one(
    State(state): State<AppState>,
    AdminStaff(who): AdminStaff,
    ApiPath(id): ApiPath<i64>,
) -> Result<axum::Json<CandidateJson>, ApiError> {
    let file = state
        .reviewing
        .candidate_file(&who, id, crate::db::now())
        .await?;
    Ok(axum::Json(file.into()))
}

/// 将考生密码恢复为初始密码（报名电子邮箱），并退出其所有登录（仅管理员，记入审计日志）。
#[utoipa::path(post, path = "/api/v1/admin/candidates/{id}/reset-password", tag = "管理",
    params(("id" = i64, Path, description = "考生编号")),
    responses(
        (status = 204),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn reset_password(
    State(state): State<AppState>,
    AdminStaff(who): AdminStaff,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    state.reviewing.reset_candidate_password(&who, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
