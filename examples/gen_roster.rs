//! Writes a synthetic roster CSV for benchmarks: `gen_roster <rows> <file>`.
//! Every ID number is valid and unique; hukou, school and subject vary so that all six
//! categories (and some not-eligible candidates) occur.

use std::io::{BufWriter, Write};

use shenhe::domain::id_number::check_digit;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let rows: u64 = args
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let path = args.next().unwrap_or_else(|| "roster.csv".into());
    let mut out = BufWriter::new(std::fs::File::create(&path)?);
    writeln!(
        out,
        "报名号,身份证号,姓名,电子邮箱,学校,是否在校生,户口所在地,报考学科,手机号"
    )?;
    let hukou = [
        "湖北武汉",
        "湖北省宜昌市",
        "湖北省武汉市洪山区",
        "北京市海淀区",
        "湖北襄阳",
    ];
    let school = ["武汉大学", "清华大学", "华中师范大学", "湖北师范大学"];
    let subject = [
        "小学/语文",
        "初级中学/数学",
        "初级中学/日语",
        "中等职业学校/实习指导",
    ];
    for i in 0..rows {
        // Birth dates walk through 1980–2003; the sequence number makes each ID unique.
        let day = i % 8000;
        let (year, month, dom) = (1980 + day / 336, 1 + (day % 336) / 28, 1 + day % 28);
        let first17 = format!("420102{year:04}{month:02}{dom:02}{:03}", (i / 8000) % 1000);
        let id = format!("{first17}{}", check_digit(&first17).expect("17 digits"));
        let k = i as usize;
        writeln!(
            out,
            "{},{id},考生{i},c{i}@example.com,{},{},{},{},138{:08}",
            2_300_000_000_000 + i,
            school[k % 4],
            if k.is_multiple_of(3) { "是" } else { "否" },
            hukou[k % 5],
            subject[(k / 7) % 4],
            i % 100_000_000,
        )?;
    }
    out.flush()
}
