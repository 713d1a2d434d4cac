//! A reviewer's marks on a submission: for each material, fine or to be fixed and why;
//! the reason catalogue they pick from; and the check that a decision agrees with its marks.
//! Stored as JSON text in `decisions.marks`: `{"id_card": {"ok": false, "reason": "…"}}`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The reviewer's own words: required for a reason like 其他（请说明）.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Mark {
    /// What the candidate reads: `图片模糊不清`, `其他：缺少背面`, `证件已过期（有效期至2020年）`.
    pub fn text(&self) -> Option<String> {
        match (self.reason.as_deref(), self.note.as_deref()) {
            (Some(reason), Some(note)) if needs_text(reason) => {
                Some(format!("{}：{note}", reason.replace("（请说明）", "")))
            }
            (Some(reason), Some(note)) => Some(format!("{reason}（{note}）")),
            (Some(reason), None) => Some(reason.to_string()),
            (None, note) => note.map(str::to_string),
        }
    }
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

    /// The same verdict on every material (reasons may be worded differently).
    pub fn same_verdicts(&self, other: &Marks) -> bool {
        self.0.len() == other.0.len()
            && self
                .0
                .iter()
                .all(|(code, mark)| other.get(code).is_some_and(|o| o.ok == mark.ok))
    }
}

/// The reasons of the default catalogue, in the order a reviewer sees them.
pub const DEFAULT_REASONS: [&str; 7] = [
    "图片模糊不清",
    "材料与类别不符",
    "信息与报名信息不一致",
    "证件已过期",
    "缺页或不完整",
    "非本人材料",
    "其他（请说明）",
];

/// The longest note or comment a reviewer may write, in characters.
pub const MAX_NOTE_CHARS: usize = 200;
pub const MAX_COMMENT_CHARS: usize = 500;

/// A reason that only makes sense with the reviewer's own words.
pub fn needs_text(reason: &str) -> bool {
    reason.contains("请说明")
}

/// The reasons a reviewer picks from for one exam.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReasonCatalogue(Vec<String>);

impl Default for ReasonCatalogue {
    fn default() -> Self {
        ReasonCatalogue(DEFAULT_REASONS.iter().map(|r| r.to_string()).collect())
    }
}

impl ReasonCatalogue {
    /// The exam's stored catalogue (a JSON array of strings); anything else, or an empty
    /// list, is the default catalogue.
    pub fn from_stored(stored: Option<&str>) -> ReasonCatalogue {
        stored
            .and_then(|text| serde_json::from_str::<Vec<String>>(text).ok())
            .map(|reasons| {
                reasons
                    .into_iter()
                    .map(|r| r.trim().to_string())
                    .filter(|r| !r.is_empty())
                    .collect::<Vec<_>>()
            })
            .filter(|reasons| !reasons.is_empty())
            .map_or_else(ReasonCatalogue::default, ReasonCatalogue)
    }

    pub fn reasons(&self) -> &[String] {
        &self.0
    }

    pub fn contains(&self, reason: &str) -> bool {
        self.0.iter().any(|r| r == reason)
    }
}

/// A reviewer's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

    /// The verb of the review API: `approve`, `return`, `reject`.
    pub fn parse_verb(text: &str) -> Option<Outcome> {
        Some(match text {
            "approve" => Outcome::Approved,
            "return" => Outcome::Returned,
            "reject" => Outcome::Rejected,
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

/// One material's mark as a reviewer sends it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MarkInput {
    pub code: String,
    pub ok: bool,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// Checks a decision against its marks and the catalogue, and returns the marks to store.
/// `materials` are the codes the candidate's category asks for: each needs exactly one
/// mark. The error is the reviewer's message.
pub fn check_decision(
    outcome: Outcome,
    materials: &[(String, String)],
    marks: &[MarkInput],
    comment: Option<&str>,
    catalogue: &ReasonCatalogue,
) -> Result<Marks, String> {
    let mut checked = BTreeMap::new();
    for input in marks {
        let Some((code, name)) = materials.iter().find(|(code, _)| *code == input.code) else {
            return Err("审核意见中有本考生不需要的材料，请刷新页面后重试。".to_string());
        };
        if checked.contains_key(code) {
            return Err(format!("“{name}”的审核意见重复了，请刷新页面后重试。"));
        }
        let blank = |t: &Option<String>| {
            t.as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
        };
        let note = blank(&input.note);
        if note
            .as_ref()
            .is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS)
        {
            return Err(format!(
                "“{name}”的说明太长，请控制在 {MAX_NOTE_CHARS} 字以内。"
            ));
        }
        let mark = if input.ok {
            Mark {
                ok: true,
                reason: None,
                note: None,
            }
        } else {
            let Some(reason) = blank(&input.reason) else {
                return Err(format!("请为不合格的“{name}”选择原因。"));
            };
            if !catalogue.contains(&reason) {
                return Err(format!(
                    "“{name}”的原因不在本考试的原因列表中，请从列表中选择。"
                ));
            }
            if needs_text(&reason) && note.is_none() {
                return Err(format!("“{name}”选择了“{reason}”，请填写具体说明。"));
            }
            Mark {
                ok: false,
                reason: Some(reason),
                note,
            }
        };
        checked.insert(code.clone(), mark);
    }
    let unmarked: Vec<&str> = materials
        .iter()
        .filter(|(code, _)| !checked.contains_key(code))
        .map(|(_, name)| name.as_str())
        .collect();
    if !unmarked.is_empty() {
        return Err(format!("以下材料还没有审核意见：{}。", unmarked.join("、")));
    }
    let marks = Marks(checked);
    let failed = marks.0.values().filter(|m| !m.ok).count();
    let comment = comment.map(str::trim).filter(|c| !c.is_empty());
    if comment.is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS) {
        return Err(format!(
            "审核意见太长，请控制在 {MAX_COMMENT_CHARS} 字以内。"
        ));
    }
    match outcome {
        Outcome::Approved if failed > 0 => {
            Err("有材料标记为不合格，不能审核通过。请改为“退回修改”或“审核不通过”。".to_string())
        }
        Outcome::Returned if failed == 0 => {
            Err("退回修改时，请至少将一项材料标记为不合格并选择原因。".to_string())
        }
        Outcome::Rejected if comment.is_none() => {
            Err("审核不通过是最终结果，请填写不通过的理由。".to_string())
        }
        _ => Ok(marks),
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

    fn materials() -> Vec<(String, String)> {
        vec![
            ("id_card".to_string(), "身份证".to_string()),
            ("diploma".to_string(), "毕业证".to_string()),
        ]
    }

    fn ok(code: &str) -> MarkInput {
        MarkInput {
            code: code.to_string(),
            ok: true,
            reason: None,
            note: None,
        }
    }

    fn failed(code: &str, reason: &str, note: Option<&str>) -> MarkInput {
        MarkInput {
            code: code.to_string(),
            ok: false,
            reason: Some(reason.to_string()),
            note: note.map(str::to_string),
        }
    }

    fn check(
        outcome: Outcome,
        marks: &[MarkInput],
        comment: Option<&str>,
    ) -> Result<Marks, String> {
        check_decision(
            outcome,
            &materials(),
            marks,
            comment,
            &ReasonCatalogue::default(),
        )
    }

    #[test]
    fn a_clean_approval_passes() {
        let marks = check(Outcome::Approved, &[ok("id_card"), ok("diploma")], None).unwrap();
        assert!(marks.0.values().all(|m| m.ok));
    }

    #[test]
    fn no_approval_with_a_failed_material() {
        let error = check(
            Outcome::Approved,
            &[ok("id_card"), failed("diploma", "图片模糊不清", None)],
            None,
        )
        .unwrap_err();
        assert!(error.contains("不能审核通过"), "{error}");
    }

    #[test]
    fn a_return_needs_a_failed_material_with_a_catalogue_reason() {
        let error = check(Outcome::Returned, &[ok("id_card"), ok("diploma")], None).unwrap_err();
        assert!(error.contains("至少将一项材料"), "{error}");
        let error = check(
            Outcome::Returned,
            &[ok("id_card"), failed("diploma", "我不喜欢", None)],
            None,
        )
        .unwrap_err();
        assert!(error.contains("不在本考试的原因列表"), "{error}");
        let marks = check(
            Outcome::Returned,
            &[ok("id_card"), failed("diploma", "图片模糊不清", None)],
            None,
        )
        .unwrap();
        assert!(marks.is_returned("diploma") && !marks.is_returned("id_card"));
    }

    #[test]
    fn other_needs_words() {
        let error = check(
            Outcome::Returned,
            &[
                ok("id_card"),
                failed("diploma", "其他（请说明）", Some("  ")),
            ],
            None,
        )
        .unwrap_err();
        assert!(error.contains("请填写具体说明"), "{error}");
        let marks = check(
            Outcome::Returned,
            &[
                ok("id_card"),
                failed("diploma", "其他（请说明）", Some("缺少背面")),
            ],
            None,
        )
        .unwrap();
        assert_eq!(
            marks.get("diploma").unwrap().text().as_deref(),
            Some("其他：缺少背面")
        );
    }

    #[test]
    fn every_material_needs_exactly_one_mark() {
        let error = check(Outcome::Approved, &[ok("id_card")], None).unwrap_err();
        assert!(error.contains("毕业证"), "{error}");
        let error = check(
            Outcome::Approved,
            &[ok("id_card"), ok("diploma"), ok("id_card")],
            None,
        )
        .unwrap_err();
        assert!(error.contains("重复"), "{error}");
        let error = check(
            Outcome::Approved,
            &[ok("id_card"), ok("diploma"), ok("hukou_book")],
            None,
        )
        .unwrap_err();
        assert!(error.contains("不需要的材料"), "{error}");
    }

    #[test]
    fn a_rejection_needs_a_reason() {
        let marks = [ok("id_card"), ok("diploma")];
        assert!(check(Outcome::Rejected, &marks, Some(" ")).is_err());
        assert!(check(Outcome::Rejected, &marks, Some("不符合报考条件")).is_ok());
    }

    #[test]
    fn an_ok_mark_keeps_no_reason() {
        let mut input = ok("id_card");
        input.reason = Some("图片模糊不清".to_string());
        let marks = check(Outcome::Approved, &[input, ok("diploma")], None).unwrap();
        assert_eq!(marks.get("id_card").unwrap().reason, None);
    }

    #[test]
    fn a_stored_catalogue_replaces_the_default_unless_empty() {
        let custom = ReasonCatalogue::from_stored(Some(r#"["照片反光", " "]"#));
        assert_eq!(custom.reasons(), ["照片反光".to_string()]);
        assert_eq!(
            ReasonCatalogue::from_stored(Some("[]")),
            ReasonCatalogue::default()
        );
        assert_eq!(
            ReasonCatalogue::from_stored(Some("x")),
            ReasonCatalogue::default()
        );
        assert_eq!(ReasonCatalogue::from_stored(None).reasons().len(), 7);
    }

    #[test]
    fn verdicts_compare_without_wording() {
        let a = Marks::parse(r#"{"id_card":{"ok":false,"reason":"图片模糊不清"}}"#);
        let b = Marks::parse(r#"{"id_card":{"ok":false,"reason":"缺页或不完整"}}"#);
        let c = Marks::parse(r#"{"id_card":{"ok":true}}"#);
        assert!(a.same_verdicts(&b));
        assert!(!a.same_verdicts(&c));
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
        assert_eq!(Outcome::parse_verb("return"), Some(Outcome::Returned));
        assert_eq!(Outcome::parse_verb("returned"), None);
    }
}
