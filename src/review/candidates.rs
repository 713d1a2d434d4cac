//! What an admin sees of a candidate, without HTTP: the search by 姓名, 身份证号 or 报名号,
//! the candidate's page as they see it with the category explanation and the case history,
//! and the password reset. Every look and every reset is written to the audit log first.

use time::OffsetDateTime;

use super::{ReviewError, Reviewer, Reviewing, Round, rounds};
use crate::db::candidates::CandidateMatch;
use crate::db::exams::ExamRow;
use crate::domain::rules::Explanation;
use crate::domain::search::{SearchRefusal, person_search, search_field};
use crate::portal::{Overview, overview};

/// Everything the admin's candidate page shows.
#[derive(Debug, Clone)]
pub struct CandidateFile {
    pub overview: Overview,
    /// Why this category: the rules' evaluation of the roster facts.
    pub explanation: Explanation,
    /// Submissions with their decisions, oldest first.
    pub history: Vec<Round>,
}

/// The longest search: longer than any of the three keys can be.
pub const MAX_CANDIDATE_SEARCH: usize = 50;

/// A search as typed: trimmed, and an ID number's `x` made `X`. `None` when empty; refused
/// when longer than [`MAX_CANDIDATE_SEARCH`] or holding a control character.
pub fn search_text(q: &str) -> Result<Option<String>, SearchRefusal> {
    Ok(search_field("姓名、身份证号或报名号", Some(q), MAX_CANDIDATE_SEARCH)?.map(person_search))
}

impl Reviewing {
    /// Candidates of the exam (the current one unless `exam_id` names another) whose 姓名,
    /// 身份证号 or 报名号 is `q` (see [`search_text`]). The search is audited without what
    /// was typed, which may be an ID number.
    pub async fn search_candidates(
        &self,
        staff: &Reviewer,
        exam_id: Option<i64>,
        q: &str,
    ) -> Result<(ExamRow, Vec<CandidateMatch>), ReviewError> {
        let exam = match exam_id {
            Some(id) => self.db.find_exam(id).await?,
            None => self.db.current_exam().await?,
        }
        .ok_or(ReviewError::NoExam)?;
        let rows = self.db.search_candidates(exam.id, q).await?;
        let mut entry = staff.audit(
            "candidate_searched",
            0,
            Some(serde_json::json!({ "exam_id": exam.id, "found": rows.len() })),
        );
        entry.candidate_id = None;
        self.db.record_audit(entry).await?;
        Ok((exam, rows))
    }

    /// One candidate as they see their page, with the explanation and the history, after
    /// recording the look (`candidate_viewed`). Drafts too: unlike a case, nothing has to
    /// be submitted.
    pub async fn candidate_file(
        &self,
        staff: &Reviewer,
        candidate_id: i64,
        now: OffsetDateTime,
    ) -> Result<CandidateFile, ReviewError> {
        let Some(overview) = overview(&self.portal, candidate_id, now).await? else {
            return Err(ReviewError::NotFound);
        };
        self.db
            .record_audit(staff.audit("candidate_viewed", candidate_id, None))
            .await?;
        let rules = self.portal.rules(&overview.exam)?;
        let explanation = rules.explain(&overview.candidate.facts.applicant());
        let history = rounds(self.db.case_history(candidate_id).await?);
        Ok(CandidateFile {
            overview,
            explanation,
            history,
        })
    }

    /// Back to the initial password (the registration email); the candidate's sessions end.
    pub async fn reset_candidate_password(
        &self,
        staff: &Reviewer,
        candidate_id: i64,
    ) -> Result<(), ReviewError> {
        if !self.db.reset_candidate_password(candidate_id).await? {
            return Err(ReviewError::NotFound);
        }
        self.db
            .record_audit(staff.audit("candidate_password_reset", candidate_id, None))
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searches_are_trimmed_and_id_numbers_upper_cased() {
        assert_eq!(search_text("  李明 "), Ok(Some("李明".to_string())));
        assert_eq!(
            search_text("11010819900101123x"),
            Ok(Some("11010819900101123X".to_string()))
        );
        assert_eq!(search_text("   "), Ok(None));
        assert!(search_text(&"1".repeat(51)).is_err());
        assert!(search_text("李\u{0}明").is_err());
    }
}
