//! Server-side sessions. Only a hash of the token is stored, so a copy of the database
//! cannot be used to sign in.

use anyhow::Context;
use time::OffsetDateTime;

use super::accounts::Account;
use super::{Db, on_pool};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub candidate_id: Option<i64>,
    pub staff_id: Option<i64>,
    pub csrf_token: String,
    pub last_seen_at: OffsetDateTime,
    /// The account still has the initial (candidate) or admin-set (staff) password.
    pub must_change_password: bool,
    /// A staff member without a confirmed TOTP secret while an admin requires one.
    pub must_enroll_totp: bool,
    /// The staff member's role and username as they are now (a change applies at once).
    pub staff_role: Option<String>,
    pub staff_username: Option<String>,
}

impl SessionRow {
    pub fn account(&self) -> Option<Account> {
        match (self.candidate_id, self.staff_id) {
            (Some(id), None) => Some(Account::Candidate(id)),
            (None, Some(id)) => Some(Account::Staff(id)),
            _ => None,
        }
    }
}

impl Db {
    pub async fn create_session(
        &self,
        token_hash: &str,
        account: Account,
        csrf_token: &str,
        at: OffsetDateTime,
    ) -> anyhow::Result<()> {
        let (candidate_id, staff_id) = match account {
            Account::Candidate(id) => (Some(id), None),
            Account::Staff(id) => (None, Some(id)),
        };
        on_pool!(self, |pool| sqlx::query(
            "insert into sessions (token_hash, candidate_id, staff_id, csrf_token, created_at, \
             last_seen_at) values ($1, $2, $3, $4, $5, $5)"
        )
        .bind(token_hash)
        .bind(candidate_id)
        .bind(staff_id)
        .bind(csrf_token)
        .bind(at)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))
        .context("starting a session")?;
        Ok(())
    }

    /// The live session with this token hash: seen after `candidate_idle_since` (a
    /// candidate's) or `staff_idle_since` (a staff member's, who must not be disabled). One
    /// statement, since every request asks: it also says whether the password must change,
    /// whether a required second factor is missing, and the staff member's role.
    pub async fn find_session(
        &self,
        token_hash: &str,
        candidate_idle_since: OffsetDateTime,
        staff_idle_since: OffsetDateTime,
    ) -> anyhow::Result<Option<SessionRow>> {
        on_pool!(self, |pool| sqlx::query_as(
            "select s.candidate_id, s.staff_id, s.csrf_token, s.last_seen_at, \
             case when s.candidate_id is not null then c.password_hash is null \
             else coalesce(st.must_change_password, false) end as must_change_password, \
             case when st.id is not null and st.totp_secret is null and exists \
             (select 1 from settings g where g.key = 'totp_required' and g.value = 'true') \
             then true else false end as must_enroll_totp, \
             st.role as staff_role, st.username as staff_username \
             from sessions s left join candidates c on c.id = s.candidate_id \
             left join staff st on st.id = s.staff_id \
             where s.token_hash = $1 \
             and s.last_seen_at > case when s.staff_id is null then $2 else $3 end \
             and (s.staff_id is null or st.disabled = false)"
        )
        .bind(token_hash)
        .bind(candidate_idle_since)
        .bind(staff_idle_since)
        .fetch_optional(pool)
        .await)
        .context("looking up the session")
    }

    /// Records activity, which keeps an idle session alive.
    pub async fn touch_session(&self, token_hash: &str, at: OffsetDateTime) -> anyhow::Result<()> {
        on_pool!(self, |pool| sqlx::query(
            "update sessions set last_seen_at = $2 where token_hash = $1"
        )
        .bind(token_hash)
        .bind(at)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))
        .context("touching the session")?;
        Ok(())
    }

    pub async fn delete_session(&self, token_hash: &str) -> anyhow::Result<()> {
        on_pool!(self, |pool| sqlx::query(
            "delete from sessions where token_hash = $1"
        )
        .bind(token_hash)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))
        .context("ending the session")?;
        Ok(())
    }

    /// Ends every session of an account (a password change starts a new one after).
    pub async fn delete_sessions_of(&self, account: Account) -> anyhow::Result<()> {
        let (column, id) = match account {
            Account::Candidate(id) => ("candidate_id", id),
            Account::Staff(id) => ("staff_id", id),
        };
        let sql = format!("delete from sessions where {column} = $1");
        on_pool!(self, |pool| sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))
        .context("ending the account's sessions")?;
        Ok(())
    }

    /// Deletes sessions idle since before `cutoff`; returns how many.
    pub async fn sweep_sessions(&self, cutoff: OffsetDateTime) -> anyhow::Result<u64> {
        on_pool!(self, |pool| sqlx::query(
            "delete from sessions where last_seen_at <= $1"
        )
        .bind(cutoff)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))
        .context("sweeping idle sessions")
    }
}
