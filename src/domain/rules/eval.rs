//! Evaluating conditions against one candidate's roster facts.

use super::explain::{Check, Truth};
use super::{Condition, Place, SchoolList, schools};
use crate::domain::applicant::Applicant;
use crate::domain::region::{self, Region};

/// Where the candidate's school is, as far as we can tell.
enum School {
    /// 学校所在地 names a city; it wins over the school list.
    Located(Region),
    /// Found in the school list of `place.city`.
    Listed(Place),
    /// City unknown: not listed, and 学校所在地 absent (`given` false) or
    /// without a recognisable city (then maybe with a province).
    Unknown {
        given: bool,
        province: Option<String>,
    },
}

/// The facts the rules look at, resolved once per candidate.
pub(super) struct Facts<'a> {
    applicant: &'a Applicant,
    hukou_province: Option<String>,
    school: School,
}

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

fn cities(places: &[Place]) -> String {
    let names: Vec<&str> = places.iter().map(|p| p.city.as_str()).collect();
    names.join("或")
}

fn without_spaces(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

impl<'a> Facts<'a> {
    pub(super) fn new(applicant: &'a Applicant, lists: &[SchoolList]) -> Self {
        let hukou_province = applicant.hukou.province.clone().or_else(|| {
            let city = applicant.hukou.city.as_deref()?;
            region::normalise(city).province
        });
        let location = applicant.school_location.as_ref();
        let listed = schools::lookup(lists, &applicant.school).map(|(place, _)| place);
        let school = match (location, listed) {
            (Some(loc), _) if loc.city.is_some() => School::Located(loc.clone()),
            (loc, Some(place))
                if loc
                    .and_then(|l| l.province.as_ref())
                    .is_none_or(|p| place.province.as_ref() == Some(p)) =>
            {
                School::Listed(place.clone())
            }
            (loc, _) => School::Unknown {
                given: loc.is_some(),
                province: loc.and_then(|l| l.province.clone()),
            },
        };
        Facts {
            applicant,
            hukou_province,
            school,
        }
    }

    /// `在校生：否；学校：清华大学；户口所在地：湖北宜昌；报考学科：初级中学/数学`
    pub(super) fn summary(&self) -> String {
        let a = self.applicant;
        let or_blank = |s: &str| match s.trim() {
            "" => "未填写".to_owned(),
            s => s.to_owned(),
        };
        let mut parts = vec![
            format!("在校生：{}", if a.is_student { "是" } else { "否" }),
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

    /// Whether the hukou city is one of `places`.
    fn hukou_in(&self, places: &[Place]) -> (Truth, String) {
        let observed = self.hukou_observed();
        if let Some(city) = &self.applicant.hukou.city {
            return (places.iter().any(|p| &p.city == city).into(), observed);
        }
        match &self.hukou_province {
            Some(p) if places.iter().all(|pl| pl.province.as_ref() != Some(p)) => {
                (Truth::No, observed)
            }
            _ => (Truth::Unknown, format!("{observed}，无法判断")),
        }
    }

    /// Whether the school is in one of `places`; the flag says the answer
    /// rests on the rule "not in the list and no 学校所在地 → elsewhere".
    fn school_in(&self, places: &[Place]) -> (bool, String, bool) {
        let school = self.applicant.school.trim();
        match &self.school {
            School::Located(region) => {
                let hit = places.iter().any(|p| region.city.as_ref() == Some(&p.city));
                (
                    hit,
                    format!("名册填写的学校所在地为{}", show_region(region)),
                    false,
                )
            }
            School::Listed(place) => {
                let hit = places.iter().any(|p| p.city == place.city);
                (
                    hit,
                    format!("学校“{school}”在{}高校名单中", place.city),
                    false,
                )
            }
            School::Unknown {
                province: Some(p), ..
            } if places.iter().all(|pl| pl.province.as_ref() != Some(p)) => {
                (false, format!("名册填写的学校所在地为{p}"), false)
            }
            School::Unknown { given, .. } => {
                let location = if *given {
                    "名册填写的学校所在地未能识别出城市"
                } else {
                    "名册也未填写学校所在地"
                };
                let observed = format!(
                    "学校“{school}”不在高校名单中，{location}，按不在{}处理",
                    cities(places)
                );
                (false, observed, true)
            }
        }
    }

    pub(super) fn check(&self, condition: &Condition) -> Check {
        let a = self.applicant;
        let (label, truth, observed, assumed) = match condition {
            Condition::Student(want) => (
                if *want {
                    "是在校生"
                } else {
                    "非在校生"
                }
                .to_owned(),
                (a.is_student == *want).into(),
                format!("是否在校生：{}", if a.is_student { "是" } else { "否" }),
                false,
            ),
            Condition::HukouProvince(provinces) => {
                let label = format!("户口所在省份为{}", provinces.join("或"));
                let observed = self.hukou_observed();
                match &self.hukou_province {
                    Some(p) => (label, provinces.contains(p).into(), observed, false),
                    None => {
                        let observed = format!("{observed}，无法判断");
                        (label, Truth::Unknown, observed, false)
                    }
                }
            }
            Condition::HukouCity(places) => {
                let (truth, observed) = self.hukou_in(places);
                (
                    format!("户口所在城市为{}", cities(places)),
                    truth,
                    observed,
                    false,
                )
            }
            Condition::HukouCityNot(places) => {
                let (truth, observed) = self.hukou_in(places);
                let label = format!("户口所在城市不是{}", cities(places).replace('或', "、"));
                (label, !truth, observed, false)
            }
            Condition::SchoolCity(places) => {
                let (hit, observed, assumed) = self.school_in(places);
                (
                    format!("学校所在城市为{}", cities(places)),
                    hit.into(),
                    observed,
                    assumed,
                )
            }
            Condition::SchoolCityNot(places) => {
                let (hit, observed, assumed) = self.school_in(places);
                let label = format!("学校所在城市不是{}", cities(places).replace('或', "、"));
                (label, (!hit).into(), observed, assumed)
            }
            Condition::SubjectContains(words) => {
                let quoted: Vec<String> = words.iter().map(|w| format!("“{w}”")).collect();
                let label = format!("报考学科包含{}", quoted.join("或"));
                let subject = without_spaces(&a.subject);
                if subject.is_empty() {
                    (
                        label,
                        Truth::Unknown,
                        "名册未填写报考学科，无法判断".to_owned(),
                        false,
                    )
                } else {
                    let hit = words.iter().any(|w| subject.contains(&without_spaces(w)));
                    (
                        label,
                        hit.into(),
                        format!("报考学科“{}”", a.subject.trim()),
                        false,
                    )
                }
            }
        };
        Check {
            label,
            truth,
            observed,
            assumed,
        }
    }
}
