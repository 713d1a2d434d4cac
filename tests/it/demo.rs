use shenhe::demo;

use crate::helpers::{Backend, TestApp, on_both_databases};

on_both_databases!(
    the_six_seed_examples_land_in_their_six_categories,
    loading_the_demo_twice_changes_nothing
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
