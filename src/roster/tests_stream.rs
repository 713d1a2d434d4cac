//! CSV rosters that are large or damaged: bounded records, bad bytes, many rows.

use std::io::Read;

use super::tests_csv::{HEADER, read_all, text};
use super::*;
use crate::domain::roster::Column;

#[test]
fn overlong_row_and_unclosed_quote_are_row_errors() {
    let long = "x".repeat(parse::MAX_RECORD_BYTES + 10);
    let csv = format!(
        "{HEADER}\n\
         1,110101199003071234,甲,a@x.cn,\"{long}\n\
         2,110101199003075678,乙,b@x.cn,某校,是,北京,小学/语文\n\
         3,110101199003079999,丙,c@x.cn,\"没有结束的引号,是,北京,小学/语文\n\
         4,110101199003070000,丁,d@x.cn,某校,是,北京,小学/语文\n"
    );
    let rows = read_all(from_bytes(csv.into_bytes()).unwrap());
    assert_eq!(rows.len(), 3, "{rows:?}");
    let err = rows[0].as_ref().unwrap_err();
    assert_eq!(err.row, 2);
    assert!(err.message.contains("超过 64 KB"), "{}", err.message);
    assert_eq!(rows[1].as_ref().unwrap().row, 3);
    assert_eq!(*rows[1].as_ref().unwrap().get(Column::Name), text("乙"));
    let err = rows[2].as_ref().unwrap_err();
    assert_eq!(err.row, 4);
    assert!(err.message.contains("引号"), "{}", err.message);
}

#[test]
fn invalid_bytes_fail_only_their_row_and_only_in_read_columns() {
    // Valid UTF-8 for the first 64 KiB (the sniffed part), then stray GBK bytes.
    let mut csv = format!("{HEADER},备注\n").into_bytes();
    let filler = "1,110101199003071234,甲,a@x.cn,某校,是,北京,小学/语文,\n";
    let mut filler_rows = 0;
    while csv.len() < 70 * 1024 {
        csv.extend_from_slice(filler.as_bytes());
        filler_rows += 1;
    }
    csv.extend_from_slice(b"2,110101199003075678,\xD5\xC5,b@x.cn,x,y,z,w,ok\n");
    csv.extend_from_slice(b"3,110101199003079999,ok,c@x.cn,x,y,z,w,\xD5\xC5\n");
    let roster = from_bytes(csv).unwrap();
    assert_eq!(roster.encoding, Some("UTF-8"));
    let rows = read_all(roster);
    assert_eq!(rows.len(), filler_rows + 2);
    let err = rows[filler_rows].as_ref().unwrap_err();
    assert_eq!(err.row, filler_rows as u64 + 2);
    assert!(
        err.message.starts_with("“姓名”列含有无法识别的字符"),
        "{}",
        err.message
    );
    assert!(rows[filler_rows + 1].is_ok());
}

#[test]
fn invalid_gbk_bytes_fail_their_row() {
    let body = format!("{HEADER}\n1,110101199003071234,张三,a,b,是,c,d\n");
    let mut gbk = encoding_rs::GBK.encode(&body).0.into_owned();
    gbk.extend_from_slice(b"2,110101199003075678,\x81\x20,a,b,c,d,e\n");
    let rows = read_all(from_bytes(gbk).unwrap());
    assert_eq!(*rows[0].as_ref().unwrap().get(Column::Name), text("张三"));
    assert_eq!(rows[1].as_ref().unwrap_err().row, 3);
}

/// A GBK roster of `n` rows generated on the fly, never held in memory as a whole.
struct Generated {
    next: usize,
    n: usize,
    pending: Vec<u8>,
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pending.is_empty() && self.next <= self.n {
            let line = match self.next {
                0 => format!("{HEADER}\r\n"),
                i => format!(
                    "{i},1101011990030{i:05},考生{i},k{i}@x.cn,师范大学,是,北京,小学/语文\r\n"
                ),
            };
            self.pending = encoding_rs::GBK.encode(&line).0.into_owned();
            self.next += 1;
        }
        let n = self.pending.len().min(buf.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        Ok(n)
    }
}

#[test]
fn streams_many_rows() {
    let n = 100_000;
    let source = Generated {
        next: 0,
        n,
        pending: Vec::new(),
    };
    let roster = csv::open(Box::new(source), 0).unwrap();
    let progress = roster.progress();
    let mut count = 0;
    for (i, row) in roster.rows().enumerate() {
        let row = row.unwrap();
        assert_eq!(row.row, i as u64 + 2);
        count += 1;
        if i == n - 1 {
            assert_eq!(*row.get(Column::Name), text(&format!("考生{n}")));
        }
    }
    assert_eq!(count, n);
    assert!(progress.position() > 6_000_000, "{}", progress.position());
}

#[test]
fn utf8_sniff_tolerates_a_character_cut_at_64_kib() {
    let mut csv = format!("{HEADER}\n").into_bytes();
    let row = "1,110101199003071234,甲,a@x.cn,某校,是,北京,小学/语文\n";
    while csv.len() + row.len() < 64 * 1024 {
        csv.extend_from_slice(row.as_bytes());
    }
    // Pad so that the sniffed 64 KiB end one byte into a three-byte character.
    let pad = 64 * 1024 - 1 - csv.len() - "2,3,".len();
    csv.extend_from_slice(format!("2,3,{}", "x".repeat(pad)).as_bytes());
    csv.extend_from_slice("张,a,b,c,d,e\n".as_bytes());
    assert_eq!(&csv[64 * 1024 - 1..64 * 1024 + 2], "张".as_bytes());
    let roster = from_bytes(csv).unwrap();
    assert_eq!(roster.encoding, Some("UTF-8"));
    let rows = read_all(roster);
    let last = rows.last().unwrap().as_ref().unwrap();
    assert_eq!(
        *last.get(Column::Name),
        text(&format!("{}张", "x".repeat(pad)))
    );
}

#[test]
fn classic_mac_line_endings_and_header_only() {
    let csv = format!("{HEADER}\r1,2,甲,a,b,是,c,d\r\r2,3,乙,a,b,是,c,d");
    let rows = read_all(from_bytes(csv.into_bytes()).unwrap());
    let rows: Vec<u64> = rows.into_iter().map(|r| r.unwrap().row).collect();
    assert_eq!(rows, [2, 4]);
    let roster = from_bytes(format!("{HEADER}\r\n").into_bytes()).unwrap();
    assert_eq!(read_all(roster).len(), 0);
}
