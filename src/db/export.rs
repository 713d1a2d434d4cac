//! The results export: every candidate of an exam with their final decision, streamed row by
//! row (`fetch`), so a million rows never sit in memory.
//!
//! The final decision is the latest decision of a candidate whose status is an outcome
//! (approved, returned, rejected): a first decision that waits for its second review leaves
//! the status `in_review`, and a resubmission sets it back to `submitted`.

use anyhow::Context;
use futures::StreamExt;
use futures::stream::BoxStream;
use sqlx::AssertSqlSafe;
use time::OffsetDateTime;

use super::{Db, on_pool};

/// One candidate as the export reads them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExportRow {
    pub registration_no: String,
    pub id_number: String,
    pub name: String,
    pub category: Option<String>,
    pub status: String,
    /// The final decision's per-material marks (JSON), comment, reviewer and time.
    pub marks: Option<String>,
    pub comment: Option<String>,
    pub reviewer: Option<String>,
    pub decided_at: Option<OffsetDateTime>,
}

/// The export's query; `{statuses}` is replaced by fixed status literals, never by input.
/// Shared with the benchmark, which runs the same rows through PostgreSQL's `COPY`. The
/// latest decision of each candidate comes from one grouped pass over the exam's decisions
/// (a sub-select per candidate took twice as long at 1,000,000 on PostgreSQL).
pub const EXPORT_SQL: &str = "select c.registration_no, c.id_number, c.name, c.category, \
    c.status, d.marks, d.comment, st.username as reviewer, d.decided_at \
    from candidates c \
    left join (select s.candidate_id, max(d2.id) as decision_id from submissions s \
      join decisions d2 on d2.submission_id = s.id \
      join candidates c2 on c2.id = s.candidate_id \
      where c2.exam_id = $1 group by s.candidate_id) f \
    on f.candidate_id = c.id and c.status in ('approved', 'returned', 'rejected') \
    left join decisions d on d.id = f.decision_id \
    left join staff st on st.id = d.reviewer_id \
    where c.exam_id = $1{statuses} \
    order by c.id";

/// [`EXPORT_SQL`] for these statuses (`None`: every status).
pub fn export_sql(statuses: Option<&[&'static str]>) -> String {
    let filter = match statuses {
        None => String::new(),
        Some(statuses) => {
            let list: Vec<String> = statuses.iter().map(|s| format!("'{s}'")).collect();
            format!(" and c.status in ({})", list.join(", "))
        }
    };
    EXPORT_SQL.replace("{statuses}", &filter)
}

impl Db {
    /// The exam's candidates in import order, with their final decisions, as a stream.
    /// `statuses`: only these (fixed status names, e.g. from `Status::as_str`).
    pub fn export_rows(
        &self,
        exam_id: i64,
        statuses: Option<&[&'static str]>,
    ) -> BoxStream<'_, anyhow::Result<ExportRow>> {
        let sql = export_sql(statuses);
        on_pool!(self, |pool| sqlx::query_as::<_, ExportRow>(AssertSqlSafe(
            sql
        ))
        .bind(exam_id)
        .fetch(pool)
        .map(|row| row.context("reading the results export"))
        .boxed())
    }
}
