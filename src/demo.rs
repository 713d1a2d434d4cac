//! The demo exam: the seed system's exam, one candidate per category (and one who is not
//! eligible here), a reviewer and an admin. Loading it again changes nothing.

use anyhow::Context;
use indicatif::ProgressBar;
use time::Duration;

use crate::auth::hash_password;
use crate::db::Db;
use crate::db::staff::Role;
use crate::domain::rules::ExamConfig;
use crate::import::import_roster;

/// The demo roster: the seed's six examples plus one candidate who matches no category.
/// ID numbers are synthetic, with correct check digits.
const ROSTER: &str = include_str!("../config/demo-roster.csv");

pub const REVIEWER: (&str, &str) = ("reviewer", "Demo-review-2023");
pub const ADMIN: (&str, &str) = ("admin", "Demo-admin-2023");

/// What the demo holds, for printing.
pub struct Demo {
    pub exam_code: String,
    pub exam_name: String,
    /// (身份证号, 姓名, initial password = email, category or why not eligible)
    pub candidates: Vec<(String, String, String, String)>,
}

pub async fn load(db: &Db) -> anyhow::Result<Demo> {
    let rules = ExamConfig::default_config();
    let exam = db
        .save_exam(rules.code(), rules.name(), ExamConfig::default_text())
        .await?;
    db.set_current_exam(exam.id).await?;
    if exam.upload_opens_at.is_none() && exam.upload_closes_at.is_none() {
        let now = crate::db::now();
        db.set_upload_window(
            exam.id,
            Some(now - Duration::days(1)),
            Some(now + Duration::days(30)),
        )
        .await?;
    }
    let roster =
        crate::roster::from_bytes(ROSTER.as_bytes().to_vec()).context("reading the demo roster")?;
    let report = import_roster(db, &exam, roster, false, ProgressBar::hidden()).await?;
    anyhow::ensure!(
        report.refused == 0,
        "the demo roster has bad rows:\n{report}"
    );

    for ((username, password), role) in [(REVIEWER, Role::Reviewer), (ADMIN, Role::Admin)] {
        let hash = hash_password(password.to_string()).await?;
        db.save_staff(username, &hash, role, false).await?;
    }

    let mut candidates = Vec::new();
    for line in ROSTER.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let (id_number, name, email) = (fields[1], fields[2], fields[3]);
        let row = db
            .find_candidate_by_id_number(exam.id, id_number)
            .await?
            .context("a demo candidate is missing after import")?;
        let category = match (&row.facts.category, &row.facts.ineligible_reason) {
            (Some(code), _) => rules
                .category(code)
                .map(|c| c.name.clone())
                .unwrap_or_else(|| code.clone()),
            (None, Some(reason)) => format!("不符合本考区审核条件：{reason}"),
            (None, None) => String::new(),
        };
        candidates.push((id_number.into(), name.into(), email.into(), category));
    }
    Ok(Demo {
        exam_code: exam.code,
        exam_name: exam.name,
        candidates,
    })
}

impl Demo {
    /// The credentials a person needs to try the demo.
    pub fn print(&self, url: &str) {
        println!("演示考试：{}（{}）", self.exam_name, self.exam_code);
        println!("网址：{url}");
        println!("考生（账号为身份证号，初始密码为电子邮箱）：");
        for (id_number, name, email, category) in &self.candidates {
            println!("  {id_number}  {name}  密码 {email}  类别：{category}");
        }
        println!("审核员：{}  密码 {}", REVIEWER.0, REVIEWER.1);
        println!("管理员：{}  密码 {}", ADMIN.0, ADMIN.1);
    }
}
