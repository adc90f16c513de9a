//! A direct reader for plain `.xlsx` files, the common case at national scale.
//!
//! calamine opens an xlsx by reading its whole style palette (fonts, fills, borders, theme
//! colours) and streams each sheet through a buffered XML reader. A form needs none of the
//! palette, only which styles are dates; and a sheet part, inflated once, can be parsed in
//! place without copying. This reader does just that, and it gives the same values as
//! calamine: the same [`DataRef`]s, the same shared-string, date-format and formula rules.
//!
//! It reads a plain subset and steps aside on anything else ([`Unsupported`]): cells
//! without a reference, Excel's `_xHHHH_` escapes, CDATA, sheets that are neither
//! worksheets nor chart or dialog sheets (those two hold no cells and are listed as such),
//! parts named otherwise, malformed XML. The caller then reads the same file with calamine, so an
//! unusual or broken file gets exactly calamine's reading and calamine's error. Tests read
//! every fixture both ways and compare them cell by cell.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use calamine::{CellErrorType, DataRef, ExcelDateTime, ExcelDateTimeType};

use crate::text::legacy::Legacy;

mod cells;
mod parts;
mod xml;

use cells::*;
use parts::*;
use xml::*;

/// Why the direct reader stepped aside; logged at debug level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsupported(pub &'static str);

/// How a cell's failure to be read ends: stepping aside, or an error of the caller's.
#[derive(Debug)]
pub enum Stop<E> {
    Unsupported(Unsupported),
    Caller(E),
}

impl<E> From<Unsupported> for Stop<E> {
    fn from(u: Unsupported) -> Self {
        Stop::Unsupported(u)
    }
}

/// What a cell's style tells beyond calamine's reading: a percentage format, a legacy font.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CellStyle {
    pub percent: bool,
    pub legacy: Option<Legacy>,
}

/// The cell styles of a workbook, by style index.
#[derive(Clone, Copy)]
pub(super) struct Styles<'a> {
    formats: &'a [Format],
    legacy: &'a [Option<Legacy>],
}

/// The date kind of a cell style, by calamine's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    Other,
    DateTime,
    TimeDelta,
    /// A number shown as a percentage (`0%`, `0.00%`): read as the number, and told to the
    /// caller.
    Percent,
}

pub struct DirectXlsx {
    zip: zip::ZipArchive<Cursor<Vec<u8>>>,
    pub sheet_names: Vec<String>,
    /// Whether each sheet is hidden, in `sheet_names` order.
    pub sheet_hidden: Vec<bool>,
    /// Each sheet's part, in `sheet_names` order; `None` for a sheet that is not a
    /// worksheet (a chart sheet, a dialog sheet), which has no cells to read.
    paths: Vec<Option<String>>,
    strings: Vec<String>,
    formats: Vec<Format>,
    /// Each cell style's legacy font encoding, by style index.
    legacy: Vec<Option<Legacy>>,
    pub is_1904: bool,
    part: Vec<u8>,
    /// The hidden column ranges (0-based, inclusive) of the sheet last read by
    /// [`DirectXlsx::cells`].
    pub hidden_columns: Vec<(u16, u16)>,
}

impl DirectXlsx {
    /// Reads the workbook parts of a zip already checked against the size limits. On
    /// [`Unsupported`] the bytes come back, for calamine.
    pub fn from_zip(mut zip: zip::ZipArchive<Cursor<Vec<u8>>>) -> Result<DirectXlsx, (Vec<u8>, Unsupported)> {
        match read_workbook_parts(&mut zip) {
            Ok(parts) => Ok(DirectXlsx {
                zip,
                sheet_names: parts.names,
                sheet_hidden: parts.hidden,
                paths: parts.paths,
                strings: parts.strings,
                formats: parts.formats,
                legacy: parts.legacy,
                is_1904: parts.is_1904,
                part: Vec::new(),
                hidden_columns: Vec::new(),
            }),
            Err(u) => Err((zip.into_inner().into_inner(), u)),
        }
    }

    /// Gives the bytes back, for calamine.
    pub fn into_bytes(self) -> Vec<u8> {
        self.zip.into_inner().into_inner()
    }

    /// Calls `emit` with each cell of a sheet, in document order, as calamine's
    /// `next_cell_with_formula` gives it: position, value, formula text; and what its style
    /// tells that calamine does not ([`CellStyle`]).
    pub fn cells<E>(
        &mut self,
        name: &str,
        mut emit: impl FnMut(u32, u32, DataRef<'_>, Option<&str>, CellStyle) -> Result<(), E>,
    ) -> Result<(), Stop<E>> {
        let index = self.sheet_names.iter().position(|n| n == name).ok_or(Unsupported("no such sheet"))?;
        let path = self.paths[index].as_deref().ok_or(Unsupported("a sheet that is not a worksheet"))?;
        let mut part = std::mem::take(&mut self.part);
        inflate(&mut self.zip, path, &mut part)?;
        let styles = Styles { formats: &self.formats, legacy: &self.legacy };
        let result = read_cells(&part, &self.strings, styles, self.is_1904, &mut self.hidden_columns, &mut emit);
        self.part = part;
        result
    }

    /// Whether the sheet is a worksheet, a grid of cells (not a chart sheet).
    pub fn is_grid(&self, name: &str) -> bool {
        self.sheet_names.iter().position(|n| n == name).is_some_and(|i| self.paths[i].is_some())
    }
}

pub(super) struct WorkbookParts {
    names: Vec<String>,
    hidden: Vec<bool>,
    paths: Vec<Option<String>>,
    strings: Vec<String>,
    formats: Vec<Format>,
    legacy: Vec<Option<Legacy>>,
    is_1904: bool,
}

fn read_workbook_parts(zip: &mut zip::ZipArchive<Cursor<Vec<u8>>>) -> Result<WorkbookParts, Unsupported> {
    let mut buf = Vec::new();
    inflate(zip, "_rels/.rels", &mut buf)?;
    // The last office document in document order, as calamine takes it.
    let office = relationships(&buf)?
        .into_iter()
        .rev()
        .find(|(_, _, typ)| typ.ends_with("/relationships/officeDocument"))
        .map(|(_, target, _)| target);
    if !matches!(office.as_deref(), Some("xl/workbook.xml" | "/xl/workbook.xml")) {
        return Err(Unsupported("the workbook part is not xl/workbook.xml"));
    }
    inflate(zip, "xl/_rels/workbook.xml.rels", &mut buf)?;
    // A later relationship with the same id replaces an earlier one, as in calamine.
    let rels: HashMap<String, (String, String)> =
        relationships(&buf)?.into_iter().map(|(id, target, typ)| (id, (target, typ))).collect();
    inflate(zip, "xl/workbook.xml", &mut buf)?;
    let SheetEntries { names, ids, hidden, is_1904 } = workbook(&buf)?;
    let mut paths = Vec::with_capacity(ids.len());
    for id in &ids {
        let (target, typ) = rels.get(id).ok_or(Unsupported("a sheet without a relationship"))?;
        if typ.ends_with("/chartsheet") || typ.ends_with("/dialogsheet") {
            paths.push(None);
            continue;
        }
        if !typ.ends_with("/worksheet") {
            return Err(Unsupported("a sheet that is not a worksheet"));
        }
        paths.push(Some(match target.strip_prefix('/') {
            Some(abs) => abs.to_string(),
            None => format!("xl/{target}"),
        }));
    }
    // calamine finds parts ignoring case and taking `\` for `/`: a file whose part names
    // differ from the usual ones, or from each other, only so is left to it.
    let part_names: Vec<String> = zip.file_names().map(|n| n.map(|n| n.to_string()).unwrap_or_default()).collect();
    if part_names.iter().any(|n| n.contains('\\')) {
        return Err(Unsupported("a part name with a backslash"));
    }
    let lower: std::collections::HashSet<String> = part_names.iter().map(|n| n.to_ascii_lowercase()).collect();
    if lower.len() != zip.len() {
        return Err(Unsupported("part names that differ only in case"));
    }
    let mut optional = |name: &str, buf: &mut Vec<u8>| -> Result<bool, Unsupported> {
        if zip.index_for_name(name).is_some() {
            inflate(zip, name, buf)?;
            Ok(true)
        } else if lower.contains(&name.to_ascii_lowercase()) {
            Err(Unsupported("a part named in another case"))
        } else {
            Ok(false)
        }
    };
    let strings = if optional("xl/sharedStrings.xml", &mut buf)? { shared_strings(&buf)? } else { Vec::new() };
    let (formats, legacy) =
        if optional("xl/styles.xml", &mut buf)? { cell_formats(&buf)? } else { (Vec::new(), Vec::new()) };
    Ok(WorkbookParts { names, hidden, paths, strings, formats, legacy, is_1904 })
}

/// Inflates one part into `buf`, no further than its declared size.
fn inflate(zip: &mut zip::ZipArchive<Cursor<Vec<u8>>>, name: &str, buf: &mut Vec<u8>) -> Result<(), Unsupported> {
    let f = zip.by_name(name).map_err(|_| Unsupported("a part is missing or named otherwise"))?;
    let size = f.size();
    buf.clear();
    buf.reserve(usize::try_from(size).unwrap_or(0));
    let n = f.take(size.saturating_add(1)).read_to_end(buf).map_err(|_| Unsupported("a part does not inflate"))?;
    if n as u64 != size {
        return Err(Unsupported("a part's size is not the declared one"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether the direct reader reads a sheet part without stepping aside.
    fn reads(xml: &str) -> bool {
        let styles = Styles { formats: &[], legacy: &[] };
        read_cells::<()>(xml.as_bytes(), &[], styles, false, &mut Vec::new(), &mut |_, _, _, _, _| Ok(())).is_ok()
    }

    #[test]
    fn cell_references_are_read_in_plain_a1_notation_only() {
        assert_eq!(cell_ref(b"A1"), Some((0, 0)));
        assert_eq!(cell_ref(b"AB12"), Some((11, 27)));
        assert_eq!(cell_ref(b"XFD1048576"), Some((1_048_575, 16_383)));
        for odd in [&b"a1"[..], b"A0", b"A", b"1", b"XFE1", b"A1048577", b"$A$1", b"A1 "] {
            assert_eq!(cell_ref(odd), None, "{}", String::from_utf8_lossy(odd));
        }
    }

    #[test]
    fn numbers_are_plain_decimals_only() {
        assert_eq!(number("12"), Some(12.0));
        assert_eq!(number("-3.5"), Some(-3.5));
        assert_eq!(number("1.2E-3"), Some(0.0012));
        assert_eq!(number(".5"), Some(0.5));
        for odd in ["", "-", ".", "1e", "inf", "NaN", "+1", "1,5", " 1", "0x10"] {
            assert_eq!(number(odd), None, "{odd}");
        }
    }

    #[test]
    fn legacy_fonts_are_told_by_name_and_reach_their_cell_styles() {
        assert_eq!(legacy_font(".VnTime"), Some(Legacy::Tcvn3));
        assert_eq!(legacy_font(".VnTimeH"), Some(Legacy::Tcvn3));
        assert_eq!(legacy_font("VNI-Times"), Some(Legacy::Vni));
        assert_eq!(legacy_font("Times New Roman"), None);
        assert_eq!(legacy_font("Arial"), None);
        let styles = br#"<styleSheet><fonts count="3"><font><sz val="11"/><name val="Arial"/></font><font><name val=".VnTime"/></font><font><b/><name val="VNI-Times"/></font></fonts><cellXfs><xf numFmtId="0" fontId="0"/><xf numFmtId="0" fontId="1"/><xf numFmtId="9" fontId="2"/><xf numFmtId="0"/></cellXfs></styleSheet>"#;
        let (formats, legacy) = cell_formats(styles).unwrap();
        assert_eq!(legacy, [None, Some(Legacy::Tcvn3), Some(Legacy::Vni), None]);
        assert_eq!(formats[2], Format::Percent);
    }

    #[test]
    fn date_formats_are_told_as_calamine_tells_them() {
        assert_eq!(custom_format("dd/mm/yyyy"), Format::DateTime);
        assert_eq!(custom_format("[h]:mm:ss"), Format::TimeDelta);
        assert_eq!(custom_format("#,##0"), Format::Other);
        assert_eq!(custom_format("\"ngày\" 0"), Format::Other);
        assert_eq!(custom_format("0;[Red]-0"), Format::Other);
        assert_eq!(builtin_format("14"), Format::DateTime);
        assert_eq!(builtin_format("3"), Format::Other);
    }

    #[test]
    fn rich_strings_join_their_runs_and_leave_phonetic_runs_out() {
        let xml_text =
            br#"<sst><si><r><t>Qu</t></r><r><t xml:space="preserve">&#7853;n </t></r><rPh><t>x</t></rPh></si><si/><si><t> a&amp;b </t></si></sst>"#;
        assert_eq!(shared_strings(xml_text).unwrap(), vec!["Quận ".to_string(), String::new(), "a&b".to_string()]);
    }

    /// Each found by the XML mutation test (tests/direct.rs), where calamine's reader
    /// refuses what a laxer scan would read.
    #[test]
    fn markup_calamine_refuses_makes_the_reader_step_aside() {
        for bad in [
            &br#"<?>xml?><sst><si><t>a</t></si></sst>"#[..],
            br#"<sst><"si a="1"><t>a</t></si></sst>"#,
            br#"<sst><si><t>a</t></sst>"#,
            br#"<sst><si><t>a</t></si>"#,
            br#"<sst><si x="1"y="2"><t>a</t></si></sst>"#,
            br#"<sst><si><t a="1" a="2">a</t></si></sst>"#,
            br#"<sst><si><t>a & b</t></si></sst>"#,
            b"<sst><si><t>\xFF</t></si></sst>",
        ] {
            assert!(shared_strings(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        assert_eq!(workbook(br#"<workbook/><sheets><sheet name="A" r:id="rId1"/></sheets>"#).unwrap().names.len(), 0);
        let sheet = |data: &str| reads(&format!("<worksheet><sheetData>{data}</sheetData></worksheet>"));
        assert!(sheet(r#"<row r="1"><c r="A1"><v>1</v></c></row>"#));
        assert!(!sheet(r#"<row r="0"><c r="A1"><v>1</v></c></row>"#));
        assert!(!sheet(r#"<row r="1"><c r="A1"><v/=>1</v></c></row>"#));
        assert!(!sheet("<row r=\"1\"><c r=\"A1\"><v>1</v\x0C></c></row>"));
        assert!(!sheet(r#"<row r="1"><c r="A1"><v>1</v></c><c r="A1" r="B1"><v>1</v></c></row>"#));
    }

    /// Each found by reading calamine's code against this reader's.
    #[test]
    fn what_calamine_refuses_or_reads_otherwise_makes_the_reader_step_aside() {
        for bad in [
            &br#"<sst><si><t>&#+65;</t></si></sst>"#[..],
            br#"<sst><si><t>a</t></si><sst/><si><t>b</t></si></sst>"#,
            br#"<sst><si><si/><t>a</t></si></sst>"#,
            br#"<sst><si><x:si></x:si><t>a</t></si></sst>"#,
        ] {
            assert!(shared_strings(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        let sheet = |data: &str, dimension: &str| {
            reads(&format!(r#"<worksheet><dimension ref="{dimension}"/><sheetData>{data}</sheetData></worksheet>"#))
        };
        assert!(sheet(r#"<row r="2"><c r="A2"><f t="shared" si="0"/><v>3</v></c></row>"#, "A1:B2"));
        assert!(!sheet(r#"<row r="2"><c r="A2"><f t="shared"/><v>3</v></c></row>"#, "A1:B2"));
        assert!(!sheet(r#"<row r="2"><c r="A2"><f t="shared" si="x" ref="A1:A3">A1</f><v>3</v></c></row>"#, "A1"));
        assert!(!sheet(r#"<row r="2"><c r="A2"><f t="shared" si="0" ref="bad">A1</f><v>3</v></c></row>"#, "A1"));
        assert!(!sheet(r#"<row r="1"><c r="A1"><v>1</v></c></row>"#, "A1:B2:C3"));
        assert!(!sheet(r#"<row r="1"><x:y:c r="A1"><v>5</v></x:y:c></row>"#, "A1"));
        assert!(!sheet(r#"<row r="1"><c r="A1"><v>1</v></c><sheetData/><c r="B1"><v>2</v></c></row>"#, "A1"));
        assert!(
            cell_formats(br#"<styleSheet><cellXfs><xf numFmtId="0"><xf numFmtId="14"/></xf></cellXfs></styleSheet>"#)
                .is_err()
        );
        let brackets = format!(
            r#"<styleSheet><numFmts><numFmt numFmtId="164" formatCode="{}0"/></numFmts><cellXfs><xf numFmtId="164"/></cellXfs></styleSheet>"#,
            "[".repeat(255)
        );
        assert!(cell_formats(brackets.as_bytes()).is_err());
        assert!(relationships(br#"<Relationships><Relationship Type="t" Target="x"/></Relationships>"#).is_err());
    }

    #[test]
    fn excel_escapes_and_cdata_make_the_reader_step_aside() {
        assert!(shared_strings(b"<sst><si><t>a_x000D_b</t></si></sst>").is_err());
        assert!(shared_strings(b"<sst><si><t><![CDATA[x]]></t></si></sst>").is_err());
        assert!(shared_strings(b"<sst><si><t>&nbsp;</t></si></sst>").is_err());
    }
}
