//! The sign-in decision for candidates (ID number + password, the email until changed) and
//! staff (username + password, and a TOTP code once they have a second factor), with a
//! lockout that lives in the database.

use time::{Duration, OffsetDateTime};

use super::passwords::{Busy, Passwords};
use super::two_factor::check_sign_in_code;
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
    /// A staff member without a second factor while an admin requires one: only
    /// enrollment, the password change and sign-out are open until they set it up.
    pub must_enroll_totp: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignIn {
    Ok(SignedIn),
    /// Unknown account (`None`) or wrong password: the caller says the same for both.
    Wrong {
        account: Option<Account>,
    },
    /// The password is right, but the account has a second factor and no code came.
    /// Not counted as a failure.
    TotpNeeded {
        account: Account,
    },
    /// The password is right but the code is wrong or used already; counted as a failure.
    WrongTotp {
        account: Account,
    },
    /// Locked until then, by this attempt or earlier ones.
    Locked {
        account: Account,
        until: OffsetDateTime,
    },
    /// Too many sign-ins in flight.
    Busy,
}

/// Decides a sign-in. An 18-character account is an ID number of the current exam's
/// roster; anything else is a staff username. Every path that ends in `Wrong` does one password
/// verification, so timing does not reveal whether the account exists. `totp` is the
/// second-factor code, if one was typed; it is looked at only after the password is right.
pub async fn sign_in(
    db: &Db,
    passwords: &Passwords,
    account: &str,
    password: &str,
    totp: Option<&str>,
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
        let account = Account::Candidate(login.id);
        if let Some(until) = login.locked_until.filter(|until| *until > now) {
            return Ok(SignIn::Locked { account, until });
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
        if !ok {
            return failed(
                db,
                account,
                now,
                SignIn::Wrong {
                    account: Some(account),
                },
            )
            .await;
        }
        if login.failed_logins > 0 || login.locked_until.is_some() {
            db.clear_failed_logins(account).await?;
        }
        Ok(SignIn::Ok(SignedIn {
            account,
            role: "candidate".into(),
            must_change_password: must_change,
            must_enroll_totp: false,
        }))
    } else {
        let Some(login) = db.find_staff_login(account).await? else {
            return decoy(passwords, password).await;
        };
        let account = Account::Staff(login.id);
        if let Some(until) = login.locked_until.filter(|until| *until > now) {
            return Ok(SignIn::Locked { account, until });
        }
        let verified = match passwords.verify(password, Some(&login.password_hash)).await {
            Err(Busy) => return Ok(SignIn::Busy),
            Ok(result) => result?,
        };
        if !verified || login.disabled {
            return failed(
                db,
                account,
                now,
                SignIn::Wrong {
                    account: Some(account),
                },
            )
            .await;
        }
        if let Some(secret) = &login.totp_secret {
            let Some(code) = totp.map(str::trim).filter(|code| !code.is_empty()) else {
                return Ok(SignIn::TotpNeeded { account });
            };
            if !check_sign_in_code(db, login.id, secret, code).await? {
                return failed(db, account, now, SignIn::WrongTotp { account }).await;
            }
        }
        if login.failed_logins > 0 || login.locked_until.is_some() {
            db.clear_failed_logins(account).await?;
        }
        Ok(SignIn::Ok(SignedIn {
            account,
            role: login.role,
            must_change_password: login.must_change_password,
            must_enroll_totp: login.totp_required && login.totp_secret.is_none(),
        }))
    }
}

async fn decoy(passwords: &Passwords, password: &str) -> anyhow::Result<SignIn> {
    match passwords.verify(password, None).await {
        Err(Busy) => Ok(SignIn::Busy),
        Ok(result) => result.map(|_| SignIn::Wrong { account: None }),
    }
}

/// Counts a failure (which may lock the account): `outcome`, or `Locked` when this attempt
/// locked it.
async fn failed(
    db: &Db,
    account: Account,
    now: OffsetDateTime,
    outcome: SignIn,
) -> anyhow::Result<SignIn> {
    match db
        .record_failed_login(account, MAX_FAILURES, now + LOCK_FOR)
        .await?
    {
        Some(until) => Ok(SignIn::Locked { account, until }),
        None => Ok(outcome),
    }
}
