//! Sign-in cannot be turned against the account's owner: guesses from elsewhere never keep
//! the owner out, guessing stays bounded per account, every refusal looks like a wrong
//! password, and the client address comes only from trusted proxies.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use reqwest::cookie::Jar;
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use shenhe::config::WebSettings;

use crate::helpers::{Backend, TestApp, on_both_databases};
use crate::portal_client::{LI_HUA, LI_MING, NEW_PASSWORD};

on_both_databases!(
    a_thousand_guesses_from_other_addresses_cannot_keep_the_owner_out,
    guesses_at_the_admin_cannot_keep_the_admin_out,
    a_new_browser_gets_in_past_an_attacker_with_a_few_addresses,
    guesses_past_the_budget_are_not_checked,
    refusals_look_alike_and_are_audited_with_the_clients_address,
    a_wrong_current_password_counts_and_changes_are_limited_per_session,
    a_password_change_gives_the_browser_a_new_session,
    control_characters_in_a_sign_in_are_refused_and_audited,
);

/// The demo behind a proxy on loopback that names the client in `X-Real-IP`; the
/// per-address limit out of the way, so only the per-account budgets are at work.
async fn behind_a_proxy(backend: Backend) -> TestApp {
    let settings = WebSettings {
        client_ip_header: Some("X-Real-IP".into()),
        login_attempts_per_minute: 100_000,
        ..Default::default()
    };
    let app = TestApp::spawn_with(backend, settings).await;
    shenhe::demo::load(app.db()).await.unwrap();
    app
}

/// A browser at `address` (as the proxy reports it), with its own cookies.
struct Browser {
    client: Client,
    jar: Arc<Jar>,
    base: String,
    csrf: String,
}

impl Browser {
    fn at(app: &TestApp, address: &str) -> Browser {
        Browser::with_jar(app, address, Arc::default())
    }

    /// The same browser (its cookies) somewhere else.
    fn moved_to(&self, app: &TestApp, address: &str) -> Browser {
        Browser::with_jar(app, address, self.jar.clone())
    }

    fn with_jar(app: &TestApp, address: &str, jar: Arc<Jar>) -> Browser {
        let mut headers = HeaderMap::new();
        headers.insert("x-real-ip", HeaderValue::from_str(address).unwrap());
        Browser {
            jar: jar.clone(),
            client: Client::builder()
                .cookie_provider(jar)
                .default_headers(headers)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: app.url(""),
            csrf: String::new(),
        }
    }

    async fn login(&mut self, account: &str, password: &str) -> (StatusCode, Value) {
        let (status, body) = sign_in(&self.client, &self.base, account, password).await;
        if status == StatusCode::OK {
            self.csrf = body["csrf_token"].as_str().unwrap().to_string();
        }
        (status, body)
    }

    async fn change_password(&mut self, current: &str, new: &str) -> StatusCode {
        let reply = self
            .client
            .post(format!("{}/api/v1/password", self.base))
            .header("x-csrf-token", &self.csrf)
            .json(&json!({ "current": current, "new": new }))
            .send()
            .await
            .unwrap();
        if let Some(token) = reply.headers().get("x-csrf-token") {
            self.csrf = token.to_str().unwrap().to_string();
        }
        reply.status()
    }
}

async fn sign_in(
    client: &Client,
    base: &str,
    account: &str,
    password: &str,
) -> (StatusCode, Value) {
    let reply = client
        .post(format!("{base}/api/v1/login"))
        .json(&json!({ "account": account, "password": password }))
        .send()
        .await
        .expect("the server answers");
    let status = reply.status();
    (status, reply.json().await.unwrap_or(Value::Null))
}

/// One wrong password from each address, `parallel` at a time, cookie-less like a script;
/// every answer must be the plain 401.
async fn guesses(app: &TestApp, account: &str, addresses: &[String], parallel: usize) {
    let base = app.url("");
    let client = Client::new();
    let answers: Vec<(StatusCode, Value)> = futures::stream::iter(addresses.iter().enumerate())
        .map(|(i, address)| {
            let (client, base) = (client.clone(), base.clone());
            async move {
                let reply = client
                    .post(format!("{base}/api/v1/login"))
                    .header("x-real-ip", address)
                    .json(&json!({ "account": account, "password": format!("Guess-{i}-x9") }))
                    .send()
                    .await
                    .expect("the server answers");
                let status = reply.status();
                (status, reply.json().await.unwrap_or(Value::Null))
            }
        })
        .buffer_unordered(parallel)
        .collect()
        .await;
    let first = &answers[0];
    assert_eq!(first.0, StatusCode::UNAUTHORIZED, "{}", first.1);
    assert!(
        answers.iter().all(|a| a == first),
        "every guess gets the same answer"
    );
}

fn addresses(prefix: &str, count: usize) -> Vec<String> {
    (0..count)
        .map(|i| format!("{prefix}.{}.{}", i / 250, i % 250 + 1))
        .collect()
}

async fn a_thousand_guesses_from_other_addresses_cannot_keep_the_owner_out(backend: Backend) {
    let app = behind_a_proxy(backend).await;
    // The owner has signed in on this phone before.
    let mut phone = Browser::at(&app, "198.51.100.10");
    assert_eq!(phone.login(LI_MING.id_number, LI_MING.email).await.0, 200);
    assert_eq!(
        phone.change_password(LI_MING.email, NEW_PASSWORD).await,
        204
    );

    // Someone who knows the ID number sends 1,000 wrong passwords from 1,000 addresses.
    guesses(&app, LI_MING.id_number, &addresses("10.1", 1000), 8).await;

    // The owner's phone gets in with the right password, at home and on the move.
    let (status, body) = phone.login(LI_MING.id_number, NEW_PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    let mut moved = phone.moved_to(&app, "203.0.113.77");
    assert_eq!(moved.login(LI_MING.id_number, NEW_PASSWORD).await.0, 200);
    // Another candidate never noticed.
    let mut other = Browser::at(&app, "198.51.100.11");
    assert_eq!(other.login(LI_HUA.id_number, LI_HUA.email).await.0, 200);
}

async fn guesses_at_the_admin_cannot_keep_the_admin_out(backend: Backend) {
    let app = behind_a_proxy(backend).await;
    let (admin, password) = shenhe::demo::ADMIN;
    let mut office = Browser::at(&app, "198.51.100.60");
    assert_eq!(office.login(admin, password).await.0, 200);
    // Everyone knows the username `admin`.
    guesses(&app, admin, &addresses("10.6", 100), 4).await;
    let (status, body) = office.login(admin, password).await;
    assert_eq!(status, 200, "{body}");
    // Nor the reviewer, whom nobody signed in as before, from an address of their own.
    guesses(&app, "reviewer", &addresses("10.7", 8), 2).await;
    let (reviewer, password) = shenhe::demo::REVIEWER;
    let mut desk = Browser::at(&app, "198.51.100.61");
    assert_eq!(desk.login(reviewer, password).await.0, 200);
}

async fn a_new_browser_gets_in_past_an_attacker_with_a_few_addresses(backend: Backend) {
    let app = behind_a_proxy(backend).await;
    // 200 guesses from five addresses, round and round.
    let five: Vec<String> = (0..200).map(|i| format!("10.2.0.{}", i % 5 + 1)).collect();
    guesses(&app, LI_MING.id_number, &five, 4).await;
    // The owner has never signed in, on any browser: the first sign-in still works.
    let mut new_phone = Browser::at(&app, "198.51.100.20");
    let (status, body) = new_phone.login(LI_MING.id_number, LI_MING.email).await;
    assert_eq!(status, 200, "{body}");
    // From one of the attacker's addresses, even the right password is not checked.
    let mut there = Browser::at(&app, "10.2.0.3");
    assert_eq!(there.login(LI_MING.id_number, LI_MING.email).await.0, 401);
}

async fn guesses_past_the_budget_are_not_checked(backend: Backend) {
    let app = behind_a_proxy(backend).await;
    let mut phone = Browser::at(&app, "198.51.100.30");
    assert_eq!(phone.login(LI_MING.id_number, LI_MING.email).await.0, 200);

    // The account's 10 guesses from two addresses (5 each) …
    let two: Vec<String> = (0..10).map(|i| format!("10.3.0.{}", i % 2 + 1)).collect();
    guesses(&app, LI_MING.id_number, &two, 1).await;
    // … then one try each from 19 new addresses …
    guesses(&app, LI_MING.id_number, &addresses("10.4", 19), 1).await;
    // … the 20th new address is still checked (this time it is the owner) …
    let mut twentieth = Browser::at(&app, "10.5.0.1");
    assert_eq!(
        twentieth.login(LI_MING.id_number, LI_MING.email).await.0,
        200
    );
    // … and a right password gives its guess back, so one more wrong one is checked, …
    guesses(&app, LI_MING.id_number, &["10.5.0.2".to_string()], 1).await;
    // … after which nothing from a browser that never signed in is: not even the right
    // password, from an address never seen.
    let mut late = Browser::at(&app, "10.5.0.3");
    let (status, body) = late.login(LI_MING.id_number, LI_MING.email).await;
    assert_eq!(status, 401, "{body}");
    // The browser that signed in before is not affected.
    assert_eq!(phone.login(LI_MING.id_number, LI_MING.email).await.0, 200);
}

async fn refusals_look_alike_and_are_audited_with_the_clients_address(backend: Backend) {
    let app = behind_a_proxy(backend).await;
    let base = app.url("");
    let from = |address: &'static str| {
        let mut headers = HeaderMap::new();
        headers.insert("x-real-ip", HeaderValue::from_static(address));
        Client::builder().default_headers(headers).build().unwrap()
    };
    let attacker = from("192.0.2.66");
    // Spend this address's guesses at 李明.
    for i in 0..5 {
        let wrong = sign_in(&attacker, &base, LI_MING.id_number, &format!("Wrong-{i}-a")).await;
        assert_eq!(wrong.0, 401);
    }
    let mut timings: [Vec<Duration>; 3] = Default::default();
    let mut answers = Vec::new();
    for round in 0..6 {
        let kinds = [
            // An ID number on no roster.
            (&from("192.0.2.67"), "110101199001011237"),
            // A wrong password, checked.
            (&from("192.0.2.68"), LI_HUA.id_number),
            // A guess the budget refuses: the right password, not checked.
            (&attacker, LI_MING.id_number),
        ];
        for (k, (who, account)) in kinds.into_iter().enumerate() {
            let password = if k == 2 {
                LI_MING.email
            } else {
                "Wrong-pass-9"
            };
            let started = Instant::now();
            let answer = sign_in(who, &base, account, password).await;
            timings[k].push(started.elapsed());
            if round == 0 {
                answers.push(answer);
            }
        }
    }
    assert_eq!(answers[0].0, 401);
    assert!(
        answers.iter().all(|a| a == &answers[0]),
        "unknown, wrong and refused answer alike: {answers:?}"
    );
    // The refusal does the same argon2 work as a checked password (a refusal that skipped
    // it would answer in a fraction of the time).
    let median = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let [unknown, wrong, refused] = timings.map(median);
    assert!(
        refused * 3 >= wrong && unknown * 3 >= wrong,
        "unknown {unknown:?}, wrong {wrong:?}, refused {refused:?}"
    );

    // The audit log says which were refused, and from the address the limits counted.
    let mut rows = Vec::new();
    for _ in 0..100 {
        rows = app.db().recent_audit(200).await.unwrap();
        if rows.iter().filter(|r| r.action == "login_failed").count() >= 5 + 18 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let limited = rows
        .iter()
        .filter(|r| r.detail.as_deref().is_some_and(|d| d.contains("limited")))
        .filter(|r| r.ip.as_deref() == Some("192.0.2.66"))
        .count();
    assert_eq!(
        limited, 6,
        "李明's refused guesses, by the attacker's address"
    );
    let failed = rows.iter().filter(|r| r.action == "login_failed");
    assert!(
        failed.clone().all(|r| r.ip.as_deref() != Some("127.0.0.1")),
        "the proxy's own address is never the one recorded"
    );
    assert_eq!(failed.count(), 5 + 18);
}

async fn a_wrong_current_password_counts_and_changes_are_limited_per_session(backend: Backend) {
    let app = behind_a_proxy(backend).await;
    let mut phone = Browser::at(&app, "198.51.100.40");
    assert_eq!(phone.login(LI_MING.id_number, LI_MING.email).await.0, 200);
    // One session sends 40 wrong "current password" changes at once: at most the device's
    // five wrong guesses are checked (argon2); the rest are refused before it.
    let wrong = json!({ "current": "wrong@example.com", "new": NEW_PASSWORD });
    let changes = (0..40).map(|_| {
        phone
            .client
            .post(app.url("/api/v1/password"))
            .header("x-csrf-token", &phone.csrf)
            .json(&wrong)
            .send()
    });
    let crowd = futures::future::join_all(changes);
    // Meanwhile another candidate signs in: sign-ins keep argon2 capacity of their own.
    let mut other = Browser::at(&app, "198.51.100.42");
    let (answers, (signed_in, _)) =
        tokio::join!(crowd, other.login(LI_HUA.id_number, LI_HUA.email));
    assert_eq!(signed_in, 200);
    let statuses: Vec<u16> = answers
        .into_iter()
        .map(|r| r.unwrap().status().as_u16())
        .collect();
    let checked = statuses.iter().filter(|s| **s == 422).count();
    assert!(checked <= 5, "{statuses:?}");
    assert!(
        statuses.iter().all(|s| [422, 429].contains(s)),
        "{statuses:?}"
    );
    // The right one is refused too now: wrong current passwords counted like wrong sign-ins.
    assert_eq!(
        phone.change_password(LI_MING.email, NEW_PASSWORD).await,
        429
    );
    // The session's own limit: ten tries an hour, even with the right current password
    // (each costs an argon2 verification).
    let mut pc = Browser::at(&app, "198.51.100.41");
    assert_eq!(pc.login(LI_HUA.id_number, LI_HUA.email).await.0, 200);
    for _ in 0..10 {
        assert_eq!(pc.change_password(LI_HUA.email, "weak").await, 422);
    }
    assert_eq!(pc.change_password(LI_HUA.email, NEW_PASSWORD).await, 429);
}

async fn a_password_change_gives_the_browser_a_new_session(backend: Backend) {
    let app = behind_a_proxy(backend).await;
    let mut phone = Browser::at(&app, "198.51.100.50");
    phone.login(LI_MING.id_number, LI_MING.email).await;
    let login = phone
        .client
        .post(app.url("/api/v1/login"))
        .json(&json!({ "account": LI_MING.id_number, "password": LI_MING.email }))
        .send()
        .await
        .unwrap();
    let old_cookie = session_of(login.headers());
    let old_csrf = login.json::<Value>().await.unwrap()["csrf_token"]
        .as_str()
        .unwrap()
        .to_string();
    phone.csrf = old_csrf.clone();
    let changed = phone
        .client
        .post(app.url("/api/v1/password"))
        .header("x-csrf-token", &old_csrf)
        .json(&json!({ "current": LI_MING.email, "new": NEW_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 204);
    let new_cookie = session_of(changed.headers());
    let new_csrf = changed.headers()["x-csrf-token"]
        .to_str()
        .unwrap()
        .to_string();
    assert_ne!(new_cookie, old_cookie);
    assert_ne!(new_csrf, old_csrf);
    // The old token is worth nothing; the browser goes on with the new one.
    let stale = Client::new()
        .get(app.url("/api/v1/me"))
        .header("cookie", &old_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 401);
    let me = phone
        .client
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    // The old CSRF token does not go with the new session.
    let refused = phone
        .client
        .post(app.url("/api/v1/submit"))
        .header("x-csrf-token", &old_csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
}

fn session_of(headers: &reqwest::header::HeaderMap) -> String {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("shenhe_session="))
        .expect("a session cookie")
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

async fn control_characters_in_a_sign_in_are_refused_and_audited(backend: Backend) {
    let app = behind_a_proxy(backend).await;
    let base = app.url("");
    let client = Client::new();
    for account in ["4205022002\u{0}03150215", "admin\u{0}", "li\nming"] {
        let (status, body) = sign_in(&client, &base, account, "whatever-1").await;
        assert_eq!(status, 422, "{body}");
        assert!(
            body["error"].as_str().unwrap().contains("控制字符"),
            "{body}"
        );
    }
    let form = client
        .post(app.url("/login"))
        .form(&[("account", "admin\u{0}"), ("password", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 422);
    assert!(form.text().await.unwrap().contains("控制字符"));
    // Still counted by the per-address limit, and audited.
    let mut audited = 0;
    for _ in 0..100 {
        let rows = app.db().recent_audit(50).await.unwrap();
        audited = rows
            .iter()
            .filter(|r| {
                r.action == "login_failed"
                    && r.detail.as_deref().is_some_and(|d| d.contains("invalid"))
            })
            .count();
        if audited == 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(audited, 4);
    // The server is fine.
    assert_eq!(
        sign_in(&client, &base, LI_HUA.id_number, LI_HUA.email)
            .await
            .0,
        200
    );
}
