//! Candidates: roster upserts and lookups.

use std::collections::HashMap;

use anyhow::Context;
use sqlx::{AssertSqlSafe, QueryBuilder};

use super::{Db, now, on_pool};
use crate::domain::applicant::Applicant;
use crate::domain::region;

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

const FACT_COLUMNS: &str = "id_number, registration_no, name, email, phone, school, \
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

/// Rows per statement: 15 parameters each stays under SQLite's 32,766 and PostgreSQL's
/// 65,535 bind parameters.
pub const UPSERT_CHUNK: usize = 1000;

impl Db {
    /// The stored roster facts of those of `id_numbers` that exist in the exam.
    pub async fn roster_facts(
        &self,
        exam_id: i64,
        id_numbers: &[&str],
    ) -> anyhow::Result<HashMap<String, RosterFacts>> {
        let mut found = HashMap::with_capacity(id_numbers.len());
        for chunk in id_numbers.chunks(UPSERT_CHUNK) {
            let rows: Vec<RosterFacts> = on_pool!(self, |pool| {
                let mut query = QueryBuilder::new(format!(
                    "select {FACT_COLUMNS} from candidates where exam_id = "
                ));
                query.push_bind(exam_id).push(" and id_number in (");
                let mut list = query.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                query.push(")");
                query.build_query_as().fetch_all(pool).await
            })
            .context("reading existing candidates")?;
            found.extend(rows.into_iter().map(|r| (r.id_number.clone(), r)));
        }
        Ok(found)
    }

    /// Inserts the candidates, or replaces the roster facts of those already in the exam.
    pub async fn upsert_roster_facts(
        &self,
        exam_id: i64,
        candidates: &[RosterFacts],
    ) -> anyhow::Result<()> {
        let at = now();
        for chunk in candidates.chunks(UPSERT_CHUNK) {
            on_pool!(self, |pool| {
                let mut query = QueryBuilder::new(format!(
                    "insert into candidates (exam_id, {FACT_COLUMNS}, created_at, updated_at) "
                ));
                query.push_values(chunk, |mut row, c| {
                    row.push_bind(exam_id)
                        .push_bind(&c.id_number)
                        .push_bind(&c.registration_no)
                        .push_bind(&c.name)
                        .push_bind(&c.email)
                        .push_bind(&c.phone)
                        .push_bind(&c.school)
                        .push_bind(&c.school_location)
                        .push_bind(c.is_student)
                        .push_bind(&c.hukou_text)
                        .push_bind(&c.hukou_province)
                        .push_bind(&c.hukou_city)
                        .push_bind(&c.subject)
                        .push_bind(&c.category)
                        .push_bind(&c.ineligible_reason)
                        .push_bind(at)
                        .push_bind(at);
                });
                query.push(
                    " on conflict (exam_id, id_number) do update set \
                     registration_no = excluded.registration_no, name = excluded.name, \
                     email = excluded.email, phone = excluded.phone, school = excluded.school, \
                     school_location = excluded.school_location, \
                     is_student = excluded.is_student, hukou_text = excluded.hukou_text, \
                     hukou_province = excluded.hukou_province, \
                     hukou_city = excluded.hukou_city, subject = excluded.subject, \
                     category = excluded.category, \
                     ineligible_reason = excluded.ineligible_reason, \
                     updated_at = excluded.updated_at",
                );
                query.build().execute(pool).await.map(|r| r.rows_affected())
            })
            .context("saving candidates")?;
        }
        Ok(())
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
        Applicant {
            is_student: self.is_student,
            hukou_text: self.hukou_text.clone(),
            hukou: region::normalise(&self.hukou_text),
            school: self.school.clone(),
            school_location: self.school_location.as_deref().map(region::normalise),
            subject: self.subject.clone(),
        }
    }
}
