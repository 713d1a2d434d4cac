//! Classification and explanation of the seed's examples with the default config.

use super::*;
use crate::domain::applicant::Applicant;
use crate::domain::region::{self, Region};

fn applicant(school: &str, student: bool, hukou: &str, subject: &str) -> Applicant {
    Applicant {
        is_student: student,
        hukou_text: hukou.to_owned(),
        hukou: region::normalise(hukou),
        school: school.to_owned(),
        school_location: None,
        subject: subject.to_owned(),
    }
}

fn eligible(a: &Applicant) -> (String, Vec<String>) {
    match ExamConfig::default_config().classify(a) {
        Classification::Eligible {
            category,
            materials,
        } => (category, materials),
        other => panic!("expected eligible, got {other:?}"),
    }
}

/// Material names of a classification, to compare with the seed's tables.
fn names(materials: &[String]) -> Vec<String> {
    let config = ExamConfig::default_config();
    let names = materials
        .iter()
        .map(|c| config.material(c).unwrap().name.clone());
    names.collect()
}

#[test]
fn seed_1_student_at_wuhan_university() {
    let (cat, mats) = eligible(&applicant("武汉大学", true, "湖北宜昌", "小学/语文"));
    assert_eq!(cat, "student_in_wuhan");
    assert_eq!(names(&mats), ["身份证", "学籍证明"]);
}

#[test]
fn seed_2_student_elsewhere_with_wuhan_hukou() {
    let (cat, mats) = eligible(&applicant("清华大学", true, "湖北武汉", "小学/语文"));
    assert_eq!(cat, "student_outside_wuhan");
    assert_eq!(names(&mats), ["身份证", "户口本或集体户口", "学籍证明"]);
}

#[test]
fn seed_3_non_student_with_wuhan_hukou() {
    let (cat, mats) = eligible(&applicant("清华大学", false, "湖北武汉", "小学/数学"));
    assert_eq!(cat, "non_student_wuhan_hukou");
    assert_eq!(names(&mats), ["身份证", "户口本或集体户口", "毕业证"]);
}

#[test]
fn seed_4_non_student_with_residence_permit() {
    let (cat, mats) = eligible(&applicant("清华大学", false, "湖北宜昌", "初级中学/数学"));
    assert_eq!(cat, "non_student_residence_permit");
    assert_eq!(names(&mats), ["身份证", "居住证", "毕业证"]);
}

#[test]
fn seed_5_hubei_japanese() {
    let (cat, mats) = eligible(&applicant("清华大学", false, "湖北宜昌", "初级中学/日语"));
    assert_eq!(cat, "hubei_japanese_russian");
    assert_eq!(
        names(&mats),
        ["身份证", "户口本或集体户口", "毕业证或学籍证明"]
    );
    // Russian, and a student at a Wuhan school: the language category comes first.
    let (cat, _) = eligible(&applicant("武汉大学", true, "湖北武汉", "高级中学/俄语"));
    assert_eq!(cat, "hubei_japanese_russian");
}

#[test]
fn seed_6_hubei_vocational_internship_needs_qualification() {
    let a = applicant("清华大学", false, "湖北宜昌", "中等职业学校/实习指导");
    let (cat, mats) = eligible(&a);
    assert_eq!(cat, "hubei_vocational");
    let expected = ["身份证", "户口本或集体户口", "毕业证或学籍证明", "资格证书"];
    assert_eq!(names(&mats), expected);
    let expected = [
        "id_card",
        "hukou_book",
        "diploma_or_student_status",
        "qualification",
    ];
    assert_eq!(mats, expected);
}

#[test]
fn seed_6_hubei_vocational_course_without_qualification() {
    for subject in ["中等职业学校/专业课", "中职专业课", "中等职业学校专业课"]
    {
        let (cat, mats) = eligible(&applicant("清华大学", false, "湖北宜昌", subject));
        assert_eq!(cat, "hubei_vocational", "{subject}");
        assert_eq!(
            names(&mats),
            ["身份证", "户口本或集体户口", "毕业证或学籍证明"]
        );
    }
}

#[test]
fn japanese_outside_hubei_falls_into_general_categories() {
    let (cat, _) = eligible(&applicant("清华大学", false, "河南郑州", "初级中学/日语"));
    assert_eq!(cat, "non_student_residence_permit");
}

#[test]
fn student_elsewhere_without_wuhan_hukou_is_not_eligible() {
    let a = applicant("清华大学", true, "北京市", "小学/语文");
    let Classification::NotEligible { reason } = ExamConfig::default_config().classify(&a) else {
        panic!("expected not eligible");
    };
    assert!(reason.contains("联系武汉市教师资格考试机构"), "{reason}");
    assert!(reason.contains("清华大学"), "{reason}");
    assert!(reason.contains("按不在武汉市处理"), "{reason}");
}

#[test]
fn school_location_overrides_the_list() {
    let mut a = applicant("清华大学", true, "北京市", "小学/语文");
    a.school_location = Some(region::normalise("武汉"));
    let (cat, mats) = eligible(&a);
    assert_eq!(cat, "student_in_wuhan");
    assert_eq!(names(&mats), ["身份证", "学籍证明"]);
    // …also when it says a listed school is elsewhere.
    let mut a = applicant("武汉大学", true, "湖北武汉", "小学/语文");
    a.school_location = Some(region::normalise("北京"));
    assert_eq!(eligible(&a).0, "student_outside_wuhan");
}

#[test]
fn school_names_match_with_other_parentheses_and_spaces() {
    let (cat, _) = eligible(&applicant(
        " 中国地质大学 (武汉)",
        true,
        "湖北宜昌",
        "小学/语文",
    ));
    assert_eq!(cat, "student_in_wuhan");
}

#[test]
fn unrecognised_hukou_city_is_not_guessed() {
    // Hubei province known, city unknown: neither Wuhan nor non-Wuhan category.
    let a = Applicant {
        hukou: Region {
            province: Some("湖北省".into()),
            city: None,
        },
        ..applicant("清华大学", false, "湖北", "小学/数学")
    };
    let explanation = ExamConfig::default_config().explain(&a);
    let Classification::NotEligible { reason } = explanation.classification() else {
        panic!("expected not eligible: {explanation}");
    };
    assert!(reason.contains("无法根据名册信息确定"), "{reason}");
    assert!(reason.contains("户口所在地“湖北”"), "{reason}");
    assert_eq!(explanation.steps().last().unwrap().verdict, Truth::Unknown);
    // A known other province is definitely not Wuhan.
    let (cat, _) = eligible(&Applicant {
        hukou: Region {
            province: Some("河南省".into()),
            city: None,
        },
        ..applicant("清华大学", false, "河南", "小学/数学")
    });
    assert_eq!(cat, "non_student_residence_permit");
}

#[test]
fn explanation_lists_every_condition_and_the_match() {
    let config = ExamConfig::default_config();
    let a = applicant("清华大学", false, "湖北宜昌", "初级中学/数学");
    let explanation = config.explain(&a);
    let text = explanation.to_string();
    for category in &config.categories()[..4] {
        assert!(text.contains(&category.name), "{text}");
    }
    for condition in [
        "户口所在省份为湖北省：✓（户口所在地“湖北宜昌”→ 湖北省宜昌市）",
        "报考学科包含“日语”或“俄语”：✗（报考学科“初级中学/数学”）",
        "报考学科包含“专业课”或“实习指导”：✗",
        "是在校生：✗（是否在校生：否）",
        "学校所在城市为武汉市：✗（学校“清华大学”不在高校名单中",
        "学校所在城市不是武汉市：✓",
        "户口所在城市为武汉市：✗（户口所在地“湖北宜昌”→ 湖北省宜昌市）",
        "户口所在城市不是武汉市：✓（户口所在地“湖北宜昌”→ 湖北省宜昌市）",
        "→ 匹配：无武汉市户籍但有居住证（有效期内）的非在校考生，需上传：身份证、居住证、毕业证",
    ] {
        assert!(text.contains(condition), "missing {condition:?} in\n{text}");
    }
    assert_eq!(explanation.steps().len(), 6);
    assert_eq!(explanation.classification(), &config.classify(&a));
}

#[test]
fn explanation_shows_conditional_material() {
    let a = applicant("清华大学", false, "湖北宜昌", "中等职业学校/专业课");
    let text = ExamConfig::default_config().explain(&a).to_string();
    assert!(
        text.contains("材料“资格证书”仅部分考生需要：不需要"),
        "{text}"
    );
    assert!(text.contains("报考学科包含“实习指导”：✗"), "{text}");
    assert!(
        text.ends_with("需上传：身份证、户口本或集体户口、毕业证或学籍证明"),
        "{text}"
    );
}

#[test]
fn explanation_of_not_eligible_ends_with_reason() {
    let a = applicant("清华大学", true, "北京市", "小学/语文");
    let explanation = ExamConfig::default_config().explain(&a);
    let text = explanation.to_string();
    assert!(text.contains("→ 没有符合的报考类别："), "{text}");
    assert_eq!(explanation.steps().len(), 6);
}
