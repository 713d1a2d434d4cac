//! Hostile files, built in memory: lying headers, pixel floods, polyglots, formats the
//! portal does not take. Each is a few bytes to a megabyte; none is downloaded.

use crate::photos::{UPRIGHT, png_chunk, quadrant_jpeg, small_jpeg, with_segment};

/// The upright test photo every accepted case starts from.
pub fn jpeg() -> Vec<u8> {
    small_jpeg()
}

/// A PNG of `width`×`height` pixels of 8-bit `colour_type` whose image data is `idat`.
pub fn png(width: u32, height: u32, colour_type: u8, idat: &[u8]) -> Vec<u8> {
    let ihdr = [
        &width.to_be_bytes()[..],
        &height.to_be_bytes(),
        &[8, colour_type, 0, 0, 0],
    ]
    .concat();
    [
        &b"\x89PNG\r\n\x1a\n"[..],
        &png_chunk(b"IHDR", &ihdr),
        &png_chunk(b"IDAT", idat),
        &png_chunk(b"IEND", &[]),
    ]
    .concat()
}

/// A PNG that declares `width`×`height` with a few bytes of data behind it.
pub fn declared_png(width: u32, height: u32) -> Vec<u8> {
    png(
        width,
        height,
        2,
        &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    )
}

/// A complete, valid, all-transparent RGBA PNG of `side`×`side`: the largest picture the
/// limits let through, in about a megabyte (deflate copies of 258 zeros, 13 bits each).
pub fn transparent_png(side: u32) -> Vec<u8> {
    let raw = side as usize * (1 + 4 * side as usize); // a filter byte per row
    png(side, side, 6, &zlib_zeros(raw))
}

/// A zlib stream of `n` zero bytes: one fixed-Huffman deflate block holding a literal 0,
/// then length-258 distance-1 copies, then the rest as literals.
fn zlib_zeros(n: usize) -> Vec<u8> {
    let mut bits = Bits::default();
    bits.number(1, 1); // the last block
    bits.number(1, 2); // fixed Huffman codes
    bits.code(0b0011_0000, 8); // literal 0
    let mut left = n - 1;
    while left >= 258 {
        bits.code(0b1100_0101, 8); // length 258 (symbol 285)
        bits.code(0, 5); // distance 1
        left -= 258;
    }
    for _ in 0..left {
        bits.code(0b0011_0000, 8);
    }
    bits.code(0, 7); // end of block
    let adler = ((n % 65_521) as u32) << 16 | 1;
    [&[0x78, 0x01][..], &bits.bytes, &adler.to_be_bytes()].concat()
}

/// Deflate's bit order: numbers least significant bit first, Huffman codes most first.
#[derive(Default)]
struct Bits {
    bytes: Vec<u8>,
    used: u32,
}

impl Bits {
    fn bit(&mut self, bit: u32) {
        if self.used.is_multiple_of(8) {
            self.bytes.push(0);
        }
        *self.bytes.last_mut().unwrap() |= (bit as u8) << (self.used % 8);
        self.used += 1;
    }

    fn number(&mut self, value: u32, width: u32) {
        (0..width).for_each(|i| self.bit((value >> i) & 1));
    }

    fn code(&mut self, code: u32, width: u32) {
        (0..width).rev().for_each(|i| self.bit((code >> i) & 1));
    }
}

/// The test photo with its frame header (SOF0) claiming `side`×`side` pixels.
pub fn jpeg_claiming(side: u16) -> Vec<u8> {
    let mut jpeg = jpeg();
    let sof = crate::process::find(&jpeg, &[0xFF, 0xC0]).expect("a baseline JPEG");
    jpeg[sof + 5..sof + 7].copy_from_slice(&side.to_be_bytes());
    jpeg[sof + 7..sof + 9].copy_from_slice(&side.to_be_bytes());
    jpeg
}

/// A JPEG cut in half.
pub fn truncated_jpeg() -> Vec<u8> {
    crate::photos::truncated_jpeg()
}

/// A 60 KB APP1 Exif block and 60 KB in each of APP2 to APP15, each marked `SECRET`.
pub fn jpeg_with_huge_metadata() -> Vec<u8> {
    let mut jpeg = jpeg();
    for marker in 0xE2..=0xEF {
        jpeg = with_segment(&jpeg, marker, &filled(b"SECRET-APP", 60_000));
    }
    let exif = [
        &b"Exif\0\0II*\0"[..],
        &8u32.to_le_bytes(),
        &0u16.to_le_bytes(),
    ]
    .concat();
    with_segment(
        &jpeg,
        0xE1,
        &[exif, filled(b"SECRET-EXIF", 65_000)].concat(),
    )
}

/// An Exif block whose first IFD lies past its end, or says it has 65,535 entries.
pub fn jpeg_with_lying_exif(ifd_offset: u32) -> Vec<u8> {
    let tiff = [
        &b"Exif\0\0II*\0"[..],
        &ifd_offset.to_le_bytes(),
        &[0xFF, 0xFF, 1, 1],
    ]
    .concat();
    with_segment(&jpeg(), 0xE1, &tiff)
}

/// A JPEG whose first segment claims 65,535 bytes and the file ends 10 bytes later.
pub fn jpeg_with_runaway_segment() -> Vec<u8> {
    [&[0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF][..], b"Exif\0\0II*\0"].concat()
}

const SCRIPT: &[u8] = b"<html><body><script>alert(document.cookie)</script></body></html>";

/// A JPEG carrying HTML in a comment and after its end: a browser sniffing it finds a page.
pub fn jpeg_html_polyglot() -> Vec<u8> {
    [&with_segment(&jpeg(), 0xFE, SCRIPT)[..], SCRIPT].concat()
}

/// An HTML page with a JPEG after it.
pub fn html_then_jpeg() -> Vec<u8> {
    [&b"<!doctype html>"[..], SCRIPT, &jpeg()].concat()
}

pub fn svg_with_script() -> Vec<u8> {
    br#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script><rect width="10" height="10"/></svg>"#.to_vec()
}

pub fn gif() -> Vec<u8> {
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;".to_vec()
}

pub fn tiff() -> Vec<u8> {
    [&b"II*\0"[..], &8u32.to_le_bytes(), &[0u8; 64]].concat()
}

pub fn bmp() -> Vec<u8> {
    let mut bmp = b"BM".to_vec();
    bmp.extend(70u32.to_le_bytes());
    bmp.extend([0; 4]);
    bmp.extend(54u32.to_le_bytes());
    bmp.extend(40u32.to_le_bytes());
    bmp.extend(2i32.to_le_bytes());
    bmp.extend(2i32.to_le_bytes());
    bmp.extend([1, 0, 24, 0]);
    bmp.resize(70, 0x7F);
    bmp
}

/// What an iPhone sends by default: an ISO media file with the `heic` brand.
pub fn heic() -> Vec<u8> {
    [
        &[0, 0, 0, 0x18][..],
        b"ftypheic\0\0\0\0mif1heic",
        &[0u8; 200],
    ]
    .concat()
}

/// A WebP header that declares a 16384×16384 canvas (VP8X) with nothing behind it.
pub fn webp_declaring(side: u32) -> Vec<u8> {
    let mut vp8x = vec![0u8; 4];
    vp8x.extend(&(side - 1).to_le_bytes()[..3]);
    vp8x.extend(&(side - 1).to_le_bytes()[..3]);
    riff(u32::try_from(4 + 8 + vp8x.len()).unwrap(), b"VP8X", &vp8x)
}

/// A RIFF/WEBP header whose sizes lie and whose VP8 data is noise.
pub fn webp_lying() -> Vec<u8> {
    riff(0xFFFF_FFF0, b"VP8 ", &filled(b"\x9d\x01\x2a noise ", 300))
}

fn riff(size: u32, chunk: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let length = u32::try_from(data.len()).unwrap();
    [
        &b"RIFF"[..],
        &size.to_le_bytes(),
        b"WEBP",
        chunk,
        &length.to_le_bytes(),
        data,
    ]
    .concat()
}

pub fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

/// Bytes that are no format at all.
pub fn noise(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7919 % 251) as u8 ^ 0x5A).collect()
}

/// `len` bytes of `pattern` repeated.
pub fn filled(pattern: &[u8], len: usize) -> Vec<u8> {
    pattern.iter().copied().cycle().take(len).collect()
}

/// A larger photo, for the one upload that must survive everything.
pub fn keeper() -> Vec<u8> {
    quadrant_jpeg(400, 300, UPRIGHT)
}
