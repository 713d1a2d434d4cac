//! Classifying a candidate. The categories are evaluated once, to truth
//! values only ([`Evaluation`]); [`ExamConfig::classify`] and
//! [`ExamConfig::explain`] both read their result off that evaluation, and
//! texts are only rendered where they are shown (the explanation, or the
//! reason given to a candidate who is not eligible).

use std::ops::Range;

use super::eval::{Facts, Outcome};
use super::explain::{CategoryStep, Check, Classification, Explanation, MaterialStep, Truth};
use super::{Category, Condition, ExamConfig, MaterialRequirement};
use crate::domain::applicant::Applicant;

/// A category as evaluated.
struct Step<'a> {
    category: &'a Category,
    /// Its conditions' outcomes, in [`Evaluation::outcomes`].
    checks: Range<usize>,
    verdict: Truth,
}

/// A material of the matched category as evaluated.
struct MaterialOutcome<'a> {
    requirement: &'a MaterialRequirement,
    /// Its conditions' outcomes, in [`Evaluation::outcomes`].
    checks: Range<usize>,
    /// Unknown counts as required: better to ask for one document too many.
    required: bool,
}

/// The categories in order up to the deciding one, without any text.
struct Evaluation<'a> {
    facts: Facts<'a>,
    /// The outcomes of every condition evaluated, in order.
    outcomes: Vec<Outcome<'a>>,
    steps: Vec<Step<'a>>,
    /// Materials of the last step, if it matched.
    materials: Vec<MaterialOutcome<'a>>,
}

impl<'a> Evaluation<'a> {
    /// Evaluates `conditions`, returning where their outcomes are and
    /// their conjunction.
    fn conditions(&mut self, conditions: &'a [Condition]) -> (Range<usize>, Truth) {
        let start = self.outcomes.len();
        for condition in conditions {
            let outcome = self.facts.evaluate(condition);
            self.outcomes.push(outcome);
        }
        let range = start..self.outcomes.len();
        let truth = Truth::all_of(self.outcomes[range.clone()].iter().map(|o| o.truth));
        (range, truth)
    }

    fn checks(&self, range: &Range<usize>) -> Vec<Check> {
        let outcomes = &self.outcomes[range.clone()];
        outcomes.iter().map(|o| self.facts.check(o)).collect()
    }
}

impl ExamConfig {
    /// Which category the candidate belongs to; the same as the
    /// classification of [`Self::explain`].
    pub fn classify(&self, applicant: &Applicant) -> Classification {
        self.decide(&self.evaluate(applicant))
    }

    /// Evaluates the categories in order, stopping at the first that matches
    /// or that cannot be decided.
    pub fn explain(&self, applicant: &Applicant) -> Explanation {
        let evaluation = self.evaluate(applicant);
        let classification = self.decide(&evaluation);
        let last = evaluation.steps.len().saturating_sub(1);
        let steps = evaluation.steps.iter().enumerate().map(|(i, step)| {
            let materials = if i == last {
                &evaluation.materials[..]
            } else {
                &[]
            };
            CategoryStep {
                code: step.category.code.clone(),
                name: step.category.name.clone(),
                checks: evaluation.checks(&step.checks),
                verdict: step.verdict,
                materials: materials
                    .iter()
                    .map(|m| MaterialStep {
                        code: m.requirement.material.clone(),
                        name: self
                            .material(&m.requirement.material)
                            .map_or_else(String::new, |x| x.name.clone()),
                        checks: evaluation.checks(&m.checks),
                        required: m.required,
                    })
                    .collect(),
            }
        });
        Explanation {
            steps: steps.collect(),
            applicant: evaluation.facts.summary(),
            classification,
        }
    }

    fn evaluate<'a>(&'a self, applicant: &'a Applicant) -> Evaluation<'a> {
        let mut evaluation = Evaluation {
            facts: Facts::new(applicant, self),
            outcomes: Vec::with_capacity(16),
            steps: Vec::with_capacity(self.categories.len()),
            materials: Vec::new(),
        };
        for category in &self.categories {
            let (checks, verdict) = evaluation.conditions(&category.conditions);
            evaluation.steps.push(Step {
                category,
                checks,
                verdict,
            });
            if verdict == Truth::Yes {
                for requirement in &category.materials {
                    let (checks, truth) = evaluation.conditions(&requirement.conditions);
                    evaluation.materials.push(MaterialOutcome {
                        requirement,
                        checks,
                        required: truth != Truth::No,
                    });
                }
            }
            if verdict != Truth::No {
                break;
            }
        }
        evaluation
    }

    fn decide(&self, evaluation: &Evaluation<'_>) -> Classification {
        let office = || format!("{}教师资格考试机构", self.exam.city);
        let facts = &evaluation.facts;
        match evaluation.steps.last() {
            Some(step) if step.verdict == Truth::Yes => Classification::Eligible {
                category: step.category.code.clone(),
                materials: evaluation
                    .materials
                    .iter()
                    .filter(|m| m.required)
                    .map(|m| m.requirement.material.clone())
                    .collect(),
            },
            Some(step) if step.verdict == Truth::Unknown => {
                let unknown: Vec<String> = evaluation.outcomes[step.checks.clone()]
                    .iter()
                    .filter(|o| o.truth == Truth::Unknown)
                    .map(|o| facts.observed(o.basis))
                    .collect();
                Classification::NotEligible {
                    reason: format!(
                        "无法根据名册信息确定您是否属于“{}”（{}）。为避免要求您上传错误的材料，请联系{}核实名册信息。",
                        step.category.name,
                        unknown.join("；"),
                        office()
                    ),
                }
            }
            _ => {
                let mut notes: Vec<String> = Vec::new();
                let checks = evaluation.steps.iter().map(|s| s.checks.clone());
                for outcome in checks.flat_map(|r| &evaluation.outcomes[r]) {
                    if outcome.assumed() {
                        let note = facts.observed(outcome.basis);
                        if !notes.contains(&note) {
                            notes.push(note);
                        }
                    }
                }
                let notes = if notes.is_empty() {
                    String::new()
                } else {
                    format!("（{}）", notes.join("；"))
                };
                Classification::NotEligible {
                    reason: format!(
                        "根据名册信息（{}），您不属于{}可在本系统提交审核材料的任何一类考生{notes}。如对名册信息或报考资格有疑问，请联系{}。",
                        facts.summary(),
                        self.exam.name,
                        office()
                    ),
                }
            }
        }
    }
}
