//! A reviewer's marks on a submission: for each material, fine or to be fixed and why.
//! Stored as JSON text in `decisions.marks`: `{"id_card": {"ok": false, "reason": "…"}}`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Marks per material code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Marks(pub BTreeMap<String, Mark>);

impl Marks {
    /// Reads stored marks; text that is not valid marks reads as no marks at all.
    pub fn parse(text: &str) -> Marks {
        serde_json::from_str(text).unwrap_or_default()
    }

    pub fn get(&self, material: &str) -> Option<&Mark> {
        self.0.get(material)
    }

    /// A material returned for fixes: marked not ok.
    pub fn is_returned(&self, material: &str) -> bool {
        self.get(material).is_some_and(|m| !m.ok)
    }
}

/// A reviewer's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Approved,
    Returned,
    Rejected,
}

impl Outcome {
    pub fn parse(text: &str) -> Option<Outcome> {
        Some(match text {
            "approved" => Outcome::Approved,
            "returned" => Outcome::Returned,
            "rejected" => Outcome::Rejected,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Approved => "approved",
            Outcome::Returned => "returned",
            Outcome::Rejected => "rejected",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Outcome::Approved => "审核通过",
            Outcome::Returned => "退回修改",
            Outcome::Rejected => "审核不通过",
        }
    }

    /// What the candidate does next.
    pub fn next_step(self) -> &'static str {
        match self {
            Outcome::Approved => {
                "您的材料已审核通过。请按考试公告的时间登录中小学教师资格考试网（ntce.neea.edu.cn）缴纳面试费用，逾期未缴费视为放弃。"
            }
            Outcome::Returned => {
                "请按下方标注修改被退回的材料（其他材料无需改动），并在截止时间前重新提交。"
            }
            Outcome::Rejected => "如对审核结果有疑问，请在工作时间联系考试机构。",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_read_back_what_a_reviewer_wrote() {
        let marks = Marks::parse(
            r#"{"id_card":{"ok":true},"hukou_book":{"ok":false,"reason":"缺本人页"}}"#,
        );
        assert!(!marks.is_returned("id_card"));
        assert!(marks.is_returned("hukou_book"));
        assert_eq!(
            marks.get("hukou_book").unwrap().reason.as_deref(),
            Some("缺本人页")
        );
        assert!(!marks.is_returned("diploma"));
    }

    #[test]
    fn unreadable_marks_mean_none() {
        assert_eq!(Marks::parse("not json"), Marks::default());
    }

    #[test]
    fn outcomes_round_trip() {
        for o in [Outcome::Approved, Outcome::Returned, Outcome::Rejected] {
            assert_eq!(Outcome::parse(o.as_str()), Some(o));
        }
    }
}
