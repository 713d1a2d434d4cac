//! What every request meets before and after its handler: cross-site state changes are
//! refused (login CSRF), answers are not cached (personal data on a shared PC), HSTS once
//! the site is on https, and every error a person can reach is a Chinese page with a way back.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::AppState;
use super::session::secure;

/// A year, the usual HSTS lifetime.
const HSTS: &str = "max-age=31536000";

/// Refuses a state change sent from another site: a form on an attacker's page could
/// otherwise sign the victim into the attacker's account (whose uploads the attacker then
/// sees) or act in the victim's session. Browsers say where a request comes from in
/// `Sec-Fetch-Site` and `Origin` (`Referer` in older ones); a request that says nothing is
/// not from a browser's cross-site form, and goes on to the session's CSRF token check.
pub async fn refuse_cross_site(request: Request, next: Next) -> Response {
    let unsafe_method = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if unsafe_method && is_cross_site(request.headers()) {
        let api = request.uri().path().starts_with("/api/");
        return refusal(
            api,
            StatusCode::FORBIDDEN,
            "请求来自其他网站，已被拒绝。请直接在本系统的页面上操作。",
        );
    }
    next.run(request).await
}

fn is_cross_site(headers: &HeaderMap) -> bool {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    if text("sec-fetch-site").is_some_and(|site| site.eq_ignore_ascii_case("cross-site")) {
        return true;
    }
    let Some(host) = text("host") else {
        return false;
    };
    let source = text("origin").or_else(|| text("referer"));
    match source {
        None => false,
        Some(source) => authority(source).is_none_or(|from| !from.eq_ignore_ascii_case(host)),
    }
}

/// `host[:port]` of an origin or URL; `None` for `null` or anything unreadable.
fn authority(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Some(&rest[..end]).filter(|host| !host.is_empty())
}

/// No answer is kept in a browser's or a proxy's cache unless its handler says otherwise
/// (the static files do): after 退出 on a shared PC, Back must not show the last
/// candidate's page. HSTS when cookies are `Secure`.
pub async fn no_store(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let https = secure(&state, request.headers());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    response
}

/// A page nobody has: 404, in words, with a way back.
pub async fn not_found(request: Request) -> Response {
    let api = request.uri().path().starts_with("/api/");
    refusal(
        api,
        StatusCode::NOT_FOUND,
        "没有这个页面。请从首页重新进入；如果是从收藏夹打开的，请重新收藏首页。",
    )
}

/// axum answers a known path with a method it lacks (Enter in the address bar on a form's
/// address, say) with an empty 405, which a browser shows as its own English error page.
pub async fn words_for_bare_errors(request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    if response.status() == StatusCode::METHOD_NOT_ALLOWED
        && !response.headers().contains_key(header::CONTENT_TYPE)
    {
        let allow = response.headers().get(header::ALLOW).cloned();
        let mut page = refusal(
            api,
            StatusCode::METHOD_NOT_ALLOWED,
            "这个地址不能这样打开。请返回首页，从页面上的按钮进入。",
        );
        if let Some(allow) = allow {
            page.headers_mut().insert(header::ALLOW, allow);
        }
        return page;
    }
    response
}

/// A refusal as the API's JSON or as a page.
fn refusal(api: bool, status: StatusCode, text: &str) -> Response {
    if api {
        return (status, axum::Json(json!({ "error": text }))).into_response();
    }
    super::candidate::message_page(status, title(status), text)
}

fn title(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "页面不存在",
        StatusCode::FORBIDDEN => "请求已被拒绝",
        _ => "无法打开此页面",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn a_form_on_another_site_is_cross_site() {
        let host = ("host", "shenhe.example.cn");
        assert!(is_cross_site(&headers(&[
            host,
            ("origin", "https://evil.example")
        ])));
        assert!(is_cross_site(&headers(&[host, ("origin", "null")])));
        assert!(is_cross_site(&headers(&[
            host,
            ("referer", "https://evil.example/shenhe.example.cn/")
        ])));
        assert!(is_cross_site(&headers(&[
            host,
            ("sec-fetch-site", "cross-site")
        ])));
        assert!(!is_cross_site(&headers(&[
            host,
            ("origin", "https://shenhe.example.cn")
        ])));
        assert!(!is_cross_site(&headers(&[
            ("host", "127.0.0.1:8080"),
            ("referer", "http://127.0.0.1:8080/login?x=1")
        ])));
        // curl, the load test, a phone app: nothing said, nothing refused here.
        assert!(!is_cross_site(&headers(&[host])));
        assert!(!is_cross_site(&headers(&[
            host,
            ("sec-fetch-site", "same-origin")
        ])));
    }
}
