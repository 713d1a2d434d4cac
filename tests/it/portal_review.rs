//! What a candidate sees and may do after a review: a return opens only the returned
//! materials until the deadline; an approval or a rejection is final and says what next.

use std::collections::BTreeMap;

use shenhe::db::audit::{Actor, AuditEntry};
use shenhe::db::review::{Decided, NewDecision};
use shenhe::domain::review::{Mark, Marks, Outcome};

use crate::helpers::{Backend, TestApp, on_both_databases};
use crate::photos::small_jpeg;
use crate::portal_client::{Candidate, LI_HUA, LI_MING, demo_app, id_of, image_ids, material};
use crate::review_client::submitted;

on_both_databases!(
    a_return_opens_only_the_returned_materials_until_resubmission,
    approval_and_rejection_are_final_and_say_what_comes_next,
);

async fn decide(app: &TestApp, who: &Candidate, outcome: Outcome, marks: &[(&str, Mark)]) {
    let exam = app.db().current_exam().await.unwrap().unwrap();
    let candidate = app
        .db()
        .find_candidate_by_id_number(exam.id, who.id_number)
        .await
        .unwrap()
        .unwrap();
    let reviewer = app.db().find_staff("reviewer").await.unwrap().unwrap();
    let marks = Marks(
        marks
            .iter()
            .map(|(code, mark)| (code.to_string(), mark.clone()))
            .collect::<BTreeMap<_, _>>(),
    );
    let comment = Some("请按标注修改").filter(|_| outcome != Outcome::Approved);
    let now = shenhe::db::now();
    let cutoff = now - time::Duration::minutes(30);
    assert!(
        app.db()
            .claim_case(candidate.id, reviewer.id, now, cutoff)
            .await
            .unwrap(),
        "the submission awaited review"
    );
    let decided = app
        .db()
        .decide(&NewDecision {
            candidate_id: candidate.id,
            reviewer_id: reviewer.id,
            outcome,
            marks: &marks,
            comment,
            resubmit_by: None,
            needs_second_review: false,
            audit: AuditEntry {
                actor: Actor::Staff(reviewer.id),
                action: "decided",
                candidate_id: Some(candidate.id),
                ip: None,
                detail: None,
            },
        })
        .await
        .unwrap();
    assert_eq!(decided, Decided::Final { disagrees: false });
}

fn ok() -> Mark {
    Mark {
        ok: true,
        reason: None,
        note: None,
    }
}

fn fix(reason: &str) -> Mark {
    Mark {
        ok: false,
        reason: Some(reason.to_string()),
        note: None,
    }
}

async fn a_return_opens_only_the_returned_materials_until_resubmission(backend: Backend) {
    let app = demo_app(backend).await;
    let portal = submitted(&app, &LI_MING).await;
    let blurred = "照片模糊，请重新拍摄";
    decide(
        &app,
        &LI_MING,
        Outcome::Returned,
        &[("id_card", ok()), ("student_status", fix(blurred))],
    )
    .await;

    let me = portal.me().await;
    assert_eq!(me["status"], "returned");
    assert_eq!(me["decision"]["outcome"], "returned");
    assert!(me["decision"]["resubmit_deadline"].is_string(), "{me}");
    assert_eq!(material(&me, "id_card")["editable"], false);
    assert_eq!(material(&me, "id_card")["review"]["ok"], true);
    assert_eq!(material(&me, "student_status")["editable"], true);
    assert_eq!(material(&me, "student_status")["review"]["reason"], blurred);
    let page = portal.get("/").await.expect(200).text();
    assert!(
        page.contains("退回修改") && page.contains(blurred),
        "{page}"
    );

    // The accepted material stays as it was.
    let accepted = image_ids(&me, "id_card");
    portal
        .upload("id_card", small_jpeg(), "a.jpg")
        .await
        .expect(409);
    portal.delete(&accepted[0]).await.expect(409);

    // The returned one is replaced, and the whole goes back for review as round 2.
    let old = image_ids(&me, "student_status");
    portal.delete(&old[0]).await.expect(204);
    let new = portal.upload_ok("student_status", small_jpeg()).await;
    let round = portal.submit().await.expect(200);
    assert_eq!(round.json()["round"], 2);
    let me = portal.me().await;
    assert_eq!(me["status"], "submitted");
    assert_eq!(image_ids(&me, "student_status"), vec![id_of(&new)]);
    assert_eq!(image_ids(&me, "id_card"), accepted);
    portal
        .upload("student_status", small_jpeg(), "b.jpg")
        .await
        .expect(409);
}

async fn approval_and_rejection_are_final_and_say_what_comes_next(backend: Backend) {
    let app = demo_app(backend).await;
    let approved = submitted(&app, &LI_MING).await;
    let rejected = submitted(&app, &LI_HUA).await;
    decide(&app, &LI_MING, Outcome::Approved, &[]).await;
    decide(&app, &LI_HUA, Outcome::Rejected, &[]).await;

    let me = approved.me().await;
    assert_eq!(me["status"], "approved");
    assert_eq!(me["decision"]["title"], "审核通过");
    assert!(
        me["decision"]["next_step"]
            .as_str()
            .unwrap()
            .contains("缴纳")
    );
    assert!(
        me["materials"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["editable"] == false)
    );
    assert!(
        approved
            .get("/")
            .await
            .expect(200)
            .text()
            .contains("审核通过")
    );
    approved
        .upload("id_card", small_jpeg(), "a.jpg")
        .await
        .expect(409);
    approved.submit().await.expect(409);

    let me = rejected.me().await;
    assert_eq!(me["status"], "rejected");
    assert_eq!(me["decision"]["comment"], "请按标注修改");
    let page = rejected.get("/").await.expect(200).text();
    assert!(
        page.contains("审核不通过") && page.contains("请按标注修改"),
        "{page}"
    );
    rejected.submit().await.expect(409);
}
