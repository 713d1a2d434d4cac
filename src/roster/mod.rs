//! Reading a candidate roster (CSV or XLSX, as exported by the exam office) into a stream
//! of [`RawRow`]s, without holding the file's rows in memory at once.
//!
//! ```no_run
//! # fn main() -> Result<(), shenhe::roster::RosterError> {
//! let roster = shenhe::roster::open(std::path::Path::new("名单.xlsx"))?;
//! let progress = roster.progress(); // poll `progress.position()` from a progress bar
//! let total = roster.size_hint; // in `roster.progress_unit`s
//! for row in roster.rows() {
//!     match row {
//!         Ok(raw) => { /* validate raw.cells */ }
//!         Err(e) => eprintln!("{e}"), // one unreadable row; the next ones still come
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! The format is detected from the file's first bytes, never from its name. The header is
//! the first non-empty row that names at least one known column (title rows above it, such
//! as “2025年下半年面试考生名单”, are skipped); row numbers are those the admin sees in
//! Excel, 1-based, with the header on its own row.

mod csv;
mod decode;
mod error;
mod parse;
mod rows;
mod xlsx;
mod xml_scan;
pub mod zip_limits;

#[cfg(test)]
mod tests_csv;
#[cfg(test)]
mod tests_stream;
#[cfg(test)]
mod tests_xlsx;
#[cfg(test)]
mod tests_xml_scan;
#[cfg(test)]
mod tests_zip;

use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

pub use self::error::{RosterError, RowError};
pub use self::rows::Rows;
use self::rows::{Line, LineError, build};
use crate::domain::roster::{Column, RawRow};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RosterFormat {
    /// Delimited text: comma, tab or semicolon; UTF-8 (with or without BOM), UTF-16 with
    /// BOM, or GBK/GB18030.
    Csv,
    /// Excel workbook; the first visible worksheet is read.
    Xlsx,
}

/// What [`Progress::position`] and [`Roster::size_hint`] count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressUnit {
    /// Bytes of the file read so far (CSV). Runs ahead of the rows yielded by at most
    /// a few tens of KiB of read buffers.
    Bytes,
    /// The spreadsheet row number of the last row yielded (XLSX).
    Rows,
}

/// A cheap, cloneable handle on how far reading has got, for a progress bar running on
/// another thread than the one iterating the rows. Compare with [`Roster::size_hint`].
/// When the rows are exhausted the position equals the size hint (when there is one):
/// all bytes read for CSV, and the XLSX position jumps to the declared last row.
#[derive(Debug, Clone, Default)]
pub struct Progress(Arc<AtomicU64>);

impl Progress {
    pub fn position(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    fn set(&self, position: u64) {
        self.0.store(position, Ordering::Relaxed);
    }

    fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }
}

/// An opened roster whose header has been read and checked; the data rows are read on
/// demand by [`Roster::rows`].
pub struct Roster {
    pub format: RosterFormat,
    /// The recognised columns in file order, each with its header as written.
    pub columns: Vec<(Column, String)>,
    /// Non-empty headers that name no known column; their cells are not read.
    pub ignored_headers: Vec<String>,
    /// Total file bytes (CSV) or the last row number the sheet declares (XLSX), if known.
    pub size_hint: Option<u64>,
    pub progress_unit: ProgressUnit,
    /// The spreadsheet row the header was found on (1-based).
    pub header_row: u64,
    /// The text encoding a CSV file was read in: "UTF-8", "GB18030", "UTF-16LE" or
    /// "UTF-16BE". `None` for XLSX.
    pub encoding: Option<&'static str>,
    rows: Rows,
}

impl std::fmt::Debug for Roster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Roster")
            .field("format", &self.format)
            .field("columns", &self.columns)
            .field("ignored_headers", &self.ignored_headers)
            .field("size_hint", &self.size_hint)
            .field("progress_unit", &self.progress_unit)
            .field("header_row", &self.header_row)
            .field("encoding", &self.encoding)
            .finish_non_exhaustive()
    }
}

impl Roster {
    /// A handle to follow reading from another thread; take it before calling `rows`.
    pub fn progress(&self) -> Progress {
        self.rows.progress()
    }

    /// The data rows after the header. Rows whose recognised cells are all empty are
    /// skipped. An `Err` is one row that cannot be read; iteration goes on after it, except
    /// when the file itself breaks off (then that `Err` is the last item).
    pub fn rows(self) -> Rows {
        self.rows
    }
}

impl IntoIterator for Roster {
    type Item = Result<RawRow, RowError>;
    type IntoIter = Rows;

    fn into_iter(self) -> Rows {
        self.rows
    }
}

/// Opens a roster file. Only the header is read here; rows are read as they are iterated.
pub fn open(path: &Path) -> Result<Roster, RosterError> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    let mut head = [0u8; 8];
    let n = read_up_to(&mut file, &mut head)?;
    file.seek(SeekFrom::Start(0))?;
    match detect(&head[..n])? {
        RosterFormat::Xlsx => xlsx::open(BufReader::new(file)),
        RosterFormat::Csv => csv::open(Box::new(file), len),
    }
}

/// Opens a roster already in memory (an upload).
pub fn from_bytes(bytes: Vec<u8>) -> Result<Roster, RosterError> {
    let len = bytes.len() as u64;
    match detect(&bytes[..bytes.len().min(8)])? {
        RosterFormat::Xlsx => xlsx::open(Cursor::new(bytes)),
        RosterFormat::Csv => csv::open(Box::new(Cursor::new(bytes)), len),
    }
}

fn detect(head: &[u8]) -> Result<RosterFormat, RosterError> {
    if head.is_empty() {
        Err(RosterError::Empty)
    } else if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        Ok(RosterFormat::Xlsx)
    } else if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        // An OLE compound file: .xls, or an .xlsx with an open password (Excel stores
        // encrypted workbooks in this container too).
        Err(RosterError::OldExcel)
    } else {
        // Whether it is text at all is decided by the CSV sniffer.
        Ok(RosterFormat::Csv)
    }
}

/// Reads until `buf` is full or the end of the input.
fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}
