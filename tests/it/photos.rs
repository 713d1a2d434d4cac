//! Upload fixtures built in memory: a four-colour JPEG whose corners tell up from down and left
//! from right, a hand-built EXIF block (orientation + GPS), XMP and comment segments, refused
//! files, and readers for what the server sends back. Independent of the crate's own fixtures,
//! so a shared mistake cannot hide.

use jpeg_encoder::{ColorType, Encoder};

/// Colours far apart, so JPEG noise never confuses them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    Red,
    Green,
    Blue,
    Yellow,
}

use Colour::{Blue, Green, Red, Yellow};

impl Colour {
    fn rgb(self) -> [u8; 3] {
        match self {
            Red => [230, 30, 30],
            Green => [30, 200, 30],
            Blue => [30, 30, 230],
            Yellow => [240, 220, 20],
        }
    }

    fn nearest(rgb: &[u8]) -> Colour {
        let distance = |c: Colour| -> i32 {
            c.rgb()
                .iter()
                .zip(rgb)
                .map(|(&a, &b)| (i32::from(a) - i32::from(b)).pow(2))
                .sum()
        };
        [Red, Green, Blue, Yellow]
            .into_iter()
            .min_by_key(|&c| distance(c))
            .unwrap()
    }
}

/// The upright picture as [top-left, top-right, bottom-left, bottom-right].
pub const UPRIGHT: [Colour; 4] = [Red, Green, Blue, Yellow];

/// How a camera stores the upright picture for each EXIF orientation (worked out by hand from
/// the EXIF definitions); 5 to 8 are stored with width and height swapped.
pub fn stored_corners(orientation: u16) -> [Colour; 4] {
    match orientation {
        1 => [Red, Green, Blue, Yellow],
        2 => [Green, Red, Yellow, Blue], // mirrored left to right
        3 => [Yellow, Blue, Green, Red], // upside down
        4 => [Blue, Yellow, Red, Green], // mirrored top to bottom
        5 => [Red, Blue, Green, Yellow], // transposed
        6 => [Green, Yellow, Red, Blue], // displayed turned clockwise
        7 => [Yellow, Green, Blue, Red], // transversed
        8 => [Blue, Red, Yellow, Green], // displayed turned anticlockwise
        _ => unreachable!("EXIF orientations are 1 to 8"),
    }
}

/// A `width`×`height` JPEG with the given quadrant colours and a faint texture.
pub fn quadrant_jpeg(width: u32, height: u32, corners: [Colour; 4]) -> Vec<u8> {
    let mut pixels = Vec::with_capacity(width as usize * height as usize * 3);
    for y in 0..height {
        for x in 0..width {
            let quadrant = usize::from(y >= height / 2) * 2 + usize::from(x >= width / 2);
            let texture = ((x * 7 + y * 13) % 11) as u8;
            pixels.extend(
                corners[quadrant]
                    .rgb()
                    .map(|c| c.saturating_add(texture) - texture / 2),
            );
        }
    }
    let mut out = Vec::new();
    Encoder::new(&mut out, 92)
        .encode(&pixels, width as u16, height as u16, ColorType::Rgb)
        .unwrap();
    out
}

/// A small upright photo, 64×48, with no metadata.
pub fn small_jpeg() -> Vec<u8> {
    quadrant_jpeg(64, 48, UPRIGHT)
}

/// The GPS latitude in every test EXIF block (30°31'42.42"), as raw little-endian rationals.
pub fn gps_latitude() -> Vec<u8> {
    [30u32, 1, 31, 1, 4242, 100]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect()
}

/// A little-endian TIFF block: IFD0 with Orientation and a pointer to a GPS IFD holding
/// GPSLatitudeRef and GPSLatitude.
fn exif_tiff(orientation: u16) -> Vec<u8> {
    fn entry(tag: u16, kind: u16, count: u32, value: [u8; 4]) -> Vec<u8> {
        [
            &tag.to_le_bytes()[..],
            &kind.to_le_bytes(),
            &count.to_le_bytes(),
            &value,
        ]
        .concat()
    }
    const GPS_IFD: u32 = 8 + 2 + 2 * 12 + 4;
    const GPS_DATA: u32 = GPS_IFD + 2 + 2 * 12 + 4;
    let [o0, o1] = orientation.to_le_bytes();
    [
        &b"II*\0"[..],
        &8u32.to_le_bytes(),
        &2u16.to_le_bytes(),
        &entry(0x0112, 3, 1, [o0, o1, 0, 0]),
        &entry(0x8825, 4, 1, GPS_IFD.to_le_bytes()),
        &0u32.to_le_bytes(),
        &2u16.to_le_bytes(),
        &entry(0x0001, 2, 2, *b"N\0\0\0"),
        &entry(0x0002, 5, 3, GPS_DATA.to_le_bytes()),
        &0u32.to_le_bytes(),
        &gps_latitude(),
    ]
    .concat()
}

/// `jpeg` with a segment of the given marker spliced in right after SOI.
pub fn with_segment(jpeg: &[u8], marker: u8, payload: &[u8]) -> Vec<u8> {
    let length = u16::try_from(payload.len() + 2).unwrap();
    [
        &jpeg[..2],
        &[0xFF, marker],
        &length.to_be_bytes(),
        payload,
        &jpeg[2..],
    ]
    .concat()
}

/// `jpeg` with an APP1 Exif segment carrying `orientation` and a GPS latitude.
pub fn with_exif(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    with_segment(
        jpeg,
        0xE1,
        &[&b"Exif\0\0"[..], &exif_tiff(orientation)].concat(),
    )
}

/// A photo as a phone sends it: EXIF (orientation 1, GPS), XMP naming the place, a comment.
pub fn photo_with_metadata() -> Vec<u8> {
    let xmp = b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>GPSLatitude 30,31.7N</x:xmpmeta>";
    let with_xmp = with_segment(&small_jpeg(), 0xE1, xmp);
    with_exif(&with_segment(&with_xmp, 0xFE, b"taken at home"), 1)
}

/// A valid 640×480 JPEG cut in half: a photo whose upload broke off.
pub fn truncated_jpeg() -> Vec<u8> {
    let whole = quadrant_jpeg(640, 480, UPRIGHT);
    whole[..whole.len() / 2].to_vec()
}

/// A PNG whose header claims 20000×20000 (400 megapixels) with almost no data behind it.
pub fn pixel_flood_png() -> Vec<u8> {
    let mut ihdr = Vec::new();
    ihdr.extend(20_000u32.to_be_bytes());
    ihdr.extend(20_000u32.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    [
        &b"\x89PNG\r\n\x1a\n"[..],
        &png_chunk(b"IHDR", &ihdr),
        &png_chunk(b"IDAT", &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]),
        &png_chunk(b"IEND", &[]),
    ]
    .concat()
}

/// A PNG chunk with its CRC-32.
pub(crate) fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut crc = !0u32;
    for &byte in kind.iter().chain(data) {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    let length = u32::try_from(data.len()).unwrap().to_be_bytes();
    [&length[..], kind, data, &(!crc).to_be_bytes()].concat()
}

/// A real JPEG padded with zeros to `bytes`: too big whichever check the server makes first.
pub fn oversized_jpeg(bytes: usize) -> Vec<u8> {
    let mut out = small_jpeg();
    out.resize(bytes, 0);
    out
}

/// Width, height and RGB pixels of a JPEG; fails unless it decodes as 3-component colour.
pub fn decode(jpeg: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut decoder = jpeg_decoder::Decoder::new(jpeg);
    let pixels = decoder.decode().expect("the server sent a readable JPEG");
    let info = decoder.info().unwrap();
    assert_eq!(info.pixel_format, jpeg_decoder::PixelFormat::RGB24);
    (u32::from(info.width), u32::from(info.height), pixels)
}

/// The colours at the centres of the four quadrants of an RGB image.
pub fn corners(width: u32, height: u32, pixels: &[u8]) -> [Colour; 4] {
    let at = |x: u32, y: u32| {
        let i = (y as usize * width as usize + x as usize) * 3;
        Colour::nearest(&pixels[i..i + 3])
    };
    let (left, right, top, bottom) = (width / 4, width * 3 / 4, height / 4, height * 3 / 4);
    [
        at(left, top),
        at(right, top),
        at(left, bottom),
        at(right, bottom),
    ]
}

/// The markers of a JPEG's segments up to the start of scan.
pub fn markers(jpeg: &[u8]) -> Vec<u8> {
    assert_eq!(&jpeg[..2], [0xFF, 0xD8], "starts like a JPEG");
    let mut found = Vec::new();
    let mut at = 2;
    while at + 4 <= jpeg.len() && jpeg[at] == 0xFF {
        let marker = jpeg[at + 1];
        found.push(marker);
        if marker == 0xDA {
            break;
        }
        at += 2 + usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
    }
    found
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
