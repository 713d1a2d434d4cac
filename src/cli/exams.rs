//! `shenhe exam window | deadline | current | preview | replace`: what the exam pages do.

use std::path::Path;
use std::process::ExitCode;

use anyhow::bail;
use time::OffsetDateTime;

use super::{print_config_errors, read_config};
use crate::db::Db;
use crate::db::audit::{Actor, AuditEntry};
use crate::db::exams::ExamRow;
use crate::db::recategorise::{RuleChange, RuleSave};
use crate::domain::id_number::mask;
use crate::domain::rules::ExamConfig;
use crate::domain::status::Status;
use crate::domain::window::{Window, beijing, parse_beijing};

async fn audit(db: &Db, action: &'static str, detail: serde_json::Value) -> anyhow::Result<()> {
    db.record_audit(AuditEntry {
        actor: Actor::Cli,
        action,
        candidate_id: None,
        ip: None,
        detail: Some(detail),
    })
    .await
}

fn moment(text: &str) -> anyhow::Result<OffsetDateTime> {
    match parse_beijing(text) {
        Some(at) => Ok(at),
        None => bail!("时间 {text} 的格式不正确，请写成 \"2023-10-27 09:00\"（北京时间）"),
    }
}

fn shown(at: Option<OffsetDateTime>) -> String {
    at.map(beijing).unwrap_or_else(|| "未设置".to_string())
}

/// Sets what is given of the upload window, then shows it.
pub async fn window(
    db: &Db,
    exam: ExamRow,
    opens: Option<String>,
    closes: Option<String>,
    clear: bool,
) -> anyhow::Result<()> {
    if clear || opens.is_some() || closes.is_some() {
        let window = Window {
            opens_at: match (&opens, clear) {
                (_, true) => None,
                (Some(text), _) => Some(moment(text)?),
                (None, _) => exam.upload_opens_at,
            },
            closes_at: match (&closes, clear) {
                (_, true) => None,
                (Some(text), _) => Some(moment(text)?),
                (None, _) => exam.upload_closes_at,
            },
        };
        if let Some(refusal) = window.refusal_to_save() {
            bail!("{refusal}");
        }
        db.set_upload_window(exam.id, window.opens_at, window.closes_at)
            .await?;
        let detail = serde_json::json!({
            "exam": exam.code,
            "upload_opens_at": window.opens_at.map(|t| t.to_string()),
            "upload_closes_at": window.closes_at.map(|t| t.to_string()),
        });
        audit(db, "exam_saved", detail).await?;
    }
    let exam = db.find_exam(exam.id).await?.unwrap_or(exam);
    println!(
        "{}（{}）材料上传时间：{} 至 {}（北京时间）",
        exam.name,
        exam.code,
        shown(exam.upload_opens_at),
        shown(exam.upload_closes_at)
    );
    Ok(())
}

/// Sets (or clears) the resubmission deadline, then shows it.
pub async fn deadline(
    db: &Db,
    exam: ExamRow,
    at: Option<String>,
    clear: bool,
) -> anyhow::Result<()> {
    if clear || at.is_some() {
        let deadline = at.as_deref().map(moment).transpose()?;
        db.set_resubmit_deadline(exam.id, deadline).await?;
        let detail = serde_json::json!({
            "exam": exam.code,
            "resubmit_deadline": deadline.map(|t| t.to_string()),
        });
        audit(db, "exam_saved", detail).await?;
    }
    let exam = db.find_exam(exam.id).await?.unwrap_or(exam);
    match exam.resubmit_deadline {
        Some(at) => println!(
            "{}（{}）重新提交截止时间：{}（北京时间）",
            exam.name,
            exam.code,
            beijing(at)
        ),
        None => println!(
            "{}（{}）未单独设置重新提交截止时间：以材料上传截止时间为准。",
            exam.name, exam.code
        ),
    }
    Ok(())
}

pub async fn current(db: &Db, exam: ExamRow) -> anyhow::Result<()> {
    if exam.purged_at.is_some() {
        bail!("考试 {} 的资料已清除，不能再设为当前考试", exam.code);
    }
    db.set_current_exam(exam.id).await?;
    audit(
        db,
        "exam_saved",
        serde_json::json!({ "exam": exam.code, "current": true }),
    )
    .await?;
    println!("已将 {}（{}）设为当前考试", exam.name, exam.code);
    Ok(())
}

/// The exam a config file is for and its new rules; `Err(code)` is the exit code after
/// the errors were printed.
async fn proposal(
    db: &Db,
    file: &Path,
) -> anyhow::Result<Result<(ExamRow, String, ExamConfig), ExitCode>> {
    let text = read_config(file)?.replace("\r\n", "\n");
    let rules = match ExamConfig::parse(&text) {
        Ok(rules) => rules,
        Err(errors) => return Ok(Err(print_config_errors(file, &errors))),
    };
    let Some(exam) = db.find_exam_by_code(rules.code()).await? else {
        bail!(
            "没有代码为 {} 的考试；新考试请用 `shenhe exam add {}` 创建",
            rules.code(),
            file.display()
        );
    };
    if exam.purged_at.is_some() {
        bail!("考试 {} 的资料已清除，不能再修改规则", exam.code);
    }
    Ok(Ok((exam, text, rules)))
}

/// Lists who the new rules would move; writes nothing.
pub async fn preview(db: &Db, file: &Path) -> anyhow::Result<ExitCode> {
    let (exam, _, rules) = match proposal(db, file).await? {
        Ok(p) => p,
        Err(code) => return Ok(code),
    };
    let change = db.preview_rule_change(exam.id, &rules).await?;
    let old = ExamConfig::parse(&exam.config).ok();
    print_change(&change, old.as_ref(), &rules);
    println!(
        "确认无误后运行：shenhe exam replace {} --confirm {}",
        file.display(),
        change.digest
    );
    Ok(ExitCode::SUCCESS)
}

/// Saves the new rules and moves the candidates, if the moves are those confirmed.
pub async fn replace(db: &Db, file: &Path, confirm: &str) -> anyhow::Result<ExitCode> {
    let (exam, text, rules) = match proposal(db, file).await? {
        Ok(p) => p,
        Err(code) => return Ok(code),
    };
    let old = ExamConfig::parse(&exam.config).ok();
    match db
        .save_rule_change(exam.id, &exam.code, &rules, &text, confirm.trim())
        .await?
    {
        RuleSave::Changed(change) => {
            eprintln!("考生名单或状态在预览之后有变化（或确认码不对），规则未保存。新的预览：");
            print_change(&change, old.as_ref(), &rules);
            eprintln!(
                "核对后运行：shenhe exam replace {} --confirm {}",
                file.display(),
                change.digest
            );
            Ok(ExitCode::FAILURE)
        }
        RuleSave::Saved(change) => {
            let detail = serde_json::json!({
                "exam": exam.code,
                "candidates": change.candidates,
                "moved": change.moved,
                "moved_submitted": change.moved_submitted,
            });
            audit(db, "exam_rules_changed", detail).await?;
            println!(
                "已保存 {}（{}）的新规则；{} 名考生的类别已调整（其中已提交的 {} 名）。",
                exam.name, exam.code, change.moved, change.moved_submitted
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_change(change: &RuleChange, old: Option<&ExamConfig>, new: &ExamConfig) {
    let name = |rules: Option<&ExamConfig>, code: Option<&str>| match code {
        None => "不符合本考区审核条件".to_string(),
        Some(code) => rules
            .and_then(|r| r.category(code))
            .map_or_else(|| code.to_string(), |c| c.name.clone()),
    };
    println!(
        "按新规则，{} 名考生中有 {} 名类别会改变（其中已提交的 {} 名）",
        change.candidates, change.moved, change.moved_submitted
    );
    for ((from, to), n) in &change.moves {
        println!(
            "  {} → {}：{n} 人",
            name(old, from.as_deref()),
            name(Some(new), to.as_deref())
        );
    }
    for m in &change.movers {
        let status = Status::parse(&m.status).map_or(m.status.as_str(), |s| s.label());
        let flag = if m.submitted { "【已提交】" } else { "" };
        println!(
            "  {flag}{}  {}  {}  {} → {}  {status}",
            m.name,
            mask(&m.id_number),
            m.registration_no,
            name(old, m.old_category.as_deref()),
            name(Some(new), m.new_category.as_deref())
        );
    }
    if (change.movers.len() as u64) < change.moved {
        println!(
            "  ……只列出前 {} 名，共 {} 名",
            change.movers.len(),
            change.moved
        );
    }
}
