//! Writing the rows out, on a blocking thread: CSV (UTF-8 with a byte-order mark, or GBK)
//! a batch at a time, each cell made safe to open in a spreadsheet (see `cell`), or an
//! XLSX workbook in constant-memory mode (each row goes to a temporary file as it comes;
//! the workbook is zipped onto the output at the end).

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

use anyhow::{Context, bail};
use rust_xlsxwriter::{Format, Workbook, Worksheet};
use tokio::sync::mpsc::Receiver;

use super::cell;
use super::line::{HEADERS, Line};
use super::options::{ExportFormat, ExportOptions, TextEncoding};

/// What the reading side sends: rows, then `End` once every row was read. A channel that
/// closes without `End` means the reading failed, and nothing is finished off.
pub enum Batch {
    Lines(Vec<Line>),
    End,
}

/// Excel's last row; further rows go to another worksheet.
const XLSX_MAX_ROWS: u32 = 1_048_576;

/// Writes every batch to `out` in the requested format; returns the number of rows.
pub fn write(
    options: ExportOptions,
    batches: Receiver<Batch>,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<u64> {
    let rows = match options.format {
        ExportFormat::Csv => write_csv(options.encoding, batches, out)?,
        ExportFormat::Xlsx => write_xlsx(batches, out)?,
    };
    out.flush().context("writing the export")?;
    Ok(rows)
}

fn write_csv(
    encoding: TextEncoding,
    mut batches: Receiver<Batch>,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<u64> {
    let buffer = SharedBuffer::default();
    let mut csv = csv::Writer::from_writer(buffer.clone());
    csv.write_record(HEADERS)
        .context("writing the CSV header")?;
    if encoding == TextEncoding::Utf8 {
        out.write_all("\u{feff}".as_bytes())
            .context("writing the export")?;
    }
    let mut rows = 0;
    loop {
        match batches.blocking_recv() {
            None => bail!("the export stopped before its last row"),
            Some(Batch::End) => break,
            Some(Batch::Lines(lines)) => {
                for line in &lines {
                    csv.write_record(cell::for_csv(line))
                        .context("writing a CSV row")?;
                }
                rows += lines.len() as u64;
            }
        }
        drain_csv(&mut csv, &buffer, encoding, out)?;
    }
    drain_csv(&mut csv, &buffer, encoding, out)?;
    Ok(rows)
}

/// Moves what the CSV writer holds to `out`, transcoded. The buffer always ends with a
/// whole record, so it never splits a character.
fn drain_csv(
    csv: &mut csv::Writer<SharedBuffer>,
    buffer: &SharedBuffer,
    encoding: TextEncoding,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<()> {
    csv.flush().context("writing a CSV row")?;
    let mut buffer = buffer.0.borrow_mut();
    match encoding {
        TextEncoding::Utf8 => out.write_all(&buffer),
        TextEncoding::Gbk => {
            let text = std::str::from_utf8(&buffer).context("CSV text")?;
            // GB18030 is GBK, byte for byte, for every character GBK has, and encodes the
            // rest too: a rare character in a name (𠮷) stays that character instead of
            // becoming `&#134071;`, which the GBK encoder would write.
            let (bytes, _, _) = encoding_rs::GB18030.encode(text);
            out.write_all(&bytes)
        }
    }
    .context("writing the export")?;
    buffer.clear();
    Ok(())
}

/// The CSV writer's output, which the writing loop takes a batch at a time.
#[derive(Clone, Default)]
struct SharedBuffer(Rc<RefCell<Vec<u8>>>);

impl Write for SharedBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn write_xlsx(mut batches: Receiver<Batch>, out: &mut (dyn Write + Send)) -> anyhow::Result<u64> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let mut sheet = new_sheet(&mut workbook, 1, &bold)?;
    let mut row: u32 = 1;
    let mut sheets = 1;
    let mut rows = 0;
    loop {
        let lines = match batches.blocking_recv() {
            None => bail!("the export stopped before its last row"),
            Some(Batch::End) => break,
            Some(Batch::Lines(lines)) => lines,
        };
        for line in &lines {
            if row == XLSX_MAX_ROWS {
                sheets += 1;
                sheet = new_sheet(&mut workbook, sheets, &bold)?;
                row = 1;
            }
            for (column, cell) in line.iter().enumerate() {
                // Every cell a string: an ID number must never become a number.
                sheet
                    .write_string(row, column as u16, cell)
                    .context("writing an XLSX row")?;
            }
            row += 1;
        }
        rows += lines.len() as u64;
    }
    workbook
        .save_to_writer(out)
        .context("writing the XLSX workbook")?;
    Ok(rows)
}

/// A worksheet in constant-memory mode, named `审核结果` (then `审核结果2` …), with the
/// header row and column widths.
fn new_sheet<'a>(
    workbook: &'a mut Workbook,
    number: usize,
    bold: &Format,
) -> anyhow::Result<&'a mut Worksheet> {
    let sheet = workbook
        .add_worksheet_with_constant_memory()
        .context("creating an XLSX worksheet (is the temporary folder writable?)")?;
    let name = if number == 1 {
        "审核结果".to_string()
    } else {
        format!("审核结果{number}")
    };
    sheet.set_name(name).context("naming the worksheet")?;
    for (column, width) in [14, 20, 10, 24, 10, 40, 10, 17].into_iter().enumerate() {
        sheet
            .set_column_width(column as u16, width)
            .context("setting a column width")?;
    }
    for (column, header) in HEADERS.iter().enumerate() {
        sheet
            .write_string_with_format(0, column as u16, *header, bold)
            .context("writing the XLSX header")?;
    }
    Ok(sheet)
}
