//! Results-export benchmark data: an exam of many candidates with final decisions in a fresh
//! PostgreSQL schema, for `bench/export.sh` to export with `shenhe export` and with
//! PostgreSQL's `COPY … TO` (the same query). Usage:
//! `export_bench setup <candidates> <schema>` prints the exam code and the `COPY` query;
//! `export_bench drop <schema>` removes the schema. PostgreSQL is at
//! SHENHE_BENCH_POSTGRES_URL.
//!
//! Candidates: 50% approved, 10% returned (one material with a reason and a note, and a
//! comment), 5% rejected, 15% submitted, 5% in review, 15% draft; eight reviewers.

use std::str::FromStr;
use std::time::Instant;

use shenhe::db::Db;
use shenhe::db::export::export_sql;
use shenhe::domain::rules::ExamConfig;
use sqlx::AssertSqlSafe;
use sqlx::postgres::PgConnectOptions;

const STATUS: &str = "case when g % 20 < 10 then 'approved' when g % 20 < 12 then 'returned' \
    when g % 20 < 13 then 'rejected' when g % 20 < 16 then 'submitted' \
    when g % 20 < 17 then 'in_review' else 'draft' end";

const MARKS: &str = "case c.status \
    when 'approved' then '{\"id_card\":{\"ok\":true},\"student_status\":{\"ok\":true}}' \
    when 'returned' then '{\"id_card\":{\"ok\":true},\"student_status\":{\"ok\":false,\
\"reason\":\"其他（请说明）\",\"note\":\"缺少学籍管理部门盖章\"}}' \
    else '{\"id_card\":{\"ok\":false,\"reason\":\"非本人材料\"},\"student_status\":{\"ok\":true}}' end";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let url = std::env::var("SHENHE_BENCH_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let admin = Db::connect(&url, 1).await?;
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["setup", rows, schema] => {
            admin.create_schema(schema).await?;
            let options = PgConnectOptions::from_str(&url)?.options([("search_path", schema)]);
            let db = Db::connect_postgres(options.clone(), 2).await?;
            db.migrate().await?;
            let rules = ExamConfig::default_config();
            let exam = db
                .save_exam(rules.code(), rules.name(), ExamConfig::default_text())
                .await?;
            db.set_current_exam(exam.id).await?;
            let pool = sqlx::PgPool::connect_with(options).await?;
            let started = Instant::now();
            fill(&pool, exam.id, rows.parse()?).await?;
            eprintln!(
                "{rows} candidates written in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            println!("{}", exam.code);
            println!("{}", export_sql(None).replace("$1", &exam.id.to_string()));
        }
        ["drop", schema] => admin.drop_schema(schema).await?,
        _ => anyhow::bail!("usage: export_bench setup <candidates> <schema> | drop <schema>"),
    }
    admin.close().await;
    Ok(())
}

/// Candidates, their submissions and final decisions, in bulk statements.
async fn fill(pool: &sqlx::PgPool, exam_id: i64, rows: i64) -> anyhow::Result<()> {
    let statements = [
        "insert into staff (username, password_hash, role, created_at) \
         select 'reviewer' || g, 'x', 'reviewer', now() from generate_series(1, 8) g"
            .to_string(),
        format!(
            "insert into candidates (exam_id, id_number, registration_no, name, email, school, \
             is_student, hukou_text, subject, category, status, created_at, updated_at, \
             submitted_at) \
             select {exam_id}, '4' || lpad(g::text, 16, '0') || 'X', '2342' || lpad(g::text, 9, '0'), \
             '考生' || g, 'c' || g || '@example.com', '武汉大学', true, '湖北武汉', \
             '小学/语文', 'student_in_wuhan', {STATUS}, now(), now(), \
             case when g % 20 >= 17 then null \
             else now() - (2000000 - g) * interval '1 second' end \
             from generate_series(1, {rows}) g"
        ),
        "insert into submissions (candidate_id, round, submitted_at) \
         select id, 1, submitted_at from candidates where submitted_at is not null"
            .to_string(),
        format!(
            "insert into decisions (submission_id, reviewer_id, outcome, marks, comment, \
             decided_at, stage) \
             select s.id, (select min(id) from staff) + c.id % 8, c.status, {MARKS}, \
             case c.status when 'returned' then '请补充盖章页' end, \
             s.submitted_at + interval '1 hour', 1 \
             from submissions s join candidates c on c.id = s.candidate_id \
             where c.status in ('approved', 'returned', 'rejected')"
        ),
        "analyze".to_string(),
    ];
    for statement in statements {
        sqlx::query(AssertSqlSafe(statement)).execute(pool).await?;
    }
    Ok(())
}
