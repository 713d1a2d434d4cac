//! How many password guesses an account gets, counted in the database by every node alike.
//!
//! A lockout that refuses the right password is a weapon: anyone who knows a candidate's ID
//! number could keep them out on the last day. So nothing here ever locks an account as a
//! whole. Guesses are counted per account in three budgets, and a refused guess is answered
//! exactly like a wrong password (after the same argon2 work), so nobody learns whether an
//! account exists, was guessed at, or is being refused:
//!
//! - a browser that has signed in to the account before (its device cookie, see
//!   [`super::device`]) has [`DEVICE_FAILURES`] wrong guesses an hour of its own, whatever
//!   anybody else does;
//! - every other client address (IPv6: per /64) has [`PAIR_FAILURES`] per
//!   [`PAIR_WINDOW`] on that account;
//! - all those addresses together have [`ACCOUNT_FAILURES`] an hour; once they are used up,
//!   an address that has not tried this account in its window still gets one try, at most
//!   [`FRESH_ADDRESSES`] of them an hour.
//!
//! So an account gets at most `ACCOUNT_FAILURES + FRESH_ADDRESSES` guesses an hour from
//! browsers that never signed in to it (twice that across a window boundary), and its owner
//! gets in with the right password from a browser they used before, or from an address the
//! attacker has not used. Successful sign-ins give their guess back.

use anyhow::Context;
use sha2::{Digest, Sha256};
use time::Duration;

use crate::db::Db;

pub const PAIR_FAILURES: i32 = 5;
pub const PAIR_WINDOW: Duration = Duration::minutes(15);
pub const ACCOUNT_FAILURES: i32 = 10;
pub const FRESH_ADDRESSES: i32 = 20;
pub const DEVICE_FAILURES: i32 = 5;
pub const HOUR: Duration = Duration::hours(1);
/// The longest window of any counter: rows older than this can be swept.
pub const LONGEST_WINDOW: Duration = HOUR;

/// The name an account is counted under: what was typed, trimmed, an ID number's `x` in
/// upper case. Counting by name rather than by row means an unknown account costs the same
/// database work as a known one.
pub fn account_key(account: &str) -> String {
    let account = account.trim();
    let name = if account.chars().count() == 18 {
        account.to_ascii_uppercase()
    } else {
        account.to_string()
    };
    hex::encode(Sha256::digest(format!("account:{name}")))
}

/// Whether a guess may be checked.
#[derive(Debug)]
pub enum Admission {
    /// Check the password; give the guess back with [`Guard::refund`] if it was right.
    Check(Reservation),
    /// Do not check it: answer as for a wrong password.
    Refuse,
}

/// The counters one admitted guess was counted in.
#[derive(Debug, Default)]
pub struct Reservation {
    keys: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Guard {
    db: Db,
}

impl Guard {
    pub fn new(db: Db) -> Guard {
        Guard { db }
    }

    /// Counts a guess at `account` (an [`account_key`]) from `address` (a limit bucket of
    /// the client address), or from a browser that holds this account's device cookie
    /// (`device`: its id). One to three upserts.
    pub async fn admit(
        &self,
        account: &str,
        address: Option<&str>,
        device: Option<&str>,
    ) -> anyhow::Result<Admission> {
        if let Some(device) = device {
            let key = counter("device", &[account, device]);
            let hits = self.hit(&key, HOUR).await?;
            return Ok(if hits <= DEVICE_FAILURES {
                Admission::Check(Reservation { keys: vec![key] })
            } else {
                Admission::Refuse
            });
        }
        let address = address.unwrap_or("unknown");
        let pair = counter("pair", &[account, address]);
        let pair_hits = self.hit(&pair, PAIR_WINDOW).await?;
        if pair_hits > PAIR_FAILURES {
            return Ok(Admission::Refuse);
        }
        let whole = counter("account", &[account]);
        let account_hits = self.hit(&whole, HOUR).await?;
        let mut keys = vec![pair, whole];
        if account_hits > ACCOUNT_FAILURES {
            if pair_hits > 1 {
                return Ok(Admission::Refuse);
            }
            let fresh = counter("fresh", &[account]);
            if self.hit(&fresh, HOUR).await? > FRESH_ADDRESSES {
                return Ok(Admission::Refuse);
            }
            keys.push(fresh);
        }
        Ok(Admission::Check(Reservation { keys }))
    }

    /// A right password: its guess is given back.
    pub async fn refund(&self, reservation: Reservation) -> anyhow::Result<()> {
        for key in reservation.keys {
            self.db.refund_hit(&key).await?;
        }
        Ok(())
    }

    async fn hit(&self, key: &str, window: Duration) -> anyhow::Result<i32> {
        let now = crate::db::now();
        let (hits, _) = self
            .db
            .count_hit(key, now, now - window)
            .await
            .context("counting a password guess")?;
        Ok(hits)
    }
}

/// A counter's row key: a hash, so the table holds neither account names nor addresses.
fn counter(kind: &str, parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(kind.as_bytes());
    for part in parts {
        hasher.update(b"\n");
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_number_is_counted_whatever_case_its_x_was_typed_in() {
        assert_eq!(
            account_key(" 42010619900101001x "),
            account_key("42010619900101001X")
        );
        assert_ne!(account_key("li.si"), account_key("LI.SI"));
        assert_ne!(counter("pair", &["a", "b"]), counter("pair", &["ab"]));
    }
}
