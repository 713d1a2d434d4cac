//! Evaluating conditions against one candidate's roster facts. This only
//! decides truth values; what was observed is described by [`Basis`], which
//! `render` turns into text when an explanation or a reason needs it.

use std::borrow::Cow;
use std::cell::OnceCell;

use super::explain::Truth;
use super::{Condition, ExamConfig, Place};
use crate::domain::applicant::Applicant;
use crate::domain::region::{self, Region};

/// Where the candidate's school is, as far as we can tell.
#[derive(Debug, Clone, Copy)]
enum School<'a> {
    /// 学校所在地 names a city; it wins over the school list.
    Located(&'a Region),
    /// Found in the school list of `place.city`.
    Listed(&'a Place),
    /// City unknown: not listed, and 学校所在地 absent (`given` false) or
    /// without a recognisable city (then maybe with a province).
    Unknown {
        given: bool,
        province: Option<&'a str>,
    },
}

/// What a condition's result rests on: enough to describe the observation
/// without evaluating anything again.
#[derive(Debug, Clone, Copy)]
pub(super) enum Basis<'a> {
    Student,
    /// The hukou decided the condition.
    Hukou,
    /// The hukou is not precise enough to decide.
    HukouUndecided,
    /// 学校所在地 names a city.
    SchoolLocated(&'a Region),
    /// The school is in the list of this place.
    SchoolListed(&'a Place),
    /// 学校所在地 names only this province, none of the condition's.
    SchoolProvince(&'a str),
    /// Not listed and no usable 学校所在地 (`given` says whether there was
    /// one): assumed to be in none of `places`.
    SchoolAssumed {
        given: bool,
        places: &'a [Place],
    },
    Subject,
    /// No subject in the roster.
    SubjectBlank,
}

/// One condition evaluated against the candidate.
#[derive(Debug, Clone, Copy)]
pub(super) struct Outcome<'a> {
    pub condition: &'a Condition,
    pub truth: Truth,
    pub basis: Basis<'a>,
}

impl Outcome<'_> {
    /// The result rests on the rule "not in the list and no 学校所在地 →
    /// elsewhere".
    pub(super) fn assumed(&self) -> bool {
        matches!(self.basis, Basis::SchoolAssumed { .. })
    }
}

/// `s` without any whitespace, borrowed when there is none.
fn without_spaces(s: &str) -> Cow<'_, str> {
    if s.contains(char::is_whitespace) {
        Cow::Owned(s.chars().filter(|c| !c.is_whitespace()).collect())
    } else {
        Cow::Borrowed(s)
    }
}

/// The facts the rules look at, resolved once per candidate.
pub(super) struct Facts<'a> {
    pub(super) applicant: &'a Applicant,
    config: &'a ExamConfig,
    hukou_province: Option<Cow<'a, str>>,
    /// The subject without whitespace.
    subject: Cow<'a, str>,
    /// Resolved on first use: not every candidate reaches a school condition.
    school: OnceCell<School<'a>>,
}

impl<'a> Facts<'a> {
    pub(super) fn new(applicant: &'a Applicant, config: &'a ExamConfig) -> Self {
        let hukou_province = match &applicant.hukou.province {
            Some(p) => Some(Cow::Borrowed(p.as_str())),
            None => applicant
                .hukou
                .city
                .as_deref()
                .and_then(|city| region::normalise(city).province)
                .map(Cow::Owned),
        };
        Facts {
            applicant,
            config,
            hukou_province,
            subject: without_spaces(&applicant.subject),
            school: OnceCell::new(),
        }
    }

    fn school(&self) -> School<'a> {
        *self.school.get_or_init(|| {
            let location = self.applicant.school_location.as_ref();
            if let Some(loc) = location
                && loc.city.is_some()
            {
                return School::Located(loc);
            }
            let province = location.and_then(|l| l.province.as_deref());
            let config = self.config;
            let listed = config
                .school_index
                .lookup(&config.schools, &self.applicant.school);
            match listed {
                Some((place, _))
                    if province.is_none_or(|p| place.province.as_deref() == Some(p)) =>
                {
                    School::Listed(place)
                }
                _ => School::Unknown {
                    given: location.is_some(),
                    province,
                },
            }
        })
    }

    /// Whether the hukou city is one of `places`.
    fn hukou_in(&self, places: &[Place]) -> (Truth, Basis<'a>) {
        if let Some(city) = &self.applicant.hukou.city {
            return (places.iter().any(|p| &p.city == city).into(), Basis::Hukou);
        }
        match self.hukou_province.as_deref() {
            Some(p) if places.iter().all(|pl| pl.province.as_deref() != Some(p)) => {
                (Truth::No, Basis::Hukou)
            }
            _ => (Truth::Unknown, Basis::HukouUndecided),
        }
    }

    /// Whether the school is in one of `places`.
    fn school_in(&self, places: &'a [Place]) -> (Truth, Basis<'a>) {
        match self.school() {
            School::Located(region) => {
                let hit = places.iter().any(|p| region.city.as_ref() == Some(&p.city));
                (hit.into(), Basis::SchoolLocated(region))
            }
            School::Listed(place) => {
                let hit = places.iter().any(|p| p.city == place.city);
                (hit.into(), Basis::SchoolListed(place))
            }
            School::Unknown {
                province: Some(p), ..
            } if places.iter().all(|pl| pl.province.as_deref() != Some(p)) => {
                (Truth::No, Basis::SchoolProvince(p))
            }
            School::Unknown { given, .. } => (Truth::No, Basis::SchoolAssumed { given, places }),
        }
    }

    pub(super) fn evaluate(&self, condition: &'a Condition) -> Outcome<'a> {
        let (truth, basis) = match condition {
            Condition::Student(want) => {
                ((self.applicant.is_student == *want).into(), Basis::Student)
            }
            Condition::HukouProvince(provinces) => match self.hukou_province.as_deref() {
                Some(p) => (provinces.iter().any(|q| q == p).into(), Basis::Hukou),
                None => (Truth::Unknown, Basis::HukouUndecided),
            },
            Condition::HukouCity(places) => self.hukou_in(places),
            Condition::HukouCityNot(places) => {
                let (truth, basis) = self.hukou_in(places);
                (!truth, basis)
            }
            Condition::SchoolCity(places) => self.school_in(places),
            Condition::SchoolCityNot(places) => {
                let (truth, basis) = self.school_in(places);
                (!truth, basis)
            }
            Condition::SubjectContains(words) => {
                if self.subject.is_empty() {
                    (Truth::Unknown, Basis::SubjectBlank)
                } else {
                    let hit = words
                        .iter()
                        .any(|w| self.subject.contains(without_spaces(w).as_ref()));
                    (hit.into(), Basis::Subject)
                }
            }
        };
        Outcome {
            condition,
            truth,
            basis,
        }
    }
}
