//! Roster import: file rows → checked candidate records → category → upsert, streamed.
//!
//! A blocking thread reads and checks rows (CPU work) while the async side writes chunks
//! to the database, so a 1,000,000-row file never sits in memory and both cores work.
//! The same code path serves `--dry-run`: it loads and compares exactly as a real import
//! does, and only skips the final upsert (see `db::roster_load`).

use std::collections::BTreeMap;
use std::fmt;

use anyhow::Context;
use indicatif::ProgressBar;
use rustc_hash::FxHashMap;
use serde::Serialize;
use tokio::sync::mpsc;

use crate::db::Db;
use crate::db::candidates::RosterFacts;
use crate::db::exams::ExamRow;
use crate::domain::candidate::CandidateRecord;
use crate::domain::roster::Column;
use crate::domain::rules::{Classification, ExamConfig};
use crate::roster::Roster;

/// At most this many refused rows are listed one by one; the rest are only counted, so a
/// file of nothing but bad rows cannot exhaust memory.
pub const MAX_LISTED_ISSUES: usize = 100_000;

/// Rows handed from the checker thread to the writer at a time.
const CHUNK: usize = 1000;

/// What an import did (or, with `dry_run`, would do).
#[derive(Debug, Default, Serialize)]
pub struct ImportReport {
    pub dry_run: bool,
    /// Data rows read, refused ones included.
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub refused: u64,
    /// Accepted candidates per category code; those not eligible are in `not_eligible`.
    pub categories: BTreeMap<String, u64>,
    pub not_eligible: u64,
    pub issues: Vec<RowIssue>,
    /// Issues beyond [`MAX_LISTED_ISSUES`], counted but not listed.
    pub unlisted_issues: u64,
    pub ignored_headers: Vec<String>,
}

/// Why a row (or one of its cells) was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowIssue {
    pub row: u64,
    /// The column's Chinese label, when the problem is in one cell.
    pub column: Option<&'static str>,
    pub reason: String,
}

/// Imports a roster into an exam. With `dry_run` nothing is written.
pub async fn import_roster(
    db: &Db,
    exam: &ExamRow,
    roster: Roster,
    dry_run: bool,
    progress: ProgressBar,
) -> anyhow::Result<ImportReport> {
    let rules = ExamConfig::parse(&exam.config).map_err(|errors| {
        anyhow::anyhow!(
            "the rules of exam {} do not parse: {}",
            exam.code,
            errors.first().map(ToString::to_string).unwrap_or_default()
        )
    })?;
    let report = ImportReport {
        dry_run,
        ignored_headers: roster.ignored_headers.clone(),
        ..ImportReport::default()
    };
    let (sender, mut receiver) = mpsc::channel::<Vec<RosterFacts>>(4);
    let checker =
        tokio::task::spawn_blocking(move || check_rows(roster, &rules, sender, progress, report));

    let started = std::time::Instant::now();
    let mut load = db.begin_roster_load().await?;
    while let Some(chunk) = receiver.recv().await {
        load.push(&chunk).await?;
    }
    let mut report = checker.await.context("joining the row checker")?;
    let loaded = started.elapsed();
    let diff = load.diff(exam.id).await?;
    let compared = started.elapsed();
    if !dry_run && diff.created + diff.updated > 0 {
        load.apply(exam.id, diff).await?;
    }
    tracing::info!(
        rows = report.rows,
        "roster import: loaded in {loaded:.2?}, compared by {compared:.2?}, done in {:.2?}",
        started.elapsed()
    );
    load.finish().await?;
    report.created = count(diff.created);
    report.updated = count(diff.updated);
    report.unchanged = count(diff.unchanged);
    Ok(report)
}

/// Imports a roster file held in memory (an upload). `Ok(Err)`: the file as a whole
/// cannot be read (no header, not a roster …), with the words for the admin.
pub async fn import_bytes(
    db: &Db,
    exam: &ExamRow,
    bytes: Vec<u8>,
    dry_run: bool,
) -> anyhow::Result<Result<ImportReport, crate::roster::RosterError>> {
    // Opening reads the header (of an XLSX, after unzipping): CPU work, off the runtime.
    let opened = tokio::task::spawn_blocking(move || crate::roster::from_bytes(bytes))
        .await
        .context("joining the roster reader")?;
    match opened {
        Ok(roster) => Ok(Ok(import_roster(
            db,
            exam,
            roster,
            dry_run,
            ProgressBar::hidden(),
        )
        .await?)),
        Err(e) => Ok(Err(e)),
    }
}

/// Reads, checks and classifies every row into `report`; sends accepted ones on in chunks.
fn check_rows(
    roster: Roster,
    rules: &ExamConfig,
    sender: mpsc::Sender<Vec<RosterFacts>>,
    progress: ProgressBar,
    mut report: ImportReport,
) -> ImportReport {
    // Keyed by the ID as a number: 16 bytes an entry, so a million rows cost ~30 MB.
    let mut first_row_of_id: FxHashMap<u64, u64> = FxHashMap::default();
    let mut chunk = Vec::with_capacity(CHUNK);
    let position = roster.progress();
    for row in roster.rows() {
        report.rows += 1;
        if report.rows.is_multiple_of(1024) {
            progress.set_position(position.position());
        }
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                report.refuse_row(e.row, [(None, e.message)]);
                continue;
            }
        };
        let record = match CandidateRecord::from_raw(&row) {
            Ok(record) => record,
            Err(errors) => {
                let problems = errors
                    .into_iter()
                    .map(|e| (Some(e.column.label()), e.message));
                report.refuse_row(row.row, problems);
                continue;
            }
        };
        let id = record.id_number.to_string();
        let key = id_key(&id);
        if let Some(first) = first_row_of_id.get(&key) {
            let reason = format!("与第{first}行的身份证号相同，本行未导入；请核对后删除重复的一行");
            report.refuse_row(row.row, [(Some(Column::IdNumber.label()), reason)]);
            continue;
        }
        first_row_of_id.insert(key, row.row);

        let applicant = record.applicant();
        let (category, ineligible_reason) = match rules.classify(&applicant) {
            Classification::Eligible { category, .. } => {
                *report.categories.entry(category.clone()).or_default() += 1;
                (Some(category), None)
            }
            Classification::NotEligible { reason } => {
                report.not_eligible += 1;
                (None, Some(reason))
            }
        };
        chunk.push(RosterFacts {
            id_number: id,
            registration_no: record.registration_no,
            name: record.name,
            email: record.email,
            phone: record.phone,
            school: record.school,
            school_location: record.school_location,
            is_student: record.is_student,
            hukou_text: record.hukou_text,
            hukou_province: applicant.hukou.province,
            hukou_city: applicant.hukou.city,
            subject: record.subject,
            category,
            ineligible_reason,
        });
        if chunk.len() == CHUNK {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
            if sender.blocking_send(full).is_err() {
                // The writer stopped on an error; it reports that error.
                return report;
            }
        }
    }
    if !chunk.is_empty() {
        let _ = sender.blocking_send(chunk);
    }
    progress.set_position(position.position());
    progress.finish_and_clear();
    report
}

impl ImportReport {
    /// Counts one refused row and lists its problems, up to [`MAX_LISTED_ISSUES`].
    fn refuse_row(
        &mut self,
        row: u64,
        problems: impl IntoIterator<Item = (Option<&'static str>, String)>,
    ) {
        self.refused += 1;
        for (column, reason) in problems {
            if self.issues.len() < MAX_LISTED_ISSUES {
                self.issues.push(RowIssue {
                    row,
                    column,
                    reason,
                });
            } else {
                self.unlisted_issues += 1;
            }
        }
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.dry_run {
            writeln!(f, "试导入（未写入任何数据）")?;
        }
        writeln!(
            f,
            "共读取 {} 行：新增 {}，更新 {}，未变 {}，拒绝 {}",
            self.rows, self.created, self.updated, self.unchanged, self.refused
        )?;
        for (category, count) in &self.categories {
            writeln!(f, "  类别 {category}：{count} 人")?;
        }
        if self.not_eligible > 0 {
            writeln!(
                f,
                "  不符合本考区审核条件：{} 人（原因见 rules explain）",
                self.not_eligible
            )?;
        }
        if !self.ignored_headers.is_empty() {
            writeln!(f, "未使用的列：{}", self.ignored_headers.join("、"))?;
        }
        if !self.issues.is_empty() {
            writeln!(f, "被拒绝的行：")?;
        }
        for issue in &self.issues {
            match issue.column {
                Some(column) => writeln!(f, "  第{}行【{}】{}", issue.row, column, issue.reason)?,
                None => writeln!(f, "  第{}行 {}", issue.row, issue.reason)?,
            }
        }
        if self.unlisted_issues > 0 {
            writeln!(f, "  ……另有 {} 处问题未列出", self.unlisted_issues)?;
        }
        Ok(())
    }
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// A canonical ID number (17 digits and a digit or `X`) as one number: each character a
/// base-11 digit (`X` = 10). 11^18 < 2^64, and distinct IDs give distinct keys.
fn id_key(id: &str) -> u64 {
    id.bytes().fold(0u64, |key, b| {
        let digit = if b == b'X' {
            10
        } else {
            u64::from(b.wrapping_sub(b'0'))
        };
        key * 11 + digit
    })
}

#[cfg(test)]
mod tests {
    use super::id_key;

    #[test]
    fn id_keys_tell_every_id_apart() {
        let ids = [
            "420102199001010102",
            "42010219900101010X",
            "420102199001010103",
            "000000000000000000",
        ];
        let keys: std::collections::HashSet<u64> = ids.iter().map(|id| id_key(id)).collect();
        assert_eq!(keys.len(), ids.len());
        assert_eq!(id_key("00000000000000001X"), 11 + 10);
        assert!(id_key("99999999999999999X") < u64::MAX);
    }
}
