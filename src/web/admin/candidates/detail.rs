//! One candidate's page for an admin: what the candidate sees (read-only, images through
//! the audited staff routes), the category explanation and the case history.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;

use super::{FLASH, refused};
use crate::domain::review::Marks;
use crate::domain::window::beijing;
use crate::review::ReviewError;
use crate::review::candidates::CandidateFile;
use crate::web::AppState;
use crate::web::admin::admin_page;
use crate::web::flash::Flash;
use crate::web::review::{case_id, reviewer};
use crate::web::staff::StaffVisitor;

#[derive(askama::Template, askama_web::WebTemplate)]
#[template(path = "admin/candidate.html")]
pub struct DetailPage {
    csrf: String,
    username: String,
    is_admin: bool,
    id: i64,
    flash: Option<Flash>,
    exam_name: String,
    name: String,
    id_number: String,
    registration_no: String,
    school: String,
    is_student: &'static str,
    hukou: String,
    subject: String,
    email: String,
    phone: String,
    category: String,
    status_code: &'static str,
    status: &'static str,
    window: String,
    ineligible: Option<String>,
    outcome: Option<OutcomeLine>,
    materials: Vec<MaterialLine>,
    /// The rules' explanation, line by line.
    explanation: Vec<String>,
    history: Vec<RoundLine>,
}

pub struct OutcomeLine {
    code: &'static str,
    title: &'static str,
    comment: Option<String>,
    deadline: Option<String>,
}

pub struct MaterialLine {
    index: usize,
    name: String,
    description: String,
    required: bool,
    /// `Some((ok, text))` after a review.
    mark: Option<(bool, String)>,
    /// (thumbnail URL, full image URL), through the audited staff routes.
    images: Vec<(String, String)>,
}

pub struct RoundLine {
    round: i32,
    submitted_at: String,
    decisions: Vec<DecisionLine>,
}

pub struct DecisionLine {
    stage: &'static str,
    outcome: &'static str,
    reviewer: String,
    decided_at: String,
    comment: Option<String>,
    marks: Vec<String>,
}

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    Path(id): Path<String>,
) -> Response {
    let visitor = match admin_page(&state, &headers).await {
        Ok(visitor) => visitor,
        Err(response) => return response,
    };
    let Some(id) = case_id(&id) else {
        return refused(ReviewError::NotFound);
    };
    let me = reviewer(&state, &visitor, &headers, peer);
    match state
        .reviewing
        .candidate_file(&me, id, crate::db::now())
        .await
    {
        Ok(file) => {
            let (jar, flash) = FLASH.take(jar);
            (jar, detail_page(&visitor, id, file, flash)).into_response()
        }
        Err(e) => refused(e),
    }
}

fn detail_page(
    visitor: &StaffVisitor,
    id: i64,
    file: CandidateFile,
    flash: Option<Flash>,
) -> DetailPage {
    let o = &file.overview;
    let facts = &o.candidate.facts;
    let names: Vec<(String, String)> = o
        .materials
        .iter()
        .map(|m| (m.code.clone(), m.name.clone()))
        .collect();
    DetailPage {
        csrf: visitor.csrf(),
        username: visitor.username.clone(),
        is_admin: true,
        id,
        flash,
        exam_name: o.exam.name.clone(),
        name: facts.name.clone(),
        id_number: facts.id_number.clone(),
        registration_no: facts.registration_no.clone(),
        school: facts.school.clone(),
        is_student: if facts.is_student { "是" } else { "否" },
        hukou: facts.hukou_text.clone(),
        subject: facts.subject.clone(),
        email: facts.email.clone(),
        phone: facts.phone.clone().unwrap_or_else(|| "—".to_string()),
        category: o
            .category
            .as_ref()
            .map_or_else(|| "不符合报考条件".to_string(), |(_, name)| name.clone()),
        status_code: o.status.as_str(),
        status: o.status.label(),
        window: o.window_state.describe(&o.window),
        ineligible: facts.ineligible_reason.clone(),
        outcome: o.decision.as_ref().map(|d| OutcomeLine {
            code: d.outcome.as_str(),
            title: d.outcome.title(),
            comment: d.comment.clone(),
            deadline: d.deadline.map(|at| format!("{}（北京时间）", beijing(at))),
        }),
        materials: o
            .materials
            .iter()
            .enumerate()
            .map(|(i, m)| MaterialLine {
                index: i + 1,
                name: m.name.clone(),
                description: m.description.clone(),
                required: m.required,
                mark: m.review.as_ref().map(|r| {
                    let text = r.text().unwrap_or_default();
                    (
                        r.ok,
                        if r.ok {
                            "合格".to_string()
                        } else {
                            format!("需修改：{text}")
                        },
                    )
                }),
                images: m
                    .images
                    .iter()
                    .map(|image| {
                        let url = format!("/api/v1/review/images/{}", image.uid);
                        (format!("{url}/thumb"), url)
                    })
                    .collect(),
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
            .iter()
            .map(|round| RoundLine {
                round: round.round,
                submitted_at: beijing(round.submitted_at),
                decisions: round
                    .decisions
                    .iter()
                    .map(|d| DecisionLine {
                        stage: if d.stage >= 2 { "复核" } else { "初审" },
                        outcome: d.outcome.title(),
                        reviewer: d.reviewer.clone(),
                        decided_at: beijing(d.decided_at),
                        comment: d.comment.clone().filter(|c| !c.trim().is_empty()),
                        marks: mark_lines(&d.marks, &names),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// "材料：合格" or "材料：不合格（原因）", in the order of the candidate's materials.
fn mark_lines(marks: &Marks, names: &[(String, String)]) -> Vec<String> {
    names
        .iter()
        .filter_map(|(code, name)| {
            marks.get(code).map(|mark| match (mark.ok, mark.text()) {
                (true, _) => format!("{name}：合格"),
                (false, Some(text)) => format!("{name}：不合格（{text}）"),
                (false, None) => format!("{name}：不合格"),
            })
        })
        .collect()
}
