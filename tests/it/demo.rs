use shenhe::demo;

use crate::cli::{shenhe, stdout};
use crate::helpers::{Backend, TestApp, TestDb, on_both_databases};

on_both_databases!(
    the_six_seed_examples_land_in_their_six_categories,
    loading_the_demo_twice_changes_nothing,
    the_demo_writes_a_bad_roster_and_its_fix_for_the_walk_through,
    serving_the_demo_starts_with_six_candidates_waiting,
);

async fn the_six_seed_examples_land_in_their_six_categories(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let loaded = demo::load(app.db()).await.expect("loading the demo");
    let exam = app
        .db()
        .current_exam()
        .await
        .unwrap()
        .expect("a current exam");
    assert_eq!(exam.name, "武汉市2023年下半年中小学教师资格考试（面试）");

    let mut categories = Vec::new();
    for (id_number, name, _, _) in &loaded.candidates {
        let row = app
            .db()
            .find_candidate_by_id_number(exam.id, id_number)
            .await
            .unwrap()
            .expect("the candidate was imported");
        categories.push((name.as_str(), row.facts.category.clone()));
    }
    let category_of = |name: &str| {
        categories
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, c)| c.clone())
    };
    let seven: std::collections::BTreeSet<_> =
        categories.iter().filter_map(|(_, c)| c.clone()).collect();
    assert_eq!(seven.len(), 6, "one candidate per category: {categories:?}");
    // The seed's examples, in the order the seed lists them.
    assert_eq!(category_of("李明").as_deref(), Some("student_in_wuhan"));
    assert_eq!(
        category_of("李华").as_deref(),
        Some("student_outside_wuhan")
    );
    assert_eq!(
        category_of("李星").as_deref(),
        Some("non_student_wuhan_hukou")
    );
    assert_eq!(
        category_of("李球").as_deref(),
        Some("non_student_residence_permit")
    );
    assert_eq!(
        category_of("李雪").as_deref(),
        Some("hubei_japanese_russian")
    );
    assert_eq!(category_of("李强").as_deref(), Some("hubei_vocational"));
    // A student outside Wuhan without a Wuhan hukou is told why, never given a list.
    let outsider = app
        .db()
        .find_candidate_by_id_number(exam.id, "110108200201010810")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(outsider.facts.category, None);
    assert!(outsider.facts.ineligible_reason.unwrap().contains("联系"));

    let reviewer = app
        .db()
        .find_staff(demo::REVIEWER.0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(reviewer.role, "reviewer");
    assert!(
        shenhe::auth::verify_password(demo::REVIEWER.1.into(), reviewer.password_hash)
            .await
            .unwrap()
    );
    let admin = app.db().find_staff(demo::ADMIN.0).await.unwrap().unwrap();
    assert_eq!(admin.role, "admin");

    // The front page names the exam and its open window.
    let page = app.get("/").await.text().await.unwrap();
    assert!(page.contains("武汉市2023年下半年中小学教师资格考试（面试）"));
    assert!(page.contains("材料上传时间"));
}

async fn loading_the_demo_twice_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    demo::load(app.db()).await.expect("first load");
    let exam = app.db().current_exam().await.unwrap().unwrap();
    let first = app
        .db()
        .find_candidate_by_id_number(exam.id, "420502200203150215")
        .await
        .unwrap()
        .unwrap();

    demo::load(app.db()).await.expect("second load");
    assert_eq!(app.db().list_exams().await.unwrap().len(), 1);
    assert_eq!(app.db().count_candidates(exam.id).await.unwrap(), 7);
    let again = app
        .db()
        .find_candidate_by_id_number(exam.id, "420502200203150215")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.id, again.id);
    let exam_again = app.db().current_exam().await.unwrap().unwrap();
    assert_eq!(exam.upload_opens_at, exam_again.upload_opens_at);
}

async fn the_demo_writes_a_bad_roster_and_its_fix_for_the_walk_through(backend: Backend) {
    let t = TestDb::new(backend).await;
    let printed = stdout(&shenhe(&t, &["demo"]));
    let errors = t.dir.path().join("demo/demo-roster-errors.csv");
    let fixed = t.dir.path().join("demo/demo-roster-more.csv");
    for file in [&errors, &fixed] {
        assert!(file.is_file(), "{} written", file.display());
        assert!(
            printed.contains(&file.display().to_string()),
            "the demo names {}:\n{printed}",
            file.display()
        );
    }

    // The bad file: five rows refused, each with its row, column and what to do; one
    // candidate whose hukou names no city is taken but not eligible.
    let report = stdout(&shenhe(
        &t,
        &["import", "--dry-run", errors.to_str().unwrap()],
    ));
    for line in [
        "新增 5",
        "拒绝 5",
        "第3行【身份证号】身份证号校验位错误",
        "第5行【电子邮箱】电子邮箱为空",
        "第7行【是否在校生】“在读”不是有效值",
        "第9行【户口所在地】为空",
        "第11行【身份证号】与第4行的身份证号相同",
        "不符合本考区审核条件：1 人",
    ] {
        assert!(report.contains(line), "{line} in:\n{report}");
    }
    // The fixed file: all ten, none refused; and the dry runs wrote nothing.
    let report = stdout(&shenhe(
        &t,
        &["import", "--dry-run", fixed.to_str().unwrap()],
    ));
    assert!(
        report.contains("新增 10，更新 0，未变 0，拒绝 0"),
        "{report}"
    );
    assert!(!report.contains("不符合"), "{report}");
    let listed = stdout(&shenhe(&t, &["exam", "list"]));
    assert!(listed.contains("考生 7 人"), "{listed}");

    // Running the demo again writes the same files and changes nothing else.
    stdout(&shenhe(&t, &["demo"]));
    assert_eq!(
        std::fs::read_to_string(&errors).unwrap(),
        demo::ROSTER_FILES[0].1
    );
}

async fn serving_the_demo_starts_with_six_candidates_waiting(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let loaded = demo::load_story(app.db(), Some(&app.storage), dir.path())
        .await
        .expect("loading the demo story");
    assert_eq!(loaded.submitted.len(), 6, "{:?}", loaded.submitted);
    let exam = app.db().current_exam().await.unwrap().unwrap();
    let waiting = |counts: Vec<(String, i64)>| {
        counts
            .into_iter()
            .find(|(status, _)| status == "submitted")
            .map_or(0, |(_, n)| n)
    };
    assert_eq!(waiting(app.db().status_counts(exam.id).await.unwrap()), 6);
    let blobs = app.stored_files().len();
    assert!(blobs >= 12, "a photo and a thumbnail per material: {blobs}");

    // Again: the same six, no new photos.
    let again = demo::load_story(app.db(), Some(&app.storage), dir.path())
        .await
        .expect("loading the demo story again");
    assert_eq!(again.submitted, loaded.submitted);
    assert_eq!(app.db().count_candidates(exam.id).await.unwrap(), 13);
    assert_eq!(waiting(app.db().status_counts(exam.id).await.unwrap()), 6);
    assert_eq!(app.stored_files().len(), blobs);
}
