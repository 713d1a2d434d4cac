//! XLSX rosters, read cell by cell with calamine's streaming `worksheet_cells_reader`.
//!
//! That reader borrows the workbook mutably, so the two cannot live in one struct without
//! unsafe code (forbidden in this crate). A dedicated thread owns the workbook and the
//! reader and sends whole rows through a bounded channel, so at most [`CHANNEL_ROWS`] rows
//! are in memory ahead of the consumer. Dropping the rows iterator closes the channel and
//! the thread stops at its next send.
//!
//! Not streamed, by calamine's design: the shared-strings table (every distinct text in the
//! workbook) and the styles are loaded by `Xlsx::new` before the first row is read; so
//! `zip_limits` checks every part of the file before calamine sees it.

use std::io::{Read, Seek};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use calamine::{DataRef, Dimensions, Reader, SheetType, SheetVisible, Xlsx, XlsxError};

use super::{Line, LineError, Progress, Roster, RosterError, RosterFormat, RowError};
use crate::domain::roster::Cell;

const CHANNEL_ROWS: usize = 64;
/// Cells right of this many columns are not read (a roster has a few dozen).
const MAX_COLUMNS: usize = 512;
/// Longer texts are cut to this many characters: every roster field is refused over 100
/// anyway, and so a row in flight stays under 512 × 800 bytes, whatever a cell holds.
const MAX_CELL_CHARS: usize = 200;

enum Msg {
    Line(Result<Line, LineError>),
    /// The sheet was read to its end; without it a closed channel means the thread died.
    Done,
}

pub(super) fn open<RS: Read + Seek + Send + 'static>(reader: RS) -> Result<Roster, RosterError> {
    let reader = super::zip_limits::check(reader)?;
    let workbook: Xlsx<RS> = Xlsx::new(reader).map_err(corrupt)?;
    let sheets = workbook.sheets_metadata();
    let sheet = sheets
        .iter()
        .find(|s| s.typ == SheetType::WorkSheet && s.visible == SheetVisible::Visible)
        .or_else(|| sheets.iter().find(|s| s.typ == SheetType::WorkSheet))
        .map(|s| s.name.clone())
        .ok_or_else(|| RosterError::CorruptXlsx("工作簿里没有工作表".into()))?;

    let (ready_tx, ready_rx) = sync_channel(1);
    let (tx, rx) = sync_channel(CHANNEL_ROWS);
    std::thread::Builder::new()
        .name("roster-xlsx".into())
        .spawn(move || read_sheet(workbook, &sheet, ready_tx, tx))?;
    let size_hint = ready_rx
        .recv()
        .map_err(|_| RosterError::CorruptXlsx("读取工作表时程序出错".into()))??;
    let lines = Received {
        rx,
        last_row: 0,
        done: false,
    };
    super::build(
        RosterFormat::Xlsx,
        Box::new(lines),
        size_hint,
        Progress::default(),
        None,
    )
}

fn corrupt(e: XlsxError) -> RosterError {
    match e {
        XlsxError::Password => RosterError::OldExcel,
        e => RosterError::CorruptXlsx(format!("技术信息：{e}")),
    }
}

/// Runs on the reader thread.
fn read_sheet<RS: Read + Seek>(
    mut workbook: Xlsx<RS>,
    sheet: &str,
    ready: SyncSender<Result<Option<u64>, RosterError>>,
    tx: SyncSender<Msg>,
) {
    let mut cells = match workbook.worksheet_cells_reader(sheet) {
        Ok(cells) => cells,
        Err(e) => {
            let _ = ready.send(Err(corrupt(e)));
            return;
        }
    };
    // The `<dimension>` element is optional; without it calamine reports A1:A1.
    let dimensions = cells.dimensions();
    let size_hint = (dimensions != Dimensions::default()).then(|| u64::from(dimensions.end.0) + 1);
    if ready.send(Ok(size_hint)).is_err() {
        return;
    }
    let mut line: Option<Line> = None;
    loop {
        match cells.next_cell() {
            Ok(Some(cell)) => {
                let (r, c) = cell.get_position();
                let row = u64::from(r) + 1;
                if line.as_ref().is_some_and(|l| l.row != row)
                    && let Some(done) = line.take()
                    && tx.send(Msg::Line(Ok(done))).is_err()
                {
                    return;
                }
                let value = cell.get_value();
                if *value != DataRef::Empty && (c as usize) < MAX_COLUMNS {
                    let line = line.get_or_insert_with(|| Line {
                        row,
                        cells: Vec::new(),
                        bad_cells: Vec::new(),
                    });
                    put(line, c as usize, value);
                }
            }
            Ok(None) => {
                if let Some(done) = line.take()
                    && tx.send(Msg::Line(Ok(done))).is_err()
                {
                    return;
                }
                let _ = tx.send(Msg::Done);
                return;
            }
            Err(e) => {
                // The XML is broken here; nothing after it can be trusted.
                let row = line.map_or(0, |l| l.row);
                let message = format!(
                    "从这一行起文件无法读取，可能已损坏（技术信息：{e}）。\
                     请用 Excel 打开文件，重新另存为 .xlsx 后再上传。"
                );
                let error = LineError {
                    error: RowError { row, message },
                    fatal: true,
                };
                let _ = tx.send(Msg::Line(Err(error)));
                return;
            }
        }
    }
}

fn put(line: &mut Line, col: usize, value: &DataRef<'_>) {
    let cell = match value {
        DataRef::Empty => Cell::Empty,
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => text(s),
        DataRef::SharedString(s) => text(s),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::Int(i) => Cell::Text(i.to_string()),
        DataRef::Bool(b) => Cell::Text(if *b { "TRUE" } else { "FALSE" }.to_string()),
        DataRef::DateTime(dt) if dt.is_datetime() => {
            let (y, mo, d, h, mi, s, ms) = dt.to_ymd_hms_milli();
            if (h, mi, s, ms) == (0, 0, 0, 0) {
                Cell::Text(format!("{y:04}-{mo:02}-{d:02}"))
            } else {
                Cell::Text(format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}"))
            }
        }
        DataRef::DateTime(dt) => Cell::Number(dt.as_f64()),
        DataRef::Error(e) => {
            let at = format!("{}{}", column_name(col), line.row);
            let what = format!("的单元格 {at} 是错误值 {e}（通常是公式出错）");
            line.bad_cells.push((col, what));
            Cell::Empty
        }
    };
    if line.cells.len() <= col {
        line.cells.resize(col + 1, Cell::Empty);
    }
    line.cells[col] = cell;
}

fn text(s: &str) -> Cell {
    match s.trim() {
        "" => Cell::Empty,
        s => match s.char_indices().nth(MAX_CELL_CHARS) {
            Some((cut, _)) => Cell::Text(s[..cut].to_string()),
            None => Cell::Text(s.to_string()),
        },
    }
}

/// `0` → `A`, `25` → `Z`, `26` → `AA`.
fn column_name(mut col: usize) -> String {
    let mut name = Vec::new();
    loop {
        name.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    name.reverse();
    String::from_utf8(name).unwrap_or_default()
}

/// The consumer side of the channel.
struct Received {
    rx: Receiver<Msg>,
    last_row: u64,
    done: bool,
}

impl Iterator for Received {
    type Item = Result<Line, LineError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.rx.recv() {
            Ok(Msg::Line(Ok(line))) => {
                self.last_row = line.row;
                Some(Ok(line))
            }
            Ok(Msg::Line(Err(mut e))) => {
                if e.error.row == 0 {
                    e.error.row = self.last_row + 1;
                }
                self.done |= e.fatal;
                Some(Err(e))
            }
            Ok(Msg::Done) => {
                self.done = true;
                None
            }
            Err(_) => {
                self.done = true;
                let message = "读取到这里时程序出错，后面的行没有读取。请重新上传；\
                               如果仍然出错，请用 Excel 重新另存为 .xlsx 后再试。";
                let row = self.last_row + 1;
                let error = RowError {
                    row,
                    message: message.to_string(),
                };
                Some(Err(LineError { error, fatal: true }))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::column_name;

    #[test]
    fn column_names() {
        for (i, name) in [
            (0, "A"),
            (3, "D"),
            (25, "Z"),
            (26, "AA"),
            (27, "AB"),
            (701, "ZZ"),
            (702, "AAA"),
        ] {
            assert_eq!(column_name(i), name);
        }
    }
}
