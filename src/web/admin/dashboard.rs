//! Admin pages: the dashboard — counts, charts per day, reviewers' throughput, the longest waits.
//!
//! `/admin` shows the current exam (or `?exam=CODE`); its chart is an SVG that plotters
//! draws, served from `/admin/charts/daily.svg` into an `<img>` (the page's CSP allows no
//! inline styles, and an image keeps the drawing out of the page).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use plotters::prelude::*;
use serde::Deserialize;
use time::OffsetDateTime;

use super::admin_page;
use crate::db::exams::ExamRow;
use crate::db::stats::{Dashboard, STATUSES, status_label};
use crate::domain::rules::ExamConfig;
use crate::domain::window::beijing;
use crate::web::AppState;
use crate::web::routes::Routes;
use crate::web::staff::{failure, message};

pub fn router() -> Routes {
    Routes::new()
        .route("/admin", get(page))
        .route("/admin/charts/daily.svg", get(daily_chart))
}

#[derive(Deserialize, Default)]
struct ExamQuery {
    exam: Option<String>,
}

#[derive(askama::Template, askama_web::WebTemplate)]
#[template(path = "admin/dashboard.html")]
pub struct DashboardPage {
    csrf: String,
    username: String,
    is_admin: bool,
    /// (code, name, shown now) of every exam, for the picker.
    exams: Vec<(String, String, bool)>,
    /// `None`: no exam to show yet.
    view: Option<View>,
}

pub struct View {
    exam_name: String,
    computed_at: String,
    statuses: Vec<&'static str>,
    lines: Vec<Line>,
    totals: Vec<i64>,
    total: i64,
    today_submissions: i64,
    today_decisions: i64,
    waiting: i64,
    chart_url: String,
    chart_text: String,
    reviewers: Vec<ReviewerLine>,
    waits: Vec<WaitLine>,
    disagreements: i64,
    latest_disagreements: Vec<super::DisagreementLine>,
}

pub struct Line {
    name: String,
    by_status: Vec<i64>,
    total: i64,
}

pub struct ReviewerLine {
    name: String,
    today: i64,
    week: i64,
    total: i64,
    approved: i64,
    returned: i64,
    rejected: i64,
    median: String,
}

pub struct WaitLine {
    url: String,
    name: String,
    status: &'static str,
    submitted_at: String,
    waited: String,
}

async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<ExamQuery>, QueryRejection>,
) -> Response {
    let visitor = match admin_page(&state, &headers).await {
        Ok(visitor) => visitor,
        Err(response) => return response,
    };
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let exam = match chosen_exam(&state, query.exam.as_deref()).await {
        Ok(exam) => exam,
        Err(response) => return response,
    };
    let exams = match state.db.list_exams().await {
        Ok(exams) => exams,
        Err(e) => return failure(&e),
    };
    let view = match &exam {
        None => None,
        Some(exam) => match state.dashboards.get(exam.id).await {
            Ok(dashboard) => Some(view(exam, dashboard)),
            Err(e) => return failure(&e),
        },
    };
    let shown = exam.as_ref().map(|e| e.id);
    DashboardPage {
        csrf: visitor.csrf(),
        username: visitor.username.clone(),
        is_admin: true,
        exams: exams
            .into_iter()
            .map(|e| (e.code, e.name, Some(e.id) == shown))
            .collect(),
        view,
    }
    .into_response()
}

/// The exam `?exam=` names, else the current one (`None`: there is none yet); a page that
/// says so for an unknown code.
async fn chosen_exam(state: &AppState, code: Option<&str>) -> Result<Option<ExamRow>, Response> {
    let code = code.map(str::trim).filter(|c| !c.is_empty());
    let found = match code {
        Some(code) => state.db.find_exam_by_code(code).await,
        None => state.db.current_exam().await,
    };
    match (found, code) {
        (Err(e), _) => Err(failure(&e)),
        (Ok(None), Some(_)) => Err(message(
            StatusCode::NOT_FOUND,
            "找不到考试",
            "没有这个代码的考试，请从概览页的考试列表中选择。",
        )),
        (Ok(exam), _) => Ok(exam),
    }
}

fn view(exam: &ExamRow, d: Dashboard) -> View {
    let rules = ExamConfig::parse(&exam.config).ok();
    let lines = d
        .table(rules.as_ref())
        .into_iter()
        .map(|l| Line {
            name: l.name,
            by_status: l.by_status,
            total: l.total,
        })
        .collect();
    let totals = d.status_totals();
    let waiting = totals[1] + totals[2];
    let (today_submissions, today_decisions) = d.days.last().map_or((0, 0), |t| (t.1, t.2));
    let chart_text = d
        .days
        .iter()
        .rev()
        .take(7)
        .map(|(day, s, dc)| format!("{}：提交 {s}，审核 {dc}", short_day(day)))
        .collect::<Vec<_>>()
        .join("；");
    let at = d.at;
    View {
        exam_name: exam.name.clone(),
        computed_at: beijing(at),
        statuses: STATUSES.iter().map(|s| status_label(s)).collect(),
        lines,
        total: d.total(),
        totals,
        today_submissions,
        today_decisions,
        waiting,
        chart_url: format!("/admin/charts/daily.svg?exam={}", url_part(&exam.code)),
        chart_text,
        reviewers: d.reviewers.into_iter().map(reviewer_line).collect(),
        waits: d
            .longest_waits
            .into_iter()
            .map(|w| WaitLine {
                url: format!("/review/cases/{}", w.id),
                name: w.name,
                status: status_label(&w.status),
                submitted_at: beijing(w.submitted_at),
                waited: waited(at, w.submitted_at),
            })
            .collect(),
        disagreements: d.disagreements,
        latest_disagreements: d
            .latest_disagreements
            .into_iter()
            .map(super::disagreement)
            .collect(),
    }
}

fn reviewer_line(r: crate::db::stats::ReviewerCounts) -> ReviewerLine {
    let median = match r.median_minutes {
        None => "—".to_string(),
        Some(m) if m < 60.0 => format!("{} 分钟", m.round()),
        Some(m) if m < 60.0 * 48.0 => format!("{:.1} 小时", m / 60.0),
        Some(m) => format!("{:.1} 天", m / 60.0 / 24.0),
    };
    ReviewerLine {
        name: r.reviewer,
        today: r.today,
        week: r.week,
        total: r.total,
        approved: r.approved,
        returned: r.returned,
        rejected: r.rejected,
        median,
    }
}

/// How long since `since`, in words: `3 天 4 小时`, `5 小时 12 分钟`, `8 分钟`.
fn waited(now: OffsetDateTime, since: OffsetDateTime) -> String {
    let minutes = (now - since).whole_minutes().max(0);
    let (days, hours, minutes) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    match (days, hours) {
        (0, 0) => format!("{minutes} 分钟"),
        (0, h) => format!("{h} 小时 {minutes} 分钟"),
        (d, h) => format!("{d} 天 {h} 小时"),
    }
}

/// `2023-12-01` → `12-01`.
fn short_day(day: &str) -> &str {
    day.get(5..).unwrap_or(day)
}

fn url_part(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The submissions and decisions of the last 30 days as an SVG bar chart.
async fn daily_chart(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<ExamQuery>, QueryRejection>,
) -> Response {
    if let Err(response) = admin_page(&state, &headers).await {
        return response;
    }
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let exam = match chosen_exam(&state, query.exam.as_deref()).await {
        Ok(Some(exam)) => exam,
        Ok(None) => {
            return message(
                StatusCode::NOT_FOUND,
                "还没有当前考试",
                "请先在“考试”页设定当前考试。",
            );
        }
        Err(response) => return response,
    };
    let dashboard = match state.dashboards.get(exam.id).await {
        Ok(dashboard) => dashboard,
        Err(e) => return failure(&e),
    };
    match draw_daily(&dashboard.days) {
        Ok(svg) => (
            [
                (header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"),
                (header::CACHE_CONTROL, "private, no-store"),
            ],
            svg,
        )
            .into_response(),
        Err(e) => failure(&e),
    }
}

const SUBMITTED: RGBColor = RGBColor(0x1d, 0x4e, 0xd8);
const DECIDED: RGBColor = RGBColor(0x16, 0xa3, 0x4a);
const FONT: &str = "sans-serif";

/// Two bars per day (submissions, decisions), the day under each few bars.
pub fn draw_daily(days: &[(String, i64, i64)]) -> anyhow::Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 320)).into_drawing_area();
        root.fill(&WHITE)?;
        let highest = days.iter().map(|d| d.1.max(d.2)).max().unwrap_or(0);
        // Room above the highest bar for the legend.
        let top = (highest + highest / 3 + 1).max(4);
        let n = days.len().max(1) as f64;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(-0.5..(n - 0.5), 0i64..top)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .x_labels(days.len().div_ceil(3))
            .x_label_formatter(&|x| label_at(days, *x))
            .y_desc("次数")
            .label_style((FONT, 16))
            .axis_desc_style((FONT, 16))
            .draw()?;
        let bars = |value: fn(&(String, i64, i64)) -> i64, from: f64, color: RGBColor| {
            days.iter().enumerate().map(move |(i, d)| {
                let x = i as f64 + from;
                Rectangle::new([(x, 0), (x + 0.38, value(d))], color.filled())
            })
        };
        chart
            .draw_series(bars(|d| d.1, -0.4, SUBMITTED))?
            .label("提交（含再次提交）")
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], SUBMITTED.filled()));
        chart
            .draw_series(bars(|d| d.2, 0.02, DECIDED))?
            .label("审核决定")
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], DECIDED.filled()));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font((FONT, 16))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.3))
            .draw()?;
        root.present()?;
    }
    Ok(svg)
}

/// The day under a whole-numbered position of the x axis (`12-01`), none between.
fn label_at(days: &[(String, i64, i64)], x: f64) -> String {
    let i = x.round();
    if (x - i).abs() > 1e-6 || i < 0.0 {
        return String::new();
    }
    days.get(i as usize)
        .map(|d| short_day(&d.0).to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chart_is_an_svg_with_its_days_and_legend() {
        let days: Vec<(String, i64, i64)> = (1..=30)
            .map(|d| (format!("2023-11-{d:02}"), d, 30 - d))
            .collect();
        let svg = draw_daily(&days).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..100]);
        assert!(svg.contains("提交（含再次提交）") && svg.contains("审核决定"));
        assert!(
            svg.contains("11-01") && svg.contains("11-26"),
            "days are labelled"
        );
        assert!(!svg.contains("style="), "no inline styles (CSP)");
    }

    #[test]
    fn waits_read_in_days_hours_and_minutes() {
        let now = time::macros::datetime!(2023-12-01 12:00 UTC);
        assert_eq!(waited(now, now - time::Duration::minutes(8)), "8 分钟");
        assert_eq!(
            waited(now, now - time::Duration::minutes(312)),
            "5 小时 12 分钟"
        );
        assert_eq!(waited(now, now - time::Duration::hours(76)), "3 天 4 小时");
    }
}
