//! XLSX roster tests: workbooks written with rust_xlsxwriter, read back.

use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook, Worksheet};

use super::tests_csv::{read_all, text};
use super::*;
use crate::domain::roster::{Cell, Column};

fn write_row(sheet: &mut Worksheet, row: u32, values: &[&str]) {
    for (col, value) in values.iter().enumerate() {
        sheet.write_string(row, col as u16, *value).unwrap();
    }
}

/// Shuffled synonym headers, an unknown column, a title row, an empty row, an ID as a
/// number and one as text, a date, a boolean and a formula error.
fn roster_workbook() -> Workbook {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet
        .write_string(0, 0, "2025年下半年面试考生名单")
        .unwrap();
    #[rustfmt::skip]
    let header = ["考生姓名", "证件号码（18位）", "备注", "报考类别及学科", "考生报名号", "E-mail",
                  "毕业院校", "是否在读", "户籍所在地", "手机号码", "出生日期"];
    write_row(sheet, 1, &header);
    #[rustfmt::skip]
    write_row(sheet, 2, &["张三", "11010119900307777X", "", "初级中学/日语", "2025001", "zs@x.cn",
                          "北京师范大学", "是", "北京市海淀区", "", ""]);
    sheet.write_number(2, 9, 13800138000.0).unwrap();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let born = ExcelDateTime::from_ymd(1990, 3, 7).unwrap();
    sheet
        .write_datetime_with_format(2, 10, &born, &date)
        .unwrap();
    // Row 4 (index 3) stays empty.
    #[rustfmt::skip]
    write_row(sheet, 4, &["  李四 ", "", "备注文字", "小学/语文", "2025002", "ls@x.cn",
                          "华东师范大学", "", "上海市", "", ""]);
    sheet.write_number(4, 1, 110101199003071234.0).unwrap();
    sheet.write_boolean(4, 7, false).unwrap();
    // An error in an ignored column does not matter; in a read column it fails the row.
    sheet
        .write_formula(4, 2, Formula::new("=1/0").set_result("#DIV/0!"))
        .unwrap();
    write_row(
        sheet,
        5,
        &["王五", "110101199003075678", "", "高中/数学", "2025003"],
    );
    sheet
        .write_formula(5, 5, Formula::new("=NA()").set_result("#N/A"))
        .unwrap();
    write_row(sheet, 6, &["", "", "只有备注"]);
    write_row(
        sheet,
        7,
        &["赵六", "110101199003079999", "", "高中/物理", "2025004"],
    );
    workbook
}

#[test]
fn reads_shuffled_synonyms_numbers_and_errors() {
    let bytes = roster_workbook().save_to_buffer().unwrap();
    check_roster(from_bytes(bytes).unwrap());
}

#[test]
fn reads_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    // The extension does not matter; the content does.
    let path = dir.path().join("名单.csv");
    roster_workbook().save(&path).unwrap();
    check_roster(open(&path).unwrap());
}

fn check_roster(roster: Roster) {
    assert_eq!(roster.format, RosterFormat::Xlsx);
    assert_eq!(roster.header_row, 2);
    assert_eq!(roster.encoding, None);
    let columns: Vec<Column> = roster.columns.iter().map(|(c, _)| *c).collect();
    #[rustfmt::skip]
    assert_eq!(columns, [Column::Name, Column::IdNumber, Column::Subject, Column::RegistrationNo,
                         Column::Email, Column::School, Column::IsStudent, Column::Hukou,
                         Column::Phone]);
    assert_eq!(roster.columns[1].1, "证件号码（18位）");
    assert_eq!(roster.ignored_headers, ["备注", "出生日期"]);
    assert_eq!(roster.progress_unit, ProgressUnit::Rows);
    assert_eq!(roster.size_hint, Some(8));
    let progress = roster.progress();
    let rows = read_all(roster);
    assert_eq!(progress.position(), 8);
    assert_eq!(rows.len(), 4, "{rows:#?}");

    let first = rows[0].as_ref().unwrap();
    assert_eq!(first.row, 3);
    assert_eq!(*first.get(Column::IdNumber), text("11010119900307777X"));
    assert_eq!(*first.get(Column::Subject), text("初级中学/日语"));
    assert_eq!(*first.get(Column::Phone), Cell::Number(13800138000.0));
    assert_eq!(*first.get(Column::RegistrationNo), text("2025001"));

    let second = rows[1].as_ref().unwrap();
    assert_eq!(second.row, 5);
    assert_eq!(*second.get(Column::Name), text("李四"));
    assert_eq!(
        *second.get(Column::IdNumber),
        Cell::Number(110101199003071234.0)
    );
    assert_eq!(*second.get(Column::IsStudent), text("FALSE"));
    assert_eq!(*second.get(Column::Phone), Cell::Empty);

    let error = rows[2].as_ref().unwrap_err();
    assert_eq!(error.row, 6);
    assert!(
        error
            .message
            .starts_with("“E-mail”列的单元格 F6 是错误值 #N/A"),
        "{error}"
    );

    let last = rows[3].as_ref().unwrap();
    assert_eq!(last.row, 8);
    assert_eq!(*last.get(Column::Name), text("赵六"));
}

#[test]
fn dates_are_iso_text() {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    write_row(
        sheet,
        0,
        &[
            "报名号",
            "身份证号",
            "姓名",
            "邮箱",
            "学校",
            "在校生",
            "户籍",
            "学科",
        ],
    );
    let date = Format::new().set_num_format("yyyy/m/d");
    let when = ExcelDateTime::from_ymd(2025, 10, 13).unwrap();
    sheet
        .write_datetime_with_format(1, 0, &when, &date)
        .unwrap();
    let stamp = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    let at = ExcelDateTime::from_ymd(2025, 10, 13)
        .unwrap()
        .and_hms(12, 59, 2)
        .unwrap();
    sheet.write_datetime_with_format(1, 2, &at, &stamp).unwrap();
    let rows = read_all(from_bytes(workbook.save_to_buffer().unwrap()).unwrap());
    let row = rows[0].as_ref().unwrap();
    assert_eq!(*row.get(Column::RegistrationNo), text("2025-10-13"));
    assert_eq!(*row.get(Column::Name), text("2025-10-13T12:59:02"));
}

#[test]
fn reads_the_first_visible_sheet() {
    let mut workbook = Workbook::new();
    let hidden = workbook.add_worksheet();
    write_row(hidden, 0, &["下拉选项", "是", "否"]);
    let sheet = workbook.add_worksheet();
    sheet.set_name("考生名单").unwrap().set_active(true);
    let header = [
        "报名号",
        "身份证号",
        "姓名",
        "邮箱",
        "学校",
        "在校生",
        "户籍",
        "学科",
    ];
    write_row(sheet, 0, &header);
    write_row(sheet, 1, &["1", "110101199003071234", "甲"]);
    // The first sheet can only be hidden once another one is active.
    workbook.worksheet_from_index(0).unwrap().set_hidden(true);
    let roster = from_bytes(workbook.save_to_buffer().unwrap()).unwrap();
    assert_eq!(roster.columns.len(), 8);
    let rows = read_all(roster);
    assert_eq!(*rows[0].as_ref().unwrap().get(Column::Name), text("甲"));
}

#[test]
fn missing_and_duplicate_columns() {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    write_row(
        sheet,
        0,
        &["报名号", "身份证号", "姓名", "邮箱", "学校", "户籍", "学科"],
    );
    let err = from_bytes(workbook.save_to_buffer().unwrap()).unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(err, RosterError::MissingColumns { ref missing, .. }
        if missing == &[Column::IsStudent]),
        "{err:?}"
    );
    assert!(
        message.contains("“是否在校生”（可写作：是否在校生、在校生、是否在读"),
        "{message}"
    );

    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    #[rustfmt::skip]
    write_row(sheet, 0, &["报名号", "身份证号", "姓名", "邮箱", "学校", "在校生", "户籍", "学科",
                          "Email"]);
    let err = from_bytes(workbook.save_to_buffer().unwrap()).unwrap_err();
    assert!(
        err.to_string().contains("“邮箱”和“Email”都表示“电子邮箱”"),
        "{err}"
    );
}

#[test]
fn corrupt_or_empty_workbooks() {
    let mut bytes = b"PK\x03\x04".to_vec();
    bytes.extend_from_slice(&[0x55; 200]);
    let err = from_bytes(bytes).unwrap_err();
    assert!(matches!(err, RosterError::CorruptXlsx(_)), "{err:?}");
    assert!(err.to_string().starts_with("Excel 文件无法打开"), "{err}");

    let mut workbook = Workbook::new();
    workbook.add_worksheet();
    let err = from_bytes(workbook.save_to_buffer().unwrap()).unwrap_err();
    assert!(matches!(err, RosterError::NoHeader), "{err:?}");
}

#[test]
fn dropping_rows_early_stops_the_reader() {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    write_row(
        sheet,
        0,
        &[
            "报名号",
            "身份证号",
            "姓名",
            "邮箱",
            "学校",
            "在校生",
            "户籍",
            "学科",
        ],
    );
    for row in 1..5_000 {
        write_row(sheet, row, &["1", "110101199003071234", "甲", "a@x.cn"]);
    }
    let roster = from_bytes(workbook.save_to_buffer().unwrap()).unwrap();
    let mut rows = roster.rows();
    assert_eq!(rows.next().unwrap().unwrap().row, 2);
    assert!(rows.progress().position() < 5_000);
    drop(rows); // must not hang: the reader thread sees the closed channel
}
