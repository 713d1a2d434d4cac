//! shenhe (审核): online document review for Teacher Qualification interview candidates.
//!
//! Modules, one line each. `domain` depends on nothing; `db` and `storage`
//! depend only on `domain`; `web` is the only module that knows HTTP; only `db` has SQL.

/// Passwords (argon2id, bounded), session tokens and the sign-in decision.
pub mod auth;
/// The command line.
pub mod cli;
/// Every setting, as a flag and an environment variable.
pub mod config;
/// The only place with SQL: one `Db` over SQLite or PostgreSQL.
pub mod db;
/// The demo exam.
pub mod demo;
/// Pure business rules: ID numbers, places, category rules, roster columns.
pub mod domain;
/// Photo normalisation: sniff, refuse pixel floods, orient, strip metadata, resize, re-encode.
pub mod imaging;
/// Roster import: read, check, classify and upsert, streamed.
pub mod import;
/// What a candidate can do (overview, upload, delete, submit), without HTTP.
pub mod portal;
/// Results export (CSV / XLSX, streamed) and purging a finished exam.
pub mod results;
/// What a reviewer can do (queue, claim, case, decide), without HTTP; every look audited.
pub mod review;
/// Reading roster files (CSV in UTF-8 or GBK, XLSX) into raw rows.
pub mod roster;
/// The only place that touches blobs: a local folder or S3, encrypted at rest with a key.
pub mod storage;
/// Logging set-up.
pub mod telemetry;
/// HTTP routes and the server.
pub mod web;
