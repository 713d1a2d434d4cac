//! Sign-in benchmark (driven by bench/login.sh): one POST /api/v1/login over HTTP beside a
//! bare argon2id verify of the same hash, in one process.
//!
//! `login_bench [rounds] [sqlite|postgres] [idle-seconds]` (default 200, sqlite, 11) starts
//! the real app on a fresh database (a temporary SQLite file, or a new schema on the
//! PostgreSQL server at `SHENHE_BENCH_POSTGRES_URL`), loads the demo and gives 李明 a real
//! password hash. Each round does every operation below once, in a new random order, each
//! after writing a buffer twice the size of the last-level cache (so every argon2 verify
//! starts with its 19 MiB out of the cache, whichever thread ran the previous one):
//!
//! - a bare `argon2` verify of 李明's hash, on this thread (the floor);
//! - `Passwords::verify` of the same hash (the web's bounded blocking pool);
//! - a control: the same verify on the blocking pool into a 19 MiB buffer kept between
//!   verifies, instead of the crate allocating and zeroing a new one every time;
//! - POST /api/v1/login with the right password (a new visitor: no cookie sent);
//! - POST /api/v1/login with a wrong password (李华, whose counted guesses are cleared after
//!   each attempt so the guard never refuses her; 李明 never fails, as in a real sign-in);
//! - POST /api/v1/login with a valid ID number that is not on the roster (decoy verify);
//! - POST /api/v1/login refused before any work (an account over 64 characters), and
//!   GET /healthz: the HTTP floor of the route and of the server;
//! - the database statements of a sign-in, on the same pool, each timed alone.
//!
//! Requests go one at a time over one kept-alive connection. Then, unless idle-seconds is
//! 0, it waits that long (tokio ends blocking-pool threads idle for 10 s, as on a quiet
//! server between two candidates) and does 20 more of the bare verify, the sign-in and the
//! what-if, 0.15 s apart. Prints Markdown tables: median and p95 wall milliseconds, median
//! CPU milliseconds of the whole process (other load on a shared host drops out), minor
//! page faults, and the ratios to the bare verify.
//!
//! `login_bench profile [rounds] [sqlite|postgres]` times the phases inside real sign-ins
//! instead, from the server's own tracing events (tower-http's request start and end,
//! sqlx's statement events).

use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use argon2::password_hash::PasswordVerifier;
use argon2::password_hash::phc::{Output, PasswordHash};
use argon2::{Algorithm, Argon2, Block, Params, Version};
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
    Kept,
    Login,
    WrongPassword,
    UnknownId,
    Refused,
    Healthz,
    Statements,
}

const OPS: [(Op, &str); 9] = [
    (Op::Bare, "bare argon2id verify (argon2 crate, this thread)"),
    (Op::Pool, "`Passwords::verify` (bounded blocking pool)"),
    (
        Op::Kept,
        "control: blocking pool, kept-buffer verify written out in the benchmark",
    ),
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
    (
        Op::Statements,
        "a right-password sign-in's 5 statements, run alone (sum)",
    ),
];

/// The database statements of a sign-in, in the order `signin::start` runs them; the first
/// five are those of a right password.
const STATEMENTS: [&str; 5] = [
    "select the current exam's candidate by ID number",
    "insert session",
    "insert audit row (written after the response)",
    "select candidate, ID not on the roster",
    "upsert: count a guess (a sign-in runs three, and gives them back when right)",
];

/// Sign-ins (and bare verifies) after the idle wait.
const AFTER_IDLE: usize = 20;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let profile = args.first().is_some_and(|a| a == "profile");
    if profile {
        args.remove(0);
    }
    let rounds: usize = args.first().map_or(Ok(200), |n| n.parse())?;
    let engine = args.get(1).map_or("sqlite", String::as_str);
    let idle: u64 = args.get(2).map_or(Ok(11), |n| n.parse())?;
    let recorder = Recorder::default();
    if profile {
        use tracing_subscriber::layer::SubscriberExt;
        let only = tracing_subscriber::filter::Targets::new()
            .with_target("sqlx::query", tracing::Level::DEBUG)
            .with_target("tower_http", tracing::Level::DEBUG);
        let subscriber = tracing_subscriber::registry().with(
            tracing_subscriber::Layer::with_filter(recorder.clone(), only),
        );
        tracing::subscriber::set_global_default(subscriber)?;
    }
    let bench = Bench::start(engine).await?;
    let result = if profile {
        bench.profile(rounds.max(2), &recorder).await
    } else {
        bench.run(rounds.max(2), Duration::from_secs(idle)).await
    };
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
    liming: i64,
    hash: String,
    unknown_id: String,
    /// The what-if's 19 MiB argon2 buffers, one per core, kept between verifies.
    kept: Arc<Mutex<Vec<Vec<Block>>>>,
}

/// Per operation: wall ms, CPU ms and page faults of each run.
#[derive(Clone, Default)]
struct Samples {
    wall: Vec<f64>,
    cpu: Vec<f64>,
    faults: Vec<f64>,
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
        let mut ids = Vec::new();
        for id_number in [LIMING, LIHUA] {
            let login = db
                .find_current_candidate_login(id_number)
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
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let buffer = vec![Block::new(); Params::DEFAULT_M_COST as usize];
        Ok(Bench {
            db,
            _dir: dir,
            schema,
            state,
            base,
            client: reqwest::Client::new(),
            liming,
            hash,
            unknown_id: format!("{first17}{check}"),
            kept: Arc::new(Mutex::new(vec![buffer; cores])),
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

    async fn run(&self, rounds: usize, idle: Duration) -> Result<(), Error> {
        // Warm up: connections, pool threads, allocator, statement caches.
        for (op, _) in OPS {
            for _ in 0..3 {
                self.once(op, &mut [0.0; STATEMENTS.len()]).await?;
            }
        }
        let mut samples = vec![Samples::default(); OPS.len()];
        let mut statements = vec![Vec::with_capacity(rounds); STATEMENTS.len()];
        let started = Instant::now();
        let mut order: Vec<usize> = (0..OPS.len()).collect();
        let mut seed = SEED;
        let mut cache = Evict::new();
        for _ in 0..rounds {
            shuffle(&mut order, &mut seed);
            for &index in &order {
                let mut statement_ms = [0.0; STATEMENTS.len()];
                cache.evict();
                self.measure(OPS[index].0, &mut statement_ms, &mut samples[index])
                    .await?;
                if OPS[index].0 == Op::Statements {
                    for (all, ms) in statements.iter_mut().zip(statement_ms) {
                        all.push(ms);
                    }
                }
            }
        }
        let seconds = started.elapsed().as_secs_f64();

        let mut after_idle = Vec::new();
        if !idle.is_zero() {
            tokio::time::sleep(idle).await;
            let ops = [Op::Bare, Op::Login, Op::Kept];
            after_idle = vec![Samples::default(); ops.len()];
            let mut order: Vec<usize> = (0..ops.len()).collect();
            for _ in 0..AFTER_IDLE {
                shuffle(&mut order, &mut seed);
                for &index in &order {
                    tokio::time::sleep(Duration::from_millis(150)).await;
                    self.measure(
                        ops[index],
                        &mut [0.0; STATEMENTS.len()],
                        &mut after_idle[index],
                    )
                    .await?;
                }
            }
        }
        self.report(rounds, seconds, samples, statements, idle, after_idle);
        Ok(())
    }

    async fn measure(
        &self,
        op: Op,
        statement_ms: &mut [f64; STATEMENTS.len()],
        into: &mut Samples,
    ) -> Result<(), Error> {
        let (cpu, faults) = (cpu_ms(), minor_faults());
        into.wall.push(self.once(op, statement_ms).await?);
        into.cpu.push(cpu_ms() - cpu);
        into.faults.push((minor_faults() - faults) as f64);
        Ok(())
    }

    /// Runs one operation and returns its wall milliseconds (for `Statements`, the sum of
    /// the first five; each statement's own time goes into `statement_ms`).
    async fn once(&self, op: Op, statement_ms: &mut [f64; STATEMENTS.len()]) -> Result<f64, Error> {
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
                    .sign_in
                    .passwords
                    .verify(PASSWORD, Some(&self.hash))
                    .await
                    .map_err(|_| "busy")??;
                expect(ok, "Passwords::verify failed")?;
            }
            Op::Kept => {
                let (kept, hash) = (self.kept.clone(), self.hash.clone());
                let ok = tokio::task::spawn_blocking(move || {
                    let mut blocks = kept.lock().expect("buffers").pop().expect("a buffer");
                    let ok = verify_into(PASSWORD, &hash, &mut blocks);
                    kept.lock().expect("buffers").push(blocks);
                    ok
                })
                .await?;
                expect(ok?, "the verify into a kept buffer failed")?;
            }
            Op::Login => self.login(LIMING, PASSWORD, 200).await?,
            Op::WrongPassword => {
                self.login(LIHUA, "Wrong-password-1", 401).await?;
                let ms = ms_since(start);
                // Forget her guesses, so the guard never refuses them.
                self.db
                    .sweep_rate_limits(shenhe::db::now() + time::Duration::days(1))
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
            Op::Statements => {
                self.statements(statement_ms).await?;
                // What a sign-in waits for: the audit row is written after the response.
                return Ok(statement_ms[..2].iter().sum());
            }
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
    async fn statements(&self, ms: &mut [f64; STATEMENTS.len()]) -> Result<(), Error> {
        let db = &self.db;
        let liming = Account::Candidate(self.liming);
        let now = shenhe::db::now();
        let mut t = Instant::now();
        let mut lap = |i: usize| {
            ms[i] = ms_since(t);
            t = Instant::now();
        };
        db.find_current_candidate_login(LIMING).await?;
        lap(0);
        let token = shenhe::auth::new_token();
        let csrf = shenhe::auth::new_token();
        db.create_session(&shenhe::auth::token_hash(&token), liming, &csrf, now)
            .await?;
        lap(1);
        db.record_audit(AuditEntry {
            actor: Actor::Candidate(self.liming),
            action: "signed_in",
            candidate_id: Some(self.liming),
            ip: Some("127.0.0.1".to_string()),
            detail: None,
        })
        .await?;
        lap(2);
        db.find_current_candidate_login(&self.unknown_id).await?;
        lap(3);
        db.count_hit("bench-guess", now, now - time::Duration::hours(1))
            .await?;
        lap(4);
        db.sweep_rate_limits(now + time::Duration::days(1)).await?;
        Ok(())
    }

    fn report(
        &self,
        rounds: usize,
        seconds: f64,
        samples: Vec<Samples>,
        statements: Vec<Vec<f64>>,
        idle: Duration,
        after_idle: Vec<Samples>,
    ) {
        let rows: Vec<Row> = samples.into_iter().map(Row::of).collect();
        let at = |op: Op| &rows[OPS.iter().position(|(o, _)| *o == op).expect("an op")];
        let bare = at(Op::Bare);
        println!(
            "{rounds} rounds in {seconds:.0} s, {:?}; one kept-alive HTTP/1.1 connection\n",
            self.db.engine()
        );
        println!("| operation | median ms | p95 ms | × bare | CPU ms | × bare CPU | page faults |");
        println!("|---|---:|---:|---:|---:|---:|---:|");
        for ((_, label), row) in OPS.iter().zip(&rows) {
            row.print(label, bare);
        }
        let (login, pool) = (at(Op::Login).wall.median, at(Op::Pool).wall.median);
        println!(
            "\nsign-in / bare verify: {:.3}× wall, {:.3}× CPU (target ≤ 1.05×). \
             ID not on the roster / right password: {:.3}×; / wrong password: {:.3}×.",
            login / bare.wall.median,
            at(Op::Login).cpu / bare.cpu,
            at(Op::UnknownId).wall.median / login,
            at(Op::UnknownId).wall.median / at(Op::WrongPassword).wall.median,
        );

        println!("\n| database statement of a sign-in, run alone | median ms | p95 ms |");
        println!("|---|---:|---:|");
        let statements: Vec<Stats> = statements.into_iter().map(Stats::of).collect();
        for (label, s) in STATEMENTS.iter().zip(&statements) {
            println!("| {label} | {:.3} | {:.3} |", s.median, s.p95);
        }
        let right: f64 = statements[..5].iter().map(|s| s.median).sum();
        println!(
            "\nRight password, by medians: {login:.2} ms = verify on the pool {pool:.2} \
             (bare {:.2}) + 5 statements run alone {right:.2} + HTTP, JSON, hand-overs and \
             the rest {:.2}",
            bare.wall.median,
            login - pool - right,
        );

        if !after_idle.is_empty() {
            let rows: Vec<Row> = after_idle.into_iter().map(Row::of).collect();
            println!(
                "\nAfter {} s idle (tokio's blocking threads ended), {AFTER_IDLE} of each, \
                 0.15 s apart, no cache eviction:\n",
                idle.as_secs()
            );
            println!(
                "| operation | median ms | p95 ms | × bare | CPU ms | × bare CPU | page faults |"
            );
            println!("|---|---:|---:|---:|---:|---:|---:|");
            rows[0].print(OPS[0].1, &rows[0]);
            rows[1].print(OPS[3].1, &rows[0]);
            rows[2].print(OPS[2].1, &rows[0]);
        }
    }
}

/// One line of the table.
struct Row {
    wall: Stats,
    cpu: f64,
    faults: f64,
}

impl Row {
    fn of(samples: Samples) -> Row {
        let faults = samples.faults.iter().sum::<f64>() / samples.faults.len().max(1) as f64;
        Row {
            wall: Stats::of(samples.wall),
            cpu: Stats::of(samples.cpu).median,
            faults,
        }
    }

    fn print(&self, label: &str, bare: &Row) {
        println!(
            "| {label} | {:.2} | {:.2} | {:.3} | {:.2} | {:.3} | {:.0} |",
            self.wall.median,
            self.wall.p95,
            self.wall.median / bare.wall.median,
            self.cpu,
            self.cpu / bare.cpu,
            self.faults,
        );
    }
}

impl Bench {
    /// Times the phases inside real sign-ins from the server's own events: tower-http's
    /// request start and end, and sqlx's statement events (each carries its time on the
    /// database connection). What lies between two statements is the handler's own work,
    /// the hand-over to and from the connection and, after the candidate lookup, the verify.
    async fn profile(&self, rounds: usize, recorder: &Recorder) -> Result<(), Error> {
        let cases = [
            (LIMING, 200, "right password"),
            (self.unknown_id.as_str(), 401, "ID not on the roster"),
        ];
        let mut bare = Vec::with_capacity(rounds);
        let mut phases: Vec<Vec<(String, Vec<f64>)>> = vec![Vec::new(); cases.len()];
        let mut skipped = 0;
        let mut order: Vec<usize> = (0..=cases.len()).collect();
        let mut seed = SEED;
        let mut cache = Evict::new();
        for round in 0..rounds + 3 {
            shuffle(&mut order, &mut seed);
            for &case in &order {
                cache.evict();
                let Some((account, status, _)) = cases.get(case) else {
                    let ms = self.once(Op::Bare, &mut [0.0; STATEMENTS.len()]).await?;
                    if round >= 3 {
                        bare.push(ms);
                    }
                    continue;
                };
                recorder.take();
                let sent = Instant::now();
                self.login(account, PASSWORD, *status).await?;
                let done = Instant::now();
                let timeline = phases_of(sent, &recorder.take(), done);
                if round < 3 {
                    continue;
                }
                let all = &mut phases[case];
                if all.is_empty() {
                    *all = timeline
                        .iter()
                        .map(|(n, _)| (n.clone(), Vec::new()))
                        .collect();
                }
                let same = all.len() == timeline.len()
                    && all.iter().zip(&timeline).all(|((a, _), (b, _))| a == b);
                if !same {
                    skipped += 1;
                    continue;
                }
                for ((_, ms), (_, t)) in all.iter_mut().zip(timeline) {
                    ms.push(t);
                }
            }
        }
        println!(
            "{rounds} sign-ins of each kind, {:?} ({skipped} left out: other events came \
             between); bare verify median {:.2} ms\n",
            self.db.engine(),
            Stats::of(bare).median
        );
        for ((_, _, name), phases) in cases.iter().zip(phases) {
            println!("| POST /api/v1/login, {name}: phase | median ms | p95 ms |");
            println!("|---|---:|---:|");
            let mut total = 0.0;
            for (label, ms) in phases {
                let s = Stats::of(ms);
                total += s.median;
                println!("| {label} | {:.3} | {:.3} |", s.median, s.p95);
            }
            println!("| sum of medians | {total:.3} | |\n");
        }
        Ok(())
    }
}

/// Server events, as they happen: (when, what, milliseconds the event says it took).
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<(Instant, String, f64)>>>);

impl Recorder {
    fn take(&self) -> Vec<(Instant, String, f64)> {
        std::mem::take(&mut *self.0.lock().expect("the recorder"))
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Recorder {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        let at = Instant::now();
        let mut fields = Fields::default();
        event.record(&mut fields);
        let what = fields.summary.or(fields.message).unwrap_or_default();
        self.0
            .lock()
            .expect("the recorder")
            .push((at, what, fields.elapsed_ms));
    }
}

#[derive(Default)]
struct Fields {
    summary: Option<String>,
    message: Option<String>,
    elapsed_ms: f64,
}

impl tracing::field::Visit for Fields {
    fn record_f64(&mut self, field: &tracing::field::Field, value: f64) {
        if field.name() == "elapsed_secs" {
            self.elapsed_ms = value * 1000.0;
        }
    }

    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "summary" {
            self.summary = Some(value.to_string());
        }
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.message = Some(format!("{value:?}"));
        } else if field.name() == "summary" {
            self.summary = Some(format!("{value:?}").trim_matches('"').to_string());
        }
    }
}

/// One sign-in's phases from the client's send to its last byte: the gaps between server
/// events, and each statement's own time on its connection.
fn phases_of(
    sent: Instant,
    events: &[(Instant, String, f64)],
    done: Instant,
) -> Vec<(String, f64)> {
    let ms = |a: Instant, b: Instant| b.saturating_duration_since(a).as_secs_f64() * 1000.0;
    let mut phases = Vec::new();
    let mut last = sent;
    let mut last_name = "client sends".to_string();
    for (at, what, elapsed) in events {
        let name = if what.starts_with("started processing") {
            "request in".to_string()
        } else if what.starts_with("finished processing") {
            "response out".to_string()
        } else {
            format!("`{what}`")
        };
        let began = at.checked_sub(Duration::from_secs_f64(elapsed / 1000.0));
        let began = began.unwrap_or(*at).max(last);
        phases.push((format!("{last_name} → {name}"), ms(last, began)));
        if *elapsed > 0.0 {
            phases.push((format!("{name} on its connection"), ms(began, *at)));
        }
        (last, last_name) = (*at, name);
    }
    phases.push((format!("{last_name} → client has the body"), ms(last, done)));
    phases
}

/// What `Passwords` could do instead of `Argon2::verify_password`, which allocates and zeroes
/// a new 19 MiB buffer on every call: hash into a buffer kept between calls, then compare
/// the outputs in constant time (`Output`'s `==`), as the crate's own verify does.
fn verify_into(password: &str, hash: &str, blocks: &mut [Block]) -> Result<bool, String> {
    let parsed = PasswordHash::new(hash).map_err(|e| e.to_string())?;
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return Ok(false);
    };
    let argon2 = Argon2::new(
        Algorithm::try_from(parsed.algorithm.as_str()).map_err(|e| e.to_string())?,
        Version::try_from(parsed.version.unwrap_or(0x13)).map_err(|e| e.to_string())?,
        Params::try_from(&parsed).map_err(|e| e.to_string())?,
    );
    let mut out = [0u8; Output::MAX_LENGTH];
    let out = &mut out[..expected.len()];
    argon2
        .hash_password_into_with_memory(password.as_bytes(), salt, out, blocks)
        .map_err(|e| e.to_string())?;
    Ok(Output::new(out).map_err(|e| e.to_string())? == *expected)
}

struct Stats {
    median: f64,
    p95: f64,
}

impl Stats {
    fn of(mut ms: Vec<f64>) -> Stats {
        ms.sort_by(f64::total_cmp);
        let n = ms.len();
        if n == 0 {
            return Stats {
                median: f64::NAN,
                p95: f64::NAN,
            };
        }
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

/// CPU time of the live threads of this process so far, in ms (the first field of
/// /proc/self/task/*/schedstat, nanoseconds on a CPU); 0 where there is no /proc.
fn cpu_ms() -> f64 {
    // The calling thread's own count is brought up to date only when it leaves the CPU.
    std::thread::yield_now();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0.0;
    };
    let ns: u64 = tasks
        .flatten()
        .filter_map(|task| std::fs::read_to_string(task.path().join("schedstat")).ok())
        .filter_map(|line| line.split(' ').next()?.parse::<u64>().ok())
        .sum();
    ns as f64 / 1e6
}

/// Minor page faults of this process so far (field 10 of /proc/self/stat; 0 elsewhere).
fn minor_faults() -> u64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|stat| {
            // The command name (field 2) is in parentheses and may hold spaces.
            let after_name = &stat[stat.rfind(')')? + 2..];
            after_name.split(' ').nth(7)?.parse().ok()
        })
        .unwrap_or(0)
}

/// 64 MiB, twice the last-level cache of the development machine, written before every
/// timed operation. Without it a verify that follows another on the same thread finds part
/// of its 19 MiB still in the cache, and which thread ran last is the runtime's choice.
struct Evict(Vec<u8>);

impl Evict {
    fn new() -> Evict {
        Evict(vec![1; 64 << 20])
    }

    fn evict(&mut self) {
        for line in self.0.chunks_mut(64) {
            line[0] = line[0].wrapping_add(1);
        }
        std::hint::black_box(&self.0);
    }
}

const SEED: u64 = 0x2545_F491_4F6C_DD1D;

/// A new random order (Fisher–Yates with xorshift), so that no operation always follows
/// the same other one.
fn shuffle(order: &mut [usize], seed: &mut u64) {
    for i in (1..order.len()).rev() {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        order.swap(i, (*seed % (i as u64 + 1)) as usize);
    }
}

fn expect(ok: bool, what: &str) -> Result<(), Error> {
    if ok { Ok(()) } else { Err(what.into()) }
}

fn postgres_url() -> String {
    std::env::var("SHENHE_BENCH_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}
