//! The exam configuration: material types, candidate categories and the rule
//! engine that decides which category a candidate belongs to.
//!
//! The configuration is a TOML file an admin can edit (`config/exam.toml`).
//! Categories are tried in order and the first one whose conditions all hold
//! wins. Conditions are evaluated with three-valued logic: a fact the roster
//! does not let us determine (e.g. an unrecognised hukou) makes a condition
//! *unknown*. A category is only chosen when every earlier category is known
//! not to apply; if the first category that could apply is undetermined, the
//! candidate is told to contact the exam office instead of being put into a
//! possibly wrong category (see [`Truth`]).
//!
//! [`ExamConfig::classify`] and [`ExamConfig::explain`] read their results
//! off one shared evaluation (truth values first, texts only when needed),
//! so the explanation shown to an admin can never disagree with the
//! classification.

mod engine;
mod error;
mod eval;
mod explain;
mod load;
mod raw;
mod render;
mod schools;
mod when;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_config;

pub use error::ConfigError;
pub use explain::{CategoryStep, Check, Classification, Explanation, MaterialStep, Truth};
pub use load::MAX_IMAGES_LIMIT;

/// The exam this configuration is for (the `[exam]` table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exam {
    pub code: String,
    pub name: String,
    /// Canonical city of the exam office, e.g. `武汉市`.
    pub city: String,
    /// Canonical province of the exam office, e.g. `湖北省`.
    pub province: String,
}

/// One kind of document a candidate uploads (a `[[materials]]` entry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Material {
    pub code: String,
    pub name: String,
    pub description: String,
    /// File name of an example image, e.g. `id_card.jpg`.
    pub example: Option<String>,
    /// Maximum number of images for this material, 1..=50.
    pub max_images: u32,
}

/// A candidate category (a `[[categories]]` entry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub code: String,
    pub name: String,
    /// All must hold; empty means every candidate matches.
    pub conditions: Vec<Condition>,
    /// In display order.
    pub materials: Vec<MaterialRequirement>,
}

/// A material of a category, possibly only for some of its candidates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaterialRequirement {
    /// Material code.
    pub material: String,
    /// All must hold for the material to be required; empty means always.
    pub conditions: Vec<Condition>,
}

/// A city named in a condition, normalised (`武汉` → `湖北省` / `武汉市`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub province: Option<String>,
    pub city: String,
}

/// One condition of a `when` table. Place values are canonical full names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// `student = true|false`
    Student(bool),
    /// `hukou_province = [..]`: the hukou province is one of these.
    HukouProvince(Vec<String>),
    /// `hukou_city = [..]`: the hukou city is one of these.
    HukouCity(Vec<Place>),
    /// `hukou_city_not = [..]`: the hukou city is none of these.
    HukouCityNot(Vec<Place>),
    /// `school_city = [..]`: the school is in one of these cities.
    SchoolCity(Vec<Place>),
    /// `school_city_not = [..]`: the school is in none of these cities.
    SchoolCityNot(Vec<Place>),
    /// `subject_contains = [..]`: the subject contains any of these.
    SubjectContains(Vec<String>),
}

/// Known higher-education institutions of one city (`[schools]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolList {
    pub place: Place,
    /// Names as written in the configuration.
    pub names: Vec<String>,
}

/// A parsed and validated exam configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExamConfig {
    exam: Exam,
    materials: Vec<Material>,
    categories: Vec<Category>,
    schools: Vec<SchoolList>,
    /// `schools` by normalised name; derived from it when parsing.
    school_index: schools::SchoolIndex,
}

static DEFAULT_TEXT: &str = include_str!("../../../config/exam.toml");

impl ExamConfig {
    /// Parses and validates a configuration. On failure returns every error
    /// found (all TOML syntax errors, or the first type error, or all
    /// semantic errors), sorted by position.
    pub fn parse(text: &str) -> Result<ExamConfig, Vec<ConfigError>> {
        load::parse(text)
    }

    /// The configuration shipped with the program (`config/exam.toml`).
    pub fn default_text() -> &'static str {
        DEFAULT_TEXT
    }

    /// Parses [`Self::default_text`]; it is covered by tests, so this does
    /// not fail in practice.
    pub fn default_config() -> ExamConfig {
        match Self::parse(DEFAULT_TEXT) {
            Ok(config) => config,
            Err(errors) => panic!("config/exam.toml is invalid: {errors:?}"),
        }
    }

    pub fn exam(&self) -> &Exam {
        &self.exam
    }

    pub fn code(&self) -> &str {
        &self.exam.code
    }

    pub fn name(&self) -> &str {
        &self.exam.name
    }

    pub fn city(&self) -> &str {
        &self.exam.city
    }

    pub fn province(&self) -> &str {
        &self.exam.province
    }

    pub fn materials(&self) -> &[Material] {
        &self.materials
    }

    pub fn material(&self, code: &str) -> Option<&Material> {
        self.materials.iter().find(|m| m.code == code)
    }

    pub fn categories(&self) -> &[Category] {
        &self.categories
    }

    pub fn category(&self, code: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.code == code)
    }

    pub fn schools(&self) -> &[SchoolList] {
        &self.schools
    }

    /// The configured city whose school list contains `school` (compared
    /// ignoring spaces and full-width/ASCII parentheses).
    pub fn school_city(&self, school: &str) -> Option<&Place> {
        self.school_index
            .lookup(&self.schools, school)
            .map(|(place, _)| place)
    }
}
