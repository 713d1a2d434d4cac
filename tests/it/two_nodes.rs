//! Two real `shenhe serve` processes behind no balancer, on one PostgreSQL schema and one S3
//! bucket (PostgreSQL only: SQLite is one machine). Whatever one node starts, the other
//! continues: sessions, lockouts, the sign-in limit and claims live in the database.

use std::collections::{HashMap, HashSet};
use std::process::{Child, Command, Stdio};
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use shenhe::db::Db;
use shenhe::db::staff::Role;
use sqlx::postgres::PgConnectOptions;
use tempfile::TempDir;

use crate::helpers::postgres_url;
use crate::photos::small_jpeg;
use crate::portal_client::{LI_HUA, LI_MING, NEW_PASSWORD};
use crate::review_api::many_submitted;
use crate::s3::{ACCESS_KEY, S3Server, SECRET_KEY, s3_server};

/// Sign-in attempts per address per minute on both nodes.
const ATTEMPTS_PER_MINUTE: usize = 6;
/// The blob key both nodes share (64 hex digits).
const KEY: &str = "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_both_nodes_migrate_a_fresh_schema_at_once() {
    let nodes = TwoNodes::start().await;
    for base in nodes.bases() {
        let ready = reqwest::get(format!("{base}/readyz")).await.unwrap();
        assert_eq!(ready.status(), 200, "{base}");
    }
    // And the schema is whole: the demo loads into it.
    shenhe::demo::load(&nodes.db).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_session_and_an_upload_from_one_node_work_on_the_other() {
    let nodes = TwoNodes::demo().await;
    let [a, b] = nodes.bases();
    let mut li = Browser::new("10.0.0.1");
    li.login(&a, LI_MING.id_number, LI_MING.email)
        .await
        .expect(200);
    let changed = li
        .post(&b, "/api/v1/password")
        .json(&json!({ "current": LI_MING.email, "new": NEW_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 204);
    li.csrf = changed.headers()["x-csrf-token"]
        .to_str()
        .unwrap()
        .to_string();
    let me = li.get(&b, "/api/v1/me").await;
    assert_eq!(me.status(), 200);
    assert!(me.headers().contains_key("x-request-id"));

    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(small_jpeg())
            .file_name("photo.jpg")
            .mime_str("image/jpeg")
            .unwrap(),
    );
    let uploaded = li
        .post(&a, "/api/v1/materials/id_card/images")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), 201);
    let image: Value = uploaded.json().await.unwrap();
    let shown = li.get(&b, image["url"].as_str().unwrap()).await;
    assert_eq!(shown.status(), 200);
    assert!(!shown.bytes().await.unwrap().is_empty());

    // Node A counts by route pattern; no path with an id reaches the metrics.
    let metrics = reqwest::get(format!("http://{}/metrics", nodes.metrics))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains(r#"route="/api/v1/login""#), "{metrics}");
    assert!(metrics.contains("shenhe_uploads_total 1"), "{metrics}");
    assert!(
        !metrics.contains(image["id"].as_str().unwrap()),
        "{metrics}"
    );
    // What the two nodes wrote is whole: every row has its blobs, no blob lacks a row.
    nodes.fsck();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_failures_on_either_node_count_towards_one_budget_and_one_limit() {
    let nodes = TwoNodes::demo().await;
    let [a, b] = nodes.bases();
    let mut guesser = Browser::new("10.0.0.2");
    for attempt in 1..=5 {
        let node = if attempt % 2 == 1 { &a } else { &b };
        guesser
            .login(node, LI_MING.id_number, "wrong@example.com")
            .await
            .expect(401);
    }
    // That address's five guesses at this account are spent on both nodes: even the
    // right password from there is not checked, and is answered like a wrong one …
    let refused = guesser.login(&b, LI_MING.id_number, LI_MING.email).await;
    assert!(refused.message.contains("不正确"), "{}", refused.message);
    refused.expect(401);
    // … while the owner, elsewhere, gets in on either node.
    Browser::new("10.0.0.4")
        .login(&a, LI_MING.id_number, LI_MING.email)
        .await
        .expect(200);

    // One address, alternating nodes, an unknown account: the limit on attempts per
    // address is shared too.
    let mut crowd = Browser::new("10.0.0.3");
    for attempt in 0..ATTEMPTS_PER_MINUTE {
        crowd
            .login(&nodes.bases()[attempt % 2], "110101199001011237", "wrong")
            .await
            .expect(401);
    }
    let throttled = crowd.login(&a, LI_HUA.id_number, LI_HUA.email).await;
    assert!(throttled.message.contains("频繁"), "{}", throttled.message);
    throttled.expect(429);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_thousand_claims_over_two_nodes_never_hand_out_a_case_twice() {
    const REVIEWERS: usize = 20;
    const CLAIMS: usize = 1000;
    let nodes = TwoNodes::demo().await;
    let db = &nodes.db;
    db.set_setting("second_review_share", "0").await.unwrap();
    let cases = many_submitted(db, 0..300).await;
    let hash = shenhe::auth::hash_password("Review-2023-ok".to_string())
        .await
        .unwrap();
    let mut reviewers = Vec::new();
    for i in 0..REVIEWERS {
        let name = format!("r{i}");
        db.save_staff(&name, &hash, Role::Reviewer, false)
            .await
            .unwrap();
        let mut browser = Browser::new(&format!("10.1.0.{i}"));
        let base = &nodes.bases()[i % 2];
        browser
            .login(base, &name, "Review-2023-ok")
            .await
            .expect(200);
        reviewers.push(browser);
    }

    // Who holds what right now (a case leaves this map before it is released), and what
    // was decided.
    let held = Arc::new(Mutex::new(HashMap::<i64, usize>::new()));
    let decided = Arc::new(Mutex::new(HashSet::<i64>::new()));
    let calls = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for (who, browser) in reviewers.into_iter().enumerate() {
        let (held, decided, calls) = (held.clone(), decided.clone(), calls.clone());
        let bases = nodes.bases();
        tasks.push(tokio::spawn(async move {
            let mut turn = who;
            while calls.fetch_add(1, Ordering::SeqCst) < CLAIMS {
                turn += 1;
                let claimed = browser.post(&bases[turn % 2], "/api/v1/review/claim");
                let claimed = claimed.send().await.unwrap();
                if claimed.status() == StatusCode::NO_CONTENT {
                    break;
                }
                assert_eq!(claimed.status(), 200);
                let case: Value = claimed.json().await.unwrap();
                let id = case["id"].as_i64().unwrap();
                if let Some(other) = held.lock().unwrap().insert(id, who) {
                    panic!("case {id} handed to {who} while {other} holds it");
                }
                turn += 1;
                let base = &bases[turn % 2];
                if turn % 4 == 0 {
                    let marks: Vec<Value> = case["materials"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|m| json!({ "code": m["code"], "ok": true }))
                        .collect();
                    let path = format!("/api/v1/review/cases/{id}/decision");
                    let body = json!({ "outcome": "approve", "materials": marks });
                    let reply = browser.post(base, &path).json(&body).send().await;
                    assert_eq!(reply.unwrap().status(), 200, "deciding {id}");
                    assert!(decided.lock().unwrap().insert(id), "{id} decided twice");
                    held.lock().unwrap().remove(&id);
                } else {
                    held.lock().unwrap().remove(&id);
                    let path = format!("/api/v1/review/cases/{id}/release");
                    let reply = browser.post(base, &path).send().await.unwrap();
                    assert_eq!(reply.status(), 204, "releasing {id}");
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let decided = decided.lock().unwrap().len();
    assert!(decided > 100, "only {decided} decisions");
    let exam = db.current_exam().await.unwrap().unwrap();
    let counts: HashMap<String, i64> = db
        .status_counts(exam.id)
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(counts.get("approved").copied().unwrap_or(0), decided as i64);
    assert_eq!(
        counts.get("submitted").copied().unwrap_or(0),
        (cases.len() - decided) as i64
    );
}

/// Two `shenhe serve` processes on a fresh PostgreSQL schema and one S3 bucket; node A also
/// serves metrics. Everything stops and the schema is dropped when this is dropped.
struct TwoNodes {
    nodes: [Child; 2],
    addresses: [String; 2],
    metrics: String,
    db: Db,
    schema: String,
    /// The database URL both nodes use.
    url: String,
    s3: S3Server,
    _dir: TempDir,
}

impl TwoNodes {
    /// Both nodes started at the same moment on a schema nobody migrated yet.
    async fn start() -> TwoNodes {
        let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
        let admin = Db::connect(&postgres_url(), 1).await.unwrap();
        admin.create_schema(&schema).await.unwrap();
        admin.close().await;
        let separator = if postgres_url().contains('?') {
            '&'
        } else {
            '?'
        };
        let url = format!(
            "{}{separator}options=-c%20search_path%3D{schema}",
            postgres_url()
        );
        let s3 = s3_server().await;
        let dir = tempfile::tempdir().unwrap();
        let [port_a, port_b, port_metrics] = [free_port(), free_port(), free_port()];
        let metrics = format!("127.0.0.1:{port_metrics}");
        let start = |name: &str, port: u16, metrics: Option<&str>| {
            let log = std::fs::File::create(dir.path().join(format!("{name}.log"))).unwrap();
            let mut command = Command::new(env!("CARGO_BIN_EXE_shenhe"));
            command
                .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
                .args(["--client-ip-header", "X-Real-IP"])
                .env("SHENHE_DATA_DIR", dir.path().join(name))
                .env("SHENHE_DATABASE_URL", &url)
                .env("SHENHE_STORAGE_URL", &s3.url)
                .env("SHENHE_S3_ENDPOINT", &s3.endpoint)
                .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
                .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
                .env("SHENHE_ENCRYPTION_KEY", KEY)
                .env("SHENHE_DB_MAX_CONNECTIONS", "8")
                .env(
                    "SHENHE_LOGIN_ATTEMPTS_PER_MINUTE",
                    ATTEMPTS_PER_MINUTE.to_string(),
                )
                .env("SHENHE_LOG", "warn")
                .stdout(Stdio::null())
                .stderr(log);
            if let Some(metrics) = metrics {
                command.args(["--metrics-address", metrics]);
            }
            command.spawn().expect("starting shenhe serve")
        };
        let mut nodes = [start("a", port_a, Some(&metrics)), start("b", port_b, None)];
        let addresses = [port_a, port_b].map(|port| format!("http://127.0.0.1:{port}"));
        for (i, base) in addresses.iter().enumerate() {
            wait_until_ready(&mut nodes[i], base, &dir).await;
        }
        let options = PgConnectOptions::from_str(&postgres_url())
            .unwrap()
            .options([("search_path", schema.as_str())]);
        TwoNodes {
            nodes,
            addresses,
            metrics,
            db: Db::connect_postgres(options, 5).await.unwrap(),
            schema,
            url,
            s3,
            _dir: dir,
        }
    }

    /// `shenhe fsck` over what the two nodes share; it must find nothing wrong.
    fn fsck(&self) -> String {
        let output = Command::new(env!("CARGO_BIN_EXE_shenhe"))
            .arg("fsck")
            .env("SHENHE_DATA_DIR", self._dir.path().join("fsck"))
            .env("SHENHE_DATABASE_URL", &self.url)
            .env("SHENHE_STORAGE_URL", &self.s3.url)
            .env("SHENHE_S3_ENDPOINT", &self.s3.endpoint)
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
            .env("SHENHE_ENCRYPTION_KEY", KEY)
            .env("SHENHE_LOG", "warn")
            .output()
            .expect("running shenhe fsck");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "fsck found something wrong: {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        stdout
    }

    /// Both nodes with the demo exam, candidates and staff.
    async fn demo() -> TwoNodes {
        let nodes = TwoNodes::start().await;
        shenhe::demo::load(&nodes.db).await.unwrap();
        nodes
    }

    fn bases(&self) -> [String; 2] {
        self.addresses.clone()
    }
}

impl Drop for TwoNodes {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            let _ = node.kill();
            let _ = node.wait();
        }
        let schema = self.schema.clone();
        // Drop runs outside async; a short-lived runtime on its own thread cleans up.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                if let Ok(db) = Db::connect(&postgres_url(), 1).await {
                    let _ = db.drop_schema(&schema).await;
                    db.close().await;
                }
            });
        })
        .join();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn wait_until_ready(node: &mut Child, base: &str, dir: &TempDir) {
    for _ in 0..600 {
        if let Some(status) = node.try_wait().unwrap() {
            let logs =
                ["a", "b"].map(|n| std::fs::read_to_string(dir.path().join(format!("{n}.log"))));
            panic!("a node ended with {status}: {logs:?}");
        }
        if let Ok(reply) = reqwest::get(format!("{base}/readyz")).await
            && reply.status() == 200
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{base} not ready within a minute");
}

/// One browser: its own cookies, its CSRF token, and the address a proxy would report.
struct Browser {
    client: Client,
    csrf: String,
}

/// A sign-in answer: its status and error message.
struct Answer {
    status: StatusCode,
    message: String,
}

impl Answer {
    #[track_caller]
    fn expect(self, status: u16) {
        assert_eq!(self.status.as_u16(), status, "{}", self.message);
    }
}

impl Browser {
    fn new(address: &str) -> Browser {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("X-Real-IP", address.parse().unwrap());
        let client = Client::builder()
            .cookie_store(true)
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Browser {
            client,
            csrf: String::new(),
        }
    }

    async fn login(&mut self, base: &str, account: &str, password: &str) -> Answer {
        let body = json!({ "account": account, "password": password });
        let reply = self
            .client
            .post(format!("{base}/api/v1/login"))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = reply.status();
        let json: Value = reply.json().await.unwrap_or(Value::Null);
        if status == StatusCode::OK {
            self.csrf = json["csrf_token"].as_str().unwrap().to_string();
        }
        let message = json["error"].as_str().unwrap_or_default().to_string();
        Answer { status, message }
    }

    fn post(&self, base: &str, path: &str) -> reqwest::RequestBuilder {
        self.client
            .post(format!("{base}{path}"))
            .header("X-CSRF-Token", &self.csrf)
    }

    async fn get(&self, base: &str, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{base}{path}"))
            .send()
            .await
            .unwrap()
    }
}
