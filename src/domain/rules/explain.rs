//! The results of classifying a candidate: the classification, and the
//! rule-by-rule explanation of it (both built in `engine`).

use std::fmt;

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
        Truth::all_of(checks.iter().map(|c| c.truth))
    }

    /// Conjunction of truth values, as [`Truth::all`].
    pub(super) fn all_of(truths: impl IntoIterator<Item = Truth>) -> Truth {
        truths
            .into_iter()
            .fold(Truth::Yes, |all, t| match (all, t) {
                (Truth::No, _) | (_, Truth::No) => Truth::No,
                (Truth::Unknown, _) | (_, Truth::Unknown) => Truth::Unknown,
                (Truth::Yes, Truth::Yes) => Truth::Yes,
            })
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
    pub(super) applicant: String,
    pub(super) steps: Vec<CategoryStep>,
    pub(super) classification: Classification,
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
