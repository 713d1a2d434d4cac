//! Why an upload was refused: a plain Chinese message for the candidate, an HTTP status for
//! the web layer, and the decoder's own error as the source for the log.

use super::Format;

/// A refused upload. `Display` is the message to show the candidate.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// Zero bytes.
    #[error("文件是空的。请重新选择照片上传。")]
    Empty,
    /// More bytes than [`Limits::max_bytes`](super::Limits::max_bytes).
    #[error(
        "文件太大（{}），每个文件不能超过 {}。请直接用手机拍照上传，或压缩后重新上传。",
        megabytes(*bytes),
        megabytes(*max)
    )]
    TooLarge { bytes: usize, max: usize },
    /// Not JPEG, PNG or WebP by its first bytes.
    #[error("{}", found.message())]
    Unsupported { found: OtherFormat },
    /// The header declares more pixels, or a longer edge, than the limits allow. For a
    /// 16-bit PNG, `max_pixels` is the limit that applies to it (half the usual).
    #[error(
        "图片尺寸太大（{width}×{height} 像素）。每张图片最多 {} 万像素、每边最多 {max_edge} 像素，请缩小后重新上传，或直接用手机拍照上传。",
        max_pixels / 10_000
    )]
    TooManyPixels {
        width: u32,
        height: u32,
        max_pixels: u64,
        max_edge: u32,
    },
    /// Corrupt, truncated, or a variant the decoders cannot read; `source` says which.
    #[error("图片无法打开，文件可能已损坏或没有上传完整。请重新拍照或重新选择文件上传。")]
    Unreadable {
        format: Format,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl ImageError {
    /// The HTTP status that fits: 413 too large, 415 not an accepted format, 422 otherwise.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::TooLarge { .. } => 413,
            Self::Unsupported { .. } => 415,
            Self::Empty | Self::TooManyPixels { .. } | Self::Unreadable { .. } => 422,
        }
    }

    pub(super) fn unreadable(
        format: Format,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self::Unreadable {
            format,
            source: source.into(),
        }
    }
}

/// What a refused file looked like, as far as its first bytes tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtherFormat {
    Gif,
    Tiff,
    Bmp,
    /// HEIC/HEIF, the iPhone's default camera format.
    Heic,
    Avif,
    Pdf,
    Svg,
    Html,
    /// Anything else: text, an archive, a truncated header.
    Unknown,
}

const ACCEPTED: &str = "请上传 JPEG、PNG 或 WebP 格式的图片。";

impl OtherFormat {
    fn message(self) -> String {
        let name = match self {
            Self::Heic => {
                return format!(
                    "暂不支持 HEIC 格式的照片（苹果手机默认的拍照格式）。请在手机“设置 → 相机 → 格式”中选择“兼容性最佳”后重新拍照，或对照片截图后上传截图。{ACCEPTED}"
                );
            }
            Self::Pdf => return format!("不支持 PDF 文件。请把材料拍照或截图后上传。{ACCEPTED}"),
            Self::Unknown => return format!("无法识别这个文件的格式。{ACCEPTED}"),
            Self::Gif => "GIF",
            Self::Tiff => "TIFF",
            Self::Bmp => "BMP",
            Self::Avif => "AVIF",
            Self::Svg => "SVG",
            Self::Html => "网页（HTML）",
        };
        format!("不支持 {name} 格式的文件。{ACCEPTED}")
    }
}

/// "20 MB", "23.4 MB": binary megabytes, one decimal when it is not whole.
fn megabytes(bytes: usize) -> String {
    let tenths = (bytes as u64 * 10).div_ceil(1024 * 1024);
    if tenths.is_multiple_of(10) {
        format!("{} MB", tenths / 10)
    } else {
        format!("{}.{} MB", tenths / 10, tenths % 10)
    }
}
