//! Sign-in state: what a sign-in checks, and password changes, for candidates and staff.
//! (How many guesses an account gets is counted in `rate_limits`: see `auth::guard`.)

use anyhow::Context;
use sqlx::AssertSqlSafe;

use super::{Db, now, on_pool};

/// Whose account: a candidate or a staff member (the table it lives in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Account {
    Candidate(i64),
    Staff(i64),
}

/// What a candidate's sign-in needs to know.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CandidateLogin {
    pub id: i64,
    pub id_number: String,
    pub email: String,
    /// None until the candidate replaces the initial password (the email).
    pub password_hash: Option<String>,
}

/// What a staff member's sign-in needs to know.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StaffLogin {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub role: String,
    pub must_change_password: bool,
    pub disabled: bool,
    /// The confirmed TOTP secret (base32): a sign-in needs a code.
    pub totp_secret: Option<String>,
    /// An admin made TOTP mandatory (the `totp_required` setting).
    pub totp_required: bool,
}

/// The columns of [`StaffLogin`], with the setting read in the same statement.
const STAFF_LOGIN: &str = "select id, username, password_hash, role, must_change_password, \
     disabled, totp_secret, exists (select 1 from settings g \
     where g.key = 'totp_required' and g.value = 'true') as totp_required from staff";

impl Db {
    /// The candidate of the current exam with this ID number (one statement: a sign-in
    /// costs as little besides argon2 as it can).
    pub async fn find_current_candidate_login(
        &self,
        id_number: &str,
    ) -> anyhow::Result<Option<CandidateLogin>> {
        on_pool!(self, |pool| sqlx::query_as(
            "select c.id, c.id_number, c.email, c.password_hash \
             from candidates c join exams e on e.id = c.exam_id \
             where e.is_current and c.id_number = $1"
        )
        .bind(id_number)
        .fetch_optional(pool)
        .await)
        .context("looking up the candidate's sign-in")
    }

    pub async fn find_candidate_login_by_id(
        &self,
        candidate_id: i64,
    ) -> anyhow::Result<Option<CandidateLogin>> {
        on_pool!(self, |pool| sqlx::query_as(
            "select id, id_number, email, password_hash from candidates where id = $1"
        )
        .bind(candidate_id)
        .fetch_optional(pool)
        .await)
        .context("looking up the candidate's sign-in")
    }

    pub async fn find_staff_login(&self, username: &str) -> anyhow::Result<Option<StaffLogin>> {
        let sql = format!("{STAFF_LOGIN} where username = $1");
        on_pool!(self, |pool| sqlx::query_as(AssertSqlSafe(sql))
            .bind(username)
            .fetch_optional(pool)
            .await)
        .context("looking up the staff sign-in")
    }

    pub async fn find_staff_login_by_id(
        &self,
        staff_id: i64,
    ) -> anyhow::Result<Option<StaffLogin>> {
        let sql = format!("{STAFF_LOGIN} where id = $1");
        on_pool!(self, |pool| sqlx::query_as(AssertSqlSafe(sql))
            .bind(staff_id)
            .fetch_optional(pool)
            .await)
        .context("looking up the staff sign-in")
    }

    /// Stores a new password hash; for staff it also clears "must change".
    pub async fn set_password(&self, account: Account, hash: &str) -> anyhow::Result<()> {
        match account {
            Account::Candidate(id) => on_pool!(self, |pool| sqlx::query(
                "update candidates set password_hash = $2, updated_at = $3 where id = $1"
            )
            .bind(id)
            .bind(hash)
            .bind(now())
            .execute(pool)
            .await
            .map(|r| r.rows_affected())),
            Account::Staff(id) => {
                on_pool!(self, |pool| {
                    sqlx::query(
                "update staff set password_hash = $2, must_change_password = false where id = $1"
            )
            .bind(id)
            .bind(hash)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
                })
            }
        }
        .context("storing the new password")?;
        Ok(())
    }

    /// Back to the initial password (the roster email): no hash, no lock, and every
    /// session of the candidate ended. False when there is no such candidate.
    pub async fn reset_candidate_password(&self, candidate_id: i64) -> anyhow::Result<bool> {
        let found = on_pool!(self, |pool| sqlx::query(
            "update candidates set password_hash = null, failed_logins = 0, \
             locked_until = null, updated_at = $2 where id = $1"
        )
        .bind(candidate_id)
        .bind(now())
        .execute(pool)
        .await
        .map(|r| r.rows_affected() == 1))
        .context("resetting the candidate's password")?;
        on_pool!(self, |pool| sqlx::query(
            "delete from sessions where candidate_id = $1"
        )
        .bind(candidate_id)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))
        .context("ending the candidate's sessions")?;
        Ok(found)
    }
}
