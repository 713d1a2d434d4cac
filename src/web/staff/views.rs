//! What the staff templates under `templates/staff/` show. Pages that extend
//! `staff/layout.html` need the fields `csrf`, `username` and `is_admin`.

use askama::Template;
use askama_web::WebTemplate;

/// A plain message (expired form, server busy …) with a way back to the queue.
#[derive(Template, WebTemplate)]
#[template(path = "staff/message.html")]
pub struct StaffMessagePage {
    pub title: String,
    pub text: String,
}

/// 两步验证: set it up (QR code, secret, the first code), or see that it is on and turn it off.
#[derive(Template, WebTemplate)]
#[template(path = "staff/totp.html")]
pub struct TotpPage {
    pub csrf: String,
    pub username: String,
    pub is_admin: bool,
    /// A confirmed secret exists.
    pub enabled: bool,
    /// An admin requires a second factor (it cannot be turned off; without it nothing opens).
    pub required: bool,
    /// While setting up: the QR code as an inline SVG element, and the secret in groups of
    /// four for typing by hand.
    pub setup: Option<TotpSetup>,
    pub error: Option<String>,
    pub notice: Option<String>,
}

pub struct TotpSetup {
    pub qr_svg: String,
    pub secret: String,
}
