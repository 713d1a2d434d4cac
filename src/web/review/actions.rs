//! Form posts on one case: claim, release, decide. A decision goes on to the next case.

use std::net::SocketAddr;

use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

use super::case::{Draft, case_id, case_page, not_found};
use super::{CsrfForm, case_path, redirect_with, refused, reviewer};
use crate::domain::review::{MarkInput, Outcome};
use crate::review::{DecisionRequest, DecisionResult, ReviewError, Reviewer};
use crate::web::AppState;
use crate::web::staff::{failure, message, staff_posting};

/// At most this many fields are read from a decision form (a few per material).
const MAX_FIELDS: usize = 300;

/// A form post on one case: the staff member (form CSRF checked) as the acting reviewer,
/// and the case.
async fn case_post(
    state: &AppState,
    headers: &HeaderMap,
    peer: SocketAddr,
    id: &str,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Result<(Reviewer, i64), Response> {
    let csrf = form.map(|Form(f)| f.csrf).unwrap_or_default();
    let visitor = staff_posting(state, headers, &csrf).await?;
    let id = case_id(id).ok_or_else(not_found)?;
    Ok((reviewer(state, &visitor, headers, peer), id))
}

pub async fn claim(
    State(state): State<AppState>,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    Path(id): Path<String>,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Response {
    let (me, id) = match case_post(&state, &headers, peer, &id, form).await {
        Ok(post) => post,
        Err(response) => return response,
    };
    match state.reviewing.claim(&me, id, crate::db::now()).await {
        Ok(()) => Redirect::to(&case_path(id)).into_response(),
        Err(ReviewError::NotClaimed(text)) => redirect_with(jar, &case_path(id), false, text),
        Err(e) => refused(e),
    }
}

pub async fn release(
    State(state): State<AppState>,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    Path(id): Path<String>,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Response {
    let (me, id) = match case_post(&state, &headers, peer, &id, form).await {
        Ok(post) => post,
        Err(response) => return response,
    };
    match state.reviewing.release(&me, id, crate::db::now()).await {
        Ok(()) => {
            let name = candidate_name(&state, id).await;
            let text = format!("已释放{name}，该考生已回到待审核队列。");
            redirect_with(jar, "/review", true, text)
        }
        Err(ReviewError::NotClaimed(text)) => redirect_with(jar, &case_path(id), false, text),
        Err(e) => refused(e),
    }
}

/// A decision form, as sent.
struct DecisionForm {
    csrf: String,
    outcome: Option<Outcome>,
    draft: Draft,
}

impl DecisionForm {
    /// `ok.<code>` = 1 | 0, `reason.<code>`, `note.<code>` per material; the marks keep the
    /// order of the form.
    fn read(fields: Vec<(String, String)>) -> DecisionForm {
        let mut form = DecisionForm {
            csrf: String::new(),
            outcome: None,
            draft: Draft::default(),
        };
        let value = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        for (name, value_text) in &fields {
            match name.as_str() {
                "csrf" => form.csrf = value_text.clone(),
                "outcome" => form.outcome = Outcome::parse_verb(value_text.trim()),
                "comment" => form.draft.comment = value_text.clone(),
                "resubmit_by" => form.draft.resubmit_by = value_text.trim().to_string(),
                _ => {
                    let Some(code) = name.strip_prefix("ok.") else {
                        continue;
                    };
                    if form.draft.marks.iter().any(|m| m.code == code) {
                        continue; // the service refuses duplicates; one mark per material here
                    }
                    form.draft.marks.push(MarkInput {
                        code: code.to_string(),
                        ok: value_text.trim() != "0",
                        reason: value(&format!("reason.{code}")),
                        note: value(&format!("note.{code}")),
                    });
                }
            }
        }
        form
    }
}

pub async fn decide(
    State(state): State<AppState>,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    Path(id): Path<String>,
    body: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let Ok(Form(fields)) = body else {
        return incomplete();
    };
    if fields.len() > MAX_FIELDS {
        return incomplete();
    }
    let form = DecisionForm::read(fields);
    let visitor = match staff_posting(&state, &headers, &form.csrf).await {
        Ok(visitor) => visitor,
        Err(response) => return response,
    };
    let Some(id) = case_id(&id) else {
        return not_found();
    };
    let me = reviewer(&state, &visitor, &headers, peer);
    let now = crate::db::now();
    let again = |status: StatusCode, text: String| {
        let state = state.clone();
        let me = me.clone();
        let visitor = visitor.clone();
        let draft = &form.draft;
        async move {
            match state.reviewing.case(&me, id, now).await {
                Ok(case) => {
                    let page = case_page(&visitor, id, case, None, Some(text), Some(draft), now);
                    (status, page).into_response()
                }
                Err(e) => refused(e),
            }
        }
    };
    let Some(outcome) = form.outcome else {
        let text = "请选择审核结论：审核通过、退回修改或审核不通过。".to_string();
        return again(StatusCode::UNPROCESSABLE_ENTITY, text).await;
    };
    let resubmit_by = match (outcome, form.draft.resubmit_by.as_str()) {
        (Outcome::Returned, text) if !text.is_empty() => match beijing_input(text) {
            Some(at) => Some(at),
            None => {
                let text = "重新提交截止时间的格式不正确，请重新选择。".to_string();
                return again(StatusCode::UNPROCESSABLE_ENTITY, text).await;
            }
        },
        _ => None,
    };
    let request = DecisionRequest {
        outcome,
        marks: form.draft.marks.clone(),
        comment: Some(form.draft.comment.clone()),
        resubmit_by,
    };
    let name = candidate_name(&state, id).await;
    match state.reviewing.decide(&me, id, request, now).await {
        Ok(result) => {
            let mut text = format!("已提交：{}（{name}）", outcome.title());
            if result == DecisionResult::AwaitingSecondReview {
                text.push_str("，已转复核");
            }
            next_case(&state, &me, jar, text).await
        }
        Err(ReviewError::Inconsistent(text)) => again(StatusCode::UNPROCESSABLE_ENTITY, text).await,
        Err(ReviewError::NotClaimed(text)) => again(StatusCode::CONFLICT, text).await,
        Err(e) => refused(e),
    }
}

/// After a decision: the next case with the message, or the queue when it is empty.
async fn next_case(
    state: &AppState,
    me: &crate::review::Reviewer,
    jar: CookieJar,
    done: String,
) -> Response {
    match state.reviewing.claim_next(me, crate::db::now()).await {
        Ok(Some(next)) => redirect_with(jar, &case_path(next), true, done),
        Ok(None) => redirect_with(
            jar,
            "/review",
            true,
            format!("{done}。暂时没有待审核的考生。"),
        ),
        Err(ReviewError::Internal(e)) => failure(&e),
        // The decision is made; the queue is only the way on.
        Err(_) => redirect_with(jar, "/review", true, done),
    }
}

/// The candidate's name in a message, or nothing when it cannot be read.
async fn candidate_name(state: &AppState, id: i64) -> String {
    match state.db.find_candidate(id).await {
        Ok(Some(candidate)) => candidate.facts.name,
        _ => String::new(),
    }
}

/// A `datetime-local` value (`2023-11-03T17:00`, seconds optional) in Beijing time.
fn beijing_input(text: &str) -> Option<OffsetDateTime> {
    let minutes = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let seconds =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let local = PrimitiveDateTime::parse(text, &minutes)
        .or_else(|_| PrimitiveDateTime::parse(text, &seconds))
        .ok()?;
    Some(local.assume_offset(UtcOffset::from_hms(8, 0, 0).ok()?))
}

fn incomplete() -> Response {
    message(
        StatusCode::UNPROCESSABLE_ENTITY,
        "提交的内容不完整",
        "提交的内容不完整，请返回上一页重新填写。",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_form_reads_as_marks_in_order() {
        let form = DecisionForm::read(pairs(&[
            ("csrf", "t"),
            ("ok.id_card", "1"),
            ("reason.id_card", ""),
            ("ok.diploma", "0"),
            ("reason.diploma", "其他（请说明）"),
            ("note.diploma", " 缺少背面 "),
            ("outcome", "return"),
            ("resubmit_by", "2023-11-03T17:00"),
        ]));
        assert_eq!(form.csrf, "t");
        assert_eq!(form.outcome, Some(Outcome::Returned));
        let codes: Vec<&str> = form.draft.marks.iter().map(|m| m.code.as_str()).collect();
        assert_eq!(codes, ["id_card", "diploma"]);
        assert!(form.draft.marks[0].ok && form.draft.marks[0].reason.is_none());
        assert!(!form.draft.marks[1].ok);
        assert_eq!(form.draft.marks[1].note.as_deref(), Some("缺少背面"));
    }

    #[test]
    fn a_deadline_is_read_as_beijing_time() {
        let at = beijing_input("2023-11-03T17:00").unwrap();
        assert_eq!(at, time::macros::datetime!(2023-11-03 09:00 UTC));
        assert!(beijing_input("2023-11-03T17:00:30").is_some());
        assert!(beijing_input("明天").is_none());
    }
}
