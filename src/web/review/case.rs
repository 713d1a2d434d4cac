//! One case's page: the review service's `Case` as the template shows it.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use time::{OffsetDateTime, UtcOffset};

use super::case_view::{claim_view, decision_view, materials, steps};
use super::views::{CaseInfo, CasePage, Flash, ReasonView, RoundView};
use super::{refused, reviewer, status_view, take_flash};
use crate::domain::review::{MarkInput, needs_text};
use crate::domain::status::Status;
use crate::domain::window::beijing;
use crate::review::{Case, PastDecision};
use crate::web::AppState;
use crate::web::staff::{StaffVisitor, message, staff_page};

/// What the reviewer chose in a refused decision, to fill the form again.
#[derive(Debug, Default)]
pub struct Draft {
    pub marks: Vec<MarkInput>,
    pub comment: String,
    pub resubmit_by: String,
}

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    Path(id): Path<String>,
) -> Response {
    let visitor = match staff_page(&state, &headers).await {
        Ok(visitor) => visitor,
        Err(response) => return response,
    };
    let Some(id) = case_id(&id) else {
        return not_found();
    };
    let me = reviewer(&state, &visitor, &headers, peer);
    let now = crate::db::now();
    match state.reviewing.case(&me, id, now).await {
        Ok(case) => {
            let (jar, flash) = take_flash(jar);
            let page = case_page(&visitor, id, case, flash, None, None, now);
            (jar, page).into_response()
        }
        Err(e) => refused(e),
    }
}

/// A case id from the URL.
pub fn case_id(text: &str) -> Option<i64> {
    text.parse::<i64>().ok().filter(|id| *id > 0)
}

pub fn not_found() -> Response {
    message(
        StatusCode::NOT_FOUND,
        "找不到考生",
        "找不到这位考生，或考生尚未提交材料。",
    )
}

pub fn case_page(
    visitor: &StaffVisitor,
    id: i64,
    case: Case,
    flash: Option<Flash>,
    error: Option<String>,
    draft: Option<&Draft>,
    now: OffsetDateTime,
) -> CasePage {
    let o = &case.overview;
    let facts = &o.candidate.facts;
    let names: Vec<(String, String)> = o
        .materials
        .iter()
        .map(|m| (m.code.clone(), m.name.clone()))
        .collect();
    let decision = |d: &PastDecision| decision_view(d, &names);
    let status = case.status();
    let first_reviewer_is_me = case
        .first_decision
        .as_ref()
        .is_some_and(|d| d.reviewer == visitor.username);
    let awaiting = matches!(status, Status::Submitted | Status::InReview);
    let materials = materials(&case, draft);
    let images = materials.iter().flat_map(|m| &m.images);
    CasePage {
        csrf: visitor.csrf(),
        username: visitor.username.clone(),
        is_admin: visitor.is_admin(),
        flash,
        error,
        id,
        info: CaseInfo {
            name: facts.name.clone(),
            id_number: facts.id_number.clone(),
            registration_no: facts.registration_no.clone(),
            school: facts.school.clone(),
            is_student: if facts.is_student { "是" } else { "否" },
            hukou: facts.hukou_text.clone(),
            subject: facts.subject.clone(),
            phone: facts.phone.clone().unwrap_or_else(|| "—".to_string()),
            email: facts.email.clone(),
        },
        category: o
            .category
            .as_ref()
            .map_or_else(|| "—".to_string(), |(_, name)| name.clone()),
        applicant: case.explanation.applicant().to_string(),
        steps: steps(&case),
        // The explanation's last line: `→ 匹配：…，需上传：…`.
        verdict: case
            .explanation
            .to_string()
            .lines()
            .last()
            .unwrap_or_default()
            .to_string(),
        status: status_view(status),
        resubmission: case.is_resubmission(),
        second_review: status == Status::InReview,
        first_decision: case.first_decision.as_ref().map(decision),
        previous: case.previous.as_ref().map(decision),
        history: case
            .history
            .iter()
            .map(|round| RoundView {
                round: round.round,
                submitted_at: beijing(round.submitted_at),
                decisions: round.decisions.iter().map(decision).collect(),
            })
            .collect(),
        claim: claim_view(&case, first_reviewer_is_me),
        can_decide: case.can_decide(),
        can_claim: !case.mine && awaiting && case.claim.is_none() && !first_reviewer_is_me,
        image_count: images.clone().count(),
        new_count: images.filter(|i| i.is_new).count(),
        materials,
        reasons: case
            .catalogue
            .reasons()
            .iter()
            .map(|r| ReasonView {
                text: r.clone(),
                needs_text: needs_text(r),
            })
            .collect(),
        comment: draft.map(|d| d.comment.clone()).unwrap_or_default(),
        resubmit_by: draft
            .map(|d| d.resubmit_by.clone())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| local_input(case.default_resubmit_by)),
        resubmit_min: local_input(now),
    }
}

/// A moment as a `datetime-local` value in Beijing time, e.g. `2023-11-03T17:00`.
pub fn local_input(at: OffsetDateTime) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let offset = UtcOffset::from_hms(8, 0, 0).unwrap_or(UtcOffset::UTC);
    at.to_offset(offset).format(&format).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_is_shown_in_beijing_time() {
        let at = time::macros::datetime!(2023-11-03 09:00 UTC);
        assert_eq!(local_input(at), "2023-11-03T17:00");
    }
}
