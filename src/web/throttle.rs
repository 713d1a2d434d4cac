//! A per-address limit on sign-in attempts: a first shield in front of argon2, whichever
//! accounts the attempts name. The count lives in the database (fixed one-minute windows),
//! so it holds across nodes. A successful sign-in gives its attempt back, so a campus NAT
//! full of students signing in never runs out; only failures use the budget up.

use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::db::Db;

/// The length of one counting window.
pub const WINDOW: time::Duration = time::Duration::minutes(1);

#[derive(Clone, Debug)]
pub struct LoginThrottle {
    db: Db,
    per_minute: i32,
}

/// An attempt that was counted: [`LoginThrottle::refund`] gives it back.
#[derive(Debug)]
pub struct Counted(Option<String>);

impl LoginThrottle {
    pub fn new(db: Db, per_minute: u32) -> LoginThrottle {
        LoginThrottle {
            db,
            per_minute: i32::try_from(per_minute).unwrap_or(i32::MAX).max(1),
        }
    }

    /// Counts an attempt from `bucket` (`client_addr::bucket`); `Err(wait)` when it has
    /// used up its attempts. When the database cannot count, the attempt goes through: the
    /// per-account guard still holds (and fails closed).
    pub async fn check(&self, bucket: Option<&str>) -> Result<Counted, Duration> {
        let Some(bucket) = bucket else {
            return Ok(Counted(None));
        };
        let key = key(bucket);
        let now = crate::db::now();
        match self.db.count_hit(&key, now, now - WINDOW).await {
            Ok((hits, _)) if hits <= self.per_minute => Ok(Counted(Some(key))),
            Ok((_, started)) => {
                let left = (started + WINDOW - now).max(time::Duration::ZERO);
                Err(Duration::from_secs(left.whole_seconds().unsigned_abs()))
            }
            Err(e) => {
                tracing::warn!("sign-in throttle: {e:#}");
                Ok(Counted(None))
            }
        }
    }

    /// A successful sign-in does not use up its address's attempts.
    pub async fn refund(&self, counted: Counted) {
        if let Some(key) = counted.0
            && let Err(e) = self.db.refund_hit(&key).await
        {
            tracing::warn!("sign-in throttle: {e:#}");
        }
    }
}

/// The row key: a hash, so the table holds no addresses.
fn key(bucket: &str) -> String {
    hex::encode(Sha256::digest(format!("login:{bucket}")))
}
