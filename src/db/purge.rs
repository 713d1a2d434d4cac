//! Purging a finished exam: blobs listed, personal data removed, aggregates kept.
//!
//! Candidate rows stay (with placeholders for everything that names a person), and so do
//! submissions, decisions (without free text) and the audit trail (without addresses and
//! details), so counts by status, category, day and reviewer read as before.

use anyhow::Context;
use futures::StreamExt;
use futures::stream::BoxStream;
use time::OffsetDateTime;

use super::{Db, on_pool};
use crate::domain::review::Marks;

/// What the database part of a purge removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PurgedRows {
    pub images: u64,
    pub sessions: u64,
    pub candidates: u64,
    /// Decisions whose comment or material notes were cleared (the larger of the two counts).
    pub decisions: u64,
    pub audit_rows: u64,
}

/// The exam's candidates, as a sub-select.
const OF_EXAM: &str = "(select id from candidates where exam_id = $1)";

/// Personal data replaced by placeholders; the ID number by a unique one.
const ANONYMISE: &str = "update candidates set id_number = 'purged-' || id, \
    registration_no = 'purged-' || id, name = '已清除', email = '', phone = null, \
    school = '已清除', school_location = null, hukou_text = '已清除', hukou_province = null, \
    hukou_city = null, ineligible_reason = null, password_hash = null, failed_logins = 0, \
    locked_until = null, claimed_by = null, claimed_at = null where exam_id = $1";

impl Db {
    /// Every blob key (images and thumbnails) the exam's image rows point at.
    pub fn exam_blob_keys(&self, exam_id: i64) -> BoxStream<'_, anyhow::Result<(String, String)>> {
        let sql = format!("select blob_key, thumb_key from images where candidate_id in {OF_EXAM}");
        on_pool!(self, |pool| sqlx::query_as::<_, (String, String)>(
            sqlx::AssertSqlSafe(sql)
        )
        .bind(exam_id)
        .fetch(pool)
        .map(|row| row.context("listing the exam's images"))
        .boxed())
    }

    /// Returned candidates whose resubmission deadline (of their latest return) is after `at`.
    pub async fn count_open_returns(
        &self,
        exam_id: i64,
        at: OffsetDateTime,
    ) -> anyhow::Result<i64> {
        on_pool!(self, |pool| sqlx::query_scalar(
            "select count(*) from candidates c where c.exam_id = $1 and c.status = 'returned' \
             and (select d.resubmit_by from submissions s \
                  join decisions d on d.submission_id = s.id \
                  where s.candidate_id = c.id order by d.id desc limit 1) > $2"
        )
        .bind(exam_id)
        .bind(at)
        .fetch_one(pool)
        .await)
        .context("counting open returns")
    }

    /// Removes the exam's image rows, candidate sessions and personal data, clears free text
    /// of decisions and the addresses and details of its audit rows, and marks the exam purged
    /// (`purged_at`), in one transaction. The exam stays current if it was: its statistics
    /// still show, and nobody can sign in with a placeholder.
    pub async fn purge_exam_rows(
        &self,
        exam_id: i64,
        at: OffsetDateTime,
    ) -> anyhow::Result<PurgedRows> {
        let of_decisions = format!(
            "select d.id from decisions d join submissions s on s.id = d.submission_id \
             where s.candidate_id in {OF_EXAM}"
        );
        let notes_sql = format!(
            "select id, marks from decisions where id in ({of_decisions}) \
             and marks like '%\"note\"%'"
        );
        on_pool!(self, |pool| async {
            let mut tx = pool.begin().await?;
            let mut purged = PurgedRows::default();
            let mut run = async |sql: String| -> Result<u64, sqlx::Error> {
                Ok(sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(exam_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected())
            };
            purged.sessions = run(format!(
                "delete from sessions where candidate_id in {OF_EXAM}"
            ))
            .await?;
            purged.images = run(format!(
                "delete from images where candidate_id in {OF_EXAM}"
            ))
            .await?;
            purged.audit_rows = run(format!(
                "update audit_log set ip = null, detail = null where (candidate_id in {OF_EXAM} \
                 or (actor_kind = 'candidate' and actor_id in {OF_EXAM})) \
                 and (ip is not null or detail is not null)"
            ))
            .await?;
            purged.candidates = run(ANONYMISE.to_string()).await?;
            let comments = run(format!(
                "update decisions set comment = null where id in ({of_decisions}) \
                 and comment is not null"
            ))
            .await?;
            // Notes are few (a reason that asks for words); they are rewritten one by one.
            let notes: Vec<(i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(notes_sql))
                .bind(exam_id)
                .fetch_all(&mut *tx)
                .await?;
            for (id, marks) in &notes {
                sqlx::query("update decisions set marks = $2 where id = $1")
                    .bind(id)
                    .bind(without_notes(marks))
                    .execute(&mut *tx)
                    .await?;
            }
            purged.decisions = comments.max(notes.len() as u64);
            sqlx::query("update exams set purged_at = $2 where id = $1")
                .bind(exam_id)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(purged)
        }
        .await)
        .context("purging the exam's personal data")
    }
}

/// The marks with every reviewer's own words removed (reasons from the catalogue stay).
fn without_notes(marks: &str) -> String {
    let mut marks = Marks::parse(marks);
    for mark in marks.0.values_mut() {
        mark.note = None;
    }
    serde_json::to_string(&marks).unwrap_or_else(|_| "{}".to_string())
}
