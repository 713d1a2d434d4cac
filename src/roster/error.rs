//! Errors of roster reading. Their `Display` is shown to admins as is, so it is in
//! Simplified Chinese and says what to do.

use std::fmt::Write as _;

use crate::domain::roster::Column;

/// The whole file cannot be imported.
#[derive(Debug, thiserror::Error)]
pub enum RosterError {
    #[error("无法读取文件（{}）。请确认文件存在、没有被其他程序占用，然后重试。", io_reason(.0))]
    Io(#[from] std::io::Error),

    #[error("文件是空的。请选择从报名系统导出的考生名单文件后重新上传。")]
    Empty,

    /// Legacy `.xls` is refused on purpose: calamine's `Xls` reader parses every sheet at
    /// open and sizes its memory from the file's own records (it reserves what a sheet's
    /// DIMENSIONS record claims, fills the whole grid between the outermost cells, and copies
    /// a shared string into every cell that names it), so a file of a few KB can demand
    /// gigabytes or abort the process. Bounding that would take a BIFF and compound-file
    /// parser of our own; saving as .xlsx takes the office ten seconds.
    #[error(
        "这是旧版 Excel（.xls，Excel 97–2003）文件，或设置了打开密码的 Excel 文件。\
         系统不读取 .xls：这种旧格式可以让一个很小的文件在读取时占用数 GB 内存，无法在服务器上\
         安全地打开。请用 Excel 或 WPS 打开它（如有密码请先去掉），“另存为” Excel 工作簿\
         （.xlsx）或 CSV（逗号分隔）文件后重新上传。"
    )]
    OldExcel,

    #[error("无法识别这个文件（{0}）。请上传 Excel 工作簿（.xlsx）或 CSV 文件。")]
    Unsupported(&'static str),

    #[error(
        "Excel 文件无法打开，可能已损坏或不是 .xlsx 文件（{0}）。\
         请用 Excel 打开它，重新“另存为” Excel 工作簿（.xlsx）后上传。"
    )]
    CorruptXlsx(String),

    #[error(
        "名单文件解压后超过 {limit_mb} MB（{what}），系统不读取这样的文件，以免服务器内存耗尽；\
         20 万人的名单解压后不到 200 MB。请确认选的是从报名系统导出的名单。名单确实这么大时，\
         请分成几个文件分别导入，或在 Excel 中另存为 CSV（逗号分隔）文件后导入。"
    )]
    Inflated {
        /// Which part of the file, in Chinese (“其中的文字表 xl/sharedStrings.xml”).
        what: String,
        limit_mb: u64,
    },

    #[error(
        "Excel 文件的内部结构异常（{0}），系统不读取这样的文件。请用 Excel 打开它，\
         重新“另存为” Excel 工作簿（.xlsx）后上传；名单很大时也可以另存为 CSV 文件导入。"
    )]
    Malformed(String),

    #[error(
        "文件里没有找到表头。第一个非空行应当是列名，例如：报名号、身份证号、姓名。\
         请检查是否选错了文件或工作表（系统只读取第一个工作表）。"
    )]
    NoHeader,

    #[error("第 {row} 行（表头）无法读取：{message}")]
    HeaderUnreadable { row: u64, message: String },

    #[error("{}", missing_message(*.header_row, missing, found))]
    MissingColumns {
        /// The spreadsheet row the header was read from (1-based).
        header_row: u64,
        missing: Vec<Column>,
        /// The non-empty headers of that row, as written.
        found: Vec<String>,
    },

    #[error("{}", duplicate_message(*.header_row, duplicates))]
    DuplicateColumns {
        header_row: u64,
        /// Each column named more than once, with every header that names it.
        duplicates: Vec<(Column, Vec<String>)>,
    },
}

/// One row that cannot be read; the rows around it still are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("第 {row} 行：{message}")]
pub struct RowError {
    /// The spreadsheet row number as the admin sees it (1-based).
    pub row: u64,
    /// What is wrong and what to do, in Chinese.
    pub message: String,
}

fn missing_message(header_row: u64, missing: &[Column], found: &[String]) -> String {
    let mut s = format!("第 {header_row} 行的表头缺少必填列：");
    for (i, column) in missing.iter().enumerate() {
        if i > 0 {
            s.push('；');
        }
        let _ = write!(
            s,
            "“{}”（可写作：{}）",
            column.label(),
            column.synonyms().join("、")
        );
    }
    s.push('。');
    if found.is_empty() {
        s.push_str("这一行没有列名。");
    } else {
        let _ = write!(s, "现有的列是：{}。", found.join("、"));
    }
    s.push_str("请在表头中补上这些列（或把列名改成上面的写法）后重新上传。");
    s
}

fn duplicate_message(header_row: u64, duplicates: &[(Column, Vec<String>)]) -> String {
    let mut s = format!("第 {header_row} 行的表头中，");
    for (i, (column, headers)) in duplicates.iter().enumerate() {
        if i > 0 {
            s.push('；');
        }
        let quoted: Vec<String> = headers.iter().map(|h| format!("“{h}”")).collect();
        let _ = write!(s, "{}都表示“{}”", quoted.join("和"), column.label());
    }
    s.push_str("，系统不知道该用哪一列。请删除多余的列，或把它改成别的列名，然后重新上传。");
    s
}

fn io_reason(e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::NotFound => "找不到这个文件".to_string(),
        ErrorKind::PermissionDenied => "没有读取权限".to_string(),
        ErrorKind::IsADirectory => "这是一个文件夹，不是文件".to_string(),
        _ => format!("技术信息：{e}"),
    }
}
