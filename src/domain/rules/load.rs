//! Turns the TOML text into a validated [`ExamConfig`], collecting errors.

use std::collections::HashMap;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use super::error::{ConfigError, position};
use super::raw::{RawCategory, RawConfig, RawExam, RawMaterial};
use super::schools::{self, SchoolIndex};
use super::{Category, Exam, ExamConfig, Material, MaterialRequirement, SchoolList};

const DEFAULT_MAX_IMAGES: u32 = 10;
/// The most images one material may allow.
pub const MAX_IMAGES_LIMIT: i64 = 50;

pub(super) fn parse(text: &str) -> Result<ExamConfig, Vec<ConfigError>> {
    let (table, syntax) = toml::de::DeTable::parse_recoverable(text);
    if !syntax.is_empty() {
        let errors = syntax
            .iter()
            .map(|e| ConfigError::from_toml(text, e, true))
            .collect();
        return Err(sorted(errors));
    }
    let raw = RawConfig::deserialize(toml::de::Deserializer::from(table))
        .map_err(|e| vec![ConfigError::from_toml(text, &e, false)])?;
    let mut loader = Loader {
        text,
        errors: Vec::new(),
    };
    let config = loader.config(raw);
    if loader.errors.is_empty() {
        Ok(config)
    } else {
        Err(sorted(loader.errors))
    }
}

fn sorted(mut errors: Vec<ConfigError>) -> Vec<ConfigError> {
    errors.sort_by_key(|e| (e.line, e.column));
    errors.dedup();
    errors
}

/// Codes are stable identifiers stored with uploads: ASCII only.
fn valid_code(code: &str) -> bool {
    !code.is_empty()
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

pub(super) struct Loader<'t> {
    text: &'t str,
    pub(super) errors: Vec<ConfigError>,
}

impl Loader<'_> {
    pub(super) fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        self.errors.push(ConfigError::at(self.text, span, message));
    }

    pub(super) fn line_of(&self, span: &Range<usize>) -> usize {
        position(self.text, span.start).0
    }

    /// The trimmed text, or an error if it is empty.
    fn required(&mut self, value: &Spanned<String>, what: &str) -> String {
        let trimmed = value.get_ref().trim();
        if trimmed.is_empty() {
            self.error(value.span(), format!("{what}不能为空"));
        }
        trimmed.to_owned()
    }

    /// A code: valid and not used before (`seen` maps code → line).
    fn code(
        &mut self,
        value: &Spanned<String>,
        what: &str,
        seen: &mut HashMap<String, usize>,
    ) -> String {
        let code = value.get_ref().trim().to_owned();
        if !valid_code(&code) {
            self.error(
                value.span(),
                format!("{what}“{code}”无效：只能使用英文字母、数字、下划线和连字符，且不能为空"),
            );
        } else if let Some(line) = seen.get(&code) {
            self.error(
                value.span(),
                format!("{what}“{code}”重复（第{line}行已使用）"),
            );
        } else {
            seen.insert(code.clone(), self.line_of(&value.span()));
        }
        code
    }

    fn config(&mut self, raw: RawConfig) -> ExamConfig {
        let exam = self.exam(raw.exam.into_inner());
        let schools = self.schools(raw.schools);
        let materials = self.materials(raw.materials);
        let categories = self.categories(raw.categories, &materials, &schools);
        ExamConfig {
            exam,
            materials,
            categories,
            school_index: SchoolIndex::new(&schools),
            schools,
        }
    }

    fn exam(&mut self, raw: RawExam) -> Exam {
        let code = self.required(&raw.code, "考试代码 code ");
        let name = self.required(&raw.name, "考试名称 name ");
        let city = self.place(raw.city.get_ref(), raw.city.span());
        let province = self.province(raw.province.get_ref(), raw.province.span());
        if let (Some(city), Some(province)) = (&city, &province)
            && city.province.as_deref().is_some_and(|p| p != province)
        {
            let message = format!("考试所在城市“{}”不在“{province}”", city.city);
            self.error(raw.city.span(), message);
        }
        Exam {
            code,
            name,
            city: city.map(|c| c.city).unwrap_or_default(),
            province: province.unwrap_or_default(),
        }
    }

    fn materials(&mut self, raw: Spanned<Vec<Spanned<RawMaterial>>>) -> Vec<Material> {
        if raw.get_ref().is_empty() {
            self.error(raw.span(), "至少需要配置一种材料（[[materials]]）");
        }
        let mut seen = HashMap::new();
        let mut materials = Vec::new();
        for entry in raw.into_inner() {
            let m = entry.into_inner();
            let code = self.code(&m.code, "材料代码", &mut seen);
            let name = self.required(&m.name, "材料名称 name ");
            let max_images = match &m.max_images {
                None => DEFAULT_MAX_IMAGES,
                Some(n) if (1..=MAX_IMAGES_LIMIT).contains(n.get_ref()) => *n.get_ref() as u32,
                Some(n) => {
                    self.error(
                        n.span(),
                        format!(
                            "max_images 应在 1～{MAX_IMAGES_LIMIT} 之间，实际是 {}",
                            n.get_ref()
                        ),
                    );
                    DEFAULT_MAX_IMAGES
                }
            };
            let example = m.example.as_ref().map(|e| {
                let file = e.get_ref().trim();
                if file.is_empty() || file.starts_with('.') || file.contains(['/', '\\']) {
                    self.error(
                        e.span(),
                        format!("示例图片 example 应为文件名（例如“id_card.jpg”），不能为空或包含路径：“{file}”"),
                    );
                }
                file.to_owned()
            });
            materials.push(Material {
                code,
                name,
                description: m.description.trim().to_owned(),
                example,
                max_images,
            });
        }
        materials
    }

    fn schools(
        &mut self,
        raw: std::collections::BTreeMap<Spanned<String>, Vec<Spanned<String>>>,
    ) -> Vec<SchoolList> {
        let mut lists: Vec<SchoolList> = Vec::new();
        // normalised name → (city, line)
        let mut seen: HashMap<String, (String, usize)> = HashMap::new();
        for (key, names) in raw {
            let Some(place) = self.place(key.get_ref(), key.span()) else {
                continue;
            };
            if lists.iter().any(|l| l.place.city == place.city) {
                self.error(key.span(), format!("“{}”的高校名单重复出现", place.city));
                continue;
            }
            let mut list = Vec::new();
            for name in names {
                let written = self.required(&name, "学校名称");
                let normal = schools::normalise_name(&written).into_owned();
                if normal.is_empty() {
                    continue;
                }
                if let Some((city, line)) = seen.get(&normal) {
                    self.error(
                        name.span(),
                        format!("学校“{written}”重复（第{line}行已列入{city}的名单）"),
                    );
                    continue;
                }
                seen.insert(normal, (place.city.clone(), self.line_of(&name.span())));
                list.push(written);
            }
            lists.push(SchoolList { place, names: list });
        }
        lists
    }

    fn categories(
        &mut self,
        raw: Spanned<Vec<Spanned<RawCategory>>>,
        materials: &[Material],
        schools: &[SchoolList],
    ) -> Vec<Category> {
        if raw.get_ref().is_empty() {
            self.error(raw.span(), "至少需要配置一个报考类别（[[categories]]）");
        }
        let mut seen = HashMap::new();
        let mut catch_all: Option<(String, usize)> = None;
        let mut categories = Vec::new();
        for entry in raw.into_inner() {
            let span = entry.span();
            let c = entry.into_inner();
            let code = self.code(&c.code, "类别代码", &mut seen);
            let name = self.required(&c.name, "类别名称 name ");
            let unconditional = c.when.as_ref().is_none_or(|w| w.get_ref().is_empty());
            let conditions = self.conditions(c.when, schools);
            if let Some((earlier, line)) = &catch_all {
                self.error(
                    span.clone(),
                    format!("前面的类别“{earlier}”（第{line}行）没有条件，所有考生都会先匹配它，此类别永远不会被用到"),
                );
            } else if unconditional {
                catch_all = Some((name.clone(), self.line_of(&span)));
            }
            let requirements = self.requirements(c.materials, materials, schools);
            categories.push(Category {
                code,
                name,
                conditions,
                materials: requirements,
            });
        }
        categories
    }

    fn requirements(
        &mut self,
        raw: Spanned<Vec<Spanned<super::raw::RawMaterialEntry>>>,
        materials: &[Material],
        schools: &[SchoolList],
    ) -> Vec<MaterialRequirement> {
        if raw.get_ref().is_empty() {
            self.error(raw.span(), "每个类别至少需要一种材料");
        }
        let mut requirements: Vec<MaterialRequirement> = Vec::new();
        for entry in raw.into_inner() {
            let outer = entry.span();
            let e = entry.into_inner();
            let span = e.material_span.clone().unwrap_or(outer);
            let code = e.material.trim().to_owned();
            if materials.iter().all(|m| m.code != code) {
                let mut known: Vec<&str> = Vec::new();
                for m in materials {
                    if !known.contains(&m.code.as_str()) {
                        known.push(&m.code);
                    }
                }
                self.error(
                    span,
                    format!("未定义的材料“{code}”（已定义的材料：{}）", known.join("、")),
                );
            } else if requirements.iter().any(|r| r.material == code) {
                self.error(span, format!("材料“{code}”在此类别中重复列出"));
            }
            let conditions = self.conditions(e.when, schools);
            requirements.push(MaterialRequirement {
                material: code,
                conditions,
            });
        }
        requirements
    }
}
