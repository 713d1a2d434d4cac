//! From source lines to checked columns and [`RawRow`]s: finding the header, mapping
//! columns, and the rows iterator shared by the CSV and XLSX readers.

use super::{Progress, ProgressUnit, Roster, RosterError, RosterFormat, RowError};
use crate::domain::roster::{Cell, Column, RawRow};

/// How many non-empty rows above the header (titles, notes) are skipped looking for it.
const MAX_ROWS_BEFORE_HEADER: usize = 10;

/// One row of the source as laid out in the file, before column mapping.
pub(super) struct Line {
    /// Spreadsheet row number, 1-based.
    pub row: u64,
    /// Cells by column index; columns past the end are empty.
    pub cells: Vec<Cell>,
    /// Cells that could not be read: column index and what is wrong, as a fragment that
    /// follows “the X column” in a sentence (e.g. "是错误值 #N/A").
    pub bad_cells: Vec<(usize, String)>,
}

impl Line {
    fn is_blank(&self) -> bool {
        self.bad_cells.is_empty() && self.cells.iter().all(|c| *c == Cell::Empty)
    }
}

/// A row that cannot be read at all; `fatal` when nothing after it can be read either.
pub(super) struct LineError {
    pub error: RowError,
    pub fatal: bool,
}

pub(super) type Lines = Box<dyn Iterator<Item = Result<Line, LineError>> + Send>;

/// Finds and checks the header, then wraps the remaining lines.
pub(super) fn build(
    format: RosterFormat,
    mut lines: Lines,
    size_hint: Option<u64>,
    progress: Progress,
    encoding: Option<&'static str>,
) -> Result<Roster, RosterError> {
    let mut first: Option<(u64, Vec<(usize, String)>)> = None;
    let mut non_empty = 0;
    let (header_row, headers) = loop {
        let line = match lines.next() {
            None => break first.ok_or(RosterError::NoHeader)?,
            Some(Err(e)) => {
                let RowError { row, message } = e.error;
                return Err(RosterError::HeaderUnreadable { row, message });
            }
            Some(Ok(line)) if line.is_blank() => continue,
            Some(Ok(line)) => line,
        };
        if let Some((_, message)) = line.bad_cells.first() {
            let message = format!("表头{message}。请改正表头后重新上传。");
            return Err(RosterError::HeaderUnreadable {
                row: line.row,
                message,
            });
        }
        let headers: Vec<(usize, String)> = line
            .cells
            .iter()
            .enumerate()
            .filter_map(|(i, cell)| header_text(cell).map(|h| (i, h)))
            .collect();
        if headers
            .iter()
            .any(|(_, h)| Column::from_header(h).is_some())
        {
            break (line.row, headers);
        }
        first.get_or_insert((line.row, headers));
        non_empty += 1;
        if non_empty >= MAX_ROWS_BEFORE_HEADER {
            break first.ok_or(RosterError::NoHeader)?;
        }
    };

    let mut mapping: Vec<(Column, usize, String)> = Vec::new();
    let mut ignored_headers = Vec::new();
    for (index, header) in &headers {
        match Column::from_header(header) {
            Some(column) => mapping.push((column, *index, header.clone())),
            None => ignored_headers.push(header.clone()),
        }
    }
    let missing: Vec<Column> = Column::ALL
        .into_iter()
        .filter(|c| c.is_required() && !mapping.iter().any(|(m, _, _)| m == c))
        .collect();
    if !missing.is_empty() {
        let found = headers.into_iter().map(|(_, h)| h).collect();
        return Err(RosterError::MissingColumns {
            header_row,
            missing,
            found,
        });
    }
    let duplicates: Vec<(Column, Vec<String>)> = Column::ALL
        .into_iter()
        .map(|c| {
            let named = mapping.iter().filter(|(m, _, _)| *m == c);
            (c, named.map(|(_, _, h)| h.clone()).collect::<Vec<_>>())
        })
        .filter(|(_, headers)| headers.len() > 1)
        .collect();
    if !duplicates.is_empty() {
        return Err(RosterError::DuplicateColumns {
            header_row,
            duplicates,
        });
    }

    let progress_unit = match format {
        RosterFormat::Csv => ProgressUnit::Bytes,
        RosterFormat::Xlsx => ProgressUnit::Rows,
    };
    Ok(Roster {
        format,
        columns: mapping.iter().map(|(c, _, h)| (*c, h.clone())).collect(),
        ignored_headers,
        size_hint,
        progress_unit,
        header_row,
        encoding,
        rows: Rows {
            lines,
            mapping,
            progress,
            progress_unit,
            size_hint,
            finished: false,
        },
    })
}

/// A header cell as text; a number header (a year, say) is written as Excel shows it.
fn header_text(cell: &Cell) -> Option<String> {
    match cell {
        Cell::Empty => None,
        Cell::Text(s) => Some(s.clone()),
        Cell::Number(n) => Some(n.to_string()),
    }
}

/// The data rows of a [`Roster`]. `Send`, so it can be moved to a blocking thread.
pub struct Rows {
    lines: Lines,
    mapping: Vec<(Column, usize, String)>,
    progress: Progress,
    progress_unit: ProgressUnit,
    size_hint: Option<u64>,
    finished: bool,
}

impl Rows {
    pub fn progress(&self) -> Progress {
        self.progress.clone()
    }
}

impl Iterator for Rows {
    type Item = Result<RawRow, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.finished {
            let mut line = match self.lines.next() {
                None => break,
                Some(Err(LineError { error, fatal })) => {
                    self.finished = fatal;
                    if self.progress_unit == ProgressUnit::Rows {
                        self.progress.set(error.row);
                    }
                    return Some(Err(error));
                }
                Some(Ok(line)) => line,
            };
            if self.progress_unit == ProgressUnit::Rows {
                self.progress.set(line.row);
            }
            let bad: Vec<String> = self
                .mapping
                .iter()
                .filter_map(|(_, index, header)| {
                    let (_, what) = line.bad_cells.iter().find(|(i, _)| i == index)?;
                    Some(format!("“{header}”列{what}"))
                })
                .collect();
            if !bad.is_empty() {
                let message = format!("{}。请在文件中改正后重新上传。", bad.join("；"));
                return Some(Err(RowError {
                    row: line.row,
                    message,
                }));
            }
            let cells: Vec<(Column, Cell)> = self
                .mapping
                .iter()
                .map(|(column, index, _)| {
                    let cell = line.cells.get_mut(*index);
                    let cell = cell.map(|c| std::mem::replace(c, Cell::Empty));
                    (*column, cell.unwrap_or(Cell::Empty))
                })
                .collect();
            if cells.iter().all(|(_, c)| *c == Cell::Empty) {
                continue;
            }
            return Some(Ok(RawRow {
                row: line.row,
                cells,
            }));
        }
        self.finished = true;
        if self.progress_unit == ProgressUnit::Rows
            && let Some(total) = self.size_hint
        {
            self.progress.set(total);
        }
        None
    }
}

impl std::iter::FusedIterator for Rows {}

const _: () = {
    const fn assert_send<T: Send>() {}
    assert_send::<Rows>();
    assert_send::<Roster>();
};
