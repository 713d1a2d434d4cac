//! Zip bombs shaped like a roster: a real workbook whose sharedStrings.xml inflates to a
//! gigabyte, compressed to about a megabyte. The zip is written by hand (a few headers),
//! because a zip writer would have to compress the gigabyte; here one megabyte is deflated
//! once and its blocks repeated (each fragment is whole, byte-aligned blocks from a fresh
//! encoder, so their concatenation is one valid DEFLATE stream).

use std::io::{Cursor, Read, Write};

use flate2::Compression;
use flate2::write::DeflateEncoder;

/// How the bomb's sharedStrings.xml states its size.
#[derive(Clone, Copy)]
pub enum Sizes {
    /// The central directory says 1 GiB, as it is.
    Honest,
    /// It says 1 MiB; the part inflates to 1 GiB all the same.
    Lying,
}

/// One GiB of shared strings, `<si>` after `<si>`.
pub const INFLATED: u64 = 1 << 30;

pub fn bomb(sizes: Sizes) -> Vec<u8> {
    let mut parts = workbook_parts();
    parts.retain(|(name, _)| name != "xl/sharedStrings.xml");
    let mut out = Zip::default();
    for (name, data) in &parts {
        out.stored(name, data);
    }
    let head = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="8" uniqueCount="8">"#;
    let unit = r#"<si><t>报名号</t><phoneticPr fontId="1" type="noConversion"/></si>"#.as_bytes();
    let chunk = unit.repeat((1 << 20) / unit.len());
    let tail = b"</sst>";
    let repeats = (INFLATED - (head.len() + tail.len()) as u64) / chunk.len() as u64;
    let size = head.len() as u64 + repeats * chunk.len() as u64 + tail.len() as u64;

    let block = fragment(&chunk, false);
    let mut deflated = fragment(head, false);
    for _ in 0..repeats {
        deflated.extend_from_slice(&block);
    }
    deflated.extend_from_slice(&fragment(tail, true));

    let mut crc = crc32fast::Hasher::new();
    crc.update(head);
    let chunk_crc = {
        let mut h = crc32fast::Hasher::new();
        h.update(&chunk);
        h
    };
    for _ in 0..repeats {
        crc.combine(&chunk_crc);
    }
    crc.update(tail);
    let declared = match sizes {
        Sizes::Honest => size,
        Sizes::Lying => 1 << 20,
    };
    out.deflated("xl/sharedStrings.xml", &deflated, crc.finalize(), declared);
    out.finish()
}

/// The real workbook with `name` (replaced or added) holding a little deflated XML but
/// declaring `declared` bytes inflated: refused from its declaration, before inflating.
pub fn declaring(name: &str, declared: u64) -> Vec<u8> {
    let mut out = Zip::default();
    for (part, data) in workbook_parts() {
        if part != name {
            out.stored(&part, &data);
        }
    }
    let xml = b"<worksheet><sheetData/></worksheet>";
    out.deflated(name, &fragment(xml, true), crc32fast::hash(xml), declared);
    out.finish()
}

/// A raw DEFLATE fragment: whole blocks, the last one final only when `last`.
fn fragment(data: &[u8], last: bool) -> Vec<u8> {
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(data).unwrap();
    if last {
        encoder.finish().unwrap()
    } else {
        // A sync flush ends with an empty stored block: byte-aligned, not final.
        encoder.flush().unwrap();
        encoder.get_ref().clone()
    }
}

/// The parts of a real roster workbook (header and one row) as rust_xlsxwriter writes it.
fn workbook_parts() -> Vec<(String, Vec<u8>)> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let header = "报名号,身份证号,姓名,电子邮箱,学校,是否在校生,户口所在地,报考学科";
    for (col, text) in header.split(',').enumerate() {
        sheet.write_string(0, col as u16, text).unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut entry = zip.by_index(i).unwrap();
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            (entry.name().unwrap().into_owned(), data)
        })
        .collect()
}

/// A zip written header by header (APPNOTE 4.3): local headers with data, then the
/// central directory and its end record. Sizes fit 32 bits, so no zip64.
#[derive(Default)]
struct Zip {
    out: Vec<u8>,
    central: Vec<u8>,
    entries: u16,
}

impl Zip {
    fn stored(&mut self, name: &str, data: &[u8]) {
        let crc = crc32fast::hash(data);
        self.entry(name, 0, data, crc, data.len() as u64);
    }

    fn deflated(&mut self, name: &str, data: &[u8], crc: u32, declared: u64) {
        self.entry(name, 8, data, crc, declared);
    }

    fn entry(&mut self, name: &str, method: u16, data: &[u8], crc: u32, size: u64) {
        let offset = self.out.len() as u32;
        let common = |v: &mut Vec<u8>| {
            v.extend_from_slice(&20u16.to_le_bytes()); // version needed
            v.extend_from_slice(&0x0800u16.to_le_bytes()); // UTF-8 names
            v.extend_from_slice(&method.to_le_bytes());
            v.extend_from_slice(&[0, 0, 0x21, 0]); // time, date: 1980-01-01
            v.extend_from_slice(&crc.to_le_bytes());
            v.extend_from_slice(&(data.len() as u32).to_le_bytes());
            v.extend_from_slice(&(size as u32).to_le_bytes());
            v.extend_from_slice(&(name.len() as u16).to_le_bytes());
            v.extend_from_slice(&0u16.to_le_bytes()); // extra field length
        };
        self.out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        common(&mut self.out);
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(data);

        self.central
            .extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        self.central.extend_from_slice(&20u16.to_le_bytes()); // version made by
        common(&mut self.central);
        self.central.extend_from_slice(&[0; 6]); // comment length, disk, internal attributes
        self.central.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        self.central.extend_from_slice(&offset.to_le_bytes());
        self.central.extend_from_slice(name.as_bytes());
        self.entries += 1;
    }

    fn finish(mut self) -> Vec<u8> {
        let start = self.out.len() as u32;
        self.out.extend_from_slice(&self.central);
        self.out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        self.out.extend_from_slice(&[0; 4]); // this disk, the directory's disk
        self.out.extend_from_slice(&self.entries.to_le_bytes());
        self.out.extend_from_slice(&self.entries.to_le_bytes());
        self.out
            .extend_from_slice(&(self.central.len() as u32).to_le_bytes());
        self.out.extend_from_slice(&start.to_le_bytes());
        self.out.extend_from_slice(&0u16.to_le_bytes()); // comment length
        self.out
    }
}
