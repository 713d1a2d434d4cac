//! TOTP codes (RFC 6238 over RFC 4226): HMAC-SHA1, 6 digits, 30-second steps, one step
//! of clock drift either way. Pure functions; what a used code means lives in the database.

use data_encoding::BASE32_NOPAD;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

/// Seconds per step.
pub const STEP: i64 = 30;
/// Digits per code.
pub const DIGITS: u32 = 6;
/// Steps accepted either side of now, for phones whose clock is a little off.
const DRIFT: i64 = 1;

/// A new random secret, 160 bits (RFC 4226's recommended length), in base32 without padding
/// (what authenticator apps take).
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).expect("the operating system's random source");
    BASE32_NOPAD.encode(&bytes)
}

/// The key bytes of a base32 secret (spaces and lower case tolerated, as people type them).
fn key(secret: &str) -> Option<Vec<u8>> {
    let cleaned: String = secret
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '=')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    BASE32_NOPAD
        .decode(cleaned.as_bytes())
        .ok()
        .filter(|k| !k.is_empty())
}

/// RFC 4226 HOTP: the `digits`-digit code of `counter`.
pub fn hotp(key: &[u8], counter: u64, digits: u32) -> u32 {
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(&counter.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = usize::from(hash[hash.len() - 1] & 0x0f);
    let binary = u32::from_be_bytes([
        hash[offset],
        hash[offset + 1],
        hash[offset + 2],
        hash[offset + 3],
    ]) & 0x7fff_ffff;
    binary % 10u32.pow(digits)
}

/// The time step a moment falls in.
pub fn step_at(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP)
}

/// The code an authenticator shows at `unix_seconds`; `None` for a secret that is not base32.
pub fn code_at(secret: &str, unix_seconds: i64) -> Option<String> {
    let key = key(secret)?;
    let step = u64::try_from(step_at(unix_seconds)).ok()?;
    Some(format!("{:06}", hotp(&key, step, DIGITS)))
}

/// The step whose code `typed` is, within one step of `unix_seconds`; `None` when it is
/// none of them. Spaces in what was typed are ignored ("123 456").
pub fn matching_step(secret: &str, typed: &str, unix_seconds: i64) -> Option<i64> {
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if typed.len() != DIGITS as usize || !typed.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let typed: u32 = typed.parse().ok()?;
    let key = key(secret)?;
    let now = step_at(unix_seconds);
    // Every candidate step is computed, so the time taken does not say which matched.
    let mut found = None;
    for step in now - DRIFT..=now + DRIFT {
        let Ok(counter) = u64::try_from(step) else {
            continue;
        };
        if hotp(&key, counter, DIGITS) == typed && found.is_none() {
            found = Some(step);
        }
    }
    found
}

/// The `otpauth://` URI an authenticator app reads from the QR code.
pub fn otpauth_uri(issuer: &str, account: &str, secret: &str) -> String {
    let (issuer, account) = (encode(issuer), encode(account));
    format!(
        "otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}\
         &algorithm=SHA1&digits={DIGITS}&period={STEP}"
    )
}

/// Percent-encodes all but RFC 3986's unreserved characters.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1: the seed is the ASCII string "12345678901234567890".
    const RFC_SEED: &[u8] = b"12345678901234567890";
    const RFC_VECTORS: [(i64, &str); 6] = [
        (59, "94287082"),
        (1_111_111_109, "07081804"),
        (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"),
        (20_000_000_000, "65353130"),
    ];

    #[test]
    fn the_rfc_6238_sha1_vectors() {
        for (time, expected) in RFC_VECTORS {
            let counter = step_at(time) as u64;
            assert_eq!(
                format!("{:08}", hotp(RFC_SEED, counter, 8)),
                expected,
                "T = {time}"
            );
        }
    }

    #[test]
    fn six_digit_codes_from_a_base32_secret_are_the_vectors_last_digits() {
        let secret = BASE32_NOPAD.encode(RFC_SEED);
        assert_eq!(secret, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        for (time, expected) in RFC_VECTORS {
            assert_eq!(code_at(&secret, time).unwrap(), expected[2..], "T = {time}");
        }
        let typed = secret.to_lowercase().replace("GEZD", "gezd ");
        assert_eq!(code_at(&typed, 59).unwrap(), "287082");
        assert_eq!(code_at("not base32!", 59), None);
    }

    #[test]
    fn a_code_matches_its_step_and_one_step_either_side_only() {
        let secret = new_secret();
        let now = 1_700_000_015;
        let code = code_at(&secret, now).unwrap();
        assert_eq!(matching_step(&secret, &code, now), Some(step_at(now)));
        assert_eq!(
            matching_step(&secret, &code, now + STEP),
            Some(step_at(now))
        );
        assert_eq!(
            matching_step(&secret, &code, now - STEP),
            Some(step_at(now))
        );
        assert_eq!(matching_step(&secret, &code, now + 2 * STEP), None);
        assert_eq!(matching_step(&secret, &code, now - 2 * STEP), None);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(matching_step(&secret, &spaced, now), Some(step_at(now)));
        for typed in ["", "12345", "1234567", "abcdef", "１２３４５６"] {
            assert_eq!(matching_step(&secret, typed, now), None, "{typed}");
        }
    }

    #[test]
    fn secrets_are_random_base32_of_160_bits() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert_eq!(key(&a).unwrap().len(), 20);
    }

    #[test]
    fn the_uri_names_the_issuer_and_account() {
        let uri = otpauth_uri("shenhe", "zhang.san", "ABC");
        assert_eq!(
            uri,
            "otpauth://totp/shenhe:zhang.san?secret=ABC&issuer=shenhe&algorithm=SHA1&digits=6&period=30"
        );
        assert!(otpauth_uri("shenhe", "a b:c", "ABC").contains("shenhe:a%20b%3Ac?"));
    }
}
