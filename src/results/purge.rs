//! Purging a finished exam: every image blob, the image rows, candidates' sessions and
//! their personal data go; counts by status, category, day and reviewer stay, and so does
//! the audit trail, without addresses and details.
//!
//! Refused while candidates may still upload or resubmit. Blobs the image rows name are
//! deleted first, then the rows change in one transaction, then whatever is left under the
//! exam's prefix `exams/<id>/` goes: an interrupted purge finishes when run again, and a
//! purge of a purged exam says so (removing any stray blob it still finds).

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use futures::{StreamExt, TryStreamExt};
use serde_json::json;
use time::OffsetDateTime;

use crate::db::audit::{Actor, AuditEntry};
use crate::db::exams::ExamRow;
use crate::db::purge::PurgedRows;
use crate::db::{Db, now};
use crate::domain::window::beijing;
use crate::storage::Storage;

/// Blob deletions in flight at once.
const PARALLEL_DELETES: usize = 8;

/// What a purge did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurgeReport {
    pub exam_code: String,
    pub exam_name: String,
    /// When it had been purged before this run.
    pub purged_before: Option<OffsetDateTime>,
    /// Blobs deleted (images and thumbnails).
    pub blobs: u64,
    pub rows: PurgedRows,
}

/// A purge done, or why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PurgeOutcome {
    Done(PurgeReport),
    /// Nothing was changed; the words say why and when it can be done.
    Refused(String),
}

/// Purges the exam, unless [`refusal`] says no.
pub async fn purge_exam(
    db: &Db,
    storage: &Storage,
    exam: &ExamRow,
    actor: Actor,
    ip: Option<String>,
) -> anyhow::Result<PurgeOutcome> {
    let at = now();
    if exam.purged_at.is_none() {
        let open_returns = db.count_open_returns(exam.id, at).await?;
        if let Some(reason) = refusal(exam, at, open_returns) {
            return Ok(PurgeOutcome::Refused(reason));
        }
    }
    let deleted = AtomicU64::new(0);
    db.exam_blob_keys(exam.id)
        .flat_map(|keys| {
            futures::stream::iter(match keys {
                Ok((image, thumb)) => vec![Ok(image), Ok(thumb)],
                Err(e) => vec![Err(e)],
            })
        })
        .try_for_each_concurrent(PARALLEL_DELETES, |key| delete(storage, key, &deleted))
        .await?;
    let rows = match exam.purged_at {
        Some(_) => PurgedRows::default(),
        None => db.purge_exam_rows(exam.id, at).await?,
    };
    storage
        .list_info(&format!("exams/{}", exam.id))
        .try_for_each_concurrent(PARALLEL_DELETES, |blob| delete(storage, blob.key, &deleted))
        .await?;
    let report = PurgeReport {
        exam_code: exam.code.clone(),
        exam_name: exam.name.clone(),
        purged_before: exam.purged_at,
        blobs: deleted.load(Ordering::Relaxed),
        rows,
    };
    db.record_audit(AuditEntry {
        actor,
        action: "exam_purged",
        candidate_id: None,
        ip,
        detail: Some(json!({
            "exam": report.exam_code,
            "again": report.purged_before.is_some(),
            "blobs": report.blobs,
            "images": rows.images,
            "candidates": rows.candidates,
            "decisions": rows.decisions,
            "audit_rows": rows.audit_rows,
            "sessions": rows.sessions,
        })),
    })
    .await?;
    Ok(PurgeOutcome::Done(report))
}

async fn delete(storage: &Storage, key: String, deleted: &AtomicU64) -> anyhow::Result<()> {
    storage.delete(&key).await?;
    deleted.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

/// Why the exam cannot be purged at `at`: its upload window has no end or has not ended,
/// the resubmission deadline has not passed, or returned candidates are still within
/// their own deadline. `None`: it can.
pub fn refusal(exam: &ExamRow, at: OffsetDateTime, open_returns: i64) -> Option<String> {
    let name = format!("{}（{}）", exam.name, exam.code);
    match exam.upload_closes_at {
        None => {
            return Some(format!(
                "{name}还没有设定上传截止时间，不能清除。请先在“考试管理”中设定截止时间，截止后再清除。"
            ));
        }
        Some(closes) if at < closes => {
            return Some(format!(
                "{name}的材料上传将于 {} 截止（北京时间），截止后才能清除。",
                beijing(closes)
            ));
        }
        Some(_) => {}
    }
    if let Some(deadline) = exam.resubmit_deadline.filter(|d| at < *d) {
        return Some(format!(
            "{name}的退回材料重新提交截止时间为 {}（北京时间），截止后才能清除。",
            beijing(deadline)
        ));
    }
    (open_returns > 0).then(|| {
        format!("{name}还有 {open_returns} 名被退回的考生在重新提交期限内，期限过后才能清除。")
    })
}

impl fmt::Display for PurgeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = format!("{}（{}）", self.exam_name, self.exam_code);
        if let Some(before) = self.purged_before {
            writeln!(
                f,
                "{name}已于 {} 清除过图片和个人信息，无需再次清除。",
                beijing(before)
            )?;
            if self.blobs > 0 {
                writeln!(f, "本次删除了上次遗留的图片文件 {} 个。", self.blobs)?;
            }
            return Ok(());
        }
        let rows = &self.rows;
        writeln!(f, "已清除{name}的图片和个人信息：")?;
        writeln!(f, "  删除图片文件 {} 个（含缩略图）", self.blobs)?;
        writeln!(f, "  删除图片记录 {} 条", rows.images)?;
        writeln!(
            f,
            "  匿名化考生 {} 名（保留状态、类别及提交、审核时间，统计不变）",
            rows.candidates
        )?;
        writeln!(f, "  清除审核意见和备注 {} 条", rows.decisions)?;
        writeln!(
            f,
            "  匿名化审计记录 {} 条（保留操作、时间和操作人）",
            rows.audit_rows
        )?;
        writeln!(f, "  结束考生登录会话 {} 个", rows.sessions)
    }
}

#[cfg(test)]
mod tests {
    use time::Duration;
    use time::macros::datetime;

    use super::*;

    fn exam(closes: Option<OffsetDateTime>, resubmit: Option<OffsetDateTime>) -> ExamRow {
        let at = datetime!(2023-10-01 00:00 UTC);
        ExamRow {
            id: 1,
            code: "2023H2".to_string(),
            name: "面试".to_string(),
            config: String::new(),
            is_current: true,
            upload_opens_at: Some(at),
            upload_closes_at: closes,
            resubmit_deadline: resubmit,
            review_reasons: None,
            created_at: at,
            updated_at: at,
            purged_at: None,
        }
    }

    #[test]
    fn an_exam_is_purged_only_after_every_deadline() {
        let at = datetime!(2023-12-01 00:00 UTC);
        let day = Duration::days(1);
        assert!(
            refusal(&exam(None, None), at, 0)
                .unwrap()
                .contains("截止时间")
        );
        assert!(
            refusal(&exam(Some(at + day), None), at, 0)
                .unwrap()
                .contains("上传将于")
        );
        let resubmit = refusal(&exam(Some(at - day), Some(at + day)), at, 0).unwrap();
        assert!(resubmit.contains("重新提交"), "{resubmit}");
        let returns = refusal(&exam(Some(at - day), Some(at - day)), at, 2).unwrap();
        assert!(returns.contains("2 名"), "{returns}");
        assert_eq!(refusal(&exam(Some(at - day), Some(at - day)), at, 0), None);
        assert_eq!(refusal(&exam(Some(at), None), at, 0), None);
    }
}
