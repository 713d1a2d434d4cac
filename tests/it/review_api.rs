//! The review workspace over its JSON API, on both databases: atomic claims, the return →
//! fix → resubmit → approve round trip, second review, who may do what, and the audit trail.

use std::collections::HashSet;

use serde_json::{Value, json};
use shenhe::db::Db;
use shenhe::db::audit::{Actor, AuditEntry};
use shenhe::db::images::NewImage;
use shenhe::db::review::{Decided, NewDecision};
use shenhe::db::staff::Role;
use shenhe::domain::review::{Marks, Outcome};
use shenhe::domain::rules::ExamConfig;

use crate::helpers::{Backend, TestApp, on_both_databases};
use crate::import::id;
use crate::photos::small_jpeg;
use crate::portal_client::{Candidate, LI_HUA, LI_MING, Portal, Reply, material};
use crate::review_client::{ADMIN, REVIEWER, candidate_id, review_app, staff, submitted};

on_both_databases!(
    many_reviewers_claiming_at_once_never_get_the_same_case,
    a_returned_case_comes_back_fixed_and_is_approved,
    a_case_claimed_by_another_cannot_be_decided_or_released,
    a_claim_without_activity_goes_back_to_the_queue,
    decisions_that_contradict_their_marks_are_refused,
    rejections_and_sampled_approvals_go_to_a_second_reviewer,
    candidates_and_reviewers_stay_out_of_what_is_not_theirs,
    every_look_and_decision_is_in_the_audit_log,
    the_queue_filters_counts_and_pages,
    personal_searches_go_in_a_body_never_in_a_url,
    bad_search_fields_are_refused_not_dropped,
);

/// A JSON `POST` carrying the session's CSRF token.
async fn post_json(portal: &Portal, path: &str, body: Value) -> Reply {
    Portal::send(portal.post(path).json(&body)).await
}

async fn claim(reviewer: &Portal) -> Reply {
    Portal::send(reviewer.post("/api/v1/review/claim")).await
}

async fn decide(reviewer: &Portal, case: i64, body: Value) -> Reply {
    Portal::send(
        reviewer
            .post(&format!("/api/v1/review/cases/{case}/decision"))
            .json(&body),
    )
    .await
}

/// Marks for every material of a case JSON: all fine except `failed` (code, reason, note).
fn marks(case: &Value, failed: &[(&str, &str, Option<&str>)]) -> Value {
    let marks: Vec<Value> = case["materials"]
        .as_array()
        .expect("materials")
        .iter()
        .map(|m| {
            let code = m["code"].as_str().unwrap();
            match failed.iter().find(|(c, _, _)| *c == code) {
                Some((_, reason, note)) => {
                    json!({"code": code, "ok": false, "reason": reason, "note": note})
                }
                None => json!({"code": code, "ok": true}),
            }
        })
        .collect();
    Value::Array(marks)
}

/// Candidates numbered `range` in the demo exam, submitted with one (blob-less) image per
/// material, in submission order. The queue never reads blobs, so none are written.
pub(crate) async fn many_submitted(db: &Db, range: std::ops::Range<usize>) -> Vec<i64> {
    let exam = db.current_exam().await.unwrap().unwrap();
    let mut csv = "报名号,身份证号,姓名,电子邮箱,学校,是否在校生,户口所在地,报考学科\n".to_string();
    for i in range.clone() {
        let id_number = id(&format!("42010219950101{i:03}"));
        csv.push_str(&format!(
            "77{i:08},{id_number},考生{i},c{i}@example.com,武汉大学,是,湖北武汉,小学/语文\n"
        ));
    }
    let roster = shenhe::roster::from_bytes(csv.into_bytes()).unwrap();
    let report =
        shenhe::import::import_roster(db, &exam, roster, false, indicatif::ProgressBar::hidden())
            .await
            .unwrap();
    assert_eq!(report.refused, 0, "{report}");
    let rules = ExamConfig::default_config();
    let mut ids = Vec::new();
    for i in range {
        let id_number = id(&format!("42010219950101{i:03}"));
        let row = db
            .find_candidate_by_id_number(exam.id, &id_number)
            .await
            .unwrap()
            .unwrap();
        let category = rules
            .category(row.facts.category.as_deref().unwrap())
            .unwrap();
        let required: Vec<String> = category
            .materials
            .iter()
            .map(|m| m.material.clone())
            .collect();
        for code in &required {
            let key = uuid::Uuid::new_v4();
            db.insert_image(
                &NewImage {
                    candidate_id: row.id,
                    material: code.clone(),
                    blob_key: format!("test/{key}"),
                    thumb_key: format!("test/{key}.thumb"),
                    byte_size: 1,
                    width: 1,
                    height: 1,
                    sha256: String::new(),
                },
                10,
            )
            .await
            .unwrap()
            .unwrap();
        }
        db.submit(row.id, &required).await.unwrap();
        ids.push(row.id);
    }
    ids
}

async fn many_reviewers_claiming_at_once_never_get_the_same_case(backend: Backend) {
    let app = review_app(backend).await;
    let cases = many_submitted(app.db(), 0..40).await;
    let exam = app.db().current_exam().await.unwrap().unwrap();

    // Twelve reviewers on the database directly, each claiming and deciding until the
    // queue is empty: every case is decided exactly once.
    let mut reviewers = Vec::new();
    for i in 0..12 {
        let hash = "not-used".to_string();
        let row = app
            .db()
            .save_staff(&format!("r{i}"), &hash, Role::Reviewer, false)
            .await
            .unwrap();
        reviewers.push(row.id);
    }
    let mut tasks = Vec::new();
    for reviewer in reviewers {
        let db = app.db().clone();
        tasks.push(tokio::spawn(async move {
            let mut decided = Vec::new();
            loop {
                let now = shenhe::db::now();
                let cutoff = now - time::Duration::minutes(30);
                let audit = AuditEntry {
                    actor: Actor::Staff(reviewer),
                    action: "case_claimed",
                    candidate_id: None,
                    ip: None,
                    detail: None,
                };
                let claimed = db
                    .claim_next(exam.id, reviewer, now, cutoff, &audit)
                    .await
                    .unwrap();
                let Some((case, true)) = claimed else {
                    assert_eq!(claimed, None, "a held case comes back only while held");
                    return decided;
                };
                let result = db
                    .decide(&NewDecision {
                        candidate_id: case,
                        reviewer_id: reviewer,
                        outcome: Outcome::Approved,
                        marks: &Marks::default(),
                        comment: None,
                        resubmit_by: None,
                        needs_second_review: false,
                        audit: AuditEntry {
                            actor: Actor::Staff(reviewer),
                            action: "decided",
                            candidate_id: Some(case),
                            ip: None,
                            detail: None,
                        },
                    })
                    .await
                    .unwrap();
                assert_eq!(result, Decided::Final { disagrees: false }, "case {case}");
                decided.push(case);
            }
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    let distinct: HashSet<i64> = all.iter().copied().collect();
    assert_eq!(all.len(), distinct.len(), "a case was handed out twice");
    assert_eq!(distinct, cases.iter().copied().collect::<HashSet<_>>());

    // Over HTTP: eight reviewers press 领取下一位 at the same moment.
    let more = many_submitted(app.db(), 40..48).await;
    let mut clients = Vec::new();
    for i in 0..8 {
        clients.push(staff(&app, &format!("h{i}")).await);
    }
    let replies =
        futures::future::join_all(clients.iter().map(|c| async move { claim(c).await })).await;
    let got: Vec<i64> = replies
        .into_iter()
        .map(|r| r.expect(200).json()["id"].as_i64().expect("a case id"))
        .collect();
    assert_eq!(
        got.iter().copied().collect::<HashSet<_>>(),
        more.iter().copied().collect::<HashSet<_>>(),
        "eight claims, eight different cases"
    );
    // The queue is empty now for a ninth reviewer; the first still holds theirs.
    claim(&staff(&app, "h8").await).await.expect(204);
    assert_eq!(claim(&clients[0]).await.expect(200).json()["id"], got[0]);
}

async fn a_returned_case_comes_back_fixed_and_is_approved(backend: Backend) {
    let app = review_app(backend).await;
    let candidate = submitted(&app, &LI_MING).await;
    let reviewer = staff(&app, REVIEWER.0).await;

    let case = claim(&reviewer).await.expect(200).json();
    assert_eq!(case["name"], LI_MING.name);
    assert_eq!(case["can_decide"], true);
    assert_eq!(case["resubmission"], false);
    assert!(
        case["explanation"]
            .as_array()
            .is_some_and(|e| !e.is_empty()),
        "{case}"
    );
    assert!(case["reasons"].as_array().unwrap().len() >= 7);
    let id = case["id"].as_i64().unwrap();
    let first_image = case["materials"][0]["images"][0]["url"].as_str().unwrap();
    let image = reviewer.get(first_image).await.expect(200);
    assert_eq!(image.header("content-type"), Some("image/jpeg"));
    assert_eq!(image.header("cache-control"), Some("private, no-store"));

    let returned = decide(
        &reviewer,
        id,
        json!({
            "outcome": "return",
            "materials": marks(&case, &[("student_status", "其他（请说明）", Some("缺少学籍管理部门盖章"))]),
            "comment": "请补充盖章页",
        }),
    )
    .await
    .expect(200);
    assert_eq!(returned.json()["status"], "returned");

    let me = candidate.me().await;
    assert_eq!(me["status"], "returned");
    assert_eq!(
        material(&me, "student_status")["review"]["reason"],
        "其他：缺少学籍管理部门盖章"
    );
    assert!(me["decision"]["resubmit_deadline"].is_string(), "{me}");
    // Only the returned material can change.
    candidate
        .upload("id_card", small_jpeg(), "a.jpg")
        .await
        .expect(409);
    let old = material(&me, "student_status")["images"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    candidate.delete(&old).await.expect(204);
    let fixed = candidate.upload_ok("student_status", small_jpeg()).await;
    candidate.submit().await.expect(200);

    let case = claim(&reviewer).await.expect(200).json();
    assert_eq!(case["id"], id);
    assert_eq!(case["resubmission"], true);
    assert_eq!(case["round"], 2);
    assert_eq!(case["previous"]["outcome"], "returned");
    assert_eq!(
        case["previous"]["marks"]["student_status"]["note"],
        "缺少学籍管理部门盖章"
    );
    let status_images = &material(&case, "student_status")["images"];
    assert_eq!(status_images[0]["id"], fixed["id"]);
    assert_eq!(status_images[0]["new"], true);
    assert_eq!(material(&case, "id_card")["images"][0]["new"], false);

    let approved = decide(
        &reviewer,
        id,
        json!({"outcome": "approve", "materials": marks(&case, &[])}),
    )
    .await
    .expect(200);
    assert_eq!(approved.json()["status"], "approved");
    let me = candidate.me().await;
    assert_eq!(me["status"], "approved");
    assert_eq!(me["decision"]["outcome"], "approved");
    // Decided cases leave the queue.
    claim(&reviewer).await.expect(204);
}

async fn a_case_claimed_by_another_cannot_be_decided_or_released(backend: Backend) {
    let app = review_app(backend).await;
    submitted(&app, &LI_MING).await;
    let first = staff(&app, REVIEWER.0).await;
    let second = staff(&app, "wang").await;
    let case = claim(&first).await.expect(200).json();
    let id = case["id"].as_i64().unwrap();

    // The second reviewer sees the case but may not touch it.
    let seen = second
        .get(&format!("/api/v1/review/cases/{id}"))
        .await
        .expect(200)
        .json();
    assert_eq!(seen["can_decide"], false);
    assert_eq!(seen["claimed_by"], REVIEWER.0);
    let refused = decide(
        &second,
        id,
        json!({"outcome": "approve", "materials": marks(&case, &[])}),
    )
    .await
    .expect(409);
    assert!(refused.error().contains(REVIEWER.0), "{}", refused.error());
    Portal::send(second.post(&format!("/api/v1/review/cases/{id}/claim")))
        .await
        .expect(409);
    Portal::send(second.post(&format!("/api/v1/review/cases/{id}/release")))
        .await
        .expect(409);
    claim(&second).await.expect(204);
    assert_eq!(candidate_status(&app, &LI_MING).await, "submitted");

    // Released, it is the next reviewer's.
    Portal::send(first.post(&format!("/api/v1/review/cases/{id}/release")))
        .await
        .expect(204);
    assert_eq!(claim(&second).await.expect(200).json()["id"], id);
    decide(
        &first,
        id,
        json!({"outcome": "approve", "materials": marks(&case, &[])}),
    )
    .await
    .expect(409);
}

async fn candidate_status(app: &TestApp, who: &Candidate) -> String {
    let id = candidate_id(app, who).await;
    app.db().find_candidate(id).await.unwrap().unwrap().status
}

async fn a_claim_without_activity_goes_back_to_the_queue(backend: Backend) {
    let app = review_app(backend).await;
    submitted(&app, &LI_MING).await;
    let id = candidate_id(&app, &LI_MING).await;
    let away = app.db().find_staff(REVIEWER.0).await.unwrap().unwrap();
    // Claimed 31 minutes ago and not touched since.
    let then = shenhe::db::now() - time::Duration::minutes(31);
    assert!(
        app.db()
            .claim_case(id, away.id, then, then - time::Duration::minutes(30))
            .await
            .unwrap()
    );
    let other = staff(&app, "li").await;
    let case = claim(&other).await.expect(200).json();
    assert_eq!(case["id"], id);
    assert_eq!(case["claimed_by"], "li");
    // The reviewer who walked away can no longer decide it.
    let back = staff(&app, REVIEWER.0).await;
    decide(
        &back,
        id,
        json!({"outcome": "approve", "materials": marks(&case, &[])}),
    )
    .await
    .expect(409);
}

async fn decisions_that_contradict_their_marks_are_refused(backend: Backend) {
    let app = review_app(backend).await;
    submitted(&app, &LI_HUA).await;
    let reviewer = staff(&app, REVIEWER.0).await;
    let case = claim(&reviewer).await.expect(200).json();
    let id = case["id"].as_i64().unwrap();
    let cases = [
        (
            json!({"outcome": "approve", "materials": marks(&case, &[("hukou_book", "缺页或不完整", None)])}),
            "不能审核通过",
        ),
        (
            json!({"outcome": "return", "materials": marks(&case, &[])}),
            "至少将一项材料",
        ),
        (
            json!({"outcome": "return", "materials": marks(&case, &[("hukou_book", "其他（请说明）", None)])}),
            "具体说明",
        ),
        (
            json!({"outcome": "return", "materials": marks(&case, &[("hukou_book", "看着不对", None)])}),
            "原因列表",
        ),
        (
            json!({"outcome": "reject", "materials": marks(&case, &[])}),
            "理由",
        ),
        (
            json!({"outcome": "approve", "materials": []}),
            "还没有审核意见",
        ),
        (
            json!({"outcome": "maybe", "materials": marks(&case, &[])}),
            "approve",
        ),
        (
            json!({"outcome": "return", "materials": marks(&case, &[("hukou_book", "图片模糊不清", None)]), "resubmit_by": "2001-01-01T00:00:00Z"}),
            "晚于现在",
        ),
    ];
    for (body, expected) in cases {
        let refused = decide(&reviewer, id, body.clone()).await.expect(422);
        assert!(
            refused.error().contains(expected),
            "{body}: {}",
            refused.error()
        );
    }
    // Malformed JSON gets the API's Chinese 422, too.
    let malformed = Portal::send(
        reviewer
            .post(&format!("/api/v1/review/cases/{id}/decision"))
            .header("content-type", "application/json")
            .body("{\"outcome\":"),
    )
    .await
    .expect(422);
    assert!(!malformed.error().is_empty());
    assert_eq!(candidate_status(&app, &LI_HUA).await, "submitted");
    // Still claimed, so the right decision goes through.
    decide(
        &reviewer,
        id,
        json!({"outcome": "approve", "materials": marks(&case, &[])}),
    )
    .await
    .expect(200);
}

async fn rejections_and_sampled_approvals_go_to_a_second_reviewer(backend: Backend) {
    let app = review_app(backend).await;
    let li_ming = submitted(&app, &LI_MING).await;
    submitted(&app, &LI_HUA).await;
    let first = staff(&app, REVIEWER.0).await;
    let second = staff(&app, "zhao").await;

    // A rejection always waits for a second reviewer, never the first.
    let case = claim(&first).await.expect(200).json();
    assert_eq!(case["name"], LI_MING.name);
    let id = case["id"].as_i64().unwrap();
    let rejected = decide(
        &first,
        id,
        json!({"outcome": "reject", "materials": marks(&case, &[]), "comment": "非本人材料"}),
    )
    .await
    .expect(200);
    assert_eq!(rejected.json()["second_review"], true);
    let me = li_ming.me().await;
    assert_eq!(me["status"], "in_review");
    assert!(
        me["decision"].is_null(),
        "no decision before the second review: {me}"
    );
    // The first reviewer is handed the other case instead.
    let other = claim(&first).await.expect(200).json();
    assert_eq!(other["name"], LI_HUA.name);
    Portal::send(first.post(&format!("/api/v1/review/cases/{id}/claim")))
        .await
        .expect(409);

    // With every approval sampled, the first reviewer's approval waits too.
    app.db()
        .set_setting("second_review_share", "1")
        .await
        .unwrap();
    let approved = decide(
        &first,
        other["id"].as_i64().unwrap(),
        json!({"outcome": "approve", "materials": marks(&other, &[])}),
    )
    .await
    .expect(200);
    assert_eq!(approved.json()["second_review"], true);

    // The second reviewer gets both, sees the first decision, and decides finally.
    let review = claim(&second).await.expect(200).json();
    assert_eq!(review["second_review"], true);
    assert_eq!(review["first_decision"]["reviewer"], REVIEWER.0);
    let review_id = review["id"].as_i64().unwrap();
    let approve = json!({"outcome": "approve", "materials": marks(&review, &[])});
    let result = decide(&second, review_id, approve).await.expect(200);
    assert_eq!(
        result.json()["second_review"],
        false,
        "a second review is final"
    );
    let next = claim(&second).await.expect(200).json();
    decide(
        &second,
        next["id"].as_i64().unwrap(),
        json!({"outcome": "approve", "materials": marks(&next, &[])}),
    )
    .await
    .expect(200);
    assert_eq!(li_ming.me().await["status"], "approved");

    // Overturning the rejection is a disagreement an admin sees.
    let admin = staff(&app, ADMIN.0).await;
    let disagreements = admin
        .get("/api/v1/admin/disagreements")
        .await
        .expect(200)
        .json();
    let list = disagreements.as_array().unwrap();
    assert_eq!(list.len(), 1, "{disagreements}");
    assert_eq!(list[0]["candidate_id"], id);
    assert_eq!(list[0]["first_outcome"], "rejected");
    assert_eq!(list[0]["second_outcome"], "approved");
    assert_eq!(list[0]["second_reviewer"], "zhao");
}

async fn candidates_and_reviewers_stay_out_of_what_is_not_theirs(backend: Backend) {
    let app = review_app(backend).await;
    let candidate = submitted(&app, &LI_MING).await;
    let id = candidate_id(&app, &LI_MING).await;
    let image = candidate.me().await["materials"][0]["images"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let reviewer = staff(&app, REVIEWER.0).await;
    let anonymous = Portal::new(&app);

    let gets = [
        "/api/v1/review/queue".to_string(),
        format!("/api/v1/review/cases/{id}"),
        format!("/api/v1/review/images/{image}"),
        format!("/api/v1/review/images/{image}/thumb"),
        "/api/v1/admin/audit".to_string(),
        "/api/v1/admin/disagreements".to_string(),
    ];
    let posts = [
        "/api/v1/review/claim".to_string(),
        format!("/api/v1/review/cases/{id}/claim"),
        format!("/api/v1/review/cases/{id}/release"),
        format!("/api/v1/review/cases/{id}/decision"),
    ];
    for path in &gets {
        anonymous.get(path).await.expect(401);
        candidate.get(path).await.expect(403);
    }
    for path in &posts {
        Portal::send(anonymous.post(path).json(&json!({})))
            .await
            .expect(401);
        Portal::send(candidate.post(path).json(&json!({})))
            .await
            .expect(403);
    }
    // A reviewer is not an admin.
    reviewer.get("/api/v1/admin/audit").await.expect(403);
    reviewer
        .get("/api/v1/admin/disagreements")
        .await
        .expect(403);
    // And a staff session is no candidate: the candidate's own image route refuses it.
    reviewer
        .get(&format!("/api/v1/images/{image}"))
        .await
        .expect(403);
    // Without the CSRF token a reviewer's claim is refused.
    Portal::send(reviewer.client.post(reviewer.url("/api/v1/review/claim")))
        .await
        .expect(403);
    assert_eq!(candidate_status(&app, &LI_MING).await, "submitted");
}

async fn every_look_and_decision_is_in_the_audit_log(backend: Backend) {
    let app = review_app(backend).await;
    submitted(&app, &LI_MING).await;
    let id = candidate_id(&app, &LI_MING).await;
    let mut wrong = Portal::new(&app);
    wrong
        .login(REVIEWER.0, "not-the-password")
        .await
        .expect(401);
    let reviewer = staff(&app, REVIEWER.0).await;
    let case = claim(&reviewer).await.expect(200).json();
    reviewer
        .get(case["materials"][0]["images"][0]["url"].as_str().unwrap())
        .await
        .expect(200);
    reviewer
        .get(
            case["materials"][0]["images"][0]["thumb_url"]
                .as_str()
                .unwrap(),
        )
        .await
        .expect(200);
    Portal::send(reviewer.post(&format!("/api/v1/review/cases/{id}/release")))
        .await
        .expect(204);
    Portal::send(reviewer.post(&format!("/api/v1/review/cases/{id}/claim")))
        .await
        .expect(200);
    decide(
        &reviewer,
        id,
        json!({"outcome": "return", "materials": marks(&case, &[("id_card", "证件已过期", None)])}),
    )
    .await
    .expect(200);

    let admin = staff(&app, ADMIN.0).await;
    let searches_before = audit_searches(&app).await.len();
    let search = |query: String| {
        let admin = &admin;
        async move {
            admin
                .get(&format!("/api/v1/admin/audit?{query}"))
                .await
                .expect(200)
                .json()["items"]
                .as_array()
                .unwrap()
                .clone()
        }
    };
    let by_reviewer = search(format!("staff={}", REVIEWER.0)).await;
    let actions: HashSet<&str> = by_reviewer
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in [
        "signed_in",
        "login_failed",
        "case_claimed",
        "case_viewed",
        "image_viewed",
        "case_released",
        "decided",
    ] {
        assert!(actions.contains(action), "no {action} in {actions:?}");
    }
    let views = search("action=image_viewed".to_string()).await;
    assert_eq!(views.len(), 2, "the image and its thumbnail");
    assert!(
        views
            .iter()
            .all(|v| v["candidate_id"] == id && v["ip"].is_string())
    );
    assert!(views.iter().all(|v| v["actor_name"] == REVIEWER.0));

    // Searching by the candidate's ID number (in a body) finds what they did and what was
    // done to them, and no entry holds the ID number itself.
    let about = post_json(
        &admin,
        "/api/v1/admin/audit/search",
        json!({ "candidate": LI_MING.id_number }),
    )
    .await
    .expect(200)
    .json()["items"]
        .as_array()
        .unwrap()
        .clone();
    let kinds: HashSet<&str> = about
        .iter()
        .map(|e| e["actor_kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains("candidate") && kinds.contains("staff"),
        "{kinds:?}"
    );
    assert!(about.iter().any(|e| e["action"] == "submitted"));
    let all = admin.get("/api/v1/admin/audit").await.expect(200).text();
    assert!(
        !all.contains(LI_MING.id_number),
        "an ID number in the audit log"
    );
    let decided = search("action=decided".to_string()).await;
    assert_eq!(decided[0]["detail"]["outcome"], "returned");
    assert_eq!(decided[0]["candidate_name"], LI_MING.name);
    admin
        .get("/api/v1/admin/audit?from=yesterday")
        .await
        .expect(422);

    // Each search of the log is itself in the log, by its shape: never the ID number.
    let searches = audit_searches(&app).await;
    assert_eq!(searches.len() - searches_before, 5, "{searches:?}");
    let by_id = searches
        .iter()
        .find(|d| d.contains("\"candidate\""))
        .expect("the search by ID number is recorded");
    assert!(by_id.contains("\"id_number\""), "{by_id}");
    assert!(searches.iter().all(|d| !d.contains(LI_MING.id_number)));
    let all = admin.get("/api/v1/admin/audit").await.expect(200).json();
    assert_eq!(all["items"][0]["action"], "audit_searched");
    assert_eq!(all["items"][0]["actor_name"], ADMIN.0);
}

/// The details of the `audit_searched` entries, oldest first.
async fn audit_searches(app: &TestApp) -> Vec<String> {
    let mut rows = app.db().recent_audit(1000).await.unwrap();
    rows.reverse();
    rows.into_iter()
        .filter(|r| r.action == "audit_searched")
        .map(|r| r.detail.unwrap_or_default())
        .collect()
}

async fn the_queue_filters_counts_and_pages(backend: Backend) {
    let app = review_app(backend).await;
    let cases = many_submitted(app.db(), 0..60).await;
    let reviewer = staff(&app, REVIEWER.0).await;
    let page = |query: &'static str| {
        let reviewer = &reviewer;
        async move {
            reviewer
                .get(&format!("/api/v1/review/queue?{query}"))
                .await
                .expect(200)
                .json()
        }
    };
    let first = page("status=submitted").await;
    assert_eq!(first["total"], 60);
    assert_eq!(first["counts"]["submitted"], 60);
    assert_eq!(first["items"].as_array().unwrap().len(), 50);
    assert_eq!(first["items"][0]["id"], cases[0], "oldest first");
    assert!(
        first["items"][0]["id_number"]
            .as_str()
            .unwrap()
            .contains("****"),
        "ID numbers are masked in the queue"
    );
    let second = page("status=submitted&page=2").await;
    assert_eq!(second["items"].as_array().unwrap().len(), 10);
    assert_eq!(second["items"][9]["id"], cases[59]);

    let search = |body: Value| {
        let reviewer = &reviewer;
        async move {
            post_json(reviewer, "/api/v1/review/queue/search", body)
                .await
                .expect(200)
                .json()
        }
    };
    let by_name = search(json!({"q": "考生7"})).await;
    assert_eq!(by_name["total"], 1);
    assert_eq!(by_name["items"][0]["id"], cases[7]);
    let by_registration = search(json!({"q": "7700000012", "status": "submitted"})).await;
    assert_eq!(by_registration["items"][0]["id"], cases[12]);
    let second_page = search(json!({"status": "submitted", "page": 2})).await;
    assert_eq!(second_page["items"].as_array().unwrap().len(), 10);
    assert_eq!(page("category=no_such_category").await["total"], 0);
    assert_eq!(page("school=武汉大学&status=submitted").await["total"], 60);
    assert_eq!(page("status=approved").await["total"], 0);

    // A claimed case says by whom.
    let claimed = claim(&reviewer).await.expect(200).json();
    let listed = page("status=submitted").await;
    assert_eq!(listed["items"][0]["id"], claimed["id"]);
    assert_eq!(listed["items"][0]["claimed_by"], REVIEWER.0);

    for bad in ["status=nonsense", "from=2023-13-01"] {
        let refused = reviewer
            .get(&format!("/api/v1/review/queue?{bad}"))
            .await
            .expect(422);
        assert!(!refused.error().is_empty());
    }
    // Today's submissions, by Beijing date.
    let today = (shenhe::db::now() + time::Duration::hours(8)).date();
    let dated = reviewer
        .get(&format!(
            "/api/v1/review/queue?status=submitted&from={today}&to={today}"
        ))
        .await
        .expect(200)
        .json();
    assert_eq!(dated["total"], 60);
}

async fn personal_searches_go_in_a_body_never_in_a_url(backend: Backend) {
    let app = review_app(backend).await;
    submitted(&app, &LI_MING).await;
    let id = candidate_id(&app, &LI_MING).await;
    let reviewer = staff(&app, REVIEWER.0).await;
    let admin = staff(&app, ADMIN.0).await;

    // In a body: found, with the number masked in the list.
    let lower = LI_MING.id_number.to_lowercase();
    for q in [LI_MING.id_number, lower.as_str(), LI_MING.name] {
        let found = post_json(&reviewer, "/api/v1/review/queue/search", json!({ "q": q }))
            .await
            .expect(200)
            .json();
        assert_eq!(found["items"][0]["id"], id, "searching {q}");
        assert!(!found.to_string().contains(LI_MING.id_number));
    }

    // In a URL: refused before anything is looked up, signed in or not, plain or
    // percent-encoded, alone or inside a longer value, under any parameter name.
    let encoded: String = LI_MING
        .id_number
        .bytes()
        .map(|b| format!("%{b:02X}"))
        .collect();
    let anonymous = Portal::new(&app);
    for (who, path) in [
        (
            &reviewer,
            format!("/api/v1/review/queue?q={}", LI_MING.id_number),
        ),
        (&reviewer, format!("/api/v1/review/queue?school={encoded}")),
        (
            &anonymous,
            format!("/api/v1/review/queue?q={}", LI_MING.id_number),
        ),
        (&admin, format!("/api/v1/admin/audit?candidate=x{lower}y")),
        (
            &admin,
            format!("/api/v1/admin/audit?staff={}", LI_MING.id_number),
        ),
        (
            &admin,
            format!("/api/v1/admin/candidates?q={}", LI_MING.id_number),
        ),
        (
            &admin,
            format!("/api/v1/admin/stats?{}=1", LI_MING.id_number),
        ),
    ] {
        let refused = who.get(&path).await.expect(422);
        assert!(
            refused.error().contains("POST"),
            "{path}: {}",
            refused.error()
        );
        assert!(!refused.text().contains(LI_MING.id_number));
    }
    // Not only an ID number: the personal search has no place in a URL at all.
    let refused = reviewer
        .get("/api/v1/review/queue?q=%E6%9D%8E%E6%98%8E")
        .await
        .expect(422);
    assert!(refused.error().contains("/api/v1/review/queue/search"));
    let refused = admin
        .get("/api/v1/admin/audit?candidate=%E6%9D%8E%E6%98%8E")
        .await
        .expect(422);
    assert!(refused.error().contains("/api/v1/admin/audit/search"));
    // The rest of the queue's filters stay in the URL.
    let listed = reviewer
        .get("/api/v1/review/queue?status=submitted&from=2000-01-01")
        .await
        .expect(200)
        .json();
    assert_eq!(listed["total"], 1);
    // The documented API says where each goes.
    let doc = reviewer
        .get("/api/v1/openapi.json")
        .await
        .expect(200)
        .json();
    for path in ["/api/v1/review/queue/search", "/api/v1/admin/audit/search"] {
        assert!(doc["paths"][path]["post"].is_object(), "{path} documented");
    }
    let params = doc["paths"]["/api/v1/review/queue"]["get"]["parameters"].to_string();
    assert!(
        params.contains("school") && !params.contains("\"q\""),
        "{params}"
    );
}

async fn bad_search_fields_are_refused_not_dropped(backend: Backend) {
    let app = review_app(backend).await;
    submitted(&app, &LI_MING).await;
    let reviewer = staff(&app, REVIEWER.0).await;
    let admin = staff(&app, ADMIN.0).await;
    let long = "学".repeat(101);
    let exactly = "学".repeat(100);

    // Control characters (NUL answered 500 on PostgreSQL) and over-long values: 422 with
    // the field named, on every search route.
    let cases = [
        (
            "/api/v1/review/queue/search",
            json!({"q": "李\u{0}明"}),
            "控制字符",
        ),
        (
            "/api/v1/review/queue/search",
            json!({"school": "武汉\u{0}"}),
            "控制字符",
        ),
        (
            "/api/v1/review/queue/search",
            json!({"category": long}),
            "最多 100 个字",
        ),
        (
            "/api/v1/admin/audit/search",
            json!({"candidate": "\u{0}"}),
            "控制字符",
        ),
        (
            "/api/v1/admin/audit/search",
            json!({"staff": "a\u{1b}b"}),
            "控制字符",
        ),
        (
            "/api/v1/admin/audit/search",
            json!({"candidate": long}),
            "最多 100 个字",
        ),
        (
            "/api/v1/admin/audit/search",
            json!({"action": long}),
            "最多 100 个字",
        ),
        (
            "/api/v1/admin/candidates/search",
            json!({"q": "李\u{0}明"}),
            "控制字符",
        ),
    ];
    for (path, body, says) in cases {
        let who = if path.contains("/admin/") {
            &admin
        } else {
            &reviewer
        };
        let refused = post_json(who, path, body.clone()).await.expect(422);
        assert!(
            refused.error().contains(says),
            "{path} {body}: {}",
            refused.error()
        );
    }
    for (who, path) in [
        (&reviewer, "/api/v1/review/queue?school=%00".to_string()),
        (&reviewer, format!("/api/v1/review/queue?school={long}")),
        (&admin, "/api/v1/admin/audit?staff=%00".to_string()),
        (&admin, format!("/api/v1/admin/audit?staff={long}")),
        (
            &admin,
            "/api/v1/admin/candidates?q=%E6%9D%8E%00".to_string(),
        ),
    ] {
        let refused = who.get(&path).await.expect(422);
        assert!(!refused.error().is_empty(), "{path}");
    }
    // At the limit, a filter still filters: nothing matches, rather than everything.
    let none = post_json(
        &admin,
        "/api/v1/admin/audit/search",
        json!({"staff": exactly}),
    )
    .await
    .expect(200)
    .json();
    assert_eq!(none["items"], json!([]));
    let none = post_json(
        &reviewer,
        "/api/v1/review/queue/search",
        json!({"school": exactly}),
    )
    .await
    .expect(200)
    .json();
    assert_eq!(none["total"], 0);
}
