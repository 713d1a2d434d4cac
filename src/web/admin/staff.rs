//! Admin pages: staff accounts (create, disable, enable, reset password or TOTP, role) and
//! the run-time settings (TOTP required, the second-review share). A one-time password is
//! shown once, on the page that answers the post: never in a URL or a cookie.

mod settings;

use std::net::SocketAddr;

use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, Form, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use super::{admin_page, admin_posting};
use crate::auth::staff::{StaffAdmin, StaffError};
use crate::db::audit::Actor;
use crate::db::staff::{Role, StaffRow, StaffSummary};
use crate::domain::window::beijing;
use crate::web::AppState;
use crate::web::flash::{Flash, FlashCookie};
use crate::web::routes::Routes;
use crate::web::staff::{StaffVisitor, failure};

pub fn router() -> Routes {
    Routes::new()
        .route("/admin/staff", get(page).post(create))
        .route("/admin/staff/{id}/{action}", post(change))
        .route("/admin/settings", get(settings::page).post(settings::save))
}

/// The staff pages' one-time messages (never a password).
const FLASH: FlashCookie = FlashCookie {
    name: "shenhe_admin_staff_flash",
    path: "/admin/staff",
};

#[derive(askama::Template, askama_web::WebTemplate)]
#[template(path = "admin/staff.html")]
pub struct StaffPage {
    csrf: String,
    username: String,
    is_admin: bool,
    flash: Option<Flash>,
    /// The signed-in admin's own account (no disable / demote buttons on it).
    me: i64,
    accounts: Vec<AccountLine>,
    totp_required: bool,
    /// The second-review share of approvals in percent, e.g. "10".
    second_review_percent: String,
}

pub struct AccountLine {
    id: i64,
    username: String,
    role: &'static str,
    is_admin: bool,
    totp: bool,
    disabled: bool,
    must_change_password: bool,
    last_sign_in: String,
}

/// The answer to a creation or a password reset: the one-time password, once.
#[derive(askama::Template, askama_web::WebTemplate)]
#[template(path = "admin/staff_password.html")]
pub struct PasswordPage {
    csrf: String,
    username: String,
    is_admin: bool,
    /// "已创建审核员账号 zhang.san" or "已重置 zhang.san 的密码".
    title: String,
    account: String,
    password: String,
}

#[derive(Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    role: String,
}

#[derive(Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    role: String,
}

/// Who changes accounts: the admin, under their name and address.
fn staff_admin(
    state: &AppState,
    visitor: &StaffVisitor,
    headers: &HeaderMap,
    peer: SocketAddr,
) -> StaffAdmin {
    StaffAdmin {
        db: state.db.clone(),
        actor: Actor::Staff(visitor.staff_id),
        ip: state.client_ip(headers, Some(peer)),
    }
}

async fn page(State(state): State<AppState>, headers: HeaderMap, jar: CookieJar) -> Response {
    let visitor = match admin_page(&state, &headers).await {
        Ok(visitor) => visitor,
        Err(response) => return response,
    };
    let (accounts, settings) = match (
        state.db.list_staff().await,
        state.db.review_settings().await,
    ) {
        (Ok(accounts), Ok(settings)) => (accounts, settings),
        (Err(e), _) | (_, Err(e)) => return failure(&e),
    };
    let (jar, flash) = FLASH.take(jar);
    let page = StaffPage {
        csrf: visitor.csrf(),
        username: visitor.username.clone(),
        is_admin: true,
        flash,
        me: visitor.staff_id,
        accounts: accounts.into_iter().map(line).collect(),
        totp_required: settings.totp_required,
        second_review_percent: settings::percent(settings.second_review_share),
    };
    (jar, page).into_response()
}

fn line(s: StaffSummary) -> AccountLine {
    let role = Role::parse(&s.role);
    AccountLine {
        id: s.id,
        role: role.map_or("—", Role::label),
        is_admin: role == Some(Role::Admin),
        username: s.username,
        totp: s.totp_enabled,
        disabled: s.disabled,
        must_change_password: s.must_change_password,
        last_sign_in: s
            .last_sign_in
            .map_or_else(|| "从未登录".to_string(), beijing),
    }
}

async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    form: Result<Form<CreateForm>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return back(jar, false, "表单内容不完整，请返回刷新后重试。".to_string());
    };
    let visitor = match admin_posting(&state, &headers, &form.csrf).await {
        Ok(visitor) => visitor,
        Err(response) => return response,
    };
    let Some(role) = Role::parse(&form.role) else {
        return back(jar, false, "请选择角色：审核员或管理员。".to_string());
    };
    let admin = staff_admin(&state, &visitor, &headers, peer);
    match admin.create(form.username.trim(), role).await {
        Ok((staff, password)) => password_page(
            &visitor,
            format!("已创建{}账号", role.label()),
            staff,
            password,
        ),
        Err(e) => refused(jar, e),
    }
}

/// `POST /admin/staff/{id}/{action}`: disable, enable, reset-password, reset-totp, role.
async fn change(
    State(state): State<AppState>,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    Path((id, action)): Path<(String, String)>,
    form: Result<Form<ChangeForm>, FormRejection>,
) -> Response {
    let form = form.map(|Form(f)| f).unwrap_or(ChangeForm {
        csrf: String::new(),
        role: String::new(),
    });
    let visitor = match admin_posting(&state, &headers, &form.csrf).await {
        Ok(visitor) => visitor,
        Err(response) => return response,
    };
    let Some(id) = id.parse::<i64>().ok().filter(|id| *id > 0) else {
        return refused(jar, StaffError::NotFound);
    };
    let admin = staff_admin(&state, &visitor, &headers, peer);
    let done = match action.as_str() {
        "disable" => admin
            .set_disabled(id, true)
            .await
            .map(|s| format!("已停用账号 {}，其登录已全部退出。", s.username)),
        "enable" => admin
            .set_disabled(id, false)
            .await
            .map(|s| format!("已启用账号 {}。", s.username)),
        "reset-totp" => admin.reset_totp(id).await.map(|s| {
            format!(
                "已关闭 {} 的两步验证，其登录已全部退出；如系统要求两步验证，其下次登录时须重新设置。",
                s.username
            )
        }),
        "role" => match Role::parse(&form.role) {
            None => return back(jar, false, "请选择角色：审核员或管理员。".to_string()),
            Some(role) => admin
                .set_role(id, role)
                .await
                .map(|s| format!("已将 {} 的角色改为{}。", s.username, role.label())),
        },
        "reset-password" => {
            return match admin.reset_password(id).await {
                Ok((staff, password)) => {
                    password_page(&visitor, "已重置密码".to_string(), staff, password)
                }
                Err(e) => refused(jar, e),
            };
        }
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    match done {
        Ok(text) => back(jar, true, text),
        Err(e) => refused(jar, e),
    }
}

/// The one-time password, on the answer itself and never stored by the browser.
fn password_page(
    visitor: &StaffVisitor,
    title: String,
    staff: StaffRow,
    password: String,
) -> Response {
    let page = PasswordPage {
        csrf: visitor.csrf(),
        username: visitor.username.clone(),
        is_admin: true,
        title,
        account: staff.username,
        password,
    };
    let mut response = page.into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Back to the staff list with a message.
fn back(jar: CookieJar, ok: bool, text: String) -> Response {
    let jar = FLASH.set(
        jar,
        &Flash {
            ok,
            text,
            material: None,
        },
    );
    (jar, Redirect::to("/admin/staff")).into_response()
}

fn refused(jar: CookieJar, error: StaffError) -> Response {
    match error {
        StaffError::Internal(e) => failure(&e),
        other => back(jar, false, other.to_string()),
    }
}
