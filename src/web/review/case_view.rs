//! The parts of the case page: the claim box, the category explanation, the materials with
//! their images and the reviewer's choices, and past decisions.

use crate::domain::review::{Mark, Marks};
use crate::domain::rules::{Classification, Truth};
use crate::domain::status::Status;
use crate::domain::window::beijing;
use crate::review::{Case, PastDecision};
use crate::web::assets::example_url;

use super::case::Draft;
use super::status_view;
use super::views::{
    CheckView, ClaimView, DecisionView, ImageView, MarkLine, MaterialView, StepView,
};

/// Who holds the case, and why this viewer cannot decide it (when they cannot).
pub fn claim_view(case: &Case, first_reviewer_is_me: bool) -> ClaimView {
    let status = case.status();
    let awaiting = matches!(status, Status::Submitted | Status::InReview);
    let notice = match &case.claim {
        _ if case.mine => None,
        _ if !awaiting => Some(format!(
            "该考生当前状态为“{}”，不在待审核队列中。",
            status_view(status).label
        )),
        _ if first_reviewer_is_me => {
            Some("该考生的初审由您完成，复核须由其他审核员进行。".to_string())
        }
        Some(claim) => Some(format!(
            "该考生正由审核员 {} 审核，您只能查看。",
            claim.username
        )),
        None => Some("尚未领取：领取后才能作出审核决定。".to_string()),
    };
    ClaimView {
        holder: case.claim.as_ref().map(|c| c.username.clone()),
        mine: case.mine,
        since: case
            .claim
            .as_ref()
            .map(|c| beijing(c.claimed_at))
            .unwrap_or_default(),
        notice,
    }
}

/// Every category as the rules evaluated it, the candidate's highlighted.
pub fn steps(case: &Case) -> Vec<StepView> {
    let matched = case
        .overview
        .category
        .as_ref()
        .map(|(code, _)| code.clone())
        .or_else(|| match case.explanation.classification() {
            Classification::Eligible { category, .. } => Some(category.clone()),
            Classification::NotEligible { .. } => None,
        });
    case.explanation
        .steps()
        .iter()
        .map(|step| StepView {
            name: step.name.clone(),
            matched: matched.as_deref() == Some(step.code.as_str()),
            verdict: truth_class(step.verdict),
            symbol: step.verdict.symbol(),
            checks: step
                .checks
                .iter()
                .map(|check| CheckView {
                    truth: truth_class(check.truth),
                    text: check.to_string(),
                })
                .collect(),
            conditional: step
                .materials
                .iter()
                .filter(|m| !m.checks.is_empty())
                .map(|m| {
                    let checks: Vec<String> = m.checks.iter().map(ToString::to_string).collect();
                    let verdict = if m.required { "需要" } else { "不需要" };
                    format!("“{}”{verdict}：{}", m.name, checks.join("；"))
                })
                .collect(),
        })
        .collect()
}

/// The materials in order, every image numbered across the case, with the reviewer's
/// choices (合格 unless a refused form said otherwise).
pub fn materials(case: &Case, draft: Option<&Draft>) -> Vec<MaterialView> {
    let awaiting = matches!(case.status(), Status::Submitted | Status::InReview);
    let previous_marks = case.previous.as_ref().map(|p| &p.marks);
    let mut number = 0;
    case.overview
        .materials
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let chosen = draft.and_then(|d| d.marks.iter().find(|mark| mark.code == m.code));
            MaterialView {
                index: i + 1,
                code: m.code.clone(),
                name: m.name.clone(),
                description: m.description.clone(),
                example_url: m.example.as_deref().map(example_url),
                images: m
                    .images
                    .iter()
                    .map(|image| {
                        number += 1;
                        ImageView {
                            number,
                            url: format!("/api/v1/review/images/{}", image.uid),
                            width: image.width.max(1) as u32,
                            height: image.height.max(1) as u32,
                            is_new: case.changed.contains(&image.uid),
                        }
                    })
                    .collect(),
                ok: chosen.is_none_or(|mark| mark.ok),
                reason: chosen
                    .and_then(|mark| mark.reason.clone())
                    .unwrap_or_default(),
                note: chosen
                    .and_then(|mark| mark.note.clone())
                    .unwrap_or_default(),
                earlier_reason: previous_marks
                    .and_then(|marks| marks.get(&m.code))
                    .filter(|mark| !mark.ok)
                    .map(|mark| mark.text().unwrap_or_else(|| "不合格".to_string())),
                final_mark: (!awaiting)
                    .then(|| m.review.as_ref().map(|mark| mark_line(&m.name, mark)))
                    .flatten(),
            }
        })
        .collect()
}

/// A past decision; `names` are the candidate's materials as (code, name).
pub fn decision_view(d: &PastDecision, names: &[(String, String)]) -> DecisionView {
    DecisionView {
        stage: if d.stage >= 2 { "复核" } else { "初审" },
        outcome_code: d.outcome.as_str(),
        outcome: d.outcome.title(),
        reviewer: d.reviewer.clone(),
        decided_at: beijing(d.decided_at),
        comment: d.comment.clone().filter(|c| !c.trim().is_empty()),
        resubmit_by: d.resubmit_by.map(beijing),
        disagrees: d.disagrees,
        marks: mark_lines(&d.marks, names),
    }
}

/// Marks in the order of the candidate's materials, then any others.
fn mark_lines(marks: &Marks, names: &[(String, String)]) -> Vec<MarkLine> {
    let mut lines: Vec<MarkLine> = names
        .iter()
        .filter_map(|(code, name)| marks.get(code).map(|mark| mark_line(name, mark)))
        .collect();
    lines.extend(
        marks
            .0
            .iter()
            .filter(|(code, _)| !names.iter().any(|(c, _)| c == *code))
            .map(|(code, mark)| mark_line(code, mark)),
    );
    lines
}

fn mark_line(material: &str, mark: &Mark) -> MarkLine {
    MarkLine {
        material: material.to_string(),
        ok: mark.ok,
        text: if mark.ok {
            "合格".to_string()
        } else {
            format!(
                "不合格：{}",
                mark.text().unwrap_or_else(|| "未注明原因".to_string())
            )
        },
    }
}

fn truth_class(truth: Truth) -> &'static str {
    match truth {
        Truth::Yes => "yes",
        Truth::No => "no",
        Truth::Unknown => "unknown",
    }
}
