//! The front page: which exam this system serves and when its upload window is open.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::AppState;
use crate::db::exams::ExamRow;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
struct HomePage {
    exam_name: Option<String>,
    window: Option<String>,
}

async fn home(State(state): State<AppState>) -> Response {
    match state.db.current_exam().await {
        Ok(exam) => HomePage {
            window: exam.as_ref().and_then(window_text),
            exam_name: exam.map(|e| e.name),
        }
        .into_response(),
        Err(e) => {
            tracing::error!("front page: {e:#}");
            (StatusCode::INTERNAL_SERVER_ERROR, "系统繁忙，请稍后再试").into_response()
        }
    }
}

/// The upload window in Beijing time, e.g. `2023年10月27日 09:00 至 2023年11月3日 17:00`.
fn window_text(exam: &ExamRow) -> Option<String> {
    let beijing = time::UtcOffset::from_hms(8, 0, 0).ok()?;
    let format = time::macros::format_description!(
        "[year]年[month padding:none]月[day padding:none]日 [hour]:[minute]"
    );
    let show = |t: time::OffsetDateTime| t.to_offset(beijing).format(&format).ok();
    match (exam.upload_opens_at, exam.upload_closes_at) {
        (Some(opens), Some(closes)) => Some(format!("{} 至 {}", show(opens)?, show(closes)?)),
        (Some(opens), None) => Some(format!("{} 起", show(opens)?)),
        (None, Some(closes)) => Some(format!("截至 {}", show(closes)?)),
        (None, None) => None,
    }
}
