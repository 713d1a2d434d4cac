//! CSV rosters: encoding and delimiter sniffing, and a streaming record reader.
//!
//! The `csv` crate is not used here on purpose: it has no limit on a record's size (a
//! single unclosed quote makes it buffer the rest of the file as one record), and it
//! silently drops blank lines, so its record count is not the row number Excel shows.
//! The small parser in `parse.rs` follows the same quoting rules, bounds records to
//! 64 KiB, and reports every line, blank or not, so row numbers match Excel.

use std::io::{self, BufRead, BufReader, Cursor, Read};

use encoding_rs::{Encoding, GB18030, UTF_8};

use super::decode::{Counting, Decoding};
use super::parse::{End, MAX_RECORD_BYTES, Parser};
use super::{Line, LineError, Progress, Roster, RosterError, RosterFormat, RowError};
use crate::domain::roster::Cell;

/// How much of the file is looked at to guess its encoding and delimiter.
const SNIFF_BYTES: usize = 64 * 1024;

pub(super) fn open(source: Box<dyn Read + Send>, len: u64) -> Result<Roster, RosterError> {
    let progress = Progress::default();
    let mut source = Counting {
        inner: source,
        progress: progress.clone(),
    };
    let mut prefix = vec![0; SNIFF_BYTES];
    let n = super::read_up_to(&mut source, &mut prefix)?;
    prefix.truncate(n);
    let complete = n < SNIFF_BYTES;
    if prefix.is_empty() {
        return Err(RosterError::Empty);
    }

    let (encoding, bom_len) = detect_encoding(&prefix, complete);
    let text = &prefix[bom_len..];
    let is_utf16 = encoding != UTF_8 && encoding != GB18030;
    if !is_utf16 && text.contains(&0) {
        return Err(RosterError::Unsupported(
            "它不是文本文件，也不是 Excel 工作簿",
        ));
    }
    let (sample, _) = encoding.decode_without_bom_handling(text);
    if sample.trim_start().starts_with('<') {
        return Err(RosterError::Unsupported(
            "它是网页或 XML 格式，只是扩展名像 Excel；可用 Excel 打开后另存为 .xlsx",
        ));
    }
    let delimiter = sniff_delimiter(&sample);
    prefix.drain(..bom_len);

    let stream = Cursor::new(prefix).chain(source);
    let input: Box<dyn BufRead + Send> = if encoding == UTF_8 {
        Box::new(BufReader::with_capacity(32 * 1024, stream))
    } else {
        Box::new(Decoding::new(stream, encoding))
    };
    let records = Records {
        input,
        parser: Parser::new(delimiter),
        row: 0,
        // Only a decoder (not UTF-8 input) turns bad bytes into U+FFFD.
        replacement_is_error: encoding != UTF_8,
        done: false,
    };
    let name = match encoding.name() {
        "gb18030" => "GB18030",
        other => other,
    };
    super::build(
        RosterFormat::Csv,
        Box::new(records),
        Some(len),
        progress,
        Some(name),
    )
}

/// A BOM decides; else valid UTF-8 is UTF-8 (a character cut at the end of the sample is
/// fine when the sample is not the whole file); else it is GBK/GB18030, what Excel in
/// China saves as “CSV (逗号分隔)”.
fn detect_encoding(prefix: &[u8], complete: bool) -> (&'static Encoding, usize) {
    if let Some(found) = Encoding::for_bom(prefix) {
        return found;
    }
    match std::str::from_utf8(prefix) {
        Ok(_) => (UTF_8, 0),
        Err(e) if !complete && e.error_len().is_none() => (UTF_8, 0),
        Err(_) => (GB18030, 0),
    }
}

/// Comma, tab or semicolon: whichever occurs most, outside quotes, in the first few
/// non-empty lines (a title line above the header may hold none).
fn sniff_delimiter(sample: &str) -> u8 {
    let mut counts = [0usize; 3];
    for line in sample.lines().filter(|l| !l.trim().is_empty()).take(5) {
        let mut quoted = false;
        for b in line.bytes() {
            match b {
                b'"' => quoted = !quoted,
                b',' if !quoted => counts[0] += 1,
                b'\t' if !quoted => counts[1] += 1,
                b';' if !quoted => counts[2] += 1,
                _ => {}
            }
        }
    }
    let best = (0..3)
        .max_by_key(|&i| (counts[i], std::cmp::Reverse(i)))
        .unwrap_or(0);
    if counts[best] == 0 {
        b','
    } else {
        [b',', b'\t', b';'][best]
    }
}

/// Reads records and turns them into [`Line`]s.
struct Records {
    input: Box<dyn BufRead + Send>,
    parser: Parser,
    row: u64,
    replacement_is_error: bool,
    done: bool,
}

impl Iterator for Records {
    type Item = Result<Line, LineError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            let chunk = match self.input.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.done = true;
                    let message = format!(
                        "从这一行起文件读取失败（技术信息：{e}），后面的行没有读取。请重新上传文件。"
                    );
                    return Some(Err(self.error(message, true)));
                }
            };
            let (used, end) = if chunk.is_empty() {
                self.done = true;
                (0, self.parser.finish())
            } else {
                self.parser.feed(chunk)
            };
            self.input.consume(used);
            match end {
                None => {}
                Some(End::Record) => return Some(Ok(self.line())),
                Some(End::TooLong) => {
                    let message = format!(
                        "这一行超过 {} KB，已跳过。常见原因是某个单元格的英文引号（\"）没有成对，\
                         请检查这一行。",
                        MAX_RECORD_BYTES / 1024
                    );
                    return Some(Err(self.error(message, false)));
                }
                Some(End::UnclosedQuote) => {
                    let message = "这一行的英文引号（\"）没有成对，从这里到文件末尾的内容无法读取。\
                                   请检查这一行的引号后重新上传。";
                    return Some(Err(self.error(message.to_string(), false)));
                }
            }
        }
        None
    }
}

impl Records {
    fn error(&mut self, message: String, fatal: bool) -> LineError {
        self.row += 1;
        LineError {
            error: RowError {
                row: self.row,
                message,
            },
            fatal,
        }
    }

    fn line(&mut self) -> Line {
        self.row += 1;
        let mut cells = Vec::with_capacity(self.parser.ends.len());
        let mut bad_cells = Vec::new();
        let mut start = 0;
        for (i, &end) in self.parser.ends.iter().enumerate() {
            let bytes = &self.parser.data[start..end];
            start = end;
            match std::str::from_utf8(bytes) {
                Ok(s) if self.replacement_is_error && s.contains('\u{FFFD}') => {
                    bad_cells.push((i, unreadable()));
                    cells.push(Cell::Empty);
                }
                Ok(s) => match s.trim() {
                    "" => cells.push(Cell::Empty),
                    s => cells.push(Cell::Text(s.to_string())),
                },
                Err(_) => {
                    bad_cells.push((i, unreadable()));
                    cells.push(Cell::Empty);
                }
            }
        }
        Line {
            row: self.row,
            cells,
            bad_cells,
        }
    }
}

fn unreadable() -> String {
    "含有无法识别的字符（文件的编码可能不对，可在 Excel 中另存为“CSV UTF-8（逗号分隔）”）"
        .to_string()
}
