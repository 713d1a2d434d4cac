//! What an export asks for: the format, the text encoding of a CSV, and which candidates
//! (by status). Parsed once from the words a form, the API or the command line sends.

use crate::domain::status::Status;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

/// The text encoding of a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8 with a byte-order mark, so Excel shows the Chinese.
    Utf8,
    /// GBK, for older tools of the national system.
    Gbk,
}

/// Which candidates an export holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    All,
    /// Every final outcome: approved, returned, rejected.
    Decided,
    /// Submitted and waiting for a (first or second) review.
    Pending,
    One(Status),
}

/// The statuses an admin picks from, with their words.
pub const STATUS_CHOICES: [(&str, &str); 9] = [
    ("all", "全部考生"),
    ("decided", "已出审核结果（通过、退回、不通过）"),
    ("approved", "审核通过"),
    ("returned", "退回修改"),
    ("rejected", "审核不通过"),
    ("pending", "待审核（含复核中）"),
    ("submitted", "已提交待审核"),
    ("in_review", "复核中"),
    ("draft", "未提交"),
];

/// A whole export request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportOptions {
    pub format: ExportFormat,
    pub encoding: TextEncoding,
    pub status: StatusFilter,
}

impl ExportFormat {
    pub fn parse(text: &str) -> Result<ExportFormat, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "csv" => Ok(ExportFormat::Csv),
            "xlsx" | "excel" => Ok(ExportFormat::Xlsx),
            other => Err(format!("不支持的导出格式“{other}”：请选择 csv 或 xlsx。")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
        }
    }
}

impl TextEncoding {
    pub fn parse(text: &str) -> Result<TextEncoding, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "utf-8" | "utf8" => Ok(TextEncoding::Utf8),
            "gbk" | "gb2312" | "gb18030" => Ok(TextEncoding::Gbk),
            other => Err(format!("不支持的文字编码“{other}”：请选择 utf-8 或 gbk。")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "utf-8",
            TextEncoding::Gbk => "gbk",
        }
    }
}

impl StatusFilter {
    pub fn parse(text: &str) -> Result<StatusFilter, String> {
        let text = text.trim();
        Ok(match text {
            "" | "all" => StatusFilter::All,
            "decided" => StatusFilter::Decided,
            "pending" => StatusFilter::Pending,
            other => StatusFilter::One(Status::parse(other).ok_or_else(|| {
                format!(
                    "不支持的审核状态“{other}”：请选择 all、decided、approved、returned、\
                     rejected、pending、submitted、in_review 或 draft。"
                )
            })?),
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StatusFilter::All => "all",
            StatusFilter::Decided => "decided",
            StatusFilter::Pending => "pending",
            StatusFilter::One(status) => status.as_str(),
        }
    }

    /// The words an admin reads.
    pub fn label(self) -> &'static str {
        let code = self.as_str();
        STATUS_CHOICES
            .iter()
            .find(|(c, _)| *c == code)
            .map_or(code, |(_, label)| label)
    }

    /// The stored statuses this filter keeps; `None`: every one.
    pub fn statuses(self) -> Option<&'static [&'static str]> {
        Some(match self {
            StatusFilter::All => return None,
            StatusFilter::Decided => &["approved", "returned", "rejected"],
            StatusFilter::Pending => &["submitted", "in_review"],
            StatusFilter::One(Status::Draft) => &["draft"],
            StatusFilter::One(Status::Submitted) => &["submitted"],
            StatusFilter::One(Status::InReview) => &["in_review"],
            StatusFilter::One(Status::Approved) => &["approved"],
            StatusFilter::One(Status::Returned) => &["returned"],
            StatusFilter::One(Status::Rejected) => &["rejected"],
        })
    }
}

impl ExportOptions {
    /// From the words of a request; missing ones take the defaults (CSV, UTF-8, all).
    pub fn parse(
        format: Option<&str>,
        encoding: Option<&str>,
        status: Option<&str>,
    ) -> Result<ExportOptions, String> {
        Ok(ExportOptions {
            format: ExportFormat::parse(format.unwrap_or(""))?,
            encoding: TextEncoding::parse(encoding.unwrap_or(""))?,
            status: StatusFilter::parse(status.unwrap_or(""))?,
        })
    }

    pub fn content_type(&self) -> &'static str {
        match (self.format, self.encoding) {
            (ExportFormat::Xlsx, _) => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            (ExportFormat::Csv, TextEncoding::Utf8) => "text/csv; charset=utf-8",
            (ExportFormat::Csv, TextEncoding::Gbk) => "text/csv; charset=gbk",
        }
    }

    /// The file name: `审核结果-<exam>-<status>.csv`, and an ASCII one for old clients.
    pub fn file_names(&self, exam_code: &str) -> (String, String) {
        let code: String = exam_code
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        let extension = self.format.as_str();
        let status = self.status.as_str();
        (
            format!("审核结果-{code}-{}.{extension}", self.status_words()),
            format!("results-{code}-{status}.{extension}"),
        )
    }

    /// A short form of the status for a file name.
    fn status_words(&self) -> &'static str {
        match self.status {
            StatusFilter::All => "全部",
            StatusFilter::Decided => "已出结果",
            StatusFilter::Pending => "待审核",
            StatusFilter::One(status) => status.label(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_csv_in_utf8_of_everyone() {
        let options = ExportOptions::parse(None, None, None).unwrap();
        assert_eq!(options.format, ExportFormat::Csv);
        assert_eq!(options.encoding, TextEncoding::Utf8);
        assert_eq!(options.status.statuses(), None);
    }

    #[test]
    fn unknown_words_are_refused_in_chinese() {
        let error = ExportOptions::parse(Some("pdf"), None, None).unwrap_err();
        assert!(error.contains("csv 或 xlsx"), "{error}");
        assert!(ExportOptions::parse(None, Some("latin1"), None).is_err());
        assert!(ExportOptions::parse(None, None, Some("passed")).is_err());
    }

    #[test]
    fn every_choice_parses_and_keeps_statuses() {
        for (code, _) in STATUS_CHOICES {
            let filter = StatusFilter::parse(code).unwrap();
            assert_eq!(filter.as_str(), code);
        }
        assert_eq!(
            StatusFilter::parse("pending").unwrap().statuses(),
            Some(&["submitted", "in_review"][..])
        );
    }

    #[test]
    fn file_names_keep_ascii_for_old_clients() {
        let options = ExportOptions::parse(Some("xlsx"), None, Some("approved")).unwrap();
        let (name, ascii) = options.file_names("2023H2 武汉");
        assert_eq!(name, "审核结果-2023H2-审核通过.xlsx");
        assert_eq!(ascii, "results-2023H2-approved.xlsx");
    }
}
