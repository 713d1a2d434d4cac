//! The CSV record state machine, fed one buffer at a time.
//!
//! It follows the rules of the `csv` crate and of Excel: RFC 4180 quoting with `""` for a
//! quote inside a quoted field; a `"` inside an unquoted field is literal; text after a
//! closing quote is appended; CR, LF or CRLF end a record; records may have any number of
//! fields. On top of that, a record longer than [`MAX_RECORD_BYTES`] is dropped up to the
//! end of its line, so memory stays bounded even with an unclosed quote.
//!
//! Written by hand because the `csv` crate offers neither: it has no limit on a record's
//! size (one unclosed quote buffers the rest of the file) and its record positions do not
//! count blank lines, so its row numbers would not match the rows an admin sees in Excel.

/// The longest record read; a longer one is skipped with a row error.
pub(super) const MAX_RECORD_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    FieldStart,
    Unquoted,
    Quoted,
    /// A `"` inside a quoted field: either the first of `""` or the closing quote.
    QuoteInQuoted,
    /// The record is too long; dropping bytes up to the end of the line.
    Skipping,
}

#[derive(Debug, PartialEq, Eq)]
pub(super) enum End {
    Record,
    TooLong,
    UnclosedQuote,
}

/// The record state machine. Fields of the current record are `data[ends[i-1]..ends[i]]`.
pub(super) struct Parser {
    delimiter: u8,
    state: State,
    /// Bytes of the current record seen so far, including quotes and delimiters.
    len: usize,
    /// The last record ended on CR: a LF right after it belongs to it.
    skip_lf: bool,
    pub data: Vec<u8>,
    pub ends: Vec<usize>,
}

impl Parser {
    pub fn new(delimiter: u8) -> Self {
        Parser {
            delimiter,
            state: State::FieldStart,
            len: 0,
            skip_lf: false,
            data: Vec::new(),
            ends: Vec::new(),
        }
    }

    /// Consumes bytes until a record ends; returns how many were used and how it ended.
    pub fn feed(&mut self, chunk: &[u8]) -> (usize, Option<End>) {
        for (i, &b) in chunk.iter().enumerate() {
            if std::mem::take(&mut self.skip_lf) && b == b'\n' {
                continue;
            }
            if self.len == 0 {
                self.data.clear();
                self.ends.clear();
            }
            self.len += 1;
            if self.len > MAX_RECORD_BYTES && self.state != State::Skipping {
                self.state = State::Skipping;
                self.data = Vec::new(); // give the memory back
                self.ends.clear();
            }
            let eol = b == b'\r' || b == b'\n';
            let end = match (self.state, b) {
                (State::Skipping, _) if eol => Some(End::TooLong),
                (State::Skipping, _) => None,
                (State::Quoted, b'"') => self.to(State::QuoteInQuoted),
                (State::Quoted, _) => self.push(b),
                (State::QuoteInQuoted, b'"') => {
                    self.push(b'"');
                    self.to(State::Quoted)
                }
                (_, _) if eol => {
                    self.ends.push(self.data.len());
                    Some(End::Record)
                }
                (_, d) if d == self.delimiter => {
                    self.ends.push(self.data.len());
                    self.to(State::FieldStart)
                }
                (State::FieldStart, b'"') => self.to(State::Quoted),
                (_, _) => {
                    self.push(b);
                    self.to(State::Unquoted)
                }
            };
            if let Some(end) = end {
                self.skip_lf = b == b'\r';
                self.state = State::FieldStart;
                self.len = 0;
                return (i + 1, Some(end));
            }
        }
        (chunk.len(), None)
    }

    /// The end of the input: ends the last record if it has no line break.
    pub fn finish(&mut self) -> Option<End> {
        if self.len == 0 {
            return None;
        }
        self.len = 0;
        match std::mem::replace(&mut self.state, State::FieldStart) {
            State::Skipping => Some(End::TooLong),
            State::Quoted => Some(End::UnclosedQuote),
            _ => {
                self.ends.push(self.data.len());
                Some(End::Record)
            }
        }
    }

    fn push(&mut self, b: u8) -> Option<End> {
        self.data.push(b);
        None
    }

    fn to(&mut self, state: State) -> Option<End> {
        self.state = state;
        None
    }
}
