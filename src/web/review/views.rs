//! The reviewer pages' view models: what each template under `templates/review/` can show.
//! Handlers fill them; templates only display. Both pages extend `staff/layout.html`.

use askama::Template;
use askama_web::WebTemplate;

/// The queue: counts as tabs, filters, one page of cases, 领取下一位.
#[derive(Template, WebTemplate)]
#[template(path = "review/queue.html")]
pub struct QueuePage {
    pub csrf: String,
    pub username: String,
    pub is_admin: bool,
    pub exam_name: String,
    pub flash: Option<Flash>,
    /// The case the reviewer holds: (id, name), shown as 继续审核.
    pub held: Option<(i64, String)>,
    pub tabs: Vec<Tab>,
    pub filters: FilterView,
    pub categories: Vec<Choice>,
    pub rows: Vec<QueueRow>,
    pub total: i64,
    pub pages: Vec<PageLink>,
    /// The page shown, from 1.
    pub page_number: u32,
    pub prev: Option<String>,
    pub next: Option<String>,
    /// Any filter besides the status is set (the empty message says so).
    pub filtered: bool,
    /// The list answers a posted personal search: tabs and pages post it again (forms),
    /// since a link would put it in the URL.
    pub searching: bool,
}

pub struct Tab {
    pub label: &'static str,
    /// The status code it lists (`""`: all).
    pub status: &'static str,
    pub count: i64,
    pub href: String,
    pub current: bool,
}

/// The filters as the reviewer typed them, to fill the form again.
pub struct FilterView {
    pub status: String,
    pub category: String,
    pub school: String,
    pub from: String,
    pub to: String,
    pub q: String,
    /// A date the page could not read, in words.
    pub error: Option<String>,
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub struct QueueRow {
    pub id: i64,
    pub name: String,
    pub registration_no: String,
    pub id_masked: String,
    pub category: String,
    pub school: String,
    pub status: StatusView,
    pub submitted_at: String,
    pub resubmitted: bool,
    pub second_review: bool,
    pub claimed_by: Option<String>,
}

pub struct PageLink {
    pub number: u32,
    pub href: String,
    pub current: bool,
    /// Pages are left out before this one (shown as …).
    pub gap_before: bool,
}

pub struct StatusView {
    /// draft | submitted | in_review | approved | returned | rejected (for CSS).
    pub code: &'static str,
    /// The reviewer's word for it, e.g. 待审核, 复核中.
    pub label: &'static str,
}

pub use crate::web::flash::Flash;

/// One case: facts, category explanation and history on the left; the materials with
/// every image and the decision form on the right.
#[derive(Template, WebTemplate)]
#[template(path = "review/case.html")]
pub struct CasePage {
    pub csrf: String,
    pub username: String,
    pub is_admin: bool,
    pub flash: Option<Flash>,
    /// Why the last decision was refused, at the top of the page.
    pub error: Option<String>,
    pub id: i64,
    pub info: CaseInfo,
    pub category: String,
    /// The roster facts the rules looked at, in one line.
    pub applicant: String,
    pub steps: Vec<StepView>,
    /// The verdict line of the explanation, e.g. `→ 匹配：…，需上传：…`.
    pub verdict: String,
    pub status: StatusView,
    pub resubmission: bool,
    pub second_review: bool,
    /// For a second review: the first decision, shown prominently.
    pub first_decision: Option<DecisionView>,
    /// For a resubmission: the decision that returned the previous round.
    pub previous: Option<DecisionView>,
    pub history: Vec<RoundView>,
    pub claim: ClaimView,
    pub can_decide: bool,
    pub can_claim: bool,
    pub materials: Vec<MaterialView>,
    pub image_count: usize,
    pub new_count: usize,
    pub reasons: Vec<ReasonView>,
    pub comment: String,
    /// `datetime-local` value in Beijing time.
    pub resubmit_by: String,
    pub resubmit_min: String,
}

pub struct CaseInfo {
    pub name: String,
    pub id_number: String,
    pub registration_no: String,
    pub school: String,
    pub is_student: &'static str,
    pub hukou: String,
    pub subject: String,
    pub phone: String,
    pub email: String,
}

pub struct StepView {
    pub name: String,
    pub matched: bool,
    /// yes | no | unknown (for CSS), and its symbol.
    pub verdict: &'static str,
    pub symbol: &'static str,
    pub checks: Vec<CheckView>,
    /// For the matched category: its materials needed only by some candidates.
    pub conditional: Vec<String>,
}

pub struct CheckView {
    pub truth: &'static str,
    pub text: String,
}

pub struct DecisionView {
    /// 初审 or 复核.
    pub stage: &'static str,
    pub outcome_code: &'static str,
    pub outcome: &'static str,
    pub reviewer: String,
    pub decided_at: String,
    pub comment: Option<String>,
    pub resubmit_by: Option<String>,
    pub disagrees: bool,
    pub marks: Vec<MarkLine>,
}

pub struct MarkLine {
    pub material: String,
    pub ok: bool,
    pub text: String,
}

pub struct RoundView {
    pub round: i32,
    pub submitted_at: String,
    pub decisions: Vec<DecisionView>,
}

pub struct ClaimView {
    /// Who holds the live claim; `None`: nobody.
    pub holder: Option<String>,
    pub mine: bool,
    /// Last activity on the claim.
    pub since: String,
    /// Why this reviewer cannot claim it, when they cannot.
    pub notice: Option<String>,
}

pub struct MaterialView {
    pub index: usize,
    pub code: String,
    pub name: String,
    pub description: String,
    pub example_url: Option<String>,
    pub images: Vec<ImageView>,
    /// The reviewer's current choice (合格 unless they chose otherwise before an error).
    pub ok: bool,
    pub reason: String,
    pub note: String,
    /// The previous round failed this material, and why.
    pub earlier_reason: Option<String>,
    /// The latest final decision's mark, for a case no longer awaiting review.
    pub final_mark: Option<MarkLine>,
}

pub struct ImageView {
    /// Position among all the case's images, from 1.
    pub number: usize,
    pub url: String,
    pub width: u32,
    pub height: u32,
    pub is_new: bool,
}

pub struct ReasonView {
    pub text: String,
    pub needs_text: bool,
}
