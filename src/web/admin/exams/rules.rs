//! Replacing an exam's rules: the preview of every candidate the new rules would put in
//! another category (submitted ones first), and the save that needs that list confirmed.
//! The confirmation carries the digest of the moves; if they changed meanwhile, the new
//! preview is shown instead and nothing is saved.

use std::net::SocketAddr;

use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, Form, Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use super::edit::exam_of;
use super::{ConfigForm, audit, exam_path, read_config_form, redirect_with, unreadable};
use crate::db::exams::ExamRow;
use crate::db::recategorise::{RuleChange, RuleSave};
use crate::domain::id_number::mask;
use crate::domain::rules::{ConfigError, ExamConfig};
use crate::domain::status::Status;
use crate::web::AppState;
use crate::web::admin::{admin_csrf, admin_page, admin_posting};
use crate::web::staff::{StaffVisitor, failure};

#[derive(askama::Template, askama_web::WebTemplate)]
#[template(path = "admin/exam_rules.html")]
pub struct RulesPage {
    csrf: String,
    username: String,
    is_admin: bool,
    code: String,
    name: String,
    config: String,
    /// The config's errors: then there is no preview.
    errors: Vec<ConfigError>,
    problem: Option<String>,
    /// Set when the moves changed since the admin last looked.
    changed: bool,
    preview: Option<PreviewView>,
}

pub struct PreviewView {
    candidates: u64,
    moved: u64,
    moved_submitted: u64,
    listed: usize,
    /// Fewer are listed than move.
    truncated: bool,
    digest: String,
    moves: Vec<(String, String, u64)>,
    movers: Vec<MoverLine>,
}

pub struct MoverLine {
    name: String,
    id_number: String,
    registration_no: String,
    old: String,
    new: String,
    status: String,
    submitted: bool,
}

/// The words for a category code under some rules.
fn category_name(rules: Option<&ExamConfig>, code: Option<&str>) -> String {
    match code {
        None => "不符合本考区审核条件".to_string(),
        Some(code) => rules
            .and_then(|r| r.category(code))
            .map_or_else(|| code.to_string(), |c| c.name.clone()),
    }
}

fn preview_view(change: RuleChange, old: Option<&ExamConfig>, new: &ExamConfig) -> PreviewView {
    let status = |s: &str| Status::parse(s).map_or(s.to_string(), |s| s.label().to_string());
    PreviewView {
        candidates: change.candidates,
        moved: change.moved,
        moved_submitted: change.moved_submitted,
        listed: change.movers.len(),
        truncated: (change.movers.len() as u64) < change.moved,
        digest: change.digest,
        moves: change
            .moves
            .into_iter()
            .map(|((from, to), n)| {
                let from = category_name(old, from.as_deref());
                (from, category_name(Some(new), to.as_deref()), n)
            })
            .collect(),
        movers: change
            .movers
            .into_iter()
            .map(|m| MoverLine {
                name: m.name,
                id_number: mask(&m.id_number),
                registration_no: m.registration_no,
                old: category_name(old, m.old_category.as_deref()),
                new: category_name(Some(new), m.new_category.as_deref()),
                status: status(&m.status),
                submitted: m.submitted,
            })
            .collect(),
    }
}

/// The page for a proposed config: its errors, or who would move.
struct Proposal<'a> {
    visitor: &'a StaffVisitor,
    exam: &'a ExamRow,
    text: String,
}

impl Proposal<'_> {
    fn page(self, errors: Vec<ConfigError>, problem: Option<String>) -> RulesPage {
        RulesPage {
            csrf: self.visitor.csrf(),
            username: self.visitor.username.clone(),
            is_admin: true,
            code: self.exam.code.clone(),
            name: self.exam.name.clone(),
            config: self.text,
            errors,
            problem,
            changed: false,
            preview: None,
        }
    }

    fn refused(self, errors: Vec<ConfigError>, problem: Option<String>) -> Response {
        (StatusCode::UNPROCESSABLE_ENTITY, self.page(errors, problem)).into_response()
    }

    fn preview(self, change: RuleChange, rules: &ExamConfig, changed: bool) -> Response {
        let old = ExamConfig::parse(&self.exam.config).ok();
        let preview = preview_view(change, old.as_ref(), rules);
        let mut page = self.page(Vec::new(), None);
        page.changed = changed;
        page.preview = Some(preview);
        let status = if changed {
            StatusCode::CONFLICT
        } else {
            StatusCode::OK
        };
        (status, page).into_response()
    }
}

/// The new rules, if they parse and are for this exam; else the errors or the refusal.
fn checked_rules(proposal: &Proposal<'_>) -> Result<ExamConfig, (Vec<ConfigError>, String)> {
    if proposal.exam.purged_at.is_some() {
        let problem = "这场考试的资料已清除，不能再修改规则。".to_string();
        return Err((Vec::new(), problem));
    }
    let rules = ExamConfig::parse(&proposal.text).map_err(|errors| (errors, String::new()))?;
    if rules.code() != proposal.exam.code {
        let problem = format!(
            "配置中的考试代码是 {}，与这场考试（{}）不同。请把 [exam] 中的 code 改回 {}；\
             要新建考试，请到考试列表页创建。",
            rules.code(),
            proposal.exam.code,
            proposal.exam.code
        );
        return Err((Vec::new(), problem));
    }
    Ok(rules)
}

pub async fn preview(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let visitor = match admin_page(&state, &headers).await {
        Ok(visitor) => visitor,
        Err(response) => return response,
    };
    let Ok(multipart) = multipart else {
        return unreadable("请通过考试页面的“替换规则”表单提交。");
    };
    let ConfigForm {
        csrf,
        text,
        problem,
    } = read_config_form(multipart).await;
    if let Some(refused) = admin_csrf(&visitor, &csrf) {
        return refused;
    }
    let exam = match exam_of(&state, &code).await {
        Ok(exam) => exam,
        Err(response) => return response,
    };
    let proposal = Proposal {
        visitor: &visitor,
        exam: &exam,
        text,
    };
    if problem.is_some() {
        return proposal.refused(Vec::new(), problem);
    }
    let rules = match checked_rules(&proposal) {
        Ok(rules) => rules,
        Err((errors, problem)) => {
            return proposal.refused(errors, Some(problem).filter(|p| !p.is_empty()));
        }
    };
    match state.db.preview_rule_change(exam.id, &rules).await {
        Ok(change) => proposal.preview(change, &rules, false),
        Err(e) => failure(&e),
    }
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    config: String,
    #[serde(default)]
    digest: String,
}

pub async fn confirm(
    State(state): State<AppState>,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    Path(code): Path<String>,
    form: Result<Form<ConfirmForm>, FormRejection>,
) -> Response {
    let csrf = form.as_ref().map(|f| f.csrf.clone()).unwrap_or_default();
    let visitor = match admin_posting(&state, &headers, &csrf).await {
        Ok(visitor) => visitor,
        Err(response) => return response,
    };
    let exam = match exam_of(&state, &code).await {
        Ok(exam) => exam,
        Err(response) => return response,
    };
    let Ok(Form(form)) = form else {
        return redirect_with(
            jar,
            &exam_path(&code),
            false,
            "提交的内容不完整，请重新提交规则。",
        );
    };
    let text = form.config.replace("\r\n", "\n");
    let proposal = Proposal {
        visitor: &visitor,
        exam: &exam,
        text: text.clone(),
    };
    let rules = match checked_rules(&proposal) {
        Ok(rules) => rules,
        Err((errors, problem)) => {
            return proposal.refused(errors, Some(problem).filter(|p| !p.is_empty()));
        }
    };
    let saved = state
        .db
        .save_rule_change(exam.id, &exam.code, &rules, &text, form.digest.trim())
        .await;
    let change = match saved {
        Err(e) => return failure(&e),
        Ok(RuleSave::Changed(change)) => return proposal.preview(change, &rules, true),
        Ok(RuleSave::Saved(change)) => change,
    };
    let detail = serde_json::json!({
        "candidates": change.candidates,
        "moved": change.moved,
        "moved_submitted": change.moved_submitted,
    });
    let ip = state.client_ip(&headers, Some(peer));
    if let Err(e) = audit(
        &state,
        &visitor,
        ip,
        "exam_rules_changed",
        &exam,
        Some(detail),
    )
    .await
    {
        return failure(&e);
    }
    let text = if change.moved == 0 {
        "已保存新规则，没有考生的类别发生变化。".to_string()
    } else {
        format!(
            "已保存新规则，{} 名考生的类别已按新规则调整（其中已提交的 {} 名）。",
            change.moved, change.moved_submitted
        )
    };
    redirect_with(jar, &exam_path(&code), true, text)
}
