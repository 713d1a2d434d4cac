//! Exported files read back: CSV cells as written and as a spreadsheet shows them, and
//! the cells of an XLSX workbook.

use std::io::Cursor;

use calamine::{Reader, Xlsx};

/// The cells of a CSV as they are written.
pub(crate) fn raw_csv(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// The cells of a CSV as a spreadsheet shows them: 报名号 and 身份证号 are written as text
/// formulas (`="…"`), which show the text inside.
pub(crate) fn read_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = raw_csv(text);
    for row in rows.iter_mut().skip(1) {
        for cell in &mut row[..2] {
            *cell = shown(cell);
        }
    }
    rows
}

fn shown(cell: &str) -> String {
    if cell.is_empty() {
        return String::new();
    }
    let text = cell
        .strip_prefix("=\"")
        .and_then(|c| c.strip_suffix('"'))
        .unwrap_or_else(|| panic!("{cell} is not a text formula"));
    text.replace("\"\"", "\"")
}

pub(crate) fn read_xlsx(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut workbook = Xlsx::new(Cursor::new(bytes.to_vec())).expect("an XLSX file");
    let range = workbook
        .worksheet_range("审核结果")
        .expect("the 审核结果 sheet");
    range
        .rows()
        .map(|row| row.iter().map(|cell| cell.to_string()).collect())
        .collect()
}
