//! Settings an admin changes at run time, kept in the database so every node reads the same.

use anyhow::Context;

use super::audit::{Actor, AuditEntry};
use super::{Db, now, on_pool};

/// `"true"` makes a TOTP second factor mandatory for every staff member.
pub const TOTP_REQUIRED: &str = "totp_required";
/// The share of first decisions that also get a second review, `0`–`1`.
pub const SECOND_REVIEW_SHARE: &str = "second_review_share";
const DEFAULT_SECOND_REVIEW_SHARE: f64 = 0.10;
/// The id of the key the blob store is encrypted under, or `none` (see
/// `storage::key_record`); written by nodes at start, never by an admin.
pub const ENCRYPTION_KEY_ID: &str = "encryption_key_id";

/// The settings the review workspace reads, with their defaults filled in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReviewSettings {
    pub totp_required: bool,
    /// Always within `0.0..=1.0`.
    pub second_review_share: f64,
}

impl ReviewSettings {
    fn from_pairs(pairs: &[(String, String)]) -> ReviewSettings {
        let value = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim());
        let share = value(SECOND_REVIEW_SHARE)
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|v| v.is_finite())
            .map_or(DEFAULT_SECOND_REVIEW_SHARE, |v| v.clamp(0.0, 1.0));
        ReviewSettings {
            totp_required: value(TOTP_REQUIRED) == Some("true"),
            second_review_share: share,
        }
    }
}

impl Db {
    pub async fn setting(&self, key: &str) -> anyhow::Result<Option<String>> {
        on_pool!(self, |pool| sqlx::query_scalar(
            "select value from settings where key = $1"
        )
        .bind(key)
        .fetch_optional(pool)
        .await)
        .with_context(|| format!("reading the setting {key}"))
    }

    /// The setting's value, storing `value` first if there is none (the first node to ask
    /// wins; every node then reads the same).
    pub async fn setting_or_insert(&self, key: &str, value: &str) -> anyhow::Result<String> {
        self.replace_setting(key, None, value).await?;
        self.setting(key)
            .await?
            .with_context(|| format!("the setting {key} vanished"))
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> anyhow::Result<()> {
        on_pool!(self, |pool| sqlx::query(
            "insert into settings (key, value, updated_at) values ($1, $2, $3) \
             on conflict (key) do update set value = excluded.value, \
             updated_at = excluded.updated_at"
        )
        .bind(key)
        .bind(value)
        .bind(now())
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))
        .with_context(|| format!("saving the setting {key}"))?;
        Ok(())
    }

    /// Sets a setting only if it still holds `expected` (`None`: only if it is not set
    /// yet), so that nodes starting together cannot overwrite each other unseen. `false`:
    /// someone else changed it first; read it again.
    pub async fn replace_setting(
        &self,
        key: &str,
        expected: Option<&str>,
        value: &str,
    ) -> anyhow::Result<bool> {
        let changed = match expected {
            None => on_pool!(self, |pool| sqlx::query(
                "insert into settings (key, value, updated_at) values ($1, $2, $3) \
                 on conflict (key) do nothing"
            )
            .bind(key)
            .bind(value)
            .bind(now())
            .execute(pool)
            .await
            .map(|r| r.rows_affected())),
            Some(expected) => on_pool!(self, |pool| sqlx::query(
                "update settings set value = $2, updated_at = $3 where key = $1 and value = $4"
            )
            .bind(key)
            .bind(value)
            .bind(now())
            .bind(expected)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())),
        }
        .with_context(|| format!("saving the setting {key}"))?;
        Ok(changed == 1)
    }

    /// Saves a setting and writes `setting_changed` to the audit log (the same entry
    /// whether an admin changed it in the browser or at the command line).
    pub async fn change_setting(
        &self,
        key: &str,
        value: &str,
        actor: Actor,
        ip: Option<String>,
    ) -> anyhow::Result<()> {
        self.set_setting(key, value).await?;
        self.record_audit(AuditEntry {
            actor,
            action: "setting_changed",
            candidate_id: None,
            ip,
            detail: Some(serde_json::json!({ "key": key, "value": value })),
        })
        .await
    }

    /// Saves those of `wanted` that differ from the stored settings, each change audited.
    pub async fn save_review_settings(
        &self,
        wanted: ReviewSettings,
        actor: Actor,
        ip: Option<String>,
    ) -> anyhow::Result<()> {
        let current = self.review_settings().await?;
        if current.totp_required != wanted.totp_required {
            let value = if wanted.totp_required {
                "true"
            } else {
                "false"
            };
            self.change_setting(TOTP_REQUIRED, value, actor, ip.clone())
                .await?;
        }
        let share = wanted.second_review_share.clamp(0.0, 1.0);
        if (current.second_review_share - share).abs() > f64::EPSILON {
            self.change_setting(SECOND_REVIEW_SHARE, &share.to_string(), actor, ip)
                .await?;
        }
        Ok(())
    }

    pub async fn review_settings(&self) -> anyhow::Result<ReviewSettings> {
        let pairs: Vec<(String, String)> = on_pool!(self, |pool| sqlx::query_as(
            "select key, value from settings where key in ($1, $2)"
        )
        .bind(TOTP_REQUIRED)
        .bind(SECOND_REVIEW_SHARE)
        .fetch_all(pool)
        .await)
        .context("reading the review settings")?;
        Ok(ReviewSettings::from_pairs(&pairs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> ReviewSettings {
        let pairs: Vec<_> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ReviewSettings::from_pairs(&pairs)
    }

    #[test]
    fn missing_or_odd_values_fall_back_to_the_defaults() {
        assert_eq!(
            settings(&[]),
            ReviewSettings {
                totp_required: false,
                second_review_share: 0.10
            }
        );
        let odd = settings(&[(TOTP_REQUIRED, "yes"), (SECOND_REVIEW_SHARE, "NaN")]);
        assert!(!odd.totp_required);
        assert_eq!(odd.second_review_share, 0.10);
    }

    #[test]
    fn values_are_read_and_the_share_is_clamped() {
        let s = settings(&[(TOTP_REQUIRED, "true"), (SECOND_REVIEW_SHARE, " 0.25 ")]);
        assert!(s.totp_required);
        assert_eq!(s.second_review_share, 0.25);
        assert_eq!(
            settings(&[(SECOND_REVIEW_SHARE, "3")]).second_review_share,
            1.0
        );
        assert_eq!(
            settings(&[(SECOND_REVIEW_SHARE, "-1")]).second_review_share,
            0.0
        );
    }
}
