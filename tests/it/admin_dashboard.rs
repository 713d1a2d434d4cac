//! The admin dashboard and its API, on both databases: the numbers move as candidates
//! submit and reviewers decide; the page and its chart render; only admins see them.

use serde_json::{Value, json};
use time::{Duration, OffsetDateTime, UtcOffset};

use crate::helpers::{Backend, on_both_databases};
use crate::portal_client::{LI_HUA, LI_MING, Portal, Reply};
use crate::review_client::{ADMIN, REVIEWER, candidate_id, review_app, staff, submitted};

on_both_databases!(
    the_numbers_move_as_candidates_submit_and_reviewers_decide,
    a_second_review_that_differs_is_counted_and_listed,
    only_admins_see_the_dashboard,
);

async fn stats(admin: &Portal) -> Value {
    admin.get("/api/v1/admin/stats").await.expect(200).json()
}

/// Claims the next case and decides it with every material fine (`approve`, `reject`) or
/// the first one returned (`return`); the case's id.
async fn claim_and_decide(reviewer: &Portal, outcome: &str) -> i64 {
    let case = Portal::send(reviewer.post("/api/v1/review/claim"))
        .await
        .expect(200)
        .json();
    let id = case["id"].as_i64().expect("a case id");
    let materials: Vec<Value> = case["materials"]
        .as_array()
        .expect("materials")
        .iter()
        .enumerate()
        .map(|(i, m)| match (outcome, i) {
            ("return", 0) => json!({"code": m["code"], "ok": false,
                "reason": "其他（请说明）", "note": "照片模糊"}),
            _ => json!({"code": m["code"], "ok": true}),
        })
        .collect();
    Portal::send(
        reviewer
            .post(&format!("/api/v1/review/cases/{id}/decision"))
            .json(&json!({"outcome": outcome, "materials": materials, "comment": "测试"})),
    )
    .await
    .expect(200);
    id
}

/// Today and the first day of the 30-day series, Beijing time, as `YYYY-MM-DD`.
fn beijing_days() -> (String, String) {
    let today = OffsetDateTime::now_utc()
        .to_offset(UtcOffset::from_hms(8, 0, 0).unwrap())
        .date();
    let first = today - Duration::days(29);
    (today.to_string(), first.to_string())
}

fn count_of(stats: &Value, status: &str) -> i64 {
    stats["by_status"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["status"] == status)
        .unwrap_or_else(|| panic!("no {status} in {stats}"))["count"]
        .as_i64()
        .unwrap()
}

fn category<'a>(stats: &'a Value, code: &str) -> &'a Value {
    stats["by_category"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"] == code)
        .unwrap_or_else(|| panic!("no {code} in {stats}"))
}

async fn the_numbers_move_as_candidates_submit_and_reviewers_decide(backend: Backend) {
    let app = review_app(backend).await;
    let admin = staff(&app, ADMIN.0).await;
    let (today, first_day) = beijing_days();

    let before = stats(&admin).await;
    assert_eq!(before["exam_code"], "WH2023H2");
    assert_eq!(before["total"], 7);
    assert_eq!(count_of(&before, "draft"), 7);
    assert_eq!(before["days"].as_array().unwrap().len(), 30);
    assert_eq!(before["days"][0]["day"], first_day.as_str());
    assert_eq!(
        before["today"],
        json!({"day": today, "submissions": 0, "decisions": 0})
    );
    assert_eq!(before["reviewers"], json!([]));
    assert_eq!(before["longest_waits"], json!([]));
    // 张明 is not eligible here: a line of his own, without a category code.
    let not_eligible = before["by_category"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"].is_null())
        .expect("a line for candidates not eligible");
    assert_eq!(not_eligible["total"], 1);

    submitted(&app, &LI_MING).await;
    submitted(&app, &LI_HUA).await;
    let waiting = stats(&admin).await;
    assert_eq!(count_of(&waiting, "draft"), 5);
    assert_eq!(count_of(&waiting, "submitted"), 2);
    assert_eq!(waiting["today"]["submissions"], 2);
    assert_eq!(
        category(&waiting, "student_in_wuhan")["by_status"]["submitted"],
        1
    );
    let waits: Vec<&str> = waiting["longest_waits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(waits, [LI_MING.name, LI_HUA.name], "the longest wait first");
    assert_eq!(
        waiting["longest_waits"][0]["candidate_id"],
        candidate_id(&app, &LI_MING).await
    );
    let page = admin.get("/admin").await.expect(200).text();
    assert!(page.contains("等待最久的考生"), "{page}");
    let case_link = format!("/review/cases/{}", candidate_id(&app, &LI_MING).await);
    assert!(
        page.contains(&case_link),
        "the longest wait links to its case"
    );

    let reviewer = staff(&app, REVIEWER.0).await;
    assert_eq!(
        claim_and_decide(&reviewer, "approve").await,
        candidate_id(&app, &LI_MING).await
    );
    claim_and_decide(&reviewer, "return").await;
    let decided = stats(&admin).await;
    assert_eq!(count_of(&decided, "submitted"), 0);
    assert_eq!(count_of(&decided, "approved"), 1);
    assert_eq!(count_of(&decided, "returned"), 1);
    assert_eq!(decided["today"]["decisions"], 2);
    assert_eq!(decided["longest_waits"], json!([]));
    let throughput = &decided["reviewers"][0];
    assert_eq!(throughput["reviewer"], REVIEWER.0);
    for (key, n) in [
        ("today", 2),
        ("last_7_days", 2),
        ("total", 2),
        ("approved", 1),
        ("returned", 1),
        ("rejected", 0),
    ] {
        assert_eq!(throughput[key], n, "{key}: {throughput}");
    }
    assert!(
        throughput["median_minutes"]
            .as_f64()
            .is_some_and(|m| m >= 0.0)
    );

    // The page shows the same numbers, and its chart is an SVG drawn for these days.
    let page = admin.get("/admin").await.expect(200).text();
    for words in [
        "各类别、各状态人数",
        "审核员工作量",
        "今日审核决定",
        "/admin/charts/daily.svg",
    ] {
        assert!(page.contains(words), "{words} missing");
    }
    assert!(
        page.contains("<th scope=\"row\">reviewer</th><td>2</td>"),
        "{page}"
    );
    let chart = admin
        .get("/admin/charts/daily.svg?exam=WH2023H2")
        .await
        .expect(200);
    assert!(
        chart
            .header("content-type")
            .unwrap()
            .starts_with("image/svg+xml")
    );
    let svg = chart.text();
    assert!(
        svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
        "{svg}"
    );
    assert!(
        svg.contains(&first_day[5..]),
        "the first day is labelled: {svg}"
    );
    assert!(svg.contains("审核决定"));
}

async fn a_second_review_that_differs_is_counted_and_listed(backend: Backend) {
    let app = review_app(backend).await;
    let admin = staff(&app, ADMIN.0).await;
    submitted(&app, &LI_MING).await;
    // A rejection waits for a second reviewer: still waiting, as 复核中.
    claim_and_decide(&staff(&app, REVIEWER.0).await, "reject").await;
    let waiting = stats(&admin).await;
    assert_eq!(count_of(&waiting, "in_review"), 1);
    assert_eq!(waiting["longest_waits"][0]["status"], "in_review");
    assert_eq!(waiting["disagreements"]["count"], 0);

    claim_and_decide(&staff(&app, "wang").await, "approve").await;
    let after = stats(&admin).await;
    assert_eq!(after["disagreements"]["count"], 1);
    let latest = &after["disagreements"]["latest"][0];
    assert_eq!(latest["name"], LI_MING.name);
    assert_eq!(latest["first_outcome"], "rejected");
    assert_eq!(latest["second_outcome"], "approved");
    let names: Vec<&str> = after["reviewers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reviewer"].as_str().unwrap())
        .collect();
    assert_eq!(names, [REVIEWER.0, "wang"]);
    assert_eq!(after["today"]["decisions"], 2);
    let page = admin.get("/admin").await.expect(200).text();
    assert!(page.contains("复核与初审不一致（共 1 位）"), "{page}");
}

async fn only_admins_see_the_dashboard(backend: Backend) {
    let app = review_app(backend).await;
    let reviewer = staff(&app, REVIEWER.0).await;
    for path in ["/admin", "/admin/charts/daily.svg", "/api/v1/admin/stats"] {
        reviewer.get(path).await.expect(403);
    }
    let anonymous = Portal::new(&app);
    anonymous.get("/api/v1/admin/stats").await.expect(401);
    let page: Reply = anonymous.get("/admin").await;
    assert!(page.status.is_redirection(), "a visitor is sent to sign in");

    let admin = staff(&app, ADMIN.0).await;
    let unknown = admin.get("/api/v1/admin/stats?exam=NOPE").await.expect(404);
    assert!(unknown.error().contains("考试代码"), "{}", unknown.error());
    admin.get("/admin?exam=NOPE").await.expect(404);
    let doc = app.get("/api/v1/openapi.json").await.text().await.unwrap();
    assert!(doc.contains("/api/v1/admin/stats"));
}
