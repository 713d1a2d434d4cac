//! The run-time settings on the staff page: TOTP required for staff, and the share of
//! approvals that get a second review (as a percentage), each change audited.

use std::net::SocketAddr;

use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, Form, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use super::back;
use crate::db::audit::Actor;
use crate::db::settings::ReviewSettings;
use crate::web::AppState;
use crate::web::admin::{admin_page, admin_posting};
use crate::web::staff::failure;

#[derive(Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    csrf: String,
    /// A checkbox: present ("on") when ticked.
    #[serde(default)]
    totp_required: Option<String>,
    #[serde(default)]
    second_review_percent: String,
}

/// The settings live on the staff page.
pub async fn page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match admin_page(&state, &headers).await {
        Ok(_) => Redirect::to("/admin/staff#settings").into_response(),
        Err(response) => response,
    }
}

pub async fn save(
    State(state): State<AppState>,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    form: Result<Form<SettingsForm>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return back(jar, false, "表单内容不完整，请返回刷新后重试。".to_string());
    };
    let visitor = match admin_posting(&state, &headers, &form.csrf).await {
        Ok(visitor) => visitor,
        Err(response) => return response,
    };
    let Some(share) = parse_percent(&form.second_review_percent) else {
        return back(
            jar,
            false,
            "复核比例须为 0 到 100 之间的数字（百分比），如 10。".to_string(),
        );
    };
    let ip = state.client_ip(&headers, Some(peer));
    let actor = Actor::Staff(visitor.staff_id);
    let wanted = ReviewSettings {
        totp_required: form.totp_required.is_some(),
        second_review_share: share,
    };
    match state.db.save_review_settings(wanted, actor, ip).await {
        Ok(()) => back(jar, true, "设置已保存，立即生效。".to_string()),
        Err(e) => failure(&e),
    }
}

/// A share as a percentage without needless decimals: 0.1 → "10", 0.125 → "12.5".
pub fn percent(share: f64) -> String {
    let value = (share * 1000.0).round() / 10.0;
    format!("{value}")
}

/// A percentage from 0 to 100 as a share from 0 to 1.
pub fn parse_percent(text: &str) -> Option<f64> {
    let value: f64 = text.trim().trim_end_matches('%').trim().parse().ok()?;
    (value.is_finite() && (0.0..=100.0).contains(&value)).then_some(value / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_read_and_print_plainly() {
        assert_eq!(parse_percent(" 10 "), Some(0.1));
        assert_eq!(parse_percent("100%"), Some(1.0));
        assert_eq!(parse_percent("101"), None);
        assert_eq!(parse_percent("-1"), None);
        assert_eq!(parse_percent("NaN"), None);
        assert_eq!(percent(0.1), "10");
        assert_eq!(percent(0.125), "12.5");
    }
}
