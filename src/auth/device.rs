//! Device cookies (OWASP's answer to lockout as denial of service): a browser that signed in
//! to an account gets a signed token naming that account, and its later guesses at that
//! account are counted apart from everybody else's (see [`super::guard`]). Stateless: any
//! node checks the signature with the key all nodes read from the database.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use time::Duration;
use tokio::sync::OnceCell;

use std::sync::Arc;

use crate::db::Db;

pub const DEVICE_COOKIE: &str = "shenhe_device";
/// How long a browser stays known after its last successful sign-in.
pub const DEVICE_LIFETIME: Duration = Duration::days(180);
const KEY_SETTING: &str = "device_cookie_key";

#[derive(Clone, Debug)]
pub struct Devices {
    db: Db,
    key: Arc<OnceCell<Vec<u8>>>,
}

impl Devices {
    pub fn new(db: Db) -> Devices {
        Devices {
            db,
            key: Arc::default(),
        }
    }

    /// A new token for a browser that just signed in to `account` (an account key).
    pub async fn issue(&self, account: &str) -> anyhow::Result<String> {
        let issued = crate::db::now().unix_timestamp();
        let nonce = super::new_token();
        let mac = self.mac(account, issued, &nonce).await?;
        Ok(format!("{issued}.{nonce}.{}", URL_SAFE_NO_PAD.encode(mac)))
    }

    /// The device's id when `token` is a live token for `account`.
    pub async fn recognise(&self, token: &str, account: &str) -> anyhow::Result<Option<String>> {
        if token.len() > 200 {
            return Ok(None);
        }
        let mut parts = token.split('.');
        let (Some(issued), Some(nonce), Some(mac), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Ok(None);
        };
        let (Ok(issued), Ok(sent)) = (issued.parse::<i64>(), URL_SAFE_NO_PAD.decode(mac)) else {
            return Ok(None);
        };
        let age = crate::db::now().unix_timestamp() - issued;
        if !(0..=DEVICE_LIFETIME.whole_seconds()).contains(&age) {
            return Ok(None);
        }
        let mut check = self.hmac().await?;
        check.update(&message(account, issued, nonce));
        Ok(check.verify_slice(&sent).is_ok().then(|| nonce.to_string()))
    }

    async fn mac(&self, account: &str, issued: i64, nonce: &str) -> anyhow::Result<Vec<u8>> {
        let mut mac = self.hmac().await?;
        mac.update(&message(account, issued, nonce));
        Ok(mac.finalize().into_bytes().to_vec())
    }

    async fn hmac(&self) -> anyhow::Result<Hmac<Sha256>> {
        let key = self
            .key
            .get_or_try_init(|| async {
                let fresh = super::new_token();
                let stored = self.db.setting_or_insert(KEY_SETTING, &fresh).await?;
                anyhow::Ok(stored.into_bytes())
            })
            .await?;
        Ok(<Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes any key length"))
    }
}

fn message(account: &str, issued: i64, nonce: &str) -> Vec<u8> {
    format!("shenhe-device-v1\n{account}\n{issued}\n{nonce}").into_bytes()
}
