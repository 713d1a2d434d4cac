//! The format, from the first bytes alone: a file name or a declared type proves nothing.

use super::{ImageError, OtherFormat};

/// An accepted input format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jpeg,
    Png,
    Webp,
}

/// The accepted format of `bytes`, or an error that names what it looked like instead.
pub fn sniff(bytes: &[u8]) -> Result<Format, ImageError> {
    if bytes.is_empty() {
        return Err(ImageError::Empty);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(Format::Jpeg);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(Format::Png);
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Ok(Format::Webp);
    }
    Err(ImageError::Unsupported {
        found: other(bytes),
    })
}

fn other(bytes: &[u8]) -> OtherFormat {
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        OtherFormat::Gif
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        OtherFormat::Tiff
    } else if bytes.starts_with(b"BM") {
        OtherFormat::Bmp
    } else if bytes.starts_with(b"%PDF-") {
        OtherFormat::Pdf
    } else if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        iso_media(bytes)
    } else {
        markup(bytes)
    }
}

/// HEIC and AVIF share the ISO media box layout; the `ftyp` brands tell them apart.
fn iso_media(bytes: &[u8]) -> OtherFormat {
    let size = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
    let brands = &bytes[8..size.clamp(12, bytes.len())];
    let has = |wanted: &[&[u8; 4]]| {
        brands
            .chunks_exact(4)
            .any(|b| wanted.iter().any(|w| b == *w))
    };
    if has(&[b"avif", b"avis"]) {
        OtherFormat::Avif
    } else if has(&[
        b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1",
    ]) {
        OtherFormat::Heic
    } else {
        OtherFormat::Unknown
    }
}

/// SVG and HTML only get a name in the message; any other text is simply unknown.
fn markup(bytes: &[u8]) -> OtherFormat {
    let head = &bytes[..bytes.len().min(1024)];
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let text = head.trim_ascii_start().to_ascii_lowercase();
    let contains = |needle: &[u8]| text.windows(needle.len()).any(|w| w == needle);
    if !text.starts_with(b"<") {
        OtherFormat::Unknown
    } else if contains(b"<svg") {
        OtherFormat::Svg
    } else if contains(b"<html") || contains(b"<!doctype html") {
        OtherFormat::Html
    } else {
        OtherFormat::Unknown
    }
}
