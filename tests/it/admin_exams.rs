//! Admin: exams, windows, reasons, category preview, roster upload, on both databases.

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use shenhe::domain::rules::ExamConfig;

use crate::cli::{shenhe, stdout};
use crate::helpers::{Backend, TestApp, on_both_databases};
use crate::import::id;
use crate::portal_client::{Candidate, LI_MING, Portal, Reply, ZHANG_MING, demo_app};
use crate::review_client::{ADMIN, REVIEWER, staff, submitted};

on_both_databases!(
    config_errors_come_back_with_their_line_and_nothing_is_saved,
    window_deadline_and_reasons_reach_candidates_and_reviewers,
    the_preview_lists_exactly_who_a_rule_change_moves_and_saving_moves_them,
    the_command_line_previews_and_replaces_rules_like_the_page,
    a_roster_with_bad_rows_is_reported_and_only_the_fixed_one_is_imported,
    the_roster_api_reports_with_dry_run_and_imports_without,
);

const CODE: &str = "WH2023H2";

/// 李雪: 湖北 hukou, not a student, 日语: hubei_japanese_russian.
const LI_XUE: Candidate = Candidate {
    id_number: "420503199702140610",
    email: "lixue@example.com",
    name: "李雪",
};

/// The demo rules with 日语 dropped from category 1 (李雪 moves to the residence-permit
/// category) and Beijing hukou added to category 4 (张明 becomes eligible).
fn changed_rules() -> String {
    let text = ExamConfig::default_text();
    let changed = text
        .replace(
            r#"subject_contains = ["日语", "俄语"] }"#,
            r#"subject_contains = ["俄语"] }"#,
        )
        .replace(
            r#"school_city_not = ["武汉市"], hukou_city = ["武汉市"] }"#,
            r#"school_city_not = ["武汉市"], hukou_city = ["武汉市", "北京市"] }"#,
        );
    assert_eq!(changed.matches("北京市").count(), 1, "the change applies");
    assert!(
        changed.contains(r#"subject_contains = ["俄语"] }"#),
        "the change applies"
    );
    changed
}

/// A page form post with the session's CSRF token.
async fn post_page(portal: &Portal, path: &str, fields: &[(&str, &str)]) -> Reply {
    let mut all = vec![("csrf", portal.csrf.as_str())];
    all.extend_from_slice(fields);
    portal.post_form(path, &all).await
}

/// A multipart page form: the CSRF token and `fields`, then the file (if any).
async fn post_file(portal: &Portal, path: &str, fields: &[(&str, &str)], file: &[u8]) -> Reply {
    let mut form = Form::new().text("csrf", portal.csrf.clone());
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    form = form.part("file", Part::bytes(file.to_vec()).file_name("upload.dat"));
    Portal::send(portal.client.post(portal.url(path)).multipart(form)).await
}

/// A TOML body for the exams API.
async fn post_toml(portal: &Portal, path: &str, text: &str) -> Reply {
    let request = portal
        .post(path)
        .header("content-type", "text/plain; charset=utf-8")
        .body(text.to_string());
    Portal::send(request).await
}

/// The value of a hidden input on a page.
fn hidden(page: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {page}"))
        + marker.len();
    page[start..].split('"').next().unwrap().to_string()
}

async fn category_of(app: &TestApp, id_number: &str) -> Option<String> {
    let exam = app.db().find_exam_by_code(CODE).await.unwrap().unwrap();
    let row = app
        .db()
        .find_candidate_by_id_number(exam.id, id_number)
        .await;
    row.unwrap().unwrap().facts.category
}

async fn audited(app: &TestApp, action: &str) -> Vec<Value> {
    let filter = shenhe::db::audit_search::AuditFilter {
        action: Some(action.to_string()),
        limit: 100,
        ..Default::default()
    };
    let rows = app.db().search_audit(&filter).await.unwrap();
    rows.into_iter()
        .map(|r| serde_json::from_str(&r.detail.unwrap_or_default()).unwrap_or(Value::Null))
        .collect()
}

async fn config_errors_come_back_with_their_line_and_nothing_is_saved(backend: Backend) {
    let app = demo_app(backend).await;
    let admin = staff(&app, ADMIN.0).await;
    let line = ExamConfig::default_text()
        .lines()
        .position(|l| l.starts_with("code = \"WH2023H2\""))
        .unwrap()
        + 1;
    let broken = ExamConfig::default_text()
        .replace("code = \"WH2023H2\"", "code = WH2024H1")
        .replace("max_images", "max_image");

    // The page, with the config uploaded as a file: every error with its line, kept to edit.
    let page = post_file(&admin, "/admin/exams", &[], broken.as_bytes())
        .await
        .expect(422);
    let text = page.text();
    assert!(text.contains(&format!("第{line}行")), "{text}");
    assert!(
        text.contains("code = WH2024H1"),
        "the text comes back to edit"
    );
    assert_eq!(app.db().list_exams().await.unwrap().len(), 1);

    // The API: the same errors as data.
    let reply = post_toml(&admin, "/api/v1/admin/exams", &broken)
        .await
        .expect(422);
    let errors = reply.json()["errors"].as_array().unwrap().clone();
    assert_eq!(errors[0]["line"], line, "{errors:?}");
    assert!(reply.error().contains("错误"), "{}", reply.error());
    assert_eq!(app.db().list_exams().await.unwrap().len(), 1);

    // A new code creates a second exam (pasted this time); the same code again is refused.
    let fine = ExamConfig::default_text().replace("WH2023H2", "WH2024H1");
    let created = post_file(&admin, "/admin/exams", &[("config", &fine)], b"")
        .await
        .expect(303);
    assert_eq!(created.location(), "/admin/exams/WH2024H1");
    let again = post_toml(&admin, "/api/v1/admin/exams", &fine)
        .await
        .expect(409);
    assert!(again.error().contains("已存在"), "{}", again.error());
    let listed = admin.get("/api/v1/admin/exams").await.expect(200).json();
    let codes: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, [CODE, "WH2024H1"]);
    let list_page = admin.get("/admin/exams").await.expect(200).text();
    assert!(list_page.contains("/admin/exams/WH2024H1"), "{list_page}");
    assert_eq!(audited(&app, "exam_saved").await.len(), 1);

    // A reviewer reaches none of it.
    let reviewer = staff(&app, REVIEWER.0).await;
    post_toml(&reviewer, "/api/v1/admin/exams", &fine)
        .await
        .expect(403);
    reviewer.get("/api/v1/admin/exams").await.expect(403);
}

async fn window_deadline_and_reasons_reach_candidates_and_reviewers(backend: Backend) {
    let app = demo_app(backend).await;
    app.db()
        .set_setting("second_review_share", "0")
        .await
        .unwrap();
    let candidate = submitted(&app, &LI_MING).await;
    let admin = staff(&app, ADMIN.0).await;
    let exam_page = format!("/admin/exams/{CODE}");

    // Closing the window on the page: the candidate's portal says it is closed.
    let closed = post_page(
        &admin,
        &format!("{exam_page}/window"),
        &[
            ("opens", "2023-10-27T09:00"),
            ("closes", "2023-11-03T17:00"),
        ],
    )
    .await
    .expect(303);
    assert_eq!(closed.location(), exam_page);
    let me = candidate.me().await;
    assert_eq!(me["window"]["open"], false);
    assert!(
        me["window"]["text"]
            .as_str()
            .unwrap()
            .contains("2023年11月3日 17:00 截止"),
        "{me}"
    );
    let page = admin.get(&exam_page).await.expect(200).text();
    assert!(page.contains("已修改材料上传时间"), "the flash says so");
    assert!(
        page.contains(r#"value="2023-11-03T17:00""#),
        "the form shows Beijing time"
    );

    // A window that closes before it opens is refused on the page and over the API.
    let refused = post_page(
        &admin,
        &format!("{exam_page}/window"),
        &[
            ("opens", "2023-11-03T17:00"),
            ("closes", "2023-10-27T09:00"),
        ],
    )
    .await
    .expect(303);
    assert_eq!(refused.location(), exam_page);
    assert!(
        admin
            .get(&exam_page)
            .await
            .text()
            .contains("截止时间须晚于开始时间")
    );
    let api = format!("/api/v1/admin/exams/{CODE}");
    let bad = json!({ "upload_closes_at": "2020-01-01 00:00" });
    Portal::send(
        admin
            .client
            .patch(admin.url(&api))
            .header("X-CSRF-Token", &admin.csrf)
            .json(&bad),
    )
    .await
    .expect(422);
    let bad_time = json!({ "resubmit_deadline": "下周五" });
    Portal::send(
        admin
            .client
            .patch(admin.url(&api))
            .header("X-CSRF-Token", &admin.csrf)
            .json(&bad_time),
    )
    .await
    .expect(422);

    // Deadline on the page, reasons over the API: the reviewer's case shows both.
    post_page(
        &admin,
        &format!("{exam_page}/deadline"),
        &[("deadline", "2030-01-10 17:00")],
    )
    .await
    .expect(303);
    let reasons = json!({ "review_reasons": ["照片反光看不清", "  ", "其他（请说明）"] });
    let exam = Portal::send(
        admin
            .client
            .patch(admin.url(&api))
            .header("X-CSRF-Token", &admin.csrf)
            .json(&reasons),
    )
    .await
    .expect(200)
    .json();
    assert_eq!(
        exam["review_reasons"],
        json!(["照片反光看不清", "其他（请说明）"])
    );
    assert_eq!(exam["resubmit_deadline"], "2030-01-10T09:00:00Z");
    let reviewer = staff(&app, REVIEWER.0).await;
    let case = Portal::send(reviewer.post("/api/v1/review/claim"))
        .await
        .expect(200)
        .json();
    assert_eq!(case["reasons"], json!(["照片反光看不清", "其他（请说明）"]));
    assert_eq!(case["default_resubmit_by"], "2030-01-10T09:00:00Z");

    // Back to the default reasons on the page; renaming shows in the list.
    post_page(
        &admin,
        &format!("{exam_page}/reasons"),
        &[("reasons", ""), ("default", "1")],
    )
    .await
    .expect(303);
    post_page(
        &admin,
        &format!("{exam_page}/name"),
        &[("name", "武汉市面试（改名）")],
    )
    .await
    .expect(303);
    let listed = admin.get("/api/v1/admin/exams").await.expect(200).json();
    assert_eq!(listed[0]["name"], "武汉市面试（改名）");
    assert!(listed[0]["review_reasons"].as_array().unwrap().len() >= 7);
    assert!(audited(&app, "exam_saved").await.len() >= 3);
}

async fn the_preview_lists_exactly_who_a_rule_change_moves_and_saving_moves_them(backend: Backend) {
    let app = demo_app(backend).await;
    submitted(&app, &LI_XUE).await;
    let admin = staff(&app, ADMIN.0).await;
    let rules = changed_rules();

    // The page: exactly 李雪 (submitted, listed first) and 张明.
    let preview = post_file(
        &admin,
        &format!("/admin/exams/{CODE}/rules"),
        &[("config", &rules)],
        b"",
    )
    .await
    .expect(200)
    .text();
    assert!(
        preview.contains("7 名考生中有 2 名类别会改变，其中 1 名已提交材料"),
        "{preview}"
    );
    let (xue, ming) = (preview.find("李雪").unwrap(), preview.find("张明").unwrap());
    assert!(xue < ming, "submitted ones first");
    assert!(preview.contains("420503********0610"), "masked");
    assert!(
        !preview.contains(LI_XUE.id_number),
        "never the whole ID number"
    );
    for other in ["李明", "李华", "李星", "李球", "李强"] {
        assert!(!preview.contains(other), "{other} does not move");
    }
    let page_digest = hidden(&preview, "digest");

    // The API lists the same set with the same digest.
    let api = post_toml(
        &admin,
        &format!("/api/v1/admin/exams/{CODE}/preview"),
        &rules,
    )
    .await
    .expect(200)
    .json();
    let movers: Vec<(String, bool, Value, Value)> = api["movers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let name = m["name"].as_str().unwrap().to_string();
            (
                name,
                m["submitted"] == true,
                m["old_category"].clone(),
                m["new_category"].clone(),
            )
        })
        .collect();
    assert_eq!(
        movers,
        [
            (
                "李雪".into(),
                true,
                json!("hubei_japanese_russian"),
                json!("non_student_residence_permit")
            ),
            (
                "张明".into(),
                false,
                Value::Null,
                json!("student_outside_wuhan")
            ),
        ]
    );
    assert_eq!(api["digest"], page_digest.as_str());
    assert_eq!(
        category_of(&app, LI_XUE.id_number).await.as_deref(),
        Some("hubei_japanese_russian")
    );

    // Meanwhile a roster brings one more Beijing student: the old confirmation no longer
    // holds, nothing is saved and the new list is shown.
    let newcomer = id("11010820020202001");
    let roster = format!(
        "报名号,身份证号,姓名,电子邮箱,学校,是否在校生,户口所在地,报考学科\n\
         2342010000008,{newcomer},王北京,wangbj@example.com,北京大学,是,北京市东城区,小学/语文\n"
    );
    roster_api(&admin, false, roster.as_bytes())
        .await
        .expect(200);
    let confirm = format!("/admin/exams/{CODE}/rules/confirm");
    let stale = post_page(
        &admin,
        &confirm,
        &[("config", &rules), ("digest", &page_digest)],
    )
    .await
    .expect(409)
    .text();
    assert!(stale.contains("发生了变化"), "{stale}");
    assert!(stale.contains("王北京"), "{stale}");
    assert_eq!(
        category_of(&app, LI_XUE.id_number).await.as_deref(),
        Some("hubei_japanese_russian")
    );
    let exam = app.db().find_exam_by_code(CODE).await.unwrap().unwrap();
    assert_eq!(
        exam.config,
        ExamConfig::default_text(),
        "the rules are not saved"
    );

    // Confirming the new list saves the rules and moves exactly those three.
    let before: Vec<(String, Option<String>)> = all_categories(&app).await;
    let saved = post_page(
        &admin,
        &confirm,
        &[("config", &rules), ("digest", &hidden(&stale, "digest"))],
    )
    .await
    .expect(303);
    assert_eq!(saved.location(), format!("/admin/exams/{CODE}"));
    let after = all_categories(&app).await;
    let moved: Vec<(&str, Option<&str>)> = before
        .iter()
        .zip(&after)
        .filter(|(b, a)| b.1 != a.1)
        .map(|(_, a)| (a.0.as_str(), a.1.as_deref()))
        .collect();
    assert_eq!(
        moved,
        [
            (LI_XUE.id_number, Some("non_student_residence_permit")),
            (ZHANG_MING.id_number, Some("student_outside_wuhan")),
            (newcomer.as_str(), Some("student_outside_wuhan")),
        ]
    );
    let exam = app.db().find_exam_by_code(CODE).await.unwrap().unwrap();
    assert_eq!(exam.config, rules);
    let audit = audited(&app, "exam_rules_changed").await;
    assert_eq!(audit.len(), 1);
    assert_eq!(
        (
            audit[0]["moved"].clone(),
            audit[0]["moved_submitted"].clone()
        ),
        (json!(3), json!(1))
    );

    // 张明 now sees the materials of his new category.
    let zhang = Portal::candidate(&app, &ZHANG_MING).await;
    assert_eq!(
        zhang.me().await["category"]["code"],
        "student_outside_wuhan"
    );

    // The same rules again move nobody; a config for another exam is refused.
    let again = post_toml(
        &admin,
        &format!("/api/v1/admin/exams/{CODE}/preview"),
        &rules,
    )
    .await
    .expect(200);
    assert_eq!(again.json()["moved"], 0);
    let other = rules.replace("WH2023H2", "WH2024H1");
    post_toml(
        &admin,
        &format!("/api/v1/admin/exams/{CODE}/preview"),
        &other,
    )
    .await
    .expect(422);
}

/// Every candidate's ID number and category, in id order.
async fn all_categories(app: &TestApp) -> Vec<(String, Option<String>)> {
    let exam = app.db().find_exam_by_code(CODE).await.unwrap().unwrap();
    let mut out = Vec::new();
    for id in 1..=20 {
        if let Some(c) = app.db().find_candidate(id).await.unwrap()
            && c.exam_id == exam.id
        {
            out.push((c.facts.id_number, c.facts.category));
        }
    }
    out
}

async fn the_command_line_previews_and_replaces_rules_like_the_page(backend: Backend) {
    let app = demo_app(backend).await;
    let t = &app.test_db;
    let file = t.dir.path().join("exam.toml");
    std::fs::write(&file, changed_rules()).unwrap();
    let path = file.to_str().unwrap();

    // `exam add` no longer changes rules that would move someone.
    let refused = shenhe(t, &["exam", "add", path]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("exam preview"));

    let preview = stdout(&shenhe(t, &["exam", "preview", path]));
    assert!(preview.contains("7 名考生中有 2 名类别会改变"), "{preview}");
    assert!(
        preview.contains("李雪") && preview.contains("张明"),
        "{preview}"
    );
    let digest = preview
        .rsplit("--confirm ")
        .next()
        .unwrap()
        .trim()
        .to_string();

    let wrong = shenhe(t, &["exam", "replace", path, "--confirm", "0000"]);
    assert!(!wrong.status.success(), "a wrong code saves nothing");
    assert_eq!(category_of(&app, ZHANG_MING.id_number).await, None);

    let replaced = stdout(&shenhe(t, &["exam", "replace", path, "--confirm", &digest]));
    assert!(replaced.contains("2 名考生的类别已调整"), "{replaced}");
    assert_eq!(
        category_of(&app, ZHANG_MING.id_number).await.as_deref(),
        Some("student_outside_wuhan")
    );

    let window = stdout(&shenhe(
        t,
        &[
            "exam",
            "window",
            "--opens",
            "2023-10-27 09:00",
            "--closes",
            "2023-11-03 17:00",
        ],
    ));
    assert!(
        window.contains("2023年10月27日 09:00 至 2023年11月3日 17:00"),
        "{window}"
    );
    let backwards = shenhe(t, &["exam", "window", "--closes", "2023-10-01 00:00"]);
    assert!(!backwards.status.success());
    let deadline = stdout(&shenhe(t, &["exam", "deadline", "2023-11-10 17:00"]));
    assert!(deadline.contains("2023年11月10日 17:00"), "{deadline}");
    let current = stdout(&shenhe(t, &["exam", "current", CODE]));
    assert!(current.contains("设为当前考试"), "{current}");
}

/// The demo roster's header; rows 2… follow.
const HEADER: &str = "报名号,身份证号,姓名,电子邮箱,学校,是否在校生,户口所在地,报考学科";

/// Two new candidates, the second without an email (row 3), unless `fixed`.
fn roster(fixed: bool) -> Vec<u8> {
    let email = if fixed { "wang2@example.com" } else { "" };
    format!(
        "{HEADER}\n\
         2342010000101,{},王一,wang1@example.com,武汉大学,是,湖北武汉,小学/语文\n\
         2342010000102,{},王二,{email},武汉大学,是,湖北武汉,小学/语文\n",
        id("42010219900101011"),
        id("42010219900101012"),
    )
    .into_bytes()
}

async fn a_roster_with_bad_rows_is_reported_and_only_the_fixed_one_is_imported(backend: Backend) {
    let app = demo_app(backend).await;
    let admin = staff(&app, ADMIN.0).await;
    let exam = app.db().find_exam_by_code(CODE).await.unwrap().unwrap();
    let count = || async { app.db().count_candidates(exam.id).await.unwrap() };

    // The dry run names row, column and reason, and writes nothing.
    let report = post_file(&admin, "/admin/roster", &[("exam", CODE)], &roster(false))
        .await
        .expect(200)
        .text();
    assert!(
        report.contains("共读取 2 行：新增 1，更新 0，未变 0，拒绝 1"),
        "{report}"
    );
    assert!(
        report.contains("<td>第3行</td><td>电子邮箱</td>"),
        "{report}"
    );
    assert_eq!(count().await, 7);
    let first = hidden(&report, "upload");
    let waiting = app.storage.list("rosters").await.unwrap();
    assert_eq!(
        waiting,
        [format!("rosters/{first}")],
        "kept for the confirmation"
    );

    // A file that is no roster at all is refused with what to do.
    let junk = post_file(&admin, "/admin/roster", &[("exam", CODE)], b"hello")
        .await
        .expect(422);
    assert!(junk.text().contains("表头"), "{}", junk.text());

    // The fixed file: no refusals; confirming imports it and removes the kept file.
    let report = post_file(&admin, "/admin/roster", &[("exam", CODE)], &roster(true))
        .await
        .expect(200)
        .text();
    assert!(
        report.contains("新增 2，更新 0，未变 0，拒绝 0"),
        "{report}"
    );
    let upload = hidden(&report, "upload");
    let done = post_page(
        &admin,
        "/admin/roster/commit",
        &[("exam", CODE), ("upload", &upload)],
    )
    .await
    .expect(303);
    assert_eq!(done.location(), format!("/admin/roster?exam={CODE}"));
    assert_eq!(count().await, 9);
    let page = admin.get(&done.location()).await.expect(200).text();
    assert!(page.contains("新增 2"), "{page}");
    assert!(
        !app.storage
            .list("rosters")
            .await
            .unwrap()
            .contains(&format!("rosters/{upload}"))
    );
    let audit = audited(&app, "roster_import").await;
    assert_eq!((audit.len(), audit[0]["created"].clone()), (1, json!(2)));

    // Confirming twice imports nothing more; a forged upload id reads nothing.
    post_page(
        &admin,
        "/admin/roster/commit",
        &[("exam", CODE), ("upload", &upload)],
    )
    .await
    .expect(303);
    post_page(
        &admin,
        "/admin/roster/commit",
        &[("exam", CODE), ("upload", "../exams/1")],
    )
    .await
    .expect(303);
    assert!(
        admin
            .get("/admin/roster")
            .await
            .text()
            .contains("请重新上传")
    );
    assert_eq!(audited(&app, "roster_import").await.len(), 1);

    // fsck does not count kept roster files as strays.
    let fsck = crate::cli::shenhe(&app.test_db, &["fsck"]);
    assert!(
        fsck.status.success(),
        "{}",
        String::from_utf8_lossy(&fsck.stdout)
    );
}

async fn roster_api(portal: &Portal, dry_run: bool, file: &[u8]) -> Reply {
    let form = Form::new().part("file", Part::bytes(file.to_vec()).file_name("名单.csv"));
    let path = format!("/api/v1/admin/roster?dry_run={dry_run}&exam={CODE}");
    Portal::send(portal.post(&path).multipart(form)).await
}

async fn the_roster_api_reports_with_dry_run_and_imports_without(backend: Backend) {
    let app = demo_app(backend).await;
    let admin = staff(&app, ADMIN.0).await;
    let exam = app.db().find_exam_by_code(CODE).await.unwrap().unwrap();

    let report = roster_api(&admin, true, &roster(false))
        .await
        .expect(200)
        .json();
    assert_eq!(
        (report["dry_run"].clone(), report["created"].clone()),
        (json!(true), json!(1))
    );
    assert_eq!(
        report["issues"],
        json!([{ "row": 3, "column": "电子邮箱", "reason": report["issues"][0]["reason"] }])
    );
    assert!(!report["issues"][0]["reason"].as_str().unwrap().is_empty());
    assert_eq!(app.db().count_candidates(exam.id).await.unwrap(), 7);
    assert!(
        audited(&app, "roster_import").await.is_empty(),
        "a dry run is not an import"
    );

    let report = roster_api(&admin, false, &roster(true))
        .await
        .expect(200)
        .json();
    assert_eq!(
        (report["created"].clone(), report["refused"].clone()),
        (json!(2), json!(0))
    );
    assert_eq!(report["categories"]["student_in_wuhan"], 2);
    assert_eq!(app.db().count_candidates(exam.id).await.unwrap(), 9);
    assert_eq!(audited(&app, "roster_import").await.len(), 1);

    let empty = roster_api(&admin, true, b"").await.expect(422);
    assert!(empty.error().contains("空"), "{}", empty.error());
    let reviewer = staff(&app, REVIEWER.0).await;
    roster_api(&reviewer, true, &roster(true)).await.expect(403);
    let no_csrf = Form::new().part("file", Part::bytes(roster(true)).file_name("x.csv"));
    Portal::send(
        admin
            .client
            .post(admin.url("/api/v1/admin/roster?dry_run=true"))
            .multipart(no_csrf),
    )
    .await
    .expect(403);
}
