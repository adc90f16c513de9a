//! The direct xlsx reader against calamine, cell by cell: every xlsx fixture, the demo set,
//! forms edited to hold every kind of cell, and mutated sheet XML. Where the direct reader
//! reads a file, calamine must read the very same cells; where it steps aside, calamine
//! reads the file (and the reading is then calamine's by construction).

#![allow(clippy::unwrap_used)]

use std::path::Path;

use proptest::prelude::*;
use tonghop::config::Limits;
use tonghop::ingest::workbook::{OpenError, Sheet, Workbook};

fn limits() -> Limits {
    Limits {
        max_file_bytes: 20 << 20,
        max_uncompressed_bytes: 100 << 20,
        max_compression_ratio: 100,
        max_cells_per_sheet: 1_000_000,
    }
}

/// Every sheet of a workbook as read, and the reader that read them.
#[derive(Debug, PartialEq)]
struct Reading {
    names: Vec<String>,
    is_1904: bool,
    sheets: Vec<Result<Sheet, OpenError>>,
}

fn read(bytes: &[u8], calamine_only: bool) -> (Result<Reading, OpenError>, &'static str) {
    let opened = if calamine_only {
        Workbook::open_with_calamine(bytes.to_vec(), &limits())
    } else {
        Workbook::open(bytes.to_vec(), &limits())
    };
    let mut wb = match opened {
        Ok(wb) => wb,
        Err(e) => return (Err(e), "none"),
    };
    // Chart sheets have no cells: neither reader is asked for them.
    let names: Vec<String> =
        wb.sheet_names.iter().zip(&wb.sheet_grid).filter(|(_, grid)| **grid).map(|(n, _)| n.clone()).collect();
    let sheets = names.iter().map(|n| wb.sheet(n).map(|s| s.as_calamine_reads())).collect();
    let reader = wb.reader();
    (Ok(Reading { names, is_1904: wb.is_1904, sheets }), reader)
}

/// Reads both ways, asserts the same cells, and tells which reader the direct way ended on.
fn same_both_ways(what: &str, bytes: &[u8]) -> &'static str {
    let (direct, reader) = read(bytes, false);
    let (reference, _) = read(bytes, true);
    assert_eq!(direct, reference, "{what}: the direct reader and calamine differ");
    reader
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)).unwrap()
}

#[test]
fn fixtures_and_the_demo_set_read_the_same_both_ways() {
    for name in ["005_libreoffice.xlsx", "005_1904.xlsx", "005_no_cached_value.xlsx", "005_encrypted.xlsx"] {
        same_both_ways(name, &fixture(name));
    }
    // The LibreOffice file is read directly, not left to calamine.
    assert_eq!(same_both_ways("libreoffice", &fixture("005_libreoffice.xlsx")), "direct");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("inputs/2023-THD");
    let mut direct = 0;
    let mut files: Vec<_> = std::fs::read_dir(&demo).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    for path in &files {
        if path.extension().is_some_and(|e| e == "xlsx") {
            let reader = same_both_ways(&path.display().to_string(), &std::fs::read(path).unwrap());
            direct += usize::from(reader == "direct");
        }
    }
    // All but the demo's deliberately broken files are read directly.
    assert!(direct >= 45, "only {direct} demo files were read directly");
}

/// A district form with `row` put before `</sheetData>` of its BaoCao sheet, and optional
/// shared-string edits.
fn form_with(row: &str, strings: impl Fn(String) -> String) -> Vec<u8> {
    let bytes = crate::common::Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]).bytes();
    let bytes = crate::common::edit_part(bytes, "xl/worksheets/sheet1.xml", |x| {
        x.replace("</sheetData>", &format!("{row}</sheetData>"))
    });
    crate::common::edit_part(bytes, "xl/sharedStrings.xml", strings)
}

#[test]
fn every_kind_of_cell_reads_the_same_both_ways_without_falling_back() {
    let bytes = crate::common::Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]).bytes();
    // Every style the form has, dates included, on a number.
    let styles = crate::common::part_text(&bytes, "xl/styles.xml").matches("<xf ").count();
    let styled: String = (0..styles).map(|s| format!(r#"<c r="{}300" s="{s}"><v>45278.25</v></c>"#, col(s))).collect();
    let row = format!(
        r#"<row r="300">{styled}</row><row r="301" spans="1:9"><c r="A301" t="str"><f>"a"&amp;"b"</f><v>a&amp;b &lt;x&gt;</v></c><c r="B301" t="b"><v>1</v></c><c r="C301" t="b"><v>0</v></c><c r="D301" t="e"><v>#DIV/0!</v></c><c r="E301" t="d"><v>2023-12-18T00:00:00</v></c><c r="F301" t="inlineStr"><is><r><t>Quận </t></r><r><t xml:space="preserve"> Ba Đình </t></r></is></c><c r="G301"><f>SUM(A1:A2)</f></c><c r="H301"><f t="shared" ref="H301:I301" si="0">A1*2</f><v>6</v></c><c r="I301"><f t="shared" si="0"/><v>8</v></c><c r="M301" s="0"/><c r="J301"><v>-1.5E-3</v></c><!-- a comment --><c r="K301" t="s"><v>0</v></c><c r="L301" t="n"><v></v></c></row>"#
    );
    let rich = |x: String| {
        x.replacen(
            "<si>",
            r#"<si><r><rPr><b/></rPr><t>Đầu&#32;</t></r><r><t xml:space="preserve">  giữa  </t></r><rPh sb="0" eb="1"><t>ふりがな</t></rPh><phoneticPr fontId="1"/></si><si><t/></si><si/><si>"#,
            1,
        )
    };
    let edited = form_with(&row, rich);
    assert_eq!(same_both_ways("every kind of cell", &edited), "direct");
    // And the cells are there: the formula without a value, the rich string.
    let mut wb = Workbook::open(edited, &limits()).unwrap();
    let sheet = wb.sheet("BaoCao").unwrap();
    assert!(
        matches!(sheet.get(300, 6), Some(tonghop::ingest::workbook::Cell::FormulaWithoutValue(f)) if f == "SUM(A1:A2)")
    );
    assert_eq!(sheet.get(300, 5).and_then(|c| c.text()), Some("Quận Ba Đình "));
    assert_eq!(sheet.get(300, 10).and_then(|c| c.text()), Some("Đầu  giữa  "));
}

fn col(i: usize) -> String {
    let letters = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    if i < 26 { (letters[i] as char).to_string() } else { format!("A{}", letters[i - 26] as char) }
}

#[test]
fn what_the_direct_reader_does_not_read_is_left_to_calamine_with_the_same_result() {
    let cases: [(&str, Vec<u8>); 7] = [
        ("an Excel escape", form_with("", |x| x.replacen("<t>", "<t>Dòng_x000D_", 1))),
        ("a cell without a reference", form_with(r#"<row r="300"><c><v>1</v></c></row>"#, |x| x)),
        ("a derived shared formula", form_with(r#"<row r="300"><c r="A300"><f t="shared" si="3"/></c></row>"#, |x| x)),
        (
            "CDATA",
            form_with(r#"<row r="300"><c r="A300" t="inlineStr"><is><t><![CDATA[x]]></t></is></c></row>"#, |x| x),
        ),
        ("a bad row number", form_with(r#"<row r="x"><c r="A300"><v>1</v></c></row>"#, |x| x)),
        ("row zero", form_with(r#"<row r="0"><c r="A300"><v>1</v></c></row>"#, |x| x)),
        ("an unknown entity", form_with(r#"<row r="300"><c r="A300" t="str"><v>&nbsp;</v></c></row>"#, |x| x)),
    ];
    for (what, bytes) in cases {
        assert_eq!(same_both_ways(what, &bytes), "calamine", "{what}");
    }
}

/// A byte of XML's own alphabet, or any byte.
fn xml_byte() -> impl Strategy<Value = u8> {
    prop_oneof![proptest::sample::select(b"<>/=\"'&;#x_ \r\n:tvcfsr0123456789AZ".to_vec()), any::<u8>(),]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// Mutated sheet and shared-string XML: whenever the direct reader reads the file, calamine
    /// reads the same cells.
    #[test]
    fn mutated_xml_read_directly_reads_as_calamine_reads_it(
        part in proptest::sample::select(vec![
            "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/styles.xml", "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels", "_rels/.rels",
        ]),
        edits in proptest::collection::vec((any::<proptest::sample::Index>(), 0usize..4, proptest::collection::vec(xml_byte(), 0..4)), 1..4),
    ) {
        let bytes = crate::common::Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]).bytes();
        let bytes = crate::common::edit_part_bytes(bytes, part, |mut x| {
            for (at, delete, insert) in &edits {
                let i = at.index(x.len() + 1);
                let end = (i + delete).min(x.len());
                x.splice(i..end, insert.iter().copied());
            }
            x
        });
        let (direct, reader) = read(&bytes, false);
        if reader == "direct" && direct.is_ok() {
            let (reference, _) = read(&bytes, true);
            prop_assert_eq!(direct, reference, "{}", crate::common::part_text(&bytes, part));
        }
    }
}

/// An operator reading `-v` learns which file was left to calamine, and why.
#[test]
fn the_log_names_the_file_the_direct_reader_leaves_to_calamine() {
    let w = crate::common::Workdir::new();
    w.write("inputs/2023-THD/001_Ba_Dinh.xlsx", &form_with("", |x| x.replacen("<t>", "<t>Dòng_x000D_", 1)));
    let out = w.run(&["-v"]);
    let log = crate::common::stderr(&out);
    let line = log.lines().find(|l| l.contains("read with calamine")).unwrap_or_default();
    assert!(line.contains("2023-THD/001_Ba_Dinh.xlsx") && line.contains("escape"), "{log}");
}
