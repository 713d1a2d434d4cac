//! 两步验证 for the signed-in staff member: set it up with an authenticator app (QR code or
//! the secret typed in, then the first code), or turn it off when no admin requires it.

use std::net::SocketAddr;

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use qrcode::QrCode;
use qrcode::render::svg;
use serde::Deserialize;

use super::views::{TotpPage, TotpSetup};
use super::{StaffVisitor, enrolling, enrolling_posting, failure, message, staff_posting};
use crate::auth::two_factor::{self, TwoFactorError};
use crate::web::AppState;
use crate::web::signin;

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
}

pub async fn page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match enrolling(&state, &headers).await {
        Ok(visitor) => render(&state, &visitor, StatusCode::OK, None, None).await,
        Err(response) => response,
    }
}

pub async fn confirm(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<CodeForm>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return incomplete();
    };
    let visitor = match enrolling_posting(&state, &headers, &form.csrf).await {
        Ok(visitor) => visitor,
        Err(response) => return response,
    };
    match two_factor::confirm_enrollment(&state.db, visitor.staff_id, &form.code).await {
        Ok(()) => {
            let ip = state.client_ip(&headers, Some(peer));
            signin::audit(&state, visitor.session.account, "totp_enrolled", ip);
            let notice = "两步验证已启用。今后登录时，除密码外还须输入验证器中显示的动态验证码。";
            render(&state, &visitor, StatusCode::OK, None, Some(notice)).await
        }
        Err(error) => refused(&state, &visitor, error).await,
    }
}

pub async fn disable(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<CodeForm>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return incomplete();
    };
    let visitor = match staff_posting(&state, &headers, &form.csrf).await {
        Ok(visitor) => visitor,
        Err(response) => return response,
    };
    let ip = state.client_ip(&headers, Some(peer));
    match two_factor::turn_off(&state.db, visitor.staff_id, &form.code).await {
        Ok(()) => {
            signin::audit(&state, visitor.session.account, "totp_disabled", ip);
            let notice = "两步验证已关闭。如需重新启用，请按下方步骤设置。";
            render(&state, &visitor, StatusCode::OK, None, Some(notice)).await
        }
        Err(error) => {
            if matches!(error, TwoFactorError::WrongCode) {
                signin::audit(&state, visitor.session.account, "totp_failed", ip);
            }
            refused(&state, &visitor, error).await
        }
    }
}

async fn refused(state: &AppState, visitor: &StaffVisitor, error: TwoFactorError) -> Response {
    let api = signin::two_factor_refusal(error);
    if api.status.is_server_error() {
        return message(api.status, "系统繁忙", &api.message);
    }
    render(state, visitor, api.status, Some(api.message), None).await
}

/// The page as things stand: on, or being set up (the secret waiting for its first code is
/// kept, so a reload shows the QR code the phone may already have scanned).
async fn render(
    state: &AppState,
    visitor: &StaffVisitor,
    status: StatusCode,
    error: Option<String>,
    notice: Option<&str>,
) -> Response {
    let loaded = async {
        let required = state.db.review_settings().await?.totp_required;
        let enabled = state
            .db
            .staff_totp(visitor.staff_id)
            .await?
            .is_some_and(|t| t.totp_secret.is_some());
        let setup = if enabled {
            None
        } else {
            let enrollment =
                two_factor::start_enrollment(&state.db, visitor.staff_id, &visitor.username, true)
                    .await
                    .map_err(|e| anyhow::anyhow!("starting TOTP enrollment: {e}"))?;
            Some(TotpSetup {
                qr_svg: qr_svg(&enrollment.otpauth_uri)?,
                secret: grouped(&enrollment.secret),
            })
        };
        anyhow::Ok((required, enabled, setup))
    };
    let (required, enabled, setup) = match loaded.await {
        Ok(loaded) => loaded,
        Err(e) => return failure(&e),
    };
    let page = TotpPage {
        csrf: visitor.csrf(),
        username: visitor.username.clone(),
        is_admin: visitor.is_admin(),
        enabled,
        required,
        setup,
        error,
        notice: notice.map(str::to_string),
    };
    (status, page).into_response()
}

/// The QR code as an `<svg>` element to put inline in the page (no XML declaration; the
/// CSP allows inline SVG, which is markup, not script or style).
fn qr_svg(uri: &str) -> anyhow::Result<String> {
    let code =
        QrCode::new(uri.as_bytes()).map_err(|e| anyhow::anyhow!("drawing a QR code: {e}"))?;
    let svg = code
        .render::<svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    let start = svg.find("<svg").unwrap_or(0);
    Ok(svg[start..].replacen(
        "<svg ",
        r#"<svg role="img" aria-label="两步验证二维码" "#,
        1,
    ))
}

/// "ABCDEFGH…" as "ABCD EFGH …", easier to type.
fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
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

    #[test]
    fn the_qr_code_is_a_bare_svg_element_without_inline_style() {
        let svg = qr_svg("otpauth://totp/shenhe:zhang.san?secret=ABC&issuer=shenhe").unwrap();
        assert!(svg.starts_with("<svg role=\"img\""), "{svg}");
        assert!(svg.ends_with("</svg>"));
        assert!(!svg.contains("<?xml") && !svg.contains("style="));
    }

    #[test]
    fn secrets_are_shown_in_groups_of_four() {
        assert_eq!(grouped("ABCDEFGHIJ"), "ABCD EFGH IJ");
    }
}
