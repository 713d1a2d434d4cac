//! The reviewer's pages without JavaScript, on both databases: plain forms and 303s, from
//! the queue to a decision the candidate sees, and the refusals that decide nothing.

use shenhe::domain::review::DEFAULT_REASONS;

use crate::helpers::{Backend, TestApp, on_both_databases};
use crate::portal_client::{LI_MING, Portal, Reply, image_ids, material};
use crate::review_client::{REVIEWER, candidate_id, review_app, staff, submitted};

on_both_databases!(
    only_staff_may_open_the_review_pages,
    a_reviewer_returns_a_case_with_plain_forms,
    refused_decisions_decide_nothing,
    the_personal_search_is_posted_and_never_put_in_a_url,
    bad_filters_list_nothing_and_say_why,
);

/// The demo reviewer, signed in.
async fn reviewer(app: &TestApp) -> Portal {
    staff(app, REVIEWER.0).await
}

/// A page answer: 200 HTML.
#[track_caller]
fn page(reply: Reply) -> String {
    let reply = reply.expect(200);
    assert!(
        reply
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/html")),
        "{:?}",
        reply.header("content-type")
    );
    reply.text()
}

#[track_caller]
fn redirect(reply: Reply, to: &str) {
    let reply = reply.expect(303);
    assert_eq!(reply.location(), to);
}

/// Sent away from a staff page: a redirect somewhere outside `/review`.
#[track_caller]
fn sent_away(reply: Reply) {
    let reply = reply.expect(303);
    assert!(
        !reply.location().starts_with("/review"),
        "{}",
        reply.location()
    );
}

/// A decision form as the case page sends it.
fn decision(csrf: &str, outcome: &str, marks: &[(&str, &str, &str)]) -> Vec<(String, String)> {
    let mut fields = vec![
        ("csrf".to_string(), csrf.to_string()),
        ("comment".to_string(), String::new()),
        ("resubmit_by".to_string(), String::new()),
    ];
    for (code, ok, reason) in marks {
        fields.push((format!("ok.{code}"), ok.to_string()));
        fields.push((format!("reason.{code}"), reason.to_string()));
        fields.push((format!("note.{code}"), String::new()));
    }
    fields.push(("outcome".to_string(), outcome.to_string()));
    fields
}

/// The queue's filter form, posted.
async fn post_form(portal: &Portal, fields: &[(&str, String)]) -> Reply {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    portal.post_form("/review", &fields).await
}

async fn post(portal: &Portal, path: &str, fields: &[(String, String)]) -> Reply {
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    portal.post_form(path, &fields).await
}

async fn only_staff_may_open_the_review_pages(backend: Backend) {
    let app = review_app(backend).await;
    let candidate = submitted(&app, &LI_MING).await;
    let id = candidate_id(&app, &LI_MING).await;
    let case = format!("/review/cases/{id}");

    let anonymous = Portal::new(&app);
    sent_away(anonymous.get("/review").await);
    sent_away(anonymous.get(&case).await);
    sent_away(candidate.get("/review").await);
    sent_away(candidate.get(&case).await);
    let claim = [("csrf", candidate.csrf.as_str())];
    sent_away(candidate.post_form("/review/claim", &claim).await);
    assert_eq!(candidate.me().await["status"], "submitted");

    // A staff form with another session's token changes nothing.
    let staff = reviewer(&app).await;
    let forged = staff
        .post_form("/review/claim", &[("csrf", "forged")])
        .await;
    assert_eq!(forged.status.as_u16(), 403, "{}", forged.text());
    let queue = page(staff.get("/review").await);
    assert!(!queue.contains("继续审核："), "nothing was claimed");
}

async fn a_reviewer_returns_a_case_with_plain_forms(backend: Backend) {
    let app = review_app(backend).await;
    let candidate = submitted(&app, &LI_MING).await;
    let id = candidate_id(&app, &LI_MING).await;
    let me = candidate.me().await;
    let staff = reviewer(&app).await;

    let queue = page(staff.get("/review").await);
    assert!(
        queue.contains(LI_MING.name) && queue.contains("待审核"),
        "{queue}"
    );
    assert!(
        queue.contains("420502********0215"),
        "the list masks the ID number"
    );
    assert!(!queue.contains(LI_MING.id_number));
    let search = |q: &'static str| [("csrf", staff.csrf.clone()), ("q", q.to_string())];
    let found = page(post_form(&staff, &search(LI_MING.id_number)).await);
    assert!(found.contains(&format!("/review/cases/{id}")), "{found}");
    let none = page(post_form(&staff, &search("无此人")).await);
    assert!(none.contains("没有符合条件的考生"), "{none}");

    let claim = [("csrf", staff.csrf.as_str())];
    let case_path = format!("/review/cases/{id}");
    redirect(staff.post_form("/review/claim", &claim).await, &case_path);
    let case = page(staff.get(&case_path).await);
    assert!(case.contains(LI_MING.name));
    assert!(
        case.contains(LI_MING.id_number),
        "staff see the full ID number"
    );
    for code in ["id_card", "student_status"] {
        for image in image_ids(&me, code) {
            let url = format!("/api/v1/review/images/{image}");
            assert!(case.contains(&url), "the page shows {url}");
        }
    }
    for reason in DEFAULT_REASONS {
        assert!(case.contains(reason), "the catalogue offers {reason}");
    }
    assert!(case.contains("审核通过") && case.contains("退回修改"));
    // The queue offers to go on with the held case.
    let queue = page(staff.get("/review").await);
    assert!(queue.contains("继续审核：李明"), "{queue}");

    let blurred = "图片模糊不清";
    let form = decision(
        &staff.csrf,
        "return",
        &[("id_card", "1", ""), ("student_status", "0", blurred)],
    );
    // Nobody else waits: back to the queue, with the result once.
    redirect(
        post(&staff, &format!("{case_path}/decision"), &form).await,
        "/review",
    );
    let queue = page(staff.get("/review").await);
    assert!(queue.contains("已提交：退回修改（李明）"), "{queue}");
    assert!(!page(staff.get("/review").await).contains("已提交：退回修改"));

    let me = candidate.me().await;
    assert_eq!(me["status"], "returned");
    assert_eq!(material(&me, "id_card")["review"]["ok"], true);
    let mark = &material(&me, "student_status")["review"];
    assert_eq!(mark["ok"], false);
    assert!(mark.to_string().contains(blurred), "{mark}");

    // The finished case still opens, with its history, and offers no decision.
    let case = page(staff.get(&case_path).await);
    assert!(case.contains("退回修改") && case.contains(blurred));
    assert!(!case.contains("/decision\""), "no decision form");
}

async fn refused_decisions_decide_nothing(backend: Backend) {
    let app = review_app(backend).await;
    let candidate = submitted(&app, &LI_MING).await;
    let id = candidate_id(&app, &LI_MING).await;
    let staff = reviewer(&app).await;
    let case_path = format!("/review/cases/{id}");
    let marks = [("id_card", "1", ""), ("student_status", "1", "")];

    // Not claimed: the page says so and offers 领取.
    let case = page(staff.get(&case_path).await);
    assert!(case.contains(&format!("{case_path}/claim")), "{case}");
    let unclaimed = post(
        &staff,
        &format!("{case_path}/decision"),
        &decision(&staff.csrf, "approve", &marks),
    )
    .await
    .expect(409);
    assert!(
        unclaimed.text().contains("尚未领取"),
        "{}",
        unclaimed.text()
    );
    assert_eq!(candidate.me().await["status"], "submitted");

    redirect(
        staff
            .post_form(&format!("{case_path}/claim"), &[("csrf", &staff.csrf)])
            .await,
        &case_path,
    );

    // An approval with a failed material: the message, the reviewer's choices kept.
    let contradicting = [
        ("id_card", "1", ""),
        ("student_status", "0", "图片模糊不清"),
    ];
    let refused = post(
        &staff,
        &format!("{case_path}/decision"),
        &decision(&staff.csrf, "approve", &contradicting),
    )
    .await
    .expect(422);
    let text = refused.text();
    assert!(text.contains("不能审核通过"), "{text}");
    assert!(
        text.contains(r#"id="ok-student_status-0" name="ok.student_status" value="0" checked"#),
        "the choice is kept: {text}"
    );
    assert_eq!(candidate.me().await["status"], "submitted");

    // A malformed body gets a message, not a crash.
    let broken = staff
        .client
        .post(staff.url(&format!("{case_path}/decision")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("csrf=%ZZ&&=")
        .send()
        .await
        .unwrap();
    assert!(broken.status().is_client_error(), "{}", broken.status());

    // Released: back in the queue, for anyone.
    redirect(
        staff
            .post_form(&format!("{case_path}/release"), &[("csrf", &staff.csrf)])
            .await,
        "/review",
    );
    let queue = page(staff.get("/review").await);
    assert!(queue.contains("已回到待审核队列"), "{queue}");
    assert!(!queue.contains("继续审核："));
    assert_eq!(candidate.me().await["status"], "submitted");
}

async fn the_personal_search_is_posted_and_never_put_in_a_url(backend: Backend) {
    let app = review_app(backend).await;
    submitted(&app, &LI_MING).await;
    let id = candidate_id(&app, &LI_MING).await;
    let staff = reviewer(&app).await;
    let csrf = || ("csrf", staff.csrf.clone());

    // The form posts; the answer is the list itself, no redirect to a URL with the number.
    let queue = page(staff.get("/review").await);
    assert!(
        queue.contains("method=\"post\" action=\"/review\""),
        "{queue}"
    );
    let found = page(
        post_form(
            &staff,
            &[
                csrf(),
                ("q", LI_MING.id_number.to_lowercase()),
                ("status", "submitted".into()),
            ],
        )
        .await,
    );
    assert!(found.contains(&format!("/review/cases/{id}")), "{found}");
    assert!(
        !found.contains(&format!(">{}<", LI_MING.id_number)),
        "masked in the list"
    );
    // Its tabs post the search again instead of linking to it; no link carries it.
    assert!(found.contains("form=\"repost-status\""), "{found}");
    assert!(
        !found.contains("?q=") && !found.contains("&amp;q="),
        "no link holds the search: {found}"
    );

    // Without a personal search the form goes to the URL of its filters, as before.
    let school = "武汉大学";
    let to = post_form(
        &staff,
        &[csrf(), ("q", " ".into()), ("school", school.into())],
    )
    .await
    .expect(303)
    .location();
    assert!(
        to.starts_with("/review?school=") && !to.contains("q="),
        "{to}"
    );
    page(staff.get(&to).await);
    // A forged form searches nothing.
    let forged = post_form(
        &staff,
        &[("csrf", "forged".into()), ("q", LI_MING.name.into())],
    )
    .await;
    assert_eq!(forged.status.as_u16(), 403);

    // In a URL: an ID number is refused before anything runs, signed in or not; any other
    // personal search gets the page saying to use the form, with nobody listed.
    let anonymous = Portal::new(&app);
    let lower = LI_MING.id_number.to_lowercase();
    for (who, path) in [
        (&staff, format!("/review?q={}", LI_MING.id_number)),
        (&staff, format!("/review?school=a{lower}")),
        (&anonymous, format!("/review?q={}", LI_MING.id_number)),
        (
            &staff,
            format!("/admin/audit?candidate={}", LI_MING.id_number),
        ),
    ] {
        let refused = who.get(&path).await.expect(422);
        let text = refused.text();
        assert!(text.contains("身份证号不能放在网址中"), "{path}: {text}");
        assert!(!text.contains(LI_MING.id_number) && !text.contains(&lower));
    }
    let by_name = staff
        .get("/review?q=%E6%9D%8E%E6%98%8E")
        .await
        .expect(422)
        .text();
    assert!(by_name.contains("不能放在网址中"), "{by_name}");
    assert!(
        !by_name.contains(&format!("/review/cases/{id}")),
        "nobody listed"
    );
}

async fn bad_filters_list_nothing_and_say_why(backend: Backend) {
    let app = review_app(backend).await;
    submitted(&app, &LI_MING).await;
    let staff = reviewer(&app).await;
    let csrf = || ("csrf", staff.csrf.clone());
    let listed = |page: &str| page.contains(LI_MING.name) && page.contains("/review/cases/");

    // A NUL (a 500 on PostgreSQL before) or another control character, or over 100
    // characters: 422, the field named, nobody listed (a dropped filter listed everyone).
    for fields in [
        vec![csrf(), ("q", "李\u{0}明".into())],
        vec![
            csrf(),
            ("q", LI_MING.name.into()),
            ("school", "武汉\u{0}".into()),
        ],
        vec![csrf(), ("school", "学".repeat(101))],
        vec![csrf(), ("category", "a\u{1b}b".into())],
    ] {
        let refused = post_form(&staff, &fields).await.expect(422).text();
        assert!(
            refused.contains("控制字符") || refused.contains("最多 100 个字"),
            "{fields:?}: {refused}"
        );
        assert!(!listed(&refused), "{fields:?} listed nobody");
    }
    for path in ["/review?school=%00", "/review?category=%E6%AD%A6%00"] {
        let refused = staff.get(path).await.expect(422).text();
        assert!(refused.contains("控制字符"), "{path}: {refused}");
        assert!(!listed(&refused));
    }
    let long = format!("/review?school={}", "学".repeat(101));
    assert!(
        staff
            .get(&long)
            .await
            .expect(422)
            .text()
            .contains("最多 100 个字")
    );
    // At the limit a filter still filters.
    let exactly = format!("/review?school={}", "学".repeat(100));
    assert!(!listed(&page(staff.get(&exactly).await)));
    assert!(listed(&page(staff.get("/review").await)));
}
