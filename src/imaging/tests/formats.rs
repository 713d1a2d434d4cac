//! PNG (alpha, 16 bits, eXIf orientation), WebP, greyscale and CMYK JPEG all come out as
//! upright RGB JPEG.

use std::io::Cursor;

use image::codecs::{png::PngEncoder, webp::WebPEncoder};
use image::{ExtendedColorType, ImageBuffer, ImageEncoder, ImageFormat, Rgba, RgbaImage};
use jpeg_encoder::ColorType;

use super::fixtures::{Colour, UPRIGHT, components, corners, decode, exif_tiff, jpeg, quadrants};
use super::run;
use crate::imaging::Format;

fn rgba(width: u32, height: u32, corners: [Colour; 4], alpha: impl Fn(u32) -> u8) -> RgbaImage {
    let rgb = quadrants(width, height, corners);
    RgbaImage::from_fn(width, height, |x, y| {
        let i = (y * width + x) as usize * 3;
        Rgba([rgb[i], rgb[i + 1], rgb[i + 2], alpha(x)])
    })
}

#[test]
fn png_transparency_becomes_white() {
    // Opaque on the left, fully transparent (and black underneath) on the right.
    let image = rgba(
        300,
        200,
        [Colour::Black; 4],
        |x| if x < 150 { 255 } else { 0 },
    );
    let mut png = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .unwrap();

    let out = run(&png);

    assert_eq!(out.source, Format::Png);
    let (w, h, rgb) = decode(&out.photo.bytes);
    use Colour::{Black, White};
    assert_eq!(corners(w, h, &rgb), [Black, White, Black, White]);
}

#[test]
fn sixteen_bit_png_with_alpha_is_read() {
    let eight = rgba(320, 240, UPRIGHT, |_| 255);
    let sixteen = ImageBuffer::<Rgba<u16>, Vec<u16>>::from_fn(320, 240, |x, y| {
        Rgba(eight.get_pixel(x, y).0.map(|c| u16::from(c) * 257))
    });
    let mut png = Vec::new();
    sixteen
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .unwrap();
    assert_eq!(png[24..26], [16, 6], "bit depth 16, RGBA");

    let out = run(&png);

    let (w, h, rgb) = decode(&out.photo.bytes);
    assert_eq!((w, h), (320, 240));
    assert_eq!(corners(w, h, &rgb), UPRIGHT);
}

#[test]
fn png_exif_orientation_is_applied() {
    // Stored turned a quarter anticlockwise, with orientation 6 in an eXIf chunk.
    use Colour::{Blue as B, Green as G, Red as R, Yellow as Y};
    let stored = quadrants(240, 320, [G, Y, R, B]);
    let mut png = Vec::new();
    let mut encoder = PngEncoder::new(&mut png);
    encoder.set_exif_metadata(exif_tiff(6)).unwrap();
    encoder
        .write_image(&stored, 240, 320, ExtendedColorType::Rgb8)
        .unwrap();

    let out = run(&png);

    let (w, h, rgb) = decode(&out.photo.bytes);
    assert_eq!((w, h), (320, 240));
    assert_eq!(corners(w, h, &rgb), UPRIGHT);
}

#[test]
fn webp_is_read() {
    let image = rgba(400, 300, UPRIGHT, |_| 255);
    let mut webp = Vec::new();
    WebPEncoder::new_lossless(&mut webp)
        .encode(image.as_raw(), 400, 300, ExtendedColorType::Rgba8)
        .unwrap();

    let out = run(&webp);

    assert_eq!(out.source, Format::Webp);
    let (w, h, rgb) = decode(&out.photo.bytes);
    assert_eq!((w, h), (400, 300));
    assert_eq!(corners(w, h, &rgb), UPRIGHT);
}

#[test]
fn progressive_jpeg_is_read() {
    // Chat apps often re-save photos as progressive JPEG.
    let pixels = quadrants(600, 400, UPRIGHT);
    let mut input = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut input, 80);
    encoder.set_progressive(true);
    encoder.encode(&pixels, 600, 400, ColorType::Rgb).unwrap();
    assert!(
        input.windows(2).any(|w| w == [0xFF, 0xC2]),
        "a progressive frame"
    );

    let out = run(&input);

    let (w, h, rgb) = decode(&out.photo.bytes);
    assert_eq!((w, h), (600, 400));
    assert_eq!(corners(w, h, &rgb), UPRIGHT);
}

#[test]
fn greyscale_jpeg_comes_out_as_rgb() {
    let luma: Vec<u8> = quadrants(
        300,
        200,
        [Colour::Black, Colour::White, Colour::White, Colour::Black],
    )
    .chunks_exact(3)
    .map(|p| p[0])
    .collect();
    let input = jpeg(&luma, 300, 200, ColorType::Luma);
    assert_eq!(components(&input), 1);

    let out = run(&input);

    assert_eq!(components(&out.photo.bytes), 3);
    let (w, h, rgb) = decode(&out.photo.bytes);
    use Colour::{Black, White};
    assert_eq!(corners(w, h, &rgb), [Black, White, White, Black]);
}

#[test]
fn cmyk_jpeg_comes_out_as_rgb() {
    // Ink amounts, 0 = none: red is full magenta and yellow, and so on.
    let inks: [[u8; 4]; 4] = [
        [0, 255, 255, 0],
        [255, 0, 255, 0],
        [255, 255, 0, 0],
        [0, 0, 255, 0],
    ];
    let (width, height) = (300, 200);
    let mut cmyk = Vec::new();
    for y in 0..height {
        for x in 0..width {
            cmyk.extend(inks[usize::from(y >= height / 2) * 2 + usize::from(x >= width / 2)]);
        }
    }
    let input = jpeg(&cmyk, width, height, ColorType::Cmyk);
    assert_eq!(components(&input), 4);

    let out = run(&input);

    assert_eq!(components(&out.photo.bytes), 3);
    let (w, h, rgb) = decode(&out.photo.bytes);
    assert_eq!(corners(w, h, &rgb), UPRIGHT);
}
