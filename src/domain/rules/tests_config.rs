//! Parsing and validating configuration files.

use super::*;

/// A small valid config; line numbers below refer to it.
const BASE: &str = r#"[exam]
code = "T1"
name = "测试考试"
city = "武汉"
province = "湖北"

[[materials]]
code = "id_card"
name = "身份证"
description = "正反面"

[[materials]]
code = "diploma"
name = "毕业证"
max_images = 3

[[categories]]
code = "local"
name = "本地考生"
when = { hukou_city = ["武汉"], hukou_province = "湖北" }
materials = ["id_card", "diploma"]

[schools]
"武汉" = ["武汉大学"]
"#;

fn errors(text: &str) -> Vec<ConfigError> {
    ExamConfig::parse(text).expect_err("config should be rejected")
}

fn only_error(text: &str) -> ConfigError {
    let errors = errors(text);
    assert_eq!(errors.len(), 1, "{errors:?}");
    errors.into_iter().next().unwrap()
}

#[test]
fn default_config_parses_with_the_seed_materials() {
    let config = ExamConfig::parse(ExamConfig::default_text()).expect("default config");
    assert_eq!(config.code(), "WH2023H2");
    assert_eq!(
        config.name(),
        "武汉市2023年下半年中小学教师资格考试（面试）"
    );
    assert_eq!((config.city(), config.province()), ("武汉市", "湖北省"));
    let seed = [
        ("身份证", "身份证正反面均需拍照上传"),
        (
            "户口本或集体户口",
            "拍照上传户口本首页和本人页；集体户口页上传整页户口页。",
        ),
        (
            "学籍证明",
            "拍照上传学校学籍管理部门开具的学籍证明原件或学信网学籍报告",
        ),
        ("毕业证", "毕业证照片"),
        ("居住证", "拍照上传居住证正反面"),
        (
            "毕业证或学籍证明",
            "毕业证或学籍管理部门开具的学籍证明原件（或学信网学籍报告）。",
        ),
        (
            "资格证书",
            "拍照上传助理工程师及以上职称证书或中级及以上工人技术等级资格证书",
        ),
    ];
    let got: Vec<(&str, &str)> = config
        .materials()
        .iter()
        .map(|m| (m.name.as_str(), m.description.as_str()))
        .collect();
    assert_eq!(got, seed);
    assert!(config.materials().iter().all(|m| m.max_images == 10));
    assert_eq!(
        config.material("id_card").unwrap().example.as_deref(),
        Some("id_card.svg")
    );
}

#[test]
fn default_config_has_six_categories_in_order() {
    let config = ExamConfig::default_config();
    let names: Vec<&str> = config
        .categories()
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "湖北省报考日语、俄语科目面试的考生",
            "湖北省报考中职专业课及实习指导教师资格的考生",
            "在武汉市普通高等学校就读的三年级及以上学生",
            "不在武汉市普通高等学校就读的三年级及以上学生",
            "具有武汉市户籍的非在校考生",
            "无武汉市户籍但有居住证（有效期内）的非在校考生",
        ]
    );
}

#[test]
fn default_school_list_is_wuhan_only() {
    let config = ExamConfig::default_config();
    assert_eq!(config.schools().len(), 1);
    assert_eq!(config.schools()[0].place.city, "武汉市");
    assert!(config.schools()[0].names.len() >= 80);
    for school in [
        "武汉大学",
        "中国地质大学(武汉)",
        "海军工程大学",
        "武汉铁路职业技术学院",
    ] {
        assert_eq!(
            config.school_city(school).map(|p| p.city.as_str()),
            Some("武汉市")
        );
    }
    for elsewhere in ["湖北师范大学", "三峡大学", "长江大学", "清华大学"] {
        assert_eq!(config.school_city(elsewhere), None, "{elsewhere}");
    }
}

#[test]
fn short_place_names_are_normalised() {
    let config = ExamConfig::parse(BASE).expect("base config");
    assert_eq!(config.city(), "武汉市");
    let conditions = &config.categories()[0].conditions;
    assert!(conditions.contains(&Condition::HukouProvince(vec!["湖北省".into()])));
    assert!(matches!(&conditions[1], Condition::HukouCity(p) if p[0].city == "武汉市"));
    assert_eq!(config.material("diploma").unwrap().max_images, 3);
}

#[test]
fn unknown_material_names_its_line() {
    let text = BASE.replace(r#"["id_card", "diploma"]"#, r#"["id_card", "photo"]"#);
    let e = only_error(&text);
    assert_eq!((e.line, e.column), (21, 25));
    assert!(e.message.contains("未定义的材料“photo”"), "{e}");
    assert!(e.to_string().starts_with("第21行第25列："), "{e}");
}

#[test]
fn syntax_error_names_its_line() {
    let text = BASE.replace(r#"name = "毕业证""#, r#"name = "毕业证"#);
    let e = &errors(&text)[0];
    assert_eq!(e.line, 14, "{e}");
    assert!(e.message.starts_with("TOML 格式错误"), "{e}");
}

#[test]
fn duplicate_codes_are_errors() {
    let text = BASE.replace(r#"code = "diploma""#, r#"code = "id_card""#);
    let errors = errors(&text);
    assert!(
        errors
            .iter()
            .any(|e| e.line == 13 && e.message.contains("材料代码“id_card”重复（第8行已使用）"))
    );
    let text = format!(
        "{}\n[[categories]]\ncode = \"local\"\nname = \"又一个\"\nmaterials = [\"id_card\"]\n",
        BASE.replace("[schools]\n\"武汉\" = [\"武汉大学\"]\n", "")
    );
    let e = only_error(&text);
    assert!(
        e.message.contains("类别代码“local”重复（第18行已使用）"),
        "{e}"
    );
}

#[test]
fn unknown_when_key_is_an_error() {
    let text = BASE.replace("hukou_city = ", "hukou_town = ");
    let e = only_error(&text);
    assert_eq!(e.line, 20);
    assert!(e.message.contains("不认识的配置项“hukou_town”"), "{e}");
    assert!(e.message.contains("hukou_city_not"), "{e}");
}

#[test]
fn semantic_errors_are_all_reported() {
    let text = BASE
        .replace("max_images = 3", "max_images = 0")
        .replace(r#"name = "本地考生""#, r#"name = " ""#)
        .replace(r#"["武汉"], hukou_province"#, r#"["火星"], hukou_province"#);
    let errors = errors(&text);
    let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [15, 19, 20], "{errors:?}");
    assert!(errors[0].message.contains("max_images"));
    assert!(errors[1].message.contains("类别名称"));
    assert!(errors[2].message.contains("“火星”不是能识别的城市"));
}

#[test]
fn structural_errors() {
    let e = only_error(
        "[exam]\ncode = \"x\"\nname = \"x\"\ncity = \"武汉\"\nprovince = \"湖北\"\nmaterials = []\ncategories = []\n",
    );
    assert!(
        e.message.contains("缺少必填项") || e.message.contains("不认识"),
        "{e}"
    );
    let e = only_error(&BASE.replace("max_images = 3", "max_images = \"3\""));
    assert!(e.message.contains("类型不对：应为整数"), "{e}");
    let text = BASE.replace(
        r#""diploma"]"#,
        r#"{ material = "diploma", when = { subject_contains = [] } }]"#,
    );
    let e = only_error(&text);
    assert!(e.message.contains("subject_contains 的列表不能为空"), "{e}");
    let text = BASE.replace(r#"hukou_province = "湖北""#, r#"school_city = "黄石""#);
    let e = only_error(&text);
    assert!(e.message.contains("没有“黄石市”的高校名单"), "{e}");
}

#[test]
fn empty_categories_and_unreachable_categories() {
    let cut = BASE.find("[[categories]]").unwrap();
    let text = format!("categories = []\n{}", &BASE[..cut]);
    let e = only_error(&text);
    assert_eq!(e.line, 1);
    assert!(e.message.contains("至少需要配置一个报考类别"), "{e}");
    // A category without conditions hides every category after it.
    let text = BASE
        .replace(
            "when = { hukou_city = [\"武汉\"], hukou_province = \"湖北\" }\n",
            "",
        )
        .replace("[schools]\n\"武汉\" = [\"武汉大学\"]\n", "")
        + "\n[[categories]]\ncode = \"later\"\nname = \"之后\"\nmaterials = [\"id_card\"]\n";
    let e = only_error(&text);
    assert!(e.message.contains("永远不会被用到"), "{e}");
}

#[test]
fn error_display_format() {
    let e = ConfigError {
        line: 3,
        column: 7,
        message: "出错".into(),
    };
    assert_eq!(e.to_string(), "第3行第7列：出错");
}
