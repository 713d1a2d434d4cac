//! The JSON API under `/api/v1`: the pages' scripts use it, and so do integrations and
//! tests. Its OpenAPI document is generated from the handlers.

mod admin;

pub use admin::AuditSearch;
mod auth;
mod doc;
mod images;
mod me;
mod queue;
mod review;
mod staff;
mod submit;

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::routing::get;
use futures::StreamExt;
use serde::de::DeserializeOwned;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::ApiError;
use super::routes::Routes;
use super::upload::DRAIN_LIMIT;

#[derive(OpenApi)]
#[openapi(info(
    title = "shenhe 网上审核系统 API",
    description = "考生端与审核端接口。状态变更请求须在 `X-CSRF-Token` 头中携带登录时返回的 `csrf_token`。\
                   错误响应均为 `{\"error\": \"<说明>\"}`。"
))]
struct ApiDoc;

pub fn router() -> Routes {
    // Only the upload route takes a large body (read as a stream, see `web::upload`); every
    // other body is buffered whole by its extractor, so it stays small.
    let uploads = OpenApiRouter::new()
        .routes(routes!(images::upload))
        .layer(images::body_limit());
    let (router, mut api) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::change_password))
        .routes(routes!(me::me))
        .routes(routes!(images::image, images::delete))
        .routes(routes!(images::thumb))
        .routes(routes!(submit::submit))
        .routes(routes!(queue::queue))
        .routes(routes!(queue::search))
        .routes(routes!(review::claim_next))
        .routes(routes!(review::claim))
        .routes(routes!(review::release))
        .routes(routes!(review::case))
        .routes(routes!(review::decide))
        .routes(routes!(review::image))
        .routes(routes!(review::thumb))
        .routes(routes!(admin::disagreements))
        .routes(routes!(staff::me))
        .routes(routes!(staff::start_totp))
        .routes(routes!(staff::confirm_totp))
        .routes(routes!(staff::disable_totp))
        .layer(DefaultBodyLimit::max(SMALL_BODY))
        .merge(uploads)
        .merge(admin::routes())
        .split_for_parts();
    doc::add_shared_responses(&mut api);
    let documented = Routes::documented(router, &api);
    let api = Arc::new(api);
    documented.route(
        "/api/v1/openapi.json",
        get(move || {
            let api = api.clone();
            async move { Json(api.as_ref().clone()) }
        }),
    )
}

/// The largest JSON body the API reads (a sign-in or a password change is well under 1 KiB).
const SMALL_BODY: usize = 16 * 1024;

/// `Json` whose refusals are the API's Chinese errors instead of axum's plain text.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        // The body is read here, not by `Json`: an oversized one is drained (up to
        // DRAIN_LIMIT) before the 413, or the client, still sending, would see the
        // connection reset instead of the message.
        let (parts, body) = request.into_parts();
        let mut stream = body.into_data_stream();
        let mut kept = Vec::new();
        let mut total = 0usize;
        while let Some(chunk) = stream.next().await {
            let Ok(chunk) = chunk else {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "请求没有完整收到，请检查网络后重试。",
                ));
            };
            total = total.saturating_add(chunk.len());
            if total <= SMALL_BODY {
                kept.extend_from_slice(&chunk);
            } else if total > DRAIN_LIMIT {
                break;
            }
        }
        if total > SMALL_BODY {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "请求内容太大，请检查后重试。",
            ));
        }
        // Every request body is an object: serde would also read a struct from an array
        // (`[null, null]`), which no client means.
        let object = kept
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| *b == b'{');
        let request = Request::from_parts(parts, Body::from(kept));
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) if object => Ok(ApiJson(value)),
            Ok(_) => Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "请求内容不正确：请以 JSON 对象（{…}）发送各字段。",
            )),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "请求内容太大，请检查后重试。",
                ))
            }
            Err(rejection) => {
                let message = match rejection {
                    JsonRejection::MissingJsonContentType(_) => {
                        "请求格式不正确：请以 JSON（Content-Type: application/json）发送。"
                    }
                    _ => "请求内容不正确：请检查各字段是否齐全、格式是否正确。",
                };
                Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, message))
            }
        }
    }
}

/// `Path` whose refusal (a segment that does not parse, e.g. a letter where an id goes) is
/// the API's 404: such a segment names nothing, like an id that does not exist.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(ApiPath(value)),
            Err(_) => Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "没有找到：请检查地址中的编号或代码。",
            )),
        }
    }
}

/// `Query` whose refusal is the API's Chinese 422 instead of axum's plain-text 400.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(ApiQuery(value)),
            Err(_) => Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "查询参数不正确：请检查各参数的格式。",
            )),
        }
    }
}
