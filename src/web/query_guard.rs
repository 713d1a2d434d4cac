//! Refuses a request whose query string holds an ID number. A URL lands in proxy logs,
//! browser history and `Referer` headers, so searches that can carry one go by POST; this
//! catches what still arrives in a URL (an old bookmark, a hand-written link, a script).
//! The value is never logged. A request without a query string costs one `Option` check.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::domain::search::holds_id_number;
use crate::web::error::ApiError;

/// The shortest query string that can hold an ID number: 18 characters of value.
const SHORTEST: usize = 18;

/// The refusal as a page, for visitors of every kind (it links to the home page).
#[derive(Template, WebTemplate)]
#[template(path = "candidate/message.html")]
struct RefusedPage {
    title: String,
    text: String,
}

/// The middleware (`axum::middleware::from_fn`): 422 for a query string holding an ID
/// number, whatever the method (a URL is logged whatever the method), before any handler,
/// session lookup or database work.
pub async fn refuse_id_numbers(request: Request, next: Next) -> Response {
    let holds_id = request
        .uri()
        .query()
        .is_some_and(|query| query.len() >= SHORTEST && query_holds_id_number(query));
    if !holds_id {
        return next.run(request).await;
    }
    if request.uri().path().starts_with("/api/") {
        return ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "身份证号不能放在网址中（网址会留在日志和浏览记录里）：请改用 POST 接口，\
             在 JSON 请求体中发送，如 POST /api/v1/review/queue/search、\
             POST /api/v1/admin/audit/search、POST /api/v1/admin/candidates/search。",
        )
        .into_response();
    }
    let page = RefusedPage {
        title: "网址中不能有身份证号".to_string(),
        text: "为保护个人信息，身份证号不能放在网址中。请返回页面，在查询框中输入身份证号，\
               再点“筛选”或“查询”。"
            .to_string(),
    };
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

/// Whether any name or value of the query string, percent-decoded, holds an ID number.
fn query_holds_id_number(query: &str) -> bool {
    form_urlencoded::parse(query.as_bytes())
        .any(|(name, value)| holds_id_number(name.as_bytes()) || holds_id_number(value.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_numbers_are_found_plain_encoded_and_inside_other_text() {
        for query in [
            "q=420502200203150215",
            "status=submitted&q=42050220020315021x",
            "q=%34%32%30%35%30%32%32%30%30%32%30%33%31%35%30%32%31%35",
            "candidate=id+420502200203150215+please",
            "420502200203150215=",
        ] {
            assert!(query_holds_id_number(query), "{query}");
        }
        for query in [
            "q=7700000012&status=submitted",
            "from=2023-12-01&to=2023-12-31&page=2",
            "q=%E6%9D%8E%E6%98%8E",
            "before_id=12345",
        ] {
            assert!(!query_holds_id_number(query), "{query}");
        }
    }
}
