//! The sign-in decision for candidates (ID number + password, the email until changed) and
//! staff (username + password, and a TOTP code once they have a second factor). How many
//! guesses an account gets is [`super::guard`]'s; nothing locks an account outright.

use super::device::Devices;
use super::guard::{Admission, Guard, account_key};
use super::passwords::{Busy, Passwords};
use super::two_factor::check_sign_in_code;
use crate::db::Db;
use crate::db::accounts::{Account, CandidateLogin, StaffLogin};
use crate::domain::id_number::IdNumber;
use crate::domain::password::is_initial_password;

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
    /// Unknown account (`None`), wrong password, or a guess the guard did not let through
    /// (`limited`): the caller says the same for all of them.
    Wrong {
        account: Option<Account>,
        limited: bool,
    },
    /// The password is right (or the guard is refusing guesses and it was not checked), but
    /// the account has a second factor and no code came. Not counted as a failure.
    TotpNeeded {
        account: Account,
    },
    /// The password is right but the code is wrong or used already; counted as a failure.
    WrongTotp {
        account: Account,
    },
    /// Too many sign-ins in flight.
    Busy,
}

/// One sign-in attempt as the client sent it.
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    pub account: &'a str,
    pub password: &'a str,
    /// The second-factor code, if one was typed.
    pub totp: Option<&'a str>,
    /// The client address's limit bucket (`web::client_addr::bucket`).
    pub address: Option<&'a str>,
    /// The device cookie the browser sent, if any.
    pub device: Option<&'a str>,
}

/// What signing in needs besides the database.
#[derive(Clone, Debug)]
pub struct SignInServices {
    pub passwords: Passwords,
    pub guard: Guard,
    pub devices: Devices,
}

enum Found {
    Candidate(CandidateLogin),
    Staff(StaffLogin),
    Nobody,
}

/// Decides a sign-in. An 18-character account is an ID number of the current exam's
/// roster; anything else is a staff username. Every refusal does one password verification
/// (of the decoy when there is nothing to check), so timing does not reveal whether the
/// account exists or whether the guard refused the guess.
pub async fn sign_in(
    db: &Db,
    services: &SignInServices,
    attempt: Attempt<'_>,
) -> anyhow::Result<SignIn> {
    let name = attempt.account.trim();
    let key = account_key(name);
    let found = if name.chars().count() == 18 {
        match IdNumber::parse(name) {
            Ok(id) => db
                .find_current_candidate_login(id.as_str())
                .await?
                .map_or(Found::Nobody, Found::Candidate),
            Err(_) => Found::Nobody,
        }
    } else {
        db.find_staff_login(name)
            .await?
            .map_or(Found::Nobody, Found::Staff)
    };
    let device = match attempt.device {
        Some(token) => services.devices.recognise(token, &key).await?,
        None => None,
    };
    let admission = services
        .guard
        .admit(&key, attempt.address, device.as_deref())
        .await?;
    let passwords = &services.passwords;
    let reservation = match admission {
        Admission::Check(reservation) => reservation,
        Admission::Refuse => return refused(db, passwords, found, attempt).await,
    };
    let outcome = match found {
        Found::Nobody => decoy(passwords, attempt.password, None, false).await?,
        Found::Candidate(login) => {
            let account = Account::Candidate(login.id);
            let must_change = login.password_hash.is_none();
            let verified = match passwords
                .verify(attempt.password, login.password_hash.as_deref())
                .await
            {
                Err(Busy) => return Ok(SignIn::Busy),
                Ok(result) => result?,
            };
            if verified || (must_change && is_initial_password(attempt.password, &login.email)) {
                SignIn::Ok(SignedIn {
                    account,
                    role: "candidate".into(),
                    must_change_password: must_change,
                    must_enroll_totp: false,
                })
            } else {
                wrong(account)
            }
        }
        Found::Staff(login) => {
            let account = Account::Staff(login.id);
            let verified = match passwords
                .verify(attempt.password, Some(&login.password_hash))
                .await
            {
                Err(Busy) => return Ok(SignIn::Busy),
                Ok(result) => result?,
            };
            if !verified || login.disabled {
                wrong(account)
            } else {
                match (&login.totp_secret, code(attempt.totp)) {
                    (Some(_), None) => SignIn::TotpNeeded { account },
                    (Some(secret), Some(code))
                        if !check_sign_in_code(db, login.id, secret, code).await? =>
                    {
                        SignIn::WrongTotp { account }
                    }
                    _ => SignIn::Ok(staff_signed_in(account, &login)),
                }
            }
        }
    };
    if matches!(outcome, SignIn::Ok(_) | SignIn::TotpNeeded { .. }) {
        services.guard.refund(reservation).await?;
    }
    Ok(outcome)
}

/// A guess the guard did not let through. The password is not checked (the decoy is, for
/// the time it takes), with one exception: a staff member with a second factor, whose code
/// an attacker does not have, still gets in with password and code, and is asked for the
/// code whatever the password, so the answer says nothing about the password.
async fn refused(
    db: &Db,
    passwords: &Passwords,
    found: Found,
    attempt: Attempt<'_>,
) -> anyhow::Result<SignIn> {
    let account = match &found {
        Found::Candidate(login) => Some(Account::Candidate(login.id)),
        Found::Staff(login) => Some(Account::Staff(login.id)),
        Found::Nobody => None,
    };
    let Found::Staff(login) = found else {
        return decoy(passwords, attempt.password, account, true).await;
    };
    let (Some(secret), false) = (&login.totp_secret, login.disabled) else {
        return decoy(passwords, attempt.password, account, true).await;
    };
    let account = Account::Staff(login.id);
    let Some(code) = code(attempt.totp) else {
        return match decoy(passwords, attempt.password, Some(account), true).await? {
            SignIn::Busy => Ok(SignIn::Busy),
            _ => Ok(SignIn::TotpNeeded { account }),
        };
    };
    let verified = match passwords
        .verify(attempt.password, Some(&login.password_hash))
        .await
    {
        Err(Busy) => return Ok(SignIn::Busy),
        Ok(result) => result?,
    };
    if verified && check_sign_in_code(db, login.id, secret, code).await? {
        return Ok(SignIn::Ok(staff_signed_in(account, &login)));
    }
    Ok(SignIn::Wrong {
        account: Some(account),
        limited: true,
    })
}

fn staff_signed_in(account: Account, login: &StaffLogin) -> SignedIn {
    SignedIn {
        account,
        role: login.role.clone(),
        must_change_password: login.must_change_password,
        must_enroll_totp: login.totp_required && login.totp_secret.is_none(),
    }
}

fn wrong(account: Account) -> SignIn {
    SignIn::Wrong {
        account: Some(account),
        limited: false,
    }
}

fn code(totp: Option<&str>) -> Option<&str> {
    totp.map(str::trim).filter(|code| !code.is_empty())
}

/// The decoy verification of a refused guess: the same work as checking a password.
async fn decoy(
    passwords: &Passwords,
    password: &str,
    account: Option<Account>,
    limited: bool,
) -> anyhow::Result<SignIn> {
    match passwords.verify(password, None).await {
        Err(Busy) => Ok(SignIn::Busy),
        Ok(result) => result.map(|_| SignIn::Wrong { account, limited }),
    }
}
