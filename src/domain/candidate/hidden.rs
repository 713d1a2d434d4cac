//! Invisible characters refused inside roster text: line breaks, control characters and
//! bidirectional formatting characters.

/// Why `text` (already trimmed) is refused, naming its first hidden character; `None` when
/// it holds none.
pub(super) fn refusal(text: &str) -> Option<String> {
    text.chars().find(|&c| kind(c).is_some()).map(message)
}

/// Characters no roster field may hold inside its text (around it they are trimmed as
/// whitespace where they are whitespace). Line breaks and control characters break the
/// one-line fields they land in (pages, exports, the CSV an office opens again); the
/// direction marks, embeddings, overrides and isolates make a name or school display as
/// other text than it is (U+202E turns “张三abc” into “张三cba”), so a reviewer could
/// be shown a different name from the one stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hidden {
    LineBreak,
    Control,
    Direction,
}

fn kind(c: char) -> Option<Hidden> {
    match c {
        '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}' => {
            Some(Hidden::LineBreak)
        }
        '\u{061C}'
        | '\u{200E}'
        | '\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}' => Some(Hidden::Direction),
        c if c.is_control() => Some(Hidden::Control),
        _ => None,
    }
}

fn message(c: char) -> String {
    let code = format!("U+{:04X}", u32::from(c));
    match kind(c) {
        Some(Hidden::LineBreak) => format!("单元格内有换行（{code}），请把内容改成一行后重新导入"),
        Some(Hidden::Direction) => format!(
            "含有看不见的文字方向控制符（{code}），它会让内容显示成别的样子；\
             请删除后重新导入（可在记事本中重新输入这一格）"
        ),
        _ => format!(
            "含有看不见的控制字符（{code}），请删除后重新导入（可在记事本中重新输入这一格）"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::refusal;

    #[test]
    fn every_kind_is_named_with_its_code_point() {
        for (text, says) in [
            ("李\r\n华", "换行（U+000D）"),
            ("李\u{85}华", "换行（U+0085）"),
            ("李\u{2029}华", "换行（U+2029）"),
            ("清华\u{202A}大学", "方向控制符（U+202A）"),
            ("清华\u{2066}大学", "方向控制符（U+2066）"),
            ("清华\u{200E}大学", "方向控制符（U+200E）"),
            ("清华\u{061C}大学", "方向控制符（U+061C）"),
            ("李\u{1F}华", "控制字符（U+001F）"),
            ("李\u{7F}华", "控制字符（U+007F）"),
            ("李\u{80}华", "控制字符（U+0080）"),
        ] {
            let refused = refusal(text).unwrap_or_default();
            assert!(refused.contains(says), "{text:?}: {refused}");
        }
    }

    #[test]
    fn ordinary_text_passes() {
        for text in [
            "李华",
            "Université de Montréal",
            "欧阳·娜娜",
            "A&B 学校（分校）",
            "O'Brien",
        ] {
            assert_eq!(refusal(text), None, "{text:?}");
        }
    }
}
