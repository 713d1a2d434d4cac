//! Hidden characters (a bidi override, a line break, a control character) in names,
//! schools and hukou, through CSV and XLSX uploads: each refused with its row and column.

use serde_json::Value;

use super::{CODE, upload};
use crate::helpers::{Backend, on_both_databases};
use crate::import::id;
use crate::portal_client::demo_app;
use crate::review_client::{ADMIN, staff};

on_both_databases!(hidden_characters_are_refused_with_row_and_column_from_csv_and_xlsx);

/// A roster with one good row and three carrying hidden characters, each in another column.
fn hidden_rows() -> Vec<[String; 8]> {
    let row = |n: &str, id17: &str, name: &str, school: &str, hukou: &str| {
        [
            n,
            &id(id17),
            name,
            &format!("c{n}@example.com"),
            school,
            "否",
            hukou,
            "小学/语文",
        ]
        .map(str::to_string)
    };
    vec![
        row("1", "42010219900101041", "周一", "武汉大学", "湖北武汉"),
        row(
            "2",
            "42010219900101042",
            "周\u{202E}二三",
            "武汉大学",
            "湖北武汉",
        ),
        row("3", "42010219900101043", "周三", "武汉\n大学", "湖北武汉"),
        row(
            "4",
            "42010219900101044",
            "周四",
            "武汉大学",
            "湖北\u{7}武汉",
        ),
    ]
}

const HEADER: [&str; 8] = [
    "报名号",
    "身份证号",
    "姓名",
    "电子邮箱",
    "学校",
    "是否在校生",
    "户口所在地",
    "报考学科",
];

fn hidden_csv() -> Vec<u8> {
    let mut csv = HEADER.join(",") + "\n";
    for row in hidden_rows() {
        let cells: Vec<String> = row.iter().map(|c| format!("\"{c}\"")).collect();
        csv += &(cells.join(",") + "\n");
    }
    csv.into_bytes()
}

fn hidden_xlsx() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, text) in HEADER.iter().enumerate() {
        sheet.write_string(0, c as u16, *text).unwrap();
    }
    for (r, row) in hidden_rows().iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            sheet.write_string(r as u32 + 1, c as u16, text).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

async fn hidden_characters_are_refused_with_row_and_column_from_csv_and_xlsx(backend: Backend) {
    let app = demo_app(backend).await;
    let admin = staff(&app, ADMIN.0).await;
    let exam = app.db().find_exam_by_code(CODE).await.unwrap().unwrap();
    let demo = app.db().count_candidates(exam.id).await.unwrap();
    for (name, file) in [("名单.csv", hidden_csv()), ("名单.xlsx", hidden_xlsx())] {
        for dry_run in [true, false] {
            let report = upload(&admin, dry_run, name, file.clone())
                .await
                .expect(200)
                .json();
            let issues: Vec<(u64, &str, &str)> = report["issues"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| {
                    let text = |k: &str| i[k].as_str().unwrap_or_default();
                    (i["row"].as_u64().unwrap(), text("column"), text("reason"))
                })
                .collect();
            let places: Vec<(u64, &str)> = issues.iter().map(|(r, c, _)| (*r, *c)).collect();
            assert_eq!(
                places,
                [(3, "姓名"), (4, "学校"), (5, "户口所在地")],
                "{name}"
            );
            assert!(
                issues[0].2.contains("文字方向控制符（U+202E）"),
                "{}",
                issues[0].2
            );
            assert!(issues[1].2.contains("换行"), "{}", issues[1].2);
            assert!(
                issues[2].2.contains("控制字符（U+0007）"),
                "{}",
                issues[2].2
            );
            assert_eq!(report["refused"], Value::from(3));
        }
    }
    // Only 周一 was imported (once: the second real import found him unchanged).
    assert_eq!(app.db().count_candidates(exam.id).await.unwrap(), demo + 1);
    let hidden = app
        .db()
        .find_candidate_by_id_number(exam.id, &id("42010219900101042"))
        .await
        .unwrap();
    assert!(hidden.is_none(), "the name with U+202E is not stored");
}
