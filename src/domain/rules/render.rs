//! The texts of an evaluation: condition labels, what was observed, and the
//! candidate's roster facts. Only built when an explanation or a
//! not-eligible reason needs them.

use super::eval::{Basis, Facts, Outcome};
use super::explain::Check;
use super::{Condition, Place};
use crate::domain::region::Region;

/// `湖北省宜昌市`, `北京市`, `湖北省（未能识别城市）`, `未能识别`.
pub(super) fn show_region(region: &Region) -> String {
    match (&region.province, &region.city) {
        (Some(p), Some(c)) if p == c => c.clone(),
        (Some(p), Some(c)) => format!("{p}{c}"),
        (Some(p), None) => format!("{p}（未能识别城市）"),
        (None, Some(c)) => c.clone(),
        (None, None) => "未能识别".to_owned(),
    }
}

/// The cities of `places`, joined with `separator`.
fn cities(places: &[Place], separator: &str) -> String {
    let names: Vec<&str> = places.iter().map(|p| p.city.as_str()).collect();
    names.join(separator)
}

fn yes_no(b: bool) -> &'static str {
    if b { "是" } else { "否" }
}

/// The condition as shown to an admin, e.g. `户口所在城市为武汉市`.
pub(super) fn label(condition: &Condition) -> String {
    match condition {
        Condition::Student(true) => "是在校生".to_owned(),
        Condition::Student(false) => "非在校生".to_owned(),
        Condition::HukouProvince(provinces) => {
            format!("户口所在省份为{}", provinces.join("或"))
        }
        Condition::HukouCity(places) => format!("户口所在城市为{}", cities(places, "或")),
        Condition::HukouCityNot(places) => {
            format!("户口所在城市不是{}", cities(places, "、"))
        }
        Condition::SchoolCity(places) => format!("学校所在城市为{}", cities(places, "或")),
        Condition::SchoolCityNot(places) => {
            format!("学校所在城市不是{}", cities(places, "、"))
        }
        Condition::SubjectContains(words) => {
            let quoted: Vec<String> = words.iter().map(|w| format!("“{w}”")).collect();
            format!("报考学科包含{}", quoted.join("或"))
        }
    }
}

impl Facts<'_> {
    /// `在校生：否；学校：清华大学；户口所在地：湖北宜昌；报考学科：初级中学/数学`
    pub(super) fn summary(&self) -> String {
        let a = self.applicant;
        let or_blank = |s: &str| match s.trim() {
            "" => "未填写".to_owned(),
            s => s.to_owned(),
        };
        let mut parts = vec![
            format!("在校生：{}", yes_no(a.is_student)),
            format!("学校：{}", or_blank(&a.school)),
        ];
        if let Some(loc) = &a.school_location {
            parts.push(format!("学校所在地：{}", show_region(loc)));
        }
        parts.push(format!("户口所在地：{}", or_blank(&a.hukou_text)));
        parts.push(format!("报考学科：{}", or_blank(&a.subject)));
        parts.join("；")
    }

    fn hukou_observed(&self) -> String {
        let a = self.applicant;
        format!(
            "户口所在地“{}”→ {}",
            a.hukou_text.trim(),
            show_region(&a.hukou)
        )
    }

    /// What was observed, e.g. `户口所在地“湖北宜昌”→ 湖北省宜昌市`.
    pub(super) fn observed(&self, basis: Basis<'_>) -> String {
        let a = self.applicant;
        let school = a.school.trim();
        match basis {
            Basis::Student => format!("是否在校生：{}", yes_no(a.is_student)),
            Basis::Hukou => self.hukou_observed(),
            Basis::HukouUndecided => format!("{}，无法判断", self.hukou_observed()),
            Basis::SchoolLocated(region) => {
                format!("名册填写的学校所在地为{}", show_region(region))
            }
            Basis::SchoolListed(place) => {
                format!("学校“{school}”在{}高校名单中", place.city)
            }
            Basis::SchoolProvince(p) => format!("名册填写的学校所在地为{p}"),
            Basis::SchoolAssumed { given, places } => {
                let location = if given {
                    "名册填写的学校所在地未能识别出城市"
                } else {
                    "名册也未填写学校所在地"
                };
                format!(
                    "学校“{school}”不在高校名单中，{location}，按不在{}处理",
                    cities(places, "或")
                )
            }
            Basis::Subject => format!("报考学科“{}”", a.subject.trim()),
            Basis::SubjectBlank => "名册未填写报考学科，无法判断".to_owned(),
        }
    }

    /// The outcome with its texts.
    pub(super) fn check(&self, outcome: &Outcome<'_>) -> Check {
        Check {
            label: label(outcome.condition),
            truth: outcome.truth,
            observed: self.observed(outcome.basis),
            assumed: outcome.assumed(),
        }
    }
}
