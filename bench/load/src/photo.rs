//! A phone-like photo of a document, made once at start: 1600 × 1200, a paper card with a
//! header band, a portrait box and lines of "text", plus sensor noise so that it
//! compresses like a real photo (a flat synthetic image would be unrealistically small).

const W: usize = 1600;
const H: usize = 1200;

/// A JPEG (quality 90) that differs by `seed` in tint, lines and noise.
pub fn document_jpeg(seed: u64) -> Vec<u8> {
    let mut rng = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let tints = [[236u8, 232, 220], [228, 236, 246], [240, 236, 228]];
    let tint = tints[seed as usize % tints.len()];
    let mut pixels = Vec::with_capacity(W * H * 3);
    for y in 0..H {
        for x in 0..W {
            let base: [u8; 3] = if !(80..W - 80).contains(&x) || !(60..H - 60).contains(&y) {
                [70, 62, 55] // the table the card lies on
            } else if y < 200 {
                [29, 78, 216]
            } else if (140..480).contains(&x) && (260..700).contains(&y) {
                [176, 184, 196]
            } else if y >= 260 && (y - 260) % 70 < 24 && x >= 560 {
                let end = 1480 - ((y - 260) / 70 * 131 + seed as usize * 53) % 300;
                if x < end && (x / 26) % 5 != 4 {
                    [60, 64, 72]
                } else {
                    tint
                }
            } else {
                tint
            };
            // A gentle light falloff plus noise of about ±10 levels.
            let shade = ((x + y) / 160) as i32;
            for channel in base {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                let noise = (rng % 21) as i32 - 10;
                pixels.push((i32::from(channel) - shade + noise).clamp(0, 255) as u8);
            }
        }
    }
    let mut bytes = Vec::new();
    jpeg_encoder::Encoder::new(&mut bytes, 90)
        .encode(&pixels, W as u16, H as u16, jpeg_encoder::ColorType::Rgb)
        .expect("a fixed RGB buffer encodes");
    bytes
}
