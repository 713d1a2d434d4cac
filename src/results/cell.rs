//! What a CSV cell must look like so that a spreadsheet opened by a double click (Excel,
//! WPS, LibreOffice) shows the text and runs nothing.
//!
//! Two dangers, two rules:
//! - A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is taken for a
//!   formula (`=HYPERLINK(…)`, `+cmd|…`, `@SUM(…)` in a name or a reviewer's comment would
//!   run). Such a cell gets a leading `'` (OWASP's advice for CSV injection): every one of
//!   those programs then shows it as text, the `'` included, and the rest stays readable.
//! - A cell of digits is turned into a number: an 18-digit 身份证号 loses its last digits
//!   (4.2050220020315E+17) and a 报名号 its leading zeros. Those two columns are written as
//!   a formula that yields the text, `="420502200203150011"`, which Excel documents as a
//!   text formula and WPS and LibreOffice evaluate the same way: the cell shows every digit.
//!
//! XLSX needs neither: every cell there is written as a string.

use super::line::Line;

/// The columns written as text formulas: 报名号 and 身份证号 (see `line::HEADERS`).
const TEXT_FORMULA_COLUMNS: [usize; 2] = [0, 1];

/// Excel refuses a text constant longer than this inside a formula; a longer cell is
/// written as plain (neutralised) text instead, which no real 报名号 or ID number is.
const MAX_FORMULA_TEXT: usize = 255;

/// The first characters that make a spreadsheet read a cell as a formula (OWASP's list).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A row as its CSV cells.
pub fn for_csv(line: &Line) -> Line {
    std::array::from_fn(|column| {
        let cell = &line[column];
        if TEXT_FORMULA_COLUMNS.contains(&column) {
            text_formula(cell)
        } else {
            inert(cell)
        }
    })
}

/// `="…"` with the quotes inside doubled: the value is a string constant, so whatever it
/// holds is shown, never evaluated.
fn text_formula(cell: &str) -> String {
    if cell.is_empty() || cell.chars().count() > MAX_FORMULA_TEXT {
        return inert(cell);
    }
    format!("=\"{}\"", cell.replace('"', "\"\""))
}

/// The cell, with a leading `'` when it would start a formula.
fn inert(cell: &str) -> String {
    if cell.starts_with(FORMULA_STARTS) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(cells: [&str; 8]) -> Line {
        cells.map(str::to_string)
    }

    #[test]
    fn formula_starts_get_a_quote_and_keep_their_text() {
        let hostile = line([
            "",
            "",
            "=HYPERLINK(\"http://evil.example\",\"点此\")",
            "+cmd|' /C calc'!A0",
            "-1+2",
            "@SUM(1,2)",
            "\t=1+1",
            "\r=1+1",
        ]);
        let safe = for_csv(&hostile);
        for (cell, original) in safe.iter().zip(&hostile).skip(2) {
            assert_eq!(*cell, format!("'{original}"));
        }
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        let plain = line([
            "",
            "",
            "李明",
            "在校生",
            "退回修改",
            "身份证：图片模糊不清；请补充 -1 页",
            "reviewer",
            "2023-12-01 14:05",
        ]);
        assert_eq!(for_csv(&plain)[2..], plain[2..]);
    }

    #[test]
    fn id_and_registration_numbers_become_text_formulas() {
        let mut row = line(["0077000001", "42010219950101001X", "", "", "", "", "", ""]);
        let safe = for_csv(&row);
        assert_eq!(safe[0], "=\"0077000001\"");
        assert_eq!(safe[1], "=\"42010219950101001X\"");

        // Whatever a 报名号 holds stays inside the string constant.
        row[0] = "1\",HYPERLINK(\"x".to_string();
        assert_eq!(for_csv(&row)[0], "=\"1\"\",HYPERLINK(\"\"x\"");
        // Empty stays empty; too long for a formula is plain, neutralised text.
        row[0] = String::new();
        assert_eq!(for_csv(&row)[0], "");
        row[0] = format!("={}", "9".repeat(300));
        assert_eq!(for_csv(&row)[0], format!("'{}", row[0]));
    }
}
