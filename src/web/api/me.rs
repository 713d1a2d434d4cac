//! Where the signed-in candidate stands: the same facts the candidate page shows.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::auth::ErrorBody;
use crate::db::images::ImageRow;
use crate::portal::{Overview, overview};
use crate::web::AppState;
use crate::web::assets::example_url;
use crate::web::error::ApiError;
use crate::web::session::ApiCandidate;

#[derive(Serialize, ToSchema)]
pub struct Me {
    name: String,
    school: String,
    is_student: bool,
    /// 户口所在地，照名册原文。
    hukou: String,
    /// draft | submitted | in_review | approved | returned | rejected
    status: &'static str,
    /// 状态的中文说明，例如“已提交（待审核）”。
    status_label: &'static str,
    category: Option<CategoryJson>,
    /// 不符合本地审核条件时的原因及联系方式。
    ineligible_reason: Option<String>,
    window: WindowJson,
    /// 现在能否提交（状态、时间均允许）。
    can_submit: bool,
    /// 现在不能修改或提交的原因。
    locked_reason: Option<String>,
    materials: Vec<MaterialJson>,
    decision: Option<DecisionJson>,
    csrf_token: String,
}

#[derive(Serialize, ToSchema)]
pub struct CategoryJson {
    code: String,
    name: String,
}

#[derive(Serialize, ToSchema)]
pub struct WindowJson {
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    opens_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    closes_at: Option<OffsetDateTime>,
    open: bool,
    /// 上传时间的中文说明（北京时间）。
    text: String,
}

#[derive(Serialize, ToSchema)]
pub struct MaterialJson {
    code: String,
    name: String,
    description: String,
    example_url: Option<String>,
    required: bool,
    max_images: u32,
    editable: bool,
    review: Option<ReviewJson>,
    images: Vec<ImageJson>,
}

#[derive(Serialize, ToSchema)]
pub struct ReviewJson {
    ok: bool,
    reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ImageJson {
    id: Uuid,
    url: String,
    thumb_url: String,
    width: i32,
    height: i32,
    bytes: i64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    uploaded_at: OffsetDateTime,
}

impl From<&ImageRow> for ImageJson {
    fn from(image: &ImageRow) -> Self {
        ImageJson {
            id: image.uid,
            url: format!("/api/v1/images/{}", image.uid),
            thumb_url: format!("/api/v1/images/{}/thumb", image.uid),
            width: image.width,
            height: image.height,
            bytes: image.byte_size,
            uploaded_at: image.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DecisionJson {
    /// approved | returned | rejected
    outcome: &'static str,
    title: &'static str,
    comment: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    decided_at: OffsetDateTime,
    /// 退回修改时：重新提交的截止时间。
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    resubmit_deadline: Option<OffsetDateTime>,
    next_step: &'static str,
}

/// 考生本人的信息、材料及审核状态。
#[utoipa::path(get, path = "/api/v1/me", tag = "考生",
    responses(
        (status = 200, body = Me),
        (status = 401, body = ErrorBody),
        (status = 403, description = "须先修改初始密码", body = ErrorBody),
    ))]
pub async fn me(
    State(state): State<AppState>,
    candidate: ApiCandidate,
) -> Result<Json<Me>, ApiError> {
    let overview = overview(&state.portal, candidate.candidate_id, crate::db::now())
        .await?
        .ok_or_else(ApiError::signed_out)?;
    Ok(Json(me_json(overview, candidate.session.csrf)))
}

fn me_json(o: Overview, csrf_token: String) -> Me {
    let facts = &o.candidate.facts;
    Me {
        name: facts.name.clone(),
        school: facts.school.clone(),
        is_student: facts.is_student,
        hukou: facts.hukou_text.clone(),
        status: o.status.as_str(),
        status_label: o.status.label(),
        category: o
            .category
            .clone()
            .map(|(code, name)| CategoryJson { code, name }),
        ineligible_reason: facts.ineligible_reason.clone(),
        window: WindowJson {
            opens_at: o.window.opens_at,
            closes_at: o.window.closes_at,
            open: o.window_state.is_open(),
            text: o.window_state.describe(&o.window),
        },
        can_submit: o.can_submit(),
        locked_reason: o.refusal.clone(),
        materials: o
            .materials
            .iter()
            .map(|m| MaterialJson {
                code: m.code.clone(),
                name: m.name.clone(),
                description: m.description.clone(),
                example_url: m.example.as_deref().map(example_url),
                required: m.required,
                max_images: m.max_images,
                editable: m.editable,
                review: m.review.as_ref().map(|r| ReviewJson {
                    ok: r.ok,
                    reason: r.text(),
                }),
                images: m.images.iter().map(ImageJson::from).collect(),
            })
            .collect(),
        decision: o.decision.as_ref().map(|d| DecisionJson {
            outcome: d.outcome.as_str(),
            title: d.outcome.title(),
            comment: d.comment.clone(),
            decided_at: d.decided_at,
            resubmit_deadline: d.deadline,
            next_step: d.outcome.next_step(),
        }),
        csrf_token,
    }
}
