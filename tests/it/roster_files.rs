//! Roster files as offices send them and as an attacker would: zip bombs against the real
//! `shenhe serve` and the real `shenhe import` (peak memory read from the process), hidden
//! characters in names and schools through CSV and XLSX, and legacy `.xls`.

mod bomb;
mod hidden;

use std::path::Path;
use std::process::{Command, Output};

use reqwest::multipart::{Form, Part};

use crate::helpers::{Backend, TestDb, on_both_databases};
use crate::portal_client::{LI_MING, Portal, Reply, demo_app};
use crate::process::{ServerProcess, proof_dir};
use crate::review_client::{ADMIN, staff};
use bomb::{INFLATED, Sizes, bomb, declaring};

on_both_databases!(
    zip_bombs_uploaded_are_refused_within_300_mb_and_the_roster_stays,
    zip_bombs_imported_are_refused_within_300_mb_and_the_roster_stays,
    legacy_xls_from_two_writers_is_refused_with_how_to_save_it,
);

/// The most memory a roster upload or import may take (issue 14).
const PEAK_RSS_MIB: u64 = 300;
pub(crate) const CODE: &str = "WH2023H2";
/// What each bomb is refused with: the size limit, or the lie about the size.
const REFUSALS: [(Sizes, &str); 2] = [
    (
        Sizes::Honest,
        "名单文件解压后超过 256 MB（其中的文字表 xl/sharedStrings.xml）",
    ),
    (
        Sizes::Lying,
        "xl/sharedStrings.xml 解压后比文件中记录的大小大",
    ),
];

/// The demo roster as stored: how many, and one candidate's facts.
async fn roster_now(db: &shenhe::db::Db) -> (i64, String) {
    let exam = db.find_exam_by_code(CODE).await.unwrap().unwrap();
    let li_ming = db
        .find_candidate_by_id_number(exam.id, LI_MING.id_number)
        .await
        .unwrap()
        .expect("李明 is on the demo roster");
    let facts = &li_ming.facts;
    let count = db.count_candidates(exam.id).await.unwrap();
    (
        count,
        format!("{} {} {}", facts.name, facts.email, facts.school),
    )
}

async fn zip_bombs_uploaded_are_refused_within_300_mb_and_the_roster_stays(backend: Backend) {
    let t = TestDb::new(backend).await;
    shenhe::demo::load(&t.db).await.expect("loading the demo");
    let before = roster_now(&t.db).await;
    let mut server = ServerProcess::start(&t, &[]).await;
    let mut admin = Portal::at(&server.url(""));
    admin.login(ADMIN.0, ADMIN.1).await.expect(200);

    for (sizes, says) in REFUSALS {
        let file = bomb(sizes);
        assert!(file.len() < 5 << 20, "a bomb of {} bytes", file.len());
        for dry_run in [true, false] {
            let path = format!("/api/v1/admin/roster?dry_run={dry_run}&exam={CODE}");
            let form = Form::new().part("file", Part::bytes(file.clone()).file_name("名单.xlsx"));
            let reply = Portal::send(admin.post(&path).multipart(form)).await;
            let error = reply.expect(422).json()["error"].clone();
            assert!(error.as_str().unwrap().contains(says), "{error}");
        }
        // The upload page shows the same words.
        let form = Form::new()
            .text("csrf", admin.csrf.clone())
            .text("exam", CODE)
            .part("file", Part::bytes(file).file_name("名单.xlsx"));
        let page = Portal::send(
            admin
                .client
                .post(admin.url("/admin/roster"))
                .multipart(form),
        );
        let page = page.await.expect(422).text();
        assert!(page.contains(says), "{page}");
    }

    assert!(server.is_alive(), "{}", server.log());
    let peak_mib = server.peak_rss_kib() / 1024;
    proof(
        backend,
        &format!("shenhe serve, 6 bomb uploads: peak {peak_mib} MiB"),
    );
    assert!(
        peak_mib <= PEAK_RSS_MIB,
        "the server peaked at {peak_mib} MiB over {PEAK_RSS_MIB} MiB"
    );
    assert!(!server.log().contains("panicked"), "{}", server.log());
    assert_eq!(roster_now(&t.db).await, before, "the roster is untouched");
}

/// Adds a line to `target/proof/roster-bombs-<backend>.md`.
fn proof(backend: Backend, line: &str) {
    use std::io::Write;
    let name = format!("roster-bombs-{backend:?}.md").to_lowercase();
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(proof_dir().join(name))
        .unwrap();
    writeln!(file, "- {line} (bound {PEAK_RSS_MIB} MiB)").unwrap();
}

/// `shenhe import <file>` run under GNU time, which reports the child's peak resident
/// memory (its `wait4` rusage) in KiB.
fn import_measured(t: &TestDb, file: &Path) -> (Output, u64) {
    let report = t.dir.path().join("time.txt");
    let output = Command::new("/usr/bin/time")
        .args(["-f", "%M", "-o"])
        .arg(&report)
        .arg(env!("CARGO_BIN_EXE_shenhe"))
        .args(["import", "--exam", CODE])
        .arg(file)
        .env("SHENHE_DATA_DIR", t.dir.path())
        .env("SHENHE_DATABASE_URL", &t.url)
        .env("SHENHE_STORAGE_URL", t.storage_url())
        .env("SHENHE_LOG", "warn")
        .output()
        .expect("running shenhe import under /usr/bin/time (Debian package time)");
    let text = std::fs::read_to_string(&report).unwrap();
    let kib = text.lines().last().and_then(|l| l.trim().parse().ok());
    (output, kib.unwrap_or_else(|| panic!("no peak in {text:?}")))
}

async fn zip_bombs_imported_are_refused_within_300_mb_and_the_roster_stays(backend: Backend) {
    let t = TestDb::new(backend).await;
    shenhe::demo::load(&t.db).await.expect("loading the demo");
    let before = roster_now(&t.db).await;
    for (sizes, says) in REFUSALS {
        let file = t.dir.path().join("名单.xlsx");
        std::fs::write(&file, bomb(sizes)).unwrap();
        let (output, peak_kib) = import_measured(&t, &file);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{stderr}");
        assert!(stderr.contains(says), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        proof(
            backend,
            &format!("shenhe import, {says}: peak {} MiB", peak_kib / 1024),
        );
        assert!(
            peak_kib / 1024 <= PEAK_RSS_MIB,
            "shenhe import peaked at {} MiB over {PEAK_RSS_MIB} MiB",
            peak_kib / 1024
        );
    }
    assert_eq!(roster_now(&t.db).await, before, "the roster is untouched");
}

/// The bomb is real: its shared strings inflate past the limit, and calamine would keep
/// them (this is what took a node to 3.6 GB).
#[test]
fn the_bomb_inflates_past_the_limit() {
    use std::io::Read;
    let file = bomb(Sizes::Honest);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(file)).unwrap();
    let entry = zip.by_name("xl/sharedStrings.xml").unwrap();
    let limit = shenhe::roster::zip_limits::MAX_SHARED_STRINGS_BYTES;
    assert!(entry.size() > INFLATED - (2 << 20), "{}", entry.size());
    let mut past = entry.take(limit + 1);
    let inflated = std::io::copy(&mut past, &mut std::io::sink()).unwrap();
    assert_eq!(inflated, limit + 1);
}

pub(crate) async fn upload(admin: &Portal, dry_run: bool, name: &str, file: Vec<u8>) -> Reply {
    let form = Form::new().part("file", Part::bytes(file).file_name(name.to_string()));
    let path = format!("/api/v1/admin/roster?dry_run={dry_run}&exam={CODE}");
    Portal::send(admin.post(&path).multipart(form)).await
}

/// Each size limit, attacked through the sizes a zip declares (the parts themselves are
/// tiny, so nothing is inflated to find out).
#[test]
fn declared_sizes_over_each_limit_are_refused_before_inflating() {
    const MIB: u64 = 1 << 20;
    let sheet = "xl/worksheets/sheet1.xml";
    let cases = [
        (
            sheet,
            1025 * MIB,
            "名单文件解压后超过 1024 MB（其中的工作表 xl/worksheets/sheet1.xml）",
        ),
        (
            "xl/styles.xml",
            33 * MIB,
            "名单文件解压后超过 32 MB（其中的 xl/styles.xml）",
        ),
        (
            "xl/media/image1.png",
            33 * MIB,
            "名单文件解压后超过 32 MB（其中的 xl/media/image1.png）",
        ),
        (
            "xl/sharedStrings.xml",
            257 * MIB,
            "名单文件解压后超过 256 MB（其中的文字表",
        ),
        (
            sheet,
            20 * MIB,
            "xl/worksheets/sheet1.xml 的压缩比超过 200 倍",
        ),
    ];
    for (name, declared, says) in cases {
        let refused = shenhe::roster::from_bytes(declaring(name, declared)).unwrap_err();
        assert!(refused.to_string().contains(says), "{name}: {refused}");
    }
    // Two sheets just under their limit are over the limit of all parts together.
    let mut two = declaring("xl/worksheets/sheet2.xml", 1000 * MIB);
    two = rewrite_declared(two, sheet, 1000 * MIB);
    let refused = shenhe::roster::from_bytes(two).unwrap_err();
    assert!(
        refused.to_string().contains("超过 1536 MB（各部件合计）"),
        "{refused}"
    );
}

/// Overwrites the declared inflated size of `name` in both its local and central headers.
fn rewrite_declared(mut zip: Vec<u8>, name: &str, declared: u64) -> Vec<u8> {
    let size = (declared as u32).to_le_bytes();
    for (signature, size_at, name_at) in [(0x0403_4b50u32, 22, 30), (0x0201_4b50, 24, 46)] {
        let signature = signature.to_le_bytes();
        let mut i = 0;
        while i + name_at + name.len() <= zip.len() {
            if zip[i..i + 4] == signature && zip[i + name_at..].starts_with(name.as_bytes()) {
                zip[i + size_at..i + size_at + 4].copy_from_slice(&size);
            }
            i += 1;
        }
    }
    zip
}

/// Five roster rows (header and four candidates, all cells text) saved as Excel 97–2003 by
/// two writers, once: `soffice --headless --infilter="CSV:44,34,76,1,1/2/2/2/3/2/4/2/5/2/6/2/7/2/8/2/9/2"
/// --convert-to xls` (LibreOffice 7.4) and Python's xlwt 1.3 (`sheet.write(r, c, value)` for
/// each cell of the same CSV).
const XLS_FILES: [(&str, &[u8]); 2] = [
    (
        "libreoffice.xls",
        include_bytes!("roster_files/libreoffice.xls"),
    ),
    ("xlwt.xls", include_bytes!("roster_files/xlwt.xls")),
];

async fn legacy_xls_from_two_writers_is_refused_with_how_to_save_it(backend: Backend) {
    use calamine::{Reader, Xls};
    let app = demo_app(backend).await;
    let admin = staff(&app, ADMIN.0).await;
    for (name, bytes) in XLS_FILES {
        // Real workbooks: calamine reads them (the refusal is a decision, not a failure).
        let mut book = Xls::new(std::io::Cursor::new(bytes)).expect(name);
        let sheet = book.worksheet_range_at(0).unwrap().unwrap();
        assert_eq!(
            sheet.get_value((1, 2)).map(|v| v.to_string()).as_deref(),
            Some("考生0")
        );

        for dry_run in [true, false] {
            let reply = upload(&admin, dry_run, name, bytes.to_vec())
                .await
                .expect(422);
            let error = reply.json()["error"].as_str().unwrap().to_string();
            assert!(error.contains("系统不读取 .xls"), "{name}: {error}");
            assert!(error.contains("另存为” Excel 工作簿"), "{name}: {error}");
        }
    }
}
