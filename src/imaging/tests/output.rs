//! What comes out: no metadata, no smuggled bytes, the right sizes, never the input itself.

use jpeg_encoder::ColorType;

use super::fixtures::{
    GPS_LATITUDE, UPRIGHT, contains, corners, decode, jpeg, quadrants, segments, with_exif,
    with_segment,
};
use super::run;
use crate::imaging::Format;

/// A JPEG carrying EXIF with GPS, XMP and a comment.
fn photo_with_metadata(width: u32, height: u32, orientation: u16) -> Vec<u8> {
    let plain = jpeg(
        &quadrants(width, height, UPRIGHT),
        width,
        height,
        ColorType::Rgb,
    );
    let xmp = b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>GPSLatitude 30,31.7N</x:xmpmeta>";
    let with_xmp = with_segment(&plain, 0xE1, xmp);
    let with_comment = with_segment(&with_xmp, 0xFE, b"taken at home");
    with_exif(&with_comment, orientation)
}

fn assert_no_metadata(jpeg: &[u8]) {
    for (marker, _) in segments(jpeg) {
        assert!(
            matches!(marker, 0xE0 | 0xDB | 0xC0 | 0xC4 | 0xDD | 0xDA),
            "unexpected segment FF{marker:02X}"
        );
    }
    assert!(!contains(jpeg, b"Exif"));
    assert!(!contains(jpeg, &GPS_LATITUDE));
    assert!(!contains(jpeg, b"xmpmeta"));
    assert!(!contains(jpeg, b"taken at home"));
}

#[test]
fn metadata_is_stripped_from_both_outputs() {
    let input = photo_with_metadata(800, 600, 6);
    assert!(contains(&input, &GPS_LATITUDE));
    let out = run(&input);
    assert_no_metadata(&out.photo.bytes);
    assert_no_metadata(&out.thumb.bytes);
}

#[test]
fn a_jpeg_html_polyglot_comes_out_as_a_clean_jpeg() {
    let html = b"<html><body><script>alert(document.cookie)</script></body></html>";
    let plain = jpeg(&quadrants(400, 300, UPRIGHT), 400, 300, ColorType::Rgb);
    let input = [&with_segment(&plain, 0xFE, html)[..], html].concat();

    let out = run(&input);

    assert_eq!(out.source, Format::Jpeg);
    assert!(!contains(&out.photo.bytes, b"<script"));
    assert!(!contains(&out.thumb.bytes, b"<script"));
    assert_eq!(&out.photo.bytes[out.photo.bytes.len() - 2..], [0xFF, 0xD9]);
    assert_no_metadata(&out.photo.bytes);
}

#[test]
fn a_phone_photo_is_brought_down_to_2560_and_320() {
    let input = photo_with_metadata(4032, 3024, 6);

    let out = run(&input);

    assert_eq!((out.photo.width, out.photo.height), (1920, 2560));
    assert_eq!(decode(&out.photo.bytes).0, 1920);
    assert_eq!((out.thumb.width, out.thumb.height), (240, 320));
    let (w, h, rgb) = decode(&out.thumb.bytes);
    assert_eq!((w, h), (240, 320));
    // Orientation 6 on a picture stored upright: its left edge ends up on top.
    use super::fixtures::Colour::{Blue, Green, Red, Yellow};
    assert_eq!(corners(w, h, &rgb), [Blue, Red, Yellow, Green]);
}

#[test]
fn a_small_photo_is_not_upscaled_but_still_reencoded() {
    let input = jpeg(&quadrants(200, 150, UPRIGHT), 200, 150, ColorType::Rgb);

    let out = run(&input);

    assert_eq!((out.photo.width, out.photo.height), (200, 150));
    assert_eq!((out.thumb.width, out.thumb.height), (200, 150));
    assert_ne!(out.photo.bytes, input);
    let (w, h, rgb) = decode(&out.photo.bytes);
    assert_eq!(corners(w, h, &rgb), UPRIGHT);
}

#[test]
fn a_panorama_keeps_its_aspect_ratio() {
    let input = jpeg(&quadrants(6000, 1000, UPRIGHT), 6000, 1000, ColorType::Rgb);
    let out = run(&input);
    assert_eq!((out.photo.width, out.photo.height), (2560, 427));
    assert_eq!((out.thumb.width, out.thumb.height), (320, 53));
}

#[test]
fn resizing_in_bands_handles_every_awkward_height() {
    use crate::imaging::{Rgb, resize};
    let source = Rgb {
        width: 5,
        height: 1001,
        pixels: vec![128; 5 * 1001 * 3],
    };
    for height in (1..1001).step_by(7) {
        let out = resize::copy_to_size(&source, 3, height);
        assert_eq!(out.pixels.len(), 3 * height as usize * 3);
        assert!(
            out.pixels.iter().all(|&p| p.abs_diff(128) <= 1),
            "height {height}"
        );
    }
}

#[test]
fn shrink_on_load_keeps_colours_and_orientation() {
    // 1000×800 for a 100 px output: decoded at 1/8 (125×100), then resized and turned.
    let limits = crate::imaging::Limits {
        long_edge: 100,
        thumb_edge: 40,
        ..Default::default()
    };
    let input = photo_with_metadata(1000, 800, 8);

    let out = crate::imaging::normalise(&input, &limits).unwrap();

    assert_eq!((out.photo.width, out.photo.height), (80, 100));
    assert_eq!((out.thumb.width, out.thumb.height), (32, 40));
    let (w, h, rgb) = decode(&out.photo.bytes);
    // Orientation 8 on a picture stored upright: its right edge ends up on top.
    use super::fixtures::Colour::{Blue, Green, Red, Yellow};
    assert_eq!(corners(w, h, &rgb), [Green, Yellow, Red, Blue]);
}
