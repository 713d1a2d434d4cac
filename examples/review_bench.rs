//! Review-queue benchmark: claim-next, decide and the queue page with many candidates and
//! several reviewers at once, through `review::Reviewing` and `Db` (what the handlers
//! call). Usage: `review_bench <candidates> <postgres|sqlite> <reviewers> <rounds> <pause-ms>`.
//! Each reviewer repeats: claim next, decide, queue page 1, page 21 and a search, with
//! `pause-ms` between rounds (0: flat out, a load test; a person takes seconds per case).
//! PostgreSQL is at SHENHE_BENCH_POSTGRES_URL; each run uses a new schema and drops it.
//!
//! Candidates are written with one bulk statement (this measures the queue, not the
//! import): 40% submitted, 20% draft, 20% approved, 10% returned, 10% rejected.

use std::str::FromStr;
use std::time::{Duration, Instant};

use shenhe::db::Db;
use shenhe::db::audit::{Actor, AuditEntry};
use shenhe::db::review::{Decided, NewDecision, QueueFilter};
use shenhe::db::staff::Role;
use shenhe::domain::review::{Marks, Outcome};
use shenhe::domain::rules::ExamConfig;
use shenhe::imaging::Limits;
use shenhe::portal::Portal;
use shenhe::review::{Reviewer, Reviewing};
use shenhe::storage::Storage;
use sqlx::AssertSqlSafe;
use sqlx::postgres::PgConnectOptions;

const STATUS: &str = "case g % 10 when 0 then 'submitted' when 1 then 'submitted' \
    when 2 then 'submitted' when 3 then 'submitted' when 4 then 'draft' when 5 then 'draft' \
    when 6 then 'approved' when 7 then 'approved' when 8 then 'returned' else 'rejected' end";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let rows: i64 = args
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let engine = args.next().unwrap_or_else(|| "postgres".into());
    let reviewers: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(8);
    let rounds: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(300);
    let pause: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(0);
    let dir = tempfile::tempdir()?;
    let schema = format!("bench_review_{}", std::process::id());
    let (db, raw) = match engine.as_str() {
        "sqlite" => {
            let url = format!("sqlite://{}", dir.path().join("bench.db").display());
            let db = Db::connect(&url, 16).await?;
            (db, Raw::Sqlite(sqlx::SqlitePool::connect(&url).await?))
        }
        _ => {
            let url = std::env::var("SHENHE_BENCH_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
            let admin = Db::connect(&url, 1).await?;
            admin.create_schema(&schema).await?;
            admin.close().await;
            let options =
                PgConnectOptions::from_str(&url)?.options([("search_path", schema.as_str())]);
            let raw = Raw::Postgres(sqlx::PgPool::connect_with(options.clone()).await?);
            (Db::connect_postgres(options, 16).await?, raw)
        }
    };
    let result = run(&db, &raw, &engine, rows, (reviewers, rounds, pause), &dir).await;
    if engine != "sqlite" {
        db.drop_schema(&schema).await?;
    }
    result
}

async fn run(
    db: &Db,
    raw: &Raw,
    engine: &str,
    rows: i64,
    (reviewers, rounds, pause): (usize, usize, u64),
    dir: &tempfile::TempDir,
) -> anyhow::Result<()> {
    db.migrate().await?;
    let rules = ExamConfig::default_config();
    let exam = db
        .save_exam(rules.code(), rules.name(), ExamConfig::default_text())
        .await?;
    db.set_current_exam(exam.id).await?;
    db.set_setting("second_review_share", "0").await?;
    let started = Instant::now();
    fill(raw, engine, exam.id, rows).await?;
    eprintln!(
        "{rows} candidates written in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let storage = Storage::open(&format!("file://{}", dir.path().join("blobs").display()))?;
    let portal = Portal::new(db.clone(), storage, Limits::default());
    let reviewing = Reviewing::new(db.clone(), portal);
    let mut staff = Vec::new();
    for i in 0..reviewers {
        staff.push(
            db.save_staff(&format!("bench{i}"), "x", Role::Reviewer, false)
                .await?
                .id,
        );
    }

    let mut tasks = Vec::new();
    for (n, staff_id) in staff.into_iter().enumerate() {
        let reviewing = reviewing.clone();
        let exam_id = exam.id;
        tasks.push(tokio::spawn(async move {
            let mut times = Times::default();
            let who = Reviewer { staff_id, ip: None };
            for round in 0..rounds {
                // Reviewers start at different moments and pause between cases.
                let jitter = (n as u64 * 37 + round as u64 * 11) % (pause + 1);
                tokio::time::sleep(Duration::from_millis(pause / 2 + jitter)).await;
                let now = shenhe::db::now();
                let t = Instant::now();
                let claimed = reviewing.claim_next(&who, now).await?;
                times.claim.push(t.elapsed());
                let Some(case) = claimed else { break };
                let t = Instant::now();
                let decided = reviewing
                    .db
                    .decide(&NewDecision {
                        candidate_id: case,
                        reviewer_id: staff_id,
                        outcome: Outcome::Approved,
                        marks: &Marks::default(),
                        comment: None,
                        resubmit_by: None,
                        needs_second_review: false,
                        audit: AuditEntry {
                            actor: Actor::Staff(staff_id),
                            action: "decided",
                            candidate_id: Some(case),
                            ip: None,
                            detail: None,
                        },
                    })
                    .await?;
                times.decide.push(t.elapsed());
                anyhow::ensure!(decided == Decided::Final { disagrees: false });
                let t = Instant::now();
                let filter = QueueFilter {
                    exam_id,
                    status: Some("submitted".into()),
                    ..QueueFilter::default()
                };
                reviewing.queue(filter, now).await?;
                times.queue.push(t.elapsed());
                let t = Instant::now();
                let filter = QueueFilter {
                    exam_id,
                    ..QueueFilter::default()
                };
                reviewing.queue(filter, now).await?;
                times.all.push(t.elapsed());
                let t = Instant::now();
                let filter = QueueFilter {
                    exam_id,
                    q: Some(format!("考生{}", (round * 7919 + n * 104_729) % 1_000_000)),
                    ..QueueFilter::default()
                };
                reviewing.queue(filter, now).await?;
                times.search.push(t.elapsed());
                let t = Instant::now();
                let filter = QueueFilter {
                    exam_id,
                    status: Some("submitted".into()),
                    page: 20,
                    ..QueueFilter::default()
                };
                reviewing.queue(filter, now).await?;
                times.page20.push(t.elapsed());
            }
            anyhow::Ok(times)
        }));
    }
    let started = Instant::now();
    let mut all = Times::default();
    for task in tasks {
        let times = task.await??;
        all.claim.extend(times.claim);
        all.decide.extend(times.decide);
        all.queue.extend(times.queue);
        all.search.extend(times.search);
        all.page20.extend(times.page20);
        all.all.extend(times.all);
    }
    let wall = started.elapsed();
    let counts = Instant::now();
    db.status_counts(exam.id).await?;
    let counts = counts.elapsed();

    println!(
        "{engine}: {rows} candidates, {reviewers} reviewers at once, {} cases decided in {:.1} s \
         ({:.0} per second; pause between rounds {pause} ms ± half)",
        all.decide.len(),
        wall.as_secs_f64(),
        all.decide.len() as f64 / wall.as_secs_f64()
    );
    println!();
    println!("| operation | n | p50 ms | p99 ms | max ms |");
    println!("|---|---:|---:|---:|---:|");
    for (name, times) in [
        ("claim next (领取下一位)", &mut all.claim),
        (
            "decide (approve, one transaction + audit row)",
            &mut all.decide,
        ),
        ("queue page 1, status 待审核 (50 rows)", &mut all.queue),
        ("queue page 21, status 待审核", &mut all.page20),
        ("queue page 1, every status (全部)", &mut all.all),
        ("queue search by name", &mut all.search),
    ] {
        times.sort();
        let at = |q: f64| ms(times[((times.len() - 1) as f64 * q).round() as usize]);
        println!(
            "| {name} | {} | {:.2} | {:.2} | {:.2} |",
            times.len(),
            at(0.5),
            at(0.99),
            ms(*times.last().unwrap_or(&Duration::ZERO))
        );
    }
    println!();
    println!(
        "Counting every status once (reused for 10 s by the queue page): {:.1} ms",
        ms(counts)
    );
    Ok(())
}

#[derive(Default)]
struct Times {
    claim: Vec<Duration>,
    decide: Vec<Duration>,
    queue: Vec<Duration>,
    search: Vec<Duration>,
    page20: Vec<Duration>,
    all: Vec<Duration>,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Writes `rows` candidates (and a submission for each one that was ever submitted) in bulk.
async fn fill(raw: &Raw, engine: &str, exam_id: i64, rows: i64) -> anyhow::Result<()> {
    let series = match engine {
        "sqlite" => format!(
            "with recursive s(g) as (select 1 union all select g + 1 from s where g < {rows}) \
             select g from s"
        ),
        _ => format!("select g from generate_series(1, {rows}) g"),
    };
    // Submission times: one second apart, the oldest first, in each engine's own format.
    let submitted_at = match engine {
        "sqlite" => {
            "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || (2000000 - g) || ' seconds')".to_string()
        }
        _ => "now() - (2000000 - g) * interval '1 second'".to_string(),
    };
    let now = match engine {
        "sqlite" => "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
        _ => "now()",
    };
    let schools = "case g % 4 when 0 then '武汉大学' when 1 then '华中师范大学' \
                   when 2 then '湖北大学' else '江汉大学' end";
    let insert = format!(
        "insert into candidates (exam_id, id_number, registration_no, name, email, school, \
         is_student, hukou_text, subject, category, status, created_at, updated_at, \
         submitted_at) \
         select {exam_id}, substr('000000000000000000' || g, -18, 18), 'R' || g, '考生' || g, \
         'c' || g || '@example.com', {schools}, g % 3 = 0, '湖北武汉', '小学/语文', \
         'student_in_wuhan', {STATUS}, {now}, {now}, \
         case when g % 10 in (4, 5) then null else {submitted_at} end from ({series}) t"
    );
    let insert = match engine {
        "sqlite" => insert,
        // PostgreSQL has no negative substr start; lpad says the same.
        _ => insert.replace(
            "substr('000000000000000000' || g, -18, 18)",
            "lpad(g::text, 18, '0')",
        ),
    };
    let submissions = "insert into submissions (candidate_id, round, submitted_at) \
                       select id, 1, submitted_at from candidates where submitted_at is not null";
    for statement in [insert.as_str(), submissions, "analyze"] {
        match raw {
            Raw::Sqlite(pool) => {
                sqlx::query(AssertSqlSafe(statement)).execute(pool).await?;
            }
            Raw::Postgres(pool) => {
                sqlx::query(AssertSqlSafe(statement)).execute(pool).await?;
            }
        }
    }
    Ok(())
}

/// A plain pool on the same database, for the bulk statements the app never runs.
enum Raw {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}
