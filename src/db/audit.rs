//! The append-only audit log: who did what, when, from where. Candidates appear only by
//! their opaque id; details never hold ID numbers or passwords.

use anyhow::Context;

use super::{Db, now, on_pool};

/// Who acted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// An operator at the command line.
    Cli,
    Staff(i64),
    Candidate(i64),
    /// Someone not signed in whose account is unknown (e.g. a failed sign-in).
    Anonymous,
}

/// One thing that happened.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub actor: Actor,
    pub action: &'static str,
    pub candidate_id: Option<i64>,
    pub ip: Option<String>,
    /// A short JSON object with the particulars.
    pub detail: Option<serde_json::Value>,
}

/// The insert of one entry, for writers that add it inside their own transaction:
/// binds `at, actor_kind, actor_id, action, candidate_id, ip, detail`.
pub(crate) const AUDIT_INSERT: &str = "insert into audit_log \
    (at, actor_kind, actor_id, action, candidate_id, ip, detail) \
    values ($1, $2, $3, $4, $5, $6, $7)";

impl Actor {
    /// As stored: `audit_log.actor_kind` and `actor_id`.
    pub fn kind_and_id(self) -> (&'static str, Option<i64>) {
        match self {
            Actor::Cli => ("cli", None),
            Actor::Staff(id) => ("staff", Some(id)),
            Actor::Candidate(id) => ("candidate", Some(id)),
            Actor::Anonymous => ("anonymous", None),
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub at: time::OffsetDateTime,
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub action: String,
    pub candidate_id: Option<i64>,
    pub ip: Option<String>,
    pub detail: Option<String>,
}

impl Db {
    pub async fn record_audit(&self, entry: AuditEntry) -> anyhow::Result<()> {
        let (kind, id) = entry.actor.kind_and_id();
        let detail = entry.detail.map(|d| d.to_string());
        on_pool!(self, |pool| sqlx::query(AUDIT_INSERT)
            .bind(now())
            .bind(kind)
            .bind(id)
            .bind(entry.action)
            .bind(entry.candidate_id)
            .bind(entry.ip)
            .bind(detail)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))
        .context("writing the audit log")?;
        Ok(())
    }

    /// Records an entry without making the caller wait: for actions whose response should
    /// not hang on the log. A failed write is logged, never shown.
    pub fn record_audit_later(&self, entry: AuditEntry) {
        let db = self.clone();
        tokio::spawn(async move {
            if let Err(e) = db.record_audit(entry).await {
                tracing::warn!("could not write the audit log: {e:#}");
            }
        });
    }

    /// The newest entries first.
    pub async fn recent_audit(&self, limit: i64) -> anyhow::Result<Vec<AuditRow>> {
        on_pool!(self, |pool| sqlx::query_as(
            "select id, at, actor_kind, actor_id, action, candidate_id, ip, detail \
             from audit_log order by id desc limit $1"
        )
        .bind(limit)
        .fetch_all(pool)
        .await)
        .context("reading the audit log")
    }
}
