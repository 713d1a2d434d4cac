//! The portal without JavaScript: plain forms and 303 redirects, from signing in to submitting.

use crate::helpers::{Backend, on_both_databases};
use crate::photos::small_jpeg;
use crate::portal_client::{LI_MING, NEW_PASSWORD, Portal, Reply, demo_app, image_ids};

on_both_databases!(a_candidate_can_do_everything_with_plain_forms);

/// The value of the hidden `csrf` input in a page.
fn csrf_field(page: &str) -> String {
    let start = page
        .find(r#"name="csrf" value=""#)
        .unwrap_or_else(|| panic!("no csrf field in:\n{page}"))
        + r#"name="csrf" value=""#.len();
    let end = start + page[start..].find('"').unwrap();
    page[start..end].to_string()
}

/// A page answer: 200, HTML, with a Content-Security-Policy.
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
    assert!(
        reply.header("content-security-policy").is_some(),
        "pages send a CSP"
    );
    reply.text()
}

#[track_caller]
fn redirect(reply: Reply, to: &str) {
    let reply = reply.expect(303);
    assert_eq!(reply.location(), to);
}

async fn a_candidate_can_do_everything_with_plain_forms(backend: Backend) {
    let app = demo_app(backend).await;
    let browser = Portal::new(&app);

    let signed_out = page(browser.get("/").await);
    assert!(signed_out.contains("身份证号"), "a login form");

    // The initial password leads straight to the password page.
    let login = [("account", LI_MING.id_number), ("password", LI_MING.email)];
    redirect(browser.post_form("/login", &login).await, "/password");
    let form = page(browser.get("/password").await);
    let csrf = csrf_field(&form);
    let change = [
        ("csrf", csrf.as_str()),
        ("current", LI_MING.email),
        ("new", NEW_PASSWORD),
        ("confirm", NEW_PASSWORD),
    ];
    redirect(browser.post_form("/password", &change).await, "/");

    let home = page(browser.get("/").await);
    assert!(home.contains(LI_MING.name));
    assert!(
        home.contains("身份证") && home.contains("学籍证明"),
        "the materials"
    );
    let csrf = csrf_field(&home);

    // A form with a forged token changes nothing.
    let forged = browser
        .post_multipart(
            "/materials/id_card/images",
            &[("csrf", "forged")],
            small_jpeg(),
            "a.jpg",
        )
        .await;
    assert!(forged.status.is_client_error(), "{}", forged.status);
    assert!(image_ids(&browser.me().await, "id_card").is_empty());

    for code in ["id_card", "student_status"] {
        let upload = browser
            .post_multipart(
                &format!("/materials/{code}/images"),
                &[("csrf", csrf.as_str())],
                small_jpeg(),
                "photo.jpg",
            )
            .await;
        // Back to the material's row, where a phone user was working.
        redirect(upload, &format!("/#material-{code}"));
    }
    let me = browser.me().await;
    let home = page(browser.get("/").await);
    // The last form's result is shown once, in its material's row.
    let row = home
        .find("id=\"material-student_status\"")
        .expect("the row");
    assert!(home[row..].contains("已上传 1 张图片。"), "{home}");
    assert!(!page(browser.get("/").await).contains("已上传 1 张图片。"));
    for code in ["id_card", "student_status"] {
        let ids = image_ids(&me, code);
        assert_eq!(ids.len(), 1, "{code}");
        let thumb = format!("/api/v1/images/{}/thumb", ids[0]);
        assert!(home.contains(&thumb), "the page shows {thumb}");
    }

    redirect(
        browser
            .post_form("/submit", &[("csrf", csrf.as_str())])
            .await,
        "/",
    );
    assert_eq!(browser.me().await["status"], "submitted");
    let home = page(browser.get("/").await);
    assert!(home.contains(LI_MING.name));
}
