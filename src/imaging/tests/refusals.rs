//! What is refused, with which status, and that the message tells the candidate what to do.

use jpeg_encoder::ColorType;

use super::fixtures::{UPRIGHT, jpeg, png_chunk, quadrants};
use crate::imaging::{ImageError, Limits, OtherFormat, normalise};

fn refuse(bytes: &[u8]) -> ImageError {
    normalise(bytes, &Limits::default()).unwrap_err()
}

#[test]
fn an_empty_file_is_refused() {
    let error = refuse(b"");
    assert!(matches!(error, ImageError::Empty));
    assert_eq!(error.http_status(), 422);
    assert!(error.to_string().contains("空"));
}

#[test]
fn a_file_over_the_byte_limit_is_refused_before_anything_else() {
    let limits = Limits {
        max_bytes: 1000,
        ..Limits::default()
    };
    let error = normalise(&[0xFF; 1001], &limits).unwrap_err();
    assert!(matches!(
        error,
        ImageError::TooLarge {
            bytes: 1001,
            max: 1000
        }
    ));
    assert_eq!(error.http_status(), 413);
    let error = refuse(&vec![0; 20 * 1024 * 1024 + 1]);
    assert!(error.to_string().contains("不能超过 20 MB"), "{error}");
}

#[test]
fn a_truncated_jpeg_is_unreadable() {
    let whole = jpeg(&quadrants(640, 480, UPRIGHT), 640, 480, ColorType::Rgb);
    let error = refuse(&whole[..whole.len() / 2]);
    assert!(matches!(error, ImageError::Unreadable { .. }), "{error:?}");
    assert_eq!(error.http_status(), 422);
}

#[test]
fn a_png_declaring_ten_gigapixels_is_refused_from_its_header() {
    let mut ihdr = Vec::new();
    ihdr.extend(100_000u32.to_be_bytes());
    ihdr.extend(100_000u32.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    let png = [
        &b"\x89PNG\r\n\x1a\n"[..],
        &png_chunk(b"IHDR", &ihdr),
        &png_chunk(b"IDAT", &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]),
        &png_chunk(b"IEND", &[]),
    ]
    .concat();

    let error = refuse(&png);

    assert!(
        matches!(
            error,
            ImageError::TooManyPixels {
                width: 100_000,
                height: 100_000,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.http_status(), 422);
    assert!(error.to_string().contains("100000×100000"), "{error}");
}

#[test]
fn a_jpeg_declaring_60000_by_60000_is_refused_from_its_header() {
    // SOI, then a baseline frame header for three 4:2:0 components, and nothing else.
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xC0, 0, 17, 8];
    jpeg.extend(60_000u16.to_be_bytes());
    jpeg.extend(60_000u16.to_be_bytes());
    jpeg.extend([3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);

    let error = refuse(&jpeg);

    assert!(
        matches!(
            error,
            ImageError::TooManyPixels {
                width: 60_000,
                height: 60_000,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.http_status(), 422);
}

#[test]
fn a_16_bit_png_gets_half_the_pixel_budget() {
    let limits = Limits {
        max_pixels: 1000,
        ..Limits::default()
    };
    let image = image::ImageBuffer::<image::Rgba<u16>, Vec<u16>>::new(30, 30);
    let mut png = Vec::new();
    image
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let error = normalise(&png, &limits).unwrap_err();
    assert!(
        matches!(
            error,
            ImageError::TooManyPixels {
                max_pixels: 500,
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn other_formats_are_refused_with_the_accepted_ones_named() {
    let cases: [(&[u8], OtherFormat); 9] = [
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", OtherFormat::Gif),
        (b"II*\0\x08\0\0\0", OtherFormat::Tiff),
        (b"BM\x3a\0\0\0\0\0\0\0", OtherFormat::Bmp),
        (b"\0\0\0\x18ftypheic\0\0\0\0mif1heic", OtherFormat::Heic),
        (b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf", OtherFormat::Avif),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", OtherFormat::Pdf),
        (
            b"\xEF\xBB\xBF  <?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>",
            OtherFormat::Svg,
        ),
        (
            b"<!DOCTYPE html><html><body>hi</body></html>",
            OtherFormat::Html,
        ),
        (b"just some text, saved as photo.jpg", OtherFormat::Unknown),
    ];
    for (bytes, expected) in cases {
        let error = refuse(bytes);
        assert!(
            matches!(error, ImageError::Unsupported { found } if found == expected),
            "{error:?}"
        );
        assert_eq!(error.http_status(), 415);
        let message = error.to_string();
        assert!(message.contains("JPEG、PNG 或 WebP"), "{message}");
    }
}

#[test]
fn heic_says_how_to_get_a_jpeg() {
    let message = refuse(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic").to_string();
    assert!(message.contains("HEIC"), "{message}");
    assert!(message.contains("兼容性最佳"), "{message}");
    assert!(message.contains("截图"), "{message}");
}
