//! The candidate pages' view models: what each askama template under
//! `templates/candidate/` can show. Handlers fill them; templates only display.

use askama::Template;
use askama_web::WebTemplate;

/// The sign-in page (also the front page when nobody is signed in).
#[derive(Template, WebTemplate)]
#[template(path = "candidate/login.html")]
pub struct LoginPage {
    /// The current exam's name, when one is open for review.
    pub exam_name: Option<String>,
    /// The upload window in words, e.g. "2023年10月27日 09:00 至 2023年11月3日 17:00".
    pub window: Option<String>,
    /// What was typed as 身份证号 (or a staff username), kept after a failed attempt.
    pub account: String,
    /// Why the last attempt failed (one generic message, or the lockout with its end).
    pub error: Option<String>,
    /// A note after signing out or after a session expired.
    pub notice: Option<String>,
    /// Show the 动态验证码 field: a staff member with a second factor is signing in.
    pub ask_totp: bool,
}

/// Change password: forced after the first sign-in with the initial password.
#[derive(Template, WebTemplate)]
#[template(path = "candidate/password.html")]
pub struct PasswordPage {
    pub csrf: String,
    /// True when the account still has the initial password and must change it first.
    pub forced: bool,
    /// A staff member's page: the initial password is the one-time password they were
    /// given, not an email.
    pub staff: bool,
    /// The password rules in words, shown before the candidate types.
    pub policy: String,
    pub error: Option<String>,
}

/// The candidate's page: info panel, 提示, the material table, submit.
#[derive(Template, WebTemplate)]
#[template(path = "candidate/home.html")]
pub struct HomePage {
    pub csrf: String,
    pub exam_name: String,
    pub info: InfoPanel,
    pub status: StatusView,
    pub window: WindowView,
    /// The 提示 box, one line each.
    pub notices: Vec<String>,
    /// Empty when the candidate is not eligible here.
    pub materials: Vec<MaterialView>,
    /// The 提交 button is shown (status and window allow it).
    pub can_submit: bool,
    pub outcome: Option<OutcomeView>,
    /// Why the candidate cannot be reviewed here and whom to contact.
    pub ineligible: Option<String>,
    /// The result of the last form action that concerns the whole page (e.g. submitted).
    pub flash: Option<Flash>,
    pub limits: LimitsView,
}

pub struct InfoPanel {
    pub id_number: String,
    pub name: String,
    pub school: String,
    /// "是" or "否".
    pub is_student: &'static str,
    pub hukou: String,
}

pub struct StatusView {
    /// draft | submitted | in_review | approved | returned | rejected (for CSS).
    pub code: &'static str,
    /// e.g. "未提交", "已提交（待审核）".
    pub label: &'static str,
}

pub struct WindowView {
    /// Uploads and submission are possible now.
    pub open: bool,
    /// e.g. "材料上传时间：… 至 …（北京时间）", "材料上传将于 … 开始", "材料上传已于 … 截止".
    pub text: String,
}

pub struct MaterialView {
    /// 序号, from 1.
    pub index: usize,
    pub code: String,
    pub name: String,
    pub description: String,
    pub example_url: Option<String>,
    pub required: bool,
    pub max_images: u32,
    /// Images may be added or deleted now.
    pub editable: bool,
    /// The reviewer's mark, after a review.
    pub review: Option<ReviewMark>,
    pub images: Vec<ImageView>,
    /// The result of the last form action on this material (shown in its row, where a
    /// phone user lands after the redirect).
    pub flash: Option<Flash>,
}

pub struct ReviewMark {
    pub ok: bool,
    pub reason: Option<String>,
}

pub struct ImageView {
    /// Opaque id (a UUID).
    pub id: String,
    pub url: String,
    pub thumb_url: String,
    pub width: u32,
    pub height: u32,
}

pub struct OutcomeView {
    /// approved | returned | rejected.
    pub code: &'static str,
    /// "审核通过", "退回修改", "审核不通过".
    pub title: &'static str,
    /// The reviewer's overall comment.
    pub reason: Option<String>,
    /// What to do next, e.g. pay on the national site, or fix the returned materials.
    pub next_step: String,
    /// For a return: the resubmission deadline in words.
    pub deadline: Option<String>,
}

pub use crate::web::flash::Flash;

pub struct LimitsView {
    /// "JPG、PNG、WebP".
    pub formats: &'static str,
    pub max_mb: u32,
}

/// One image, large, with 删除 (and the confirmation step without JavaScript).
#[derive(Template, WebTemplate)]
#[template(path = "candidate/image.html")]
pub struct ImagePage {
    pub csrf: String,
    pub material_name: String,
    pub image: ImageView,
    pub editable: bool,
    /// Show "确定删除这张图片吗？" with 确定删除 / 取消.
    pub confirm_delete: bool,
}

/// The submit confirmation: each material with its image count.
#[derive(Template, WebTemplate)]
#[template(path = "candidate/submit.html")]
pub struct SubmitPage {
    pub csrf: String,
    pub lines: Vec<SubmitLine>,
    /// Names of required materials without an image; when not empty nothing can be submitted.
    pub missing: Vec<String>,
    /// Submission is possible now (status and window); false shows why in `blocked`.
    pub can_submit: bool,
    pub blocked: Option<String>,
    /// A resubmission after a return (only returned materials changed).
    pub resubmission: bool,
}

pub struct SubmitLine {
    pub name: String,
    pub count: usize,
    pub required: bool,
}

/// A plain error page (not found, server busy …) with a way back.
#[derive(Template, WebTemplate)]
#[template(path = "candidate/message.html")]
pub struct MessagePage {
    pub title: String,
    pub text: String,
}
