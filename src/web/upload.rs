//! Reading an uploaded file from a multipart body, with the size cap enforced while the
//! bytes arrive (a 2 GB body is cut off at the cap, never buffered).

use axum::extract::multipart::{Field, MultipartError, MultipartRejection};
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{HeaderMap, StatusCode, header};
use bytes::{Bytes, BytesMut};

use super::AppState;
use super::body_pace::{Stall, stall_of};
use super::error::ApiError;
use crate::imaging::ImageError;
use crate::portal::PortalError;

/// The request's multipart body (paced as it came in, see `web::body_pace`), and the flag
/// that says afterwards whether it was cut off for arriving too slowly.
pub async fn paced_multipart(
    request: Request,
    state: &AppState,
) -> (Result<Multipart, MultipartRejection>, Stall) {
    let stall = stall_of(&request);
    (Multipart::from_request(request, state).await, stall)
}

/// What a client whose body was cut off for arriving too slowly reads (if it still listens).
pub fn too_slow() -> ApiError {
    ApiError::new(
        StatusCode::REQUEST_TIMEOUT,
        "网络太慢，上传已中断：请到信号更好的地方重新上传。",
    )
}

/// Reads and throws away what is left of a multipart body, so that a refusal reaches a
/// client that is still sending instead of a reset connection (measured: under load, 503s
/// answered before the body was read reached the client as network errors). The route's
/// body limit ([`DRAIN_LIMIT`]) bounds it; nothing is kept.
pub async fn drain(multipart: &mut Multipart) {
    while let Ok(Some(mut field)) = multipart.next_field().await {
        while let Ok(Some(_)) = field.chunk().await {}
    }
}

/// How much of an over-size body is read and thrown away before answering 413: a client
/// still sending when the answer comes often sees a reset connection instead of the
/// message, so the rest is drained (without keeping it) up to this much. The route's body
/// limit ends anything longer.
pub const DRAIN_LIMIT: usize = 64 * 1024 * 1024;

/// Reads one file field. Past `max` bytes nothing more is kept; the rest is drained and
/// counted, and the file is refused with its real size.
pub async fn read_file(mut field: Field<'_>, max: usize) -> Result<Bytes, PortalError> {
    let mut bytes = BytesMut::new();
    let mut total = 0usize;
    while let Some(chunk) = field.chunk().await.map_err(broken)? {
        total += chunk.len();
        if total <= max {
            bytes.extend_from_slice(&chunk);
        } else if !bytes.is_empty() {
            bytes = BytesMut::new(); // give the memory back while draining
        }
    }
    if total > max {
        return Err(PortalError::Image(ImageError::TooLarge {
            bytes: total,
            max,
        }));
    }
    Ok(bytes.freeze())
}

/// Why a body could not be read as a form at all: 415 when it is of another type, 400 when
/// it is a multipart form without a usable boundary (axum would answer in English).
pub fn not_multipart(headers: &HeaderMap) -> (StatusCode, &'static str) {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        });
    let status = if is_form {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    };
    (
        status,
        "上传格式不正确：请在网页上选择照片上传，或以 multipart/form-data 表单的 file 字段发送。",
    )
}

/// A body that ended early or broke the multipart format: usually a dropped connection.
pub fn broken(error: MultipartError) -> PortalError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return PortalError::Image(ImageError::TooLarge {
            bytes: DRAIN_LIMIT,
            max: crate::imaging::Limits::default().max_bytes,
        });
    }
    PortalError::Upload(format!(
        "上传没有完成（{}），请检查网络后重试。",
        error.body_text()
    ))
}

/// Reads one file field of any kind (a roster, a config) up to `max` bytes. Past `max`
/// nothing more is kept and the rest is drained: `Ok(Err(size))` gives the real size.
pub async fn read_capped(
    mut field: Field<'_>,
    max: usize,
) -> Result<Result<Bytes, usize>, MultipartError> {
    let mut bytes = BytesMut::new();
    let mut total = 0usize;
    while let Some(chunk) = field.chunk().await? {
        total += chunk.len();
        if total <= max {
            bytes.extend_from_slice(&chunk);
        } else if !bytes.is_empty() {
            bytes = BytesMut::new(); // give the memory back while draining
        }
    }
    Ok(if total > max {
        Err(total)
    } else {
        Ok(bytes.freeze())
    })
}
