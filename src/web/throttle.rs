//! A per-address limit on sign-in attempts: a first shield in front of argon2. It lives in
//! the process (each node counts its own); the account lockout lives in the database.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::http::HeaderMap;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

#[derive(Clone)]
pub struct LoginThrottle {
    limiter: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    header: Option<String>,
}

impl std::fmt::Debug for LoginThrottle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginThrottle").finish_non_exhaustive()
    }
}

/// Addresses kept before stale ones are dropped, so memory stays bounded.
const SWEEP_ABOVE: usize = 100_000;

impl LoginThrottle {
    pub fn new(per_minute: u32, header: Option<String>) -> LoginThrottle {
        let per_minute = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
        LoginThrottle {
            limiter: Arc::new(RateLimiter::keyed(Quota::per_minute(per_minute))),
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

    /// `Err(wait)` when this address has used up its attempts.
    pub fn check(&self, ip: Option<IpAddr>) -> Result<(), Duration> {
        let Some(ip) = ip else { return Ok(()) };
        if self.limiter.len() > SWEEP_ABOVE {
            self.limiter.retain_recent();
        }
        self.limiter
            .check_key(&ip)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}
