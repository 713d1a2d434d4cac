//! One integration binary: the real app and the real `shenhe` command, on SQLite and on
//! PostgreSQL.

mod helpers;

mod cli;
mod demo;
mod health;
mod import;
mod serve;
mod storage;
