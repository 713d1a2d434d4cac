//! The XLSX part scanner against small hand-written XML, fed in pieces of every size.

use super::xml_scan::Scan;

fn scan_in_pieces(xml: &[u8], piece: usize) -> Scan {
    let mut scan = Scan::default();
    for chunk in xml.chunks(piece) {
        scan.feed(chunk);
    }
    scan
}

#[test]
fn counts_strings_text_and_unique_count_across_any_chunking() {
    let xml = br#"<?xml version="1.0"?><sst xmlns="x" count="3" uniqueCount = "3"><si><t>ab</t></si><x:si><x:t xml:space="preserve">cde</x:t></x:si><si/></sst>"#;
    for piece in [1, 2, 3, 7, xml.len()] {
        let scan = scan_in_pieces(xml, piece);
        assert_eq!(scan.strings, 3, "piece {piece}");
        assert_eq!(scan.elements, 6, "sst, 3 × si, t, x:t");
        assert_eq!(scan.unique_count, 3);
        assert_eq!(scan.text, 5);
        assert_eq!(scan.longest_leaf, 8, "`cde</x:t`, up to its `>`");
        assert_eq!(scan.bytes, xml.len() as u64);
    }
}

#[test]
fn a_leaf_with_stray_tags_inside_is_measured_whole() {
    // calamine keeps reading a <t> through tags it does not know, up to `</t>`.
    let mut xml = b"<si><t>".to_vec();
    for _ in 0..1000 {
        xml.extend_from_slice(b"aaaa<b/></v><t>");
    }
    xml.extend_from_slice(b"</t></si>");
    let scan = scan_in_pieces(&xml, 4096);
    assert!(scan.longest_leaf >= 15_000, "{scan:?}");
    assert_eq!(scan.longest_run, 4);
}

#[test]
fn a_huge_unique_count_is_read() {
    let scan = scan_in_pieces(br#"<sst uniqueCount="99999999999999999999999">"#, 5);
    assert_eq!(scan.unique_count, u64::MAX);
    let scan = scan_in_pieces(b"<x:sst\nuniqueCount='12'/>", 1);
    assert_eq!(scan.unique_count, 12);
}

#[test]
fn cdata_and_comments_are_one_event_and_cdata_is_text() {
    let mut xml = b"<si><t><![CDATA[".to_vec();
    xml.extend(b"<a></t>]]".repeat(1000));
    xml.extend_from_slice(b"]]></t></si><!-- <si> -> --->");
    let scan = scan_in_pieces(&xml, 5);
    assert!((9000..9010).contains(&scan.text), "{scan:?}");
    assert!(scan.longest_run >= 9000, "{scan:?}");
    assert!(scan.longest_leaf >= 9000, "{scan:?}");
    assert_eq!(scan.strings, 1, "the comment is not read");
    assert!(!scan.declaration);
    assert!(scan_in_pieces(b"<!DOCTYPE x [<!ENTITY a 'b'>]><x/>", 3).declaration);
}

#[test]
fn long_runs_are_seen() {
    let mut xml = b"<c><v>".to_vec();
    xml.extend(std::iter::repeat_n(b'7', 100_000));
    xml.extend_from_slice(b"</v></c>");
    let scan = scan_in_pieces(&xml, 1000);
    assert_eq!(scan.longest_run, 100_000);
    assert_eq!(scan.text, 100_000);
}
