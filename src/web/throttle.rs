//! A per-address limit on sign-in attempts: a first shield in front of argon2. The count
//! lives in the database (fixed one-minute windows), so it holds across nodes, like the
//! account lockout.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use axum::http::HeaderMap;
use sha2::{Digest, Sha256};

use crate::db::Db;

/// The length of one counting window.
pub const WINDOW: time::Duration = time::Duration::minutes(1);

#[derive(Clone, Debug)]
pub struct LoginThrottle {
    db: Db,
    per_minute: i32,
    header: Option<String>,
}

impl LoginThrottle {
    pub fn new(db: Db, per_minute: u32, header: Option<String>) -> LoginThrottle {
        LoginThrottle {
            db,
            per_minute: i32::try_from(per_minute).unwrap_or(i32::MAX).max(1),
            header,
        }
    }

    /// The client's address: the configured proxy header, else the connection's peer.
    pub fn client_ip(&self, headers: &HeaderMap, peer: Option<SocketAddr>) -> Option<IpAddr> {
        if let Some(name) = self.header.as_deref()
            && let Some(value) = headers.get(name).and_then(|v| v.to_str().ok())
            && let Some(ip) = value.split(',').next().and_then(|v| v.trim().parse().ok())
        {
            return Some(ip);
        }
        peer.map(|peer| peer.ip())
    }

    /// Counts an attempt; `Err(wait)` when this address has used up its attempts. When the
    /// database cannot count, the attempt goes through: the account lockout still holds.
    pub async fn check(&self, ip: Option<IpAddr>) -> Result<(), Duration> {
        let Some(ip) = ip else { return Ok(()) };
        let now = crate::db::now();
        match self.db.count_hit(&key(ip), now, now - WINDOW).await {
            Ok((hits, _)) if hits <= self.per_minute => Ok(()),
            Ok((_, started)) => {
                let left = (started + WINDOW - now).max(time::Duration::ZERO);
                Err(Duration::from_secs(left.whole_seconds().unsigned_abs()))
            }
            Err(e) => {
                tracing::warn!("sign-in throttle: {e:#}");
                Ok(())
            }
        }
    }
}

/// The row key: a hash, so the table holds no addresses.
fn key(ip: IpAddr) -> String {
    hex::encode(Sha256::digest(format!("login:{ip}")))
}
