//! Load test for shenhe (goose): simulated candidates sign in, replace the initial
//! password, upload the three photos their category needs and submit, each candidate
//! exactly once. bench/load.sh prepares the server and the roster and runs this.
//!
//! `shenhe-load roster N FILE`  writes the roster of candidates 0..N (UTF-8 CSV).
//! `shenhe-load [goose options]` runs the load test; it reads LOAD_CANDIDATES (N),
//! LOAD_USERS (simulated users, default 50), LOAD_SECONDS (time bound, default 600) and
//! LOAD_SUMMARY (a Markdown file for the summary table, optional). Exits non-zero unless
//! every candidate submitted without a failed request.

mod candidate;
mod photo;
mod plan;
mod roster;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use goose::prelude::*;

use candidate::next_candidate;
use plan::{Plan, plan};

/// The request names in the order a candidate sends them, then the whole visit.
const NAMES: [&str; 6] = [
    "login",
    "password",
    "me",
    "upload",
    "submit",
    "candidate (whole visit)",
];

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("roster") {
        let (Some(count), Some(path)) = (args.get(2).and_then(|n| n.parse().ok()), args.get(3))
        else {
            eprintln!("usage: shenhe-load roster N FILE");
            return ExitCode::from(2);
        };
        return match roster::write(count, path.as_ref()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("writing {path}: {error}");
                ExitCode::FAILURE
            }
        };
    }
    match run().await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("load test: {error}");
            ExitCode::FAILURE
        }
    }
}

fn env_number(name: &str, default: Option<usize>) -> Result<usize, String> {
    match std::env::var(name) {
        Ok(value) => value
            .parse()
            .map_err(|_| format!("{name}={value} is not a number")),
        Err(_) => default.ok_or_else(|| format!("set {name}")),
    }
}

async fn run() -> Result<bool, String> {
    let candidates = env_number("LOAD_CANDIDATES", None)?;
    let users = env_number("LOAD_USERS", Some(50))?.clamp(1, candidates.max(1));
    let seconds = env_number("LOAD_SECONDS", Some(600))?;
    let photos: Vec<Vec<u8>> = (0..3).map(photo::document_jpeg).collect();
    let sizes: Vec<String> = photos
        .iter()
        .map(|p| format!("{} KB", p.len() / 1000))
        .collect();
    println!("photos: 1600 × 1200 JPEG, {}", sizes.join(", "));
    Plan::install(candidates, Duration::from_secs(seconds as u64), photos);

    let started = Instant::now();
    let metrics = GooseAttack::initialize()
        .map_err(|e| e.to_string())?
        .register_scenario(
            scenario!("Candidate")
                .register_transaction(transaction!(next_candidate).set_name("candidate")),
        )
        .set_default(GooseDefault::Users, users)
        .and_then(|g| g.set_default(GooseDefault::IncreaseRate, users.to_string().as_str()))
        // Every candidate once: users share one counter, so users × iterations ≥ N is
        // enough, and an iteration after the last candidate costs nothing.
        .and_then(|g| g.set_default(GooseDefault::Iterations, candidates.div_ceil(users)))
        .and_then(|g| g.set_default(GooseDefault::NoTelnet, true))
        .and_then(|g| g.set_default(GooseDefault::Timeout, "120"))
        .map_err(|e| e.to_string())?
        .execute()
        .await
        .map_err(|e| e.to_string())?;
    let wall = started.elapsed().as_secs_f64();

    let plan = plan();
    let (done, failed) = (
        plan.done.load(std::sync::atomic::Ordering::Relaxed),
        plan.failed.load(std::sync::atomic::Ordering::Relaxed),
    );
    let failed_requests: usize = metrics.requests.values().map(|r| r.fail_count).sum();
    let requests: usize = metrics
        .requests
        .values()
        .map(|r| r.success_count + r.fail_count)
        .sum();
    let busy = plan.busy();
    let summary = summary(plan, wall, done, failed, requests, failed_requests, &busy);
    println!("\n{summary}");
    if let Ok(path) = std::env::var("LOAD_SUMMARY") {
        std::fs::write(&path, &summary).map_err(|e| format!("writing {path}: {e}"))?;
    }
    Ok(done == candidates && failed == 0 && failed_requests == 0)
}

fn summary(
    plan: &Plan,
    wall: f64,
    done: usize,
    failed: usize,
    requests: usize,
    failed_requests: usize,
    busy: &BTreeMap<String, usize>,
) -> String {
    let busy_total: usize = busy.values().sum();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{done} of {} candidates submitted in {wall:.1} s ({:.1} candidates/s); {} failed, {} not started (time bound)",
        plan.candidates,
        done as f64 / wall,
        failed,
        plan.candidates - plan.taken(),
    );
    let _ = writeln!(
        out,
        "{requests} requests ({:.1}/s): {busy_total} answered 503 \"busy\" and were retried after Retry-After; {failed_requests} failed\n",
        requests as f64 / wall,
    );
    let _ = writeln!(
        out,
        "| request | answered | 503 retried | p50 ms | p95 ms | p99 ms | max ms |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|");
    let latencies = plan.latencies();
    for name in NAMES {
        let Some(times) = latencies.get(name) else {
            continue;
        };
        let mut times = times.clone();
        times.sort_unstable();
        let at = |q: f64| {
            times[((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1] as f64
                / 1000.0
        };
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {:.0} | {:.0} | {:.0} | {:.0} |",
            times.len(),
            busy.get(name).copied().unwrap_or(0),
            at(0.50),
            at(0.95),
            at(0.99),
            at(1.0),
        );
    }
    out
}
