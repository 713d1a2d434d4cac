//! CSV roster tests: real files in a temporary directory, or bytes as an upload sends them.

use super::*;
use crate::domain::roster::{Cell, Column, RawRow};

pub(super) const HEADER: &str = "报名号,身份证号,姓名,电子邮箱,学校,是否在校生,户口所在地,报考学科";

pub(super) fn text(s: &str) -> Cell {
    Cell::Text(s.to_string())
}

pub(super) fn read_all(roster: Roster) -> Vec<Result<RawRow, RowError>> {
    roster.rows().collect()
}

fn write_file(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

const BODY: &str = "\
报名号,身份证号,姓名,电子邮箱,学校,是否在校生,户口所在地,报考学科
2025001,11010119900307777X,张三,zs@example.com,北京师范大学,是,北京市海淀区,初级中学/日语
2025002,110101199003071234,李四,ls@example.com,\"华东师范大学, 中文系\",否,上海市,小学/语文
";

#[test]
fn utf8_without_bom_from_file() {
    let dir = tempfile::tempdir().unwrap();
    let roster = open(&write_file(&dir, "名单.csv", BODY.as_bytes())).unwrap();
    assert_eq!(roster.format, RosterFormat::Csv);
    assert_eq!(roster.encoding, Some("UTF-8"));
    assert_eq!(roster.header_row, 1);
    assert_eq!(roster.columns.len(), 8);
    assert_eq!(
        roster.columns[1],
        (Column::IdNumber, "身份证号".to_string())
    );
    assert!(roster.ignored_headers.is_empty());
    assert_eq!(roster.size_hint, Some(BODY.len() as u64));
    assert_eq!(roster.progress_unit, ProgressUnit::Bytes);
    let progress = roster.progress();
    let rows = read_all(roster);
    assert_eq!(progress.position(), BODY.len() as u64);
    assert_eq!(rows.len(), 2);
    let first = rows[0].as_ref().unwrap();
    assert_eq!(first.row, 2);
    assert_eq!(*first.get(Column::IdNumber), text("11010119900307777X"));
    assert_eq!(*first.get(Column::Subject), text("初级中学/日语"));
    assert_eq!(*first.get(Column::Phone), Cell::Empty);
    let second = rows[1].as_ref().unwrap();
    assert_eq!(second.row, 3);
    assert_eq!(*second.get(Column::School), text("华东师范大学, 中文系"));
}

#[test]
fn utf8_with_bom() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(BODY.as_bytes());
    let roster = from_bytes(bytes).unwrap();
    assert_eq!(roster.encoding, Some("UTF-8"));
    assert_eq!(
        roster.columns[0],
        (Column::RegistrationNo, "报名号".to_string())
    );
    let rows = read_all(roster);
    assert_eq!(
        *rows[0].as_ref().unwrap().get(Column::RegistrationNo),
        text("2025001")
    );
}

#[test]
fn gbk_from_file() {
    let crlf = BODY.replace('\n', "\r\n");
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&crlf);
    assert!(!unmappable);
    let dir = tempfile::tempdir().unwrap();
    let roster = open(&write_file(&dir, "名单.csv", &gbk)).unwrap();
    assert_eq!(roster.encoding, Some("GB18030"));
    let rows = read_all(roster);
    assert_eq!(rows.len(), 2);
    let first = rows[0].as_ref().unwrap();
    assert_eq!(first.row, 2);
    assert_eq!(*first.get(Column::Name), text("张三"));
    assert_eq!(*first.get(Column::Hukou), text("北京市海淀区"));
    assert_eq!(rows[1].as_ref().unwrap().row, 3);
}

#[test]
fn utf16_tab_separated_with_bom() {
    // What Excel saves as “Unicode 文本”.
    let tsv = BODY
        .replace(",\"华东师范大学, 中文系\",", ",华东师范大学,")
        .replace(',', "\t");
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(tsv.encode_utf16().flat_map(u16::to_le_bytes));
    let roster = from_bytes(bytes).unwrap();
    assert_eq!(roster.encoding, Some("UTF-16LE"));
    let rows = read_all(roster);
    assert_eq!(
        *rows[1].as_ref().unwrap().get(Column::School),
        text("华东师范大学")
    );
}

#[test]
fn semicolon_delimiter_quotes_blank_lines_and_title_row() {
    let csv = "2025年下半年面试考生名单;;;\r\n\
               \r\n\
               报名号*;身份证号（18位）;考生姓名;邮箱;毕业院校;在校生;户籍;学科;备注\r\n\
               \r\n\
               ;;;;;;;;\r\n\
               1;\"110101199003071234\";\"王\"\"五\"\"\";w@x.cn;\"多行\n学校\";是;天津;高中/数学;无\r\n\
               2;110101199003075678;赵六;z@x.cn;某校;否;天津;高中/物理;\r";
    let roster = from_bytes(csv.as_bytes().to_vec()).unwrap();
    assert_eq!(roster.header_row, 3);
    assert_eq!(roster.ignored_headers, vec!["备注".to_string()]);
    assert_eq!(
        roster.columns[0],
        (Column::RegistrationNo, "报名号*".to_string())
    );
    let rows = read_all(roster);
    assert_eq!(rows.len(), 2, "{rows:?}");
    let first = rows[0].as_ref().unwrap();
    assert_eq!(first.row, 6);
    assert_eq!(*first.get(Column::Name), text("王\"五\""));
    assert_eq!(*first.get(Column::School), text("多行\n学校"));
    let second = rows[1].as_ref().unwrap();
    assert_eq!(second.row, 7);
    assert_eq!(*second.get(Column::Subject), text("高中/物理"));
}

#[test]
fn ragged_rows_do_not_abort() {
    let csv = format!(
        "{HEADER},手机号\n\
         1,110101199003071234,甲,a@x.cn\n\
         2,110101199003075678,乙,b@x.cn,某校,是,北京,小学/语文,13800000000,多余,多余\n\
         3,110101199003079999,丙,c@x.cn,某校,是,北京,小学/语文,\n"
    );
    let rows = read_all(from_bytes(csv.into_bytes()).unwrap());
    let rows: Vec<RawRow> = rows.into_iter().map(Result::unwrap).collect();
    assert_eq!(rows.iter().map(|r| r.row).collect::<Vec<_>>(), [2, 3, 4]);
    assert_eq!(*rows[0].get(Column::Email), text("a@x.cn"));
    assert_eq!(*rows[0].get(Column::School), Cell::Empty);
    assert_eq!(*rows[0].get(Column::Phone), Cell::Empty);
    assert_eq!(*rows[1].get(Column::Phone), text("13800000000"));
    assert_eq!(rows[2].cells.len(), 9);
}

#[test]
fn missing_required_columns_are_named() {
    let csv = "报名号,身份证号,邮箱,学校,是否在校生,户口所在地,备注\n1,2,3,4,5,6,7\n";
    let err = from_bytes(csv.as_bytes().to_vec()).unwrap_err();
    match &err {
        RosterError::MissingColumns {
            header_row,
            missing,
            found,
        } => {
            assert_eq!(*header_row, 1);
            assert_eq!(missing, &[Column::Name, Column::Subject]);
            assert_eq!(found.len(), 7);
        }
        other => panic!("{other:?}"),
    }
    let message = err.to_string();
    assert!(
        message.contains("“姓名”（可写作：姓名、考生姓名）"),
        "{message}"
    );
    assert!(message.contains("“报考学科”"), "{message}");
    assert!(message.contains("报考类别及学科"), "{message}");
}

#[test]
fn duplicate_column_names_both_headers() {
    let csv = format!("{HEADER},证件号码\n");
    let err = from_bytes(csv.into_bytes()).unwrap_err();
    match &err {
        RosterError::DuplicateColumns { duplicates, .. } => assert_eq!(
            duplicates,
            &[(
                Column::IdNumber,
                vec!["身份证号".to_string(), "证件号码".to_string()]
            )]
        ),
        other => panic!("{other:?}"),
    }
    let message = err.to_string();
    assert!(
        message.contains("“身份证号”和“证件号码”都表示“身份证号”"),
        "{message}"
    );
}

#[test]
fn unusable_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let xls = write_file(
        &dir,
        "名单.xls",
        &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0],
    );
    let err = open(&xls).unwrap_err();
    assert!(matches!(err, RosterError::OldExcel), "{err:?}");
    assert!(err.to_string().contains(".xlsx"));
    assert!(matches!(
        open(&write_file(&dir, "a.csv", b"")),
        Err(RosterError::Empty)
    ));
    assert!(matches!(from_bytes(Vec::new()), Err(RosterError::Empty)));
    let missing = open(&dir.path().join("不存在.csv")).unwrap_err();
    assert!(missing.to_string().contains("找不到这个文件"), "{missing}");
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    assert!(matches!(from_bytes(png), Err(RosterError::Unsupported(_))));
    let html = "<html><table><tr><td>姓名</td></tr></table></html>"
        .as_bytes()
        .to_vec();
    assert!(matches!(from_bytes(html), Err(RosterError::Unsupported(_))));
    assert!(matches!(
        from_bytes(b"\n\n ,, \n".to_vec()),
        Err(RosterError::NoHeader)
    ));
}
