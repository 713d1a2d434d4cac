//! Matching school names against the configured school lists.

use super::{Place, SchoolList};

/// The form school names are compared in: trimmed, without any whitespace,
/// with full-width parentheses turned into ASCII ones, so that
/// `中国地质大学（武汉）` and ` 中国地质大学 (武汉)` compare equal.
pub(super) fn normalise_name(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            c => c,
        })
        .collect()
}

/// The city whose list contains `school`, and the name as listed.
pub(super) fn lookup<'a>(lists: &'a [SchoolList], school: &str) -> Option<(&'a Place, &'a str)> {
    let wanted = normalise_name(school);
    if wanted.is_empty() {
        return None;
    }
    lists.iter().find_map(|list| {
        list.names
            .iter()
            .find(|name| normalise_name(name) == wanted)
            .map(|name| (&list.place, name.as_str()))
    })
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
