//! argon2id at OWASP's parameters (m = 19 MiB, t = 2, p = 1, the crate's defaults).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use argon2::password_hash::phc::{Output, PasswordHash};
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::Semaphore;

/// Hashes a password on a blocking thread: a hash takes ~25 ms of CPU, and on the async
/// runtime it would stall every other request on that worker. Unbounded: for the command
/// line and the demo; the web uses [`Passwords`].
pub async fn hash_password(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await
        .context("joining the hashing thread")?
}

/// Verifies a password against a stored PHC string, on a blocking thread (unbounded).
pub async fn verify_password(password: String, hash: String) -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(move || verify_now(&password, &hash))
        .await
        .context("joining the verifying thread")?
}

fn hash_now(password: &str) -> anyhow::Result<String> {
    PasswordHasher::<PasswordHash>::hash_password(&Argon2::default(), password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
}

fn verify_now(password: &str, hash: &str) -> anyhow::Result<bool> {
    let parsed =
        PasswordHash::new(hash).map_err(|e| anyhow::anyhow!("reading a stored hash: {e}"))?;
    Ok(Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

/// [`verify_now`] in a work area kept between calls. `Argon2::verify_password` allocates
/// and zeroes a new 19 MiB area every time, and on the blocking pool's threads glibc often
/// maps it anew (a heap of its own, unmapped again on free): 4,865 page faults, ≈ 7 ms more
/// per sign-in. The result is the same: the outputs compare in constant time (`Output`'s
/// `==`), as in the crate's own verify.
fn verify_in(password: &str, hash: &str, area: &mut Vec<Block>) -> anyhow::Result<bool> {
    let bad = |e: &dyn std::fmt::Display| anyhow::anyhow!("reading a stored hash: {e}");
    let parsed = PasswordHash::new(hash).map_err(|e| bad(&e))?;
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return Err(bad(&"no salt or no output"));
    };
    let argon2 = Argon2::new(
        Algorithm::try_from(parsed.algorithm.as_str()).map_err(|e| bad(&e))?,
        Version::try_from(parsed.version.unwrap_or(0x13)).map_err(|e| bad(&e))?,
        Params::try_from(&parsed).map_err(|e| bad(&e))?,
    );
    // A hash stored with a larger memory cost than today's grows the area once.
    let blocks = argon2.params().block_count();
    if area.len() < blocks {
        area.resize(blocks, Block::new());
    }
    let mut out = [0u8; Output::MAX_LENGTH];
    let out = out
        .get_mut(..expected.len())
        .ok_or_else(|| bad(&"output too long"))?;
    argon2
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut *out, &mut area[..])
        .map_err(|e| anyhow::anyhow!("verifying a password: {e}"))?;
    Ok(Output::new(out).map_err(|e| bad(&e))? == *expected)
}

/// Too many sign-ins are already waiting; the caller answers 503 with Retry-After.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

/// The web's password hasher. At most `workers` hashes run at once (each holds 19 MiB and a
/// core), and at most `queue` more wait, each for at most `max_wait`; beyond that a caller
/// gets [`Busy`] at once instead of joining an unbounded queue. A flood of sign-ins thus
/// costs bounded memory and CPU, and the rest of the site keeps its cores.
#[derive(Clone, Debug)]
pub struct Passwords {
    running: Arc<Semaphore>,
    waiting: Arc<Semaphore>,
    max_wait: Duration,
    /// A real hash of a random password, verified when there is no account or no stored
    /// hash, so the answer takes as long either way and does not reveal which it was.
    decoy: Arc<str>,
    /// argon2 work areas (19 MiB each), made on first use and kept: at most `workers`.
    areas: Arc<Mutex<Vec<Vec<Block>>>>,
}

impl Passwords {
    pub fn new(workers: usize, queue: usize, max_wait: Duration) -> Passwords {
        let decoy = hash_now(&super::new_token()).expect("hashing a random password");
        Passwords {
            running: Arc::new(Semaphore::new(workers.max(1))),
            waiting: Arc::new(Semaphore::new(workers.max(1) + queue)),
            max_wait,
            decoy: decoy.into(),
            areas: Arc::default(),
        }
    }

    /// One worker per core, a queue of 64 per core, 10 s of waiting at most.
    pub fn for_this_machine() -> Passwords {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Passwords::new(cores, 64 * cores, Duration::from_secs(10))
    }

    /// Verifies `password` against `hash`, or against the decoy when `hash` is `None` (the
    /// result is then always false, after the same work).
    pub async fn verify(
        &self,
        password: &str,
        hash: Option<&str>,
    ) -> Result<anyhow::Result<bool>, Busy> {
        let decoy = hash.is_none();
        let hash = hash.map_or_else(|| self.decoy.to_string(), str::to_string);
        let password = password.to_string();
        let areas = self.areas.clone();
        self.run(move || {
            let taken = areas.lock().ok().and_then(|mut areas| areas.pop());
            let mut area = taken.unwrap_or_default();
            let verified = verify_in(&password, &hash, &mut area);
            if let Ok(mut areas) = areas.lock() {
                areas.push(area);
            }
            verified.map(|ok| ok && !decoy)
        })
        .await
    }

    pub async fn hash(&self, password: &str) -> Result<anyhow::Result<String>, Busy> {
        let password = password.to_string();
        self.run(move || hash_now(&password)).await
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
    ) -> Result<anyhow::Result<T>, Busy> {
        let Ok(_place) = self.waiting.try_acquire() else {
            return Err(Busy);
        };
        let Ok(Ok(permit)) =
            tokio::time::timeout(self.max_wait, self.running.clone().acquire_owned()).await
        else {
            return Err(Busy);
        };
        let span = tracing::Span::current();
        let joined = tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            let result = work();
            drop(permit);
            result
        })
        .await;
        Ok(joined
            .context("joining the password thread")
            .and_then(|r| r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let passwords = Passwords::new(1, 1, Duration::from_secs(5));
        let hash = passwords.hash("kaoshi2023").await.unwrap().unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(
            passwords
                .verify("kaoshi2023", Some(&hash))
                .await
                .unwrap()
                .unwrap()
        );
        assert!(
            !passwords
                .verify("kaoshi2024", Some(&hash))
                .await
                .unwrap()
                .unwrap()
        );
    }

    #[test]
    fn a_kept_area_verifies_like_the_crate() {
        let hash = hash_now("kaoshi2023").unwrap();
        let mut area = Vec::new();
        for password in ["kaoshi2023", "kaoshi2024", ""] {
            assert_eq!(
                verify_in(password, &hash, &mut area).unwrap(),
                verify_now(password, &hash).unwrap()
            );
        }
        assert_eq!(area.len(), Params::DEFAULT_M_COST as usize);
        // Other parameters, as stored by an older or newer release.
        let small = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8 * 1024, 3, 1, Some(32)).unwrap(),
        );
        let hash = PasswordHasher::<PasswordHash>::hash_password(&small, b"kaoshi2023")
            .unwrap()
            .to_string();
        assert!(verify_in("kaoshi2023", &hash, &mut area).unwrap());
        assert!(!verify_in("kaoshi2024", &hash, &mut area).unwrap());
        assert!(verify_in("x", "not a hash", &mut area).is_err());
    }

    #[tokio::test]
    async fn the_decoy_never_verifies() {
        let passwords = Passwords::new(1, 1, Duration::from_secs(5));
        assert!(!passwords.verify("anything", None).await.unwrap().unwrap());
    }

    #[tokio::test]
    async fn a_full_queue_answers_busy_at_once() {
        let passwords = Passwords::new(1, 0, Duration::from_secs(5));
        let running = {
            let p = passwords.clone();
            tokio::spawn(async move { p.hash("first-one-1").await })
        };
        // Wait until the first hash holds the only place.
        while passwords.waiting.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        assert_eq!(passwords.hash("second-one-2").await.err(), Some(Busy));
        assert!(running.await.unwrap().is_ok());
    }
}
