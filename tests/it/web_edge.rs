//! What every request meets: the client address only from trusted proxies, cross-site
//! posts refused, nothing cached, and Chinese pages for the errors a person can reach.

use reqwest::Client;
use serde_json::{Value, json};
use shenhe::config::WebSettings;

use crate::helpers::{Backend, TestApp, on_both_databases};
use crate::portal_client::{LI_HUA, LI_MING};

on_both_databases!(
    a_header_from_an_untrusted_peer_is_ignored,
    the_client_is_the_right_most_address_that_is_not_a_proxy,
    ipv6_clients_share_a_limit_per_64,
    successful_sign_ins_do_not_use_up_an_addresss_attempts,
    a_form_posted_from_another_site_cannot_sign_anyone_in,
    answers_are_not_cached_and_https_gets_hsts,
    every_error_a_person_can_reach_is_a_chinese_page,
);

async fn demo_with(backend: Backend, settings: WebSettings) -> TestApp {
    let app = TestApp::spawn_with(backend, settings).await;
    shenhe::demo::load(app.db()).await.unwrap();
    app
}

fn no_redirects() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn login_with(
    app: &TestApp,
    headers: &[(&str, &str)],
    account: &str,
    password: &str,
) -> reqwest::Response {
    let mut request = no_redirects()
        .post(app.url("/api/v1/login"))
        .json(&json!({ "account": account, "password": password }));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("an answer")
}

/// The `ip` of the newest audit row with this action (audit rows are written just after
/// the answer).
async fn audited_ip(app: &TestApp, action: &str) -> Option<String> {
    for _ in 0..100 {
        let rows = app.db().recent_audit(20).await.unwrap();
        if let Some(row) = rows.iter().find(|r| r.action == action) {
            return row.ip.clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no {action} in the audit log");
}

async fn a_header_from_an_untrusted_peer_is_ignored(backend: Backend) {
    // The proxy is elsewhere; this test's loopback connection is an ordinary client.
    let settings = WebSettings {
        client_ip_header: Some("X-Real-IP".into()),
        trusted_proxies: vec!["192.0.2.0/24".parse().unwrap()],
        login_attempts_per_minute: 3,
        ..Default::default()
    };
    let app = demo_with(backend, settings).await;
    // A new address in the header each time does not buy more attempts.
    for fake in ["203.0.113.1", "203.0.113.2", "203.0.113.3"] {
        let answer = login_with(&app, &[("x-real-ip", fake)], LI_HUA.id_number, "Wrong-1").await;
        assert_eq!(answer.status(), 401);
    }
    let limited = login_with(&app, &[("x-real-ip", "203.0.113.4")], LI_HUA.id_number, "x").await;
    assert_eq!(limited.status(), 429);
    assert_eq!(
        audited_ip(&app, "login_failed").await.as_deref(),
        Some("127.0.0.1")
    );
    // Nor may it name its own request id in our log lines.
    let answer = no_redirects()
        .get(app.url("/healthz"))
        .header("x-request-id", "forged-id")
        .send()
        .await
        .unwrap();
    let id = answer.headers()["x-request-id"].to_str().unwrap();
    assert_ne!(id, "forged-id");
}

async fn the_client_is_the_right_most_address_that_is_not_a_proxy(backend: Backend) {
    let settings = WebSettings {
        client_ip_header: Some("X-Forwarded-For".into()),
        ..Default::default()
    };
    let app = demo_with(backend, settings).await;
    // The client wrote 203.0.113.5 itself; the proxy (loopback, trusted by default)
    // appended the address it saw.
    let spoofed = [("x-forwarded-for", "203.0.113.5, 198.51.100.9")];
    let answer = login_with(&app, &spoofed, LI_MING.id_number, LI_MING.email).await;
    assert_eq!(answer.status(), 200);
    assert_eq!(
        audited_ip(&app, "signed_in").await.as_deref(),
        Some("198.51.100.9")
    );
    // A trusted proxy's request id is kept.
    let answer = no_redirects()
        .get(app.url("/healthz"))
        .header("x-request-id", "nginx-7f3a")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.headers()["x-request-id"], "nginx-7f3a");
}

async fn ipv6_clients_share_a_limit_per_64(backend: Backend) {
    let settings = WebSettings {
        client_ip_header: Some("X-Forwarded-For".into()),
        login_attempts_per_minute: 3,
        ..Default::default()
    };
    let app = demo_with(backend, settings).await;
    for address in [
        "2001:db8:1:2::1",
        "2001:db8:1:2::2",
        "2001:db8:1:2:ffff:1:2:3",
    ] {
        let answer = login_with(&app, &[("x-forwarded-for", address)], "ghost", "x1").await;
        assert_eq!(answer.status(), 401);
    }
    let same_64 = [("x-forwarded-for", "2001:db8:1:2::99")];
    assert_eq!(
        login_with(&app, &same_64, "ghost", "x1").await.status(),
        429
    );
    let next_64 = [("x-forwarded-for", "2001:db8:1:3::1")];
    assert_eq!(
        login_with(&app, &next_64, "ghost", "x1").await.status(),
        401
    );
}

async fn successful_sign_ins_do_not_use_up_an_addresss_attempts(backend: Backend) {
    let settings = WebSettings {
        login_attempts_per_minute: 3,
        ..Default::default()
    };
    let app = demo_with(backend, settings).await;
    // One campus address, many students signing in.
    for _ in 0..10 {
        for who in [&LI_MING, &LI_HUA] {
            let answer = login_with(&app, &[], who.id_number, who.email).await;
            assert_eq!(answer.status(), 200);
        }
    }
    // Failures still count.
    for _ in 0..3 {
        assert_eq!(login_with(&app, &[], "ghost", "x1").await.status(), 401);
    }
    assert_eq!(login_with(&app, &[], "ghost", "x1").await.status(), 429);
}

async fn a_form_posted_from_another_site_cannot_sign_anyone_in(backend: Backend) {
    let app = demo_with(backend, WebSettings::default()).await;
    let host = app.url("");
    let host = host.trim_start_matches("http://").trim_end_matches('/');
    let form = [("account", LI_MING.id_number), ("password", LI_MING.email)];
    for (name, value) in [
        ("origin", "https://evil.example".to_string()),
        ("origin", "null".to_string()),
        ("referer", "https://evil.example/page".to_string()),
        ("sec-fetch-site", "cross-site".to_string()),
    ] {
        let answer = no_redirects()
            .post(app.url("/login"))
            .header(name, &value)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 403, "{name}");
        assert!(answer.headers().get("set-cookie").is_none());
        assert!(answer.text().await.unwrap().contains("其他网站"));
        let api = login_with(&app, &[(name, &*value)], LI_MING.id_number, LI_MING.email).await;
        assert_eq!(api.status(), 403, "{name}");
        let body: Value = api.json().await.unwrap();
        assert!(body["error"].as_str().unwrap().contains("其他网站"));
    }
    // The site's own page posts with its own origin.
    let origin = format!("http://{host}");
    let own = no_redirects()
        .post(app.url("/login"))
        .header("origin", &origin)
        .header("sec-fetch-site", "same-origin")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 303);
    assert!(own.headers().get("set-cookie").is_some());
}

async fn answers_are_not_cached_and_https_gets_hsts(backend: Backend) {
    let app = demo_with(backend, WebSettings::default()).await;
    let client = no_redirects();
    let front = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(front.headers()["cache-control"], "no-store");
    assert!(front.headers().get("strict-transport-security").is_none());
    let login = login_with(&app, &[], LI_MING.id_number, LI_MING.email).await;
    assert_eq!(login.headers()["cache-control"], "no-store");
    let css = client.get(app.url("/static/app.css")).send().await.unwrap();
    assert!(
        css.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    let https = client
        .get(app.url("/"))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    assert!(
        https.headers()["strict-transport-security"]
            .to_str()
            .unwrap()
            .starts_with("max-age=")
    );
}

async fn every_error_a_person_can_reach_is_a_chinese_page(backend: Backend) {
    let app = demo_with(backend, WebSettings::default()).await;
    let client = no_redirects();
    // Enter in the address bar after a failed sign-in, or after 退出.
    for path in ["/login", "/logout"] {
        let answer = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(answer.status(), 303, "{path}");
        assert_eq!(answer.headers()["location"], "/");
    }
    let missing = client.get(app.url("/no/such/page")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    assert!(
        missing.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = missing.text().await.unwrap();
    assert!(
        page.contains("页面不存在") && page.contains("href=\"/\""),
        "{page}"
    );
    let wrong_method = client.delete(app.url("/submit")).send().await.unwrap();
    assert_eq!(wrong_method.status(), 405);
    assert!(wrong_method.text().await.unwrap().contains("返回首页"));
    // The API answers in its own JSON.
    for (answer, status) in [
        (
            client.get(app.url("/api/v1/nothing")).send().await.unwrap(),
            404,
        ),
        (
            client.get(app.url("/api/v1/login")).send().await.unwrap(),
            405,
        ),
    ] {
        assert_eq!(answer.status().as_u16(), status);
        let body: Value = answer.json().await.unwrap();
        assert!(!body["error"].as_str().unwrap().is_empty());
    }
}
