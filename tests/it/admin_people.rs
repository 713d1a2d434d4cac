//! Admin: candidates and staff, settings; reviewers reach no admin route.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, on_both_databases};
use crate::portal_client::{LI_HUA, LI_MING, NEW_PASSWORD, Portal, Reply};
use crate::review_client::{ADMIN, REVIEWER, candidate_id, review_app, staff, submitted};

on_both_databases!(
    candidates_are_found_by_name_id_number_or_registration_number,
    the_candidate_page_shows_what_the_candidate_sees_read_only_and_is_audited,
    a_password_reset_brings_back_the_email_and_ends_the_candidates_sessions,
    a_new_staff_member_signs_in_with_the_one_time_password_and_must_change_it,
    disabling_ends_a_session_at_once_and_a_role_change_applies_at_once,
    an_admin_cannot_disable_or_demote_themselves_nor_remove_the_last_admin,
    settings_changed_by_an_admin_take_effect,
    a_reviewer_reaches_no_admin_route,
    the_audit_log_is_searched_by_candidate_through_a_posted_form,
);

/// A JSON request with the CSRF token.
async fn send(portal: &Portal, method: &str, path: &str, body: Value) -> Reply {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    Portal::send(
        portal
            .client
            .request(method, portal.url(path))
            .header("X-CSRF-Token", &portal.csrf)
            .json(&body),
    )
    .await
}

async fn audited(app: &TestApp, action: &str) -> Vec<(Option<i64>, Option<String>)> {
    app.db()
        .recent_audit(500)
        .await
        .unwrap()
        .into_iter()
        .filter(|row| row.action == action)
        .map(|row| (row.candidate_id, row.detail))
        .collect()
}

async fn registration_no(app: &TestApp, id: i64) -> String {
    let row = app.db().find_candidate(id).await.unwrap().unwrap();
    row.facts.registration_no
}

async fn candidates_are_found_by_name_id_number_or_registration_number(backend: Backend) {
    let app = review_app(backend).await;
    let admin = staff(&app, ADMIN.0).await;
    let id = candidate_id(&app, &LI_MING).await;
    let number = registration_no(&app, id).await;

    // The API: every key in a body; an ID number written in lower case still matches.
    let lower = LI_MING.id_number.to_lowercase();
    for q in [
        LI_MING.name,
        LI_MING.id_number,
        lower.as_str(),
        number.as_str(),
    ] {
        let found = send(
            &admin,
            "POST",
            "/api/v1/admin/candidates/search",
            json!({ "q": q }),
        )
        .await
        .expect(200)
        .json();
        let ids: Vec<i64> = found
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, vec![id], "searching {q}");
        assert_eq!(found[0]["id_number_masked"], "420502********0215");
        assert!(
            !found.to_string().contains(LI_MING.id_number),
            "no full ID in a list"
        );
    }
    // A name or a registration number may be in a URL; an ID number may not.
    let by_name = admin
        .get(&format!("/api/v1/admin/candidates?q={}", number))
        .await
        .expect(200);
    assert_eq!(by_name.json()[0]["name"], LI_MING.name);
    let refused = admin
        .get(&format!("/api/v1/admin/candidates?q={}", LI_MING.id_number))
        .await
        .expect(422);
    assert!(refused.error().contains("POST"));
    let none = send(
        &admin,
        "POST",
        "/api/v1/admin/candidates/search",
        json!({ "q": "查无此人" }),
    )
    .await
    .expect(200);
    assert_eq!(none.json(), json!([]));

    // The page: a form post, the list with masked ID numbers and links by opaque id.
    admin.get("/admin/candidates").await.expect(200);
    for q in [LI_MING.name, LI_MING.id_number, number.as_str()] {
        let page = admin
            .post_form("/admin/candidates", &[("csrf", &admin.csrf), ("q", q)])
            .await
            .expect(200)
            .text();
        assert!(page.contains(&format!("/admin/candidates/{id}")), "{q}");
        assert!(page.contains("420502********0215"));
        assert!(!page.contains(&format!(">{}<", LI_MING.id_number)));
    }
    let empty = admin
        .post_form("/admin/candidates", &[("csrf", &admin.csrf), ("q", " ")])
        .await
        .expect(422)
        .text();
    assert!(empty.contains("请输入考生的姓名"));
    // Searches are audited without what was typed.
    let searches = audited(&app, "candidate_searched").await;
    assert!(searches.len() >= 8);
    assert!(
        searches
            .iter()
            .all(|(_, d)| !d.clone().unwrap_or_default().contains("4205"))
    );
}

async fn the_candidate_page_shows_what_the_candidate_sees_read_only_and_is_audited(
    backend: Backend,
) {
    let app = review_app(backend).await;
    submitted(&app, &LI_MING).await;
    let admin = staff(&app, ADMIN.0).await;
    let id = candidate_id(&app, &LI_MING).await;

    let page = admin
        .get(&format!("/admin/candidates/{id}"))
        .await
        .expect(200)
        .text();
    for seen in [
        LI_MING.name,
        LI_MING.id_number,
        "已提交（待审核）",
        "身份证",
        "学籍",
        "第 1 次提交",
        "重置密码",
        "→ 匹配",
    ] {
        assert!(page.contains(seen), "the page shows {seen}");
    }
    // Read-only: none of the candidate's buttons or forms.
    for action in ["增加图片", "/submit", "/materials/", "删除", "btn-submit"] {
        assert!(!page.contains(action), "no {action} on the admin's page");
    }
    // Thumbnails come through the staff route, which audits each look.
    let thumb = page
        .split("src=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap())
        .find(|src| src.starts_with("/api/v1/review/images/"))
        .expect("a thumbnail through the staff route")
        .to_string();
    let image = admin.get(&thumb).await.expect(200);
    assert_eq!(image.header("content-type"), Some("image/jpeg"));
    assert_eq!(
        audited(&app, "candidate_viewed").await.first().unwrap().0,
        Some(id)
    );
    assert!(
        audited(&app, "image_viewed")
            .await
            .iter()
            .any(|(c, _)| *c == Some(id))
    );

    // A draft can be looked at too; the API says the same.
    let draft = candidate_id(&app, &LI_HUA).await;
    let json = admin
        .get(&format!("/api/v1/admin/candidates/{draft}"))
        .await
        .expect(200)
        .json();
    assert_eq!(json["name"], LI_HUA.name);
    assert_eq!(json["status"], "draft");
    assert!(json["explanation"].as_array().unwrap().len() > 2);
    assert_eq!(json["history"], json!([]));
    admin.get("/admin/candidates/999999").await.expect(404);
    admin
        .get("/api/v1/admin/candidates/999999")
        .await
        .expect(404);
    assert_eq!(audited(&app, "candidate_viewed").await.len(), 2);
}

async fn a_password_reset_brings_back_the_email_and_ends_the_candidates_sessions(backend: Backend) {
    let app = review_app(backend).await;
    let candidate = Portal::candidate(&app, &LI_MING).await;
    candidate.get("/api/v1/me").await.expect(200);
    let admin = staff(&app, ADMIN.0).await;
    let id = candidate_id(&app, &LI_MING).await;

    // The page's button: back to the candidate's page with a message.
    let reset = admin
        .post_form(
            &format!("/admin/candidates/{id}/reset-password"),
            &[("csrf", &admin.csrf)],
        )
        .await
        .expect(303);
    assert_eq!(reset.location(), format!("/admin/candidates/{id}"));
    let page = admin
        .get(&format!("/admin/candidates/{id}"))
        .await
        .expect(200)
        .text();
    assert!(page.contains("已重置密码"));
    // A forged post changes nothing.
    admin
        .post_form(
            &format!("/admin/candidates/{id}/reset-password"),
            &[("csrf", "x")],
        )
        .await
        .expect(403);

    candidate.get("/api/v1/me").await.expect(401);
    let mut again = Portal::new(&app);
    again
        .login(LI_MING.id_number, NEW_PASSWORD)
        .await
        .expect(401);
    let signed_in = again
        .login(LI_MING.id_number, LI_MING.email)
        .await
        .expect(200);
    assert_eq!(signed_in.json()["must_change_password"], true);
    assert_eq!(
        audited(&app, "candidate_password_reset").await,
        vec![(Some(id), None)]
    );

    // The API does the same.
    send(
        &admin,
        "POST",
        &format!("/api/v1/admin/candidates/{id}/reset-password"),
        json!({}),
    )
    .await
    .expect(204);
    again.get("/api/v1/me").await.expect(401);
    send(
        &admin,
        "POST",
        "/api/v1/admin/candidates/999999/reset-password",
        json!({}),
    )
    .await
    .expect(404);
}

/// The one-time password on the page that answered the post.
fn password_on(page: &str) -> String {
    let start = page.find("ap-secret").expect("the password box");
    let rest = &page[start..];
    let from = rest.find('>').unwrap() + 1;
    let to = rest.find("</p>").unwrap();
    rest[from..to].trim().to_string()
}

async fn a_new_staff_member_signs_in_with_the_one_time_password_and_must_change_it(
    backend: Backend,
) {
    let app = review_app(backend).await;
    let admin = staff(&app, ADMIN.0).await;

    let created = admin
        .post_form(
            "/admin/staff",
            &[
                ("csrf", &admin.csrf),
                ("username", "wang.wu"),
                ("role", "reviewer"),
            ],
        )
        .await
        .expect(200);
    assert_eq!(created.header("cache-control"), Some("no-store"));
    assert!(
        created
            .header("set-cookie")
            .is_none_or(|c| !c.contains("flash"))
    );
    let password = password_on(&created.text());
    assert_eq!(password.len(), 16);

    let mut wang = Portal::new(&app);
    let login = wang.login("wang.wu", &password).await.expect(200);
    assert_eq!(login.json()["must_change_password"], true);
    wang.get("/api/v1/review/queue").await.expect(403);
    wang.change_password(&password, NEW_PASSWORD)
        .await
        .expect(204);
    wang.get("/api/v1/review/queue").await.expect(200);

    // The list shows the account; a taken or odd name is refused with the reason.
    let list = admin.get("/admin/staff").await.expect(200).text();
    assert!(list.contains("wang.wu") && list.contains("审核员"));
    admin
        .post_form(
            "/admin/staff",
            &[
                ("csrf", &admin.csrf),
                ("username", "wang.wu"),
                ("role", "admin"),
            ],
        )
        .await
        .expect(303);
    assert!(admin.get("/admin/staff").await.text().contains("已存在"));

    // The API: 201 with the password once, then 409 / 422.
    let made = send(
        &admin,
        "POST",
        "/api/v1/admin/staff",
        json!({"username": "zhao.liu", "role": "admin"}),
    )
    .await
    .expect(201)
    .json();
    let mut zhao = Portal::new(&app);
    let login = zhao
        .login("zhao.liu", made["password"].as_str().unwrap())
        .await
        .expect(200);
    assert_eq!(login.json()["must_change_password"], true);
    let taken = send(
        &admin,
        "POST",
        "/api/v1/admin/staff",
        json!({"username": "zhao.liu", "role": "admin"}),
    )
    .await
    .expect(409);
    assert!(taken.error().contains("已存在"));
    send(
        &admin,
        "POST",
        "/api/v1/admin/staff",
        json!({"username": "a b", "role": "admin"}),
    )
    .await
    .expect(422);
    send(
        &admin,
        "POST",
        "/api/v1/admin/staff",
        json!({"username": "boss1", "role": "boss"}),
    )
    .await
    .expect(422);
    let all = admin.get("/api/v1/admin/staff").await.expect(200).json();
    let names: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["username"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"wang.wu") && names.contains(&"zhao.liu"));
    assert_eq!(audited(&app, "staff_created").await.len(), 2);

    // A password reset: the old password and sessions are gone, a new one-time one works.
    let wang_id = all
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["username"] == "wang.wu")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let reset = admin
        .post_form(
            &format!("/admin/staff/{wang_id}/reset-password"),
            &[("csrf", &admin.csrf)],
        )
        .await
        .expect(200);
    let fresh = password_on(&reset.text());
    wang.get("/api/v1/review/queue").await.expect(401);
    Portal::new(&app)
        .login("wang.wu", NEW_PASSWORD)
        .await
        .expect(401);
    let again = Portal::new(&app).login("wang.wu", &fresh).await.expect(200);
    assert_eq!(again.json()["must_change_password"], true);
}

/// A reviewer created over the API, signed in with a changed password; their id.
async fn new_reviewer(app: &TestApp, admin: &Portal, username: &str) -> (i64, Portal) {
    let made = send(
        admin,
        "POST",
        "/api/v1/admin/staff",
        json!({"username": username, "role": "reviewer"}),
    )
    .await
    .expect(201)
    .json();
    let password = made["password"].as_str().unwrap();
    let mut portal = Portal::new(app);
    portal.login(username, password).await.expect(200);
    portal
        .change_password(password, NEW_PASSWORD)
        .await
        .expect(204);
    (made["id"].as_i64().unwrap(), portal)
}

async fn disabling_ends_a_session_at_once_and_a_role_change_applies_at_once(backend: Backend) {
    let app = review_app(backend).await;
    let admin = staff(&app, ADMIN.0).await;
    let (id, sun) = new_reviewer(&app, &admin, "sun.qi").await;
    sun.get("/api/v1/admin/staff").await.expect(403);

    // Role change over the API: admin pages open on the very next request.
    send(
        &admin,
        "POST",
        &format!("/api/v1/admin/staff/{id}/role"),
        json!({"role": "admin"}),
    )
    .await
    .expect(204);
    sun.get("/api/v1/admin/staff").await.expect(200);
    sun.get("/admin/staff").await.expect(200);
    // And back, through the page's form.
    admin
        .post_form(
            &format!("/admin/staff/{id}/role"),
            &[("csrf", &admin.csrf), ("role", "reviewer")],
        )
        .await
        .expect(303);
    sun.get("/api/v1/admin/staff").await.expect(403);
    assert!(
        admin
            .get("/admin/staff")
            .await
            .text()
            .contains("已将 sun.qi 的角色改为审核员")
    );

    // Disable through the page: the session ends at once, signing in is refused.
    admin
        .post_form(
            &format!("/admin/staff/{id}/disable"),
            &[("csrf", &admin.csrf)],
        )
        .await
        .expect(303);
    sun.get("/api/v1/review/queue").await.expect(401);
    Portal::new(&app)
        .login("sun.qi", NEW_PASSWORD)
        .await
        .expect(401);
    let listed = admin.get("/api/v1/admin/staff").await.json();
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["username"] == "sun.qi" && s["disabled"] == true)
    );
    // Enable over the API: signing in works again.
    send(
        &admin,
        "POST",
        &format!("/api/v1/admin/staff/{id}/enable"),
        json!({}),
    )
    .await
    .expect(204);
    let mut back = Portal::new(&app);
    back.login("sun.qi", NEW_PASSWORD).await.expect(200);
    // A TOTP reset ends the session too.
    send(
        &admin,
        "POST",
        &format!("/api/v1/admin/staff/{id}/reset-totp"),
        json!({}),
    )
    .await
    .expect(204);
    back.get("/api/v1/review/queue").await.expect(401);
    for action in [
        "staff_role_changed",
        "staff_disabled",
        "staff_enabled",
        "staff_totp_reset",
    ] {
        assert!(!audited(&app, action).await.is_empty(), "{action} audited");
    }
    send(
        &admin,
        "POST",
        "/api/v1/admin/staff/999999/disable",
        json!({}),
    )
    .await
    .expect(404);
}

async fn an_admin_cannot_disable_or_demote_themselves_nor_remove_the_last_admin(backend: Backend) {
    let app = review_app(backend).await;
    let admin = staff(&app, ADMIN.0).await;
    let me = app.db().find_staff(ADMIN.0).await.unwrap().unwrap().id;

    let refused = send(
        &admin,
        "POST",
        &format!("/api/v1/admin/staff/{me}/disable"),
        json!({}),
    )
    .await
    .expect(409);
    assert!(refused.error().contains("自己"));
    send(
        &admin,
        "POST",
        &format!("/api/v1/admin/staff/{me}/role"),
        json!({"role": "reviewer"}),
    )
    .await
    .expect(409);
    let page = admin
        .post_form(
            &format!("/admin/staff/{me}/disable"),
            &[("csrf", &admin.csrf)],
        )
        .await
        .expect(303);
    assert_eq!(page.location(), "/admin/staff");
    assert!(
        admin
            .get("/admin/staff")
            .await
            .text()
            .contains("不能停用、降级或重置自己的账号")
    );
    // Their own password and second factor are changed on their own pages, not here.
    for action in ["reset-password", "reset-totp"] {
        send(
            &admin,
            "POST",
            &format!("/api/v1/admin/staff/{me}/{action}"),
            json!({}),
        )
        .await
        .expect(409);
    }
    admin.get("/api/v1/admin/staff").await.expect(200);
    assert!(audited(&app, "staff_disabled").await.is_empty());

    // The last active admin stays, also at the command line.
    for args in [
        ["staff", "disable", ADMIN.0, ""],
        ["staff", "role", ADMIN.0, "reviewer"],
    ] {
        let args: Vec<&str> = args.into_iter().filter(|a| !a.is_empty()).collect();
        let out = shenhe(&app, &args);
        assert!(!out.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("最后一位"),
            "{args:?}"
        );
    }
    admin.get("/api/v1/admin/staff").await.expect(200);
    // With a second admin, the first may go (and the second is then the last).
    send(
        &admin,
        "POST",
        "/api/v1/admin/staff",
        json!({"username": "zhou.ba", "role": "admin"}),
    )
    .await
    .expect(201);
    assert!(
        shenhe(&app, &["staff", "role", ADMIN.0, "reviewer"])
            .status
            .success()
    );
    admin.get("/api/v1/admin/staff").await.expect(403);
    assert!(
        !shenhe(&app, &["staff", "disable", "zhou.ba"])
            .status
            .success()
    );
}

/// The `shenhe` command on the app's database.
fn shenhe(app: &TestApp, args: &[&str]) -> std::process::Output {
    let t = &app.test_db;
    std::process::Command::new(env!("CARGO_BIN_EXE_shenhe"))
        .args(args)
        .env("SHENHE_DATA_DIR", t.dir.path())
        .env("SHENHE_DATABASE_URL", &t.url)
        .env("SHENHE_STORAGE_URL", t.storage_url())
        .env("SHENHE_LOG", "warn")
        .output()
        .expect("running shenhe")
}

async fn settings_changed_by_an_admin_take_effect(backend: Backend) {
    let app = review_app(backend).await;
    let admin = staff(&app, ADMIN.0).await;
    let reviewer = staff(&app, REVIEWER.0).await;
    reviewer.get("/api/v1/review/queue").await.expect(200);

    let saved = send(
        &admin,
        "PUT",
        "/api/v1/admin/settings",
        json!({"totp_required": true, "second_review_percent": 25}),
    )
    .await
    .expect(200)
    .json();
    assert_eq!(
        saved,
        json!({"totp_required": true, "second_review_percent": 25.0})
    );
    let asked = reviewer.get("/api/v1/review/queue").await.expect(403);
    assert_eq!(asked.json()["must_enroll_totp"], true);
    assert_eq!(
        app.db()
            .review_settings()
            .await
            .unwrap()
            .second_review_share,
        0.25
    );

    // The admin too, until they set it up; the command line can make it optional again.
    assert_eq!(
        admin.get("/admin/staff").await.expect(303).location(),
        "/staff/totp"
    );
    app.db()
        .set_setting("totp_required", "false")
        .await
        .unwrap();

    // The page's form: 0 % second review.
    let page = admin.get("/admin/staff").await.expect(200).text();
    assert!(page.contains("name=\"second_review_percent\" value=\"25\""));
    admin
        .post_form(
            "/admin/settings",
            &[("csrf", &admin.csrf), ("second_review_percent", "0")],
        )
        .await
        .expect(303);
    reviewer.get("/api/v1/review/queue").await.expect(200);
    let settings = admin.get("/api/v1/admin/settings").await.expect(200).json();
    assert_eq!(
        settings,
        json!({"totp_required": false, "second_review_percent": 0.0})
    );

    // Out of range: refused, nothing saved.
    admin
        .post_form(
            "/admin/settings",
            &[("csrf", &admin.csrf), ("second_review_percent", "150")],
        )
        .await
        .expect(303);
    assert!(admin.get("/admin/staff").await.text().contains("0 到 100"));
    send(
        &admin,
        "PUT",
        "/api/v1/admin/settings",
        json!({"totp_required": false, "second_review_percent": -1}),
    )
    .await
    .expect(422);
    assert_eq!(
        app.db()
            .review_settings()
            .await
            .unwrap()
            .second_review_share,
        0.0
    );
    assert_eq!(audited(&app, "setting_changed").await.len(), 3);
}

/// Every admin page, with the methods its router takes (read from src/web/admin/*.rs; a
/// `POST FILE` is a multipart form): `{id}` stands for a candidate or staff id, `{code}`
/// for the demo exam's code.
const ADMIN_PAGES: &[(&str, &str)] = &[
    // audit.rs
    ("GET", "/admin/audit"),
    ("POST", "/admin/audit"),
    // dashboard.rs
    ("GET", "/admin"),
    ("GET", "/admin/charts/daily.svg"),
    // exams.rs
    ("GET", "/admin/exams"),
    ("POST FILE", "/admin/exams"),
    ("GET", "/admin/exams/{code}"),
    ("POST", "/admin/exams/{code}/name"),
    ("POST", "/admin/exams/{code}/window"),
    ("POST", "/admin/exams/{code}/deadline"),
    ("POST", "/admin/exams/{code}/reasons"),
    ("POST", "/admin/exams/{code}/current"),
    ("POST FILE", "/admin/exams/{code}/rules"),
    ("POST", "/admin/exams/{code}/rules/confirm"),
    // roster.rs
    ("GET", "/admin/roster"),
    ("POST FILE", "/admin/roster"),
    ("POST", "/admin/roster/commit"),
    // results.rs
    ("GET", "/admin/results"),
    ("GET", "/admin/results/export"),
    ("POST", "/admin/results/purge"),
    // candidates.rs
    ("GET", "/admin/candidates"),
    ("POST", "/admin/candidates"),
    ("GET", "/admin/candidates/{id}"),
    ("POST", "/admin/candidates/{id}/reset-password"),
    // staff.rs
    ("GET", "/admin/staff"),
    ("POST", "/admin/staff"),
    ("POST", "/admin/staff/{id}/disable"),
    ("POST", "/admin/staff/{id}/enable"),
    ("POST", "/admin/staff/{id}/reset-password"),
    ("POST", "/admin/staff/{id}/reset-totp"),
    ("POST", "/admin/staff/{id}/role"),
    ("GET", "/admin/settings"),
    ("POST", "/admin/settings"),
];

/// A path with its parameters filled in: ids with 1, an exam code with the demo's.
fn fill(path: &str, exam_code: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').unwrap() + open;
        let name = &rest[open + 1..close];
        out.push_str(if name.contains("code") {
            exam_code
        } else {
            "1"
        });
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

async fn a_reviewer_reaches_no_admin_route(backend: Backend) {
    let app = review_app(backend).await;
    let exam_code = app.db().current_exam().await.unwrap().unwrap().code;
    let reviewer = staff(&app, REVIEWER.0).await;
    let anonymous = Portal::new(&app);

    // Every admin operation in the OpenAPI document.
    let doc = anonymous
        .get("/api/v1/openapi.json")
        .await
        .expect(200)
        .json();
    let mut operations = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        if !path.starts_with("/api/v1/admin") {
            continue;
        }
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                operations.push((method.to_uppercase(), fill(path, &exam_code)));
            }
        }
    }
    assert!(
        operations.len() >= 15,
        "admin operations documented: {operations:?}"
    );
    for (method, path) in &operations {
        let as_reviewer = send(&reviewer, method, path, json!({})).await;
        assert_eq!(
            as_reviewer.status,
            StatusCode::FORBIDDEN,
            "reviewer {method} {path}: {}",
            as_reviewer.text()
        );
        let as_nobody = send(&anonymous, method, path, json!({})).await;
        assert_eq!(
            as_nobody.status,
            StatusCode::UNAUTHORIZED,
            "anonymous {method} {path}: {}",
            as_nobody.text()
        );
    }

    // Every admin page: 403 for a reviewer (even with the session's CSRF token), a
    // redirect to the sign-in page for anyone else.
    for (method, path) in ADMIN_PAGES {
        let path = fill(path, &exam_code);
        let form = [
            ("csrf", reviewer.csrf.as_str()),
            ("username", "x.y.z"),
            ("role", "admin"),
        ];
        let file = || b"x".to_vec();
        let (as_reviewer, as_nobody) = if *method == "GET" {
            (reviewer.get(&path).await, anonymous.get(&path).await)
        } else if *method == "POST FILE" {
            (
                reviewer.post_multipart(&path, &form, file(), "a.csv").await,
                anonymous
                    .post_multipart(&path, &form, file(), "a.csv")
                    .await,
            )
        } else {
            (
                reviewer.post_form(&path, &form).await,
                anonymous.post_form(&path, &form).await,
            )
        };
        assert_eq!(
            as_reviewer.status,
            StatusCode::FORBIDDEN,
            "reviewer {method} {path}"
        );
        assert!(as_reviewer.text().contains("仅供管理员使用"));
        assert_eq!(
            as_nobody.status,
            StatusCode::SEE_OTHER,
            "anonymous {method} {path}"
        );
        assert_eq!(as_nobody.location(), "/");
    }
    // Nothing was changed on the way.
    assert!(app.db().find_staff("x.y.z").await.unwrap().is_none());
    assert!(audited(&app, "staff_disabled").await.is_empty());
}

async fn the_audit_log_is_searched_by_candidate_through_a_posted_form(backend: Backend) {
    let app = review_app(backend).await;
    submitted(&app, &LI_MING).await;
    let id = candidate_id(&app, &LI_MING).await;
    let admin = staff(&app, ADMIN.0).await;
    let post = |fields: Vec<(&'static str, String)>| {
        let admin = &admin;
        async move {
            let mut all = vec![("csrf", admin.csrf.clone())];
            all.extend(fields);
            let all: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
            admin.post_form("/admin/audit", &all).await
        }
    };

    // The form posts; a candidate search is answered on the spot, by ID number or name.
    let log = admin.get("/admin/audit").await.expect(200).text();
    assert!(log.contains("method=\"post\" action=\"/admin/audit\""));
    for candidate in [LI_MING.id_number, LI_MING.name] {
        let found = post(vec![("candidate", candidate.to_string())])
            .await
            .expect(200)
            .text();
        assert!(
            found.contains(&format!("（#{id}）")),
            "{candidate}: {found}"
        );
        assert!(
            found.contains("<td>提交材料</td>"),
            "what the candidate did"
        );
    }
    // Without a candidate the form goes to the URL of its other filters.
    let to = post(vec![
        ("action", "submitted".into()),
        ("candidate", " ".into()),
    ])
    .await
    .expect(303)
    .location();
    assert_eq!(to, "/admin/audit?action=submitted");
    let listed = admin.get(&to).await.expect(200).text();
    assert!(listed.contains("<td>提交材料</td>"));

    // A candidate in a URL is not searched: the page says to use the form.
    let refused = admin
        .get("/admin/audit?candidate=%E6%9D%8E%E6%98%8E")
        .await
        .expect(422)
        .text();
    assert!(refused.contains("不能放在网址中"), "{refused}");
    assert!(!refused.contains(&format!("（#{id}）")), "nothing listed");

    // Over 100 characters (it used to list the whole log) or a control character: 422, and
    // nothing listed.
    for fields in [
        vec![("candidate", "李".repeat(101))],
        vec![("staff", "a".repeat(101))],
        vec![("candidate", "李\u{0}明".to_string())],
        vec![("before_id", "abc".to_string())],
    ] {
        let refused = post(fields.clone()).await.expect(422).text();
        assert!(
            ["最多 100 个字", "控制字符", "翻页参数"]
                .iter()
                .any(|s| refused.contains(s)),
            "{fields:?}: {refused}"
        );
        assert!(
            !refused.contains("<td>提交材料</td>"),
            "{fields:?}: nothing listed"
        );
    }
    let long = format!("/admin/audit?staff={}", "a".repeat(101));
    assert!(
        admin
            .get(&long)
            .await
            .expect(422)
            .text()
            .contains("最多 100 个字")
    );

    // The admin candidate search refuses a control character too (a 500 on PostgreSQL).
    let refused = admin
        .post_form(
            "/admin/candidates",
            &[("csrf", &admin.csrf), ("q", "李\u{0}明")],
        )
        .await
        .expect(422)
        .text();
    assert!(refused.contains("控制字符"), "{refused}");

    // Every search of the log is itself in the log, without the ID number.
    let searched = audited(&app, "audit_searched").await;
    assert!(searched.len() >= 4, "{searched:?}");
    assert!(searched.iter().all(|(candidate, detail)| {
        candidate.is_none()
            && !detail
                .clone()
                .unwrap_or_default()
                .contains(LI_MING.id_number)
    }));
    assert!(
        searched
            .iter()
            .any(|(_, d)| d.clone().unwrap_or_default().contains("id_number"))
    );
}
