//! The candidate's page, built from the portal's overview.

use axum::response::{IntoResponse, Response};

use super::failure;
use super::views::{
    Flash, HomePage, ImageView, InfoPanel, LimitsView, MaterialView, OutcomeView, ReviewMark,
    StatusView, WindowView,
};
use crate::db::images::ImageRow;
use crate::domain::status::Status;
use crate::domain::window::beijing;
use crate::portal::{Overview, overview};
use crate::web::AppState;
use crate::web::assets::example_url;
use crate::web::session::Session;

pub async fn page(
    state: &AppState,
    session: &Session,
    candidate_id: i64,
    flash: Option<Flash>,
) -> Response {
    match overview(&state.portal, candidate_id, crate::db::now()).await {
        Ok(Some(o)) => home_page(state, o, session.csrf.clone(), flash).into_response(),
        Ok(None) => axum::response::Redirect::to("/").into_response(),
        Err(e) => failure(&e),
    }
}

fn home_page(state: &AppState, o: Overview, csrf: String, flash: Option<Flash>) -> HomePage {
    let facts = &o.candidate.facts;
    let (page_flash, mut row_flash) = match flash {
        Some(f) if f.material.is_some() => (None, Some(f)),
        other => (other, None),
    };
    let notices = notices(o.status);
    HomePage {
        csrf,
        exam_name: o.exam.name.clone(),
        info: InfoPanel {
            id_number: facts.id_number.clone(),
            name: facts.name.clone(),
            school: facts.school.clone(),
            is_student: if facts.is_student { "是" } else { "否" },
            hukou: facts.hukou_text.clone(),
        },
        status: StatusView {
            code: o.status.as_str(),
            label: o.status.label(),
        },
        window: WindowView {
            open: o.window_state.is_open(),
            text: o.window_state.describe(&o.window),
        },
        notices,
        materials: o
            .materials
            .iter()
            .enumerate()
            .map(|(i, m)| MaterialView {
                index: i + 1,
                code: m.code.clone(),
                name: m.name.clone(),
                description: m.description.clone(),
                example_url: m.example.as_deref().map(example_url),
                required: m.required,
                max_images: m.max_images,
                editable: m.editable,
                review: m.review.as_ref().map(|r| ReviewMark {
                    ok: r.ok,
                    reason: r.text(),
                }),
                images: m.images.iter().map(image_view).collect(),
                flash: row_flash.take_if(|f| f.material.as_deref() == Some(m.code.as_str())),
            })
            .collect(),
        can_submit: o.can_submit(),
        outcome: o.decision.as_ref().map(|d| OutcomeView {
            code: d.outcome.as_str(),
            title: d.outcome.title(),
            reason: d.comment.clone(),
            next_step: d.outcome.next_step().to_string(),
            deadline: d.deadline.map(|at| format!("{}（北京时间）", beijing(at))),
        }),
        ineligible: facts.ineligible_reason.clone(),
        flash: page_flash.or(row_flash),
        limits: LimitsView {
            formats: "JPG、PNG、WebP",
            max_mb: (state.portal.limits.max_bytes / (1024 * 1024)) as u32,
        },
    }
}

/// The 提示 box: what to do next, for the status the candidate is in.
fn notices(status: Status) -> Vec<String> {
    let lines: &[&str] = match status {
        Status::Draft => &[
            "上传完成后请点击右下角的“提交”按钮。提交后，请在本页或教育部网站关注审核结果。",
            "请拍摄证件原件，四角完整、文字清晰、无反光遮挡；手机拍照可直接上传，系统会自动转正和压缩。",
        ],
        Status::Returned => &[
            "材料被退回修改：只需修改下方标注“需修改”的材料，然后点击右下角的“提交”重新提交。",
            "请拍摄证件原件，四角完整、文字清晰、无反光遮挡；手机拍照可直接上传，系统会自动转正和压缩。",
        ],
        Status::Submitted | Status::InReview => &[
            "材料已提交，正在等待审核，审核期间不能修改。审核结果将在本页显示，也可在教育部网站查询。",
        ],
        Status::Approved | Status::Rejected => &["审核已结束，审核结果见上方。"],
    };
    lines.iter().map(|line| line.to_string()).collect()
}

pub fn image_view(image: &ImageRow) -> ImageView {
    ImageView {
        id: image.uid.to_string(),
        url: format!("/api/v1/images/{}", image.uid),
        thumb_url: format!("/api/v1/images/{}/thumb", image.uid),
        width: image.width as u32,
        height: image.height as u32,
    }
}
