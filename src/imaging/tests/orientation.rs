//! Every EXIF orientation comes out upright, in both outputs.

use jpeg_encoder::ColorType;

use super::fixtures::{Colour, UPRIGHT, corners, decode, jpeg, quadrants, with_exif};
use super::run;

/// How a camera stores the upright picture for each EXIF orientation, as [top-left,
/// top-right, bottom-left, bottom-right], worked out from the EXIF definitions by hand (not
/// from the code under test). 5 to 8 are stored with width and height swapped.
fn stored_corners(orientation: u16) -> [Colour; 4] {
    use Colour::{Blue as B, Green as G, Red as R, Yellow as Y};
    match orientation {
        1 => [R, G, B, Y],
        2 => [G, R, Y, B], // mirrored left to right
        3 => [Y, B, G, R], // upside down
        4 => [B, Y, R, G], // mirrored top to bottom
        5 => [R, B, G, Y], // transposed
        6 => [G, Y, R, B], // turned a quarter anticlockwise; displayed turned clockwise
        7 => [Y, G, B, R], // transversed
        8 => [B, R, Y, G], // turned a quarter clockwise; displayed turned anticlockwise
        _ => unreachable!(),
    }
}

#[test]
fn every_exif_orientation_comes_out_upright() {
    let (width, height) = (640, 480);
    for orientation in 1..=8 {
        let (stored_w, stored_h) = if orientation >= 5 {
            (height, width)
        } else {
            (width, height)
        };
        let pixels = quadrants(stored_w, stored_h, stored_corners(orientation));
        let input = with_exif(
            &jpeg(&pixels, stored_w, stored_h, ColorType::Rgb),
            orientation,
        );

        let out = run(&input);

        assert_eq!(
            (out.photo.width, out.photo.height),
            (width, height),
            "orientation {orientation}"
        );
        let (w, h, rgb) = decode(&out.photo.bytes);
        assert_eq!((w, h), (width, height), "orientation {orientation}");
        assert_eq!(
            corners(w, h, &rgb),
            UPRIGHT,
            "photo, orientation {orientation}"
        );

        assert_eq!(
            (out.thumb.width, out.thumb.height),
            (320, 240),
            "orientation {orientation}"
        );
        let (w, h, rgb) = decode(&out.thumb.bytes);
        assert_eq!((w, h), (320, 240), "orientation {orientation}");
        assert_eq!(
            corners(w, h, &rgb),
            UPRIGHT,
            "thumb, orientation {orientation}"
        );
    }
}

#[test]
fn a_photo_without_exif_is_left_as_it_is() {
    let input = jpeg(&quadrants(300, 200, UPRIGHT), 300, 200, ColorType::Rgb);
    let out = run(&input);
    let (w, h, rgb) = decode(&out.photo.bytes);
    assert_eq!((w, h), (300, 200));
    assert_eq!(corners(w, h, &rgb), UPRIGHT);
}
