//! 18-digit PRC resident ID numbers (GB 11643-1999).
//!
//! An [`IdNumber`] can only be built by [`IdNumber::parse`] or [`IdNumber::from_parts`], so
//! holding one means the length, characters, birth date and check digit have been verified.
//! The region code (positions 1–6) is only required to be digits: codes change over time and
//! old numbers keep their old codes.

use std::fmt;
use std::str::FromStr;

/// Weights of positions 1–17 in the ISO 7064 MOD 11-2 check.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character for each remainder of the weighted sum mod 11.
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

const LENGTH: usize = 18;
const MIN_BIRTH_YEAR: u16 = 1900;
const MAX_BIRTH_YEAR: u16 = 2100;

/// Why a text is not a valid ID number. Messages are shown to candidates and admins as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    #[error("身份证号未填写，请填写18位身份证号")]
    Empty,
    /// `position` is 1-based, counted after spaces are removed.
    #[error(
        "身份证号第{position}位“{found}”不符合要求，身份证号由数字组成，仅最后一位可以是X，请核对"
    )]
    InvalidCharacter { position: usize, found: char },
    #[error("身份证号应为18位，当前为{actual}位，请核对")]
    Length { actual: usize },
    /// `digits` are positions 7–14 as written.
    #[error("身份证号第7至14位的出生日期“{digits}”不是有效日期，请核对")]
    BirthDate { digits: String },
    // Deliberately does not reveal the expected character: that would let anyone complete
    // a made-up number instead of checking the real one.
    #[error("身份证号校验位错误，最后一位与前17位不匹配，请核对")]
    CheckDigit,
}

/// A valid 18-digit resident ID number in canonical form: 17 ASCII digits followed by an
/// ASCII digit or upper-case `X`.
///
/// `Debug` prints the [masked](IdNumber::masked) form so that `{:?}` in logs and traces does
/// not leak the full number; `Display` and [`as_str`](IdNumber::as_str) give the full number.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdNumber(String);

impl IdNumber {
    /// Parses what a person or a spreadsheet wrote. Before checking it accepts full-width
    /// digits and `Ｘ`/`ｘ`, lower-case `x`, and drops whitespace of any kind (including the
    /// full-width space U+3000) and the invisible characters U+200B and U+FEFF that copy and
    /// paste leaves behind.
    pub fn parse(input: &str) -> Result<IdNumber, IdNumberError> {
        let cleaned: Vec<char> = input.chars().filter_map(clean_char).collect();
        if cleaned.is_empty() {
            return Err(IdNumberError::Empty);
        }
        // Characters first: "第7位“-”" tells the person more than "当前为20位" would.
        let last = cleaned.len() - 1;
        for (index, &c) in cleaned.iter().enumerate() {
            let allowed = c.is_ascii_digit() || (c == 'X' && index == last);
            if !allowed {
                return Err(IdNumberError::InvalidCharacter {
                    position: index + 1,
                    found: c,
                });
            }
        }
        if cleaned.len() != LENGTH {
            return Err(IdNumberError::Length {
                actual: cleaned.len(),
            });
        }
        let text: String = cleaned.into_iter().collect();
        if parse_birth_date(&text[6..14]).is_none() {
            return Err(IdNumberError::BirthDate {
                digits: text[6..14].to_owned(),
            });
        }
        if check_digit(&text[..17]) != text[17..].chars().next() {
            return Err(IdNumberError::CheckDigit);
        }
        Ok(IdNumber(text))
    }

    /// Builds a valid number from its parts, computing the check digit. Meant for demo and
    /// test data. `None` if `region6` is not six ASCII digits, `birth` is not a real date
    /// in 1900..=2100, or `seq3` is above 999.
    pub fn from_parts(region6: &str, birth: (u16, u8, u8), seq3: u16) -> Option<IdNumber> {
        let (year, month, day) = birth;
        let region_ok = region6.len() == 6 && region6.bytes().all(|b| b.is_ascii_digit());
        if !region_ok || seq3 > 999 || !is_valid_date(year, month, day) {
            return None;
        }
        let first17 = format!("{region6}{year:04}{month:02}{day:02}{seq3:03}");
        let check = check_digit(&first17)?;
        Some(IdNumber(format!("{first17}{check}")))
    }

    /// The canonical 18-character form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Date of birth from positions 7–14, as (year, month, day).
    pub fn birth_date(&self) -> (u16, u8, u8) {
        // Verified when the value was built, so the fallback is never taken.
        parse_birth_date(&self.0[6..14]).unwrap_or((0, 0, 0))
    }

    /// A rendering for logs and screens: the first 6 characters (region) and the last 4
    /// (sequence and check digit) stay, the 8 birth-date digits become `*`,
    /// e.g. `420102********0102`.
    pub fn masked(&self) -> String {
        mask(&self.0)
    }
}

/// Any stored ID text with the middle hidden: `420102********0102`. Text too short to be an
/// ID is hidden whole.
pub fn mask(text: &str) -> String {
    match (text.get(..6), text.get(14..)) {
        (Some(head), Some(tail)) if text.len() == 18 => format!("{head}********{tail}"),
        _ => "*".repeat(text.chars().count().min(18)),
    }
}

/// The check character for the first 17 digits of an ID number, or `None` if `first17` is
/// not exactly 17 ASCII digits.
pub fn check_digit(first17: &str) -> Option<char> {
    if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    Some(CHECK_CHARS[(sum % 11) as usize])
}

/// Maps one input character to its canonical form, or drops it.
fn clean_char(c: char) -> Option<char> {
    match c {
        c if c.is_whitespace() => None,
        '\u{200B}' | '\u{FEFF}' => None,
        '０'..='９' => char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')),
        'x' | 'Ｘ' | 'ｘ' => Some('X'),
        c => Some(c),
    }
}

/// Parses `YYYYMMDD` (ASCII digits) into a real calendar date in the accepted year range.
fn parse_birth_date(digits: &str) -> Option<(u16, u8, u8)> {
    if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: u16 = digits[0..4].parse().ok()?;
    let month: u8 = digits[4..6].parse().ok()?;
    let day: u8 = digits[6..8].parse().ok()?;
    is_valid_date(year, month, day).then_some((year, month, day))
}

fn is_valid_date(year: u16, month: u8, day: u8) -> bool {
    if !(MIN_BIRTH_YEAR..=MAX_BIRTH_YEAR).contains(&year) {
        return false;
    }
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days_in_month).contains(&day)
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("IdNumber").field(&self.masked()).finish()
    }
}

impl FromStr for IdNumber {
    type Err = IdNumberError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        IdNumber::parse(s)
    }
}

impl AsRef<str> for IdNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl serde::Serialize for IdNumber {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for IdNumber {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        IdNumber::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Check digits computed by hand with the GB 11643-1999 weights.
    const VALID: [&str; 6] = [
        "11010519491231002X", // the sample number from the standard
        "420102199001010102",
        "420105199003071231",
        "420102199001010110",
        "440304198506153216",
        "422802200402298886", // born on 29 February of a leap year
    ];

    #[test]
    fn accepts_known_valid_numbers() {
        for text in VALID {
            let id = IdNumber::parse(text).unwrap();
            assert_eq!(id.as_str(), text);
            assert_eq!(id.to_string(), text);
        }
    }

    #[test]
    fn check_digit_matches_known_numbers() {
        for text in VALID {
            assert_eq!(check_digit(&text[..17]), text.chars().last());
        }
    }

    #[test]
    fn check_digit_rejects_wrong_input() {
        assert_eq!(check_digit("4201021990010101"), None);
        assert_eq!(check_digit("420102199001010100"), None);
        assert_eq!(check_digit("4201021990010101X"), None);
        assert_eq!(check_digit("４２０１０２１９９００１０１０１０"), None);
    }

    #[test]
    fn normalises_lower_case_x() {
        let id = IdNumber::parse("11010519491231002x").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
    }

    #[test]
    fn normalises_full_width_digits_and_x() {
        let id = IdNumber::parse("１１０１０５１９４９１２３１００２Ｘ").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        let id = IdNumber::parse("１１０１０５１９４９１２３１００２ｘ").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
    }

    #[test]
    fn drops_spaces_anywhere() {
        let inputs = [
            " 420102199001010102 ",
            "420102 19900101 0102",
            "420102\u{3000}19900101\u{3000}0102",
            "\t420102199001010102\n",
            "4201021990010101\u{00A0}02",
            "\u{FEFF}420102199001010102\u{200B}",
        ];
        for input in inputs {
            assert_eq!(
                IdNumber::parse(input).unwrap().as_str(),
                "420102199001010102",
                "{input:?}"
            );
        }
    }

    #[test]
    fn rejects_empty_input() {
        assert_eq!(IdNumber::parse(""), Err(IdNumberError::Empty));
        assert_eq!(IdNumber::parse(" \u{3000}\t"), Err(IdNumberError::Empty));
    }

    #[test]
    fn rejects_wrong_length() {
        assert_eq!(
            IdNumber::parse("42010219900101010"),
            Err(IdNumberError::Length { actual: 17 })
        );
        assert_eq!(
            IdNumber::parse("4201021990010101020"),
            Err(IdNumberError::Length { actual: 19 })
        );
        // An old 15-digit number.
        assert_eq!(
            IdNumber::parse("420102900101010"),
            Err(IdNumberError::Length { actual: 15 })
        );
        // An X at the end does not make a short number valid.
        assert_eq!(
            IdNumber::parse("1101051949123102X"),
            Err(IdNumberError::Length { actual: 17 })
        );
    }

    #[test]
    fn rejects_non_digits() {
        assert_eq!(
            IdNumber::parse("420102-19900101-0102"),
            Err(IdNumberError::InvalidCharacter {
                position: 7,
                found: '-'
            })
        );
        assert_eq!(
            IdNumber::parse("4201021990O1010102"),
            Err(IdNumberError::InvalidCharacter {
                position: 11,
                found: 'O'
            })
        );
        // X is only allowed as the check character.
        assert_eq!(
            IdNumber::parse("4201021990010101X2"),
            Err(IdNumberError::InvalidCharacter {
                position: 17,
                found: 'X'
            })
        );
        assert_eq!(
            IdNumber::parse("42010219900101010Y"),
            Err(IdNumberError::InvalidCharacter {
                position: 18,
                found: 'Y'
            })
        );
        // Spreadsheet number formatting.
        assert_eq!(
            IdNumber::parse("4.20102199001010E+17"),
            Err(IdNumberError::InvalidCharacter {
                position: 2,
                found: '.'
            })
        );
    }

    #[test]
    fn rejects_impossible_birth_dates() {
        for (first17, digits) in [
            ("42010219901301010", "19901301"),
            ("42010219900132010", "19900132"),
            ("42010219900431010", "19900431"),
            ("42010219900100010", "19900100"),
            ("42010218991231010", "18991231"),
            ("42010221010101010", "21010101"),
        ] {
            let text = format!("{first17}{}", check_digit(first17).unwrap());
            assert_eq!(
                IdNumber::parse(&text),
                Err(IdNumberError::BirthDate {
                    digits: digits.to_owned()
                }),
                "{text}"
            );
        }
    }

    #[test]
    fn february_29_only_in_leap_years() {
        let with_date = |date: &str| {
            let first17 = format!("420102{date}010");
            IdNumber::parse(&format!("{first17}{}", check_digit(&first17).unwrap()))
        };
        assert!(with_date("20000229").is_ok()); // divisible by 400
        assert!(with_date("19960229").is_ok());
        assert!(with_date("20240229").is_ok());
        assert!(with_date("19000229").is_err()); // divisible by 100, not by 400
        assert!(with_date("19990229").is_err());
        assert!(with_date("20230229").is_err());
        assert!(with_date("20000230").is_err());
    }

    #[test]
    fn rejects_wrong_check_digit() {
        assert_eq!(
            IdNumber::parse("420102199001010103"),
            Err(IdNumberError::CheckDigit)
        );
        assert_eq!(
            IdNumber::parse("42010219900101010X"),
            Err(IdNumberError::CheckDigit)
        );
        assert_eq!(
            IdNumber::parse("110105194912310020"),
            Err(IdNumberError::CheckDigit)
        );
    }

    #[test]
    fn error_messages_do_not_reveal_the_expected_check_digit() {
        // The expected check character of this number is 2.
        let message = IdNumber::parse("420102199001010103")
            .unwrap_err()
            .to_string();
        assert_eq!(
            message,
            "身份证号校验位错误，最后一位与前17位不匹配，请核对"
        );
    }

    #[test]
    fn error_messages_say_what_to_do() {
        assert_eq!(
            IdNumberError::Length { actual: 17 }.to_string(),
            "身份证号应为18位，当前为17位，请核对"
        );
        let errors = [
            IdNumberError::Empty,
            IdNumberError::InvalidCharacter {
                position: 3,
                found: 'a',
            },
            IdNumberError::Length { actual: 5 },
            IdNumberError::BirthDate {
                digits: "19901301".to_owned(),
            },
            IdNumberError::CheckDigit,
        ];
        for error in errors {
            let message = error.to_string();
            assert!(message.starts_with("身份证号"), "{message}");
            assert!(message.contains("请"), "{message}");
        }
    }

    #[test]
    fn birth_date_comes_from_positions_7_to_14() {
        assert_eq!(
            IdNumber::parse("11010519491231002X").unwrap().birth_date(),
            (1949, 12, 31)
        );
        assert_eq!(
            IdNumber::parse("422802200402298886").unwrap().birth_date(),
            (2004, 2, 29)
        );
    }

    #[test]
    fn masked_keeps_region_and_last_four() {
        let id = IdNumber::parse("420102199001010102").unwrap();
        assert_eq!(id.masked(), "420102********0102");
        assert_eq!(format!("{id:?}"), "IdNumber(\"420102********0102\")");
    }

    #[test]
    fn from_parts_builds_valid_numbers() {
        let id = IdNumber::from_parts("420102", (1990, 1, 1), 10).unwrap();
        assert_eq!(id.as_str(), "420102199001010102");
        let id = IdNumber::from_parts("110105", (1949, 12, 31), 2).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        for seq in [0, 1, 500, 999] {
            let id = IdNumber::from_parts("422802", (2004, 2, 29), seq).unwrap();
            assert_eq!(IdNumber::parse(id.as_str()), Ok(id.clone()));
        }
    }

    #[test]
    fn from_parts_refuses_bad_parts() {
        assert_eq!(IdNumber::from_parts("4201", (1990, 1, 1), 1), None);
        assert_eq!(IdNumber::from_parts("42010a", (1990, 1, 1), 1), None);
        assert_eq!(IdNumber::from_parts("４２０１０２", (1990, 1, 1), 1), None);
        assert_eq!(IdNumber::from_parts("420102", (1990, 2, 30), 1), None);
        assert_eq!(IdNumber::from_parts("420102", (1899, 12, 31), 1), None);
        assert_eq!(IdNumber::from_parts("420102", (1990, 1, 1), 1000), None);
    }

    #[test]
    fn from_str_and_serde_round_trip() {
        let id: IdNumber = "11010519491231002x".parse().unwrap();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"11010519491231002X\"");
        let back: IdNumber = serde_json::from_str(&json).unwrap();
        assert_eq!(back, id);
        assert!(serde_json::from_str::<IdNumber>("\"420102199001010103\"").is_err());
    }
}
