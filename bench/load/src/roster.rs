//! The synthetic candidates: candidate `i` has the same ID number, email and category on
//! the roster written here and in the load test, so the two never need to share a file.

use std::io::{self, BufWriter, Write};
use std::path::Path;

/// The roster header `shenhe import` reads.
const HEADER: &str = "报名号,身份证号,姓名,电子邮箱,学校,是否在校生,户口所在地,报考学科,手机号";

/// (学校, 是否在校生, 户口所在地, 报考学科): one row for each category that needs exactly
/// three photos (see config/exam.toml), taken in turn.
const KINDS: [(&str, &str, &str, &str); 4] = [
    // non_student_wuhan_hukou: id_card, hukou_book, diploma
    ("湖北师范大学", "否", "湖北省武汉市洪山区", "小学/语文"),
    // non_student_residence_permit: id_card, residence_permit, diploma
    ("华中师范大学", "否", "北京市海淀区", "初级中学/数学"),
    // student_outside_wuhan: id_card, hukou_book, student_status
    ("清华大学", "是", "湖北武汉", "小学/语文"),
    // hubei_japanese_russian: id_card, hukou_book, diploma_or_student_status
    ("武汉大学", "否", "湖北省宜昌市", "初级中学/日语"),
];

/// Candidate `i`'s 身份证号: a valid GB 11643 number, unique for i below 8,000,000.
pub fn id_number(i: usize) -> String {
    // Birth dates walk through 1980–2003; the sequence number makes each ID unique.
    let day = i % 8000;
    let (year, month, dom) = (1980 + day / 336, 1 + (day % 336) / 28, 1 + day % 28);
    let first17 = format!("420103{year:04}{month:02}{dom:02}{:03}", (i / 8000) % 1000);
    let check = check_digit(&first17);
    format!("{first17}{check}")
}

/// Candidate `i`'s email, which is also the initial password.
pub fn email(i: usize) -> String {
    format!("load{i}@example.com")
}

/// The password candidate `i` chooses on first sign-in (letters and digits, as required).
pub fn new_password(i: usize) -> String {
    format!("Load-test-{i}a")
}

/// The GB 11643 check digit of the first 17 digits.
fn check_digit(first17: &str) -> char {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    b"10X98765432"[(sum % 11) as usize] as char
}

/// Writes the roster of candidates 0..count as UTF-8 CSV.
pub fn write(count: usize, path: &Path) -> io::Result<()> {
    let mut out = BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "{HEADER}")?;
    for i in 0..count {
        let (school, student, hukou, subject) = KINDS[i % KINDS.len()];
        writeln!(
            out,
            "{},{},压测考生{i},{},{school},{student},{hukou},{subject},139{:08}",
            2_400_000_000_000u64 + i as u64,
            id_number(i),
            email(i),
            i % 100_000_000,
        )?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digit_matches_a_known_id() {
        // The demo's 李明.
        assert_eq!(check_digit("42050220020315021"), '5');
    }

    #[test]
    fn ids_are_unique_and_18_characters() {
        let ids: std::collections::HashSet<_> = (0..20_000).map(id_number).collect();
        assert_eq!(ids.len(), 20_000);
        assert!(ids.iter().all(|id| id.len() == 18));
    }
}
