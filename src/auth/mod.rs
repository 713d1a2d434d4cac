//! Passwords and sessions: argon2id hashing off the async runtime with bounded
//! concurrency, session tokens, the sign-in decision, staff usernames and the TOTP second
//! factor.

pub mod device;
pub mod guard;
mod login;
mod passwords;
pub mod staff;
pub mod totp;
pub mod two_factor;

pub use login::{Attempt, SignIn, SignInServices, SignedIn, sign_in};
pub use passwords::{Busy, Passwords, hash_password, verify_password};

use base64::Engine;
use sha2::{Digest, Sha256};

/// A fresh random secret (256 bits, URL-safe base64): session tokens and CSRF tokens.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database stores of a session token: its SHA-256, so a copy of the sessions
/// table cannot be used to sign in.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_stored_only_as_a_hash() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
        assert_eq!(token_hash(&a), token_hash(&a));
    }

    #[test]
    fn secrets_compare_by_content() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
    }
}
