//! A candidate's images: upload (multipart field `file`), view, thumbnail, delete.
//! Images are served only here, only to their owner, never cached by anyone else.

use axum::extract::{DefaultBodyLimit, Multipart, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use super::ApiPath;
use super::auth::ErrorBody;
use super::me::ImageJson;
use crate::portal::{self, PortalError};
use crate::web::AppState;
use crate::web::error::ApiError;
use crate::web::session::ApiCandidate;
use crate::web::upload::{
    DRAIN_LIMIT, broken, drain, not_multipart, paced_multipart, read_file, too_slow,
};

/// The API's body limit: an upload (one file, plus the over-size part drained before a
/// 413, see [`DRAIN_LIMIT`]).
pub fn body_limit() -> DefaultBodyLimit {
    DefaultBodyLimit::max(DRAIN_LIMIT)
}

/// 上传一张图片（multipart 字段 `file`）。服务器按内容识别格式，自动转正、去除位置等元数据并压缩。
#[utoipa::path(post, path = "/api/v1/materials/{code}/images", tag = "考生",
    params(("code" = String, Path, description = "材料代码，例如 id_card")),
    request_body(content_type = "multipart/form-data", description = "字段 file：JPEG、PNG 或 WebP，不超过 20 MB"),
    responses(
        (status = 201, body = ImageJson),
        (status = 404, description = "本类别不需要这类材料", body = ErrorBody),
        (status = 409, description = "当前不能修改，或已达张数上限", body = ErrorBody),
        (status = 408, description = "网络太慢，上传已中断", body = ErrorBody),
        (status = 413, description = "文件太大", body = ErrorBody),
        (status = 415, description = "不是 JPEG、PNG 或 WebP", body = ErrorBody),
        (status = 422, description = "图片无法打开或像素过多", body = ErrorBody),
        (status = 429, description = "本人已有 2 张正在上传（见 Retry-After）", body = ErrorBody),
        (status = 503, description = "繁忙（见 Retry-After）", body = ErrorBody),
    ))]
pub async fn upload(
    State(state): State<AppState>,
    candidate: ApiCandidate,
    ApiPath(code): ApiPath<String>,
    request: Request,
) -> Result<Response, ApiError> {
    // `ApiCandidate` has checked the session and the CSRF header before anything here, so
    // a stranger's upload never waits for, or takes, a place.
    let headers = request.headers().clone();
    let (multipart, stall) = paced_multipart(request, &state).await;
    let Ok(mut multipart) = multipart else {
        let (status, message) = not_multipart(&headers);
        return Err(ApiError::new(status, message));
    };
    let _place = match state.uploads.take(candidate.candidate_id).await {
        Ok(place) => place,
        Err(refused) => {
            drain(&mut multipart).await;
            return Err(refused);
        }
    };
    let read = read_upload(&state, &candidate, &code, &mut multipart).await;
    match read {
        Err(_) if stall.happened() => Err(too_slow()),
        other => other,
    }
}

async fn read_upload(
    state: &AppState,
    candidate: &ApiCandidate,
    code: &str,
    multipart: &mut Multipart,
) -> Result<Response, ApiError> {
    let max = state.portal.limits.max_bytes;
    while let Some(field) = multipart.next_field().await.map_err(broken)? {
        if field.name() != Some("file") {
            continue;
        }
        let bytes = read_file(field, max).await?;
        let image = portal::upload(
            &state.portal,
            candidate.candidate_id,
            code,
            bytes,
            crate::db::now(),
        )
        .await?;
        return Ok((StatusCode::CREATED, axum::Json(ImageJson::from(&image))).into_response());
    }
    Err(PortalError::Upload("没有收到文件：请在 file 字段中上传图片。".to_string()).into())
}

/// 查看图片（长边不超过 2560 像素的 JPEG）。
#[utoipa::path(get, path = "/api/v1/images/{id}", tag = "考生",
    params(("id" = Uuid, Path, description = "图片编号")),
    responses((status = 200, content_type = "image/jpeg"), (status = 404, body = ErrorBody)))]
pub async fn image(
    State(state): State<AppState>,
    candidate: ApiCandidate,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    serve(&state, &candidate, &id, false).await
}

/// 查看缩略图（长边不超过 320 像素）。
#[utoipa::path(get, path = "/api/v1/images/{id}/thumb", tag = "考生",
    params(("id" = Uuid, Path, description = "图片编号")),
    responses((status = 200, content_type = "image/jpeg"), (status = 404, body = ErrorBody)))]
pub async fn thumb(
    State(state): State<AppState>,
    candidate: ApiCandidate,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    serve(&state, &candidate, &id, true).await
}

/// 删除一张图片。
#[utoipa::path(delete, path = "/api/v1/images/{id}", tag = "考生",
    params(("id" = Uuid, Path, description = "图片编号")),
    responses(
        (status = 204),
        (status = 404, body = ErrorBody),
        (status = 409, description = "当前不能修改", body = ErrorBody),
    ))]
pub async fn delete(
    State(state): State<AppState>,
    candidate: ApiCandidate,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let uid = parse_id(&id)?;
    portal::delete_image(&state.portal, candidate.candidate_id, uid, crate::db::now()).await?;

    Ok(StatusCode::NO_CONTENT)
}

/// An id that is not a UUID names no image: the same 404 as another candidate's image.
fn parse_id(id: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id).map_err(|_| PortalError::NoSuchImage.into())
}

async fn serve(
    state: &AppState,
    candidate: &ApiCandidate,
    id: &str,
    thumb: bool,
) -> Result<Response, ApiError> {
    let uid = parse_id(id)?;
    let image = state
        .db
        .find_candidate_image(candidate.candidate_id, uid)
        .await?
        .ok_or(PortalError::NoSuchImage)?;
    let key = if thumb {
        &image.thumb_key
    } else {
        &image.blob_key
    };
    let bytes = state.storage.get(key).await?;
    Ok(jpeg(bytes))
}

/// A stored image as an answer: never cached by anyone but the browser that asked.
pub fn jpeg(bytes: bytes::Bytes) -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, "private, no-store"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        bytes,
    )
        .into_response()
}
