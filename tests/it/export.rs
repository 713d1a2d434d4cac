//! Results export: CSV (UTF-8, GBK) and XLSX read back, on both databases.

use std::process::Command;

use serde_json::{Value, json};
use shenhe::domain::rules::ExamConfig;

use crate::export_files::{read_csv, read_xlsx};
use crate::helpers::{Backend, TestApp, on_both_databases};
use crate::portal_client::{Candidate, LI_HUA, LI_MING, NEW_PASSWORD, Portal, Reply};
use crate::review_client::{ADMIN, REVIEWER, review_app, staff, submitted};

on_both_databases!(
    results_read_back_the_same_from_csv_gbk_and_xlsx,
    the_command_line_writes_the_same_file,
    the_admin_page_downloads_and_reviewers_stay_out,
);

pub(crate) const HEADERS: [&str; 8] = [
    "报名号",
    "身份证号",
    "姓名",
    "类别",
    "审核结果",
    "审核意见",
    "审核人",
    "审核时间",
];

/// 李明 returned (student_status, with a note, and a comment), 李华 approved.
async fn decided(app: &TestApp) {
    decided_with(app, None).await
}

/// [`decided`], with a comment on 李华's approval.
pub(crate) async fn decided_with(app: &TestApp, approval_comment: Option<&str>) {
    submitted(app, &LI_MING).await;
    submitted(app, &LI_HUA).await;
    let reviewer = staff(app, REVIEWER.0).await;
    for _ in 0..2 {
        let case = Portal::send(reviewer.post("/api/v1/review/claim"))
            .await
            .expect(200)
            .json();
        let returned = case["name"] == LI_MING.name;
        let marks: Vec<Value> = case["materials"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| match m["code"].as_str().unwrap() {
                "student_status" if returned => json!({"code": "student_status", "ok": false,
                    "reason": "其他（请说明）", "note": "缺少学籍管理部门盖章"}),
                "id_card" if returned => json!({"code": "id_card", "ok": false,
                    "reason": "图片模糊不清"}),
                code => json!({"code": code, "ok": true}),
            })
            .collect();
        let body = if returned {
            json!({"outcome": "return", "materials": marks, "comment": "请补充盖章页"})
        } else {
            json!({"outcome": "approve", "materials": marks, "comment": approval_comment})
        };
        let id = case["id"].as_i64().unwrap();
        Portal::send(
            reviewer
                .post(&format!("/api/v1/review/cases/{id}/decision"))
                .json(&body),
        )
        .await
        .expect(200);
    }
}

pub(crate) async fn export(admin: &Portal, query: &str) -> Reply {
    admin.get(&format!("/api/v1/admin/export?{query}")).await
}

fn utf8_csv(reply: &Reply) -> Vec<Vec<String>> {
    let text = reply.text();
    let text = text
        .strip_prefix('\u{feff}')
        .expect("a byte-order mark for Excel");
    read_csv(text)
}

fn row_of<'a>(rows: &'a [Vec<String>], who: &Candidate) -> &'a Vec<String> {
    rows.iter()
        .find(|r| r[1] == who.id_number)
        .unwrap_or_else(|| panic!("no row for {}: {rows:?}", who.name))
}

/// The names the exam's rules give a category and a material.
async fn names(app: &TestApp, who: &Candidate, material: &str) -> (String, String, String) {
    let exam = app.db().current_exam().await.unwrap().unwrap();
    let rules = ExamConfig::parse(&exam.config).unwrap();
    let row = app
        .db()
        .find_candidate_by_id_number(exam.id, who.id_number)
        .await
        .unwrap()
        .unwrap();
    let category = rules
        .category(row.facts.category.as_deref().unwrap())
        .unwrap();
    let material = rules.material(material).unwrap();
    (
        row.facts.registration_no,
        category.name.clone(),
        material.name.clone(),
    )
}

async fn results_read_back_the_same_from_csv_gbk_and_xlsx(backend: Backend) {
    let app = review_app(backend).await;
    decided(&app).await;
    let admin = staff(&app, ADMIN.0).await;

    let reply = export(&admin, "format=csv").await.expect(200);
    assert_eq!(
        reply.header("content-type"),
        Some("text/csv; charset=utf-8")
    );
    let disposition = reply.header("content-disposition").unwrap().to_string();
    assert!(
        disposition.starts_with("attachment; filename=\"results-"),
        "{disposition}"
    );
    assert!(
        disposition.contains("filename*=UTF-8''%E5%AE%A1"),
        "{disposition}"
    );
    let rows = utf8_csv(&reply);
    assert_eq!(rows[0], HEADERS);

    let (registration_no, category, id_card) = names(&app, &LI_MING, "id_card").await;
    let (_, _, student_status) = names(&app, &LI_MING, "student_status").await;
    let li_ming = row_of(&rows, &LI_MING);
    assert_eq!(
        li_ming[..5],
        [
            registration_no.as_str(),
            LI_MING.id_number,
            LI_MING.name,
            category.as_str(),
            "退回修改"
        ]
    );
    assert_eq!(
        li_ming[5],
        format!(
            "{id_card}：图片模糊不清；{student_status}：其他：缺少学籍管理部门盖章；请补充盖章页"
        )
    );
    assert_eq!(li_ming[6], REVIEWER.0);
    assert_eq!(li_ming[7].len(), "2023-12-01 14:05".len(), "{}", li_ming[7]);
    let li_hua = row_of(&rows, &LI_HUA);
    assert_eq!(li_hua[4..7], ["审核通过", "", REVIEWER.0]);
    // Everyone of the exam is listed; those who never submitted say so.
    let exam = app.db().current_exam().await.unwrap().unwrap();
    assert_eq!(
        rows.len() as i64 - 1,
        app.db().count_candidates(exam.id).await.unwrap()
    );
    assert!(
        rows.iter()
            .any(|r| r[4] == "未提交" && r[5].is_empty() && r[6].is_empty())
    );

    // GBK reads back to the same cells.
    let gbk = export(&admin, "format=csv&encoding=gbk").await.expect(200);
    assert_eq!(gbk.header("content-type"), Some("text/csv; charset=gbk"));
    let (text, _, bad) = encoding_rs::GBK.decode(&gbk.bytes);
    assert!(!bad, "GBK bytes");
    assert_eq!(read_csv(&text), rows);

    // So does the workbook, every ID number a string.
    let xlsx = export(&admin, "format=xlsx").await.expect(200);
    assert!(
        xlsx.header("content-type")
            .unwrap()
            .contains("spreadsheetml")
    );
    assert_eq!(read_xlsx(&xlsx.bytes), rows);

    // The status filter.
    let approved = utf8_csv(&export(&admin, "status=approved").await.expect(200));
    assert_eq!(approved.len(), 2);
    assert_eq!(approved[1][1], LI_HUA.id_number);
    let returned = utf8_csv(
        &export(&admin, "status=returned&format=csv")
            .await
            .expect(200),
    );
    assert_eq!(returned.len(), 2);
    assert_eq!(&returned[1], li_ming);
    let decided = utf8_csv(&export(&admin, "status=decided").await.expect(200));
    assert_eq!(decided.len(), 3);

    // Bad parameters are refused in words.
    let refused = export(&admin, "format=pdf").await.expect(422);
    assert!(
        refused.error().contains("csv 或 xlsx"),
        "{}",
        refused.error()
    );
    export(&admin, "status=passed").await.expect(422);
    export(&admin, "encoding=latin1").await.expect(422);
    export(&admin, "exam=no-such-exam").await.expect(404);

    // Every export is in the audit log, with its row count.
    let audit = admin
        .get("/api/v1/admin/audit?action=results_exported")
        .await
        .expect(200)
        .json();
    let items = audit["items"].as_array().unwrap();
    assert_eq!(items.len(), 6, "{audit}");
    assert_eq!(items[0]["detail"]["status"], "decided");
    assert_eq!(items[0]["detail"]["rows"], 2);
    assert_eq!(items[0]["action_label"], "导出审核结果");
    assert!(items.iter().any(|i| i["detail"]["format"] == "xlsx"));
    assert!(items.iter().any(|i| i["detail"]["encoding"] == "gbk"));
}

async fn the_command_line_writes_the_same_file(backend: Backend) {
    let app = review_app(backend).await;
    decided(&app).await;
    let admin = staff(&app, ADMIN.0).await;
    let by_api = export(&admin, "format=csv&status=decided")
        .await
        .expect(200);

    let file = app.test_db.dir.path().join("结果.csv");
    let output = Command::new(env!("CARGO_BIN_EXE_shenhe"))
        .args(["export", "--status", "decided", "--output"])
        .arg(&file)
        .env("SHENHE_DATA_DIR", app.test_db.dir.path())
        .env("SHENHE_DATABASE_URL", &app.test_db.url)
        .env("SHENHE_STORAGE_URL", app.test_db.storage_url())
        .env("SHENHE_LOG", "warn")
        .output()
        .expect("running shenhe");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("审核结果 2 条"), "{stdout}");
    assert_eq!(std::fs::read(&file).unwrap(), by_api.bytes);

    let xlsx = app.test_db.dir.path().join("结果.xlsx");
    let output = Command::new(env!("CARGO_BIN_EXE_shenhe"))
        .args(["export", "--output"])
        .arg(&xlsx)
        .env("SHENHE_DATA_DIR", app.test_db.dir.path())
        .env("SHENHE_DATABASE_URL", &app.test_db.url)
        .env("SHENHE_STORAGE_URL", app.test_db.storage_url())
        .env("SHENHE_LOG", "warn")
        .output()
        .expect("running shenhe");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let all = utf8_csv(&export(&admin, "").await.expect(200));
    assert_eq!(read_xlsx(&std::fs::read(&xlsx).unwrap()), all);

    let audit = admin
        .get("/api/v1/admin/audit?action=results_exported")
        .await
        .expect(200)
        .json();
    let by_cli: Vec<&Value> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["actor_kind"] == "cli")
        .collect();
    assert_eq!(by_cli.len(), 2, "{audit}");
    assert_eq!(by_cli[0]["detail"]["format"], "xlsx");
}

async fn the_admin_page_downloads_and_reviewers_stay_out(backend: Backend) {
    let app = review_app(backend).await;
    decided(&app).await;
    let admin = staff(&app, ADMIN.0).await;
    let page = admin.get("/admin/results").await.expect(200).text();
    assert!(page.contains("导出审核结果"), "{page}");
    assert!(page.contains("action=\"/admin/results/export\""));

    let file = admin
        .get("/admin/results/export?exam=&status=approved&format=xlsx&encoding=utf-8")
        .await
        .expect(200);
    let rows = read_xlsx(&file.bytes);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][1], LI_HUA.id_number);
    let refused = admin
        .get("/admin/results/export?status=whatever")
        .await
        .expect(422)
        .text();
    assert!(refused.contains("不支持的审核状态"), "{refused}");

    let reviewer = staff(&app, REVIEWER.0).await;
    reviewer
        .get("/api/v1/admin/export?format=csv")
        .await
        .expect(403);
    reviewer.get("/admin/results").await.expect(403);
    reviewer
        .get("/admin/results/export?format=csv")
        .await
        .expect(403);
    let anonymous = Portal::new(&app);
    anonymous.get("/api/v1/admin/export").await.expect(401);
    let mut candidate = Portal::new(&app);
    candidate
        .login(LI_HUA.id_number, NEW_PASSWORD)
        .await
        .expect(200);
    candidate.get("/api/v1/admin/export").await.expect(403);
}
