//! Results export (CSV in UTF-8 or GBK, XLSX), streamed from the database, and purging a
//! finished exam. Shared by `shenhe export` / `shenhe purge` and the admin pages and API.

mod cell;
pub mod export;
mod line;
pub mod options;
pub mod purge;
mod sheet;

pub use export::{stream_export, write_export};
pub use options::{ExportFormat, ExportOptions, STATUS_CHOICES, StatusFilter, TextEncoding};
pub use purge::{PurgeOutcome, PurgeReport, purge_exam};
