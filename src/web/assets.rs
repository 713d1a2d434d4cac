//! Static files (CSS, the progressive-enhancement script, example images), embedded in the
//! binary; in debug builds read from `static/` on disk.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_embed::Embed;
use sha2::Digest;

use super::routes::Routes;

#[derive(Embed)]
#[folder = "static/"]
struct Assets;

pub fn router() -> Routes {
    Routes::new().route("/static/{*path}", get(asset))
}

async fn asset(Path(path): Path<String>) -> Response {
    let Some(file) = Assets::get(&path) else {
        return (StatusCode::NOT_FOUND, "文件不存在").into_response();
    };
    (
        [
            (header::CONTENT_TYPE, file.metadata.mimetype().to_string()),
            (header::CACHE_CONTROL, "public, max-age=3600".to_string()),
        ],
        file.data,
    )
        .into_response()
}

/// A short fingerprint of every embedded file, appended to the CSS and script URLs
/// (`/static/app.css?v=…`) so a new release is fetched at once despite caching.
pub fn version() -> &'static str {
    static VERSION: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let mut all = Vec::new();
        for path in Assets::iter() {
            if let Some(file) = Assets::get(&path) {
                all.extend_from_slice(&file.metadata.sha256_hash());
            }
        }
        hex::encode(&sha2::Sha256::digest(&all)[..6])
    });
    &VERSION
}

/// The URL of an exam's example image for a material.
pub fn example_url(file: &str) -> String {
    format!("/static/examples/{file}")
}
