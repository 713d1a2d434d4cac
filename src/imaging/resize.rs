//! Downscaling, never upscaling, with the Catmull-Rom filter: as sharp as Lanczos3 to the eye
//! on a photo of a document, with less ringing, and about 12 ms cheaper on a 12-megapixel
//! photo here, partly because its coefficients need no `sin` and banding recomputes them.

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

use image::metadata::Orientation;

use super::{Rgb, orient};

/// The size `width`×`height` takes with its long edge at most `long_edge` (and at most 65535,
/// JPEG's limit), keeping the aspect ratio; unchanged when it already fits.
pub(super) fn fit(width: u32, height: u32, long_edge: u32) -> (u32, u32) {
    let long_edge = long_edge.clamp(1, u32::from(u16::MAX));
    let long = width.max(height);
    if long <= long_edge {
        return (width, height);
    }
    let scale = |side: u32| {
        let scaled =
            (u64::from(side) * u64::from(long_edge) + u64::from(long) / 2) / u64::from(long);
        (scaled as u32).max(1)
    };
    (scale(width), scale(height))
}

/// `image` resized to `width`×`height` and then turned upright, band by band: each band of
/// output rows goes to its upright place while it is still in cache, and no unrotated copy of
/// the whole output is ever made.
pub(super) fn upright(image: Rgb, width: u32, height: u32, orientation: Orientation) -> Rgb {
    if (image.width, image.height) == (width, height) {
        return orient::apply(image, orientation);
    }
    let (out_width, out_height) = orient::upright_size(width, height, orientation);
    let mut pixels = vec![0; width as usize * height as usize * 3];
    in_bands(&image, width, height, |first_row, band| {
        orient::place(band, width, height, first_row, orientation, &mut pixels);
    });
    Rgb {
        width: out_width,
        height: out_height,
        pixels,
    }
}

/// A new image of `width`×`height` from `image`.
pub(super) fn copy_to_size(image: &Rgb, width: u32, height: u32) -> Rgb {
    if (image.width, image.height) == (width, height) {
        return image.clone();
    }
    let mut pixels = Vec::with_capacity(width as usize * height as usize * 3);
    in_bands(image, width, height, |_, band| {
        pixels.extend_from_slice(band)
    });
    Rgb {
        width,
        height,
        pixels,
    }
}

/// Output rows resized per call. Resizing in bands keeps the filter's temporary image to a
/// band (1.5 MB for a 12-megapixel photo instead of 23 MB) and gives the same pixels: the filter
/// still reads source rows outside the band's crop box, up to the image's edges.
const BAND_ROWS: u32 = 128;

/// Resizes `image` to `width`×`height`, handing `sink` each band of output rows
/// (packed RGB) with the index of its first row.
fn in_bands(image: &Rgb, width: u32, height: u32, mut sink: impl FnMut(u32, &[u8])) {
    // Every `Rgb` holds exactly width × height × 3 bytes (the decoders check), so none of the
    // calls below can fail: a failure would be a bug here, not a bad upload.
    let src = ImageRef::new(image.width, image.height, &image.pixels, PixelType::U8x3)
        .expect("an Rgb buffer matches its size");
    let scale = f64::from(image.height) / f64::from(height);
    let mut resizer = Resizer::new();
    let mut band = vec![0; width as usize * BAND_ROWS.min(height) as usize * 3];
    for first in (0..height).step_by(BAND_ROWS as usize) {
        let rows = BAND_ROWS.min(height - first);
        let band = &mut band[..width as usize * rows as usize * 3];
        let mut dst = Image::from_slice_u8(width, rows, band, PixelType::U8x3)
            .expect("a band matches its size");
        // The band's share of the source rows, clamped: rounding must not push the last
        // band's crop box past the image, which the resizer refuses.
        let top = f64::from(first) * scale;
        let bottom = (f64::from(first + rows) * scale).min(f64::from(image.height));
        let options = ResizeOptions::new()
            .resize_alg(ResizeAlg::Convolution(FilterType::CatmullRom))
            .crop(0.0, top, f64::from(image.width), bottom - top);
        resizer
            .resize(&src, &mut dst, &options)
            .expect("both images are U8x3");
        sink(first, dst.buffer());
    }
}
