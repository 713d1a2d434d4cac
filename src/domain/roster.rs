//! Roster columns and raw rows, as read from a spreadsheet before validation.

/// A roster column the importer understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Column {
    /// 报名号
    RegistrationNo,
    /// 身份证号
    IdNumber,
    /// 姓名
    Name,
    /// 电子邮箱
    Email,
    /// 学校
    School,
    /// 是否在校生
    IsStudent,
    /// 户口所在地
    Hukou,
    /// 报考学科
    Subject,
    /// 报考类别 (optional): the school level, in rosters that keep it apart from the subject
    SubjectLevel,
    /// 手机号 (optional)
    Phone,
    /// 学校所在地 (optional)
    SchoolLocation,
}

impl Column {
    pub const ALL: [Column; 11] = [
        Column::RegistrationNo,
        Column::IdNumber,
        Column::Name,
        Column::Email,
        Column::School,
        Column::IsStudent,
        Column::Hukou,
        Column::Subject,
        Column::SubjectLevel,
        Column::Phone,
        Column::SchoolLocation,
    ];

    /// The canonical Chinese header, as shown to admins.
    pub fn label(self) -> &'static str {
        match self {
            Column::RegistrationNo => "报名号",
            Column::IdNumber => "身份证号",
            Column::Name => "姓名",
            Column::Email => "电子邮箱",
            Column::School => "学校",
            Column::IsStudent => "是否在校生",
            Column::Hukou => "户口所在地",
            Column::Subject => "报考学科",
            Column::SubjectLevel => "报考类别",
            Column::Phone => "手机号",
            Column::SchoolLocation => "学校所在地",
        }
    }

    pub fn is_required(self) -> bool {
        !matches!(
            self,
            Column::Phone | Column::SchoolLocation | Column::SubjectLevel
        )
    }
}

/// One cell as the file holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    /// A numeric spreadsheet cell. An ID number stored this way has already lost digits.
    Number(f64),
}

/// One data row of a roster, with its row number as the admin sees it in the spreadsheet
/// (the header is row 1, the first data row is row 2).
#[derive(Debug, Clone, PartialEq)]
pub struct RawRow {
    pub row: u64,
    pub cells: Vec<(Column, Cell)>,
}

impl RawRow {
    pub fn get(&self, column: Column) -> &Cell {
        self.cells
            .iter()
            .find(|(c, _)| *c == column)
            .map(|(_, cell)| cell)
            .unwrap_or(&Cell::Empty)
    }
}

impl Column {
    /// The header names accepted for this column, as an admin would write them.
    /// The first one is [`Column::label`].
    pub fn synonyms(self) -> &'static [&'static str] {
        match self {
            Column::RegistrationNo => &["报名号", "报名序号", "考生报名号", "报名编号"],
            Column::IdNumber => &[
                "身份证号",
                "身份证号码",
                "证件号码",
                "证件号",
                "公民身份号码",
                "身份证",
                "身份证件号码",
            ],
            Column::Name => &["姓名", "考生姓名"],
            Column::Email => &[
                "电子邮箱",
                "邮箱",
                "电子邮件",
                "Email",
                "E-mail",
                "电子信箱",
                "邮箱地址",
            ],
            Column::School => &[
                "学校",
                "毕业学校",
                "毕业院校",
                "就读学校",
                "所在学校",
                "学校名称",
                "就读院校",
                "院校名称",
            ],
            Column::IsStudent => &[
                "是否在校生",
                "在校生",
                "是否在读",
                "是否在校",
                "是否为在校生",
            ],
            Column::Hukou => &["户口所在地", "户籍所在地", "户籍", "户口", "户籍地"],
            Column::Subject => &[
                "报考学科",
                "报考科目",
                "面试学科",
                "学科",
                "报考类别及学科",
                "报考类别和学科",
            ],
            Column::SubjectLevel => &["报考类别", "报考学段", "学段", "任教学段"],
            Column::Phone => &["手机号", "手机号码", "手机", "联系电话", "移动电话"],
            Column::SchoolLocation => &["学校所在地", "学校地址", "院校所在地", "学校所在地区"],
        }
    }

    /// The column a roster header names, if any.
    ///
    /// Tolerates what real exports and hand-made templates contain: spaces anywhere
    /// (`姓　名`), full-width Latin letters and punctuation, required-field markers
    /// (`*姓名`, `身份证号＊`), notes in parentheses or brackets (`身份证号（18位）`),
    /// a trailing colon, and any letter case (`EMAIL`).
    pub fn from_header(header: &str) -> Option<Column> {
        fn normalize(s: &str) -> String {
            let mut out = String::with_capacity(s.len());
            // Depth of (), [] and 【】 notes being skipped; an unclosed note runs to the end.
            let mut depth = 0usize;
            for c in s.chars() {
                // Full-width ASCII forms (U+FF01..U+FF5E) and the ideographic space.
                let c = match c {
                    '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                    '\u{3000}' => ' ',
                    _ => c,
                };
                match c {
                    '(' | '[' | '【' | '〔' => depth += 1,
                    ')' | ']' | '】' | '〕' => depth = depth.saturating_sub(1),
                    _ if depth > 0 => {}
                    '\u{FEFF}' | '\u{200B}' | '\u{200C}' | '\u{200D}' => {}
                    c if c.is_whitespace() => {}
                    c => out.extend(c.to_lowercase()),
                }
            }
            out.trim_matches(|c| matches!(c, '*' | ':' | '※'))
                .to_string()
        }

        let wanted = normalize(header);
        if wanted.is_empty() {
            return None;
        }
        Column::ALL
            .into_iter()
            .find(|column| column.synonyms().iter().any(|s| normalize(s) == wanted))
    }
}

#[cfg(test)]
mod from_header_tests {
    use super::Column;

    #[test]
    fn every_synonym_maps_to_its_column() {
        for column in Column::ALL {
            assert_eq!(column.synonyms()[0], column.label());
            for synonym in column.synonyms() {
                assert_eq!(Column::from_header(synonym), Some(column), "{synonym}");
            }
        }
    }

    #[test]
    fn synonyms_are_unambiguous() {
        for a in Column::ALL {
            for b in Column::ALL {
                if a != b {
                    for s in a.synonyms() {
                        assert!(!b.synonyms().contains(s), "{s} is in {a:?} and {b:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn tolerates_spaces_markers_notes_and_case() {
        let cases = [
            ("  姓名 ", Column::Name),
            ("\u{3000}姓\u{3000}名\u{3000}", Column::Name),
            ("考生姓名*", Column::Name),
            ("*姓名", Column::Name),
            ("身份证号＊", Column::IdNumber),
            ("身份证号（18位）", Column::IdNumber),
            ("身份证号(18位)*", Column::IdNumber),
            ("身份证号码\n（必填）", Column::IdNumber),
            ("证件号码【身份证】", Column::IdNumber),
            ("\u{FEFF}报名号", Column::RegistrationNo),
            ("EMAIL", Column::Email),
            ("e-mail", Column::Email),
            ("Ｅ－ｍａｉｌ", Column::Email),
            ("报考类别及学科（如：初级中学/日语）", Column::Subject),
            ("户籍所在地：", Column::Hukou),
            ("是否在读", Column::IsStudent),
            ("手机号码", Column::Phone),
            ("院校所在地", Column::SchoolLocation),
            ("毕业院校", Column::School),
        ];
        for (header, column) in cases {
            assert_eq!(Column::from_header(header), Some(column), "{header:?}");
        }
    }

    #[test]
    fn unknown_or_empty_headers_are_none() {
        for header in [
            "",
            "  ",
            "*",
            "（备注）",
            "序号",
            "性别",
            "身份证号码2",
            "学校所在省",
        ] {
            assert_eq!(Column::from_header(header), None, "{header:?}");
        }
    }
}
