//! The facts about a candidate that the category rules look at.

use super::region::Region;

/// What the rules see of one candidate, taken from the roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applicant {
    /// 是否在校生. National registration only admits students from their third year on.
    pub is_student: bool,
    /// 户口所在地 as written in the roster.
    pub hukou_text: String,
    /// 户口所在地, normalised.
    pub hukou: Region,
    /// 学校 (name of the school or university).
    pub school: String,
    /// 学校所在地, normalised, when the roster has it.
    pub school_location: Option<Region>,
    /// 报考学科, e.g. `初级中学/日语`, `中等职业学校/实习指导`.
    pub subject: String,
}

impl Applicant {
    /// The facts as the roster writes them; places are normalised here, once, so every
    /// caller sees the same reading of the same text.
    pub fn new(
        is_student: bool,
        hukou_text: &str,
        school: &str,
        school_location: Option<&str>,
        subject: &str,
    ) -> Applicant {
        Applicant {
            is_student,
            hukou_text: hukou_text.to_string(),
            hukou: super::region::normalise(hukou_text),
            school: school.to_string(),
            school_location: school_location.map(super::region::normalise),
            subject: subject.to_string(),
        }
    }
}
