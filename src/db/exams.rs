//! Exams: their rules (the config text) and windows.

use anyhow::Context;
use sqlx::AssertSqlSafe;
use time::OffsetDateTime;

use super::{Db, now, on_pool};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExamRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// The exam config (TOML) as the admin wrote it.
    pub config: String,
    pub is_current: bool,
    pub upload_opens_at: Option<OffsetDateTime>,
    pub upload_closes_at: Option<OffsetDateTime>,
    pub resubmit_deadline: Option<OffsetDateTime>,
    /// The reviewers' reason catalogue as JSON; `None`: the default one.
    pub review_reasons: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// When its images and personal data were purged; `None` while they are kept.
    pub purged_at: Option<OffsetDateTime>,
}

const COLUMNS: &str = "id, code, name, config, is_current, upload_opens_at, upload_closes_at, \
                       resubmit_deadline, review_reasons, created_at, updated_at, purged_at";

impl Db {
    /// Creates the exam with this code, or replaces its name and rules.
    pub async fn save_exam(&self, code: &str, name: &str, config: &str) -> anyhow::Result<ExamRow> {
        let at = now();
        let sql = format!(
            "insert into exams (code, name, config, created_at, updated_at) \
             values ($1, $2, $3, $4, $4) \
             on conflict (code) do update set name = excluded.name, config = excluded.config, \
             updated_at = excluded.updated_at \
             returning {COLUMNS}"
        );
        on_pool!(self, |pool| sqlx::query_as(AssertSqlSafe(sql))
            .bind(code)
            .bind(name)
            .bind(config)
            .bind(at)
            .fetch_one(pool)
            .await)
        .context("saving the exam")
    }

    pub async fn find_exam_by_code(&self, code: &str) -> anyhow::Result<Option<ExamRow>> {
        let sql = format!("select {COLUMNS} from exams where code = $1");
        on_pool!(self, |pool| sqlx::query_as(AssertSqlSafe(sql))
            .bind(code)
            .fetch_optional(pool)
            .await)
        .context("looking up the exam")
    }

    pub async fn find_exam(&self, exam_id: i64) -> anyhow::Result<Option<ExamRow>> {
        let sql = format!("select {COLUMNS} from exams where id = $1");
        on_pool!(self, |pool| sqlx::query_as(AssertSqlSafe(sql))
            .bind(exam_id)
            .fetch_optional(pool)
            .await)
        .context("looking up the exam")
    }

    /// The exam marked current for candidate login, if any.
    pub async fn current_exam(&self) -> anyhow::Result<Option<ExamRow>> {
        let sql = format!("select {COLUMNS} from exams where is_current order by id limit 1");
        on_pool!(self, |pool| sqlx::query_as(AssertSqlSafe(sql))
            .fetch_optional(pool)
            .await)
        .context("looking up the current exam")
    }

    pub async fn list_exams(&self) -> anyhow::Result<Vec<ExamRow>> {
        let sql = format!("select {COLUMNS} from exams order by id");
        on_pool!(self, |pool| sqlx::query_as(AssertSqlSafe(sql))
            .fetch_all(pool)
            .await)
        .context("listing exams")
    }

    /// Marks one exam current and every other one not current, in one statement.
    pub async fn set_current_exam(&self, exam_id: i64) -> anyhow::Result<()> {
        on_pool!(self, |pool| sqlx::query(
            "update exams set is_current = (id = $1) where is_current or id = $1"
        )
        .bind(exam_id)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))
        .context("marking the exam current")?;
        Ok(())
    }

    /// Sets the candidate upload window.
    pub async fn set_upload_window(
        &self,
        exam_id: i64,
        opens_at: Option<OffsetDateTime>,
        closes_at: Option<OffsetDateTime>,
    ) -> anyhow::Result<()> {
        on_pool!(self, |pool| sqlx::query(
            "update exams set upload_opens_at = $2, upload_closes_at = $3, updated_at = $4 \
             where id = $1"
        )
        .bind(exam_id)
        .bind(opens_at)
        .bind(closes_at)
        .bind(now())
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))
        .context("setting the upload window")?;
        Ok(())
    }

    /// Replaces the exam's reason catalogue (a JSON array of strings); `None`: the default.
    pub async fn set_review_reasons(
        &self,
        exam_id: i64,
        reasons: Option<&str>,
    ) -> anyhow::Result<()> {
        on_pool!(self, |pool| sqlx::query(
            "update exams set review_reasons = $2 where id = $1"
        )
        .bind(exam_id)
        .bind(reasons)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))
        .context("saving the reason catalogue")?;
        Ok(())
    }

    /// Renames the exam (the name candidates and staff read; the config keeps its own).
    pub async fn set_exam_name(&self, exam_id: i64, name: &str) -> anyhow::Result<()> {
        on_pool!(self, |pool| sqlx::query(
            "update exams set name = $2, updated_at = $3 where id = $1"
        )
        .bind(exam_id)
        .bind(name)
        .bind(now())
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))
        .context("renaming the exam")?;
        Ok(())
    }

    /// Sets the default deadline for resubmitting returned materials; `None`: the end of
    /// the upload window.
    pub async fn set_resubmit_deadline(
        &self,
        exam_id: i64,
        deadline: Option<OffsetDateTime>,
    ) -> anyhow::Result<()> {
        on_pool!(self, |pool| sqlx::query(
            "update exams set resubmit_deadline = $2, updated_at = $3 where id = $1"
        )
        .bind(exam_id)
        .bind(deadline)
        .bind(now())
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))
        .context("setting the resubmission deadline")?;
        Ok(())
    }

    /// Saves a reason catalogue, one reason a line as typed (blank lines dropped; none:
    /// back to the default). Returns the reasons stored.
    pub async fn save_review_reasons(
        &self,
        exam_id: i64,
        lines: &[String],
    ) -> anyhow::Result<Vec<String>> {
        let reasons: Vec<String> = lines
            .iter()
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty())
            .collect();
        let stored = (!reasons.is_empty())
            .then(|| serde_json::to_string(&reasons))
            .transpose()
            .context("writing the reason catalogue")?;
        self.set_review_reasons(exam_id, stored.as_deref()).await?;
        Ok(reasons)
    }
}
