use indicatif::ProgressBar;
use shenhe::db::exams::ExamRow;
use shenhe::domain::rules::ExamConfig;
use shenhe::import::{ImportReport, import_roster};

use crate::helpers::{Backend, TestDb, on_both_databases};

on_both_databases!(
    the_report_names_every_bad_row_and_imports_the_rest,
    a_corrected_roster_updates_candidates_in_place,
    a_dry_run_writes_nothing_but_reports_the_same,
    gbk_csv_and_xlsx_import_alike,
);

/// Valid synthetic ID numbers: 17 digits plus the GB 11643 check digit.
pub fn id(first17: &str) -> String {
    let check = shenhe::domain::id_number::check_digit(first17).expect("17 digits");
    format!("{first17}{check}")
}

const HEADER: &str = "报名号,身份证号,姓名,电子邮箱,学校,是否在校生,户口所在地,报考学科";

async fn exam(db: &shenhe::db::Db) -> ExamRow {
    let rules = ExamConfig::default_config();
    db.save_exam(rules.code(), rules.name(), ExamConfig::default_text())
        .await
        .unwrap()
}

async fn import(
    db: &shenhe::db::Db,
    exam: &ExamRow,
    bytes: Vec<u8>,
    dry_run: bool,
) -> ImportReport {
    let roster = shenhe::roster::from_bytes(bytes).expect("a readable roster");
    import_roster(db, exam, roster, dry_run, ProgressBar::hidden())
        .await
        .expect("the import runs")
}

async fn the_report_names_every_bad_row_and_imports_the_rest(backend: Backend) {
    let t = TestDb::new(backend).await;
    let exam = exam(&t.db).await;
    let good = id("42010219900101001");
    let mut bad_check = id("42010219900101002");
    bad_check.replace_range(17.., if bad_check.ends_with('1') { "2" } else { "1" });
    let csv = format!(
        "{HEADER}\n\
         1,{good},王一,wang1@example.com,武汉大学,是,湖北武汉,小学/语文\n\
         2,{bad_check},王二,wang2@example.com,武汉大学,是,湖北武汉,小学/语文\n\
         3,{},王三,,武汉大学,是,湖北武汉,小学/语文\n\
         4,{good},王四,wang4@example.com,武汉大学,否,湖北武汉,小学/语文\n\
         5,{},王五,wang5@example.com,武汉大学,大三,湖北武汉,小学/语文\n\
         6,42010219901301001X,王六,wang6@example.com,武汉大学,是,湖北武汉,小学/语文\n",
        id("42010219900101003"),
        id("42010219900101005"),
    );
    let report = import(&t.db, &exam, csv.into_bytes(), false).await;

    assert_eq!((report.rows, report.created, report.refused), (6, 1, 5));
    let rows: Vec<(u64, Option<&str>)> = report.issues.iter().map(|i| (i.row, i.column)).collect();
    assert_eq!(
        rows,
        [
            (3, Some("身份证号")),
            (4, Some("电子邮箱")),
            (5, Some("身份证号")),
            (6, Some("是否在校生")),
            (7, Some("身份证号")),
        ]
    );
    assert!(
        report.issues[0].reason.contains("校验"),
        "{}",
        report.issues[0].reason
    );
    assert!(
        report.issues[2].reason.contains("第2行"),
        "names the first row with that ID"
    );
    assert!(
        report.issues[4].reason.contains("日期"),
        "{}",
        report.issues[4].reason
    );
    assert_eq!(t.db.count_candidates(exam.id).await.unwrap(), 1);
    let text = report.to_string();
    assert!(text.contains("第4行【电子邮箱】"), "{text}");
}

async fn a_corrected_roster_updates_candidates_in_place(backend: Backend) {
    let t = TestDb::new(backend).await;
    let exam = exam(&t.db).await;
    let (a, b, c) = (
        id("42010219900101011"),
        id("42050219900101012"),
        id("42010219900101013"),
    );
    let first = format!(
        "{HEADER}\n\
         1,{a},赵一,zhao1@example.com,武汉大学,是,湖北武汉,小学/语文\n\
         2,{b},赵二,zhao2@example.com,清华大学,否,湖北宜昌,小学/数学\n\
         3,{c},赵三,zhao3@example.com,清华大学,否,湖北武汉,小学/数学\n"
    );
    let report = import(&t.db, &exam, first.into_bytes(), false).await;
    assert_eq!(
        (report.created, report.updated, report.unchanged),
        (3, 0, 0)
    );
    let before =
        t.db.find_candidate_by_id_number(exam.id, &b)
            .await
            .unwrap()
            .unwrap();
    assert_eq!(
        before.facts.category.as_deref(),
        Some("non_student_residence_permit")
    );

    // The office fixes 赵二's hukou: same person, new category; the others stay as they are.
    let second = format!(
        "{HEADER}\n\
         1,{a},赵一,zhao1@example.com,武汉大学,是,湖北武汉,小学/语文\n\
         2,{b},赵二,zhao2@example.com,清华大学,否,湖北省武汉市洪山区,小学/数学\n\
         3,{c},赵三,zhao3@example.com,清华大学,否,湖北武汉,小学/数学\n"
    );
    let report = import(&t.db, &exam, second.into_bytes(), false).await;
    assert_eq!(
        (report.created, report.updated, report.unchanged),
        (0, 1, 2)
    );
    let after =
        t.db.find_candidate_by_id_number(exam.id, &b)
            .await
            .unwrap()
            .unwrap();
    assert_eq!(
        after.id, before.id,
        "updated in place, so uploads stay attached"
    );
    assert_eq!(
        after.facts.category.as_deref(),
        Some("non_student_wuhan_hukou")
    );
    assert_eq!(after.facts.hukou_city.as_deref(), Some("武汉市"));
    assert_eq!(t.db.count_candidates(exam.id).await.unwrap(), 3);
}

async fn a_dry_run_writes_nothing_but_reports_the_same(backend: Backend) {
    let t = TestDb::new(backend).await;
    let exam = exam(&t.db).await;
    let (a, b) = (id("42010219900101021"), id("42010219900101022"));
    let first = format!("{HEADER}\n1,{a},钱一,qian1@example.com,武汉大学,是,湖北武汉,小学/语文\n");
    import(&t.db, &exam, first.into_bytes(), false).await;

    let second = format!(
        "{HEADER}\n\
         1,{a},钱一,qian.new@example.com,武汉大学,是,湖北武汉,小学/语文\n\
         2,{b},钱二,qian2@example.com,武汉大学,是,湖北武汉,小学/语文\n"
    );
    let dry = import(&t.db, &exam, second.clone().into_bytes(), true).await;
    assert!(dry.dry_run);
    assert_eq!((dry.created, dry.updated, dry.unchanged), (1, 1, 0));
    assert_eq!(t.db.count_candidates(exam.id).await.unwrap(), 1);
    let stored =
        t.db.find_candidate_by_id_number(exam.id, &a)
            .await
            .unwrap()
            .unwrap();
    assert_eq!(stored.facts.email, "qian1@example.com");

    let real = import(&t.db, &exam, second.into_bytes(), false).await;
    assert_eq!((real.created, real.updated, real.unchanged), (1, 1, 0));
    assert_eq!(t.db.count_candidates(exam.id).await.unwrap(), 2);
}

async fn gbk_csv_and_xlsx_import_alike(backend: Backend) {
    let t = TestDb::new(backend).await;
    let exam = exam(&t.db).await;
    let (a, b) = (id("42010219900101031"), id("42010219900101032"));
    // Excel in China saves CSV as GBK, with its own header spellings and column order.
    let csv = format!(
        "证件号码,考生姓名,邮箱,毕业院校,是否在校生,户籍所在地,报考科目,报名号\n\
         {a},孙一,sun1@example.com,武汉大学,是,湖北武汉,小学/语文,1\n"
    );
    let (gbk, _, _) = encoding_rs::GBK.encode(&csv);
    let report = import(&t.db, &exam, gbk.into_owned(), false).await;
    assert_eq!((report.created, report.refused), (1, 0), "{report}");
    let stored =
        t.db.find_candidate_by_id_number(exam.id, &a)
            .await
            .unwrap()
            .unwrap();
    assert_eq!(stored.facts.name, "孙一");
    assert_eq!(stored.facts.category.as_deref(), Some("student_in_wuhan"));

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("roster.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (col, header) in HEADER.split(',').enumerate() {
        sheet.write_string(0, col as u16, header).unwrap();
    }
    let rows = [(&b, "孙二", true), (&a, "孙一", false)];
    for (i, (id_number, name, as_text)) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write_number(r, 0, 100.0 + r as f64).unwrap();
        if *as_text {
            sheet.write_string(r, 1, id_number.as_str()).unwrap();
        } else {
            // Typed as a number, the ID has lost digits: refused with how to fix it.
            sheet
                .write_number(r, 1, id_number[..17].parse::<f64>().unwrap())
                .unwrap();
        }
        for (col, value) in [
            *name,
            "sun@example.com",
            "武汉大学",
            "是",
            "湖北武汉",
            "小学/语文",
        ]
        .iter()
        .enumerate()
        {
            sheet.write_string(r, col as u16 + 2, *value).unwrap();
        }
    }
    book.save(&path).unwrap();
    let report = import(&t.db, &exam, std::fs::read(&path).unwrap(), false).await;
    assert_eq!((report.created, report.refused), (1, 1), "{report}");
    assert_eq!(report.issues[0].row, 3);
    assert_eq!(report.issues[0].column, Some("身份证号"));
    assert!(report.issues[0].reason.contains("文本"));
}
