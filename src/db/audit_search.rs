//! Searching the audit log (admins): by person, candidate, action and time, newest first,
//! a page at a time (keyset on the entry id, so deep pages cost what the first one does).

use anyhow::Context;
use sqlx::AssertSqlSafe;
use time::OffsetDateTime;

use super::audit::{Actor, AuditEntry};
use super::{Bind, Conditions, Db, bind_conditions, on_pool};
use crate::domain::search::holds_id_number;

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// A staff member's username: what they did.
    pub staff: Option<String>,
    /// A candidate's 身份证号, 报名号 or 姓名: what they did and what was done to them.
    pub candidate: Option<String>,
    pub action: Option<String>,
    pub from: Option<OffsetDateTime>,
    pub before: Option<OffsetDateTime>,
    /// Entries older than this id (the previous page's last).
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// One entry, with the names an admin reads.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditView {
    pub id: i64,
    pub at: OffsetDateTime,
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    /// The staff member's username, or the candidate's name.
    pub actor_name: Option<String>,
    pub action: String,
    pub candidate_id: Option<i64>,
    pub candidate_name: Option<String>,
    pub ip: Option<String>,
    pub detail: Option<String>,
}

impl Db {
    pub async fn search_audit(&self, filter: &AuditFilter) -> anyhow::Result<Vec<AuditView>> {
        let mut conditions = Conditions::after(0, "1 = 1");
        if let Some(staff) = &filter.staff {
            conditions.add(
                "a.actor_kind = 'staff' and a.actor_id in \
                 (select id from staff where username = ?)",
                Bind::Text(staff.clone()),
            );
        }
        if let Some(candidate) = &filter.candidate {
            conditions.add(
                "a.candidate_id in (select id from candidates \
                 where id_number = ? or registration_no = ? or name = ?)",
                Bind::Text(candidate.clone()),
            );
        }
        if let Some(action) = &filter.action {
            conditions.add("a.action = ?", Bind::Text(action.clone()));
        }
        if let Some(from) = filter.from {
            conditions.add("a.at >= ?", Bind::Time(from));
        }
        if let Some(before) = filter.before {
            conditions.add("a.at < ?", Bind::Time(before));
        }
        if let Some(id) = filter.before_id {
            conditions.add("a.id < ?", Bind::Int(id));
        }
        let sql = format!(
            "select a.id, a.at, a.actor_kind, a.actor_id, \
             case a.actor_kind when 'staff' then st.username \
             when 'candidate' then ac.name end as actor_name, \
             a.action, a.candidate_id, c.name as candidate_name, a.ip, a.detail \
             from audit_log a \
             left join staff st on a.actor_kind = 'staff' and st.id = a.actor_id \
             left join candidates ac on a.actor_kind = 'candidate' and ac.id = a.actor_id \
             left join candidates c on c.id = a.candidate_id \
             where {} order by a.id desc limit {}",
            conditions.sql(),
            filter.limit.clamp(1, 500)
        );
        on_pool!(self, |pool| bind_conditions!(
            sqlx::query_as::<_, AuditView>(AssertSqlSafe(sql)),
            conditions
        )
        .fetch_all(pool)
        .await)
        .context("searching the audit log")
    }

    /// [`search_audit`](Self::search_audit) by a staff member, then the search itself
    /// recorded (`audit_searched`, with [`AuditFilter::shape`]) before anyone sees a row.
    pub async fn search_audit_as(
        &self,
        filter: &AuditFilter,
        staff_id: i64,
        ip: Option<String>,
    ) -> anyhow::Result<Vec<AuditView>> {
        let rows = self.search_audit(filter).await?;
        let mut detail = filter.shape();
        detail["found"] = rows.len().into();
        self.record_audit(AuditEntry {
            actor: Actor::Staff(staff_id),
            action: "audit_searched",
            candidate_id: None,
            ip,
            detail: Some(detail),
        })
        .await?;
        Ok(rows)
    }
}

impl AuditFilter {
    /// What the log keeps of a search of itself: the staff member and action searched for,
    /// which dates were set, and only the kind of a candidate filter (`id_number`,
    /// `registration_no`, `name`): never an ID number, and nothing a purge would have to
    /// find (the entry names no candidate).
    pub fn shape(&self) -> serde_json::Value {
        let mut shape = serde_json::json!({});
        if let Some(staff) = &self.staff {
            shape["staff"] = staff.as_str().into();
        }
        if let Some(candidate) = &self.candidate {
            let kind = if holds_id_number(candidate.as_bytes()) {
                "id_number"
            } else if candidate.bytes().all(|b| b.is_ascii_digit()) {
                "registration_no"
            } else {
                "name"
            };
            shape["candidate"] = kind.into();
        }
        if let Some(action) = &self.action {
            shape["action"] = action.as_str().into();
        }
        if self.from.is_some() {
            shape["from"] = true.into();
        }
        if self.before.is_some() {
            shape["to"] = true.into();
        }
        if self.before_id.is_some() {
            shape["older_page"] = true.into();
        }
        shape
    }
}

/// Every action the log records, with the words an admin reads.
pub const ACTIONS: &[(&str, &str)] = &[
    ("signed_in", "登录"),
    ("login_failed", "登录失败"),
    ("signed_out", "退出登录"),
    ("password_changed", "修改密码"),
    ("totp_enrolled", "开启两步验证"),
    ("totp_failed", "动态验证码错误"),
    ("totp_disabled", "关闭两步验证"),
    ("image_uploaded", "上传图片"),
    ("image_deleted", "删除图片"),
    ("submitted", "提交材料"),
    ("case_claimed", "领取审核"),
    ("case_released", "释放审核"),
    ("case_viewed", "查看考生材料"),
    ("image_viewed", "查看图片"),
    ("decided", "作出审核决定"),
    ("audit_searched", "查询审计日志"),
    ("staff_created", "添加工作人员"),
    ("staff_reset", "重置工作人员密码"),
    ("staff_disabled", "停用工作人员"),
    ("staff_enabled", "启用工作人员"),
    ("setting_changed", "修改系统设置"),
    ("exam_saved", "保存考试"),
    ("roster_import", "导入名册"),
    ("export", "导出结果"),
    // Administration: candidates and staff.
    ("candidate_searched", "查询考生"),
    ("candidate_viewed", "查看考生详情"),
    ("candidate_password_reset", "重置考生密码"),
    ("staff_password_reset", "重置工作人员密码（保留两步验证）"),
    ("staff_totp_reset", "重置工作人员两步验证"),
    ("staff_role_changed", "修改工作人员角色"),
    // Administration: results export and purge.
    ("results_exported", "导出审核结果"),
    ("exam_purged", "清除考试个人信息"),
    // Administration: exams.
    ("exam_rules_changed", "替换考试规则"),
];

/// The words for an action; an unknown one is shown as stored.
pub fn action_label(action: &str) -> &str {
    ACTIONS
        .iter()
        .find(|(code, _)| *code == action)
        .map_or(action, |(_, label)| label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_is_recorded_by_its_shape_without_an_id_number() {
        let filter = |candidate: &str| AuditFilter {
            staff: Some("wang".to_string()),
            candidate: Some(candidate.to_string()),
            before_id: Some(7),
            limit: 100,
            ..AuditFilter::default()
        };
        let shape = filter("420502200203150215").shape();
        assert_eq!(
            shape,
            serde_json::json!({"staff": "wang", "candidate": "id_number", "older_page": true})
        );
        assert_eq!(filter("7700000012").shape()["candidate"], "registration_no");
        assert_eq!(filter("李明").shape()["candidate"], "name");
    }
}
