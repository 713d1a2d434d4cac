//! shenhe (审核): online document review for Teacher Qualification interview candidates.
//!
//! A guided tour, from the inside out. `domain` depends on nothing; `db` and `storage`
//! depend only on `domain`; `web` is the only module that knows HTTP; only `db` has SQL.

/// Pure business rules: ID numbers, places, category rules, roster columns.
pub mod domain;
/// Reading roster files (CSV in UTF-8 or GBK, XLSX) into raw rows.
pub mod roster;
/// The only place with SQL: one `Db` over SQLite or PostgreSQL.
pub mod db;
/// The only place that touches blobs.
pub mod storage;
/// Password hashing off the async runtime.
pub mod auth;
/// Roster import: read, check, classify and upsert, streamed.
pub mod import;
/// The demo exam.
pub mod demo;
/// HTTP routes and the server.
pub mod web;
/// Every setting, as a flag and an environment variable.
pub mod config;
/// Logging set-up.
pub mod telemetry;
/// The command line.
pub mod cli;
