//! Shared set-up for the review tests: a demo app, staff signed in, candidates who submitted.

use shenhe::db::staff::Role;

use crate::helpers::{Backend, TestApp};
use crate::photos::small_jpeg;
use crate::portal_client::{Candidate, Portal, demo_app};

pub const REVIEWER: (&str, &str) = shenhe::demo::REVIEWER;
pub const ADMIN: (&str, &str) = shenhe::demo::ADMIN;
/// The password of staff accounts the tests create.
const STAFF_PASSWORD: &str = "Review-2023-ok";

/// A demo app where approvals are never sampled for second review (tests that want it
/// change the setting).
pub async fn review_app(backend: Backend) -> TestApp {
    let app = demo_app(backend).await;
    app.db()
        .set_setting("second_review_share", "0")
        .await
        .unwrap();
    app
}

/// A staff member signed in over the API: the demo reviewer or admin, or else a reviewer
/// created under this name first.
pub async fn staff(app: &TestApp, username: &str) -> Portal {
    let password = match username {
        u if u == REVIEWER.0 => REVIEWER.1,
        u if u == ADMIN.0 => ADMIN.1,
        _ => {
            let hash = shenhe::auth::hash_password(STAFF_PASSWORD.to_string())
                .await
                .unwrap();
            app.db()
                .save_staff(username, &hash, Role::Reviewer, false)
                .await
                .unwrap();
            STAFF_PASSWORD
        }
    };
    let mut portal = Portal::new(app);
    portal.login(username, password).await.expect(200);
    portal
}

/// A candidate who uploaded one photo per material and submitted.
pub async fn submitted(app: &TestApp, who: &Candidate) -> Portal {
    let portal = Portal::candidate(app, who).await;
    let me = portal.me().await;
    for m in me["materials"].as_array().expect("materials") {
        portal
            .upload_ok(m["code"].as_str().expect("a code"), small_jpeg())
            .await;
    }
    portal.submit().await.expect(200);
    portal
}

/// The candidate's opaque id.
pub async fn candidate_id(app: &TestApp, who: &Candidate) -> i64 {
    let exam = app.db().current_exam().await.unwrap().unwrap();
    app.db()
        .find_candidate_by_id_number(exam.id, who.id_number)
        .await
        .unwrap()
        .unwrap()
        .id
}
