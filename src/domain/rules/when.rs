//! Building [`Condition`]s from `when` tables, with place names normalised.

use std::ops::Range;

use toml::Spanned;

use super::load::Loader;
use super::raw::{RawWhen, StrList};
use super::{Condition, Place, SchoolList};
use crate::domain::region;

impl Loader<'_> {
    /// A city, e.g. `武汉` → `湖北省` / `武汉市`.
    pub(super) fn place(&mut self, value: &str, span: Range<usize>) -> Option<Place> {
        let region = region::normalise(value.trim());
        match region.city {
            Some(city) => Some(Place {
                province: region.province,
                city,
            }),
            None => {
                self.error(span, format!("“{value}”不是能识别的城市（例如“武汉市”）"));
                None
            }
        }
    }

    /// A province, e.g. `湖北` → `湖北省`. Municipalities are provinces too.
    pub(super) fn province(&mut self, value: &str, span: Range<usize>) -> Option<String> {
        let region = region::normalise(value.trim());
        match (region.province, region.city) {
            (Some(p), Some(c)) if p != c => {
                self.error(span, format!("“{value}”是城市（{p}{c}），这里应写省份"));
                None
            }
            (Some(p), _) => Some(p),
            (None, _) => {
                self.error(span, format!("“{value}”不是能识别的省份（例如“湖北省”）"));
                None
            }
        }
    }

    /// The non-empty, trimmed values of a list, or `None` after reporting.
    fn values(
        &mut self,
        list: &Spanned<StrList>,
        key: &str,
    ) -> Option<Vec<(String, Range<usize>)>> {
        let items = StrList::items(list);
        if items.is_empty() {
            self.error(list.span(), format!("{key} 的列表不能为空"));
            return None;
        }
        let mut ok = true;
        let mut values = Vec::new();
        for (value, span) in items {
            let value = value.trim().to_owned();
            if value.is_empty() {
                self.error(span.clone(), format!("{key} 中的值不能为空"));
                ok = false;
            }
            values.push((value, span));
        }
        ok.then_some(values)
    }

    fn places(&mut self, list: &Spanned<StrList>, key: &str) -> Option<Vec<Place>> {
        let values = self.values(list, key)?;
        let places: Vec<Option<Place>> = values
            .into_iter()
            .map(|(value, span)| self.place(&value, span))
            .collect();
        places.into_iter().collect()
    }

    /// Places of a school condition; each needs a school list, otherwise
    /// candidates without 学校所在地 could never be placed in that city.
    fn school_places(
        &mut self,
        list: &Spanned<StrList>,
        key: &str,
        schools: &[SchoolList],
    ) -> Option<Vec<Place>> {
        let places = self.places(list, key)?;
        for place in &places {
            if !schools.iter().any(|s| s.place.city == place.city) {
                self.error(
                    list.span(),
                    format!(
                        "[schools] 中没有“{}”的高校名单，名册未填写学校所在地的考生将无法判断学校是否在该市；请补充名单（如确实没有，可写空列表）",
                        place.city
                    ),
                );
                return None;
            }
        }
        Some(places)
    }

    /// The conditions of a `when` table, in a fixed order.
    pub(super) fn conditions(
        &mut self,
        when: Option<Spanned<RawWhen>>,
        schools: &[SchoolList],
    ) -> Vec<Condition> {
        let Some(when) = when else {
            return Vec::new();
        };
        let w = when.into_inner();
        let mut out = Vec::new();
        if let Some(student) = w.student {
            out.push(Condition::Student(student));
        }
        if let Some(list) = &w.hukou_province
            && let Some(values) = self.values(list, "hukou_province")
        {
            let provinces: Vec<Option<String>> = values
                .into_iter()
                .map(|(v, span)| self.province(&v, span))
                .collect();
            if let Some(p) = provinces.into_iter().collect() {
                out.push(Condition::HukouProvince(p));
            }
        }
        if let Some(list) = &w.hukou_city {
            out.extend(self.places(list, "hukou_city").map(Condition::HukouCity));
        }
        if let Some(list) = &w.hukou_city_not {
            out.extend(
                self.places(list, "hukou_city_not")
                    .map(Condition::HukouCityNot),
            );
        }
        if let Some(list) = &w.school_city {
            let places = self.school_places(list, "school_city", schools);
            out.extend(places.map(Condition::SchoolCity));
        }
        if let Some(list) = &w.school_city_not {
            let places = self.school_places(list, "school_city_not", schools);
            out.extend(places.map(Condition::SchoolCityNot));
        }
        if let Some(list) = &w.subject_contains
            && let Some(values) = self.values(list, "subject_contains")
        {
            let words = values.into_iter().map(|(v, _)| v).collect();
            out.push(Condition::SubjectContains(words));
        }
        out
    }
}
