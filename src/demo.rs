//! The demo exam: the seed system's exam, one candidate per category (and one who is not
//! eligible here), a reviewer and an admin. Loading it again changes nothing.
//!
//! [`load_story`] adds what the administration walk-through needs: two roster files in the
//! data folder (one with bad rows, then the same candidates fixed) and a few candidates who
//! have already submitted synthetic photos, so the queue and the dashboard are not empty.

use std::path::{Path, PathBuf};

use anyhow::Context;
use bytes::Bytes;
use indicatif::ProgressBar;
use time::Duration;

use crate::auth::hash_password;
use crate::db::Db;
use crate::db::staff::Role;
use crate::domain::rules::ExamConfig;
use crate::domain::status::Status;
use crate::imaging::Limits;
use crate::import::import_roster;
use crate::portal::{self, Portal};
use crate::storage::Storage;

/// The demo roster: the seed's six examples plus one candidate who matches no category.
/// ID numbers are synthetic, with correct check digits.
const ROSTER: &str = include_str!("../config/demo-roster.csv");

/// Ten new candidates, five rows of them refused (a wrong check digit, no email, “在读” for
/// 是否在校生, no hukou, an ID number twice) and one whose hukou names no city.
const ROSTER_ERRORS: &str = include_str!("../config/demo-roster-errors.csv");
/// The same ten candidates, fixed.
const ROSTER_MORE: &str = include_str!("../config/demo-roster-more.csv");
/// Six candidates who have submitted (see [`submit_examples`]).
const ROSTER_SUBMITTED: &str = include_str!("../config/demo-roster-submitted.csv");

/// The roster files [`load_story`] writes into `<data folder>/demo/`: name, text, what for.
pub const ROSTER_FILES: [(&str, &str, &str); 2] = [
    (
        "demo-roster-errors.csv",
        ROSTER_ERRORS,
        "10 位新考生，其中 5 行有错误、1 位户口所在地不完整：先“试导入”，看报告",
    ),
    (
        "demo-roster-more.csv",
        ROSTER_MORE,
        "改正后的同一批 10 位考生：试导入无误后正式导入",
    ),
];

pub const REVIEWER: (&str, &str) = ("reviewer", "Demo-review-2023");
pub const ADMIN: (&str, &str) = ("admin", "Demo-admin-2023");

/// What the demo holds, for printing.
pub struct Demo {
    pub exam_code: String,
    pub exam_name: String,
    /// (身份证号, 姓名, initial password = email, category or why not eligible)
    pub candidates: Vec<(String, String, String, String)>,
    /// The roster files written for the walk-through, with what each is for.
    pub rosters: Vec<(PathBuf, &'static str)>,
    /// Names of the candidates who have submitted (or been reviewed) already.
    pub submitted: Vec<String>,
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
        rosters: Vec::new(),
        submitted: Vec::new(),
    })
}

/// [`load`] and the walk-through's roster files written into `data_dir`; with a blob store
/// (`serve --demo`), also the candidates of `demo-roster-submitted.csv` submitted with
/// synthetic photos. Running it again changes nothing: a candidate who has submitted is
/// left as they are. (`shenhe demo` keeps to the seven candidates the scripts expect.)
pub async fn load_story(
    db: &Db,
    storage: Option<&Storage>,
    data_dir: &Path,
) -> anyhow::Result<Demo> {
    let mut demo = load(db).await?;
    demo.rosters = write_rosters(data_dir)?;
    if let Some(storage) = storage {
        demo.submitted = submit_examples(db, storage).await?;
    }
    Ok(demo)
}

/// Writes [`ROSTER_FILES`] into `<data_dir>/demo/` (again each time, as shipped).
pub fn write_rosters(data_dir: &Path) -> anyhow::Result<Vec<(PathBuf, &'static str)>> {
    let folder = data_dir.join("demo");
    std::fs::create_dir_all(&folder)
        .with_context(|| format!("creating the folder {}", folder.display()))?;
    ROSTER_FILES
        .iter()
        .map(|(name, text, purpose)| {
            let path = folder.join(name);
            std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
            Ok((path, *purpose))
        })
        .collect()
}

/// Imports the candidates of `demo-roster-submitted.csv` into the current exam; each one
/// still a draft uploads a synthetic photo per required material and submits, while the
/// window is open. Returns the names of those who have submitted.
pub async fn submit_examples(db: &Db, storage: &Storage) -> anyhow::Result<Vec<String>> {
    let exam = db
        .current_exam()
        .await?
        .context("the demo exam is not current")?;
    let roster = crate::roster::from_bytes(ROSTER_SUBMITTED.as_bytes().to_vec())
        .context("reading the demo roster of submitted candidates")?;
    let report = import_roster(db, &exam, roster, false, ProgressBar::hidden()).await?;
    anyhow::ensure!(
        report.refused == 0,
        "the demo roster has bad rows:\n{report}"
    );
    let portal = Portal::new(db.clone(), storage.clone(), Limits::default());
    let mut candidates = Vec::new();
    for line in ROSTER_SUBMITTED.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let (id_number, name) = (fields[1], fields[2]);
        let row = db
            .find_candidate_by_id_number(exam.id, id_number)
            .await?
            .context("a demo candidate is missing after import")?;
        candidates.push((row.id, name));
    }
    // At once: the photos are normalised on every core.
    let done = futures::future::try_join_all(
        candidates
            .iter()
            .enumerate()
            .map(|(i, (id, _))| submit_one(&portal, *id, i)),
    )
    .await?;
    Ok(candidates
        .into_iter()
        .zip(done)
        .filter(|(_, done)| *done)
        .map(|((_, name), _)| name.to_string())
        .collect())
}

/// Uploads what the candidate still misses and submits; `false` when they cannot (the
/// window is closed, say). A candidate past the draft stage counts as submitted.
async fn submit_one(portal: &Portal, candidate_id: i64, seed: usize) -> anyhow::Result<bool> {
    let now = crate::db::now();
    let overview = portal::overview(portal, candidate_id, now)
        .await?
        .context("a demo candidate has no overview")?;
    if overview.status != Status::Draft {
        return Ok(true);
    }
    for (j, material) in overview.materials.iter().enumerate() {
        if material.required && material.images.is_empty() {
            let photo = Bytes::from(synthetic_photo(seed * 7 + j));
            if portal::upload(portal, candidate_id, &material.code, photo, now)
                .await
                .is_err()
            {
                return Ok(false);
            }
        }
    }
    Ok(portal::submit(portal, candidate_id, now).await.is_ok())
}

/// A made-up document photo (a JPEG, 480 × 320): a tinted card with a header band, a
/// portrait box, lines of "text" and a red stamp. `seed` varies the tint and the lines.
pub fn synthetic_photo(seed: usize) -> Vec<u8> {
    const W: usize = 480;
    const H: usize = 320;
    let tints = [
        [232, 240, 254],
        [236, 253, 245],
        [254, 249, 231],
        [245, 240, 255],
    ];
    let tint = tints[seed % tints.len()];
    let mut pixels = Vec::with_capacity(W * H * 3);
    for y in 0..H {
        for x in 0..W {
            let (dx, dy) = (x as i64 - 400, y as i64 - 250);
            let ring = dx * dx + dy * dy;
            let color: [u8; 3] = if !(12..W - 12).contains(&x) || !(12..H - 12).contains(&y) {
                [90, 100, 115]
            } else if y < 55 {
                [29, 78, 216]
            } else if (30..130).contains(&x) && (80..210).contains(&y) {
                [176, 184, 196]
            } else if (1250..1600).contains(&ring) {
                [220, 38, 38]
            } else if y >= 75
                && (y - 75) % 28 < 9
                && x >= 160
                && x < 440 - ((y - 75) / 28 * 37 + seed * 53) % 90
            {
                [70, 78, 90]
            } else {
                tint
            };
            pixels.extend_from_slice(&color);
        }
    }
    let mut bytes = Vec::new();
    // A fixed, well-sized RGB buffer always encodes.
    let _ = jpeg_encoder::Encoder::new(&mut bytes, 85).encode(
        &pixels,
        W as u16,
        H as u16,
        jpeg_encoder::ColorType::Rgb,
    );
    bytes
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
        if !self.submitted.is_empty() {
            println!("已提交材料、等待审核的考生：{}", self.submitted.join("、"));
        }
        println!("审核员：{}  密码 {}", REVIEWER.0, REVIEWER.1);
        println!("管理员：{}  密码 {}（概览：{url}/admin）", ADMIN.0, ADMIN.1);
        if !self.rosters.is_empty() {
            println!("演示名单（管理员在“名单导入”页上传，或用 shenhe import --dry-run 试导入）：");
            for (path, purpose) in &self.rosters {
                println!("  {}  {purpose}", path.display());
            }
        }
    }
}
