//! Real image files built in memory: a four-colour pattern whose corners tell up from down
//! and left from right, JPEG with a hand-built EXIF segment (orientation + GPS), and readers
//! for what comes out.

use jpeg_encoder::{ColorType, Encoder};

/// The test colours, far apart so JPEG noise never confuses them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    Red,
    Green,
    Blue,
    Yellow,
    White,
    Black,
}

impl Colour {
    pub fn rgb(self) -> [u8; 3] {
        match self {
            Colour::Red => [230, 30, 30],
            Colour::Green => [30, 200, 30],
            Colour::Blue => [30, 30, 230],
            Colour::Yellow => [240, 220, 20],
            Colour::White => [255, 255, 255],
            Colour::Black => [0, 0, 0],
        }
    }

    fn nearest(rgb: &[u8]) -> Colour {
        use Colour::*;
        let distance = |c: Colour| {
            c.rgb()
                .iter()
                .zip(rgb)
                .map(|(&a, &b)| (i32::from(a) - i32::from(b)).pow(2))
                .sum::<i32>()
        };
        [Red, Green, Blue, Yellow, White, Black]
            .into_iter()
            .min_by_key(|&c| distance(c))
            .unwrap()
    }
}

/// The upright picture: red top-left, green top-right, blue bottom-left, yellow bottom-right.
pub const UPRIGHT: [Colour; 4] = [Colour::Red, Colour::Green, Colour::Blue, Colour::Yellow];

/// RGB pixels of a `width`×`height` image with the given [top-left, top-right, bottom-left,
/// bottom-right] quadrants, plus a faint texture so the JPEG has some entropy data.
pub fn quadrants(width: u32, height: u32, corners: [Colour; 4]) -> Vec<u8> {
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
    pixels
}

/// Encodes pixels of the given colour type as a JPEG, quality 92 like a phone camera.
pub fn jpeg(pixels: &[u8], width: u32, height: u32, colour: ColorType) -> Vec<u8> {
    let mut out = Vec::new();
    Encoder::new(&mut out, 92)
        .encode(pixels, width as u16, height as u16, colour)
        .unwrap();
    out
}

/// The GPS latitude written into every test EXIF block (30°31'42.42"), as its raw rationals:
/// finding these 24 bytes in an output means the location leaked.
pub const GPS_LATITUDE: [u8; 24] = {
    let mut out = [0; 24];
    let values: [u32; 6] = [30, 1, 31, 1, 4242, 100];
    let mut i = 0;
    while i < 6 {
        let b = values[i].to_le_bytes();
        out[i * 4] = b[0];
        out[i * 4 + 1] = b[1];
        out[i * 4 + 2] = b[2];
        out[i * 4 + 3] = b[3];
        i += 1;
    }
    out
};

/// A little-endian TIFF block as cameras write it: IFD0 with Orientation and a pointer to a
/// GPS IFD holding GPSLatitudeRef and GPSLatitude.
pub fn exif_tiff(orientation: u16) -> Vec<u8> {
    let entry = |tag: u16, kind: u16, count: u32, value: [u8; 4]| {
        [
            &tag.to_le_bytes()[..],
            &kind.to_le_bytes(),
            &count.to_le_bytes(),
            &value,
        ]
        .concat()
    };
    const GPS_IFD: u32 = 8 + 2 + 2 * 12 + 4;
    const GPS_DATA: u32 = GPS_IFD + 2 + 2 * 12 + 4;
    let mut tiff = b"II*\0".to_vec();
    tiff.extend(8u32.to_le_bytes());
    tiff.extend(2u16.to_le_bytes());
    let [o0, o1] = orientation.to_le_bytes();
    tiff.extend(entry(0x0112, 3, 1, [o0, o1, 0, 0]));
    tiff.extend(entry(0x8825, 4, 1, GPS_IFD.to_le_bytes()));
    tiff.extend(0u32.to_le_bytes());
    tiff.extend(2u16.to_le_bytes());
    tiff.extend(entry(0x0001, 2, 2, *b"N\0\0\0"));
    tiff.extend(entry(0x0002, 5, 3, GPS_DATA.to_le_bytes()));
    tiff.extend(0u32.to_le_bytes());
    tiff.extend(GPS_LATITUDE);
    tiff
}

/// `jpeg` with an APP1 Exif segment (see [`exif_tiff`]) spliced in right after SOI.
pub fn with_exif(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let payload = [&b"Exif\0\0"[..], &exif_tiff(orientation)].concat();
    with_segment(jpeg, 0xE1, &payload)
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

/// Width, height and RGB pixels of a JPEG; fails unless it decodes as 3-component colour.
pub fn decode(jpeg: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut decoder = jpeg_decoder::Decoder::new(jpeg);
    let pixels = decoder.decode().unwrap();
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

/// A JPEG's segments up to the start of scan, as (marker, payload).
pub fn segments(jpeg: &[u8]) -> Vec<(u8, &[u8])> {
    assert_eq!(&jpeg[..2], [0xFF, 0xD8]);
    let mut found = Vec::new();
    let mut at = 2;
    while at + 4 <= jpeg.len() && jpeg[at] == 0xFF {
        let marker = jpeg[at + 1];
        let end = at + 2 + usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
        found.push((marker, &jpeg[at + 4..end]));
        if marker == 0xDA {
            break;
        }
        at = end;
    }
    found
}

/// Number of colour components in a JPEG's (baseline) frame header.
pub fn components(jpeg: &[u8]) -> u8 {
    let (_, sof) = segments(jpeg)
        .into_iter()
        .find(|(m, _)| *m == 0xC0)
        .unwrap();
    sof[5]
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A PNG chunk with its CRC (bitwise CRC-32, plenty for a test).
pub fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
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
