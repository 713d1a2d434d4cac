//! Results export (CSV in UTF-8 or GBK, XLSX), streamed from the database, and purging a
//! finished exam. Shared by `shenhe export` / `shenhe purge` and the admin pages and API.
