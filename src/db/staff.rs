//! Exam-office staff accounts.

use anyhow::Context;

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

impl Db {
    /// Creates the account, or resets its password, role and status.
    pub async fn save_staff(
        &self,
        username: &str,
        password_hash: &str,
        role: Role,
        must_change_password: bool,
    ) -> anyhow::Result<StaffRow> {
        on_pool!(self, |pool| sqlx::query_as(
            "insert into staff (username, password_hash, role, must_change_password, created_at) \
             values ($1, $2, $3, $4, $5) \
             on conflict (username) do update set password_hash = excluded.password_hash, \
             role = excluded.role, must_change_password = excluded.must_change_password, \
             disabled = false \
             returning id, username, password_hash, role, must_change_password, disabled"
        )
        .bind(username)
        .bind(password_hash)
        .bind(role.as_str())
        .bind(must_change_password)
        .bind(now())
        .fetch_one(pool)
        .await)
        .context("saving the staff account")
    }

    pub async fn find_staff(&self, username: &str) -> anyhow::Result<Option<StaffRow>> {
        on_pool!(self, |pool| sqlx::query_as(
            "select id, username, password_hash, role, must_change_password, disabled \
             from staff where username = $1"
        )
        .bind(username)
        .fetch_optional(pool)
        .await)
        .context("looking up the staff account")
    }
}
