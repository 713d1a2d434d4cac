//! JPEG decoding with shrink-on-load: the IDCT scales by 1/2, 1/4 or 1/8 while decoding, to the
//! smallest size that still covers the output, so a 24-megapixel photo for a 2560 px output is
//! decoded at 3000 px and never exists at full size in memory.

use image::metadata::Orientation;
use jpeg_decoder::{Decoder, PixelFormat};

use super::{Decoded, Format, ImageError, Limits, Rgb, check_dimensions, resize};

pub(super) fn decode(bytes: &[u8], limits: &Limits) -> Result<Decoded, ImageError> {
    let unreadable = |e| ImageError::unreadable(Format::Jpeg, e);
    let mut decoder = Decoder::new(bytes);
    // Reads the markers up to the frame header only: the dimensions, no pixels.
    decoder.read_info().map_err(unreadable)?;
    let info = decoder
        .info()
        .ok_or_else(|| ImageError::unreadable(Format::Jpeg, "no frame header after read_info"))?;
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    check_dimensions(Format::Jpeg, width, height, limits)?;

    // The smallest IDCT scale whose output is still at least the target size.
    let (target_w, target_h) = resize::fit(width, height, limits.long_edge);
    decoder
        .scale(clamp_u16(target_w), clamp_u16(target_h))
        .map_err(unreadable)?;
    // A second bound on what the decoder allocates, beside the header check above.
    decoder.set_max_decoding_buffer_size(
        usize::try_from(limits.max_pixels.saturating_mul(4)).unwrap_or(usize::MAX),
    );
    let raw = decoder.decode().map_err(unreadable)?;
    let info = decoder
        .info()
        .ok_or_else(|| ImageError::unreadable(Format::Jpeg, "no frame header after decode"))?;
    let (width, height) = (u32::from(info.width), u32::from(info.height));

    let pixels = match info.pixel_format {
        PixelFormat::RGB24 => raw,
        PixelFormat::L8 => raw.iter().flat_map(|&l| [l, l, l]).collect(),
        // Lossless greyscale of 9 to 16 bits (medical and scanner files); the precision is
        // not exposed, so there is no right way to bring it to 8 bits. No phone writes these.
        PixelFormat::L16 => {
            return Err(ImageError::unreadable(
                Format::Jpeg,
                "lossless JPEG over 8 bits",
            ));
        }
        PixelFormat::CMYK32 => raw.chunks_exact(4).flat_map(cmyk_to_rgb).collect(),
    };
    if pixels.len() != width as usize * height as usize * 3 {
        return Err(ImageError::unreadable(
            Format::Jpeg,
            "decoded size does not match the header",
        ));
    }
    let orientation = decoder
        .exif_data()
        .and_then(Orientation::from_exif_chunk)
        .unwrap_or(Orientation::NoTransforms);
    Ok(Decoded {
        image: Rgb {
            width,
            height,
            pixels,
        },
        orientation,
    })
}

fn clamp_u16(n: u32) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

/// jpeg-decoder hands CMYK out as ink amounts (0 = no ink; it already undid Adobe's
/// inversion). A naive conversion without a colour profile, as browsers do without one.
fn cmyk_to_rgb(cmyk: &[u8]) -> [u8; 3] {
    let k = 255 - u16::from(cmyk[3]);
    let channel = |ink: u8| ((255 - u16::from(ink)) * k / 255) as u8;
    [channel(cmyk[0]), channel(cmyk[1]), channel(cmyk[2])]
}
