//! Password hashing, off the async runtime.

use anyhow::Context;
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// Hashes with argon2id at OWASP's parameters (m = 19 MiB, t = 2, p = 1, the crate's
/// defaults). A hash takes ~25 ms of CPU, so it runs on a blocking thread: on the async
/// runtime it would stall every other request on that worker.
pub async fn hash_password(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        PasswordHasher::<PasswordHash>::hash_password(&Argon2::default(), password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
    })
    .await
    .context("joining the hashing thread")?
}

/// Verifies a password against a stored PHC string, on a blocking thread.
pub async fn verify_password(password: String, hash: String) -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(move || {
        let parsed =
            PasswordHash::new(&hash).map_err(|e| anyhow::anyhow!("reading a stored hash: {e}"))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .context("joining the verifying thread")?
}
