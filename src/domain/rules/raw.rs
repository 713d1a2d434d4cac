//! The configuration file as written, with byte spans for error messages.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    pub exam: Spanned<RawExam>,
    pub materials: Spanned<Vec<Spanned<RawMaterial>>>,
    pub categories: Spanned<Vec<Spanned<RawCategory>>>,
    #[serde(default)]
    pub schools: BTreeMap<Spanned<String>, Vec<Spanned<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawExam {
    pub code: Spanned<String>,
    pub name: Spanned<String>,
    pub city: Spanned<String>,
    pub province: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMaterial {
    pub code: Spanned<String>,
    pub name: Spanned<String>,
    #[serde(default)]
    pub description: String,
    pub example: Option<Spanned<String>>,
    pub max_images: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCategory {
    pub code: Spanned<String>,
    pub name: Spanned<String>,
    pub when: Option<Spanned<RawWhen>>,
    pub materials: Spanned<Vec<Spanned<RawMaterialEntry>>>,
}

/// A `when` table. Each list may also be written as a single string.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWhen {
    pub student: Option<bool>,
    pub hukou_province: Option<Spanned<StrList>>,
    pub hukou_city: Option<Spanned<StrList>>,
    pub hukou_city_not: Option<Spanned<StrList>>,
    pub school_city: Option<Spanned<StrList>>,
    pub school_city_not: Option<Spanned<StrList>>,
    pub subject_contains: Option<Spanned<StrList>>,
}

impl RawWhen {
    /// No condition at all: every candidate matches.
    pub fn is_empty(&self) -> bool {
        self.student.is_none()
            && self.hukou_province.is_none()
            && self.hukou_city.is_none()
            && self.hukou_city_not.is_none()
            && self.school_city.is_none()
            && self.school_city_not.is_none()
            && self.subject_contains.is_none()
    }
}

/// `"武汉"` or `["武汉", "黄石"]`.
#[derive(Debug)]
pub(super) enum StrList {
    One(String),
    Many(Vec<Spanned<String>>),
}

impl StrList {
    /// The values with their spans; a single string gets the outer span.
    pub fn items(list: &Spanned<StrList>) -> Vec<(String, Range<usize>)> {
        match list.get_ref() {
            StrList::One(s) => vec![(s.clone(), list.span())],
            StrList::Many(v) => v.iter().map(|s| (s.get_ref().clone(), s.span())).collect(),
        }
    }
}

impl<'de> Deserialize<'de> for StrList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StrList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or list of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<StrList, E> {
                Ok(StrList::One(v.to_owned()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StrList, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(StrList::Many(items))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// An entry of a category's `materials`: `"id_card"` or
/// `{ material = "qualification", when = { .. } }`.
#[derive(Debug)]
pub(super) struct RawMaterialEntry {
    pub material: String,
    /// Span of the code in the table form; the string form uses the span
    /// of the whole entry.
    pub material_span: Option<Range<usize>>,
    pub when: Option<Spanned<RawWhen>>,
}

const ENTRY_FIELDS: &[&str] = &["material", "when"];

impl<'de> Deserialize<'de> for RawMaterialEntry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawMaterialEntry;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a material code or { material = .., when = .. }")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawMaterialEntry, E> {
                Ok(RawMaterialEntry {
                    material: v.to_owned(),
                    material_span: None,
                    when: None,
                })
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<RawMaterialEntry, A::Error> {
                let mut material: Option<Spanned<String>> = None;
                let mut when = None;
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "material" => material = Some(map.next_value()?),
                        "when" => when = Some(map.next_value()?),
                        other => return Err(de::Error::unknown_field(other, ENTRY_FIELDS)),
                    }
                }
                let material = material.ok_or_else(|| de::Error::missing_field("material"))?;
                Ok(RawMaterialEntry {
                    material_span: Some(material.span()),
                    material: material.into_inner(),
                    when,
                })
            }
        }
        deserializer.deserialize_any(V)
    }
}
