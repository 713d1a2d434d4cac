//! Rule-by-rule explanation of a classification, and the classification
//! itself, both from one evaluation.

use std::fmt;

use super::ExamConfig;
use super::eval::Facts;
use crate::domain::applicant::Applicant;

/// Three-valued result of a condition. `Unknown` means the roster does not
/// let us decide (e.g. the hukou city could not be recognised).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Truth {
    Yes,
    No,
    Unknown,
}

impl From<bool> for Truth {
    fn from(b: bool) -> Self {
        if b { Truth::Yes } else { Truth::No }
    }
}

impl std::ops::Not for Truth {
    type Output = Truth;

    fn not(self) -> Truth {
        match self {
            Truth::Yes => Truth::No,
            Truth::No => Truth::Yes,
            Truth::Unknown => Truth::Unknown,
        }
    }
}

impl Truth {
    /// Conjunction: any `No` → `No`, else any `Unknown` → `Unknown`.
    pub fn all(checks: &[Check]) -> Truth {
        let truths = checks.iter().map(|c| c.truth);
        if truths.clone().any(|t| t == Truth::No) {
            Truth::No
        } else if truths.clone().any(|t| t == Truth::Unknown) {
            Truth::Unknown
        } else {
            Truth::Yes
        }
    }

    /// `✓`, `✗`, or `？` (cannot tell).
    pub fn symbol(self) -> &'static str {
        match self {
            Truth::Yes => "✓",
            Truth::No => "✗",
            Truth::Unknown => "？",
        }
    }
}

/// One condition checked against the candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// The condition, e.g. `户口所在城市为武汉市`.
    pub label: String,
    pub truth: Truth,
    /// What was observed, e.g. `户口所在地“湖北宜昌”→ 湖北省宜昌市`.
    pub observed: String,
    /// The result rests on an assumption (school not in the list and no
    /// 学校所在地 → treated as elsewhere); `observed` says so.
    pub assumed: bool,
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}：{}（{}）",
            self.label,
            self.truth.symbol(),
            self.observed
        )
    }
}

/// A material of the matched category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaterialStep {
    pub code: String,
    pub name: String,
    /// Checks of a material needed only by some candidates; empty otherwise.
    pub checks: Vec<Check>,
    /// Unknown counts as required: better to ask for one document too many.
    pub required: bool,
}

/// One category as evaluated, in configuration order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryStep {
    pub code: String,
    pub name: String,
    pub checks: Vec<Check>,
    pub verdict: Truth,
    /// Only for the matched category.
    pub materials: Vec<MaterialStep>,
}

/// Which category a candidate belongs to and what to upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Classification {
    Eligible {
        /// Category code.
        category: String,
        /// Material codes, in display order.
        materials: Vec<String>,
    },
    NotEligible {
        /// For the candidate, in Chinese: why, and to contact the exam office.
        reason: String,
    },
}

/// The evaluation of all categories up to the deciding one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    applicant: String,
    steps: Vec<CategoryStep>,
    classification: Classification,
}

impl Explanation {
    /// The roster facts, e.g. `在校生：否；学校：清华大学；…`.
    pub fn applicant(&self) -> &str {
        &self.applicant
    }

    pub fn steps(&self) -> &[CategoryStep] {
        &self.steps
    }

    pub fn classification(&self) -> &Classification {
        &self.classification
    }

    pub fn into_classification(self) -> Classification {
        self.classification
    }
}

impl ExamConfig {
    /// Which category the candidate belongs to; the outcome of [`Self::explain`].
    pub fn classify(&self, applicant: &Applicant) -> Classification {
        self.explain(applicant).into_classification()
    }

    /// Evaluates the categories in order, stopping at the first that matches
    /// or that cannot be decided.
    pub fn explain(&self, applicant: &Applicant) -> Explanation {
        let facts = Facts::new(applicant, &self.schools);
        let mut steps = Vec::new();
        for category in &self.categories {
            let checks: Vec<Check> = category.conditions.iter().map(|c| facts.check(c)).collect();
            let verdict = Truth::all(&checks);
            let mut materials = Vec::new();
            if verdict == Truth::Yes {
                for req in &category.materials {
                    let checks: Vec<Check> =
                        req.conditions.iter().map(|c| facts.check(c)).collect();
                    materials.push(MaterialStep {
                        name: self
                            .material(&req.material)
                            .map_or_else(String::new, |m| m.name.clone()),
                        code: req.material.clone(),
                        required: Truth::all(&checks) != Truth::No,
                        checks,
                    });
                }
            }
            steps.push(CategoryStep {
                code: category.code.clone(),
                name: category.name.clone(),
                checks,
                verdict,
                materials,
            });
            if verdict != Truth::No {
                break;
            }
        }
        let summary = facts.summary();
        let classification = self.decide(&steps, &summary);
        Explanation {
            applicant: summary,
            steps,
            classification,
        }
    }

    fn decide(&self, steps: &[CategoryStep], summary: &str) -> Classification {
        let office = format!("{}教师资格考试机构", self.exam.city);
        match steps.last() {
            Some(step) if step.verdict == Truth::Yes => Classification::Eligible {
                category: step.code.clone(),
                materials: step
                    .materials
                    .iter()
                    .filter(|m| m.required)
                    .map(|m| m.code.clone())
                    .collect(),
            },
            Some(step) if step.verdict == Truth::Unknown => {
                let unknown: Vec<&str> = step
                    .checks
                    .iter()
                    .filter(|c| c.truth == Truth::Unknown)
                    .map(|c| c.observed.as_str())
                    .collect();
                Classification::NotEligible {
                    reason: format!(
                        "无法根据名册信息确定您是否属于“{}”（{}）。为避免要求您上传错误的材料，请联系{office}核实名册信息。",
                        step.name,
                        unknown.join("；")
                    ),
                }
            }
            _ => {
                let mut notes: Vec<&str> = Vec::new();
                for check in steps.iter().flat_map(|s| &s.checks).filter(|c| c.assumed) {
                    if !notes.contains(&check.observed.as_str()) {
                        notes.push(&check.observed);
                    }
                }
                let notes = if notes.is_empty() {
                    String::new()
                } else {
                    format!("（{}）", notes.join("；"))
                };
                Classification::NotEligible {
                    reason: format!(
                        "根据名册信息（{summary}），您不属于{}可在本系统提交审核材料的任何一类考生{notes}。如对名册信息或报考资格有疑问，请联系{office}。",
                        self.exam.name
                    ),
                }
            }
        }
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "考生信息：{}", self.applicant)?;
        writeln!(f, "按顺序检查各报考类别（符合的第一个类别生效）：")?;
        for (i, step) in self.steps.iter().enumerate() {
            writeln!(f, "{}. {}（{}）", i + 1, step.name, step.code)?;
            if step.checks.is_empty() {
                writeln!(f, "   · 无条件：✓")?;
            }
            for check in &step.checks {
                writeln!(f, "   · {check}")?;
            }
            if step.verdict == Truth::No {
                writeln!(f, "   → 不符合")?;
            }
            for m in step.materials.iter().filter(|m| !m.checks.is_empty()) {
                let verdict = if m.required { "需要" } else { "不需要" };
                writeln!(f, "   · 材料“{}”仅部分考生需要：{verdict}", m.name)?;
                for check in &m.checks {
                    writeln!(f, "     · {check}")?;
                }
            }
        }
        match &self.classification {
            Classification::Eligible { .. } => {
                let step = self.steps.last().expect("a match has a step");
                let names: Vec<&str> = step
                    .materials
                    .iter()
                    .filter(|m| m.required)
                    .map(|m| m.name.as_str())
                    .collect();
                write!(f, "→ 匹配：{}，需上传：{}", step.name, names.join("、"))
            }
            Classification::NotEligible { reason } => match self.steps.last() {
                Some(step) if step.verdict == Truth::Unknown => write!(f, "→ 无法确定：{reason}"),
                _ => write!(f, "→ 没有符合的报考类别：{reason}"),
            },
        }
    }
}
