//! The queue page (counts, filters, one page of cases; a personal search is posted, never
//! in a URL) and 领取下一位.

use std::net::SocketAddr;

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{ConnectInfo, Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;

use super::filters::{QueueForm, ReadFilter, page_links, read_filter};
use super::views::{Choice, QueuePage, QueueRow, Tab};
use super::{CsrfForm, case_path, redirect_with, refused, reviewer, status_view, take_flash};
use crate::db::review::{QueueFilter, QueueItem};
use crate::domain::status::Status;
use crate::domain::window::beijing;
use crate::review::{PAGE_SIZE, ReviewError, Reviewer};
use crate::web::AppState;
use crate::web::staff::{StaffVisitor, failure, message, staff_page, staff_posting};

/// The status tabs, in the order of the work.
const TABS: [Status; 6] = [
    Status::Submitted,
    Status::InReview,
    Status::Returned,
    Status::Approved,
    Status::Rejected,
    Status::Draft,
];

/// `GET /review`: the queue with the filters of the URL. A personal search in the URL (an
/// old bookmark) is not run: the page says to type it into the form, which posts it.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    query: Result<Query<QueueForm>, QueryRejection>,
) -> Response {
    let visitor = match staff_page(&state, &headers).await {
        Ok(visitor) => visitor,
        Err(response) => return response,
    };
    let (form, refusal) = match query {
        Ok(Query(form)) if form.has_search() => (
            QueueForm { q: None, ..form },
            Some(
                "为保护个人信息，姓名、身份证号、报名号不能放在网址中：\
                 请在“姓名 / 身份证号 / 报名号”框中输入，再点“筛选”。",
            ),
        ),
        Ok(Query(form)) => (form, None),
        Err(_) => (
            QueueForm::default(),
            Some("网址中的筛选条件无法识别，请在下面重新选择后点“筛选”。"),
        ),
    };
    let me = reviewer(&state, &visitor, &headers, peer);
    show(&state, &visitor, &me, jar, &form, refusal).await
}

/// `POST /review`: the filter form. A personal search is answered here, never redirected
/// (the URL would carry it); without one the browser goes to the same filters' URL.
pub async fn search(
    State(state): State<AppState>,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    form: Result<Form<QueueForm>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        if let Err(response) = staff_page(&state, &headers).await {
            return response;
        }
        return message(
            StatusCode::UNPROCESSABLE_ENTITY,
            "无法识别筛选条件",
            "筛选条件无法识别，请返回审核队列重新填写。",
        );
    };
    let visitor = match staff_posting(&state, &headers, &form.csrf).await {
        Ok(visitor) => visitor,
        Err(response) => return response,
    };
    if !form.has_search() {
        let read = read_filter(&form);
        if read.refused.is_none() {
            let to = read.view.href(&read.view.status, read.filter.page + 1);
            return Redirect::to(&to).into_response();
        }
    }
    let me = reviewer(&state, &visitor, &headers, peer);
    show(&state, &visitor, &me, jar, &form, None).await
}

/// The queue page for these filters; with a refusal (`refusal`, or a field `read_filter`
/// refuses) it lists nothing, says why, and answers 422.
async fn show(
    state: &AppState,
    visitor: &StaffVisitor,
    me: &Reviewer,
    jar: CookieJar,
    form: &QueueForm,
    refusal: Option<&str>,
) -> Response {
    let exam = match state.db.current_exam().await {
        Ok(Some(exam)) => exam,
        Ok(None) => return refused(ReviewError::NoExam),
        Err(e) => return failure(&e),
    };
    let rules = match state.portal.rules(&exam) {
        Ok(rules) => rules,
        Err(e) => return failure(&e),
    };
    let ReadFilter {
        filter,
        mut view,
        refused: field_refused,
    } = read_filter(form);
    let refusal = refusal
        .map(str::to_string)
        .or_else(|| field_refused.map(|r| r.to_string()));
    let page_number = filter.page + 1;
    let now = crate::db::now();
    // A refused filter lists nothing: the counts still come from the whole queue.
    let asked = if refusal.is_some() {
        QueueFilter::default()
    } else {
        filter
    };
    let (total, items, counts) = match state.reviewing.queue(asked, now).await {
        Ok((_, _, counts)) if refusal.is_some() => (0, Vec::new(), counts),
        Ok(found) => found,
        Err(e) => return refused(e),
    };
    let held = match state.reviewing.held(me, now).await {
        Ok(Some(id)) => match state.db.find_candidate(id).await {
            Ok(found) => found.map(|c| (id, c.facts.name)),
            Err(e) => return failure(&e),
        },
        Ok(None) => None,
        Err(e) => return refused(e),
    };
    let category_name = |code: &Option<String>| {
        code.as_deref()
            .map(|code| rules.category(code).map_or(code, |c| c.name.as_str()))
            .unwrap_or("—")
            .to_string()
    };
    let rows = items
        .iter()
        .map(|item| queue_row(item, category_name(&item.category)))
        .collect();
    let (jar, flash) = take_flash(jar);
    let all = counts
        .iter()
        .filter(|(status, _)| status.as_str() != "draft")
        .map(|(_, n)| n)
        .sum();
    let mut tabs = vec![Tab {
        label: "全部",
        status: "",
        count: all,
        href: view.href("", 1),
        current: view.status.is_empty(),
    }];
    tabs.extend(TABS.iter().map(|status| Tab {
        label: status_view(*status).label,
        status: status.as_str(),
        count: counts.get(status.as_str()).copied().unwrap_or(0),
        href: view.href(status.as_str(), 1),
        current: view.status == status.as_str(),
    }));
    let last = u32::try_from((total.max(1) + i64::from(PAGE_SIZE) - 1) / i64::from(PAGE_SIZE))
        .unwrap_or(u32::MAX);
    let categories = rules
        .categories()
        .iter()
        .map(|c| Choice {
            value: c.code.clone(),
            label: c.name.clone(),
            selected: view.category == c.code,
        })
        .collect();
    let status = if refusal.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    if refusal.is_some() {
        view.error = refusal;
    }
    let page = QueuePage {
        csrf: visitor.csrf(),
        username: visitor.username.clone(),
        is_admin: visitor.is_admin(),
        exam_name: exam.name.clone(),
        flash,
        held,
        tabs,
        categories,
        rows,
        total,
        pages: page_links(&view, page_number, last),
        page_number,
        prev: (page_number > 1).then(|| view.href(&view.status, page_number - 1)),
        next: (page_number < last).then(|| view.href(&view.status, page_number + 1)),
        filtered: view.filtered(),
        searching: !view.q.is_empty(),
        filters: view,
    };
    (status, jar, page).into_response()
}

/// 领取下一位: the case the reviewer holds, else the oldest waiting one.
pub async fn claim_next(
    State(state): State<AppState>,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Response {
    let csrf = form.map(|Form(f)| f.csrf).unwrap_or_default();
    let visitor = match staff_posting(&state, &headers, &csrf).await {
        Ok(visitor) => visitor,
        Err(response) => return response,
    };
    let me = reviewer(&state, &visitor, &headers, peer);
    match state.reviewing.claim_next(&me, crate::db::now()).await {
        Ok(Some(id)) => Redirect::to(&case_path(id)).into_response(),
        Ok(None) => redirect_with(jar, "/review", true, "暂时没有待审核的考生。".to_string()),
        Err(e) => refused(e),
    }
}

fn queue_row(item: &QueueItem, category: String) -> QueueRow {
    let status = Status::parse(&item.status).unwrap_or(Status::Draft);
    QueueRow {
        id: item.id,
        name: item.name.clone(),
        registration_no: item.registration_no.clone(),
        id_masked: mask(&item.id_number),
        category,
        school: item.school.clone(),
        status: status_view(status),
        submitted_at: item.submitted_at.map_or_else(|| "—".to_string(), beijing),
        resubmitted: item.round.is_some_and(|r| r >= 2),
        second_review: status == Status::InReview,
        claimed_by: item.claimed_by.clone(),
    }
}

/// 身份证号 in a list: the first 6 and the last 4 digits.
fn mask(id_number: &str) -> String {
    let chars: Vec<char> = id_number.chars().collect();
    if chars.len() <= 10 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 10))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_number_is_masked_in_the_list() {
        assert_eq!(mask("420502200203150215"), "420502********0215");
    }
}
