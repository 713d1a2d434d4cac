//! Benchmark helper for `shenhe::imaging` (driven by bench/imaging.sh).
//!
//! `imaging_bench generate <file.jpg>` writes a phone-like 4032×3024 JPEG: textured, noisy
//! content, quality 92, 4:2:0, EXIF orientation 6 with a GPS block.
//! `imaging_bench run <file> [runs] [out-dir]` normalises it `runs` times (default 20) and
//! prints the time per image; with `out-dir` it also writes the photo and thumbnail there.

use std::time::Instant;

use jpeg_encoder::{ColorType, Encoder, SamplingFactor};
use shenhe::imaging::{Limits, normalise};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["generate", path] => generate(path),
        ["run", path, rest @ ..] => {
            let runs = rest.first().map_or(Ok(20), |n| n.parse())?;
            run(path, runs, rest.get(1).copied())
        }
        _ => Err("usage: imaging_bench generate <file.jpg> | run <file> [runs] [out-dir]".into()),
    }
}

fn run(path: &str, runs: usize, out_dir: Option<&str>) -> Result<(), Box<dyn std::error::Error>> {
    let bytes = std::fs::read(path)?;
    let limits = Limits::default();
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        last = Some(normalise(&bytes, &limits)?);
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    let out = last.expect("at least one run");
    times.sort_by(f64::total_cmp);
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    println!(
        "{} runs: median {:.1} ms, mean {:.1} ms, min {:.1} ms per image; photo {}x{} ({} KB), thumb {}x{} ({} KB)",
        times.len(),
        times[times.len() / 2],
        mean,
        times[0],
        out.photo.width,
        out.photo.height,
        out.photo.bytes.len() / 1024,
        out.thumb.width,
        out.thumb.height,
        out.thumb.bytes.len() / 1024,
    );
    if let Some(dir) = out_dir {
        std::fs::create_dir_all(dir)?;
        std::fs::write(format!("{dir}/photo.jpg"), &out.photo.bytes)?;
        std::fs::write(format!("{dir}/thumb.jpg"), &out.thumb.bytes)?;
    }
    Ok(())
}

/// A sheet of paper with lines of "text" on a textured desk, under uneven light, with sensor
/// noise: roughly what a candidate's photo of a certificate compresses like.
fn generate(path: &str) -> Result<(), Box<dyn std::error::Error>> {
    let (width, height) = (4032u32, 3024u32);
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut noise = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 56) as i32 - 128
    };
    let mut pixels = Vec::with_capacity(width as usize * height as usize * 3);
    for y in 0..height {
        for x in 0..width {
            let (fx, fy) = (
                f64::from(x) / f64::from(width),
                f64::from(y) / f64::from(height),
            );
            let light = 0.75 + 0.25 * (fx * 2.0).sin() * (fy * 1.5).cos();
            let on_paper = (500..3500).contains(&x) && (300..2700).contains(&y);
            let base: [f64; 3] = if on_paper {
                // Held sideways (hence orientation 6): lines of text run down the sensor.
                let in_line = (3500 - x) % 60 < 28 && (y * 7 / 50 + x / 60) % 9 != 0;
                let ink = in_line && ((y / 9 + x / 5) % 5 < 3);
                if ink {
                    [40.0, 45.0, 70.0]
                } else {
                    [235.0, 230.0, 215.0]
                }
            } else {
                let grain = ((fx * 90.0 + (fy * 7.0).sin() * 3.0).sin() * 18.0) + 120.0;
                [grain + 30.0, grain, grain - 30.0]
            };
            let n = noise();
            pixels.extend(base.map(|c| (c * light + f64::from(n) / 16.0).clamp(0.0, 255.0) as u8));
        }
    }
    let mut out = Vec::new();
    let mut encoder = Encoder::new(&mut out, 92);
    encoder.set_sampling_factor(SamplingFactor::F_2_2);
    encoder.add_exif_metadata(&exif_orientation_6())?;
    encoder.encode(&pixels, width as u16, height as u16, ColorType::Rgb)?;
    std::fs::write(path, &out)?;
    println!("wrote {path}: {width}x{height}, {} KB", out.len() / 1024);
    Ok(())
}

/// A little-endian TIFF block: IFD0 with Orientation = 6 and a GPS IFD with a latitude.
fn exif_orientation_6() -> Vec<u8> {
    let entry = |tag: u16, kind: u16, count: u32, value: u32| {
        [
            tag.to_le_bytes().as_slice(),
            &kind.to_le_bytes(),
            &count.to_le_bytes(),
            &value.to_le_bytes(),
        ]
        .concat()
    };
    let gps_ifd = 8 + 2 + 24 + 4;
    let gps_data = gps_ifd + 2 + 12 + 4;
    let mut tiff = b"II*\0".to_vec();
    tiff.extend(8u32.to_le_bytes());
    tiff.extend(2u16.to_le_bytes());
    tiff.extend(entry(0x0112, 3, 1, 6));
    tiff.extend(entry(0x8825, 4, 1, gps_ifd));
    tiff.extend(0u32.to_le_bytes());
    tiff.extend(1u16.to_le_bytes());
    tiff.extend(entry(0x0002, 5, 3, gps_data));
    tiff.extend(0u32.to_le_bytes());
    for v in [30u32, 1, 31, 1, 4242, 100] {
        tiff.extend(v.to_le_bytes());
    }
    tiff
}
