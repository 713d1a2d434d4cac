//! One-time messages across a redirect (post, redirect, get): a short-lived HttpOnly cookie
//! that the next page takes and clears. Each area has its own cookie name and path, so a
//! candidate's message never shows on a staff page.

use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

/// A message for the next page.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    pub ok: bool,
    pub text: String,
    /// What it is about (a candidate's material row); `None` for the page as a whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub material: Option<String>,
}

/// Where an area keeps its message.
#[derive(Debug, Clone, Copy)]
pub struct FlashCookie {
    pub name: &'static str,
    pub path: &'static str,
}

impl FlashCookie {
    /// Adds the message to the jar, for the next page under this cookie's path.
    pub fn set(self, jar: CookieJar, flash: &Flash) -> CookieJar {
        let json = serde_json::to_vec(flash).unwrap_or_default();
        let mut cookie = Cookie::new(self.name, URL_SAFE_NO_PAD.encode(json));
        cookie.set_http_only(true);
        cookie.set_same_site(SameSite::Lax);
        cookie.set_path(self.path);
        cookie.set_max_age(time::Duration::minutes(1));
        jar.add(cookie)
    }

    /// Takes the message, if any (a cookie that does not read as one is dropped).
    pub fn take(self, jar: CookieJar) -> (CookieJar, Option<Flash>) {
        let Some(cookie) = jar.get(self.name) else {
            return (jar, None);
        };
        let flash = URL_SAFE_NO_PAD
            .decode(cookie.value())
            .ok()
            .and_then(|json| serde_json::from_slice::<Flash>(&json).ok());
        let mut removal = Cookie::from(self.name);
        removal.set_path(self.path);
        removal.make_removal();
        (jar.add(removal), flash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLASH: FlashCookie = FlashCookie {
        name: "test_flash",
        path: "/",
    };

    #[test]
    fn a_message_is_read_once() {
        let jar = FLASH.set(
            CookieJar::new(),
            &Flash {
                ok: true,
                text: "已提交".to_string(),
                material: Some("id_card".to_string()),
            },
        );
        let value = jar.get("test_flash").unwrap().value().to_string();
        let (jar, flash) = FLASH.take(CookieJar::new().add(Cookie::new("test_flash", value)));
        let flash = flash.unwrap();
        assert_eq!((flash.ok, flash.text.as_str()), (true, "已提交"));
        assert_eq!(flash.material.as_deref(), Some("id_card"));
        assert_eq!(jar.get("test_flash").unwrap().value(), "", "cleared");
    }

    #[test]
    fn a_forged_cookie_is_no_message() {
        let jar = CookieJar::new().add(Cookie::new("test_flash", "not base64 json"));
        assert!(FLASH.take(jar).1.is_none());
    }
}
