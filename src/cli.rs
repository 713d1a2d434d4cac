//! Subcommands. Each opens what it needs, does one job and says what it did.

mod blobs;
mod exams;
mod results;
mod staff;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::config::{Config, ServeConfig};
use crate::db::Db;
use crate::db::audit::{Actor, AuditEntry};
use crate::db::exams::ExamRow;
use crate::db::settings::SECOND_REVIEW_SHARE;
use crate::domain::id_number::IdNumber;
use crate::domain::rules::ExamConfig;
use crate::storage::Storage;
use crate::web::{AppState, Server, shutdown_signal};

#[derive(Debug, Parser)]
#[command(
    name = "shenhe",
    version,
    about = "网上审核系统 — online document review for exam offices"
)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (migrations run first).
    Serve(ServeConfig),
    /// Run the database migrations and exit.
    Migrate,
    /// Load the demo exam, candidates and staff (idempotent) and print the credentials.
    Demo,
    /// Manage exams.
    #[command(subcommand)]
    Exam(ExamCommand),
    /// Import a candidate roster (XLSX, or CSV in UTF-8 or GBK) into an exam.
    Import {
        /// The roster file.
        file: PathBuf,
        /// Check the file and report what would change, writing nothing.
        #[arg(long)]
        dry_run: bool,
        /// Exam code; default: the current exam.
        #[arg(long, env = "SHENHE_EXAM")]
        exam: Option<String>,
    },
    /// Category rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Staff accounts (reviewers and admins).
    #[command(subcommand)]
    Staff(staff::StaffCommand),
    /// Show, or set, the share of approvals that also go to a second reviewer (0 to 1;
    /// every rejection does).
    SecondReview {
        /// For example 0.1 for one approval in ten.
        share: Option<f64>,
    },
    /// Re-encrypt every blob not under the current encryption key (stored before a key
    /// was set, or under an old key). Blobs already current are skipped, so an
    /// interrupted run can simply be started again.
    Rekey,
    /// Check blobs against the database: image rows whose blob is missing, and blobs no
    /// row points at. Exits with status 1 when something is wrong and not repaired.
    Fsck {
        /// Delete blobs that no row points at and that are older than an hour (younger
        /// ones may belong to an upload in progress). Rows are never deleted.
        #[arg(long)]
        repair: bool,
    },
    /// Export review results (what the office uploads back to the national system), as
    /// CSV or XLSX, streamed.
    Export(results::ExportArgs),
    /// Delete every image and the personal data of a finished exam; aggregate statistics
    /// and an anonymised audit trail stay. Refused while the exam's windows are open.
    Purge(results::PurgeArgs),
    /// Print every HTTP route the server answers (path pattern, and methods where known),
    /// for proxy and firewall configs.
    Routes,
}

#[derive(Debug, Subcommand)]
pub enum ExamCommand {
    /// Create an exam from a config file, or update the exam with the same code.
    Add {
        file: PathBuf,
        /// Also make it the current exam for candidate login.
        #[arg(long)]
        current: bool,
    },
    /// List exams.
    List,
    /// Show, or replace, the reasons reviewers pick from when a material fails.
    Reasons {
        /// The new catalogue, in order (a reason containing “请说明” asks the reviewer for
        /// their own words); none: show the current one.
        reasons: Vec<String>,
        /// Go back to the default catalogue.
        #[arg(long, conflicts_with = "reasons")]
        default: bool,
        /// Exam code; default: the current exam.
        #[arg(long, env = "SHENHE_EXAM")]
        exam: Option<String>,
    },
    /// Show, or set, the candidate upload window (Beijing time, e.g. "2023-10-27 09:00").
    Window {
        /// When uploads open.
        #[arg(long)]
        opens: Option<String>,
        /// When uploads close.
        #[arg(long)]
        closes: Option<String>,
        /// Back to "not announced" (closed).
        #[arg(long, conflicts_with_all = ["opens", "closes"])]
        clear: bool,
        /// Exam code; default: the current exam.
        #[arg(long, env = "SHENHE_EXAM")]
        exam: Option<String>,
    },
    /// Show, or set, the default deadline for resubmitting returned materials (Beijing
    /// time); without one, the end of the upload window.
    Deadline {
        /// For example "2023-11-10 17:00".
        at: Option<String>,
        /// Remove the deadline.
        #[arg(long, conflicts_with = "at")]
        clear: bool,
        /// Exam code; default: the current exam.
        #[arg(long, env = "SHENHE_EXAM")]
        exam: Option<String>,
    },
    /// Make an exam the current one for candidate login.
    Current { code: String },
    /// List the candidates whose category a changed config file would change (submitted
    /// ones first), writing nothing; prints the code `exam replace` needs.
    Preview { file: PathBuf },
    /// Replace an exam's rules and move the candidates `exam preview` listed.
    Replace {
        file: PathBuf,
        /// The confirmation code `exam preview` printed; if the candidates changed since,
        /// nothing is saved and the new preview is shown.
        #[arg(long)]
        confirm: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Show a candidate's category and why, rule by rule.
    Explain {
        /// 身份证号
        id_number: String,
        /// Exam code; default: the current exam.
        #[arg(long, env = "SHENHE_EXAM")]
        exam: Option<String>,
    },
    /// Validate an exam config file; names the line of each error.
    Check { file: PathBuf },
}

/// `shenhe routes`: one line per route, in the order the router adds them. A page's methods
/// are not listed (its method router does not say which it has); the API's are.
fn print_routes() -> ExitCode {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let mut lines = vec!["路径\t方法（- 表示未列出）".to_string()];
    for route in crate::web::route_list() {
        let methods = route.methods.map_or_else(
            || "-".to_string(),
            |methods| {
                let names: Vec<&str> = methods.iter().map(|m| m.as_str()).collect();
                names.join(",")
            },
        );
        lines.push(format!("{}\t{methods}", route.path));
    }
    for line in lines {
        // A closed pipe (`shenhe routes | head`) ends the listing, not the process.
        if writeln!(out, "{line}").is_err() {
            break;
        }
    }
    ExitCode::SUCCESS
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = cli.config;
    match cli.command {
        Command::Rules(RulesCommand::Check { file }) => return check_rules(&file),
        Command::Routes => return Ok(print_routes()),
        Command::Serve(serve_config) => serve(&config, &serve_config).await?,
        Command::Staff(command) => {
            let db = open_db(&config).await?;
            let result = staff::run(&db, command).await;
            db.close().await;
            result?;
        }
        Command::Rekey => {
            let storage = Storage::open_with(&config.storage_config()?)?;
            let db = open_db(&config).await?;
            let result = blobs::rekey(&db, &storage).await;
            db.close().await;
            result?;
        }
        Command::Fsck { repair } => {
            let storage = Storage::open_with(&config.storage_config()?)?;
            let db = open_db(&config).await?;
            let result = blobs::fsck(&db, &storage, repair).await;
            db.close().await;
            return result;
        }
        Command::Export(args) => return results::export(&config, args).await,
        Command::Purge(args) => return results::purge(&config, args).await,
        Command::Migrate => {
            open_db(&config).await?.close().await;
            println!("数据库已是最新结构");
        }
        Command::Demo => {
            let db = open_db(&config).await?;
            blobs::ensure_demo_key(&config)?;
            Storage::open_with(&config.storage_config()?)?;
            crate::demo::load_story(&db, None, &config.data_dir)
                .await?
                .print("http://127.0.0.1:8080");
            db.close().await;
        }
        Command::Exam(ExamCommand::Add { file, current }) => {
            let db = open_db(&config).await?;
            let text = read_config(&file)?;
            let rules = match ExamConfig::parse(&text) {
                Ok(rules) => rules,
                Err(errors) => return Ok(print_config_errors(&file, &errors)),
            };
            let before = db.find_exam_by_code(rules.code()).await?;
            if let Some(before) = before.as_ref().filter(|b| b.config != text) {
                let change = db.preview_rule_change(before.id, &rules).await?;
                if change.moved > 0 {
                    eprintln!(
                        "新规则会改变 {} 名考生的类别（其中已提交的 {} 名），未保存。\n\
                         请先运行 shenhe exam preview {} 核对名单，再按提示用 shenhe exam replace 确认。",
                        change.moved,
                        change.moved_submitted,
                        file.display()
                    );
                    db.close().await;
                    return Ok(ExitCode::FAILURE);
                }
            }
            let exam = db.save_exam(rules.code(), rules.name(), &text).await?;
            if current {
                db.set_current_exam(exam.id).await?;
            }
            db.record_audit(AuditEntry {
                actor: Actor::Cli,
                action: "exam_saved",
                candidate_id: None,
                ip: None,
                detail: Some(serde_json::json!({ "exam": exam.code, "current": current })),
            })
            .await?;
            println!("已保存考试 {}（{}）", exam.name, exam.code);
            if before.is_some_and(|b| b.config != text) && db.count_candidates(exam.id).await? > 0 {
                println!(
                    "注意：规则已更新，但已导入考生的类别不会自动改变；重新导入名单后按新规则计算。"
                );
            }
            db.close().await;
        }
        Command::Exam(ExamCommand::Window {
            opens,
            closes,
            clear,
            exam,
        }) => {
            let db = open_db(&config).await?;
            let result = async {
                let exam = choose_exam(&db, exam.as_deref()).await?;
                exams::window(&db, exam, opens, closes, clear).await
            }
            .await;
            db.close().await;
            result?;
        }
        Command::Exam(ExamCommand::Deadline { at, clear, exam }) => {
            let db = open_db(&config).await?;
            let result = async {
                let exam = choose_exam(&db, exam.as_deref()).await?;
                exams::deadline(&db, exam, at, clear).await
            }
            .await;
            db.close().await;
            result?;
        }
        Command::Exam(ExamCommand::Current { code }) => {
            let db = open_db(&config).await?;
            let result = async {
                let exam = choose_exam(&db, Some(&code)).await?;
                exams::current(&db, exam).await
            }
            .await;
            db.close().await;
            result?;
        }
        Command::Exam(ExamCommand::Preview { file }) => {
            let db = open_db(&config).await?;
            let result = exams::preview(&db, &file).await;
            db.close().await;
            return result;
        }
        Command::Exam(ExamCommand::Replace { file, confirm }) => {
            let db = open_db(&config).await?;
            let result = exams::replace(&db, &file, &confirm).await;
            db.close().await;
            return result;
        }
        Command::Exam(ExamCommand::List) => {
            let db = open_db(&config).await?;
            for exam in db.list_exams().await? {
                let mark = if exam.is_current { "（当前）" } else { "" };
                let count = db.count_candidates(exam.id).await?;
                println!("{}  {}{mark}  考生 {count} 人", exam.code, exam.name);
            }
            db.close().await;
        }
        Command::SecondReview { share } => {
            let db = open_db(&config).await?;
            if let Some(share) = share {
                if !(0.0..=1.0).contains(&share) {
                    bail!("比例须在 0 到 1 之间，例如 0.1 表示十分之一的审核通过需要复核。");
                }
                db.set_setting(SECOND_REVIEW_SHARE, &share.to_string())
                    .await?;
                db.record_audit(AuditEntry {
                    actor: Actor::Cli,
                    action: "setting_changed",
                    candidate_id: None,
                    ip: None,
                    detail: Some(serde_json::json!({ "key": SECOND_REVIEW_SHARE, "value": share })),
                })
                .await?;
            }
            let share = db.review_settings().await?.second_review_share;
            println!(
                "复核比例：审核通过的考生中随机 {:.0}% 需第二位审核员复核；审核不通过的全部复核。",
                share * 100.0
            );
            db.close().await;
        }
        Command::Exam(ExamCommand::Reasons {
            reasons,
            default,
            exam,
        }) => {
            let db = open_db(&config).await?;
            let exam = choose_exam(&db, exam.as_deref()).await?;
            if default || !reasons.is_empty() {
                let reasons: Vec<String> = reasons
                    .iter()
                    .map(|r| r.trim().to_string())
                    .filter(|r| !r.is_empty())
                    .collect();
                let stored = (!default && !reasons.is_empty())
                    .then(|| serde_json::to_string(&reasons))
                    .transpose()?;
                db.set_review_reasons(exam.id, stored.as_deref()).await?;
                db.record_audit(AuditEntry {
                    actor: Actor::Cli,
                    action: "setting_changed",
                    candidate_id: None,
                    ip: None,
                    detail: Some(
                        serde_json::json!({ "exam": exam.code, "review_reasons": reasons }),
                    ),
                })
                .await?;
            }
            let exam = db.find_exam(exam.id).await?.context("the exam is gone")?;
            let catalogue =
                crate::domain::review::ReasonCatalogue::from_stored(exam.review_reasons.as_deref());
            println!("{}（{}）的不合格原因：", exam.name, exam.code);
            for (i, reason) in catalogue.reasons().iter().enumerate() {
                println!("  {}. {reason}", i + 1);
            }
            db.close().await;
        }
        Command::Import {
            file,
            dry_run,
            exam,
        } => {
            let db = open_db(&config).await?;
            let exam = choose_exam(&db, exam.as_deref()).await?;
            let roster = crate::roster::open(&file)
                .map_err(|e| anyhow::anyhow!("{}：{e}", file.display()))?;
            let progress = progress_bar(roster.size_hint);
            let report =
                crate::import::import_roster(&db, &exam, roster, dry_run, progress).await?;
            print!("{report}");
            if !dry_run {
                db.record_audit(AuditEntry {
                    actor: Actor::Cli,
                    action: "roster_import",
                    candidate_id: None,
                    ip: None,
                    detail: Some(serde_json::json!({
                        "exam": exam.code,
                        "rows": report.rows,
                        "created": report.created,
                        "updated": report.updated,
                        "refused": report.refused,
                    })),
                })
                .await?;
            }
            db.close().await;
        }
        Command::Rules(RulesCommand::Explain { id_number, exam }) => {
            let id = IdNumber::parse(&id_number).map_err(|e| anyhow::anyhow!("{e}"))?;
            let db = open_db(&config).await?;
            let exam = choose_exam(&db, exam.as_deref()).await?;
            let Some(candidate) = db.find_candidate_by_id_number(exam.id, id.as_str()).await?
            else {
                bail!(
                    "考试 {} 的名单中没有身份证号为 {} 的考生",
                    exam.code,
                    id.masked()
                );
            };
            let rules = ExamConfig::parse(&exam.config).map_err(|_| {
                anyhow::anyhow!("the stored rules of exam {} do not parse", exam.code)
            })?;
            let record = candidate.facts.applicant();
            println!("{}（{}）", candidate.facts.name, id.masked());
            println!("{}", rules.explain(&record));
            db.close().await;
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn serve(config: &Config, serve_config: &ServeConfig) -> anyhow::Result<()> {
    let db = open_db(config).await?;
    if serve_config.demo {
        blobs::ensure_demo_key(config)?;
    }
    let storage = Storage::open_with(&config.storage_config()?)?;
    blobs::check_key(&db, &storage).await?;
    if !storage.is_encrypted() {
        tracing::warn!(
            "uploaded images are stored unencrypted: set --encryption-key-file or \
             SHENHE_ENCRYPTION_KEY to encrypt them at rest"
        );
    }
    let server = Server::bind(
        serve_config.listen,
        AppState::new(db.clone(), storage.clone(), serve_config.web.clone()),
    )
    .await?;
    let url = format!("http://{}", server.local_addr()?);
    if serve_config.demo {
        crate::demo::load_story(&db, Some(&storage), &config.data_dir)
            .await?
            .print(&url);
    }
    tracing::info!(
        "serving on {url} (database: {:?}, blobs: {})",
        db.engine(),
        storage.description()
    );
    if let Some(address) = serve_config.metrics_address {
        let bound = crate::web::serve_metrics(address).await?;
        tracing::info!("metrics on http://{bound}/metrics");
    }
    tokio::spawn(crate::web::sweep_expired(
        db.clone(),
        serve_config.web.clone(),
    ));
    server.run(shutdown_signal()).await?;
    db.close().await;
    Ok(())
}

async fn open_db(config: &Config) -> anyhow::Result<Db> {
    let db = Db::connect(&config.database_url(), config.db_max_connections).await?;
    db.migrate().await?;
    Ok(db)
}

/// The exam named by `--exam`, else the current one, else the only one.
async fn choose_exam(db: &Db, code: Option<&str>) -> anyhow::Result<ExamRow> {
    if let Some(code) = code {
        return db
            .find_exam_by_code(code)
            .await?
            .with_context(|| format!("没有代码为 {code} 的考试；`shenhe exam list` 列出所有考试"));
    }
    if let Some(exam) = db.current_exam().await? {
        return Ok(exam);
    }
    let mut exams = db.list_exams().await?;
    match exams.len() {
        1 => Ok(exams.remove(0)),
        0 => bail!("还没有考试：先用 `shenhe exam add <配置文件>` 创建，或运行 `shenhe demo`"),
        _ => bail!("有多场考试且未设当前考试，请用 --exam 指定考试代码"),
    }
}

fn read_config(file: &std::path::Path) -> anyhow::Result<String> {
    std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))
}

fn check_rules(file: &std::path::Path) -> anyhow::Result<ExitCode> {
    let text = read_config(file)?;
    match ExamConfig::parse(&text) {
        Ok(rules) => {
            println!(
                "{}：配置有效，{} 种材料，{} 个类别",
                file.display(),
                rules.materials().len(),
                rules.categories().len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(errors) => Ok(print_config_errors(file, &errors)),
    }
}

fn print_config_errors(
    file: &std::path::Path,
    errors: &[crate::domain::rules::ConfigError],
) -> ExitCode {
    for error in errors {
        eprintln!("{}：{error}", file.display());
    }
    ExitCode::FAILURE
}

/// A progress bar on a terminal; hidden when output goes to a file or pipe.
fn progress_bar(length: Option<u64>) -> ProgressBar {
    let bar = ProgressBar::new(length.unwrap_or(0));
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {percent}% {elapsed_precise} 剩余 {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}
