//! Matching school names against the configured school lists.

use std::borrow::Cow;
use std::collections::HashMap;

use super::{Place, SchoolList};

/// The form school names are compared in: trimmed, without any whitespace,
/// with full-width parentheses turned into ASCII ones, so that
/// `中国地质大学（武汉）` and ` 中国地质大学 (武汉)` compare equal. Borrows
/// when the name is already in that form (the usual case).
pub(super) fn normalise_name(name: &str) -> Cow<'_, str> {
    if !name.contains(|c: char| c.is_whitespace() || c == '（' || c == '）') {
        return Cow::Borrowed(name);
    }
    let normal = name
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            c => c,
        })
        .collect();
    Cow::Owned(normal)
}

/// The school lists keyed by normalised name, built once with the
/// configuration so that a lookup does not scan or normalise the lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct SchoolIndex {
    /// Normalised name → (index of the list, index of the name in it).
    names: HashMap<String, (usize, usize)>,
}

impl SchoolIndex {
    pub(super) fn new(lists: &[SchoolList]) -> Self {
        let mut names = HashMap::new();
        for (l, list) in lists.iter().enumerate() {
            for (n, name) in list.names.iter().enumerate() {
                let normal = normalise_name(name);
                if !normal.is_empty() {
                    // The loader rejects duplicates; the first would win anyway.
                    names.entry(normal.into_owned()).or_insert((l, n));
                }
            }
        }
        SchoolIndex { names }
    }

    /// The city whose list (one of `lists`, which the index was built
    /// from) contains `school`, and the name as listed.
    pub(super) fn lookup<'a>(
        &self,
        lists: &'a [SchoolList],
        school: &str,
    ) -> Option<(&'a Place, &'a str)> {
        let &(l, n) = self.names.get(normalise_name(school).as_ref())?;
        let list = lists.get(l)?;
        Some((&list.place, list.names.get(n)?.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_compare_ignoring_spaces_and_parenthesis_width() {
        assert_eq!(
            normalise_name(" 中国地质大学 (武汉) "),
            "中国地质大学(武汉)"
        );
        assert_eq!(normalise_name("中国地质大学（武汉）"), "中国地质大学(武汉)");
        assert_eq!(normalise_name("武汉\u{3000}大学"), "武汉大学");
    }
}
