//! The queue's filters: the query string or form as typed, the filter for the review
//! service, and the way back to the same list (links, or for a personal search, forms).

use serde::Deserialize;
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use super::views::{FilterView, PageLink};
use crate::db::review::QueueFilter;
use crate::domain::search::{MAX_SEARCH_CHARS, SearchRefusal, person_search, search_field};
use crate::domain::status::Status;

/// The queue's filters, as typed: the query string of `GET /review` (without `q`) or the
/// form of `POST /review` (with `csrf` and `q`). Status, dates and page are read leniently;
/// the text fields are refused when too long or holding a control character.
#[derive(Deserialize, Default)]
pub struct QueueForm {
    #[serde(default)]
    pub csrf: String,
    pub status: Option<String>,
    pub category: Option<String>,
    pub school: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub q: Option<String>,
    pub page: Option<String>,
}

impl QueueForm {
    /// A personal search was typed (it must not come in a URL).
    pub fn has_search(&self) -> bool {
        self.q.as_deref().is_some_and(|q| !q.trim().is_empty())
    }
}

/// What the queue page makes of the filters.
pub struct ReadFilter {
    pub filter: QueueFilter,
    /// What to show in the form again.
    pub view: FilterView,
    /// The first text field refused: the page lists nothing and says why.
    pub refused: Option<SearchRefusal>,
}

/// The filter for the review service, and what to show in the form again.
pub fn read_filter(form: &QueueForm) -> ReadFilter {
    let mut refused = None;
    let mut text = |name: &'static str, value: &Option<String>| {
        search_field(name, value.as_deref(), MAX_SEARCH_CHARS).unwrap_or_else(|refusal| {
            refused.get_or_insert(refusal);
            None
        })
    };
    let category = text("类别", &form.category);
    let school = text("学校", &form.school);
    let q = text("姓名 / 身份证号 / 报名号", &form.q).map(person_search);
    let lenient = |value: &Option<String>, max: usize| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty() && v.chars().count() <= max)
            .filter(|v| !v.chars().any(char::is_control))
            .map(str::to_string)
    };
    let status = lenient(&form.status, 16)
        .and_then(|s| Status::parse(&s))
        .map(|s| s.as_str().to_string());
    let from_text = lenient(&form.from, 10);
    let to_text = lenient(&form.to, 10);
    let from = from_text.as_deref().map(beijing_day);
    let to = to_text.as_deref().map(beijing_day);
    let bad_date = matches!(from, Some(None)) || matches!(to, Some(None));
    let page = lenient(&form.page, 9)
        .and_then(|p| p.parse::<u32>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let filter = QueueFilter {
        status: status.clone(),
        category: category.clone(),
        school: school.clone(),
        submitted_from: from.flatten(),
        submitted_before: to.flatten().map(|day| day + time::Duration::days(1)),
        q: q.clone(),
        page: page - 1,
        ..QueueFilter::default()
    };
    let error = match (&refused, bad_date) {
        (Some(refusal), _) => Some(refusal.to_string()),
        (None, true) => Some("日期格式不正确，已忽略该日期条件。".to_string()),
        (None, false) => None,
    };
    let view = FilterView {
        status: status.unwrap_or_default(),
        category: category.unwrap_or_default(),
        school: school.unwrap_or_default(),
        from: from_text.unwrap_or_default(),
        to: to_text.unwrap_or_default(),
        q: q.unwrap_or_default(),
        error,
    };
    ReadFilter {
        filter,
        view,
        refused,
    }
}

/// The start of a Beijing day (`2023-10-27`) as a moment; `None`: not a date.
fn beijing_day(text: &str) -> Option<OffsetDateTime> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let day = Date::parse(text, &format).ok()?;
    let offset = UtcOffset::from_hms(8, 0, 0).ok()?;
    Some(PrimitiveDateTime::new(day, Time::MIDNIGHT).assume_offset(offset))
}

impl FilterView {
    pub fn filtered(&self) -> bool {
        [&self.category, &self.school, &self.from, &self.to, &self.q]
            .iter()
            .any(|v| !v.is_empty())
    }

    /// The queue URL with these filters (never the personal search), another status and a
    /// page. A personal search pages and switches tabs with forms instead (the template's
    /// `repost-*` forms).
    pub fn href(&self, status: &str, page: u32) -> String {
        let mut pairs: Vec<(&str, String)> = vec![
            ("status", status.to_string()),
            ("category", self.category.clone()),
            ("school", self.school.clone()),
            ("from", self.from.clone()),
            ("to", self.to.clone()),
        ];
        if page > 1 {
            pairs.push(("page", page.to_string()));
        }
        let query: Vec<String> = pairs
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", encode(&v)))
            .collect();
        if query.is_empty() {
            "/review".to_string()
        } else {
            format!("/review?{}", query.join("&"))
        }
    }
}

/// A query value, percent-encoded (`form_urlencoded`: spaces as `+`).
fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// The first, the last, and the pages around the current one.
pub fn page_links(view: &FilterView, current: u32, last: u32) -> Vec<PageLink> {
    let near = current.saturating_sub(2).max(1)..=current.saturating_add(2).min(last);
    let mut numbers: Vec<u32> = vec![1];
    numbers.extend(near);
    numbers.push(last);
    numbers.sort_unstable();
    numbers.dedup();
    if numbers.len() == 1 {
        return Vec::new();
    }
    let mut previous = 0;
    numbers
        .into_iter()
        .map(|number| {
            let link = PageLink {
                number,
                href: view.href(&view.status, number),
                current: number == current,
                gap_before: number > previous + 1,
            };
            previous = number;
            link
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_too_long_school_lists_nothing_instead_of_everything() {
        let read = read_filter(&QueueForm {
            school: Some("学".repeat(101)),
            ..QueueForm::default()
        });
        assert!(read.refused.is_some());
        assert!(read.view.error.unwrap().contains("最多 100 个字"));
    }

    #[test]
    fn links_never_carry_the_personal_search() {
        let read = read_filter(&QueueForm {
            q: Some("42050220020315021x".to_string()),
            school: Some("武汉大学".to_string()),
            ..QueueForm::default()
        });
        assert_eq!(read.filter.q.as_deref(), Some("42050220020315021X"));
        assert!(!read.view.href("", 2).contains("q="));
    }

    #[test]
    fn a_beijing_day_starts_at_16_utc_the_day_before() {
        let start = beijing_day("2023-10-27").unwrap();
        assert_eq!(start, time::macros::datetime!(2023-10-26 16:00 UTC));
        assert_eq!(beijing_day("27/10/2023"), None);
    }

    #[test]
    fn page_links_keep_the_filters() {
        let view = read_filter(&QueueForm {
            school: Some("武汉大学".to_string()),
            ..QueueForm::default()
        })
        .view;
        let links = page_links(&view, 5, 20);
        let numbers: Vec<u32> = links.iter().map(|l| l.number).collect();
        assert_eq!(numbers, [1, 3, 4, 5, 6, 7, 20]);
        assert!(links[1].gap_before && links[6].gap_before && !links[2].gap_before);
        assert!(
            links[0].href.contains("school=%E6%AD%A6"),
            "{}",
            links[0].href
        );
    }
}
