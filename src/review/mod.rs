//! What a reviewer can do, without HTTP: list the queue, claim the next case, read a case
//! (with its category explanation and history), look at its images, decide, release.
//! The JSON API and the pages both call this. Every look at a candidate's documents is
//! written to the audit log before the documents are shown.

pub mod candidates;
pub mod dashboard;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::db::Db;
use crate::db::audit::{Actor, AuditEntry};
use crate::db::images::ImageRow;
use crate::db::review::{Claim, Decided, HistoryRow, NewDecision, QueueFilter, QueueItem};
use crate::domain::review::{MarkInput, Marks, Outcome, ReasonCatalogue, check_decision};
use crate::domain::rules::Explanation;
use crate::domain::status::Status;
use crate::portal::{Overview, Portal, overview};

/// A claim without activity for this long goes back to the queue.
pub const CLAIM_TIMEOUT: Duration = Duration::minutes(30);
/// Activity on a claim is written at most this often by image fetches.
const TOUCH_EVERY: Duration = Duration::minutes(1);
/// Without a deadline from the reviewer or the exam, a return gives this long to fix.
pub const DEFAULT_RESUBMIT_TIME: Duration = Duration::days(3);
/// The latest resubmission deadline a reviewer may set.
const LONGEST_RESUBMIT_TIME: Duration = Duration::days(60);
/// Rows per queue page.
pub const PAGE_SIZE: u32 = 50;

/// How long the status counts are taken as fresh: counting a million rows costs ~0.2 s, so
/// it never happens on a request's path once a first count exists (see
/// [`Reviewing::status_counts`]).
const COUNTS_FRESH_FOR: std::time::Duration = std::time::Duration::from_secs(10);

/// The last status counts of one exam, and whether a recount is under way.
#[derive(Debug, Default)]
struct CountsCache {
    counts: Option<(i64, Instant, BTreeMap<String, i64>)>,
    refreshing: bool,
}

/// What the reviewer's side works with.
#[derive(Clone, Debug)]
pub struct Reviewing {
    pub db: Db,
    pub portal: Portal,
    counts: Arc<Mutex<CountsCache>>,
    /// Held while counting for a cache that has nothing yet, so that requests arriving
    /// together wait for one count instead of each running their own.
    first_count: Arc<tokio::sync::Mutex<()>>,
}

/// Why a reviewer's request was refused. `Display` is the message for the reviewer.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("找不到这位考生，或考生尚未提交材料。")]
    NotFound,
    #[error("图片不存在或已被删除。")]
    NoSuchImage,
    #[error("当前没有进行中的考试：请管理员先设置当前考试。")]
    NoExam,
    /// The case is not the caller's to decide; the text says why.
    #[error("{0}")]
    NotClaimed(String),
    /// The decision contradicts its marks or is incomplete; the text says what to fix.
    #[error("{0}")]
    Inconsistent(String),
    #[error("系统繁忙，请稍后再试。")]
    Internal(#[from] anyhow::Error),
}

/// Who is acting, for the audit log.
#[derive(Debug, Clone)]
pub struct Reviewer {
    pub staff_id: i64,
    pub ip: Option<String>,
}

impl Reviewer {
    fn audit(
        &self,
        action: &'static str,
        candidate_id: i64,
        detail: Option<serde_json::Value>,
    ) -> AuditEntry {
        AuditEntry {
            actor: Actor::Staff(self.staff_id),
            action,
            candidate_id: Some(candidate_id),
            ip: self.ip.clone(),
            detail,
        }
    }
}

/// Everything the review page shows about one case.
#[derive(Debug, Clone)]
pub struct Case {
    pub overview: Overview,
    /// Why this category: the rules' evaluation of the candidate's roster facts.
    pub explanation: Explanation,
    pub claim: Option<Claim>,
    /// The viewer holds the live claim and may decide.
    pub mine: bool,
    /// A first decision awaits this (second) review.
    pub first_decision: Option<PastDecision>,
    /// Submissions with their decisions, oldest first.
    pub history: Vec<Round>,
    /// The decision that returned the previous round, for a resubmission.
    pub previous: Option<PastDecision>,
    /// Images uploaded after the previous round was returned.
    pub changed: Vec<Uuid>,
    pub catalogue: ReasonCatalogue,
    /// The deadline a return gets unless the reviewer picks another.
    pub default_resubmit_by: OffsetDateTime,
}

impl Case {
    pub fn status(&self) -> Status {
        self.overview.status
    }

    pub fn is_resubmission(&self) -> bool {
        self.history.len() > 1
    }

    /// The viewer may decide: they hold the claim, and it is not their own first decision.
    pub fn can_decide(&self) -> bool {
        self.mine
    }
}

/// One submission round.
#[derive(Debug, Clone)]
pub struct Round {
    pub round: i32,
    pub submitted_at: OffsetDateTime,
    pub decisions: Vec<PastDecision>,
}

#[derive(Debug, Clone)]
pub struct PastDecision {
    pub stage: i32,
    pub outcome: Outcome,
    pub marks: Marks,
    pub comment: Option<String>,
    pub decided_at: OffsetDateTime,
    pub resubmit_by: Option<OffsetDateTime>,
    pub disagrees: bool,
    pub reviewer: String,
}

/// A decision as the reviewer sends it.
#[derive(Debug, Clone)]
pub struct DecisionRequest {
    pub outcome: Outcome,
    pub marks: Vec<MarkInput>,
    pub comment: Option<String>,
    pub resubmit_by: Option<OffsetDateTime>,
}

/// What a decision came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionResult {
    /// The candidate sees it now.
    Final,
    /// It waits for a second reviewer.
    AwaitingSecondReview,
}

impl Reviewing {
    pub fn new(db: Db, portal: Portal) -> Reviewing {
        Reviewing {
            db,
            portal,
            counts: Arc::default(),
            first_count: Arc::default(),
        }
    }

    /// Candidates per status in the exam. Counts older than a few seconds are returned as
    /// they are while one task recounts in the background (so at most one count runs per
    /// node, and no request waits for it); only the very first call counts in line.
    pub async fn status_counts(&self, exam_id: i64) -> anyhow::Result<BTreeMap<String, i64>> {
        if let Some(counts) = self.cached_counts(exam_id) {
            return Ok(counts);
        }
        let _first = self.first_count.lock().await;
        if let Some(counts) = self.cached_counts(exam_id) {
            return Ok(counts);
        }
        let counts = self.count(exam_id).await?;
        self.counts.lock().unwrap_or_else(|e| e.into_inner()).counts =
            Some((exam_id, Instant::now(), counts.clone()));
        Ok(counts)
    }

    /// The cached counts of the exam, starting a recount when they are stale.
    fn cached_counts(&self, exam_id: i64) -> Option<BTreeMap<String, i64>> {
        let mut cache = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let (stale, counts) = match cache.counts.as_ref() {
            Some((id, at, counts)) if *id == exam_id => {
                (at.elapsed() >= COUNTS_FRESH_FOR, counts.clone())
            }
            _ => return None,
        };
        if stale && !cache.refreshing {
            cache.refreshing = true;
            let this = self.clone();
            tokio::spawn(async move {
                let counted = this.count(exam_id).await;
                let mut cache = this.counts.lock().unwrap_or_else(|e| e.into_inner());
                cache.refreshing = false;
                match counted {
                    Ok(counts) => cache.counts = Some((exam_id, Instant::now(), counts)),
                    Err(e) => tracing::warn!("recounting the review queue: {e:#}"),
                }
            });
        }
        Some(counts)
    }

    async fn count(&self, exam_id: i64) -> anyhow::Result<BTreeMap<String, i64>> {
        let counts: BTreeMap<String, i64> =
            self.db.status_counts(exam_id).await?.into_iter().collect();
        // Queue depth is status `submitted` (and `in_review`, awaiting a second reviewer).
        for (status, n) in &counts {
            metrics::gauge!("shenhe_candidates", "status" => status.clone()).set(*n as f64);
        }
        Ok(counts)
    }

    fn cutoff(now: OffsetDateTime) -> OffsetDateTime {
        now - CLAIM_TIMEOUT
    }

    async fn current_exam_id(&self) -> Result<i64, ReviewError> {
        Ok(self.db.current_exam().await?.ok_or(ReviewError::NoExam)?.id)
    }

    /// One page of the current exam's queue (the filter's `exam_id` is filled in) and the
    /// counts per status.
    pub async fn queue(
        &self,
        mut filter: QueueFilter,
        now: OffsetDateTime,
    ) -> Result<(i64, Vec<QueueItem>, BTreeMap<String, i64>), ReviewError> {
        filter.exam_id = self.current_exam_id().await?;
        filter.per_page = PAGE_SIZE;
        let counts = self.status_counts(filter.exam_id).await?;
        // A filter by status alone is answered by the counts; any other runs its count.
        let by_status_only = filter.category.is_none()
            && filter.school.is_none()
            && filter.submitted_from.is_none()
            && filter.submitted_before.is_none()
            && filter.q.is_none();
        let (total, items) = if by_status_only {
            let total = match &filter.status {
                Some(status) => counts.get(status).copied().unwrap_or(0),
                None => counts
                    .iter()
                    .filter(|(status, _)| *status != "draft")
                    .map(|(_, n)| n)
                    .sum(),
            };
            let items = self.db.queue_page(&filter, Self::cutoff(now)).await?;
            (total, items)
        } else {
            self.db.queue(&filter, Self::cutoff(now)).await?
        };
        Ok((total, items, counts))
    }

    /// Hands the reviewer their current case, or the oldest waiting one. `None`: the
    /// queue is empty.
    pub async fn claim_next(
        &self,
        reviewer: &Reviewer,
        now: OffsetDateTime,
    ) -> Result<Option<i64>, ReviewError> {
        let exam_id = self.current_exam_id().await?;
        let claimed = self
            .db
            .claim_next(
                exam_id,
                reviewer.staff_id,
                now,
                Self::cutoff(now),
                &reviewer.audit("case_claimed", 0, None),
            )
            .await?;
        if claimed.is_some() {
            metrics::counter!("shenhe_claims_total").increment(1);
        }
        Ok(claimed.map(|(id, _)| id))
    }

    /// The case the reviewer holds in the current exam, if any.
    pub async fn held(
        &self,
        reviewer: &Reviewer,
        now: OffsetDateTime,
    ) -> Result<Option<i64>, ReviewError> {
        let exam_id = self.current_exam_id().await?;
        Ok(self
            .db
            .held_claim(exam_id, reviewer.staff_id, Self::cutoff(now))
            .await?)
    }

    /// Claims one case from the queue, unless another reviewer holds it.
    pub async fn claim(
        &self,
        reviewer: &Reviewer,
        candidate_id: i64,
        now: OffsetDateTime,
    ) -> Result<(), ReviewError> {
        if self
            .db
            .claim_case(candidate_id, reviewer.staff_id, now, Self::cutoff(now))
            .await?
        {
            self.db
                .record_audit(reviewer.audit("case_claimed", candidate_id, None))
                .await?;
            return Ok(());
        }
        Err(self.why_not_mine(reviewer, candidate_id, now).await?)
    }

    /// Gives a held case back to the queue.
    pub async fn release(
        &self,
        reviewer: &Reviewer,
        candidate_id: i64,
        now: OffsetDateTime,
    ) -> Result<(), ReviewError> {
        if self
            .db
            .release_claim(candidate_id, reviewer.staff_id)
            .await?
        {
            self.db
                .record_audit(reviewer.audit("case_released", candidate_id, None))
                .await?;
            return Ok(());
        }
        Err(self.why_not_mine(reviewer, candidate_id, now).await?)
    }

    /// The words for a case the reviewer does not hold.
    async fn why_not_mine(
        &self,
        reviewer: &Reviewer,
        candidate_id: i64,
        now: OffsetDateTime,
    ) -> anyhow::Result<ReviewError> {
        let Some(candidate) = self.db.find_candidate(candidate_id).await? else {
            return Ok(ReviewError::NotFound);
        };
        let status = Status::parse(&candidate.status).unwrap_or(Status::Draft);
        if !matches!(status, Status::Submitted | Status::InReview) {
            return Ok(ReviewError::NotClaimed(format!(
                "该考生当前状态为“{}”，不在待审核队列中。",
                status.label()
            )));
        }
        if status == Status::InReview
            && self.db.first_reviewer(candidate_id).await? == Some(reviewer.staff_id)
        {
            return Ok(ReviewError::NotClaimed(
                "该考生的初审由您完成，复核须由其他审核员进行。".to_string(),
            ));
        }
        Ok(
            match self.db.claim_of(candidate_id, Self::cutoff(now)).await? {
                Some(claim) if claim.staff_id != reviewer.staff_id => ReviewError::NotClaimed(
                    format!("该考生正由审核员 {} 审核，请领取其他考生。", claim.username),
                ),
                _ => ReviewError::NotClaimed(
                    "您尚未领取该考生（或领取已超时释放），请先领取后再审核。".to_string(),
                ),
            },
        )
    }

    /// Reads a case for a staff member, after recording the view; keeps the viewer's claim
    /// alive. `None`: no such candidate, or one who never submitted.
    pub async fn case(
        &self,
        reviewer: &Reviewer,
        candidate_id: i64,
        now: OffsetDateTime,
    ) -> Result<Case, ReviewError> {
        let Some(overview) = overview(&self.portal, candidate_id, now).await? else {
            return Err(ReviewError::NotFound);
        };
        if overview.status == Status::Draft {
            return Err(ReviewError::NotFound);
        }
        self.db
            .record_audit(reviewer.audit("case_viewed", candidate_id, None))
            .await?;
        self.db
            .touch_claim(candidate_id, reviewer.staff_id, now, Self::cutoff(now), now)
            .await?;
        let claim = self.db.claim_of(candidate_id, Self::cutoff(now)).await?;
        let mine = claim
            .as_ref()
            .is_some_and(|c| c.staff_id == reviewer.staff_id);
        let rules = self.portal.rules(&overview.exam)?;
        let explanation = rules.explain(&overview.candidate.facts.applicant());
        let history = rounds(self.db.case_history(candidate_id).await?);
        let current = history.last();
        let first_decision = (overview.status == Status::InReview)
            .then(|| current.and_then(|r| r.decisions.iter().find(|d| d.stage == 1)))
            .flatten()
            .cloned();
        let previous = history
            .iter()
            .rev()
            .nth(1)
            .and_then(|r| r.decisions.last())
            .cloned();
        let changed = match &previous {
            Some(p) => overview
                .materials
                .iter()
                .flat_map(|m| &m.images)
                .filter(|i| i.created_at > p.decided_at)
                .map(|i| i.uid)
                .collect(),
            None => Vec::new(),
        };
        let default_resubmit_by = overview
            .exam
            .resubmit_deadline
            .filter(|d| *d > now)
            .unwrap_or(now + DEFAULT_RESUBMIT_TIME);
        Ok(Case {
            catalogue: ReasonCatalogue::from_stored(overview.exam.review_reasons.as_deref()),
            overview,
            explanation,
            claim,
            mine,
            first_decision,
            history,
            previous,
            changed,
            default_resubmit_by,
        })
    }

    /// One image (or its thumbnail) for a staff member, after recording the view.
    pub async fn image(
        &self,
        reviewer: &Reviewer,
        uid: Uuid,
        thumb: bool,
        now: OffsetDateTime,
    ) -> Result<(ImageRow, bytes::Bytes), ReviewError> {
        let image = self
            .db
            .find_image(uid)
            .await?
            .ok_or(ReviewError::NoSuchImage)?;
        self.db
            .record_audit(reviewer.audit(
                "image_viewed",
                image.candidate_id,
                Some(serde_json::json!({"material": image.material, "thumb": thumb})),
            ))
            .await?;
        self.db
            .touch_claim(
                image.candidate_id,
                reviewer.staff_id,
                now,
                Self::cutoff(now),
                now - TOUCH_EVERY,
            )
            .await?;
        let key = if thumb {
            &image.thumb_key
        } else {
            &image.blob_key
        };
        let bytes = self.portal.storage.get(key).await?;
        Ok((image, bytes))
    }

    /// Decides a case the reviewer holds. A rejection, and a share of approvals, go to a
    /// second reviewer before they are final.
    pub async fn decide(
        &self,
        reviewer: &Reviewer,
        candidate_id: i64,
        request: DecisionRequest,
        now: OffsetDateTime,
    ) -> Result<DecisionResult, ReviewError> {
        let Some(overview) = overview(&self.portal, candidate_id, now).await? else {
            return Err(ReviewError::NotFound);
        };
        let catalogue = ReasonCatalogue::from_stored(overview.exam.review_reasons.as_deref());
        let materials: Vec<(String, String)> = overview
            .materials
            .iter()
            .map(|m| (m.code.clone(), m.name.clone()))
            .collect();
        let marks = check_decision(
            request.outcome,
            &materials,
            &request.marks,
            request.comment.as_deref(),
            &catalogue,
        )
        .map_err(ReviewError::Inconsistent)?;
        let resubmit_by = match (request.outcome, request.resubmit_by) {
            (Outcome::Returned, Some(by)) if by <= now => {
                return Err(ReviewError::Inconsistent(
                    "重新提交的截止时间须晚于现在。".to_string(),
                ));
            }
            (Outcome::Returned, Some(by)) if by > now + LONGEST_RESUBMIT_TIME => {
                return Err(ReviewError::Inconsistent(
                    "重新提交的截止时间不能超过 60 天。".to_string(),
                ));
            }
            (Outcome::Returned, Some(by)) => Some(by),
            (Outcome::Returned, None) => Some(
                overview
                    .exam
                    .resubmit_deadline
                    .filter(|d| *d > now)
                    .unwrap_or(now + DEFAULT_RESUBMIT_TIME),
            ),
            _ => None,
        };
        let needs_second_review = match request.outcome {
            Outcome::Rejected => true,
            Outcome::Returned => false,
            Outcome::Approved => {
                let share = self.db.review_settings().await?.second_review_share;
                sampled(share)
            }
        };
        let comment = request
            .comment
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        let stage = if overview.status == Status::InReview {
            2
        } else {
            1
        };
        let decided = self
            .db
            .decide(&NewDecision {
                candidate_id,
                reviewer_id: reviewer.staff_id,
                outcome: request.outcome,
                marks: &marks,
                comment,
                resubmit_by,
                needs_second_review,
                audit: reviewer.audit(
                    "decided",
                    candidate_id,
                    Some(serde_json::json!({
                        "outcome": request.outcome.as_str(),
                        "stage": stage,
                    })),
                ),
            })
            .await?;
        match decided {
            Decided::Final { .. } => Ok(DecisionResult::Final),
            Decided::AwaitingSecondReview => Ok(DecisionResult::AwaitingSecondReview),
            Decided::NotClaimed | Decided::SameReviewer => {
                Err(self.why_not_mine(reviewer, candidate_id, now).await?)
            }
        }
    }
}

/// A random draw with probability `share` (0 never, 1 always).
fn sampled(share: f64) -> bool {
    if share <= 0.0 {
        return false;
    }
    if share >= 1.0 {
        return true;
    }
    let mut bytes = [0u8; 4];
    if getrandom::fill(&mut bytes).is_err() {
        // No randomness: err on the side of a second look.
        return true;
    }
    f64::from(u32::from_le_bytes(bytes)) < share * f64::from(u32::MAX)
}

/// Groups history rows (one per decision, or one per undecided submission) into rounds.
fn rounds(rows: Vec<HistoryRow>) -> Vec<Round> {
    let mut rounds: Vec<Round> = Vec::new();
    for row in rows {
        if rounds.last().is_none_or(|r| r.round != row.round) {
            rounds.push(Round {
                round: row.round,
                submitted_at: row.submitted_at,
                decisions: Vec::new(),
            });
        }
        let decision = (|| {
            Some(PastDecision {
                stage: row.stage?,
                outcome: Outcome::parse(row.outcome.as_deref()?)?,
                marks: Marks::parse(row.marks.as_deref()?),
                comment: row.comment.clone(),
                decided_at: row.decided_at?,
                resubmit_by: row.resubmit_by,
                disagrees: row.disagrees.unwrap_or(false),
                reviewer: row.reviewer.clone().unwrap_or_default(),
            })
        })();
        if let (Some(round), Some(decision)) = (rounds.last_mut(), decision) {
            round.decisions.push(decision);
        }
    }
    rounds
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampling_at_the_ends_is_certain() {
        assert!(!(0..1000).any(|_| sampled(0.0)));
        assert!((0..1000).all(|_| sampled(1.0)));
        let hits = (0..10_000).filter(|_| sampled(0.1)).count();
        assert!((700..1300).contains(&hits), "{hits} of 10000 at 10%");
    }

    #[test]
    fn history_rows_group_by_round() {
        let at = OffsetDateTime::UNIX_EPOCH;
        let row = |round, stage: Option<i32>| HistoryRow {
            round,
            submitted_at: at,
            stage,
            outcome: stage.map(|_| "returned".to_string()),
            marks: stage.map(|_| "{}".to_string()),
            comment: None,
            decided_at: stage.map(|_| at),
            resubmit_by: None,
            disagrees: None,
            reviewer: stage.map(|_| "reviewer".to_string()),
        };
        let grouped = rounds(vec![row(1, Some(1)), row(2, None)]);
        assert_eq!(grouped.len(), 2);
        assert_eq!(grouped[0].decisions.len(), 1);
        assert!(grouped[1].decisions.is_empty());
    }
}
