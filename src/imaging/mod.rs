//! Photo normalisation: sniff the format by content, refuse pixel floods from the header,
//! decode (shrinking on load where the format allows), resize, apply the EXIF orientation and
//! re-encode as a metadata-free JPEG plus a thumbnail.
//!
//! Pure and synchronous: callers run [`normalise`] on a blocking thread with bounded
//! concurrency. The original bytes are never returned, even for a small JPEG: re-encoding from
//! pixels drops every metadata block (GPS included) and anything smuggled beside the image data.

mod encode;
mod error;
mod jpeg;
mod orient;
mod other;
mod resize;
mod sniff;
#[cfg(test)]
mod tests;

pub use error::{ImageError, OtherFormat};
pub use sniff::{Format, sniff};

use image::metadata::Orientation;

/// What an upload may be, and what comes out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted file, in bytes.
    pub max_bytes: usize,
    /// Largest accepted image, in pixels, as declared by its header.
    pub max_pixels: u64,
    /// Longest accepted edge of the input, in pixels.
    pub max_input_edge: u32,
    /// Long edge of the output photo; smaller inputs are not upscaled.
    pub long_edge: u32,
    /// Long edge of the thumbnail.
    pub thumb_edge: u32,
    /// JPEG quality of both outputs, 1 to 100.
    pub quality: u8,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: 20 * 1024 * 1024,
            max_pixels: 50_000_000,
            max_input_edge: 20_000,
            long_edge: 2560,
            thumb_edge: 320,
            quality: 85,
        }
    }
}

/// One re-encoded JPEG, upright, with no metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jpeg {
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// The result of [`normalise`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalised {
    /// The photo, long edge at most [`Limits::long_edge`].
    pub photo: Jpeg,
    /// The thumbnail, long edge at most [`Limits::thumb_edge`].
    pub thumb: Jpeg,
    /// The format the upload was in.
    pub source: Format,
}

/// Checks, decodes and re-encodes one upload. See the module documentation.
pub fn normalise(bytes: &[u8], limits: &Limits) -> Result<Normalised, ImageError> {
    if bytes.is_empty() {
        return Err(ImageError::Empty);
    }
    if bytes.len() > limits.max_bytes {
        return Err(ImageError::TooLarge {
            bytes: bytes.len(),
            max: limits.max_bytes,
        });
    }
    let source = sniff(bytes)?;
    // The decoders parse hostile input. Should one panic on a malformed file instead of
    // returning an error, that is still an unreadable upload, not a failed worker thread.
    let decoded = std::panic::catch_unwind(|| match source {
        Format::Jpeg => jpeg::decode(bytes, limits),
        Format::Png => other::png(bytes, limits),
        Format::Webp => other::webp(bytes, limits),
    })
    .unwrap_or_else(|_| Err(ImageError::unreadable(source, "the decoder panicked")))?;
    // Downscale first, then turn upright: the turn touches far fewer pixels. The thumbnail
    // comes from the upright photo, so it needs no turn of its own.
    let (width, height) = resize::fit(decoded.image.width, decoded.image.height, limits.long_edge);
    let photo = resize::upright(decoded.image, width, height, decoded.orientation);
    let (width, height) = resize::fit(photo.width, photo.height, limits.thumb_edge);
    let thumb = resize::copy_to_size(&photo, width, height);
    Ok(Normalised {
        photo: encode::jpeg(&photo, limits.quality),
        thumb: encode::jpeg(&thumb, limits.quality),
        source,
    })
}

/// Packed 8-bit RGB pixels, row by row, no padding.
#[derive(Debug, Clone)]
struct Rgb {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

/// A decoded image and the orientation its metadata asked for.
struct Decoded {
    image: Rgb,
    orientation: Orientation,
}

/// Refuses a pixel flood from the dimensions in the header, before anything is allocated.
fn check_dimensions(
    format: Format,
    width: u32,
    height: u32,
    limits: &Limits,
) -> Result<(), ImageError> {
    if width == 0 || height == 0 {
        return Err(ImageError::unreadable(format, "zero width or height"));
    }
    let pixels = u64::from(width) * u64::from(height);
    if pixels > limits.max_pixels || width.max(height) > limits.max_input_edge {
        return Err(ImageError::TooManyPixels {
            width,
            height,
            max_pixels: limits.max_pixels,
            max_edge: limits.max_input_edge,
        });
    }
    Ok(())
}
