//! PNG and WebP (screenshots, images saved from chat apps), through the `image` crate's
//! decoders: full-size decode, then alpha flattened on white and 16 bits brought to 8.

use std::io::Cursor;

use image::codecs::{png::PngDecoder, webp::WebPDecoder};
use image::{ColorType, ImageDecoder};

use super::{Decoded, Format, ImageError, Limits, Rgb, check_dimensions};

pub(super) fn png(bytes: &[u8], limits: &Limits) -> Result<Decoded, ImageError> {
    // IHDR is the first chunk by the spec, at a fixed place: check the size it declares before
    // the decoder sees the file at all.
    if let (Some(b"IHDR"), Some(w), Some(h)) =
        (bytes.get(12..16), bytes.get(16..20), bytes.get(20..24))
    {
        let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        check_dimensions(Format::Png, be(w), be(h), limits)?;
    }
    // Constructing the decoder reads the header only. Dimension limits are left to `read`,
    // whose error names the size; `max_alloc` bounds the PNG decoder's own buffers
    // (compressed chunks, text) from the start.
    let mut header_limits = image::Limits::default();
    header_limits.max_alloc = Some(decode_budget(limits));
    let decoder = PngDecoder::with_limits(Cursor::new(bytes), header_limits)
        .map_err(|e| ImageError::unreadable(Format::Png, e))?;
    read(decoder, Format::Png, limits)
}

pub(super) fn webp(bytes: &[u8], limits: &Limits) -> Result<Decoded, ImageError> {
    let decoder = WebPDecoder::new(Cursor::new(bytes))
        .map_err(|e| ImageError::unreadable(Format::Webp, e))?;
    read(decoder, Format::Webp, limits)
}

/// The most bytes a decoded image may take: four per pixel at the pixel limit. A 16-bit RGBA
/// PNG takes eight, so its pixel limit is half.
fn decode_budget(limits: &Limits) -> u64 {
    limits.max_pixels.saturating_mul(4)
}

fn read(
    mut decoder: impl ImageDecoder,
    format: Format,
    limits: &Limits,
) -> Result<Decoded, ImageError> {
    let unreadable = |e| ImageError::unreadable(format, e);
    let (width, height) = decoder.dimensions();
    check_dimensions(format, width, height, limits)?;
    let mut strict = image::Limits::default();
    strict.max_image_width = Some(limits.max_input_edge);
    strict.max_image_height = Some(limits.max_input_edge);
    strict.max_alloc = Some(decode_budget(limits));
    decoder.set_limits(strict).map_err(unreadable)?;

    let color = decoder.color_type();
    let bytes_per_pixel = u64::from(color.bytes_per_pixel());
    if decoder.total_bytes() > decode_budget(limits) {
        return Err(ImageError::TooManyPixels {
            width,
            height,
            max_pixels: decode_budget(limits) / bytes_per_pixel,
            max_edge: limits.max_input_edge,
        });
    }
    let orientation = decoder.orientation().map_err(unreadable)?;
    let mut buffer = vec![0; decoder.total_bytes() as usize];
    decoder.read_image(&mut buffer).map_err(unreadable)?;
    let pixels = to_rgb(buffer, color)
        .ok_or_else(|| ImageError::unreadable(format, format!("colour type {color:?}")))?;
    Ok(Decoded {
        image: Rgb {
            width,
            height,
            pixels,
        },
        orientation,
    })
}

/// Packed RGB8 from any 8- or 16-bit layout the decoders give; transparency becomes white,
/// as it looks on the page where the candidate saw it. Layouts of three bytes a pixel or
/// more are converted in place: a 49-megapixel RGBA picture then needs its 196 MB once,
/// not again beside a second buffer.
fn to_rgb(mut buffer: Vec<u8>, color: ColorType) -> Option<Vec<u8>> {
    let (channels, wide) = match color {
        ColorType::Rgb8 => return Some(buffer),
        ColorType::L8 => (1, false),
        ColorType::La8 => (2, false),
        ColorType::Rgba8 => (4, false),
        ColorType::L16 => (1, true),
        ColorType::La16 => (2, true),
        ColorType::Rgb16 => (3, true),
        ColorType::Rgba16 => (4, true),
        _ => return None,
    };
    let sample_bytes = if wide { 2 } else { 1 };
    // 16-bit samples come in native byte order; 65535 maps to 255 with rounding.
    let sample = |px: &[u8], i: usize| -> u8 {
        if wide {
            let v = u32::from(u16::from_ne_bytes([px[2 * i], px[2 * i + 1]]));
            ((v + 128) / 257) as u8
        } else {
            px[i]
        }
    };
    let on_white = |c: u8, a: u8| {
        ((u32::from(c) * u32::from(a) + 255 * (255 - u32::from(a)) + 127) / 255) as u8
    };
    let rgb = |px: &[u8]| match channels {
        1 => [sample(px, 0); 3],
        2 => [on_white(sample(px, 0), sample(px, 1)); 3],
        3 => [sample(px, 0), sample(px, 1), sample(px, 2)],
        _ => {
            let a = sample(px, 3);
            [
                on_white(sample(px, 0), a),
                on_white(sample(px, 1), a),
                on_white(sample(px, 2), a),
            ]
        }
    };
    let stride = channels * sample_bytes;
    let count = buffer.len() / stride;
    if stride < 3 {
        let mut pixels = Vec::with_capacity(count * 3);
        for px in buffer.chunks_exact(stride) {
            pixels.extend_from_slice(&rgb(px));
        }
        return Some(pixels);
    }
    // Pixel i is read from stride × i and written to 3 × i: never over a pixel not yet read.
    for i in 0..count {
        let out = rgb(&buffer[i * stride..(i + 1) * stride]);
        buffer[3 * i..3 * i + 3].copy_from_slice(&out);
    }
    buffer.truncate(count * 3);
    buffer.shrink_to_fit();
    Some(buffer)
}
