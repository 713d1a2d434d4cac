//! Staff accounts: a one-time password from the command line, the TOTP second factor (each
//! code once, wrong codes lock like wrong passwords, an admin can require it), shorter idle
//! sessions than candidates', disabled accounts, and failed sign-ins in the audit log.

use std::process::{Command, Output};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use shenhe::auth::totp::{self, STEP};
use shenhe::config::WebSettings;
use shenhe::db::staff::Role;

use crate::helpers::{Backend, TestApp, on_both_databases};
use crate::portal_client::{LI_MING, NEW_PASSWORD, Portal, demo_app};

on_both_databases!(
    staff_add_prints_a_one_time_password_that_must_be_changed,
    after_enrollment_signing_in_needs_a_code_that_works_once,
    wrong_codes_count_like_wrong_passwords_and_the_code_still_gets_the_owner_in,
    an_admin_can_require_the_second_factor,
    the_sign_in_page_asks_for_the_code_and_sends_staff_to_their_pages,
    staff_sessions_end_sooner_than_candidates,
    a_disabled_account_loses_its_sessions_and_a_role_change_applies_at_once,
    failed_sign_ins_are_audited_without_what_was_typed,
);

const STAFF_PASSWORD: &str = "Staff-pass-2023";

/// A staff account whose password is already changed.
async fn staff(app: &TestApp, username: &str, role: Role) -> i64 {
    let hash = shenhe::auth::hash_password(STAFF_PASSWORD.into())
        .await
        .unwrap();
    app.db()
        .save_staff(username, &hash, role, false)
        .await
        .unwrap()
        .id
}

/// `POST /api/v1/login` with a TOTP code; keeps the CSRF token on success.
async fn login(portal: &mut Portal, account: &str, password: &str, code: Option<&str>) -> Answer {
    let mut body = json!({ "account": account, "password": password });
    if let Some(code) = code {
        body["totp"] = json!(code);
    }
    let url = portal.url("/api/v1/login");
    let answer = Answer::of(portal.client.post(url).json(&body)).await;
    if answer.status == StatusCode::OK {
        portal.csrf = answer.json["csrf_token"].as_str().unwrap().to_string();
    }
    answer
}

/// A JSON request carrying the CSRF token.
async fn post_json(portal: &Portal, path: &str, body: Value) -> Answer {
    Answer::of(portal.post(path).json(&body)).await
}

async fn get(portal: &Portal, path: &str) -> Answer {
    Answer::of(portal.client.get(portal.url(path))).await
}

struct Answer {
    status: StatusCode,
    json: Value,
    text: String,
    location: Option<String>,
}

impl Answer {
    async fn of(request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.expect("the server answers");
        let status = response.status();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let text = response.text().await.unwrap();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            json,
            text,
            location,
        }
    }

    #[track_caller]
    fn expect(self, status: u16) -> Answer {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        self
    }
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn code(secret: &str, at: i64) -> String {
    totp::code_at(secret, at).expect("a base32 secret")
}

/// A code that is none of the codes around now, so it is wrong whenever it is checked.
fn wrong_code(secret: &str) -> String {
    let near: Vec<String> = (-3..=3).map(|k| code(secret, now() + k * STEP)).collect();
    (0..)
        .map(|n: u32| format!("{:06}", (n * 7919) % 1_000_000))
        .find(|c| !near.contains(c))
        .unwrap()
}

/// Signs in and enrolls a second factor through the API; returns the secret.
async fn enrolled(portal: &mut Portal, username: &str) -> String {
    login(portal, username, STAFF_PASSWORD, None)
        .await
        .expect(200);
    let enrollment = post_json(portal, "/api/v1/staff/totp", json!({}))
        .await
        .expect(200);
    let secret = enrollment.json["secret"].as_str().unwrap().to_string();
    let confirm = json!({ "code": code(&secret, now()) });
    post_json(portal, "/api/v1/staff/totp/confirm", confirm)
        .await
        .expect(204);
    secret
}

/// The actions in the audit log, newest first, once the entries written after the
/// response have landed.
async fn audit_actions(app: &TestApp, wanted: &str) -> Vec<shenhe::db::audit::AuditRow> {
    for _ in 0..50 {
        let rows = app.db().recent_audit(100).await.unwrap();
        if rows.iter().any(|r| r.action == wanted) {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no {wanted} entry in the audit log");
}

/// Moves every session's last activity `minutes` into the past, as if nobody had clicked.
async fn age_sessions(app: &TestApp, backend: Backend, minutes: i64) {
    let at = time::OffsetDateTime::now_utc() - time::Duration::minutes(minutes);
    write(
        app,
        backend,
        "update sessions set last_seen_at = $1",
        Some(at),
    )
    .await;
}

/// A write behind the application's back (what another node or an operator might do).
async fn write(app: &TestApp, backend: Backend, sql: &str, at: Option<time::OffsetDateTime>) {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    match backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&app.test_db.url).await.unwrap();
            let mut query = sqlx::query(sql);
            if let Some(at) = at {
                query = query.bind(at);
            }
            query.execute(&pool).await.unwrap();
            pool.close().await;
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&app.test_db.url).await.unwrap();
            let mut query = sqlx::query(sql);
            if let Some(at) = at {
                query = query.bind(at);
            }
            query.execute(&pool).await.unwrap();
            pool.close().await;
        }
    }
}

fn shenhe(app: &TestApp, args: &[&str]) -> Output {
    let t = &app.test_db;
    Command::new(env!("CARGO_BIN_EXE_shenhe"))
        .args(args)
        .env("SHENHE_DATA_DIR", t.dir.path())
        .env("SHENHE_DATABASE_URL", &t.url)
        .env("SHENHE_STORAGE_URL", t.storage_url())
        .env("SHENHE_LOG", "warn")
        .output()
        .expect("running shenhe")
}

async fn staff_add_prints_a_one_time_password_that_must_be_changed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let added = shenhe(&app, &["staff", "add", "zhang.san", "--role", "reviewer"]);
    let password = one_time_password(&added);
    assert_eq!(password.len(), 16);

    for (args, says) in [
        (["staff", "add", "zhang.san", "--role", "admin"], "已存在"),
        (
            ["staff", "add", "abcdefghijklmnopqr", "--role", "admin"],
            "18",
        ),
        (["staff", "add", "zhang san", "--role", "admin"], "字母"),
        (["staff", "add", "li.si", "--role", "boss"], "reviewer"),
    ] {
        let refused = shenhe(&app, &args);
        assert!(!refused.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
    let list = String::from_utf8(shenhe(&app, &["staff", "list"]).stdout).unwrap();
    assert!(list.contains("zhang.san  审核员  待修改初始密码"), "{list}");

    let mut portal = Portal::new(&app);
    let signed_in = login(&mut portal, "zhang.san", &password, None)
        .await
        .expect(200);
    assert_eq!(signed_in.json["role"], "reviewer");
    assert_eq!(signed_in.json["must_change_password"], true);
    let refused = get(&portal, "/api/v1/staff/me").await.expect(403);
    assert_eq!(refused.json["must_change_password"], true);
    // The password page speaks to staff, not candidates.
    let page = get(&portal, "/password").await.expect(200);
    assert!(page.text.contains("一次性") && !page.text.contains("电子邮箱"));
    let same = json!({ "current": password, "new": "zhang.san" });
    let refused = post_json(&portal, "/api/v1/password", same)
        .await
        .expect(422);
    assert!(refused.json["error"].as_str().unwrap().contains("用户名"));
    let change = json!({ "current": password, "new": NEW_PASSWORD });
    post_json(&portal, "/api/v1/password", change)
        .await
        .expect(204);

    let me = get(&portal, "/api/v1/staff/me").await.expect(200).json;
    assert_eq!(
        me,
        json!({ "username": "zhang.san", "role": "reviewer", "totp_enabled": false })
    );
    // The one-time password is spent; candidates' routes are not for staff.
    login(&mut Portal::new(&app), "zhang.san", &password, None)
        .await
        .expect(401);
    get(&portal, "/api/v1/me").await.expect(403);

    // An admin at the command line: require the second factor, disable, reset.
    assert!(
        shenhe(&app, &["staff", "require-totp", "true"])
            .status
            .success()
    );
    assert!(app.db().review_settings().await.unwrap().totp_required);
    let asked = get(&portal, "/api/v1/staff/me").await.expect(403);
    assert_eq!(asked.json["must_enroll_totp"], true);
    assert!(
        shenhe(&app, &["staff", "disable", "zhang.san"])
            .status
            .success()
    );
    get(&portal, "/api/v1/staff/me").await.expect(401);
    assert!(
        shenhe(&app, &["staff", "enable", "zhang.san"])
            .status
            .success()
    );
    let reset = shenhe(&app, &["staff", "reset", "zhang.san"]);
    let fresh = one_time_password(&reset);
    assert_ne!(fresh, password);
    login(&mut portal, "zhang.san", NEW_PASSWORD, None)
        .await
        .expect(401);
    let signed_in = login(&mut portal, "zhang.san", &fresh, None)
        .await
        .expect(200);
    assert_eq!(signed_in.json["must_change_password"], true);
    assert_eq!(signed_in.json["must_enroll_totp"], true);
    assert!(
        !shenhe(&app, &["staff", "reset", "nobody.here"])
            .status
            .success()
    );
}

/// The password a `staff add` or `staff reset` printed.
fn one_time_password(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    stdout
        .lines()
        .find_map(|line| line.strip_prefix("一次性初始密码："))
        .expect("the password is printed")
        .trim()
        .to_string()
}

async fn after_enrollment_signing_in_needs_a_code_that_works_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app, "wang.wu", Role::Admin).await;
    let mut portal = Portal::new(&app);
    login(&mut portal, "wang.wu", STAFF_PASSWORD, None)
        .await
        .expect(200);
    let enrollment = post_json(&portal, "/api/v1/staff/totp", json!({}))
        .await
        .expect(200);
    let secret = enrollment.json["secret"].as_str().unwrap().to_string();
    let spec = get(&portal, "/api/v1/openapi.json").await.expect(200).json;
    for path in [
        "/api/v1/staff/me",
        "/api/v1/staff/totp",
        "/api/v1/staff/totp/confirm",
    ] {
        assert!(spec["paths"].get(path).is_some(), "{path} is documented");
    }
    let uri = enrollment.json["otpauth_uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/shenhe:wang.wu?"), "{uri}");
    assert!(uri.contains(&format!("secret={secret}")) && uri.contains("issuer=shenhe"));

    // Not on until a code confirms it.
    let wrong = json!({ "code": wrong_code(&secret) });
    let refused = post_json(&portal, "/api/v1/staff/totp/confirm", wrong)
        .await
        .expect(422);
    assert!(refused.json["error"].as_str().unwrap().contains("验证码"));
    assert_eq!(
        get(&portal, "/api/v1/staff/me").await.json["totp_enabled"],
        false
    );
    let confirm = json!({ "code": code(&secret, now()) });
    post_json(&portal, "/api/v1/staff/totp/confirm", confirm)
        .await
        .expect(204);
    assert_eq!(
        get(&portal, "/api/v1/staff/me").await.json["totp_enabled"],
        true
    );
    post_json(&portal, "/api/v1/staff/totp", json!({}))
        .await
        .expect(409);
    post_json(&portal, "/api/v1/logout", json!({}))
        .await
        .expect(204);

    // The right password alone is not enough.
    for missing in [None, Some(""), Some("  ")] {
        let asked = login(&mut portal, "wang.wu", STAFF_PASSWORD, missing)
            .await
            .expect(401);
        assert_eq!(asked.json["totp_required"], true);
        assert_eq!(asked.json["error"], "请输入动态验证码。");
    }
    // A wrong password with a good code is just a wrong password.
    let next = code(&secret, now() + STEP);
    let wrong_password = login(&mut portal, "wang.wu", "nope-2023", Some(&next)).await;
    assert_eq!(wrong_password.expect(401).json.get("totp_required"), None);

    login(&mut portal, "wang.wu", STAFF_PASSWORD, Some(&next))
        .await
        .expect(200);
    get(&portal, "/api/v1/staff/me").await.expect(200);
    post_json(&portal, "/api/v1/logout", json!({}))
        .await
        .expect(204);
    // The same code again: refused, even with the right password.
    let reused = login(&mut portal, "wang.wu", STAFF_PASSWORD, Some(&next))
        .await
        .expect(401);
    assert_eq!(reused.json["totp_required"], true);
    let rows = audit_actions(&app, "totp_failed").await;
    assert!(rows.iter().any(|r| r.action == "totp_enrolled"));

    // Turning it off takes a code too, one not used before.
    let mut other = Portal::new(&app);
    staff(&app, "wang.liu", Role::Reviewer).await;
    let secret = enrolled(&mut other, "wang.liu").await;
    let wrong = json!({ "code": wrong_code(&secret) });
    post_json(&other, "/api/v1/staff/totp/disable", wrong)
        .await
        .expect(422);
    let off = json!({ "code": code(&secret, now() + STEP) });
    post_json(&other, "/api/v1/staff/totp/disable", off.clone())
        .await
        .expect(204);
    assert_eq!(
        get(&other, "/api/v1/staff/me").await.json["totp_enabled"],
        false
    );
    post_json(&other, "/api/v1/staff/totp/disable", off)
        .await
        .expect(409);
    login(&mut other, "wang.liu", STAFF_PASSWORD, None)
        .await
        .expect(200);
}

async fn wrong_codes_count_like_wrong_passwords_and_the_code_still_gets_the_owner_in(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    staff(&app, "zhao.liu", Role::Reviewer).await;
    let mut portal = Portal::new(&app);
    let secret = enrolled(&mut portal, "zhao.liu").await;
    let mut other = Portal::new(&app);
    for _ in 0..2 {
        let answer = login(&mut other, "zhao.liu", "Wrong-pass-1", None).await;
        assert_eq!(answer.json["totp_required"], serde_json::Value::Null);
        answer.expect(401);
    }
    for _ in 0..3 {
        let wrong = wrong_code(&secret);
        let answer = login(&mut other, "zhao.liu", STAFF_PASSWORD, Some(&wrong)).await;
        assert_eq!(answer.expect(401).json["totp_required"], true);
    }
    // This address's guesses at the account are spent. Whatever the password, it is now
    // asked for the code, so the answer says nothing about the password …
    let asked = login(&mut other, "zhao.liu", "Wrong-pass-2", None).await;
    assert_eq!(asked.expect(401).json["totp_required"], true);
    let right = code(&secret, now() + STEP);
    login(&mut other, "zhao.liu", "Wrong-pass-2", Some(&right))
        .await
        .expect(401);
    // … and the owner, who has the code, still gets in.
    login(&mut other, "zhao.liu", STAFF_PASSWORD, Some(&right))
        .await
        .expect(200);
}

async fn an_admin_can_require_the_second_factor(backend: Backend) {
    let app = demo_app(backend).await;
    let id = staff(&app, "sun.qi", Role::Reviewer).await;
    app.db().set_setting("totp_required", "true").await.unwrap();
    assert!(app.db().review_settings().await.unwrap().totp_required);

    let mut portal = Portal::new(&app);
    let signed_in = login(&mut portal, "sun.qi", STAFF_PASSWORD, None)
        .await
        .expect(200);
    assert_eq!(signed_in.json["must_enroll_totp"], true);
    let refused = get(&portal, "/api/v1/staff/me").await.expect(403);
    assert_eq!(refused.json["must_enroll_totp"], true);
    // Pages send them to the enrollment page, which shows the QR code and the secret.
    let front = get(&portal, "/").await;
    assert_eq!(front.location.as_deref(), Some("/review"));
    let page = get(&portal, "/staff/totp").await.expect(200);
    assert!(page.text.contains("<svg role=\"img\""), "{}", page.text);
    let pending = app
        .db()
        .staff_totp(id)
        .await
        .unwrap()
        .unwrap()
        .totp_pending
        .unwrap();
    assert!(page.text.contains(&pending[..4]));
    // A reload shows the same secret (the phone may have scanned it already).
    get(&portal, "/staff/totp").await.expect(200);
    let again = app
        .db()
        .staff_totp(id)
        .await
        .unwrap()
        .unwrap()
        .totp_pending
        .unwrap();
    assert_eq!(again, pending);

    let url = portal.url("/staff/totp");
    let right = code(&pending, now());
    let forged = [("csrf", "not-the-token"), ("code", right.as_str())];
    Answer::of(portal.client.post(&url).form(&forged))
        .await
        .expect(403);
    let wrong = wrong_code(&pending);
    let form_wrong = [("csrf", portal.csrf.as_str()), ("code", wrong.as_str())];
    Answer::of(portal.client.post(&url).form(&form_wrong))
        .await
        .expect(422);
    let form_right = [("csrf", portal.csrf.as_str()), ("code", right.as_str())];
    let done = Answer::of(portal.client.post(&url).form(&form_right))
        .await
        .expect(200);
    assert!(done.text.contains("已启用"));
    get(&portal, "/api/v1/staff/me").await.expect(200);
    audit_actions(&app, "totp_enrolled").await;

    // Required: it cannot be turned off.
    let off = json!({ "code": code(&pending, now() + STEP) });
    post_json(&portal, "/api/v1/staff/totp/disable", off)
        .await
        .expect(403);
    // Candidates are not affected.
    let mut candidate = Portal::new(&app);
    let answer = login(&mut candidate, LI_MING.id_number, LI_MING.email, None).await;
    assert_eq!(answer.expect(200).json["must_enroll_totp"], false);
}

async fn the_sign_in_page_asks_for_the_code_and_sends_staff_to_their_pages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app, "zhou.ba", Role::Reviewer).await;
    let mut portal = Portal::new(&app);
    let secret = enrolled(&mut portal, "zhou.ba").await;

    let browser = Portal::new(&app);
    let page = get(&browser, "/").await.expect(200);
    assert!(page.text.contains("工作人员填用户名"));
    let form = [("account", "zhou.ba"), ("password", STAFF_PASSWORD)];
    let asked = Answer::of(browser.client.post(browser.url("/login")).form(&form)).await;
    let asked = asked.expect(401);
    assert!(asked.text.contains("name=\"totp\""), "{}", asked.text);
    assert!(asked.text.contains("value=\"zhou.ba\""));
    assert!(!asked.text.contains(STAFF_PASSWORD));

    let next = code(&secret, now() + STEP);
    let form = [form[0], form[1], ("totp", next.as_str())];
    let signed_in = Answer::of(browser.client.post(browser.url("/login")).form(&form)).await;
    assert_eq!(signed_in.expect(303).location.as_deref(), Some("/review"));
    let front = get(&browser, "/").await.expect(303);
    assert_eq!(front.location.as_deref(), Some("/review"));
    let totp_page = get(&browser, "/staff/totp").await.expect(200);
    assert!(totp_page.text.contains("已启用") && totp_page.text.contains("/staff/totp/disable"));
    assert!(
        !totp_page.text.contains("/admin/audit"),
        "the audit log is for admins"
    );
}

async fn staff_sessions_end_sooner_than_candidates(backend: Backend) {
    let settings = WebSettings {
        staff_idle_minutes: 5,
        ..Default::default()
    };
    let app = TestApp::spawn_with(backend, settings).await;
    shenhe::demo::load(app.db()).await.unwrap();
    let candidate = Portal::candidate(&app, &LI_MING).await;
    let mut reviewer = Portal::new(&app);
    let (username, password) = shenhe::demo::REVIEWER;
    login(&mut reviewer, username, password, None)
        .await
        .expect(200);
    get(&reviewer, "/api/v1/staff/me").await.expect(200);

    age_sessions(&app, backend, 10).await;
    get(&reviewer, "/api/v1/staff/me").await.expect(401);
    assert_eq!(
        get(&reviewer, "/staff/totp").await.location.as_deref(),
        Some("/")
    );
    get(&candidate, "/api/v1/me").await.expect(200);

    age_sessions(&app, backend, 31).await;
    get(&candidate, "/api/v1/me").await.expect(401);
}

async fn a_disabled_account_loses_its_sessions_and_a_role_change_applies_at_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = staff(&app, "wu.jiu", Role::Reviewer).await;
    let mut portal = Portal::new(&app);
    login(&mut portal, "wu.jiu", STAFF_PASSWORD, None)
        .await
        .expect(200);
    assert_eq!(
        get(&portal, "/api/v1/staff/me").await.json["role"],
        "reviewer"
    );
    app.db().set_staff_role(id, Role::Admin).await.unwrap();
    assert_eq!(get(&portal, "/api/v1/staff/me").await.json["role"], "admin");

    // Disabled by a write the session lookup alone must notice …
    write(&app, backend, "update staff set disabled = true", None).await;
    get(&portal, "/api/v1/staff/me").await.expect(401);
    write(&app, backend, "update staff set disabled = false", None).await;
    get(&portal, "/api/v1/staff/me").await.expect(200);
    // … and through the Db, which also ends the sessions.
    app.db().set_staff_disabled(id, true).await.unwrap();
    get(&portal, "/api/v1/staff/me").await.expect(401);
    let refused = login(&mut Portal::new(&app), "wu.jiu", STAFF_PASSWORD, None).await;
    let unknown = login(&mut Portal::new(&app), "nobody.here", STAFF_PASSWORD, None).await;
    assert_eq!(refused.expect(401).json, unknown.expect(401).json);
    // Enabled again: the old session stays ended; a new sign-in works.
    app.db().set_staff_disabled(id, false).await.unwrap();
    get(&portal, "/api/v1/staff/me").await.expect(401);
    login(&mut portal, "wu.jiu", STAFF_PASSWORD, None)
        .await
        .expect(200);
    get(&portal, "/api/v1/staff/me").await.expect(200);
}

async fn failed_sign_ins_are_audited_without_what_was_typed(backend: Backend) {
    let app = demo_app(backend).await;
    let reviewer = app.db().find_staff("reviewer").await.unwrap().unwrap();
    let mut portal = Portal::new(&app);
    login(&mut portal, LI_MING.id_number, "Typed-secret-1", None)
        .await
        .expect(401);
    login(&mut portal, "reviewer", "Typed-secret-2", None)
        .await
        .expect(401);
    login(&mut portal, "ghost.user", "Typed-secret-3", None)
        .await
        .expect(401);
    login(&mut portal, "reviewer", shenhe::demo::REVIEWER.1, None)
        .await
        .expect(200);

    let mut rows = audit_actions(&app, "signed_in").await;
    for _ in 0..50 {
        if rows.iter().filter(|r| r.action == "login_failed").count() == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        rows = app.db().recent_audit(100).await.unwrap();
    }
    let failed: Vec<_> = rows.iter().filter(|r| r.action == "login_failed").collect();
    let mut actors: Vec<_> = failed.iter().map(|r| r.actor_kind.as_str()).collect();
    actors.sort_unstable();
    assert_eq!(actors, ["anonymous", "candidate", "staff"]);
    let staff_row = failed.iter().find(|r| r.actor_kind == "staff").unwrap();
    assert_eq!(staff_row.actor_id, Some(reviewer.id));
    assert!(failed.iter().all(|r| r.ip.as_deref() == Some("127.0.0.1")));
    let signed_in = rows.iter().find(|r| r.action == "signed_in").unwrap();
    assert_eq!(
        (signed_in.actor_kind.as_str(), signed_in.actor_id),
        ("staff", Some(reviewer.id))
    );
    assert_eq!(signed_in.ip.as_deref(), Some("127.0.0.1"));
    for row in rows
        .iter()
        .filter(|r| r.action.contains("login") || r.action == "signed_in")
    {
        let detail = row.detail.clone().unwrap_or_default();
        for typed in [LI_MING.id_number, "ghost.user", "reviewer", "Typed-secret"] {
            assert!(
                !detail.contains(typed),
                "{} holds {typed}: {detail}",
                row.action
            );
        }
    }
}
