//! Submitting, and reading back the latest review decision.

use anyhow::Context;
use time::OffsetDateTime;

use super::{Db, now, on_pool};
use crate::domain::review::{Marks, Outcome};

/// What a submit attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmitResult {
    /// Submitted as this round (1 the first time, 2 after the first return …).
    Submitted { round: i32 },
    /// The status does not allow a submit.
    Locked,
    /// These required materials have no image; nothing was submitted.
    Missing(Vec<String>),
}

/// The latest decision on a candidate's submissions.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DecisionRow {
    pub outcome: String,
    /// JSON text, see `domain::review::Marks`.
    pub marks: String,
    pub comment: Option<String>,
    pub decided_at: OffsetDateTime,
    pub round: i32,
}

impl Db {
    /// Submits the candidate's materials when every `required` material has an image, in one
    /// transaction that first takes the candidate's row (so no upload or delete slips in).
    pub async fn submit(
        &self,
        candidate_id: i64,
        required: &[String],
    ) -> anyhow::Result<SubmitResult> {
        let at = now();
        on_pool!(self, |pool| async {
            let mut tx = pool.begin().await?;
            let locked = sqlx::query(
                "update candidates set status = 'submitted', updated_at = $2 \
                 where id = $1 and status in ('draft', 'returned')",
            )
            .bind(candidate_id)
            .bind(at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if locked == 0 {
                return Ok(SubmitResult::Locked);
            }
            let present: Vec<String> =
                sqlx::query_scalar("select distinct material from images where candidate_id = $1")
                    .bind(candidate_id)
                    .fetch_all(&mut *tx)
                    .await?;
            let missing: Vec<String> = required
                .iter()
                .filter(|code| !present.contains(code))
                .cloned()
                .collect();
            if !missing.is_empty() {
                tx.rollback().await?;
                return Ok(SubmitResult::Missing(missing));
            }
            let round: i32 = sqlx::query_scalar(
                "insert into submissions (candidate_id, round, submitted_at) \
                 select $1, coalesce(max(round), 0) + 1, $2 from submissions \
                 where candidate_id = $1 returning round",
            )
            .bind(candidate_id)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(SubmitResult::Submitted { round })
        }
        .await)
        .context("submitting")
    }

    /// Records a reviewer's decision on the candidate's latest submission and moves the
    /// status to the outcome, while the submission awaits review. `false`: nothing awaited
    /// review (already decided, or never submitted).
    pub async fn record_decision(
        &self,
        candidate_id: i64,
        reviewer_id: i64,
        outcome: Outcome,
        marks: &Marks,
        comment: Option<&str>,
    ) -> anyhow::Result<bool> {
        let at = now();
        let marks = serde_json::to_string(marks).context("writing the marks")?;
        on_pool!(self, |pool| async {
            let mut tx = pool.begin().await?;
            let moved = sqlx::query(
                "update candidates set status = $2, updated_at = $3 \
                 where id = $1 and status in ('submitted', 'in_review')",
            )
            .bind(candidate_id)
            .bind(outcome.as_str())
            .bind(at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if moved == 0 {
                return Ok(false);
            }
            sqlx::query(
                "insert into decisions (submission_id, reviewer_id, outcome, marks, comment, \
                 decided_at) select id, $2, $3, $4, $5, $6 from submissions \
                 where candidate_id = $1 order by round desc limit 1",
            )
            .bind(candidate_id)
            .bind(reviewer_id)
            .bind(outcome.as_str())
            .bind(&marks)
            .bind(comment)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(true)
        }
        .await)
        .context("recording the decision")
    }

    /// The most recent decision on any of the candidate's submissions.
    pub async fn latest_decision(&self, candidate_id: i64) -> anyhow::Result<Option<DecisionRow>> {
        on_pool!(self, |pool| sqlx::query_as(
            "select d.outcome, d.marks, d.comment, d.decided_at, s.round from decisions d \
             join submissions s on s.id = d.submission_id \
             where s.candidate_id = $1 order by d.decided_at desc, d.id desc limit 1"
        )
        .bind(candidate_id)
        .fetch_optional(pool)
        .await)
        .context("reading the latest decision")
    }
}
