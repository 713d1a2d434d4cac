//! Sign-in benchmark (driven by bench/login.sh): one POST /api/v1/login over HTTP beside a
//! bare argon2id verify of the same hash, in one process.
//!
//! `login_bench [rounds] [sqlite|postgres]` (default 200, sqlite) starts the real app on a
//! fresh database (a temporary SQLite file, or a new schema on the PostgreSQL server at
//! `SHENHE_BENCH_POSTGRES_URL`), loads the demo and gives 李明 a real password hash. Each
//! round then does every operation once, in an order that rotates from round to round so
//! that drift on a shared host falls on all of them alike:
//!
//! - a bare `argon2` verify of 李明's hash, on this thread (the floor);
//! - `Passwords::verify` of the same hash (the web's bounded blocking pool);
//! - POST /api/v1/login with the right password (a new visitor: no cookie sent);
//! - POST /api/v1/login with a wrong password (李华, whose failures are cleared after each
//!   attempt so she never locks; 李明 stays without failures, as a real sign-in would be);
//! - POST /api/v1/login with a valid ID number that is not on the roster (decoy verify);
//! - POST /api/v1/login refused before any work (an account over 64 characters), and
//!   GET /healthz: the HTTP floor of the route and of the server;
//! - each database statement of a sign-in, on the same pool, timed alone.
//!
//! Requests go one at a time over one kept-alive connection. Prints Markdown tables: median
//! and p95 milliseconds per operation, and the ratios to the bare verify.

use std::str::FromStr;
use std::time::Instant;

use argon2::Argon2;
use argon2::password_hash::PasswordVerifier;
use argon2::password_hash::phc::PasswordHash;
use shenhe::config::WebSettings;
use shenhe::db::Db;
use shenhe::db::accounts::Account;
use shenhe::db::audit::{Actor, AuditEntry};
use shenhe::storage::Storage;
use shenhe::web::{AppState, Server};

type Error = Box<dyn std::error::Error>;

/// 李明 signs in; 李华 gets the wrong passwords.
const LIMING: &str = "420502200203150215";
const LIHUA: &str = "420102200111080326";
const PASSWORD: &str = "Bench-login-2024";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Bare,
    Pool,
    Login,
    WrongPassword,
    UnknownId,
    Refused,
    Healthz,
    Steps,
}

const OPS: [Op; 8] = [
    Op::Bare,
    Op::Pool,
    Op::Login,
    Op::WrongPassword,
    Op::UnknownId,
    Op::Refused,
    Op::Healthz,
    Op::Steps,
];

/// The database statements of a sign-in, in the order `signin::start` runs them.
const STEPS: [&str; 7] = [
    "select current exam",
    "select candidate by ID number",
    "update: clear failures (no-op: none to clear)",
    "insert session",
    "insert audit row",
    "select candidate, unknown ID number",
    "update: count a failure (wrong password)",
];

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rounds: usize = args.first().map_or(Ok(200), |n| n.parse())?;
    let engine = args.get(1).map_or("sqlite", String::as_str);
    let bench = Bench::start(engine).await?;
    let result = bench.run(rounds.max(2)).await;
    bench.stop().await;
    result
}

struct Bench {
    db: Db,
    /// The temporary folder (SQLite file and blobs); removed on drop.
    _dir: tempfile::TempDir,
    /// The PostgreSQL schema to drop at the end.
    schema: Option<String>,
    state: AppState,
    base: String,
    client: reqwest::Client,
    exam_id: i64,
    liming: i64,
    lihua: i64,
    hash: String,
    unknown_id: String,
}

impl Bench {
    async fn start(engine: &str) -> Result<Bench, Error> {
        let dir = tempfile::tempdir()?;
        let (db, schema) = match engine {
            "sqlite" => {
                let url = format!("sqlite://{}", dir.path().join("bench.db").display());
                (Db::connect(&url, 10).await?, None)
            }
            "postgres" => {
                let schema = format!("login_bench_{}", std::process::id());
                let admin = Db::connect(&postgres_url(), 1).await?;
                admin.create_schema(&schema).await?;
                admin.close().await;
                let options = sqlx::postgres::PgConnectOptions::from_str(&postgres_url())?
                    .options([("search_path", schema.as_str())]);
                (Db::connect_postgres(options, 10).await?, Some(schema))
            }
            other => return Err(format!("unknown engine {other}: sqlite or postgres").into()),
        };
        db.migrate().await?;
        shenhe::demo::load(&db).await?;
        let exam_id = db.current_exam().await?.ok_or("no current exam")?.id;
        let mut ids = Vec::new();
        for id_number in [LIMING, LIHUA] {
            let login = db
                .find_candidate_login(exam_id, id_number)
                .await?
                .ok_or("a demo candidate is missing")?;
            ids.push(login.id);
        }
        let (liming, lihua) = (ids[0], ids[1]);
        let hash = shenhe::auth::hash_password(PASSWORD.to_string()).await?;
        for id in [liming, lihua] {
            db.set_password(Account::Candidate(id), &hash).await?;
        }

        let storage = Storage::open(&format!("file://{}", dir.path().join("blobs").display()))?;
        let settings = WebSettings {
            login_attempts_per_minute: 1_000_000,
            ..WebSettings::default()
        };
        let state = AppState::new(db.clone(), storage, settings);
        let server = Server::bind("127.0.0.1:0".parse()?, state.clone()).await?;
        let base = format!("http://{}", server.local_addr()?);
        tokio::spawn(server.run(std::future::pending()));

        // A valid ID number (right check digit) that is not on the roster.
        let first17 = "42050220020315099";
        let check = shenhe::domain::id_number::check_digit(first17).ok_or("check digit")?;
        Ok(Bench {
            db,
            _dir: dir,
            schema,
            state,
            base,
            client: reqwest::Client::new(),
            exam_id,
            liming,
            lihua,
            hash,
            unknown_id: format!("{first17}{check}"),
        })
    }

    async fn stop(self) {
        self.db.close().await;
        if let Some(schema) = self.schema
            && let Ok(admin) = Db::connect(&postgres_url(), 1).await
        {
            let _ = admin.drop_schema(&schema).await;
            admin.close().await;
        }
    }

    async fn run(&self, rounds: usize) -> Result<(), Error> {
        // Warm up: connections, pool threads, allocator, caches.
        for op in OPS {
            for _ in 0..3 {
                self.once(op, &mut [0.0; STEPS.len()]).await?;
            }
        }
        let mut times: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); OPS.len()];
        let mut steps: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); STEPS.len()];
        let started = Instant::now();
        for round in 0..rounds {
            for k in 0..OPS.len() {
                let index = (round + k) % OPS.len();
                let mut step_ms = [0.0; STEPS.len()];
                times[index].push(self.once(OPS[index], &mut step_ms).await?);
                if OPS[index] == Op::Steps {
                    for (all, ms) in steps.iter_mut().zip(step_ms) {
                        all.push(ms);
                    }
                }
            }
        }
        let seconds = started.elapsed().as_secs_f64();
        self.report(rounds, seconds, times, steps);
        Ok(())
    }

    /// Runs one operation and returns its milliseconds (for `Steps`, their sum; each step's
    /// own time goes into `step_ms`).
    async fn once(&self, op: Op, step_ms: &mut [f64; STEPS.len()]) -> Result<f64, Error> {
        let start = Instant::now();
        match op {
            Op::Bare => {
                let parsed = PasswordHash::new(&self.hash).map_err(|e| e.to_string())?;
                let ok = Argon2::default()
                    .verify_password(PASSWORD.as_bytes(), &parsed)
                    .is_ok();
                expect(ok, "the bare verify failed")?;
            }
            Op::Pool => {
                let ok = self
                    .state
                    .passwords
                    .verify(PASSWORD, Some(&self.hash))
                    .await
                    .map_err(|_| "busy")??;
                expect(ok, "Passwords::verify failed")?;
            }
            Op::Login => self.login(LIMING, PASSWORD, 200).await?,
            Op::WrongPassword => {
                self.login(LIHUA, "Wrong-password-1", 401).await?;
                let ms = ms_since(start);
                self.db
                    .clear_failed_logins(Account::Candidate(self.lihua))
                    .await?;
                return Ok(ms);
            }
            Op::UnknownId => self.login(&self.unknown_id, PASSWORD, 401).await?,
            Op::Refused => self.login(&"1".repeat(65), PASSWORD, 401).await?,
            Op::Healthz => {
                let response = self
                    .client
                    .get(format!("{}/healthz", self.base))
                    .send()
                    .await?;
                expect(response.status() == 200, "GET /healthz")?;
                response.bytes().await?;
            }
            Op::Steps => return self.steps(step_ms).await,
        }
        Ok(ms_since(start))
    }

    async fn login(&self, account: &str, password: &str, status: u16) -> Result<(), Error> {
        let response = self
            .client
            .post(format!("{}/api/v1/login", self.base))
            .json(&serde_json::json!({ "account": account, "password": password }))
            .send()
            .await?;
        let got = response.status().as_u16();
        let body = response.text().await?;
        expect(got == status, &format!("login answered {got}: {body}"))
    }

    /// The statements `signin::start` runs, each timed alone, with the same arguments.
    async fn steps(&self, step_ms: &mut [f64; STEPS.len()]) -> Result<f64, Error> {
        let db = &self.db;
        let liming = Account::Candidate(self.liming);
        let lihua = Account::Candidate(self.lihua);
        let now = shenhe::db::now();
        let mut t = Instant::now();
        let mut lap = |i: usize, t: &mut Instant| {
            step_ms[i] = ms_since(*t);
            *t = Instant::now();
        };
        db.current_exam().await?;
        lap(0, &mut t);
        db.find_candidate_login(self.exam_id, LIMING).await?;
        lap(1, &mut t);
        db.clear_failed_logins(liming).await?;
        lap(2, &mut t);
        let token = shenhe::auth::new_token();
        let csrf = shenhe::auth::new_token();
        db.create_session(&shenhe::auth::token_hash(&token), liming, &csrf, now)
            .await?;
        lap(3, &mut t);
        db.record_audit(AuditEntry {
            actor: Actor::Candidate(self.liming),
            action: "signed_in",
            candidate_id: Some(self.liming),
            ip: Some("127.0.0.1".to_string()),
            detail: None,
        })
        .await?;
        lap(4, &mut t);
        db.find_candidate_login(self.exam_id, &self.unknown_id)
            .await?;
        lap(5, &mut t);
        db.record_failed_login(lihua, 5, now + time::Duration::minutes(15))
            .await?;
        lap(6, &mut t);
        db.clear_failed_logins(lihua).await?;
        Ok(step_ms.iter().sum())
    }

    fn report(&self, rounds: usize, seconds: f64, times: Vec<Vec<f64>>, steps: Vec<Vec<f64>>) {
        let stats: Vec<Stats> = times.into_iter().map(Stats::of).collect();
        let at = |op: Op| &stats[OPS.iter().position(|o| *o == op).expect("an op")];
        let bare = at(Op::Bare).median;
        println!(
            "{} rounds in {seconds:.1} s, {:?}; one kept-alive HTTP/1.1 connection\n",
            rounds,
            self.db.engine()
        );
        println!("| operation | median ms | p95 ms | × bare verify (median) |");
        println!("|---|---:|---:|---:|");
        let rows = [
            (Op::Bare, "bare argon2id verify (argon2 crate, this thread)"),
            (Op::Pool, "`Passwords::verify` (bounded blocking pool)"),
            (Op::Login, "POST /api/v1/login, right password → 200"),
            (
                Op::WrongPassword,
                "POST /api/v1/login, wrong password → 401",
            ),
            (
                Op::UnknownId,
                "POST /api/v1/login, ID not on the roster → 401 (decoy verify)",
            ),
            (
                Op::Refused,
                "POST /api/v1/login, refused before any work → 401",
            ),
            (Op::Healthz, "GET /healthz"),
            (Op::Steps, "the sign-in's 7 statements, run alone (sum)"),
        ];
        for (op, label) in rows {
            let s = at(op);
            println!(
                "| {label} | {:.2} | {:.2} | {:.3} |",
                s.median,
                s.p95,
                s.median / bare
            );
        }
        let login = at(Op::Login).median;
        println!();
        println!(
            "login / bare verify: {:.3}× (target ≤ 1.05×); unknown ID / right password: {:.3}×; \
             unknown ID / wrong password: {:.3}×",
            login / bare,
            at(Op::UnknownId).median / login,
            at(Op::UnknownId).median / at(Op::WrongPassword).median,
        );

        println!("\n| database statement of a sign-in | median ms | p95 ms |");
        println!("|---|---:|---:|");
        let steps: Vec<Stats> = steps.into_iter().map(Stats::of).collect();
        for (label, s) in STEPS.iter().zip(&steps) {
            println!("| {label} | {:.3} | {:.3} |", s.median, s.p95);
        }
        let right: f64 = steps[..5].iter().map(|s| s.median).sum();
        let pool = at(Op::Pool).median;
        println!(
            "\nright password, by medians: verify on the pool {pool:.2} ms (bare {bare:.2}, \
             hop {:+.2}) + statements {right:.2} ms + HTTP, JSON, routing and the rest {:.2} ms \
             = {login:.2} ms",
            pool - bare,
            login - pool - right,
        );
    }
}

struct Stats {
    median: f64,
    p95: f64,
}

impl Stats {
    fn of(mut ms: Vec<f64>) -> Stats {
        ms.sort_by(f64::total_cmp);
        let n = ms.len();
        Stats {
            median: if n % 2 == 1 {
                ms[n / 2]
            } else {
                (ms[n / 2 - 1] + ms[n / 2]) / 2.0
            },
            p95: ms[(n * 95).div_ceil(100) - 1],
        }
    }
}

fn ms_since(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1000.0
}

fn expect(ok: bool, what: &str) -> Result<(), Error> {
    if ok { Ok(()) } else { Err(what.into()) }
}

fn postgres_url() -> String {
    std::env::var("SHENHE_BENCH_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}
