//! Where a candidate's submission stands, and what the candidate may do in each state.

/// The submission status, as stored in `candidates.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Not submitted yet.
    Draft,
    /// Submitted, waiting for a reviewer.
    Submitted,
    /// A reviewer has claimed it.
    InReview,
    Approved,
    /// Returned for fixes: the returned materials may change, then it is submitted again.
    Returned,
    Rejected,
}

impl Status {
    pub fn parse(text: &str) -> Option<Status> {
        Some(match text {
            "draft" => Status::Draft,
            "submitted" => Status::Submitted,
            "in_review" => Status::InReview,
            "approved" => Status::Approved,
            "returned" => Status::Returned,
            "rejected" => Status::Rejected,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::InReview => "in_review",
            Status::Approved => "approved",
            Status::Returned => "returned",
            Status::Rejected => "rejected",
        }
    }

    /// The words the candidate reads as 提交状态.
    pub fn label(self) -> &'static str {
        match self {
            Status::Draft => "未提交",
            Status::Submitted => "已提交（待审核）",
            Status::InReview => "审核中",
            Status::Approved => "审核通过",
            Status::Returned => "退回修改",
            Status::Rejected => "审核不通过",
        }
    }

    /// The candidate may add or delete images (of every material when a draft, of the
    /// returned materials only when returned) and submit.
    pub fn candidate_may_edit(self) -> bool {
        matches!(self, Status::Draft | Status::Returned)
    }

    /// Why the candidate cannot change anything now, in words.
    pub fn locked_reason(self) -> &'static str {
        match self {
            Status::Draft | Status::Returned => "",
            Status::Submitted | Status::InReview => "材料已提交，正在等待审核，不能再修改。",
            Status::Approved => "审核已通过，材料不能再修改。",
            Status::Rejected => "审核未通过，材料不能再修改。",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_round_trips_through_its_stored_text() {
        for status in [
            Status::Draft,
            Status::Submitted,
            Status::InReview,
            Status::Approved,
            Status::Returned,
            Status::Rejected,
        ] {
            assert_eq!(Status::parse(status.as_str()), Some(status));
            assert!(!status.label().is_empty());
            assert_eq!(
                status.candidate_may_edit(),
                status.locked_reason().is_empty()
            );
        }
        assert_eq!(Status::parse("unknown"), None);
    }

    #[test]
    fn only_drafts_and_returned_submissions_can_change() {
        assert!(Status::Draft.candidate_may_edit());
        assert!(Status::Returned.candidate_may_edit());
        assert!(!Status::Submitted.candidate_may_edit());
        assert!(!Status::Approved.candidate_may_edit());
    }
}
