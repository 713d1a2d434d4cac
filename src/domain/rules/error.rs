//! Configuration errors with 1-based line/column positions and Chinese messages.

use std::ops::Range;

/// An error in an exam configuration file, at a 1-based line and column
/// (the column counts characters, as an editor shows them).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("第{line}行第{column}列：{message}")]
pub struct ConfigError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl ConfigError {
    /// An error at byte offset `span.start` of `text`.
    pub(crate) fn at(text: &str, span: Range<usize>, message: impl Into<String>) -> Self {
        let (line, column) = position(text, span.start);
        ConfigError {
            line,
            column,
            message: message.into(),
        }
    }

    /// Converts a TOML syntax or deserialisation error.
    pub(crate) fn from_toml(text: &str, error: &toml::de::Error, syntax: bool) -> Self {
        let span = error.span().unwrap_or(0..0);
        let message = if syntax {
            syntax_message(error.message())
        } else {
            data_message(error.message())
        };
        Self::at(text, span, message)
    }
}

/// 1-based line and character column of byte `offset` in `text`.
pub(crate) fn position(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

const SYNTAX: &[(&str, &str)] = &[
    ("duplicate key", "同一个键重复出现"),
    ("invalid basic string", "字符串缺少结尾的英文双引号"),
    ("invalid multi-line basic string", "多行字符串没有正确结束"),
    ("missing opening quote", "缺少开头的英文双引号"),
    ("string values must be quoted", "文字必须用英文双引号括起来"),
    (
        "missing comma between array elements",
        "列表的各项之间缺少英文逗号",
    ),
    (
        "missing comma between key-value pairs",
        "各项之间缺少英文逗号",
    ),
    (
        "missing assignment between key-value pairs",
        "键后面缺少“=”",
    ),
    ("key with no value", "键后面缺少“=”和值"),
    ("missing value", "缺少值"),
    ("unclosed array table", "[[…]] 缺少结尾的“]]”"),
    ("unclosed table", "[…] 缺少结尾的“]”"),
    ("unclosed inline table", "{…} 缺少结尾的“}”"),
    ("unclosed array", "列表缺少结尾的“]”"),
    (
        "extra comma in inline table",
        "{…} 中最后一项后面不能有逗号",
    ),
    ("unquoted keys cannot be empty", "缺少键名"),
    (
        "invalid unquoted key",
        "键名含有不允许的字符，请用英文双引号括起来",
    ),
    ("unexpected content", "此处有多余的内容"),
    ("invalid value", "值的格式不正确"),
];

fn syntax_message(english: &str) -> String {
    let head = english.split(", expected").next().unwrap_or(english);
    match SYNTAX.iter().find(|(en, _)| *en == head) {
        Some((_, zh)) => format!("TOML 格式错误：{zh}（{english}）"),
        None => format!("TOML 格式错误（{english}）"),
    }
}

/// Translates serde/toml data errors (wrong field, wrong type) to Chinese.
/// Messages that are already Chinese pass through.
fn data_message(english: &str) -> String {
    if let Some(field) = between(english, "missing field `", "`") {
        return format!("缺少必填项“{field}”");
    }
    if let Some(rest) = english.strip_prefix("unknown field `") {
        let (field, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let allowed: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        return if allowed.is_empty() {
            format!("不认识的配置项“{field}”")
        } else {
            format!("不认识的配置项“{field}”，可用的有：{}", allowed.join("、"))
        };
    }
    if let Some(rest) = english.strip_prefix("invalid type: ")
        && let Some((found, expected)) = rest.split_once(", expected ")
    {
        let (expected, found) = (expected_zh(expected), found_zh(found));
        return format!("类型不对：应为{expected}，实际是{found}");
    }
    if english.starts_with("invalid length") {
        return format!("个数不对（{english}）");
    }
    if english.is_ascii() {
        format!("配置有误（{english}）")
    } else {
        english.to_owned()
    }
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = text.strip_prefix(start)?;
    rest.split_once(end).map(|(inside, _)| inside)
}

fn expected_zh(expected: &str) -> String {
    let zh = match expected {
        "a string" => "用英文双引号括起来的文字",
        "a sequence" => "列表，例如 [\"武汉市\"]",
        "a boolean" => "布尔值 true 或 false",
        "i64" | "u32" | "u64" | "usize" | "an integer" => "整数",
        "a map" => "表",
        e if e.starts_with("struct ") => "表（[…] 或 { … }）",
        e if e.contains("string or table") || e.contains("a material code") => {
            "材料代码，或 { material = \"…\", when = { … } }"
        }
        e if e.contains("string or list") => "文字或文字列表，例如 [\"武汉市\"]",
        e => return e.to_owned(),
    };
    zh.to_owned()
}

fn found_zh(found: &str) -> String {
    let (kind, value) = found.split_once(' ').unwrap_or((found, ""));
    let value = value.trim_matches('`');
    let kind = match kind {
        "string" => "文字",
        "integer" => "整数",
        "floating" => "小数",
        "boolean" => "布尔值",
        "sequence" => "列表",
        "map" => "表",
        other => other,
    };
    let value = value.strip_prefix("point `").unwrap_or(value);
    if value.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind} {value}")
    }
}
