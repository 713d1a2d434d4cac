//! One integration binary: the real app and the real `shenhe` command, on SQLite and on
//! PostgreSQL.

mod helpers;

mod access_matrix;
mod admin_dashboard;
mod admin_exams;
mod admin_people;
mod cli;
mod crash;
mod demo;
mod export;
mod fsck;
mod health;
mod hostile;
mod import;
mod photos;
mod portal_access;
mod portal_client;
mod portal_flow;
mod portal_images;
mod portal_pages;
mod portal_review;
mod portal_s3;
mod process;
mod purge;
mod review_api;
mod review_client;
mod review_pages;
mod s3;
mod serve;
mod slow_clients;
mod staff_auth;
mod storage;
mod two_nodes;
