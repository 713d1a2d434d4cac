//! The sign-in decision for candidates (ID number + password, the email until changed) and
//! staff (username + password), with a lockout that lives in the database.

use time::{Duration, OffsetDateTime};

use super::passwords::{Busy, Passwords};
use crate::db::Db;
use crate::db::accounts::Account;
use crate::domain::id_number::IdNumber;
use crate::domain::password::is_initial_password;

/// Failures in a row that lock an account, and for how long.
pub const MAX_FAILURES: i32 = 5;
pub const LOCK_FOR: Duration = Duration::minutes(15);

/// Who signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub account: Account,
    /// "candidate", "reviewer" or "admin".
    pub role: String,
    /// Still the initial password (candidates) or a password set by an admin (staff).
    pub must_change_password: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignIn {
    Ok(SignedIn),
    /// Unknown account or wrong password: the caller says the same for both.
    Wrong,
    /// Locked until then, by this attempt or earlier ones.
    Locked {
        until: OffsetDateTime,
    },
    /// Too many sign-ins in flight.
    Busy,
}

/// Decides a sign-in. An 18-character account is an ID number of the current exam's
/// roster; anything else is a staff username. Every path that ends in `Wrong` does one password
/// verification, so timing does not reveal whether the account exists.
pub async fn sign_in(
    db: &Db,
    passwords: &Passwords,
    account: &str,
    password: &str,
) -> anyhow::Result<SignIn> {
    let account = account.trim();
    let now = crate::db::now();
    if account.chars().count() == 18 {
        let login = match IdNumber::parse(account) {
            Ok(id) => db.find_current_candidate_login(id.as_str()).await?,
            Err(_) => None,
        };
        let Some(login) = login else {
            return decoy(passwords, password).await;
        };
        if let Some(until) = login.locked_until.filter(|until| *until > now) {
            return Ok(SignIn::Locked { until });
        }
        let must_change = login.password_hash.is_none();
        let verified = match passwords
            .verify(password, login.password_hash.as_deref())
            .await
        {
            Err(Busy) => return Ok(SignIn::Busy),
            Ok(result) => result?,
        };
        let ok = verified || (must_change && is_initial_password(password, &login.email));
        let account = Account::Candidate(login.id);
        let failures = login.failed_logins > 0 || login.locked_until.is_some();
        settle(db, account, ok, failures, now, || SignedIn {
            account,
            role: "candidate".into(),
            must_change_password: must_change,
        })
        .await
    } else {
        let Some(login) = db.find_staff_login(account).await? else {
            return decoy(passwords, password).await;
        };
        if let Some(until) = login.locked_until.filter(|until| *until > now) {
            return Ok(SignIn::Locked { until });
        }
        let verified = match passwords.verify(password, Some(&login.password_hash)).await {
            Err(Busy) => return Ok(SignIn::Busy),
            Ok(result) => result?,
        };
        let account = Account::Staff(login.id);
        let failures = login.failed_logins > 0 || login.locked_until.is_some();
        let ok = verified && !login.disabled;
        settle(db, account, ok, failures, now, || SignedIn {
            account,
            role: login.role.clone(),
            must_change_password: login.must_change_password,
        })
        .await
    }
}

async fn decoy(passwords: &Passwords, password: &str) -> anyhow::Result<SignIn> {
    match passwords.verify(password, None).await {
        Err(Busy) => Ok(SignIn::Busy),
        Ok(result) => result.map(|_| SignIn::Wrong),
    }
}

/// Records the outcome: a success clears earlier failures (if there were any), a failure
/// counts (and may lock).
async fn settle(
    db: &Db,
    account: Account,
    ok: bool,
    earlier_failures: bool,
    now: OffsetDateTime,
    signed_in: impl FnOnce() -> SignedIn,
) -> anyhow::Result<SignIn> {
    if ok {
        if earlier_failures {
            db.clear_failed_logins(account).await?;
        }
        return Ok(SignIn::Ok(signed_in()));
    }
    match db
        .record_failed_login(account, MAX_FAILURES, now + LOCK_FOR)
        .await?
    {
        Some(until) => Ok(SignIn::Locked { until }),
        None => Ok(SignIn::Wrong),
    }
}
