//! The JSON API's one error type: `{"error": "<message in Chinese>", …}` with a fitting
//! status. Internal errors are logged with their chain and shown as a plain message.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::portal::PortalError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    /// Extra fields beside `error` (e.g. `missing`, `must_change_password`).
    pub extra: Map<String, Value>,
    /// Seconds, for 429 and 503.
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            extra: Map::new(),
            retry_after: None,
        }
    }

    pub fn with(mut self, key: &str, value: Value) -> ApiError {
        self.extra.insert(key.to_string(), value);
        self
    }

    pub fn retry_after(mut self, seconds: u64) -> ApiError {
        self.retry_after = Some(seconds.max(1));
        self
    }

    pub fn signed_out() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "登录已过期或尚未登录，请重新登录。",
        )
    }

    pub fn busy() -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "当前访问人数较多，请稍等片刻后重试。",
        )
        .retry_after(5)
    }

    pub fn internal(error: &anyhow::Error) -> ApiError {
        tracing::error!("request failed: {error:#}");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "系统繁忙，请稍后再试。")
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(error: anyhow::Error) -> Self {
        ApiError::internal(&error)
    }
}

impl From<PortalError> for ApiError {
    fn from(error: PortalError) -> Self {
        let status = match &error {
            PortalError::NoSuchMaterial | PortalError::NoSuchImage => StatusCode::NOT_FOUND,
            PortalError::NotEligible(_)
            | PortalError::NotEditable(_)
            | PortalError::Full { .. } => StatusCode::CONFLICT,
            PortalError::Image(e) => {
                StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY)
            }
            PortalError::Missing(_) | PortalError::Upload(_) => StatusCode::UNPROCESSABLE_ENTITY,
            PortalError::Busy => return ApiError::busy(),
            PortalError::Internal(e) => return ApiError::internal(e),
        };
        let api = ApiError::new(status, error.to_string());
        match error {
            PortalError::Missing(missing) => {
                let codes: Vec<String> = missing.into_iter().map(|(code, _)| code).collect();
                api.with("missing", json!(codes))
            }
            PortalError::Image(e) => {
                tracing::info!("upload refused: {e:?}");
                api
            }
            _ => api,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = self.extra;
        body.insert("error".to_string(), Value::String(self.message));
        let mut response = (self.status, Json(Value::Object(body))).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
