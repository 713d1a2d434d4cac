//! What staff type into a search field: trimmed, bounded, free of control characters; and
//! whether a text holds something shaped like an ID number (which must not travel in a URL).

use std::fmt;

/// The longest value any search field takes (a school's full name is well under it). A
/// longer one is refused, never cut or dropped: a dropped filter would list everything.
pub const MAX_SEARCH_CHARS: usize = 100;

/// Why a search field is refused, in words that say what to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchRefusal {
    /// Over `max` characters.
    TooLong { field: &'static str, max: usize },
    /// A control character (NUL, a tab inside the text, …): no name, number or username
    /// holds one, and PostgreSQL cannot even compare text with a NUL in it.
    ControlCharacter { field: &'static str },
}

impl fmt::Display for SearchRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SearchRefusal::TooLong { field, max } => {
                write!(f, "“{field}”太长：最多 {max} 个字，请缩短后重试。")
            }
            SearchRefusal::ControlCharacter { field } => write!(
                f,
                "“{field}”中有不可见的控制字符，请删除后重新输入（可以直接重新输入整个条件）。"
            ),
        }
    }
}

impl std::error::Error for SearchRefusal {}

/// One search field as typed: `None` when absent or blank; the trimmed text when it is at
/// most `max` characters without a control character; else the refusal, naming `field`.
pub fn search_field(
    field: &'static str,
    raw: Option<&str>,
    max: usize,
) -> Result<Option<String>, SearchRefusal> {
    let Some(text) = raw.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().any(char::is_control) {
        return Err(SearchRefusal::ControlCharacter { field });
    }
    if text.chars().count() > max {
        return Err(SearchRefusal::TooLong { field, max });
    }
    Ok(Some(text.to_string()))
}

/// A search for a person as typed: an ID number's check letter is upper case in the roster.
pub fn person_search(text: String) -> String {
    if text.chars().count() == 18 {
        text.to_uppercase()
    } else {
        text
    }
}

/// Whether `text` holds 17 digits followed by a digit or `X` (either case), anywhere: the
/// shape of an 18-digit ID number, check digit or not.
pub fn holds_id_number(text: &[u8]) -> bool {
    let mut digits = 0usize;
    for &byte in text {
        if digits >= 17 && (byte.is_ascii_digit() || byte.eq_ignore_ascii_case(&b'x')) {
            return true;
        }
        digits = if byte.is_ascii_digit() { digits + 1 } else { 0 };
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_is_trimmed_and_blank_is_no_filter() {
        assert_eq!(
            search_field("学校", Some("  武汉大学 "), 100),
            Ok(Some("武汉大学".to_string()))
        );
        assert_eq!(search_field("学校", Some(" \t "), 100), Ok(None));
        assert_eq!(search_field("学校", None, 100), Ok(None));
    }

    #[test]
    fn a_long_field_is_refused_not_dropped() {
        let exactly = "学".repeat(100);
        assert!(search_field("学校", Some(&exactly), 100).unwrap().is_some());
        let refused = search_field("学校", Some(&"学".repeat(101)), 100).unwrap_err();
        assert_eq!(
            refused,
            SearchRefusal::TooLong {
                field: "学校",
                max: 100
            }
        );
        assert!(refused.to_string().contains("最多 100 个字"));
    }

    #[test]
    fn control_characters_are_refused() {
        for bad in ["张\u{0}三", "\u{0}", "a\tb", "x\u{7f}", "李\u{1b}[31m"] {
            let refused = search_field("姓名", Some(bad), 100).unwrap_err();
            assert_eq!(refused, SearchRefusal::ControlCharacter { field: "姓名" });
        }
    }

    #[test]
    fn an_id_number_is_searched_with_an_upper_case_check_letter() {
        assert_eq!(
            person_search("42050220020315021x".into()),
            "42050220020315021X"
        );
        assert_eq!(person_search("张三".into()), "张三");
    }

    #[test]
    fn id_shaped_text_is_found_anywhere() {
        for id in [
            "420502200203150215",
            "42050220020315021X",
            "42050220020315021x",
            "q420502200203150215z",
            "1234567890123456789",
        ] {
            assert!(holds_id_number(id.as_bytes()), "{id}");
        }
        for not in [
            "",
            "7700000012",
            "42050220020315021",
            "4205022002031502-15",
            "X20502200203150215",
            "2023-12-01",
        ] {
            assert!(!holds_id_number(not.as_bytes()), "{not}");
        }
    }
}
