//! The `shenhe` command as an admin types it, against the same databases.

use std::process::{Command, Output};

use crate::helpers::{Backend, TestDb, on_both_databases};
use crate::import::id;

on_both_databases!(
    demo_then_explain_shows_the_category_rule_by_rule,
    import_dry_run_reports_and_writes_nothing,
    changing_the_rules_says_when_they_take_effect,
    an_exam_gets_its_own_reason_catalogue,
);

pub(crate) fn shenhe(t: &TestDb, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shenhe"))
        .args(args)
        .env("SHENHE_DATA_DIR", t.dir.path())
        .env("SHENHE_DATABASE_URL", &t.url)
        .env("SHENHE_STORAGE_URL", t.storage_url())
        .env("SHENHE_LOG", "warn")
        .output()
        .expect("running shenhe")
}

pub(crate) fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "shenhe failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

async fn demo_then_explain_shows_the_category_rule_by_rule(backend: Backend) {
    let t = TestDb::new(backend).await;
    let demo = stdout(&shenhe(&t, &["demo"]));
    for credential in [
        "420503199702140610",
        "lixue@example.com",
        "reviewer",
        "admin",
    ] {
        assert!(
            demo.contains(credential),
            "demo prints {credential}:\n{demo}"
        );
    }

    // 李雪 (湖北宜昌, 日语) is matched by the first rule.
    let explained = stdout(&shenhe(&t, &["rules", "explain", "420503199702140610"]));
    assert!(explained.contains("日语"), "{explained}");
    assert!(
        explained.contains("湖北省报考日语、俄语科目面试的考生"),
        "{explained}"
    );
    assert!(
        !explained.contains("420503199702140610"),
        "the ID number is masked"
    );

    // 李球 (湖北宜昌, 数学, not a student) falls through to the residence-permit rule,
    // and the explanation shows the rules tried before it.
    let explained = stdout(&shenhe(&t, &["rules", "explain", "420502 19950530 0527"]));
    assert!(explained.contains("居住证"), "{explained}");
    assert!(explained.contains("✗"), "{explained}");

    let unknown = shenhe(&t, &["rules", "explain", &id("11010119900101999")]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("没有"));
}

async fn import_dry_run_reports_and_writes_nothing(backend: Backend) {
    let t = TestDb::new(backend).await;
    stdout(&shenhe(&t, &["demo"]));
    let file = t.dir.path().join("roster.csv");
    std::fs::write(
        &file,
        format!(
            "\u{feff}报名号,身份证号,姓名,电子邮箱,学校,是否在校生,户口所在地,报考学科\n\
             9,{},周一,zhou@example.com,武汉大学,是,湖北武汉,小学/语文\n\
             10,12345,周二,zhou2@example.com,武汉大学,是,湖北武汉,小学/语文\n",
            id("42010219900101041")
        ),
    )
    .unwrap();
    let path = file.to_str().unwrap();

    let report = stdout(&shenhe(&t, &["import", path, "--dry-run"]));
    assert!(report.contains("新增 1"), "{report}");
    assert!(report.contains("第3行【身份证号】"), "{report}");
    let listed = stdout(&shenhe(&t, &["exam", "list"]));
    assert!(listed.contains("考生 7 人"), "nothing written: {listed}");

    stdout(&shenhe(&t, &["import", path]));
    let listed = stdout(&shenhe(&t, &["exam", "list"]));
    assert!(listed.contains("考生 8 人"), "{listed}");

    // Only the real import is on record, and the record holds counts, not personal data.
    let audit = t.db.recent_audit(10).await.unwrap();
    let imports: Vec<_> = audit
        .iter()
        .filter(|a| a.action == "roster_import")
        .collect();
    assert_eq!(imports.len(), 1);
    let detail = imports[0].detail.as_deref().unwrap();
    assert!(detail.contains("\"created\":1"), "{detail}");
    assert!(!detail.contains("4201021990"), "{detail}");
}

#[test]
fn rules_check_names_the_line_of_each_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("exam.toml");
    let default = shenhe::domain::rules::ExamConfig::default_text();
    // Break one category: point it at a material that does not exist.
    let categories = default
        .find("\n[[categories]]")
        .expect("a categories table");
    let broken = format!(
        "{}{}",
        &default[..categories],
        default[categories..].replacen("\"id_card\"", "\"passport\"", 1)
    );
    std::fs::write(&file, &broken).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_shenhe"))
        .args(["rules", "check", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let errors = String::from_utf8_lossy(&output.stderr);
    let line = broken
        .lines()
        .position(|l| l.contains("passport"))
        .map(|i| i + 1)
        .unwrap();
    assert!(
        errors.contains(&format!("第{line}行")),
        "line {line} named in: {errors}"
    );

    std::fs::write(&file, default).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_shenhe"))
        .args(["rules", "check", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

async fn changing_the_rules_says_when_they_take_effect(backend: Backend) {
    let t = TestDb::new(backend).await;
    let file = t.dir.path().join("exam.toml");
    let rules = shenhe::domain::rules::ExamConfig::default_text();
    std::fs::write(&file, rules).unwrap();
    let path = file.to_str().unwrap();
    let first = stdout(&shenhe(&t, &["exam", "add", path, "--current"]));
    assert!(first.contains("已保存考试"), "{first}");

    stdout(&shenhe(&t, &["demo"]));
    std::fs::write(&file, rules.replace("毕业证照片", "毕业证书照片")).unwrap();
    let changed = stdout(&shenhe(&t, &["exam", "add", path]));
    assert!(changed.contains("重新导入名单后"), "{changed}");

    let unchanged = stdout(&shenhe(&t, &["exam", "add", path]));
    assert!(!unchanged.contains("重新导入名单后"), "{unchanged}");
}

async fn an_exam_gets_its_own_reason_catalogue(backend: Backend) {
    let t = TestDb::new(backend).await;
    stdout(&shenhe(&t, &["demo"]));
    let shown = stdout(&shenhe(&t, &["exam", "reasons"]));
    assert!(
        shown.contains("1. 图片模糊不清") && shown.contains("7. 其他（请说明）"),
        "{shown}"
    );

    let set = stdout(&shenhe(
        &t,
        &["exam", "reasons", "照片反光看不清", "其他（请说明）"],
    ));
    assert!(
        set.contains("1. 照片反光看不清") && !set.contains("图片模糊不清"),
        "{set}"
    );
    let exam = t.db.current_exam().await.unwrap().unwrap();
    let catalogue =
        shenhe::domain::review::ReasonCatalogue::from_stored(exam.review_reasons.as_deref());
    assert_eq!(catalogue.reasons(), ["照片反光看不清", "其他（请说明）"]);

    let back = stdout(&shenhe(&t, &["exam", "reasons", "--default"]));
    assert!(back.contains("1. 图片模糊不清"), "{back}");
    let audit = t.db.recent_audit(5).await.unwrap();
    assert!(audit.iter().any(|a| a.action == "setting_changed"));
}

#[tokio::test]
async fn the_second_review_share_is_a_setting() {
    let t = TestDb::new(Backend::Sqlite).await;
    let shown = stdout(&shenhe(&t, &["second-review"]));
    assert!(shown.contains("10%"), "{shown}");
    let set = stdout(&shenhe(&t, &["second-review", "0.25"]));
    assert!(set.contains("25%"), "{set}");
    assert_eq!(
        t.db.review_settings().await.unwrap().second_review_share,
        0.25
    );
    let refused = shenhe(&t, &["second-review", "2"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("0 到 1"));
}
