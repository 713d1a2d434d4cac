//! Staff accounts: usernames, the one-time initial password an operator hands over, and
//! the account changes an admin makes (in the browser, the API or at the command line),
//! each with its audit entry and the guard rails: nobody disables or demotes themselves,
//! and the last active admin stays.

use super::hash_password;
use crate::db::Db;
use crate::db::audit::{Actor, AuditEntry};
use crate::db::staff::{Role, StaffRow};

/// Checks a new staff username: 3–32 of `A–Z a–z 0–9 _ . -`, and not 18 characters long
/// (an 18-character account is read as an ID number at sign-in). The error says why.
pub fn check_username(username: &str) -> Result<(), String> {
    let length = username.chars().count();
    if !(3..=32).contains(&length) {
        return Err(format!("用户名须为 3–32 个字符（现为 {length} 个）。"));
    }
    if !username
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
    {
        return Err("用户名只能包含英文字母、数字和 _ . - 这三个符号。".to_string());
    }
    if length == 18 {
        return Err(
            "用户名不能恰好是 18 个字符：18 位的账号在登录时按身份证号处理。请加长或缩短。"
                .to_string(),
        );
    }
    Ok(())
}

/// Letters and digits that cannot be mistaken for one another (no 0 O o 1 l I).
const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";

/// A random 16-character password of letters and digits, with at least one of each (so it
/// satisfies the default policy). It is shown once and must be changed at first sign-in.
pub fn initial_password() -> String {
    loop {
        let password = random_from(ALPHABET, 16);
        if password.bytes().any(|b| b.is_ascii_digit())
            && password.bytes().any(|b| b.is_ascii_alphabetic())
        {
            return password;
        }
    }
}

/// `length` characters drawn uniformly from `alphabet` (rejection sampling: no modulo bias).
fn random_from(alphabet: &[u8], length: usize) -> String {
    let limit = 256 - 256 % alphabet.len();
    let mut out = String::with_capacity(length);
    let mut bytes = [0u8; 64];
    while out.len() < length {
        getrandom::fill(&mut bytes).expect("the operating system's random source");
        for &b in &bytes {
            if usize::from(b) < limit && out.len() < length {
                out.push(char::from(alphabet[usize::from(b) % alphabet.len()]));
            }
        }
    }
    out
}

/// Why a change to a staff account was refused. `Display` is the message for the admin.
#[derive(Debug, thiserror::Error)]
pub enum StaffError {
    #[error("{0}")]
    BadUsername(String),
    #[error("用户名 {0} 已存在，请换一个用户名。")]
    Taken(String),
    #[error("找不到这个工作人员账号，请刷新列表后重试。")]
    NotFound,
    #[error(
        "不能停用、降级或重置自己的账号：自己的密码和两步验证请在“修改密码”“两步验证”页面修改，其他操作请由另一位管理员进行。"
    )]
    OwnAccount,
    #[error("这是最后一位在用的管理员，不能停用或改为审核员：请先添加或启用另一位管理员。")]
    LastAdmin,
    #[error("系统繁忙，请稍后再试。")]
    Internal(#[from] anyhow::Error),
}

/// Someone changing staff accounts: an admin (who may not change their own status or
/// role) or an operator at the command line; every change is audited under their name.
#[derive(Debug, Clone)]
pub struct StaffAdmin {
    pub db: Db,
    pub actor: Actor,
    pub ip: Option<String>,
}

impl StaffAdmin {
    /// Creates an account; returns it with its one-time password (shown once).
    pub async fn create(
        &self,
        username: &str,
        role: Role,
    ) -> Result<(StaffRow, String), StaffError> {
        check_username(username).map_err(StaffError::BadUsername)?;
        let password = initial_password();
        let hash = hash_password(password.clone()).await?;
        let staff = self
            .db
            .create_staff(username, &hash, role)
            .await?
            .ok_or_else(|| StaffError::Taken(username.to_string()))?;
        self.audit("staff_created", staff.id, Some(role)).await?;
        Ok((staff, password))
    }

    /// After a lost password and phone: a new one-time password, the second factor off,
    /// every session ended.
    pub async fn reset(&self, staff_id: i64) -> Result<(StaffRow, String), StaffError> {
        let staff = self.find(staff_id).await?;
        let password = initial_password();
        let hash = hash_password(password.clone()).await?;
        self.db.reset_staff(staff.id, &hash).await?;
        self.audit("staff_reset", staff.id, None).await?;
        Ok((staff, password))
    }

    /// A forgotten password: a new one-time password, every session ended; the second
    /// factor stays.
    pub async fn reset_password(&self, staff_id: i64) -> Result<(StaffRow, String), StaffError> {
        let staff = self.find(staff_id).await?;
        self.not_mine(&staff)?;
        let password = initial_password();
        let hash = hash_password(password.clone()).await?;
        self.db.reset_staff_password(staff.id, &hash).await?;
        self.audit("staff_password_reset", staff.id, None).await?;
        Ok((staff, password))
    }

    /// A lost phone: the second factor off (set up again at the next sign-in when it is
    /// required), every session ended.
    pub async fn reset_totp(&self, staff_id: i64) -> Result<StaffRow, StaffError> {
        let staff = self.find(staff_id).await?;
        self.not_mine(&staff)?;
        self.db.reset_staff_totp(staff.id).await?;
        self.audit("staff_totp_reset", staff.id, None).await?;
        Ok(staff)
    }

    /// Disables (every session ends at once) or enables an account.
    pub async fn set_disabled(
        &self,
        staff_id: i64,
        disabled: bool,
    ) -> Result<StaffRow, StaffError> {
        let staff = self.find(staff_id).await?;
        if disabled {
            self.not_mine(&staff)?;
            if !self.db.disable_staff_keeping_an_admin(staff.id).await? {
                return Err(StaffError::LastAdmin);
            }
            self.audit("staff_disabled", staff.id, None).await?;
        } else {
            self.db.set_staff_disabled(staff.id, false).await?;
            self.audit("staff_enabled", staff.id, None).await?;
        }
        Ok(staff)
    }

    /// Changes the role; it applies from the account's next request.
    pub async fn set_role(&self, staff_id: i64, role: Role) -> Result<StaffRow, StaffError> {
        let staff = self.find(staff_id).await?;
        if role != Role::Admin {
            self.not_mine(&staff)?;
        }
        if !self
            .db
            .set_staff_role_keeping_an_admin(staff.id, role)
            .await?
        {
            return Err(StaffError::LastAdmin);
        }
        self.audit("staff_role_changed", staff.id, Some(role))
            .await?;
        Ok(staff)
    }

    async fn find(&self, staff_id: i64) -> Result<StaffRow, StaffError> {
        self.db
            .find_staff_by_id(staff_id)
            .await?
            .ok_or(StaffError::NotFound)
    }

    /// Refuses a change of the actor's own account.
    fn not_mine(&self, staff: &StaffRow) -> Result<(), StaffError> {
        match self.actor {
            Actor::Staff(id) if id == staff.id => Err(StaffError::OwnAccount),
            _ => Ok(()),
        }
    }

    /// The account by id only: usernames stay out of the log's details.
    async fn audit(
        &self,
        action: &'static str,
        staff_id: i64,
        role: Option<Role>,
    ) -> anyhow::Result<()> {
        let mut detail = serde_json::json!({ "staff_id": staff_id });
        if let Some(role) = role {
            detail["role"] = serde_json::json!(role.as_str());
        }
        self.db
            .record_audit(AuditEntry {
                actor: self.actor,
                action,
                candidate_id: None,
                ip: self.ip.clone(),
                detail: Some(detail),
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::password::PasswordPolicy;

    #[test]
    fn usernames_are_short_plain_and_never_18_long() {
        for good in [
            "abc",
            "zhang.san",
            "li_si-2",
            &"a".repeat(17),
            &"a".repeat(32),
        ] {
            assert_eq!(check_username(good), Ok(()), "{good}");
        }
        for bad in [
            "ab",
            "",
            &"a".repeat(33),
            "张三丰",
            "a b c",
            "a@b.c",
            "420502200203150215",
        ] {
            assert!(check_username(bad).is_err(), "{bad}");
        }
        assert!(check_username(&"a".repeat(18)).unwrap_err().contains("18"));
    }

    #[test]
    fn initial_passwords_are_random_and_meet_the_policy() {
        let (a, b) = (initial_password(), initial_password());
        assert_ne!(a, b);
        for password in [a, b] {
            assert_eq!(password.len(), 16);
            assert!(password.bytes().all(|c| ALPHABET.contains(&c)));
            assert_eq!(PasswordPolicy::default().check(&password, "", ""), Ok(()));
        }
    }
}
