//! One exported row as the office reads it: the exam's own names for categories and
//! materials, the outcome in words, the reasons joined, Beijing time.

use std::collections::HashMap;

use time::UtcOffset;
use time::format_description::BorrowedFormatItem;

use crate::db::exams::ExamRow;
use crate::db::export::ExportRow;
use crate::domain::review::Marks;
use crate::domain::rules::ExamConfig;
use crate::domain::status::Status;

/// The columns, in the order the national system takes them.
pub const HEADERS: [&str; 8] = [
    "报名号",
    "身份证号",
    "姓名",
    "类别",
    "审核结果",
    "审核意见",
    "审核人",
    "审核时间",
];

/// The cells of one row, in [`HEADERS`] order.
pub type Line = [String; 8];

const TIME: &[BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");

/// The names of an exam's categories and materials.
#[derive(Debug, Clone, Default)]
pub struct Labels {
    categories: HashMap<String, String>,
    /// In the exam's order, so reasons are joined the way the materials are listed.
    materials: Vec<(String, String)>,
}

impl Labels {
    /// From the exam's rules; rules that no longer parse leave the codes as they are.
    pub fn of(exam: &ExamRow) -> Labels {
        let Ok(rules) = ExamConfig::parse(&exam.config) else {
            return Labels::default();
        };
        Labels {
            categories: rules
                .categories()
                .iter()
                .map(|c| (c.code.clone(), c.name.clone()))
                .collect(),
            materials: rules
                .materials()
                .iter()
                .map(|m| (m.code.clone(), m.name.clone()))
                .collect(),
        }
    }

    pub fn line(&self, row: ExportRow) -> Line {
        let outcome = Status::parse(&row.status).map_or_else(|| row.status.clone(), result_words);
        let category = row
            .category
            .map(|code| self.categories.get(&code).cloned().unwrap_or(code))
            .unwrap_or_default();
        let opinion = self.opinion(row.marks.as_deref(), row.comment.as_deref());
        let decided_at = row
            .decided_at
            .map(|at| {
                at.to_offset(beijing_offset())
                    .format(TIME)
                    .unwrap_or_default()
            })
            .unwrap_or_default();
        [
            row.registration_no,
            row.id_number,
            row.name,
            category,
            outcome,
            opinion,
            row.reviewer.unwrap_or_default(),
            decided_at,
        ]
    }

    /// `身份证：图片模糊不清；学籍证明：其他：缺少盖章；<comment>`.
    fn opinion(&self, marks: Option<&str>, comment: Option<&str>) -> String {
        let mut parts = Vec::new();
        // Marks are written without spaces: no failed material, nothing to parse.
        if let Some(marks) = marks.filter(|m| m.contains("\"ok\":false")) {
            let marks = Marks::parse(marks);
            let named = self
                .materials
                .iter()
                .map(|(code, name)| (code, name.as_str()));
            let unknown = marks
                .0
                .keys()
                .filter(|code| !self.materials.iter().any(|(c, _)| c == *code))
                .map(|code| (code, code.as_str()));
            for (code, name) in named.chain(unknown) {
                if let Some(mark) = marks.get(code).filter(|m| !m.ok) {
                    let reason = mark.text().unwrap_or_else(|| "不合格".to_string());
                    parts.push(format!("{name}：{reason}"));
                }
            }
        }
        if let Some(comment) = comment.map(str::trim).filter(|c| !c.is_empty()) {
            parts.push(comment.to_string());
        }
        parts.join("；")
    }
}

/// 审核结果 in words: the outcome, or where the case stands.
fn result_words(status: Status) -> String {
    match status {
        Status::Draft => "未提交",
        Status::Submitted => "待审核",
        Status::InReview => "审核中",
        Status::Approved => "审核通过",
        Status::Returned => "退回修改",
        Status::Rejected => "审核不通过",
    }
    .to_string()
}

fn beijing_offset() -> UtcOffset {
    UtcOffset::from_hms(8, 0, 0).unwrap_or(UtcOffset::UTC)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Labels {
        Labels {
            categories: [("a".to_string(), "在校生".to_string())].into(),
            materials: vec![
                ("id_card".to_string(), "身份证".to_string()),
                ("diploma".to_string(), "学历证明".to_string()),
            ],
        }
    }

    fn row(status: &str, marks: Option<&str>, comment: Option<&str>) -> ExportRow {
        ExportRow {
            registration_no: "77000001".to_string(),
            id_number: "42010219950101001X".to_string(),
            name: "考生".to_string(),
            category: Some("a".to_string()),
            status: status.to_string(),
            marks: marks.map(str::to_string),
            comment: comment.map(str::to_string),
            reviewer: Some("reviewer".to_string()),
            decided_at: Some(time::macros::datetime!(2023-12-01 06:05 UTC)),
        }
    }

    #[test]
    fn reasons_follow_the_materials_then_the_comment() {
        let marks = r#"{"diploma":{"ok":false,"reason":"其他（请说明）","note":"缺少盖章"},"id_card":{"ok":false,"reason":"图片模糊不清"}}"#;
        let line = labels().line(row("returned", Some(marks), Some("请补充")));
        assert_eq!(line[3], "在校生");
        assert_eq!(line[4], "退回修改");
        assert_eq!(
            line[5],
            "身份证：图片模糊不清；学历证明：其他：缺少盖章；请补充"
        );
        assert_eq!(line[6], "reviewer");
        assert_eq!(line[7], "2023-12-01 14:05");
    }

    #[test]
    fn an_approval_has_no_reasons() {
        let line = labels().line(row("approved", Some(r#"{"id_card":{"ok":true}}"#), None));
        assert_eq!(line[4], "审核通过");
        assert_eq!(line[5], "");
    }
}
