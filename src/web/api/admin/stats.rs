//! Admin API: the dashboard's numbers, the same the `/admin` page shows.

use std::collections::BTreeMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::DisagreementJson;
use crate::db::Db;
use crate::db::exams::ExamRow;
use crate::db::stats::{Dashboard, STATUSES, status_label};
use crate::domain::rules::ExamConfig;
use crate::web::AppState;
use crate::web::api::auth::ErrorBody;
use crate::web::error::ApiError;
use crate::web::session::ApiAdmin;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(stats))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// 考试代码；不填为当前考试。
    exam: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct StatsJson {
    exam_code: String,
    exam_name: String,
    /// 统计时间。考生超过 20,000 人的考试，统计结果最多保留 10 秒。
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    computed_at: OffsetDateTime,
    /// 考生总数。
    total: i64,
    /// 各状态的考生人数：draft | submitted | in_review | returned | approved | rejected。
    by_status: Vec<StatusCountJson>,
    /// 各类别的考生人数，按状态分列；category 为空的是不符合本考区条件的考生。
    by_category: Vec<CategoryCountJson>,
    /// 最近 30 天（北京时间）每天的提交次数（含再次提交）和审核决定数，最早的在前。
    days: Vec<DayJson>,
    /// 今天（北京时间）。
    today: DayJson,
    /// 每位审核员的工作量，按用户名排列。
    reviewers: Vec<ReviewerJson>,
    /// 等待审核（含等待复核）最久的 10 位考生，等得最久的在前。
    longest_waits: Vec<WaitingJson>,
    /// 复核与初审不一致。
    disagreements: DisagreementsJson,
}

#[derive(Serialize, ToSchema)]
pub struct StatusCountJson {
    status: String,
    label: String,
    count: i64,
}

#[derive(Serialize, ToSchema)]
pub struct CategoryCountJson {
    /// 类别代码；为空表示不符合本考区条件。
    category: Option<String>,
    name: String,
    total: i64,
    /// 状态代码 → 人数。
    by_status: BTreeMap<String, i64>,
}

#[derive(Serialize, ToSchema, Clone)]
pub struct DayJson {
    /// 北京时间日期，如 2023-12-01。
    day: String,
    submissions: i64,
    decisions: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ReviewerJson {
    reviewer: String,
    /// 今天（北京时间）的审核决定数。
    today: i64,
    /// 最近 7 天（含今天）的审核决定数。
    last_7_days: i64,
    total: i64,
    approved: i64,
    returned: i64,
    rejected: i64,
    /// 最近 7 天内从提交到作出决定的时间中位数（分钟）；没有决定时为空。
    median_minutes: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct WaitingJson {
    /// 考生编号（不含身份证号）。
    candidate_id: i64,
    name: String,
    /// submitted（待审核）或 in_review（待复核）。
    status: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    submitted_at: OffsetDateTime,
    /// 已等待的分钟数。
    waiting_minutes: i64,
}

#[derive(Serialize, ToSchema)]
pub struct DisagreementsJson {
    count: i64,
    /// 最近的 5 条，最新的在前。
    latest: Vec<DisagreementJson>,
}

/// 概览统计（仅管理员）：各状态、各类别人数，最近 30 天每天的提交和审核数，审核员工作量，
/// 等待最久的考生和复核不一致。
#[utoipa::path(get, path = "/api/v1/admin/stats", tag = "管理", params(StatsQuery),
    responses(
        (status = 200, body = StatsJson),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "没有这场考试，或还没有当前考试", body = ErrorBody),
    ))]
pub async fn stats(
    State(state): State<AppState>,
    _admin: ApiAdmin,
    query: Result<Query<StatsQuery>, QueryRejection>,
) -> Result<axum::Json<StatsJson>, ApiError> {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let exam = chosen_exam(&state.db, query.exam.as_deref()).await?;
    let dashboard = state.dashboards.get(exam.id).await?;
    Ok(axum::Json(json(&exam, dashboard)))
}

/// The exam `?exam=` names, else the current one; a 404 that says what to do.
async fn chosen_exam(db: &Db, code: Option<&str>) -> Result<ExamRow, ApiError> {
    let code = code.map(str::trim).filter(|c| !c.is_empty());
    let exam = match code {
        Some(code) => db.find_exam_by_code(code).await?,
        None => db.current_exam().await?,
    };
    exam.ok_or_else(|| {
        let message = match code {
            Some(_) => "没有这个代码的考试，请检查考试代码（见“考试”页）。",
            None => "还没有当前考试：请在“考试”页设定当前考试，或用 exam 参数指定考试代码。",
        };
        ApiError::new(StatusCode::NOT_FOUND, message)
    })
}

fn json(exam: &ExamRow, d: Dashboard) -> StatsJson {
    let rules = ExamConfig::parse(&exam.config).ok();
    let by_status = STATUSES
        .iter()
        .zip(d.status_totals())
        .map(|(status, count)| StatusCountJson {
            status: status.to_string(),
            label: status_label(status).to_string(),
            count,
        })
        .collect();
    let by_category = d
        .table(rules.as_ref())
        .into_iter()
        .map(|line| CategoryCountJson {
            by_status: STATUSES
                .iter()
                .map(|s| s.to_string())
                .zip(line.by_status)
                .collect(),
            category: line.code,
            name: line.name,
            total: line.total,
        })
        .collect();
    let days: Vec<DayJson> = d
        .days
        .iter()
        .map(|(day, submissions, decisions)| DayJson {
            day: day.clone(),
            submissions: *submissions,
            decisions: *decisions,
        })
        .collect();
    let today = days.last().cloned().unwrap_or(DayJson {
        day: String::new(),
        submissions: 0,
        decisions: 0,
    });
    let at = d.at;
    StatsJson {
        exam_code: exam.code.clone(),
        exam_name: exam.name.clone(),
        computed_at: at,
        total: d.total(),
        by_status,
        by_category,
        days,
        today,
        reviewers: d
            .reviewers
            .into_iter()
            .map(|r| ReviewerJson {
                reviewer: r.reviewer,
                today: r.today,
                last_7_days: r.week,
                total: r.total,
                approved: r.approved,
                returned: r.returned,
                rejected: r.rejected,
                median_minutes: r.median_minutes.map(|m| (m * 10.0).round() / 10.0),
            })
            .collect(),
        longest_waits: d
            .longest_waits
            .into_iter()
            .map(|w| WaitingJson {
                candidate_id: w.id,
                name: w.name,
                status: w.status,
                submitted_at: w.submitted_at,
                waiting_minutes: (at - w.submitted_at).whole_minutes().max(0),
            })
            .collect(),
        disagreements: DisagreementsJson {
            count: d.disagreements,
            latest: d.latest_disagreements.into_iter().map(Into::into).collect(),
        },
    }
}
