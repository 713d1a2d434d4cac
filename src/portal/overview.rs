//! Where a candidate stands: status, window, the materials of their category with their
//! images and review marks, and what may change now.

use anyhow::Context;
use time::OffsetDateTime;

use super::{Portal, PortalError};
use crate::db::candidates::CandidateRow;
use crate::db::exams::ExamRow;
use crate::db::images::ImageRow;
use crate::domain::review::{Mark, Marks, Outcome};
use crate::domain::rules::Classification;
use crate::domain::status::Status;
use crate::domain::window::{Window, WindowState, beijing};

#[derive(Debug, Clone)]
pub struct Overview {
    pub candidate: CandidateRow,
    pub exam: ExamRow,
    pub status: Status,
    pub window: Window,
    pub window_state: WindowState,
    /// (code, name); `None` when not eligible here.
    pub category: Option<(String, String)>,
    pub materials: Vec<MaterialState>,
    pub decision: Option<Decision>,
    /// Why nothing can change now (status, window, deadline, eligibility); `None` when the
    /// candidate may edit (their editable materials) and submit.
    pub refusal: Option<String>,
}

#[derive(Debug, Clone)]
pub struct MaterialState {
    pub code: String,
    pub name: String,
    pub description: String,
    /// File name of the example image.
    pub example: Option<String>,
    pub required: bool,
    pub max_images: u32,
    pub editable: bool,
    pub review: Option<Mark>,
    pub images: Vec<ImageRow>,
}

#[derive(Debug, Clone)]
pub struct Decision {
    pub outcome: Outcome,
    pub marks: Marks,
    pub comment: Option<String>,
    pub decided_at: OffsetDateTime,
    /// For a return: when resubmission closes.
    pub deadline: Option<OffsetDateTime>,
}

impl Overview {
    pub fn material(&self, code: &str) -> Option<&MaterialState> {
        self.materials.iter().find(|m| m.code == code)
    }

    pub fn can_submit(&self) -> bool {
        self.refusal.is_none()
    }

    pub fn ineligible_reason(&self) -> Option<&str> {
        self.candidate.facts.ineligible_reason.as_deref()
    }

    /// Refuses an edit of `code` with the reason, or says which material it is.
    pub fn editable_material(&self, code: &str) -> Result<&MaterialState, PortalError> {
        if let Some(reason) = self.ineligible_reason() {
            return Err(PortalError::NotEligible(reason.to_string()));
        }
        let material = self.material(code).ok_or(PortalError::NoSuchMaterial)?;
        if let Some(reason) = &self.refusal {
            return Err(PortalError::NotEditable(reason.clone()));
        }
        if !material.editable {
            return Err(PortalError::NotEditable(format!(
                "“{}”已审核合格，不需要修改；只需修改被退回的材料。",
                material.name
            )));
        }
        Ok(material)
    }
}

/// Reads everything about one candidate at `now`.
pub async fn overview(
    portal: &Portal,
    candidate_id: i64,
    now: OffsetDateTime,
) -> anyhow::Result<Option<Overview>> {
    let db = &portal.db;
    let Some(candidate) = db.find_candidate(candidate_id).await? else {
        return Ok(None);
    };
    let exam = db
        .find_exam(candidate.exam_id)
        .await?
        .context("the candidate's exam is missing")?;
    let rules = portal.rules(&exam)?;
    let status = Status::parse(&candidate.status)
        .with_context(|| format!("unknown status {:?}", candidate.status))?;
    let window = Window {
        opens_at: exam.upload_opens_at,
        closes_at: exam.upload_closes_at,
    };
    let window_state = window.state(now);
    // Only a final status shows a decision: a first decision awaiting its second review,
    // or a return already resubmitted, is not the candidate's news.
    let decided = matches!(
        status,
        Status::Approved | Status::Returned | Status::Rejected
    );
    let latest = match decided {
        true => db.latest_decision(candidate_id).await?,
        false => None,
    };
    let decision = latest.and_then(|row| {
        let outcome = Outcome::parse(&row.outcome)?;
        Some(Decision {
            outcome,
            marks: Marks::parse(&row.marks),
            comment: row.comment,
            decided_at: row.decided_at,
            deadline: (outcome == Outcome::Returned)
                .then_some(
                    row.resubmit_by
                        .or(exam.resubmit_deadline)
                        .or(window.closes_at),
                )
                .flatten(),
        })
    });
    let category = candidate
        .facts
        .category
        .as_deref()
        .and_then(|code| rules.category(code));
    // The stored category decides; the rules say which of its materials this candidate
    // needs (a material may be required only for some of the category's candidates).
    let required: Vec<String> = match rules.classify(&candidate.facts.applicant()) {
        Classification::Eligible {
            category: c,
            materials,
        } if Some(c.as_str()) == category.map(|c| c.code.as_str()) => materials,
        _ => category
            .map(|c| c.materials.iter().map(|m| m.material.clone()).collect())
            .unwrap_or_default(),
    };
    let refusal = refusal(
        &candidate,
        status,
        &window,
        window_state,
        decision.as_ref(),
        now,
    );
    let images = db.images_of_candidate(candidate_id).await?;
    let materials = required
        .iter()
        .filter_map(|code| rules.material(code))
        .map(|m| {
            let review = decision
                .as_ref()
                .and_then(|d| d.marks.get(&m.code).cloned());
            let editable = refusal.is_none()
                && (status != Status::Returned
                    || decision
                        .as_ref()
                        .is_some_and(|d| d.marks.is_returned(&m.code)));
            MaterialState {
                code: m.code.clone(),
                name: m.name.clone(),
                description: m.description.clone(),
                example: m.example.clone(),
                required: true,
                max_images: m.max_images,
                editable,
                review,
                images: images
                    .iter()
                    .filter(|i| i.material == m.code)
                    .cloned()
                    .collect(),
            }
        })
        .collect();
    Ok(Some(Overview {
        category: category.map(|c| (c.code.clone(), c.name.clone())),
        candidate,
        exam,
        status,
        window,
        window_state,
        materials,
        decision,
        refusal,
    }))
}

fn refusal(
    candidate: &CandidateRow,
    status: Status,
    window: &Window,
    window_state: WindowState,
    decision: Option<&Decision>,
    now: OffsetDateTime,
) -> Option<String> {
    if let Some(reason) = &candidate.facts.ineligible_reason {
        return Some(reason.clone());
    }
    match status {
        Status::Draft => window_state.refusal(window),
        Status::Returned => match decision.and_then(|d| d.deadline) {
            Some(deadline) if now >= deadline => Some(format!(
                "重新提交已于 {} 截止（北京时间），不能再修改。",
                beijing(deadline)
            )),
            _ => None,
        },
        _ => Some(status.locked_reason().to_string()),
    }
}
