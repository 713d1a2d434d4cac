//! Zip-bomb checks: a real workbook with one part swapped for a hostile one is refused
//! before calamine opens it, with the limit in the message. (The gigabyte bombs, through
//! the server and the command line with their memory measured, are in tests/it.)

use std::io::{Cursor, Write};

use rust_xlsxwriter::Workbook;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use super::*;

/// A one-row roster written by rust_xlsxwriter (which keeps its texts in a shared-strings
/// table, as Excel does), with `part` replaced by `content` (or added).
fn workbook_with(part: &str, content: &[u8]) -> Vec<u8> {
    workbook_with_method(part, content, CompressionMethod::Deflated)
}

fn workbook_with_method(part: &str, content: &[u8], method: CompressionMethod) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
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
    for (col, text) in header.iter().enumerate() {
        sheet.write_string(0, col as u16, *text).unwrap();
        sheet.write_string(1, col as u16, "1").unwrap();
    }
    let mut source = ZipArchive::new(Cursor::new(book.save_to_buffer().unwrap())).unwrap();
    let mut out = ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..source.len() {
        let entry = source.by_index_raw(i).unwrap();
        if entry.name().unwrap() != part {
            out.raw_copy_file(entry).unwrap();
        }
    }
    let options = SimpleFileOptions::default().compression_method(method);
    out.start_file(part, options).unwrap();
    out.write_all(content).unwrap();
    out.finish().unwrap().into_inner()
}

fn refusal(bytes: Vec<u8>) -> String {
    match from_bytes(bytes) {
        Ok(_) => panic!("the workbook was opened"),
        Err(e @ (RosterError::Malformed(_) | RosterError::Inflated { .. })) => e.to_string(),
        Err(e) => panic!("refused for another reason: {e}"),
    }
}

const SST: &str = "xl/sharedStrings.xml";

fn shared_strings(body: &str) -> Vec<u8> {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{body}</sst>"#
    )
    .into_bytes()
}

#[test]
fn an_honest_table_passes() {
    let sst = shared_strings(&"<si><t>报名号</t></si><si><t>1</t></si>".repeat(8));
    let opened = from_bytes(workbook_with(SST, &sst));
    assert!(
        !matches!(
            opened,
            Err(RosterError::Malformed(_) | RosterError::Inflated { .. })
        ),
        "{opened:?}"
    );
}

#[test]
fn a_unique_count_calamine_would_reserve_is_refused() {
    let sst = br#"<sst xmlns="x" count="1" uniqueCount="100000000000"><si><t>1</t></si></sst>"#;
    let message = refusal(workbook_with(SST, sst));
    assert!(message.contains("声明的字符串超过 2000000 个"), "{message}");
}

#[test]
fn one_huge_text_is_refused() {
    let sst = shared_strings(&format!("<si><t>{}</t></si>", "字".repeat(400_000)));
    let message = refusal(workbook_with(SST, &sst));
    assert!(message.contains("有一段内容超过 1 MB"), "{message}");
    assert!(message.starts_with("Excel 文件的内部结构异常"), "{message}");
}

#[test]
fn a_text_padded_with_stray_tags_is_refused() {
    // calamine reads a <t> up to its end tag, tags it does not know included.
    let body = format!("<si><t>{}</t></si>", "aaaaaaaa<x/></si><si>".repeat(60_000));
    let message = refusal(workbook_with(SST, &shared_strings(&body)));
    assert!(message.contains("有一段内容超过 1 MB"), "{message}");
}

#[test]
fn too_much_shared_text_is_refused() {
    // 52 strings of a million characters: each under the 1 MB of one element, together over
    // the 48 MB calamine may keep. Stored, so the ratio check does not answer first.
    let one = "a".repeat(1_000_000);
    let sst = shared_strings(&format!("<si><t>{one}</t></si>").repeat(52));
    let stored = CompressionMethod::Stored;
    let message = refusal(workbook_with_method(SST, &sst, stored));
    assert!(
        message.contains("sharedStrings.xml 的文字超过 48 MB"),
        "{message}"
    );
}

#[test]
fn too_many_strings_are_refused() {
    let sst = shared_strings(&"<si/>".repeat(2_000_001));
    let message = refusal(workbook_with(SST, &sst));
    assert!(message.contains("字符串超过 2000000 个"), "{message}");
}

#[test]
fn too_much_text_in_a_sheet_is_refused() {
    let row = format!(
        r#"<row><c t="inlineStr"><is><t>{}</t></is></c></row>"#,
        "a".repeat(60_000)
    );
    let sheet = format!(
        "<worksheet><sheetData>{}</sheetData></worksheet>",
        row.repeat(600)
    );
    // Stored, not deflated: 36 MB of one repeated row would trip the ratio check first.
    let stored = CompressionMethod::Stored;
    let message = refusal(workbook_with_method(
        "xl/worksheets/sheet1.xml",
        sheet.as_bytes(),
        stored,
    ));
    assert!(message.contains("的文字超过 32 MB"), "{message}");
}

#[test]
fn a_doctype_is_refused() {
    let sst = br#"<!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa">]><sst><si><t>&a;</t></si></sst>"#;
    let message = refusal(workbook_with(SST, sst));
    assert!(message.contains("DOCTYPE"), "{message}");
}

#[test]
fn too_many_parts_are_refused() {
    let mut out = ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..=zip_limits::MAX_PARTS {
        out.start_file(format!("x/{i}.xml"), SimpleFileOptions::default())
            .unwrap();
    }
    let message = refusal(out.finish().unwrap().into_inner());
    assert!(message.contains("超过 2000 个"), "{message}");
}

#[test]
fn a_styles_part_of_too_many_records_is_refused() {
    // 25 MB of these took calamine to 770 MB; here 1.25 MB is enough to be refused.
    let styles = format!(
        "<styleSheet><cellXfs>{}</cellXfs></styleSheet>",
        "<xf/>".repeat(zip_limits::MAX_OTHER_ELEMENTS as usize)
    );
    let message = refusal(workbook_with("xl/styles.xml", styles.as_bytes()));
    assert!(message.contains("元素超过 250000 个"), "{message}");
}
