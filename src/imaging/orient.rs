//! Turning the pixels upright as the EXIF orientation asks, so the output needs no metadata.
//! Works band by band, so the resizer can hand over each band while it is still in cache.

use image::metadata::Orientation;

use super::Rgb;

/// Side of the square tiles the copy walks in: a quarter turn writes each source row down an
/// output column, and a tile keeps those output rows in cache while they are written.
const TILE: usize = 32;

/// The size of a `width`×`height` image once upright: orientations 5 to 8 swap the edges.
pub(super) fn upright_size(width: u32, height: u32, orientation: Orientation) -> (u32, u32) {
    if swaps_edges(orientation) {
        (height, width)
    } else {
        (width, height)
    }
}

fn swaps_edges(orientation: Orientation) -> bool {
    matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}

/// The whole image, upright.
pub(super) fn apply(image: Rgb, orientation: Orientation) -> Rgb {
    if orientation == Orientation::NoTransforms {
        return image;
    }
    let (width, height) = upright_size(image.width, image.height, orientation);
    let mut pixels = vec![0; image.pixels.len()];
    place(
        &image.pixels,
        image.width,
        image.height,
        0,
        orientation,
        &mut pixels,
    );
    Rgb {
        width,
        height,
        pixels,
    }
}

/// Copies `band`, rows `first_row..` of a `width`×`height` RGB image, to where they belong in
/// `out`, the same image upright.
pub(super) fn place(
    band: &[u8],
    width: u32,
    height: u32,
    first_row: u32,
    orientation: Orientation,
    out: &mut [u8],
) {
    let (w, h) = (width as isize, height as isize);
    // Source pixel (x, y) goes to output pixel `origin + x * dx + y * dy`, y counted in the
    // whole image.
    let (origin, dx, dy) = match orientation {
        Orientation::NoTransforms => {
            let start = first_row as usize * width as usize * 3;
            out[start..start + band.len()].copy_from_slice(band);
            return;
        }
        Orientation::FlipHorizontal => (w - 1, -1, w),
        Orientation::Rotate180 => ((h - 1) * w + w - 1, -1, -w),
        Orientation::FlipVertical => ((h - 1) * w, 1, -w),
        Orientation::Rotate90FlipH => (0, h, 1),
        Orientation::Rotate90 => (h - 1, h, -1),
        Orientation::Rotate270FlipH => ((w - 1) * h + h - 1, -h, -1),
        Orientation::Rotate270 => ((w - 1) * h, -h, 1),
    };
    let (bw, rows) = (width as usize, band.len() / (width as usize * 3));
    let target = |x: usize, y: usize| {
        (origin + x as isize * dx + (first_row as usize + y) as isize * dy) as usize * 3
    };
    let copy = |out: &mut [u8], x: usize, y: usize| {
        let (from, to) = ((y * bw + x) * 3, target(x, y));
        out[to..to + 3].copy_from_slice(&band[from..from + 3]);
    };
    for tile_y in (0..rows).step_by(TILE) {
        let ys = tile_y..(tile_y + TILE).min(rows);
        for tile_x in (0..bw).step_by(TILE) {
            let xs = tile_x..(tile_x + TILE).min(bw);
            // Walk so that consecutive writes are neighbours in the output.
            if swaps_edges(orientation) {
                for x in xs {
                    ys.clone().for_each(|y| copy(out, x, y));
                }
            } else {
                for y in ys.clone() {
                    xs.clone().for_each(|x| copy(out, x, y));
                }
            }
        }
    }
}
