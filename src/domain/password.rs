//! The password policy, and the initial password (the registration email).

/// What a new password must satisfy. Configurable (see `Config`); the defaults follow the
/// exam office's usual notice: at least 8 characters with letters and digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    pub min_length: usize,
    pub letters_and_digits: bool,
}

/// Longer passwords are refused: argon2 would hash them fine, but nobody types this much,
/// and it bounds the work one request can ask for.
const MAX_LENGTH: usize = 128;

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy {
            min_length: 8,
            letters_and_digits: true,
        }
    }
}

impl PasswordPolicy {
    /// The rules in words, shown before the candidate types.
    pub fn describe(&self) -> String {
        let mut text = format!("新密码至少{}位", self.min_length);
        if self.letters_and_digits {
            text.push_str("，须同时包含字母和数字");
        }
        text.push_str("，不能与身份证号或报名邮箱相同。");
        text
    }

    /// Checks a new password; the error says what to change.
    pub fn check(&self, new: &str, id_number: &str, email: &str) -> Result<(), String> {
        let length = new.chars().count();
        if length < self.min_length {
            return Err(format!("新密码太短：至少需要{}位。", self.min_length));
        }
        if length > MAX_LENGTH {
            return Err(format!("新密码太长：不能超过{MAX_LENGTH}位。"));
        }
        if new.chars().any(char::is_control) {
            return Err("新密码不能包含控制字符。".to_string());
        }
        if self.letters_and_digits
            && !(new.chars().any(|c| c.is_ascii_alphabetic())
                && new.chars().any(|c| c.is_ascii_digit()))
        {
            return Err("新密码须同时包含字母和数字。".to_string());
        }
        if new.eq_ignore_ascii_case(id_number.trim()) {
            return Err("新密码不能与身份证号相同。".to_string());
        }
        if is_initial_password(new, email) {
            return Err("新密码不能与报名邮箱（初始密码）相同。".to_string());
        }
        Ok(())
    }
}

/// Whether `typed` is the initial password: the registration email, compared trimmed and
/// case-insensitively (people type emails with stray spaces and capitals).
pub fn is_initial_password(typed: &str, email: &str) -> bool {
    let email = email.trim();
    !email.is_empty() && typed.trim().to_lowercase() == email.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "420502200203150215";
    const EMAIL: &str = "liming@example.com";

    #[test]
    fn a_long_mixed_password_is_accepted() {
        assert_eq!(
            PasswordPolicy::default().check("kaoshi2023", ID, EMAIL),
            Ok(())
        );
    }

    #[test]
    fn each_broken_rule_says_what_to_change() {
        let policy = PasswordPolicy::default();
        assert!(
            policy
                .check("ab12", ID, EMAIL)
                .unwrap_err()
                .contains("至少需要8位")
        );
        assert!(
            policy
                .check("abcdefgh", ID, EMAIL)
                .unwrap_err()
                .contains("字母和数字")
        );
        assert!(
            policy
                .check("12345678", ID, EMAIL)
                .unwrap_err()
                .contains("字母和数字")
        );
        assert!(policy.check(ID, ID, EMAIL).is_err());
        let x_id = "11010819900101002X";
        assert!(
            policy
                .check("11010819900101002x", x_id, EMAIL)
                .unwrap_err()
                .contains("身份证号")
        );
        assert!(
            policy
                .check("li1@example.com", ID, "LI1@example.com")
                .unwrap_err()
                .contains("邮箱")
        );
        assert!(
            policy
                .check(&"a1".repeat(65), ID, EMAIL)
                .unwrap_err()
                .contains("太长")
        );
    }

    #[test]
    fn the_policy_is_configurable() {
        let relaxed = PasswordPolicy {
            min_length: 6,
            letters_and_digits: false,
        };
        assert_eq!(relaxed.check("abcdef", ID, EMAIL), Ok(()));
        assert!(relaxed.describe().contains("至少6位"));
        assert!(!relaxed.describe().contains("字母和数字"));
    }

    #[test]
    fn the_initial_password_ignores_case_and_surrounding_spaces() {
        assert!(is_initial_password(" LiMing@Example.COM ", EMAIL));
        assert!(!is_initial_password("liming@example.co", EMAIL));
        assert!(!is_initial_password("", ""));
    }
}
