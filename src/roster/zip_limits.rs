//! Zip-bomb limits for XLSX rosters, checked before calamine opens the workbook.
//!
//! calamine loads the whole shared-strings table into memory when it opens a workbook (and
//! reserves as many strings as its `uniqueCount` says), so a 2.6 MB file whose
//! sharedStrings.xml inflates to 1 GB took a node past 3.6 GB. Here every part is checked
//! twice first: its sizes as the zip's central directory declares them, then its real
//! bytes, inflated once (with the same `zip` crate calamine uses) through [`Scan`] into
//! nothing, stopping at the limit: a zip can lie about sizes.
//!
//! The limits come from measured rosters (README, “Roster columns”): 200,000 rows written
//! by LibreOffice or Excel stay well under each, and at the limits calamine's memory stays
//! within the 300 MB a roster import may use (the arithmetic is beside each number).

use std::io::{Read, Seek};

use zip::ZipArchive;
use zip::result::ZipError;

use super::RosterError;
use super::xml_scan::Scan;

const MIB: u64 = 1024 * 1024;

/// Parts in one workbook (Excel writes a dozen; each picture or chart adds a few).
pub const MAX_PARTS: usize = 2_000;
/// All parts together, inflated. It bounds the time a hostile file can cost.
pub const MAX_TOTAL_BYTES: u64 = 1536 * MIB;
/// One worksheet, inflated. A worksheet is streamed, so this bounds time, not memory.
pub const MAX_SHEET_BYTES: u64 = 1024 * MIB;
/// The shared-strings table, inflated (200,000 rows by LibreOffice: 40 MB).
pub const MAX_SHARED_STRINGS_BYTES: u64 = 256 * MIB;
/// Any other part (styles, workbook, relationships …), inflated; calamine keeps styles.
pub const MAX_OTHER_BYTES: u64 = 32 * MIB;
/// Text (outside tags) of the shared-strings table: calamine keeps all of it as strings.
/// With [`MAX_SHARED_STRINGS`] strings of 24 bytes each plus allocator overhead, about
/// 48 + 2M × 40 B ≈ 130 MB at most.
pub const MAX_SHARED_TEXT_BYTES: u64 = 48 * MIB;
/// Text of any other part: bounds one value calamine builds from it (a rich string joins
/// its runs), ≤ 3 copies of 32 MiB while it is unescaped.
pub const MAX_PART_TEXT_BYTES: u64 = 32 * MIB;
/// Elements in all other XML parts together. calamine keeps one record per style, font,
/// number format, sheet, defined name and relationship (a `<xf/>` costs it ~160 bytes,
/// measured: 25 MB of them took 770 MB), so this, not their size, bounds that memory
/// (~40 MB). Excel allows 64,000 cell formats; LibreOffice's 200,000-row roster has 116.
pub const MAX_OTHER_ELEMENTS: u64 = 250_000;
/// Strings in the shared-strings table (200,000 rows: about a million).
pub const MAX_SHARED_STRINGS: u64 = 2_000_000;
/// One XML event (a tag, or text between tags), which quick-xml buffers whole.
pub const MAX_RUN_BYTES: u64 = MIB;
/// One `<t>`/`<v>`/`<f>` element, which calamine reads into one buffer. A cell holds at
/// most 32,767 characters, about 200 KB escaped.
pub const MAX_LEAF_BYTES: u64 = MIB;
/// Inflated ÷ compressed, for parts over [`RATIO_FROM_BYTES`]. Rosters compress 5–20
/// times; DEFLATE's best is about 1,000.
pub const MAX_RATIO: u64 = 200;
const RATIO_FROM_BYTES: u64 = 16 * MIB;

#[derive(Clone, Copy, PartialEq, Debug)]
enum Part {
    SharedStrings,
    Sheet,
    /// Other XML (styles, workbook, relationships, drawings …).
    Xml,
    /// Pictures and other binary parts: only their size is checked, as reading their bytes
    /// as XML would find nonsense. Should a hostile workbook point calamine at one as a
    /// sheet, [`MAX_OTHER_BYTES`] still bounds what it buffers (~3 × 32 MiB).
    Binary,
}

impl Part {
    fn of(name: &str) -> Part {
        let name = name.to_ascii_lowercase().replace('\\', "/");
        if name.ends_with("sharedstrings.xml") {
            Part::SharedStrings
        } else if name.contains("worksheets/") {
            Part::Sheet
        } else if [".xml", ".rels", ".vml"].iter().any(|e| name.ends_with(e)) {
            Part::Xml
        } else {
            Part::Binary
        }
    }

    fn max_bytes(self) -> u64 {
        match self {
            Part::SharedStrings => MAX_SHARED_STRINGS_BYTES,
            Part::Sheet => MAX_SHEET_BYTES,
            Part::Xml | Part::Binary => MAX_OTHER_BYTES,
        }
    }

    fn max_text(self) -> u64 {
        match self {
            Part::SharedStrings => MAX_SHARED_TEXT_BYTES,
            _ => MAX_PART_TEXT_BYTES,
        }
    }

    /// The part as the admin's message names it.
    fn words(self, name: &str) -> String {
        match self {
            Part::SharedStrings => format!("其中的文字表 {name}"),
            Part::Sheet => format!("其中的工作表 {name}"),
            Part::Xml | Part::Binary => format!("其中的 {name}"),
        }
    }
}

/// Checks the workbook's parts; gives the reader back, rewound by calamine's own seek.
pub(super) fn check<R: Read + Seek>(reader: R) -> Result<R, RosterError> {
    let mut zip = ZipArchive::new(reader).map_err(corrupt)?;
    if zip.len() > MAX_PARTS {
        return Err(suspicious(format!(
            "有 {} 个部件，超过 {MAX_PARTS} 个",
            zip.len()
        )));
    }
    // Sizes first, then their sum, then ratios: the message names the plainest problem.
    let mut declared = Vec::with_capacity(zip.len());
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(corrupt)?;
        let name = entry.name().map_err(corrupt)?.into_owned();
        declared.push((Part::of(&name), entry.size(), entry.compressed_size(), name));
    }
    for (part, size, _, name) in &declared {
        if *size > part.max_bytes() {
            return Err(too_big(part.words(name), part.max_bytes()));
        }
    }
    let declared_total = declared
        .iter()
        .fold(0u64, |sum, (_, size, _, _)| sum.saturating_add(*size));
    if declared_total > MAX_TOTAL_BYTES {
        return Err(too_big("各部件合计".into(), MAX_TOTAL_BYTES));
    }
    for (_, size, packed, name) in &declared {
        if *size > RATIO_FROM_BYTES && size / (*packed).max(1) > MAX_RATIO {
            return Err(suspicious(format!("{name} 的压缩比超过 {MAX_RATIO} 倍")));
        }
    }
    let mut total = 0u64;
    let mut other_elements = 0u64;
    let mut buffer = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(corrupt)?;
        let name = entry.name().map_err(corrupt)?.into_owned();
        let part = Part::of(&name);
        let mut scan = Scan::default();
        loop {
            let n = match entry.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                // The zip crate stops a part at its declared size, with an error.
                Err(_) if scan.bytes >= entry.size() => {
                    return Err(suspicious(format!("{name} 解压后比文件中记录的大小大")));
                }
                Err(e) => return Err(RosterError::CorruptXlsx(format!("技术信息：{e}"))),
            };
            if part == Part::Binary {
                scan.bytes += n as u64;
            } else {
                scan.feed(&buffer[..n]);
            }
            total += n as u64;
            if scan.bytes > part.max_bytes() {
                return Err(too_big(part.words(&name), part.max_bytes()));
            }
            if total > MAX_TOTAL_BYTES {
                return Err(too_big("各部件合计".into(), MAX_TOTAL_BYTES));
            }
            if part != Part::Binary {
                refuse_shape(&name, part, &scan)?;
            }
            if part == Part::Xml && other_elements + scan.elements > MAX_OTHER_ELEMENTS {
                return Err(suspicious(format!(
                    "样式、工作簿等部件中的元素超过 {MAX_OTHER_ELEMENTS} 个"
                )));
            }
        }
        if part == Part::Xml {
            other_elements += scan.elements;
        }
    }
    Ok(zip.into_inner())
}

/// What calamine would hold in memory for this part, against the limits.
fn refuse_shape(name: &str, part: Part, scan: &Scan) -> Result<(), RosterError> {
    let problem = if scan.text > part.max_text() {
        format!("{name} 的文字超过 {} MB", part.max_text() / MIB)
    } else if scan.longest_run > MAX_RUN_BYTES || scan.longest_leaf > MAX_LEAF_BYTES {
        format!("{name} 中有一段内容超过 {} MB", MAX_RUN_BYTES / MIB)
    } else if scan.declaration {
        format!("{name} 含有 XML 声明（DOCTYPE）")
    } else if part == Part::SharedStrings && scan.strings > MAX_SHARED_STRINGS {
        format!("文字表中的字符串超过 {MAX_SHARED_STRINGS} 个")
    } else if scan.unique_count > MAX_SHARED_STRINGS {
        format!("文字表声明的字符串超过 {MAX_SHARED_STRINGS} 个")
    } else {
        return Ok(());
    };
    Err(suspicious(problem))
}

fn too_big(what: String, limit: u64) -> RosterError {
    RosterError::Inflated {
        what,
        limit_mb: limit / MIB,
    }
}

fn suspicious(problem: String) -> RosterError {
    RosterError::Malformed(problem)
}

fn corrupt(e: ZipError) -> RosterError {
    RosterError::CorruptXlsx(format!("技术信息：{e}"))
}
