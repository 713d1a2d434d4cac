//! Sign-in state: failed attempts, lockouts and password changes, for candidates and staff.
//! The lockout lives here, not in a process, so it holds across nodes.

use anyhow::Context;
use sqlx::AssertSqlSafe;
use time::OffsetDateTime;

use super::{Db, now, on_pool};

/// Whose account: a candidate or a staff member (the table it lives in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Account {
    Candidate(i64),
    Staff(i64),
}

impl Account {
    fn table_and_id(self) -> (&'static str, i64) {
        match self {
            Account::Candidate(id) => ("candidates", id),
            Account::Staff(id) => ("staff", id),
        }
    }
}

/// What a candidate's sign-in needs to know.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CandidateLogin {
    pub id: i64,
    pub id_number: String,
    pub email: String,
    /// None until the candidate replaces the initial password (the email).
    pub password_hash: Option<String>,
    pub failed_logins: i32,
    pub locked_until: Option<OffsetDateTime>,
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
    pub failed_logins: i32,
    pub locked_until: Option<OffsetDateTime>,
    /// The confirmed TOTP secret (base32): a sign-in needs a code.
    pub totp_secret: Option<String>,
    /// An admin made TOTP mandatory (the `totp_required` setting).
    pub totp_required: bool,
}

/// The columns of [`StaffLogin`], with the setting read in the same statement.
const STAFF_LOGIN: &str = "select id, username, password_hash, role, must_change_password, \
     disabled, failed_logins, locked_until, totp_secret, exists (select 1 from settings g \
     where g.key = 'totp_required' and g.value = 'true') as totp_required from staff";

impl Db {
    /// The candidate of the current exam with this ID number (one statement: a sign-in
    /// costs as little besides argon2 as it can).
    pub async fn find_current_candidate_login(
        &self,
        id_number: &str,
    ) -> anyhow::Result<Option<CandidateLogin>> {
        on_pool!(self, |pool| sqlx::query_as(
            "select c.id, c.id_number, c.email, c.password_hash, c.failed_logins, \
             c.locked_until from candidates c join exams e on e.id = c.exam_id \
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
            "select id, id_number, email, password_hash, failed_logins, locked_until \
             from candidates where id = $1"
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

    /// Counts one failed attempt in one statement (so concurrent attempts all count). The
    /// `max_failures`-th locks the account until `lock_until` and starts the count again.
    /// Returns the lock's end when this attempt locked the account.
    pub async fn record_failed_login(
        &self,
        account: Account,
        max_failures: i32,
        lock_until: OffsetDateTime,
    ) -> anyhow::Result<Option<OffsetDateTime>> {
        let (table, id) = account.table_and_id();
        let sql = format!(
            "update {table} set \
             failed_logins = case when failed_logins + 1 >= $2 then 0 else failed_logins + 1 end, \
             locked_until = case when failed_logins + 1 >= $2 then $3 else locked_until end \
             where id = $1 returning failed_logins, locked_until"
        );
        let row: Option<(i32, Option<OffsetDateTime>)> =
            on_pool!(self, |pool| sqlx::query_as(AssertSqlSafe(sql))
                .bind(id)
                .bind(max_failures)
                .bind(lock_until)
                .fetch_optional(pool)
                .await)
            .context("counting a failed sign-in")?;
        Ok(row.and_then(|(failures, until)| {
            (failures == 0 && until == Some(lock_until)).then_some(lock_until)
        }))
    }

    /// A successful sign-in forgets earlier failures.
    pub async fn clear_failed_logins(&self, account: Account) -> anyhow::Result<()> {
        let (table, id) = account.table_and_id();
        let sql = format!(
            "update {table} set failed_logins = 0, locked_until = null \
             where id = $1 and (failed_logins <> 0 or locked_until is not null)"
        );
        on_pool!(self, |pool| sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))
        .context("clearing failed sign-ins")?;
        Ok(())
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
