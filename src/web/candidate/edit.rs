//! Uploading, viewing and deleting images, and submitting, without JavaScript.

use axum::extract::rejection::PathRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use uuid::Uuid;

use super::account::CsrfForm;
use super::home::image_view;
use super::views::{ImagePage, SubmitLine, SubmitPage};
use super::{PageForm, back_to, back_with, candidate, candidate_posting, failure, forged, message};
use crate::domain::rules::MAX_IMAGES_LIMIT;
use crate::imaging::Limits;
use crate::portal::{self, PortalError, overview};
use crate::web::AppState;
use crate::web::error::ApiError;
use crate::web::session::Session;
use crate::web::upload::{broken, drain, not_multipart, paced_multipart, read_file, too_slow};

/// A form may carry several files; each is read (and capped) on its own, one at a time, so
/// memory stays at one file however many are sent.
pub fn body_limit() -> DefaultBodyLimit {
    DefaultBodyLimit::max((Limits::default().max_bytes + 64 * 1024) * MAX_IMAGES_LIMIT as usize)
}

pub async fn upload(
    State(state): State<AppState>,
    jar: CookieJar,
    code: Result<Path<String>, PathRejection>,
    request: Request,
) -> Response {
    let headers = request.headers().clone();
    let (session, candidate_id) = match candidate(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let code = segment(code).unwrap_or_default();
    let (multipart, stall) = paced_multipart(request, &state).await;
    let Ok(mut multipart) = multipart else {
        let (status, text) = not_multipart(&headers);
        return message(status, "无法上传", text);
    };
    // The page's form sends its csrf field first: it is checked before a place is taken,
    // so a forged form never waits for one or holds one.
    match csrf_first(&mut multipart, &session).await {
        Ok(true) => {}
        Ok(false) => return forged(),
        Err(_) if stall.happened() => return too_slow_page(),
        Err(PortalError::Upload(text)) => {
            return message(StatusCode::BAD_REQUEST, "上传没有完成", &text);
        }
        Err(_) => return forged(),
    }
    let _place = match state.uploads.take(candidate_id).await {
        Ok(place) => place,
        Err(refused) => {
            drain(&mut multipart).await;
            return back_with(jar, false, refused.message);
        }
    };
    let max = state.portal.limits.max_bytes;
    let mut uploaded = 0;
    let outcome: Result<(), PortalError> = async {
        while let Some(field) = multipart.next_field().await.map_err(broken)? {
            if field.name() != Some("file") || field.file_name().is_some_and(str::is_empty) {
                continue; // another field, or the form was sent without choosing a file
            }
            let bytes = read_file(field, max).await?;
            portal::upload(&state.portal, candidate_id, &code, bytes, crate::db::now()).await?;
            uploaded += 1;
        }
        Ok(())
    }
    .await;
    let back_with = |jar, ok, text| back_to(jar, ok, text, Some(&code));
    match outcome {
        Err(_) if stall.happened() => too_slow_page(),
        Err(PortalError::Internal(e)) => failure(&e),
        Err(refused) => {
            let done = if uploaded > 0 {
                format!("已上传 {uploaded} 张；其余未上传：")
            } else {
                String::new()
            };
            back_with(jar, false, format!("{done}{refused}"))
        }
        Ok(()) if uploaded == 0 => back_with(jar, false, "请先选择要上传的照片。".to_string()),
        Ok(()) => back_with(jar, true, format!("已上传 {uploaded} 张图片。")),
    }
}

/// Reads the form up to its csrf field: whether it matches the session; `Ok(false)` also
/// when the form ends without one. Fields before it are skipped unread.
async fn csrf_first(multipart: &mut Multipart, session: &Session) -> Result<bool, PortalError> {
    while let Some(field) = multipart.next_field().await.map_err(broken)? {
        if field.name() == Some("csrf") {
            // Read with a small cap: a form field is otherwise buffered whole.
            let sent = read_file(field, 1024).await.unwrap_or_default();
            return Ok(session.csrf_matches(&String::from_utf8_lossy(&sent)));
        }
    }
    Ok(false)
}

fn too_slow_page() -> Response {
    message(
        StatusCode::REQUEST_TIMEOUT,
        "上传已中断",
        &too_slow().message,
    )
}

#[derive(Deserialize)]
pub struct ViewQuery {
    confirm: Option<String>,
}

pub async fn view(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    Query(query): Query<ViewQuery>,
) -> Response {
    let id = segment(id).unwrap_or_default();
    let (session, candidate_id) = match candidate(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Ok(uid) = Uuid::parse_str(&id) else {
        return not_found();
    };
    let o = match overview(&state.portal, candidate_id, crate::db::now()).await {
        Ok(Some(o)) => o,
        Ok(None) => return not_found(),
        Err(e) => return failure(&e),
    };
    let Some((material, image)) = o
        .materials
        .iter()
        .find_map(|m| m.images.iter().find(|i| i.uid == uid).map(|i| (m, i)))
    else {
        return not_found();
    };
    ImagePage {
        csrf: session.csrf.clone(),
        material_name: material.name.clone(),
        image: image_view(image),
        editable: material.editable,
        confirm_delete: query.confirm.as_deref() == Some("delete") && material.editable,
    }
    .into_response()
}

pub async fn delete(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    id: Result<Path<String>, PathRejection>,
    PageForm(form): PageForm<CsrfForm>,
) -> Response {
    let id = segment(id).unwrap_or_default();
    let candidate_id = match candidate_posting(&state, &headers, &form.csrf).await {
        Ok((_, candidate_id)) => candidate_id,
        Err(response) => return response,
    };
    // Another candidate's image is a missing one: the same 404 page as `view`.
    let Ok(uid) = Uuid::parse_str(&id) else {
        return not_found();
    };
    match portal::delete_image(&state.portal, candidate_id, uid, crate::db::now()).await {
        Ok(material) => back_to(jar, true, "图片已删除。".to_string(), Some(&material)),
        Err(PortalError::NoSuchImage) => not_found(),
        Err(PortalError::Internal(e)) => failure(&e),
        Err(refused) => back_with(jar, false, refused.to_string()),
    }
}

fn not_found() -> Response {
    message(
        StatusCode::NOT_FOUND,
        "图片不存在",
        "图片不存在或已被删除。",
    )
}

pub async fn submit_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let (session, candidate_id) = match candidate(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let o = match overview(&state.portal, candidate_id, crate::db::now()).await {
        Ok(Some(o)) => o,
        Ok(None) => return axum::response::Redirect::to("/").into_response(),
        Err(e) => return failure(&e),
    };
    SubmitPage {
        csrf: session.csrf.clone(),
        lines: o
            .materials
            .iter()
            .map(|m| SubmitLine {
                name: m.name.clone(),
                count: m.images.len(),
                required: m.required,
            })
            .collect(),
        missing: o
            .materials
            .iter()
            .filter(|m| m.required && m.images.is_empty())
            .map(|m| m.name.clone())
            .collect(),
        can_submit: o.can_submit(),
        blocked: o.refusal.clone(),
        resubmission: o.status == crate::domain::status::Status::Returned,
    }
    .into_response()
}

pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    PageForm(form): PageForm<CsrfForm>,
) -> Response {
    let candidate_id = match candidate_posting(&state, &headers, &form.csrf).await {
        Ok((_, candidate_id)) => candidate_id,
        Err(response) => return response,
    };
    match portal::submit(&state.portal, candidate_id, crate::db::now()).await {
        Ok(_) => back_with(jar, true, "材料已提交，请耐心等待审核结果。".to_string()),
        Err(PortalError::Internal(e)) => failure(&e),
        Err(refused) => super::refusal(ApiError::from(refused)),
    }
}

/// A path segment as text; `None` when it is not UTF-8, so names nothing that exists (a
/// 404 like any unknown name, not axum's plain-text 400).
fn segment(path: Result<Path<String>, PathRejection>) -> Option<String> {
    path.ok().map(|Path(text)| text)
}
