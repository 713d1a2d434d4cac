//! The answers every API route shares, added to the OpenAPI document once instead of in
//! each `#[utoipa::path]`: they come from the extractors (session, CSRF, role, `ApiJson`,
//! `ApiQuery`, `ApiPath`), not from the handlers, so a handler's annotation lists only its
//! own answers.

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, ResponseBuilder};

/// The one route that needs no session.
const SIGN_IN: &str = "/api/v1/login";

/// Adds, to each operation that does not already say it:
/// 401 and 403 (every route but sign-in: no session; a state change without the session's
/// `X-CSRF-Token`; the wrong role; the initial password or the second factor still to set);
/// 413 and 422 for a JSON body (too large; not JSON, or fields missing or mistyped);
/// 422 for query parameters that do not parse; 404 for a path segment that names nothing.
pub fn add_shared_responses(api: &mut OpenApi) {
    for (path, item) in api.paths.paths.iter_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            if path != SIGN_IN {
                add(operation, "401", "尚未登录或登录已过期");
                add(
                    operation,
                    "403",
                    "无权使用此功能，缺少或不符的 X-CSRF-Token，或须先修改初始密码 \
                     （`must_change_password`）/ 设置两步验证（`must_enroll_totp`）",
                );
            }
            if takes_json(operation) {
                add(operation, "413", "请求内容太大");
                add(
                    operation,
                    "422",
                    "请求内容不是 JSON，或字段缺失、格式不正确",
                );
            }
            if has_parameter(operation, ParameterIn::Query) {
                add(operation, "422", "查询参数格式不正确");
            }
            if has_parameter(operation, ParameterIn::Path) {
                add(operation, "404", "地址中的编号或代码不存在");
            }
        }
    }
}

fn add(operation: &mut Operation, status: &str, description: &str) {
    let responses = &mut operation.responses.responses;
    if responses.contains_key(status) {
        return;
    }
    let body = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("ErrorBody")))
        .build();
    let response = ResponseBuilder::new()
        .description(description)
        .content("application/json", body)
        .build();
    responses.insert(status.to_string(), RefOr::T(response));
}

fn takes_json(operation: &Operation) -> bool {
    match &operation.request_body {
        Some(RefOr::T(body)) => body.content.contains_key("application/json"),
        _ => false,
    }
}

fn has_parameter(operation: &Operation, place: ParameterIn) -> bool {
    operation
        .parameters
        .iter()
        .flatten()
        .any(|parameter| match parameter {
            RefOr::T(parameter) => parameter.parameter_in == place,
            RefOr::Ref(_) => false,
        })
}
