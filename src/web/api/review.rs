//! The reviewer's API: claims, a case, its images, the decision (the queue: `queue.rs`).
//! Staff only; every case and image read is in the audit log (see `review`).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::auth::ErrorBody;
use super::images::jpeg;
use super::{ApiJson, ApiPath};
use crate::domain::review::{MarkInput, Marks, Outcome};
use crate::domain::status::Status;
use crate::review::{Case, DecisionRequest, DecisionResult, PastDecision, ReviewError, Reviewer};
use crate::web::AppState;
use crate::web::assets::example_url;
use crate::web::error::ApiError;
use crate::web::session::ApiStaff;

impl From<ReviewError> for ApiError {
    fn from(error: ReviewError) -> Self {
        let status = match &error {
            ReviewError::NotFound | ReviewError::NoSuchImage => StatusCode::NOT_FOUND,
            ReviewError::NoExam | ReviewError::NotClaimed(_) => StatusCode::CONFLICT,
            ReviewError::Inconsistent(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ReviewError::Internal(e) => return ApiError::internal(e),
        };
        ApiError::new(status, error.to_string())
    }
}

/// The acting reviewer: a staff session (CSRF checked on changes, see [`ApiStaff`]) and the
/// address the request came from, for the audit log.
pub struct ApiReviewer(Reviewer);

impl FromRequestParts<AppState> for ApiReviewer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let staff = ApiStaff::from_request_parts(parts, state).await?;
        Ok(ApiReviewer(reviewer_of(parts, state, staff.staff_id)))
    }
}

/// The reviewer behind an API request: the staff member, and the address it came from.
pub(in crate::web::api) fn reviewer_of(parts: &Parts, state: &AppState, staff_id: i64) -> Reviewer {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| *peer);
    Reviewer {
        staff_id,
        ip: state.client_ip(&parts.headers, peer),
    }
}

/// 领取下一位：返回自己正在审核的考生，或最早提交、无人领取的考生；队列为空时 204。
#[utoipa::path(post, path = "/api/v1/review/claim", tag = "审核",
    responses(
        (status = 200, body = CaseJson), (status = 204, description = "队列为空"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ))]
pub async fn claim_next(
    State(state): State<AppState>,
    ApiReviewer(who): ApiReviewer,
) -> Result<Response, ApiError> {
    let now = crate::db::now();
    match state.reviewing.claim_next(&who, now).await? {
        None => Ok(StatusCode::NO_CONTENT.into_response()),
        Some(id) => {
            let case = state.reviewing.case(&who, id, now).await?;
            Ok(axum::Json(CaseJson::from(&case)).into_response())
        }
    }
}

/// 领取指定考生（无人审核时）。
#[utoipa::path(post, path = "/api/v1/review/cases/{id}/claim", tag = "审核",
    params(("id" = i64, Path, description = "考生编号")),
    responses(
        (status = 200, body = CaseJson),
        (status = 404, body = ErrorBody),
        (status = 409, description = "他人正在审核，或不在待审核状态", body = ErrorBody),
    ))]
pub async fn claim(
    State(state): State<AppState>,
    ApiReviewer(who): ApiReviewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<axum::Json<CaseJson>, ApiError> {
    let now = crate::db::now();
    state.reviewing.claim(&who, id, now).await?;
    let case = state.reviewing.case(&who, id, now).await?;
    Ok(axum::Json(CaseJson::from(&case)))
}

/// 释放：放回队列，由他人领取。
#[utoipa::path(post, path = "/api/v1/review/cases/{id}/release", tag = "审核",
    params(("id" = i64, Path, description = "考生编号")),
    responses(
        (status = 204),
        (status = 404, body = ErrorBody),
        (status = 409, description = "未由本人领取", body = ErrorBody),
    ))]
pub async fn release(
    State(state): State<AppState>,
    ApiReviewer(who): ApiReviewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    state.reviewing.release(&who, id, crate::db::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct CaseJson {
    id: i64,
    name: String,
    id_number: String,
    registration_no: String,
    school: String,
    is_student: bool,
    hukou: String,
    subject: String,
    phone: Option<String>,
    /// 类别；不符合本考区条件时为空。
    category: Option<CategoryJson>,
    ineligible_reason: Option<String>,
    /// 为什么是这个类别：规则逐条检查的结果。
    explanation: Vec<ExplanationStep>,
    status: String,
    status_label: String,
    /// 第几次提交。
    round: i32,
    resubmission: bool,
    second_review: bool,
    /// 正在审核的审核员。
    claimed_by: Option<String>,
    /// 本人已领取，可以作出审核决定。
    can_decide: bool,
    materials: Vec<CaseMaterialJson>,
    /// 本考试的不合格原因。
    reasons: Vec<String>,
    /// 待复核时：初审的决定。
    first_decision: Option<PastDecisionJson>,
    /// 重新提交时：上一次退回的决定。
    previous: Option<PastDecisionJson>,
    history: Vec<RoundJson>,
    /// 退回时默认的重新提交截止时间。
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    default_resubmit_by: OffsetDateTime,
}

#[derive(Serialize, ToSchema)]
#[schema(as = CaseCategoryJson)]
pub struct CategoryJson {
    code: String,
    name: String,
}

#[derive(Serialize, ToSchema)]
pub struct ExplanationStep {
    /// 类别名称。
    category: String,
    /// 是否符合：是 / 否 / 无法判断。
    verdict: String,
    /// 逐条检查，如“户口所在城市为武汉市：✓（…）”。
    checks: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CaseMaterialJson {
    code: String,
    name: String,
    description: String,
    example_url: Option<String>,
    images: Vec<CaseImageJson>,
}

#[derive(Serialize, ToSchema)]
pub struct CaseImageJson {
    #[schema(value_type = String, format = Uuid)]
    id: Uuid,
    url: String,
    thumb_url: String,
    width: i32,
    height: i32,
    /// 上次退回之后新上传的。
    new: bool,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    uploaded_at: OffsetDateTime,
}

#[derive(Serialize, ToSchema)]
pub struct PastDecisionJson {
    /// 1 初审，2 复核。
    stage: i32,
    outcome: String,
    outcome_label: String,
    reviewer: String,
    comment: Option<String>,
    /// 各材料的审核意见。
    #[schema(value_type = Object)]
    marks: Marks,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    decided_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    resubmit_by: Option<OffsetDateTime>,
    /// 复核结论与初审不一致。
    disagrees: bool,
}

impl From<&PastDecision> for PastDecisionJson {
    fn from(d: &PastDecision) -> Self {
        PastDecisionJson {
            stage: d.stage,
            outcome: d.outcome.as_str().to_string(),
            outcome_label: d.outcome.title().to_string(),
            reviewer: d.reviewer.clone(),
            comment: d.comment.clone(),
            marks: d.marks.clone(),
            decided_at: d.decided_at,
            resubmit_by: d.resubmit_by,
            disagrees: d.disagrees,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[schema(as = CaseRoundJson)]
pub struct RoundJson {
    round: i32,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    submitted_at: OffsetDateTime,
    decisions: Vec<PastDecisionJson>,
}

impl From<&Case> for CaseJson {
    fn from(case: &Case) -> Self {
        let o = &case.overview;
        let facts = &o.candidate.facts;
        CaseJson {
            id: o.candidate.id,
            name: facts.name.clone(),
            id_number: facts.id_number.clone(),
            registration_no: facts.registration_no.clone(),
            school: facts.school.clone(),
            is_student: facts.is_student,
            hukou: facts.hukou_text.clone(),
            subject: facts.subject.clone(),
            phone: facts.phone.clone(),
            category: o.category.as_ref().map(|(code, name)| CategoryJson {
                code: code.clone(),
                name: name.clone(),
            }),
            ineligible_reason: facts.ineligible_reason.clone(),
            explanation: case
                .explanation
                .steps()
                .iter()
                .map(|step| ExplanationStep {
                    category: step.name.clone(),
                    verdict: step.verdict.symbol().to_string(),
                    checks: step.checks.iter().map(ToString::to_string).collect(),
                })
                .collect(),
            status: o.status.as_str().to_string(),
            status_label: o.status.label().to_string(),
            round: case.history.last().map_or(0, |r| r.round),
            resubmission: case.is_resubmission(),
            second_review: o.status == Status::InReview,
            claimed_by: case.claim.as_ref().map(|c| c.username.clone()),
            can_decide: case.can_decide(),
            materials: o
                .materials
                .iter()
                .map(|m| CaseMaterialJson {
                    code: m.code.clone(),
                    name: m.name.clone(),
                    description: m.description.clone(),
                    example_url: m.example.as_deref().map(example_url),
                    images: m
                        .images
                        .iter()
                        .map(|i| CaseImageJson {
                            id: i.uid,
                            url: format!("/api/v1/review/images/{}", i.uid),
                            thumb_url: format!("/api/v1/review/images/{}/thumb", i.uid),
                            width: i.width,
                            height: i.height,
                            new: case.changed.contains(&i.uid),
                            uploaded_at: i.created_at,
                        })
                        .collect(),
                })
                .collect(),
            reasons: case.catalogue.reasons().to_vec(),
            first_decision: case.first_decision.as_ref().map(PastDecisionJson::from),
            previous: case.previous.as_ref().map(PastDecisionJson::from),
            history: case
                .history
                .iter()
                .map(|r| RoundJson {
                    round: r.round,
                    submitted_at: r.submitted_at,
                    decisions: r.decisions.iter().map(PastDecisionJson::from).collect(),
                })
                .collect(),
            default_resubmit_by: case.default_resubmit_by,
        }
    }
}

/// 查看一位考生的审核材料（记入审计日志）。
#[utoipa::path(get, path = "/api/v1/review/cases/{id}", tag = "审核",
    params(("id" = i64, Path, description = "考生编号")),
    responses(
        (status = 200, body = CaseJson),
        (status = 404, description = "无此考生，或尚未提交", body = ErrorBody),
    ))]
pub async fn case(
    State(state): State<AppState>,
    ApiReviewer(who): ApiReviewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<axum::Json<CaseJson>, ApiError> {
    let case = state.reviewing.case(&who, id, crate::db::now()).await?;
    Ok(axum::Json(CaseJson::from(&case)))
}

#[derive(Deserialize, ToSchema)]
pub struct DecisionBody {
    /// approve | return | reject
    outcome: String,
    /// 每项材料一条。
    materials: Vec<MarkBody>,
    /// 审核意见；审核不通过时必填。
    #[serde(default)]
    comment: Option<String>,
    /// 退回时：重新提交截止时间（RFC 3339）；不填用默认值。
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    resubmit_by: Option<OffsetDateTime>,
}

#[derive(Deserialize, ToSchema)]
pub struct MarkBody {
    code: String,
    ok: bool,
    /// 不合格原因（须为本考试原因列表之一）。
    #[serde(default)]
    reason: Option<String>,
    /// 说明；原因为“其他（请说明）”时必填。
    #[serde(default)]
    note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DecisionResponse {
    /// 考生的新状态。
    status: String,
    /// 已转复核（尚未生效）。
    second_review: bool,
}

/// 作出审核决定。须本人已领取；与各材料意见矛盾时 422。
#[utoipa::path(post, path = "/api/v1/review/cases/{id}/decision", tag = "审核",
    params(("id" = i64, Path, description = "考生编号")),
    request_body = DecisionBody,
    responses(
        (status = 200, body = DecisionResponse),
        (status = 404, body = ErrorBody),
        (status = 409, description = "未由本人领取", body = ErrorBody),
        (status = 422, description = "决定与材料意见不一致，或信息不全", body = ErrorBody),
    ))]
pub async fn decide(
    State(state): State<AppState>,
    ApiReviewer(who): ApiReviewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> Result<axum::Json<DecisionResponse>, ApiError> {
    let outcome = Outcome::parse_verb(&body.outcome).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "审核结论须为 approve（通过）、return（退回修改）或 reject（不通过）。",
        )
    })?;
    let request = DecisionRequest {
        outcome,
        marks: body
            .materials
            .into_iter()
            .map(|m| MarkInput {
                code: m.code,
                ok: m.ok,
                reason: m.reason,
                note: m.note,
            })
            .collect(),
        comment: body.comment,
        resubmit_by: body.resubmit_by,
    };
    let result = state
        .reviewing
        .decide(&who, id, request, crate::db::now())
        .await?;
    let (status, second_review) = match result {
        DecisionResult::Final => (outcome.as_str().to_string(), false),
        DecisionResult::AwaitingSecondReview => (Status::InReview.as_str().to_string(), true),
    };
    Ok(axum::Json(DecisionResponse {
        status,
        second_review,
    }))
}

/// 查看考生的图片（审核用，记入审计日志）。
#[utoipa::path(get, path = "/api/v1/review/images/{id}", tag = "审核",
    params(("id" = Uuid, Path, description = "图片编号")),
    responses((status = 200, content_type = "image/jpeg"), (status = 404, body = ErrorBody)))]
pub async fn image(
    State(state): State<AppState>,
    ApiReviewer(who): ApiReviewer,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    serve(&state, &who, &id, false).await
}

/// 查看缩略图（审核用，记入审计日志）。
#[utoipa::path(get, path = "/api/v1/review/images/{id}/thumb", tag = "审核",
    params(("id" = Uuid, Path, description = "图片编号")),
    responses((status = 200, content_type = "image/jpeg"), (status = 404, body = ErrorBody)))]
pub async fn thumb(
    State(state): State<AppState>,
    ApiReviewer(who): ApiReviewer,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    serve(&state, &who, &id, true).await
}

async fn serve(
    state: &AppState,
    who: &Reviewer,
    id: &str,
    thumb: bool,
) -> Result<Response, ApiError> {
    let uid = Uuid::parse_str(id).map_err(|_| ReviewError::NoSuchImage)?;
    let (_, bytes) = state
        .reviewing
        .image(who, uid, thumb, crate::db::now())
        .await?;
    Ok(jpeg(bytes))
}
