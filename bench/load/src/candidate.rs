//! One simulated candidate, start to finish, as the API documents it: sign in with the
//! email, replace the initial password, read which materials the category needs, upload
//! one photo for each, submit. A 503 is the server asking to come back later: like the
//! portal's script, the candidate waits `Retry-After` seconds and sends it again.

use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use goose::goose::GooseMethod;
use goose::prelude::*;
use reqwest::multipart::{Form, Part};
use reqwest::{RequestBuilder, Response, StatusCode};
use serde::Deserialize;
use serde_json::json;

use crate::plan::{Plan, plan};
use crate::roster;

/// How often one request may be answered "busy" before the candidate gives up.
const BUSY_TRIES: u32 = 20;

#[derive(Deserialize)]
struct LoginResponse {
    must_change_password: bool,
    csrf_token: String,
}

#[derive(Deserialize)]
struct Me {
    materials: Vec<Material>,
}

#[derive(Deserialize)]
struct Material {
    code: String,
    required: bool,
}

#[derive(Deserialize)]
struct Submitted {
    status: String,
}

/// The scenario's one transaction: takes the next candidate and walks them through, or
/// does nothing once every candidate is taken or the time is up.
pub async fn next_candidate(user: &mut GooseUser) -> TransactionResult {
    let plan = plan();
    let Some(i) = plan.take() else {
        return Ok(());
    };
    let started = Instant::now();
    match walk(user, plan, i).await {
        Ok(()) => {
            plan.record("candidate (whole visit)", started.elapsed());
            plan.done.fetch_add(1, Relaxed);
            Ok(())
        }
        Err(error) => {
            plan.failed.fetch_add(1, Relaxed);
            eprintln!("candidate {i}: {error}");
            Err(error)
        }
    }
}

async fn walk(user: &mut GooseUser, plan: &Plan, i: usize) -> TransactionResult {
    let (id, email) = (roster::id_number(i), roster::email(i));
    let login = json!({ "account": id, "password": email });
    let response = send(
        user,
        plan,
        "login",
        GooseMethod::Post,
        "/api/v1/login",
        &|rb| rb.json(&login),
    )
    .await?;
    let signed_in: LoginResponse = parse(response).await?;
    let mut csrf = signed_in.csrf_token;

    if signed_in.must_change_password {
        let change = json!({ "current": email, "new": roster::new_password(i) });
        let changed = send(
            user,
            plan,
            "password",
            GooseMethod::Post,
            "/api/v1/password",
            &|rb| rb.header("x-csrf-token", &csrf).json(&change),
        )
        .await?;
        // The change starts a new session: the cookie jar takes the cookie, this the token.
        if let Some(token) = changed
            .headers()
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
        {
            csrf = token.to_string();
        }
    }

    let me: Me =
        parse(send(user, plan, "me", GooseMethod::Get, "/api/v1/me", &|rb| rb).await?).await?;
    let needed: Vec<String> = me
        .materials
        .into_iter()
        .filter(|m| m.required)
        .map(|m| m.code)
        .collect();
    if needed.len() != plan.photos.len() {
        return Err(custom(format!(
            "category needs {} materials, expected {}",
            needed.len(),
            plan.photos.len()
        )));
    }

    for (code, photo) in needed.iter().zip(&plan.photos) {
        let path = format!("/api/v1/materials/{code}/images");
        let photo: &'static [u8] = photo;
        send(user, plan, "upload", GooseMethod::Post, &path, &|rb| {
            let part = Part::bytes(photo)
                .file_name("photo.jpg")
                .mime_str("image/jpeg")
                .expect("a valid MIME type");
            rb.header("x-csrf-token", &csrf)
                .multipart(Form::new().part("file", part))
        })
        .await?;
    }

    let response = send(
        user,
        plan,
        "submit",
        GooseMethod::Post,
        "/api/v1/submit",
        &|rb| rb.header("x-csrf-token", &csrf),
    )
    .await?;
    let submitted: Submitted = parse(response).await?;
    if submitted.status != "submitted" {
        return Err(custom(format!(
            "submit answered status {}",
            submitted.status
        )));
    }
    Ok(())
}

/// Sends one request named `name`, again after `Retry-After` while the server answers 503.
/// A 503 that was retried counts as busy, not as a failure; any other answer outside 2xx
/// is a failure (goose records it) and ends this candidate's walk.
async fn send(
    user: &mut GooseUser,
    plan: &Plan,
    name: &str,
    method: GooseMethod,
    path: &str,
    build: &(dyn Fn(RequestBuilder) -> RequestBuilder + Sync),
) -> Result<Response, Box<TransactionError>> {
    for _ in 0..BUSY_TRIES {
        let builder = build(user.get_request_builder(&method, path)?);
        let request = GooseRequest::builder()
            .method(method)
            .path(path)
            .name(name)
            .set_request_builder(builder)
            .build();
        let started = Instant::now();
        let mut sent = user.request(request).await?;
        let took = started.elapsed();
        let response = sent
            .response
            .map_err(|e| Box::new(TransactionError::Reqwest(e)))?;
        let status = response.status();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            let seconds = retry_after(&response);
            // Goose has already listed this 503 under errors; without its error text the
            // correction below is not listed a second time.
            sent.request.error.clear();
            user.set_success(&mut sent.request)?;
            plan.count_busy(name);
            tokio::time::sleep(Duration::from_secs(seconds)).await;
            continue;
        }
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            return Err(custom(format!("{name} {path}: {status} {body}")));
        }
        plan.record(name, took);
        return Ok(response);
    }
    Err(custom(format!(
        "{name} {path}: still busy after {BUSY_TRIES} tries"
    )))
}

/// The server's `Retry-After` in seconds, within 1–60 as the portal's script keeps it.
fn retry_after(response: &Response) -> u64 {
    response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(5)
        .clamp(1, 60)
}

async fn parse<T: for<'de> Deserialize<'de>>(
    response: Response,
) -> Result<T, Box<TransactionError>> {
    response
        .json()
        .await
        .map_err(|e| Box::new(TransactionError::Reqwest(e)))
}

fn custom(message: String) -> Box<TransactionError> {
    Box::new(TransactionError::Custom(message))
}
