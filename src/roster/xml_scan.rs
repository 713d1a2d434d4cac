//! A byte scanner over one inflated XLSX part, measuring what calamine would hold in memory
//! while it parses that part, so a part that would make it hold too much is refused first.
//!
//! It mirrors three buffers of calamine 0.38 and quick-xml (read there, `xlsx/mod.rs`):
//! - quick-xml reads one event (a tag, or the text between tags) into a buffer: the longest
//!   run without `<` or `>` bounds it ([`Scan::longest_run`]);
//! - a `<t>`, `<v>` or `<f>` value is read by appending every event up to its end tag into
//!   one buffer, and calamine does not check end names, so stray tags inside do not end it:
//!   the raw bytes of the longest such element bound that ([`Scan::longest_leaf`]);
//! - values are kept as strings, and a rich string joins all its runs: the text outside tags
//!   bounds every string of the part together ([`Scan::text`]).
//!
//! For the shared-strings part it also counts `<si>` starts (one string each, at most) and
//! reads the `uniqueCount` calamine reserves room for. No XML crate does this with a byte
//! budget (quick-xml itself is what grows), hence a small state machine; it over-counts
//! rather than under-counts (every tag named `si` counts, nested or not).

/// What one part was measured to contain; the counters only grow.
#[derive(Debug, Default)]
pub(super) struct Scan {
    /// Bytes seen.
    pub bytes: u64,
    /// Bytes outside tags (CDATA content included).
    pub text: u64,
    pub longest_run: u64,
    pub longest_leaf: u64,
    /// Start tags named `si` (any prefix).
    pub strings: u64,
    /// Start tags of any name.
    pub elements: u64,
    /// The largest `uniqueCount` of an `sst` start tag (saturating).
    pub unique_count: u64,
    /// A `<!DOCTYPE` or other declaration: OOXML forbids them, and quick-xml would read
    /// one as a single event with nested brackets, which this scanner does not follow.
    pub declaration: bool,
    run: u64,
    state: State,
    /// The tag being read: its qualified name (up to [`NAME_MAX`] bytes) and whether it
    /// closes (`</x>`) or ends with `/>`.
    name: Vec<u8>,
    name_done: bool,
    closing: bool,
    last_in_tag: u8,
    /// The qualified name of the open `<t>`, `<v>` or `<f>`, and where its content starts.
    leaf: Option<Vec<u8>>,
    leaf_start: u64,
    /// The attributes of an `sst` start tag, kept while it is read (bounded by the run).
    sst_tag: Option<Vec<u8>>,
}

#[derive(Debug, Default, PartialEq)]
enum State {
    #[default]
    Text,
    Tag,
    /// Inside a comment, CDATA section or processing instruction: everything up to `end`
    /// is one event for quick-xml, `<` and `>` included.
    Until {
        end: &'static [u8],
        matched: usize,
        is_text: bool,
    },
}

const NAME_MAX: usize = 32;

impl Scan {
    pub fn feed(&mut self, chunk: &[u8]) {
        let base = self.bytes;
        self.bytes += chunk.len() as u64;
        let mut i = 0;
        while i < chunk.len() {
            match self.state {
                State::Text => {
                    let n = memchr::memchr2(b'<', b'>', &chunk[i..]).unwrap_or(chunk.len() - i);
                    self.text += n as u64;
                    self.grow_run(n as u64);
                    i += n;
                    if i < chunk.len() {
                        if chunk[i] == b'<' {
                            self.start_tag();
                        }
                        self.run = 0;
                        i += 1;
                    }
                }
                State::Tag if self.name_done && self.sst_tag.is_none() => {
                    // Attributes: only the run and the last byte before `>` matter.
                    let rest = &chunk[i..];
                    let n = memchr::memchr2(b'<', b'>', rest).unwrap_or(rest.len());
                    if let Some(&b) = rest[..n].iter().rev().find(|b| !b.is_ascii_whitespace()) {
                        self.last_in_tag = b;
                    }
                    self.grow_run(n as u64);
                    i += n;
                    if i < chunk.len() {
                        if chunk[i] == b'>' {
                            self.end_tag(base + i as u64);
                        } else {
                            self.start_tag();
                        }
                        self.run = 0;
                        i += 1;
                    }
                }
                State::Tag => {
                    let b = chunk[i];
                    let at = base + i as u64;
                    i += 1;
                    match b {
                        b'>' => {
                            self.end_tag(at);
                            self.run = 0;
                        }
                        b'<' => {
                            // quick-xml would fail here; measure on as if a tag started.
                            self.start_tag();
                            self.run = 0;
                        }
                        _ => {
                            self.grow_run(1);
                            self.tag_byte(b);
                        }
                    }
                }
                State::Until {
                    end,
                    ref mut matched,
                    is_text,
                } => {
                    let b = chunk[i];
                    i += 1;
                    if b == end[*matched] {
                        *matched += 1;
                    } else if b == end[0] {
                        // "-->" and "]]>" start with a doubled byte: "--" may still end it.
                        *matched = if *matched >= 2 && end[1] == end[0] {
                            2
                        } else {
                            1
                        };
                    } else {
                        *matched = 0;
                    }
                    if *matched == end.len() {
                        self.state = State::Text;
                        self.run = 0;
                    } else {
                        self.text += u64::from(is_text);
                        self.grow_run(1);
                    }
                }
            }
        }
        if self.leaf.is_some() {
            self.longest_leaf = self.longest_leaf.max(self.bytes - self.leaf_start);
        }
    }

    fn grow_run(&mut self, n: u64) {
        self.run += n;
        self.longest_run = self.longest_run.max(self.run);
    }

    fn start_tag(&mut self) {
        self.state = State::Tag;
        self.name.clear();
        self.name_done = false;
        self.closing = false;
        self.last_in_tag = 0;
        self.sst_tag = None;
    }

    fn tag_byte(&mut self, b: u8) {
        if let Some(sst) = &mut self.sst_tag {
            sst.push(b);
        }
        if !b.is_ascii_whitespace() {
            self.last_in_tag = b;
        }
        if self.name_done {
            return;
        }
        if b == b'/' && self.name.is_empty() && !self.closing {
            self.closing = true;
            return;
        }
        if b.is_ascii_whitespace() || b == b'/' || self.name.len() >= NAME_MAX {
            self.name_done = true;
            self.named();
            return;
        }
        self.name.push(b);
        let until = |end, is_text| State::Until {
            end,
            matched: 0,
            is_text,
        };
        match &self.name[..] {
            b"!--" => self.state = until(b"-->", false),
            b"![CDATA[" => self.state = until(b"]]>", true),
            b"?" => self.state = until(b"?>", false),
            [b'!', ..]
                if !b"![CDATA[".starts_with(&self.name) && !b"!--".starts_with(&self.name) =>
            {
                self.declaration = true
            }
            _ => {}
        }
    }

    /// The tag's name is complete (before its attributes).
    fn named(&mut self) {
        if self.closing {
            return;
        }
        self.elements += 1;
        match local(&self.name) {
            b"si" => self.strings += 1,
            b"sst" => self.sst_tag = Some(Vec::new()),
            _ => {}
        }
    }

    /// The `>` at offset `at` ends the tag.
    fn end_tag(&mut self, at: u64) {
        if !self.name_done {
            self.name_done = true;
            self.named();
        }
        self.state = State::Text;
        if let Some(attributes) = self.sst_tag.take() {
            self.unique_count = self.unique_count.max(unique_count(&attributes));
        }
        let self_closing = self.last_in_tag == b'/' && !self.closing;
        if self.closing {
            if self.leaf.as_deref() == Some(&self.name[..]) {
                self.leaf = None;
                self.longest_leaf = self.longest_leaf.max(at - self.leaf_start);
            }
        } else if self.leaf.is_none()
            && !self_closing
            && matches!(local(&self.name), b"t" | b"v" | b"f")
        {
            self.leaf = Some(self.name.clone());
            self.leaf_start = at + 1;
        }
    }
}

/// The local part of a qualified name (`x:si` → `si`).
fn local(name: &[u8]) -> &[u8] {
    match name.iter().rposition(|&b| b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

/// The largest number written as a `uniqueCount="…"` value (saturating), 0 if none.
fn unique_count(attributes: &[u8]) -> u64 {
    const KEY: &[u8] = b"uniqueCount";
    let mut largest = 0u64;
    let mut at = 0;
    while let Some(i) = memchr::memmem::find(&attributes[at..], KEY) {
        at += i + KEY.len();
        let value = attributes[at..]
            .iter()
            .skip_while(|b| b.is_ascii_whitespace() || matches!(b, b'=' | b'"' | b'\''))
            .take_while(|b| b.is_ascii_digit())
            .fold(0u64, |n, b| {
                n.saturating_mul(10).saturating_add(u64::from(b - b'0'))
            });
        largest = largest.max(value);
    }
    largest
}
