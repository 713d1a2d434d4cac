//! Candidates: roster upserts, lookups and the admins' search.

use anyhow::Context;
use sqlx::AssertSqlSafe;

use super::{Db, on_pool};
use crate::domain::applicant::Applicant;

/// What the roster (and the rules applied to it) says about one candidate: the columns an
/// import writes. Uploads, status and passwords live in other columns and are never touched
/// by an import.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RosterFacts {
    pub id_number: String,
    pub registration_no: String,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub school: String,
    pub school_location: Option<String>,
    pub is_student: bool,
    pub hukou_text: String,
    pub hukou_province: Option<String>,
    pub hukou_city: Option<String>,
    pub subject: String,
    pub category: Option<String>,
    pub ineligible_reason: Option<String>,
}

pub(crate) const FACT_COLUMNS: &str = "id_number, registration_no, name, email, phone, school, \
    school_location, is_student, hukou_text, hukou_province, hukou_city, subject, category, \
    ineligible_reason";

/// A candidate as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CandidateRow {
    pub id: i64,
    pub exam_id: i64,
    #[sqlx(flatten)]
    pub facts: RosterFacts,
    pub status: String,
}

/// One line of an admin's candidate search.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CandidateMatch {
    pub id: i64,
    pub id_number: String,
    pub registration_no: String,
    pub name: String,
    pub category: Option<String>,
    pub status: String,
    pub submitted_at: Option<time::OffsetDateTime>,
}

/// The most lines a candidate search returns.
pub const SEARCH_LIMIT: i64 = 100;

impl Db {
    /// Candidates of the exam whose 姓名, 身份证号 or 报名号 is exactly `q` (each of the
    /// three is indexed with the exam), by name; at most [`SEARCH_LIMIT`].
    pub async fn search_candidates(
        &self,
        exam_id: i64,
        q: &str,
    ) -> anyhow::Result<Vec<CandidateMatch>> {
        on_pool!(self, |pool| sqlx::query_as(
            // Each alternative names the exam, so both engines read three indexes and
            // join the hits (SQLite's multi-index OR needs it; `exam_id = $1 and (… or …)`
            // scans the whole exam there).
            "select id, id_number, registration_no, name, category, status, submitted_at \
             from candidates where (exam_id = $1 and name = $2) \
             or (exam_id = $1 and id_number = $2) or (exam_id = $1 and registration_no = $2) \
             order by name, id limit $3"
        )
        .bind(exam_id)
        .bind(q)
        .bind(SEARCH_LIMIT)
        .fetch_all(pool)
        .await)
        .context("searching candidates")
    }

    pub async fn find_candidate_by_id_number(
        &self,
        exam_id: i64,
        id_number: &str,
    ) -> anyhow::Result<Option<CandidateRow>> {
        let sql = format!(
            "select id, exam_id, {FACT_COLUMNS}, status from candidates \
             where exam_id = $1 and id_number = $2"
        );
        on_pool!(self, |pool| sqlx::query_as(AssertSqlSafe(sql))
            .bind(exam_id)
            .bind(id_number)
            .fetch_optional(pool)
            .await)
        .context("looking up the candidate")
    }

    pub async fn find_candidate(&self, candidate_id: i64) -> anyhow::Result<Option<CandidateRow>> {
        let sql =
            format!("select id, exam_id, {FACT_COLUMNS}, status from candidates where id = $1");
        on_pool!(self, |pool| sqlx::query_as(AssertSqlSafe(sql))
            .bind(candidate_id)
            .fetch_optional(pool)
            .await)
        .context("looking up the candidate")
    }

    pub async fn count_candidates(&self, exam_id: i64) -> anyhow::Result<i64> {
        on_pool!(self, |pool| sqlx::query_scalar(
            "select count(*) from candidates where exam_id = $1"
        )
        .bind(exam_id)
        .fetch_one(pool)
        .await)
        .context("counting candidates")
    }

    /// Candidates per category (`None`: not eligible here), for reports.
    pub async fn count_by_category(
        &self,
        exam_id: i64,
    ) -> anyhow::Result<Vec<(Option<String>, i64)>> {
        on_pool!(self, |pool| sqlx::query_as(
            "select category, count(*) from candidates where exam_id = $1 \
             group by category order by category"
        )
        .bind(exam_id)
        .fetch_all(pool)
        .await)
        .context("counting candidates by category")
    }
}

impl RosterFacts {
    /// The facts the category rules look at, as the import computed them.
    pub fn applicant(&self) -> Applicant {
        Applicant::new(
            self.is_student,
            &self.hukou_text,
            &self.school,
            self.school_location.as_deref(),
            &self.subject,
        )
    }
}
