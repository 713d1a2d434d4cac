//! Submitting, and reading back the latest review decision (`db::review` records them).

use anyhow::Context;
use time::OffsetDateTime;

use super::{Db, now, on_pool};

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
    /// For a return: the deadline the reviewer gave.
    pub resubmit_by: Option<OffsetDateTime>,
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
                "update candidates set status = 'submitted', updated_at = $2, \
                 submitted_at = $2, claimed_by = null, claimed_at = null \
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

    /// The most recent decision on any of the candidate's submissions (a first decision
    /// awaiting its second review too: callers show a decision only in a final status).
    pub async fn latest_decision(&self, candidate_id: i64) -> anyhow::Result<Option<DecisionRow>> {
        on_pool!(self, |pool| sqlx::query_as(
            "select d.outcome, d.marks, d.comment, d.decided_at, s.round, d.resubmit_by \
             from decisions d \
             join submissions s on s.id = d.submission_id \
             where s.candidate_id = $1 order by d.decided_at desc, d.id desc limit 1"
        )
        .bind(candidate_id)
        .fetch_optional(pool)
        .await)
        .context("reading the latest decision")
    }
}
