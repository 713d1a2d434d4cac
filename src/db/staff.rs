//! Exam-office staff accounts: roles, status, and the TOTP second factor's secrets.

use anyhow::Context;
use time::OffsetDateTime;

use super::{Db, now, on_pool};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Reviewer,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reviewer => "reviewer",
            Role::Admin => "admin",
        }
    }

    /// The stored (and command-line) name: `reviewer` or `admin`.
    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "reviewer" => Some(Role::Reviewer),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    /// The role in words, for pages.
    pub fn label(self) -> &'static str {
        match self {
            Role::Reviewer => "审核员",
            Role::Admin => "管理员",
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StaffRow {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub role: String,
    pub must_change_password: bool,
    pub disabled: bool,
}

/// One line of the staff list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StaffSummary {
    pub id: i64,
    pub username: String,
    pub role: String,
    pub must_change_password: bool,
    pub disabled: bool,
    /// A confirmed TOTP secret exists.
    pub totp_enabled: bool,
    pub created_at: OffsetDateTime,
    /// The latest successful sign-in, from the audit log.
    pub last_sign_in: Option<OffsetDateTime>,
}

/// A staff member's TOTP state (secrets in base32).
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct StaffTotp {
    /// The confirmed secret: sign-ins need a code.
    pub totp_secret: Option<String>,
    /// A secret being enrolled, until its first code confirms it.
    pub totp_pending: Option<String>,
}

const STAFF_COLUMNS: &str = "id, username, password_hash, role, must_change_password, disabled";

impl Db {
    /// Creates the account, or resets its password, role and status.
    pub async fn save_staff(
        &self,
        username: &str,
        password_hash: &str,
        role: Role,
        must_change_password: bool,
    ) -> anyhow::Result<StaffRow> {
        let sql = format!(
            "insert into staff (username, password_hash, role, must_change_password, created_at) \
             values ($1, $2, $3, $4, $5) \
             on conflict (username) do update set password_hash = excluded.password_hash, \
             role = excluded.role, must_change_password = excluded.must_change_password, \
             disabled = false returning {STAFF_COLUMNS}"
        );
        on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(username)
            .bind(password_hash)
            .bind(role.as_str())
            .bind(must_change_password)
            .bind(now())
            .fetch_one(pool)
            .await)
        .context("saving the staff account")
    }

    /// Creates the account with a password that must be changed at first sign-in; `None`
    /// when the username is taken (the database says so, so two creations cannot race).
    pub async fn create_staff(
        &self,
        username: &str,
        password_hash: &str,
        role: Role,
    ) -> anyhow::Result<Option<StaffRow>> {
        let sql = format!(
            "insert into staff (username, password_hash, role, must_change_password, created_at) \
             values ($1, $2, $3, true, $4) on conflict (username) do nothing \
             returning {STAFF_COLUMNS}"
        );
        on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(username)
            .bind(password_hash)
            .bind(role.as_str())
            .bind(now())
            .fetch_optional(pool)
            .await)
        .context("creating the staff account")
    }

    pub async fn find_staff(&self, username: &str) -> anyhow::Result<Option<StaffRow>> {
        let sql = format!("select {STAFF_COLUMNS} from staff where username = $1");
        on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(username)
            .fetch_optional(pool)
            .await)
        .context("looking up the staff account")
    }

    /// Every staff account, by username.
    pub async fn list_staff(&self) -> anyhow::Result<Vec<StaffSummary>> {
        on_pool!(self, |pool| sqlx::query_as(
            "select s.id, s.username, s.role, s.must_change_password, s.disabled, \
             s.totp_secret is not null as totp_enabled, s.created_at, \
             (select a.at from audit_log a where a.actor_kind = 'staff' \
             and a.actor_id = s.id and a.action = 'signed_in' \
             order by a.id desc limit 1) as last_sign_in \
             from staff s order by s.username"
        )
        .fetch_all(pool)
        .await)
        .context("listing staff accounts")
    }

    /// Changes a staff member's role; it takes effect on their next request.
    pub async fn set_staff_role(&self, staff_id: i64, role: Role) -> anyhow::Result<()> {
        on_pool!(self, |pool| sqlx::query(
            "update staff set role = $2 where id = $1"
        )
        .bind(staff_id)
        .bind(role.as_str())
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))
        .context("changing the staff role")?;
        Ok(())
    }

    /// Disables or enables an account. Disabling also ends its sessions, so enabling it
    /// again does not bring old sessions back.
    pub async fn set_staff_disabled(&self, staff_id: i64, disabled: bool) -> anyhow::Result<()> {
        on_pool!(self, |pool| sqlx::query(
            "update staff set disabled = $2 where id = $1"
        )
        .bind(staff_id)
        .bind(disabled)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))
        .context("changing the staff status")?;
        if disabled {
            self.delete_staff_sessions(staff_id).await?;
        }
        Ok(())
    }

    /// After a lost password or phone: a new one-time password, no second factor, no lock,
    /// and every session ended.
    pub async fn reset_staff(&self, staff_id: i64, password_hash: &str) -> anyhow::Result<()> {
        on_pool!(self, |pool| sqlx::query(
            "update staff set password_hash = $2, must_change_password = true, \
             totp_secret = null, totp_pending = null, totp_last_step = null, \
             failed_logins = 0, locked_until = null where id = $1"
        )
        .bind(staff_id)
        .bind(password_hash)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))
        .context("resetting the staff account")?;
        self.delete_staff_sessions(staff_id).await
    }

    async fn delete_staff_sessions(&self, staff_id: i64) -> anyhow::Result<()> {
        on_pool!(self, |pool| sqlx::query(
            "delete from sessions where staff_id = $1"
        )
        .bind(staff_id)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))
        .context("ending the staff member's sessions")?;
        Ok(())
    }

    pub async fn staff_totp(&self, staff_id: i64) -> anyhow::Result<Option<StaffTotp>> {
        on_pool!(self, |pool| sqlx::query_as(
            "select totp_secret, totp_pending from staff where id = $1"
        )
        .bind(staff_id)
        .fetch_optional(pool)
        .await)
        .context("reading the TOTP state")
    }

    /// Keeps a secret being enrolled (it replaces an earlier unconfirmed one).
    pub async fn set_totp_pending(&self, staff_id: i64, secret: &str) -> anyhow::Result<()> {
        on_pool!(self, |pool| sqlx::query(
            "update staff set totp_pending = $2 where id = $1"
        )
        .bind(staff_id)
        .bind(secret)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))
        .context("keeping the TOTP secret being enrolled")?;
        Ok(())
    }

    /// Makes the pending secret the confirmed one, in one statement that checks it is still
    /// the secret the code was checked against; `step` (the confirming code's) is used up.
    pub async fn confirm_totp(
        &self,
        staff_id: i64,
        pending: &str,
        step: i64,
    ) -> anyhow::Result<bool> {
        on_pool!(self, |pool| sqlx::query(
            "update staff set totp_secret = totp_pending, totp_pending = null, \
             totp_last_step = $3 where id = $1 and totp_pending = $2"
        )
        .bind(staff_id)
        .bind(pending)
        .bind(step)
        .execute(pool)
        .await
        .map(|r| r.rows_affected() == 1))
        .context("confirming the TOTP secret")
    }

    /// Uses up a code's time step: true only when it is later than every step used before
    /// with this secret. One statement, so two requests with the same code cannot both win.
    pub async fn use_totp_step(
        &self,
        staff_id: i64,
        secret: &str,
        step: i64,
    ) -> anyhow::Result<bool> {
        on_pool!(self, |pool| sqlx::query(
            "update staff set totp_last_step = $3 where id = $1 and totp_secret = $2 \
             and (totp_last_step is null or totp_last_step < $3)"
        )
        .bind(staff_id)
        .bind(secret)
        .bind(step)
        .execute(pool)
        .await
        .map(|r| r.rows_affected() == 1))
        .context("using a TOTP code")
    }

    /// Turns the second factor off, if `step` (a code just checked against `secret`) has not
    /// been used yet.
    pub async fn clear_totp(&self, staff_id: i64, secret: &str, step: i64) -> anyhow::Result<bool> {
        on_pool!(self, |pool| sqlx::query(
            "update staff set totp_secret = null, totp_pending = null, totp_last_step = null \
             where id = $1 and totp_secret = $2 \
             and (totp_last_step is null or totp_last_step < $3)"
        )
        .bind(staff_id)
        .bind(secret)
        .bind(step)
        .execute(pool)
        .await
        .map(|r| r.rows_affected() == 1))
        .context("turning TOTP off")
    }

    pub async fn find_staff_by_id(&self, staff_id: i64) -> anyhow::Result<Option<StaffRow>> {
        let sql = format!("select {STAFF_COLUMNS} from staff where id = $1");
        on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(staff_id)
            .fetch_optional(pool)
            .await)
        .context("looking up the staff account")
    }

    /// Disables an account and ends its sessions, unless it is the last active admin;
    /// false when that refused it (or there is no such account). The check and the change
    /// are one statement.
    pub async fn disable_staff_keeping_an_admin(&self, staff_id: i64) -> anyhow::Result<bool> {
        let changed = on_pool!(self, |pool| sqlx::query(
            "update staff set disabled = true where id = $1 and (role <> 'admin' \
             or disabled = true or exists (select 1 from staff o where o.role = 'admin' \
             and o.disabled = false and o.id <> $1))"
        )
        .bind(staff_id)
        .execute(pool)
        .await
        .map(|r| r.rows_affected() == 1))
        .context("disabling the staff account")?;
        if changed {
            self.delete_staff_sessions(staff_id).await?;
        }
        Ok(changed)
    }

    /// Changes a role unless that demotes the last active admin; false when refused (or no
    /// such account). It takes effect on the account's next request.
    pub async fn set_staff_role_keeping_an_admin(
        &self,
        staff_id: i64,
        role: Role,
    ) -> anyhow::Result<bool> {
        on_pool!(self, |pool| sqlx::query(
            "update staff set role = $2 where id = $1 and ($2 = 'admin' or role <> 'admin' \
             or disabled = true or exists (select 1 from staff o where o.role = 'admin' \
             and o.disabled = false and o.id <> $1))"
        )
        .bind(staff_id)
        .bind(role.as_str())
        .execute(pool)
        .await
        .map(|r| r.rows_affected() == 1))
        .context("changing the staff role")
    }

    /// A forgotten password: a new one-time password, the lock cleared, every session
    /// ended; the second factor stays.
    pub async fn reset_staff_password(
        &self,
        staff_id: i64,
        password_hash: &str,
    ) -> anyhow::Result<()> {
        on_pool!(self, |pool| sqlx::query(
            "update staff set password_hash = $2, must_change_password = true, \
             failed_logins = 0, locked_until = null where id = $1"
        )
        .bind(staff_id)
        .bind(password_hash)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))
        .context("resetting the staff password")?;
        self.delete_staff_sessions(staff_id).await
    }

    /// A lost phone: the second factor off (to be set up again), every session ended.
    pub async fn reset_staff_totp(&self, staff_id: i64) -> anyhow::Result<()> {
        on_pool!(self, |pool| sqlx::query(
            "update staff set totp_secret = null, totp_pending = null, totp_last_step = null \
             where id = $1"
        )
        .bind(staff_id)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))
        .context("resetting the second factor")?;
        self.delete_staff_sessions(staff_id).await
    }
}
