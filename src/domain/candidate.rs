//! A roster row turned into a candidate record: every field checked once, here.

mod hidden;

use super::applicant::Applicant;
use super::id_number::IdNumber;
use super::roster::{Cell, Column, RawRow};

/// A candidate as the roster describes them, valid by construction.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateRecord {
    pub registration_no: String,
    pub id_number: IdNumber,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub school: String,
    pub school_location: Option<String>,
    pub is_student: bool,
    pub hukou_text: String,
    pub subject: String,
}

/// Why one field of a row was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub column: Column,
    pub message: String,
}

const MAX_TEXT_CHARS: usize = 100;

impl CandidateRecord {
    /// Checks every field of a row; returns all problems of the row at once, so the admin
    /// can fix a row in one pass.
    pub fn from_raw(row: &RawRow) -> Result<CandidateRecord, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut take = |column: Column, result: Result<String, String>| match result {
            Ok(value) => value,
            Err(message) => {
                errors.push(FieldError { column, message });
                String::new()
            }
        };
        let registration_no = take(
            Column::RegistrationNo,
            integer_or_text(row.get(Column::RegistrationNo)).and_then(required_text),
        );
        let id_text = take(Column::IdNumber, id_number_text(row.get(Column::IdNumber)));
        let name = take(
            Column::Name,
            text(row.get(Column::Name)).and_then(required_text),
        );
        let email = take(Column::Email, text(row.get(Column::Email)).and_then(email));
        let school = take(
            Column::School,
            text(row.get(Column::School)).and_then(required_text),
        );
        let is_student_text = take(Column::IsStudent, text(row.get(Column::IsStudent)));
        let hukou_text = take(
            Column::Hukou,
            text(row.get(Column::Hukou)).and_then(required_text),
        );
        let subject = take(
            Column::Subject,
            text(row.get(Column::Subject)).and_then(required_text),
        );
        let level = take(Column::SubjectLevel, text(row.get(Column::SubjectLevel)));
        let subject = with_level(&level, subject);
        let phone = take(
            Column::Phone,
            integer_or_text(row.get(Column::Phone)).and_then(phone),
        );
        let school_location = take(
            Column::SchoolLocation,
            text(row.get(Column::SchoolLocation)),
        );

        let id_number = match IdNumber::parse(&id_text) {
            Ok(id) => Some(id),
            Err(e) => {
                if !id_text.is_empty() || errors.iter().all(|e| e.column != Column::IdNumber) {
                    let message = if id_text.is_empty() {
                        "身份证号为空，请填写".to_string()
                    } else {
                        e.to_string()
                    };
                    errors.push(FieldError {
                        column: Column::IdNumber,
                        message,
                    });
                }
                None
            }
        };
        let is_student = match parse_yes_no(&is_student_text) {
            Some(value) => Some(value),
            None => {
                if errors.iter().all(|e| e.column != Column::IsStudent) {
                    errors.push(FieldError {
                        column: Column::IsStudent,
                        message: format!("“{is_student_text}”不是有效值，请填写“是”或“否”"),
                    });
                }
                None
            }
        };
        match (id_number, is_student) {
            (Some(id_number), Some(is_student)) if errors.is_empty() => Ok(CandidateRecord {
                registration_no,
                id_number,
                name,
                email,
                phone: Some(phone).filter(|p| !p.is_empty()),
                school,
                school_location: Some(school_location).filter(|s| !s.is_empty()),
                is_student,
                hukou_text,
                subject,
            }),
            _ => {
                errors.sort_by_key(|e| e.column);
                Err(errors)
            }
        }
    }

    /// The facts the category rules look at.
    pub fn applicant(&self) -> Applicant {
        Applicant::new(
            self.is_student,
            &self.hukou_text,
            &self.school,
            self.school_location.as_deref(),
            &self.subject,
        )
    }
}

fn text(cell: &Cell) -> Result<String, String> {
    match cell {
        Cell::Empty => Ok(String::new()),
        Cell::Text(s) => {
            let s = s.trim();
            if s.chars().count() > MAX_TEXT_CHARS {
                Err(format!("内容超过{MAX_TEXT_CHARS}个字，请核对"))
            } else if let Some(refusal) = hidden::refusal(s) {
                Err(refusal)
            } else {
                Ok(s.to_string())
            }
        }
        Cell::Number(n) => Ok(n.to_string()),
    }
}

/// Numeric cells are fine for numbers that fit exactly in a float (报名号, 手机号).
fn integer_or_text(cell: &Cell) -> Result<String, String> {
    match cell {
        Cell::Number(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => Ok(format!("{n:.0}")),
        Cell::Number(_) => Err("数字格式有误，请将该列设置为文本格式后重新导出".to_string()),
        other => text(other),
    }
}

fn required_text(value: String) -> Result<String, String> {
    if value.is_empty() {
        Err("为空，请填写".to_string())
    } else {
        Ok(value)
    }
}

/// An 18-digit ID typed into Excel as a number has already lost its last digits, so a
/// numeric cell (or its text form `4.20102E+17`) is refused rather than guessed at.
fn id_number_text(cell: &Cell) -> Result<String, String> {
    const AS_TEXT: &str =
        "身份证号被保存为数字，末几位已丢失；请在 Excel 中把该列设置为“文本”格式，重新填写后再导入";
    match cell {
        Cell::Number(_) => Err(AS_TEXT.to_string()),
        Cell::Text(s) if s.contains(['E', 'e']) && s.contains('+') => Err(AS_TEXT.to_string()),
        other => text(other),
    }
}

fn email(value: String) -> Result<String, String> {
    let valid = value.len() <= 254
        && !value.chars().any(char::is_whitespace)
        && value.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    match (value.is_empty(), valid) {
        (true, _) => Err("电子邮箱为空；它是考生的初始密码，请填写".to_string()),
        (false, true) => Ok(value),
        (false, false) => Err(format!("“{value}”不是有效的电子邮箱，请核对")),
    }
}

fn phone(value: String) -> Result<String, String> {
    let digits: String = value
        .trim_start_matches("+86")
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '\u{3000}'))
        .collect();
    let valid =
        digits.len() == 11 && digits.starts_with('1') && digits.chars().all(|c| c.is_ascii_digit());
    match (value.is_empty(), valid) {
        (true, _) => Ok(String::new()),
        (false, true) => Ok(digits),
        (false, false) => Err(format!("“{value}”不是有效的11位手机号，请核对或留空")),
    }
}

/// Joins a separate 报考类别 (`初级中学`) and 学科 (`日语`) as one subject, `初级中学/日语`, the
/// form rosters that keep them together use; a subject that already names its level stays.
fn with_level(level: &str, subject: String) -> String {
    if level.is_empty() || subject.is_empty() || subject.starts_with(level) {
        subject
    } else {
        format!("{level}/{subject}")
    }
}

/// Reads 是否在校生 in the spellings rosters use.
pub fn parse_yes_no(value: &str) -> Option<bool> {
    match value.trim().to_lowercase().as_str() {
        "是" | "在校" | "在校生" | "y" | "yes" | "true" | "1" => Some(true),
        "否" | "非在校生" | "不是" | "n" | "no" | "false" | "0" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[(Column, Cell)]) -> RawRow {
        RawRow {
            row: 2,
            cells: cells.to_vec(),
        }
    }

    fn t(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }

    fn good() -> Vec<(Column, Cell)> {
        vec![
            (Column::RegistrationNo, Cell::Number(2_310_001.0)),
            (Column::IdNumber, t(&valid_id())),
            (Column::Name, t(" 李华 ")),
            (Column::Email, t("lihua@example.com")),
            (Column::School, t("清华大学")),
            (Column::IsStudent, t("是")),
            (Column::Hukou, t("湖北武汉")),
            (Column::Subject, t("初级中学/日语")),
        ]
    }

    #[test]
    fn a_complete_row_becomes_a_record() {
        let record = CandidateRecord::from_raw(&row(&good())).expect("valid row");
        assert_eq!(record.registration_no, "2310001");
        assert_eq!(record.name, "李华");
        assert!(record.is_student);
        assert_eq!(record.phone, None);
        assert_eq!(record.applicant().hukou.city.as_deref(), Some("武汉市"));
    }

    #[test]
    fn every_problem_of_a_row_is_reported_at_once() {
        let mut cells = good();
        cells[1].1 = Cell::Number(4.201_021_990_010_1e17);
        cells[3].1 = Cell::Empty;
        cells[5].1 = t("大三");
        let errors = CandidateRecord::from_raw(&row(&cells)).unwrap_err();
        let columns: Vec<Column> = errors.iter().map(|e| e.column).collect();
        assert_eq!(
            columns,
            [Column::IdNumber, Column::Email, Column::IsStudent]
        );
        assert!(errors[0].message.contains("文本"), "{}", errors[0].message);
        assert!(errors[1].message.contains("初始密码"));
    }

    #[test]
    fn scientific_notation_id_text_is_refused_as_a_number() {
        let mut cells = good();
        cells[1].1 = t("4.20102E+17");
        let errors = CandidateRecord::from_raw(&row(&cells)).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert!(errors[0].message.contains("文本"));
    }

    #[test]
    fn phone_numbers_are_cleaned_or_refused() {
        assert_eq!(phone("+86 138-0000-0000".into()).unwrap(), "13800000000");
        assert!(phone("12345".into()).is_err());
        assert_eq!(phone(String::new()).unwrap(), "");
    }

    #[test]
    fn a_separate_level_column_joins_the_subject() {
        let mut cells = good();
        cells[7].1 = t("日语");
        cells.push((Column::SubjectLevel, t("初级中学")));
        let record = CandidateRecord::from_raw(&row(&cells)).expect("valid row");
        assert_eq!(record.subject, "初级中学/日语");

        cells[7].1 = t("初级中学/日语");
        let record = CandidateRecord::from_raw(&row(&cells)).expect("valid row");
        assert_eq!(record.subject, "初级中学/日语", "not doubled");
    }

    #[test]
    fn hidden_characters_inside_any_text_are_refused_with_their_code() {
        let cases = [
            (2, "李\n华", "换行（U+000A）"),
            (4, "清华\u{202E}学大", "方向控制符（U+202E）"),
            (6, "湖北\u{0}武汉", "控制字符（U+0000）"),
            (7, "小学/语文\u{202D}", "方向控制符（U+202D）"),
        ];
        for (index, value, says) in cases {
            let mut cells = good();
            cells[index].1 = t(value);
            let errors = CandidateRecord::from_raw(&row(&cells)).unwrap_err();
            assert_eq!(errors.len(), 1, "{value:?}: {errors:?}");
            assert_eq!(errors[0].column, cells[index].0, "{value:?}");
            assert!(
                errors[0].message.contains(says),
                "{value:?}: {}",
                errors[0].message
            );
        }
    }

    #[test]
    fn breaks_around_a_value_are_trimmed_and_ordinary_text_passes() {
        let mut cells = good();
        cells[2].1 = t("\r\n李华\n");
        cells[4].1 = t("Université de Montréal（蒙特利尔）·分校");
        let record = CandidateRecord::from_raw(&row(&cells)).expect("valid row");
        assert_eq!(record.name, "李华");
        assert!(record.school.starts_with("Université"));
    }

    #[test]
    fn yes_no_spellings() {
        assert_eq!(parse_yes_no(" 是 "), Some(true));
        assert_eq!(parse_yes_no("否"), Some(false));
        assert_eq!(parse_yes_no("N"), Some(false));
        assert_eq!(parse_yes_no("大三"), None);
    }

    fn valid_id() -> String {
        let first17 = "42010219900101010";
        let check = crate::domain::id_number::check_digit(first17).expect("17 digits");
        format!("{first17}{check}")
    }
}
