//! The dashboard's numbers: counts, per-day series, throughput, the longest waits.
//!
//! Each number is one grouped query that the exam's indexes answer (`candidates_queue`,
//! `candidates_exam_status`, and the time indexes of 0005); [`Db::dashboard`] runs them at
//! once. Days are Beijing days (UTC+8), bucketed by the engine: SQLite stores RFC 3339 text,
//! PostgreSQL `timestamptz`, so the one expression that differs is [`beijing_date`].
//! A large exam's dashboard costs seconds, so `review::dashboard::Dashboards` keeps it a
//! little while.

use anyhow::Context;
use sqlx::AssertSqlSafe;
use time::{Date, Duration, OffsetDateTime, UtcOffset};

use super::{Db, Engine, on_pool};
use crate::domain::rules::ExamConfig;

/// Days of the per-day series, today included.
pub const DAYS: i64 = 30;
/// Cases in the list of the longest waits.
pub const LONGEST_WAITS: i64 = 10;
/// Disagreements listed (all are counted).
pub const LATEST_DISAGREEMENTS: i64 = 5;
/// Each reviewer's median time is taken over their latest this many decisions of the
/// last 7 days (read through `decisions_reviewer`).
const TIMED_DECISIONS: i64 = 200;

/// How many candidates of the exam are in one status and one category.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StatusCategoryCount {
    pub status: String,
    /// `None`: not eligible in this exam.
    pub category: Option<String>,
    pub count: i64,
}

/// One Beijing day (`2023-12-01`) and how many things happened on it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DayCount {
    pub day: String,
    pub count: i64,
}

/// Decisions of one reviewer with one outcome on one Beijing day (`None`: before the
/// series).
#[derive(Debug, Clone, sqlx::FromRow)]
struct DecisionBucket {
    reviewer_id: i64,
    reviewer: String,
    day: Option<String>,
    outcome: String,
    count: i64,
}

/// What one reviewer decided in the exam.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReviewerCounts {
    pub reviewer: String,
    /// Decisions today, in the last 7 days (today included), in all (Beijing days).
    pub today: i64,
    pub week: i64,
    pub total: i64,
    pub approved: i64,
    pub returned: i64,
    pub rejected: i64,
    /// Median minutes from the submission to the decision, over the latest decisions of
    /// the last 7 days.
    pub median_minutes: Option<f64>,
}

/// A case waiting for a (first or second) review.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Waiting {
    pub id: i64,
    pub name: String,
    /// `submitted` or `in_review` (waiting for its second review).
    pub status: String,
    pub submitted_at: OffsetDateTime,
}

/// Everything the dashboard shows for one exam at one moment.
#[derive(Debug, Clone)]
pub struct Dashboard {
    pub at: OffsetDateTime,
    pub counts: Vec<StatusCategoryCount>,
    /// The last [`DAYS`] Beijing days, oldest first: (day, submissions, decisions), days
    /// without any included.
    pub days: Vec<(String, i64, i64)>,
    /// By name.
    pub reviewers: Vec<ReviewerCounts>,
    pub longest_waits: Vec<Waiting>,
    pub disagreements: i64,
    pub latest_disagreements: Vec<super::review::Disagreement>,
}

/// One line of the status × category table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryLine {
    /// `None`: candidates not eligible in this exam.
    pub code: Option<String>,
    pub name: String,
    /// Per status, in the order of [`STATUSES`].
    pub by_status: Vec<i64>,
    pub total: i64,
}

impl Dashboard {
    /// The counts as a table: the rules' categories in their order (those without
    /// candidates too), codes the rules no longer know, then the candidates not eligible.
    pub fn table(&self, rules: Option<&ExamConfig>) -> Vec<CategoryLine> {
        let mut codes: Vec<Option<String>> = rules
            .map(|r| {
                r.categories()
                    .iter()
                    .map(|c| Some(c.code.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let mut others: Vec<Option<String>> = self
            .counts
            .iter()
            .map(|c| c.category.clone())
            .filter(|c| c.is_some() && !codes.contains(c))
            .collect();
        others.sort();
        others.dedup();
        codes.extend(others);
        if self.counts.iter().any(|c| c.category.is_none()) {
            codes.push(None);
        }
        codes
            .into_iter()
            .map(|code| {
                let by_status: Vec<i64> = STATUSES
                    .iter()
                    .map(|status| {
                        self.counts
                            .iter()
                            .filter(|c| c.status == *status && c.category == code)
                            .map(|c| c.count)
                            .sum()
                    })
                    .collect();
                let name = match &code {
                    None => "不符合本考区条件".to_string(),
                    Some(code) => rules
                        .and_then(|r| r.category(code))
                        .map_or_else(|| code.clone(), |c| c.name.clone()),
                };
                CategoryLine {
                    total: by_status.iter().sum(),
                    code,
                    name,
                    by_status,
                }
            })
            .collect()
    }

    /// Candidates per status, in the order of [`STATUSES`].
    pub fn status_totals(&self) -> Vec<i64> {
        STATUSES
            .iter()
            .map(|status| {
                self.counts
                    .iter()
                    .filter(|c| c.status == *status)
                    .map(|c| c.count)
                    .sum()
            })
            .collect()
    }

    /// Candidates of the exam.
    pub fn total(&self) -> i64 {
        self.counts.iter().map(|c| c.count).sum()
    }
}

/// The staff's word for a status (as the review queue's tabs say it).
pub fn status_label(status: &str) -> &'static str {
    match status {
        "draft" => "未提交",
        "submitted" => "待审核",
        "in_review" => "复核中",
        "returned" => "退回修改",
        "approved" => "审核通过",
        "rejected" => "审核不通过",
        _ => "其他",
    }
}

/// Every status in the order a case moves through them.
pub const STATUSES: [&str; 6] = [
    "draft",
    "submitted",
    "in_review",
    "returned",
    "approved",
    "rejected",
];

/// The Beijing calendar date of a timestamp column, as `YYYY-MM-DD` text.
fn beijing_date(engine: Engine, column: &str) -> String {
    match engine {
        Engine::Sqlite => format!("date({column}, '+8 hours')"),
        Engine::Postgres => {
            format!("to_char(({column} at time zone 'UTC') + interval '8 hours', 'YYYY-MM-DD')")
        }
    }
}

/// Beijing time.
fn beijing() -> UtcOffset {
    UtcOffset::from_hms(8, 0, 0).unwrap_or(UtcOffset::UTC)
}

/// The instant a Beijing date starts.
fn day_start(date: Date) -> OffsetDateTime {
    date.midnight()
        .assume_offset(beijing())
        .to_offset(UtcOffset::UTC)
}

/// A Beijing date as the engines write it.
pub fn day_label(date: Date) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    date.format(&format).unwrap_or_default()
}

/// The median of some numbers (`None` for none).
fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some((values[n / 2 - 1] + values[n / 2]) / 2.0),
    }
}

impl Db {
    /// The dashboard of the exam as of `at`, its queries run at once.
    pub async fn dashboard(&self, exam_id: i64, at: OffsetDateTime) -> anyhow::Result<Dashboard> {
        let today = at.to_offset(beijing()).date();
        let first_day = today - Duration::days(DAYS - 1);
        let since = day_start(first_day);
        let (counts, submitted, buckets, longest_waits, disagreements, latest_disagreements) = futures::try_join!(
            self.counts_by_status_and_category(exam_id),
            self.submissions_per_day(exam_id, since),
            self.decision_buckets(exam_id, since),
            self.longest_waits(exam_id, LONGEST_WAITS),
            self.disagreement_count(exam_id),
            self.disagreements(exam_id, LATEST_DISAGREEMENTS),
        )?;
        let labels: Vec<String> = (0..DAYS)
            .map(|i| day_label(first_day + Duration::days(i)))
            .collect();
        let week_start = &labels[labels.len() - 7];
        let mut reviewers = reviewer_counts(&buckets, &labels[labels.len() - 1], week_start);
        let week = day_start(today - Duration::days(6));
        let ids = reviewer_ids(&buckets);
        let medians = futures::future::try_join_all(
            ids.iter()
                .map(|(id, _)| self.decision_minutes(exam_id, *id, week)),
        )
        .await?;
        for ((_, name), minutes) in ids.iter().zip(medians) {
            if let Some(r) = reviewers.iter_mut().find(|r| &r.reviewer == name) {
                r.median_minutes = median(minutes);
            }
        }
        let days = labels
            .into_iter()
            .map(|day| {
                let submissions = submitted
                    .iter()
                    .find(|d| d.day == day)
                    .map_or(0, |d| d.count);
                let decisions = buckets
                    .iter()
                    .filter(|b| b.day.as_deref() == Some(day.as_str()))
                    .map(|b| b.count)
                    .sum();
                (day, submissions, decisions)
            })
            .collect();
        Ok(Dashboard {
            at,
            counts,
            days,
            reviewers,
            longest_waits,
            disagreements,
            latest_disagreements,
        })
    }

    /// How many candidates of the exam are in each status and category.
    pub async fn counts_by_status_and_category(
        &self,
        exam_id: i64,
    ) -> anyhow::Result<Vec<StatusCategoryCount>> {
        on_pool!(self, |pool| sqlx::query_as(
            "select status, category, count(*) as count from candidates where exam_id = $1 \
             group by status, category"
        )
        .bind(exam_id)
        .fetch_all(pool)
        .await)
        .context("counting candidates by status and category")
    }

    /// Submissions (first ones and resubmissions) per Beijing day since `since`.
    pub async fn submissions_per_day(
        &self,
        exam_id: i64,
        since: OffsetDateTime,
    ) -> anyhow::Result<Vec<DayCount>> {
        let sql = format!(
            "select {} as day, count(*) as count from submissions s \
             join candidates c on c.id = s.candidate_id \
             where c.exam_id = $1 and s.submitted_at >= $2 group by 1",
            beijing_date(self.engine(), "s.submitted_at")
        );
        on_pool!(self, |pool| sqlx::query_as(AssertSqlSafe(sql))
            .bind(exam_id)
            .bind(since)
            .fetch_all(pool)
            .await)
        .context("counting submissions per day")
    }

    /// Every decision of the exam in one pass, counted by reviewer, outcome and Beijing day
    /// (days before `since` together): the per-day series and each reviewer's numbers.
    async fn decision_buckets(
        &self,
        exam_id: i64,
        since: OffsetDateTime,
    ) -> anyhow::Result<Vec<DecisionBucket>> {
        let sql = format!(
            "select d.reviewer_id, st.username as reviewer, \
             case when d.decided_at >= $2 then {} end as day, d.outcome, count(*) as count \
             from decisions d join submissions s on s.id = d.submission_id \
             join candidates c on c.id = s.candidate_id join staff st on st.id = d.reviewer_id \
             where c.exam_id = $1 group by 1, 2, 3, 4",
            beijing_date(self.engine(), "d.decided_at")
        );
        on_pool!(self, |pool| sqlx::query_as(AssertSqlSafe(sql))
            .bind(exam_id)
            .bind(since)
            .fetch_all(pool)
            .await)
        .context("counting decisions by reviewer and day")
    }

    /// Minutes from the submission to the decision of a reviewer's latest decisions since
    /// `since` (at most [`TIMED_DECISIONS`]).
    async fn decision_minutes(
        &self,
        exam_id: i64,
        reviewer_id: i64,
        since: OffsetDateTime,
    ) -> anyhow::Result<Vec<f64>> {
        let rows: Vec<(OffsetDateTime, OffsetDateTime)> = on_pool!(self, |pool| sqlx::query_as(
            "select s.submitted_at, d.decided_at from decisions d \
             join submissions s on s.id = d.submission_id \
             join candidates c on c.id = s.candidate_id \
             where d.reviewer_id = $1 and d.decided_at >= $2 and c.exam_id = $3 \
             order by d.decided_at desc limit $4"
        )
        .bind(reviewer_id)
        .bind(since)
        .bind(exam_id)
        .bind(TIMED_DECISIONS)
        .fetch_all(pool)
        .await)
        .context("reading the times of a reviewer's recent decisions")?;
        Ok(rows
            .into_iter()
            .map(|(submitted, decided)| (decided - submitted).as_seconds_f64() / 60.0)
            .collect())
    }

    /// The cases waiting longest for a review (first or second), oldest first: one range
    /// of `candidates_queue` per status.
    pub async fn longest_waits(&self, exam_id: i64, limit: i64) -> anyhow::Result<Vec<Waiting>> {
        on_pool!(self, |pool| sqlx::query_as(
            "select * from (select id, name, status, submitted_at from candidates \
             where exam_id = $1 and status = 'submitted' order by submitted_at, id limit $2) a \
             union all \
             select * from (select id, name, status, submitted_at from candidates \
             where exam_id = $1 and status = 'in_review' order by submitted_at, id limit $2) b \
             order by submitted_at, id limit $2"
        )
        .bind(exam_id)
        .bind(limit)
        .fetch_all(pool)
        .await)
        .context("reading the longest waits")
    }

    /// How many second reviews of the exam differed from the first.
    pub async fn disagreement_count(&self, exam_id: i64) -> anyhow::Result<i64> {
        on_pool!(self, |pool| sqlx::query_scalar(
            "select count(*) from decisions d join submissions s on s.id = d.submission_id \
             join candidates c on c.id = s.candidate_id \
             where d.stage = 2 and d.disagrees and c.exam_id = $1"
        )
        .bind(exam_id)
        .fetch_one(pool)
        .await)
        .context("counting second-review disagreements")
    }
}

/// Each reviewer's numbers from the decision counts, by name; `today` and `week_start` are
/// day labels.
fn reviewer_counts(
    buckets: &[DecisionBucket],
    today: &str,
    week_start: &str,
) -> Vec<ReviewerCounts> {
    let mut reviewers: Vec<ReviewerCounts> = Vec::new();
    for b in buckets {
        let i = match reviewers.iter().position(|r| r.reviewer == b.reviewer) {
            Some(i) => i,
            None => {
                reviewers.push(ReviewerCounts {
                    reviewer: b.reviewer.clone(),
                    ..ReviewerCounts::default()
                });
                reviewers.len() - 1
            }
        };
        let r = &mut reviewers[i];
        r.total += b.count;
        let day = b.day.as_deref().unwrap_or("");
        if day == today {
            r.today += b.count;
        }
        if day >= week_start {
            r.week += b.count;
        }
        match b.outcome.as_str() {
            "approved" => r.approved += b.count,
            "returned" => r.returned += b.count,
            "rejected" => r.rejected += b.count,
            _ => {}
        }
    }
    reviewers.sort_by(|a, b| a.reviewer.cmp(&b.reviewer));
    reviewers
}

/// The reviewers in the decision counts: (id, name).
fn reviewer_ids(buckets: &[DecisionBucket]) -> Vec<(i64, String)> {
    let mut ids: Vec<(i64, String)> = buckets
        .iter()
        .map(|b| (b.reviewer_id, b.reviewer.clone()))
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;

    #[test]
    fn a_beijing_day_starts_at_four_pm_utc_the_day_before() {
        assert_eq!(
            day_start(date!(2023 - 12 - 01)),
            datetime!(2023-11-30 16:00 UTC)
        );
        assert_eq!(day_label(date!(2023 - 12 - 01)), "2023-12-01");
    }

    #[test]
    fn the_median_of_an_even_count_is_the_middle_pair_halved() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), Some(2.5));
    }
}
