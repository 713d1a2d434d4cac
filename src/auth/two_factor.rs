//! A staff member's TOTP second factor: enrolling (a pending secret until its first code
//! confirms it), turning it off, and checking a sign-in's code. Each code is good once: its
//! time step is stored, and only a later step is accepted (one UPDATE decides).

use super::totp;
use crate::db::Db;

/// The issuer authenticator apps show beside the account.
pub const ISSUER: &str = "shenhe";

/// A secret to enter in an authenticator app, and the same as a URI for its QR code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrollment {
    pub secret: String,
    pub otpauth_uri: String,
}

/// Why a second-factor change was refused; the message is for the staff member.
#[derive(Debug, thiserror::Error)]
pub enum TwoFactorError {
    #[error("两步验证已启用。如需更换手机，请先关闭两步验证再重新设置。")]
    AlreadyEnabled,
    #[error("没有待确认的密钥，请重新开始设置两步验证。")]
    NothingPending,
    #[error("两步验证尚未启用。")]
    NotEnabled,
    #[error("管理员要求所有工作人员启用两步验证，不能关闭。")]
    Required,
    #[error("验证码连续输错次数过多，请 15 分钟后再试。")]
    Locked,
    #[error("动态验证码不正确或已使用过，请核对手机时间后输入验证器中最新的 6 位验证码。")]
    WrongCode,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// The secret being enrolled: a new one, or with `keep_pending` the one already waiting (so
/// reloading the page does not invalidate a QR code the phone has just scanned).
pub async fn start_enrollment(
    db: &Db,
    staff_id: i64,
    username: &str,
    keep_pending: bool,
) -> Result<Enrollment, TwoFactorError> {
    let state = db.staff_totp(staff_id).await?.unwrap_or_default();
    if state.totp_secret.is_some() {
        return Err(TwoFactorError::AlreadyEnabled);
    }
    let secret = match state.totp_pending.filter(|_| keep_pending) {
        Some(pending) => pending,
        None => {
            let secret = totp::new_secret();
            db.set_totp_pending(staff_id, &secret).await?;
            secret
        }
    };
    Ok(Enrollment {
        otpauth_uri: totp::otpauth_uri(ISSUER, username, &secret),
        secret,
    })
}

/// Confirms the pending secret with its first code; from then on sign-ins need a code.
pub async fn confirm_enrollment(db: &Db, staff_id: i64, code: &str) -> Result<(), TwoFactorError> {
    let state = db.staff_totp(staff_id).await?.unwrap_or_default();
    let Some(pending) = state.totp_pending else {
        return Err(match state.totp_secret {
            Some(_) => TwoFactorError::AlreadyEnabled,
            None => TwoFactorError::NothingPending,
        });
    };
    let step = totp::matching_step(&pending, code, crate::db::now().unix_timestamp())
        .ok_or(TwoFactorError::WrongCode)?;
    if db.confirm_totp(staff_id, &pending, step).await? {
        Ok(())
    } else {
        // Another request replaced or confirmed the secret in between.
        Err(TwoFactorError::NothingPending)
    }
}

/// Codes a session may try per hour when turning the second factor off.
pub const TURN_OFF_TRIES: i32 = 5;

/// Turns the second factor off with a current code, unless an admin requires it. A wrong
/// code counts as a failed sign-in, so a borrowed session cannot guess its way through.
pub async fn turn_off(db: &Db, staff_id: i64, code: &str) -> Result<(), TwoFactorError> {
    let login = db
        .find_staff_login_by_id(staff_id)
        .await?
        .ok_or(TwoFactorError::NotEnabled)?;
    if login.totp_required {
        return Err(TwoFactorError::Required);
    }
    let Some(secret) = login.totp_secret else {
        return Err(TwoFactorError::NotEnabled);
    };
    let now = crate::db::now();
    let tries = format!("totp_off:{staff_id}");
    let (hits, _) = db.count_hit(&tries, now, now - super::guard::HOUR).await?;
    if hits > TURN_OFF_TRIES {
        return Err(TwoFactorError::Locked);
    }
    let cleared = match totp::matching_step(&secret, code, now.unix_timestamp()) {
        Some(step) => db.clear_totp(staff_id, &secret, step).await?,
        None => false,
    };
    if !cleared {
        return Err(TwoFactorError::WrongCode);
    }
    db.refund_hit(&tries).await?;
    Ok(())
}

/// Whether `code` is a current, unused code of `secret`; a good code is used up.
pub async fn check_sign_in_code(
    db: &Db,
    staff_id: i64,
    secret: &str,
    code: &str,
) -> anyhow::Result<bool> {
    match totp::matching_step(secret, code, crate::db::now().unix_timestamp()) {
        Some(step) => db.use_totp_step(staff_id, secret, step).await,
        None => Ok(false),
    }
}
