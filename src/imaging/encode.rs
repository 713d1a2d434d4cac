//! Baseline JPEG from pixels alone: no EXIF, XMP, ICC or comment, whatever the input carried.

use jpeg_encoder::{ColorType, Encoder};

use super::{Jpeg, Rgb};

/// Encodes `image` at `quality` (1–100; below 90 the chroma is subsampled 2×2, as in
/// `vipsthumbnail`).
pub(super) fn jpeg(image: &Rgb, quality: u8) -> Jpeg {
    // `resize::fit` keeps every edge within 1..=65535 and every `Rgb` buffer matches its size,
    // so the conversions and the encoder cannot fail; writing into a Vec cannot either.
    let width = u16::try_from(image.width).expect("edges are at most 65535");
    let height = u16::try_from(image.height).expect("edges are at most 65535");
    let mut bytes = Vec::with_capacity(image.pixels.len() / 8);
    Encoder::new(&mut bytes, quality)
        .encode(&image.pixels, width, height, ColorType::Rgb)
        .expect("a well-sized, non-empty RGB buffer");
    Jpeg {
        bytes,
        width: image.width,
        height: image.height,
    }
}
