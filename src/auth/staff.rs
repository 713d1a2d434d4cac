//! Staff usernames and the one-time initial password an operator hands over.

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
