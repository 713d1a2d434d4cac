//! `shenhe export` and `shenhe purge`.

use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use super::{choose_exam, open_db};
use crate::config::Config;
use crate::db::audit::Actor;
use crate::results::export::audit_entry;
use crate::results::{ExportOptions, PurgeOutcome, purge_exam, write_export};
use crate::storage::Storage;

/// `shenhe export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Exam code; default: the current exam.
    #[arg(long, env = "SHENHE_EXAM")]
    exam: Option<String>,
    /// Which candidates: all, decided (approved, returned, rejected), approved, returned,
    /// rejected, pending (submitted or in review), submitted, in_review or draft.
    #[arg(long, default_value = "all")]
    status: String,
    /// csv or xlsx; default: from the output file's extension, else csv.
    #[arg(long)]
    format: Option<String>,
    /// Text encoding of a CSV: utf-8 (with a byte-order mark, for Excel) or gbk.
    #[arg(long, default_value = "utf-8")]
    encoding: String,
    /// The file to write; default: 审核结果-<exam>-<status>.<format> in this folder.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

/// `shenhe purge`.
#[derive(Debug, Args)]
pub struct PurgeArgs {
    /// The exam's code (required: a purge cannot be undone).
    #[arg(long)]
    exam: String,
    /// Do not ask for the exam code again.
    #[arg(long)]
    yes: bool,
}

pub async fn export(config: &Config, args: ExportArgs) -> anyhow::Result<ExitCode> {
    let format = args.format.clone().or_else(|| {
        let extension = args.output.as_deref()?.extension()?.to_str()?;
        Some(extension.to_string())
    });
    let options =
        match ExportOptions::parse(format.as_deref(), Some(&args.encoding), Some(&args.status)) {
            Ok(options) => options,
            Err(refused) => {
                eprintln!("{refused}");
                return Ok(ExitCode::FAILURE);
            }
        };
    let db = open_db(config).await?;
    let result = async {
        let exam = choose_exam(&db, args.exam.as_deref()).await?;
        let output = args
            .output
            .clone()
            .unwrap_or_else(|| PathBuf::from(options.file_names(&exam.code).0));
        let folder = match output.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        // Written beside the target and renamed at the end: a failed export leaves no
        // half file under the name.
        let file = tempfile::NamedTempFile::new_in(&folder)
            .with_context(|| format!("不能在 {} 中写入文件", folder.display()))?;
        let writer = BufWriter::with_capacity(256 * 1024, file.reopen()?);
        let rows = write_export(&db, &exam, options, Box::new(writer)).await?;
        persist(file, &output)?;
        db.record_audit(audit_entry(Actor::Cli, None, &exam, options, rows))
            .await?;
        println!(
            "已导出{}（{}）{}的审核结果 {rows} 条到 {}",
            exam.name,
            exam.code,
            options.status.label(),
            output.display()
        );
        Ok::<_, anyhow::Error>(())
    }
    .await;
    db.close().await;
    result?;
    Ok(ExitCode::SUCCESS)
}

fn persist(file: tempfile::NamedTempFile, output: &Path) -> anyhow::Result<()> {
    file.persist(output)
        .map_err(|e| e.error)
        .with_context(|| format!("不能写入 {}", output.display()))?;
    Ok(())
}

pub async fn purge(config: &Config, args: PurgeArgs) -> anyhow::Result<ExitCode> {
    let storage = Storage::open_with(&config.storage_config()?)?;
    let db = open_db(config).await?;
    let result = async {
        let exam = choose_exam(&db, Some(&args.exam)).await?;
        if exam.purged_at.is_none() && !args.yes && !confirmed(&exam.code, &exam.name)? {
            eprintln!("考试代码不一致，未做任何清除。");
            return Ok(ExitCode::FAILURE);
        }
        match purge_exam(&db, &storage, &exam, Actor::Cli, None).await? {
            PurgeOutcome::Refused(reason) => {
                eprintln!("{reason}（未做任何清除）");
                Ok(ExitCode::FAILURE)
            }
            PurgeOutcome::Done(report) => {
                print!("{report}");
                Ok(ExitCode::SUCCESS)
            }
        }
    }
    .await;
    db.close().await;
    result
}

/// Asks for the exam code on the terminal.
fn confirmed(code: &str, name: &str) -> anyhow::Result<bool> {
    print!(
        "将永久删除{name}（{code}）的全部图片和考生个人信息，不能恢复。\n请输入考试代码 {code} 确认："
    );
    std::io::stdout().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(answer.trim() == code)
}
