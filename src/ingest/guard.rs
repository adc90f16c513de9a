//! Guards against hostile files, run before a reader sees the bytes.
//!
//! The container is told by its magic bytes, not its extension, so a renamed file gets a
//! true reason. A zip's declared sizes and compression ratios are checked, and its large
//! parts inflated once with a cap, before anything else inflates them. Where a reader
//! reserves memory from a count the file declares (xlsx shared strings, the .xls DIMENSIONS
//! record, an .ods sheet's used area), the count is read first and held to the limits: a
//! forged count would abort the process.

use std::io::{BufReader, Cursor, Read};

use crate::config::Limits;

use super::workbook::OpenError;

/// The container a file really is, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Xlsx,
    Xlsb,
    Ods,
    Xls,
}

/// A file's bytes, or the zip archive already opened over them.
pub(super) enum Container {
    Zip(zip::ZipArchive<Cursor<Vec<u8>>>),
    Bytes(Vec<u8>),
}

impl Container {
    pub(super) fn into_bytes(self) -> Vec<u8> {
        match self {
            Container::Zip(zip) => zip.into_inner().into_inner(),
            Container::Bytes(bytes) => bytes,
        }
    }
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// Parts whose compressed size is above this are inflated once, with a cap, before the
/// reader sees them: their declared size could lie. Below it, no part can grow past
/// ~1032 × this (deflate's largest ratio).
const VERIFY_ABOVE_COMPRESSED: u64 = 64 * 1024;
const CFB_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Tells the container from its bytes, and checks a zip's declared sizes.
pub(super) fn sniff(bytes: Vec<u8>, limits: &Limits) -> Result<(Kind, Container), OpenError> {
    if bytes.starts_with(CFB_MAGIC) {
        // An encrypted xlsx is a CFB container with an EncryptionInfo stream.
        let marker: Vec<u8> = "EncryptionInfo".encode_utf16().flat_map(u16::to_le_bytes).collect();
        if bytes.windows(marker.len()).any(|w| w == marker.as_slice()) {
            return Err(OpenError::Encrypted);
        }
        // A compound file is whole sectors after its 512-byte header; a cut one is not.
        let shift =
            u32::from(u16::from_le_bytes([bytes.get(30).copied().unwrap_or(0), bytes.get(31).copied().unwrap_or(0)]));
        let sector = if (7..=16).contains(&shift) { 1usize << shift } else { 0 };
        if bytes.len() < 1024 || sector == 0 || !(bytes.len() - 512).is_multiple_of(sector) {
            return Err(OpenError::Corrupt("tệp .xls bị cắt cụt / a truncated .xls file".into()));
        }
        check_xls_dimensions(&bytes, limits)?;
        return Ok((Kind::Xls, Container::Bytes(bytes)));
    }
    if !bytes.starts_with(ZIP_MAGIC) {
        let why = if bytes.iter().take(512).all(|&b| b == b'\t' || b == b'\n' || b == b'\r' || b >= 0x20) {
            "tệp văn bản / a text file"
        } else {
            "định dạng không xác định / unknown format"
        };
        return Err(OpenError::NotASpreadsheet(why.into()));
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| OpenError::Corrupt(format!("zip: {e}")))?;
    let kind = sniff_zip(&mut zip, limits)?;
    Ok((kind, Container::Zip(zip)))
}

/// Checks a zip's declared and real sizes, and tells which workbook format it holds.
fn sniff_zip(zip: &mut zip::ZipArchive<Cursor<Vec<u8>>>, limits: &Limits) -> Result<Kind, OpenError> {
    let names = check_declared_sizes(zip, limits)?;
    check_inflated_sizes(zip, limits)?;
    let has = |name: &str| names.iter().any(|n| n == name);
    if has("xl/workbook.xml") {
        check_shared_string_counts(zip)?;
        Ok(Kind::Xlsx)
    } else if has("xl/workbook.bin") {
        Ok(Kind::Xlsb)
    } else if has("mimetype") && has("content.xml") {
        let cells = ods_used_area(zip)?;
        if cells > limits.max_cells_per_sheet {
            return Err(OpenError::too_large(
                format!("một trang tính trải trên {cells} ô, vượt mức {} ô", limits.max_cells_per_sheet),
                format!("a sheet spans {cells} cells > {}", limits.max_cells_per_sheet),
            ));
        }
        Ok(Kind::Ods)
    } else {
        Err(OpenError::NotASpreadsheet("tệp nén zip không phải bảng tính / a zip that is not a workbook".into()))
    }
}

/// Holds each part's declared compression ratio and the declared total to the limits;
/// returns the part names.
fn check_declared_sizes(zip: &mut zip::ZipArchive<Cursor<Vec<u8>>>, limits: &Limits) -> Result<Vec<String>, OpenError> {
    let mut total: u64 = 0;
    let mut names = Vec::with_capacity(zip.len());
    for i in 0..zip.len() {
        let f = zip.by_index_raw(i).map_err(|e| OpenError::Corrupt(format!("zip: {e}")))?;
        total = total.saturating_add(f.size());
        let ratio = f.size() / f.compressed_size().max(1);
        if f.size() > 1 << 20 && ratio > limits.max_compression_ratio {
            return Err(OpenError::too_large(
                format!("tỷ lệ nén {ratio}:1, vượt mức {}:1: tệp nén bất thường", limits.max_compression_ratio),
                format!("zip entry compressed {ratio}:1 > {}:1, a decompression bomb", limits.max_compression_ratio),
            ));
        }
        names.push(f.name().map(|n| n.to_string()).unwrap_or_default());
    }
    if total > limits.max_uncompressed_bytes {
        return Err(OpenError::too_large(
            format!("dung lượng giải nén {total} byte, lớn hơn mức {} byte", limits.max_uncompressed_bytes),
            format!("{total} bytes uncompressed > {} bytes", limits.max_uncompressed_bytes),
        ));
    }
    Ok(names)
}

/// Declared sizes can lie: inflates the large parts once, counting, up to the limit.
fn check_inflated_sizes(zip: &mut zip::ZipArchive<Cursor<Vec<u8>>>, limits: &Limits) -> Result<(), OpenError> {
    let mut inflated: u64 = 0;
    for i in 0..zip.len() {
        let big = zip.by_index_raw(i).map(|f| f.compressed_size() > VERIFY_ABOVE_COMPRESSED).unwrap_or(false);
        if !big {
            continue;
        }
        let mut f = zip.by_index(i).map_err(|e| OpenError::Corrupt(format!("zip: {e}")))?;
        let budget = limits.max_uncompressed_bytes.saturating_sub(inflated) + 1;
        let n = std::io::copy(&mut (&mut f).take(budget), &mut std::io::sink())
            .map_err(|e| OpenError::Corrupt(format!("zip: {e}")))?;
        inflated += n;
        if inflated > limits.max_uncompressed_bytes {
            return Err(OpenError::too_large(
                format!(
                    "giải nén ra hơn {} byte, nhiều hơn khai báo: tệp nén bất thường",
                    limits.max_uncompressed_bytes
                ),
                format!(
                    "more than {} bytes uncompressed, more than declared: a decompression bomb",
                    limits.max_uncompressed_bytes
                ),
            ));
        }
    }
    Ok(())
}

/// The reader reserves room for as many shared strings as a part's `uniqueCount` says,
/// before reading any: a forged count aborts the process. Each string takes at least
/// `<si><t/></si>` (13 bytes) of the part, so a count the part's size cannot hold is a lie.
fn check_shared_string_counts(zip: &mut zip::ZipArchive<Cursor<Vec<u8>>>) -> Result<(), OpenError> {
    for i in 0..zip.len() {
        // calamine reads `<workbook dir>/sharedStrings.xml` (its path lookup ignores case).
        let named = zip
            .by_index_raw(i)
            .is_ok_and(|f| f.name().is_ok_and(|n| n.to_ascii_lowercase().ends_with("sharedstrings.xml")));
        if !named {
            continue;
        }
        let Ok(f) = zip.by_index(i) else { continue };
        let size = f.size();
        let mut head = Vec::with_capacity(1024);
        if f.take(1024).read_to_end(&mut head).is_err() {
            continue;
        }
        let head = String::from_utf8_lossy(&head);
        let Some(at) = head.find("<sst") else { continue };
        let Some(count) = head[at..].split("uniqueCount=\"").nth(1).and_then(|r| r.split('"').next()) else {
            continue;
        };
        let n: u64 = count.trim().parse().unwrap_or(u64::MAX);
        if n > size / 13 + 1 {
            return Err(OpenError::Corrupt(format!(
                "bảng chuỗi khai báo {count} chuỗi trong {size} byte / the shared strings claim {count} entries in {size} bytes"
            )));
        }
    }
    Ok(())
}

/// The .xls reader reserves rows × columns cells as a sheet's DIMENSIONS record declares,
/// before reading any: a forged record aborts the process. The records are read from the
/// Workbook stream first and the area held to the cell limit.
fn check_xls_dimensions(bytes: &[u8], limits: &Limits) -> Result<(), OpenError> {
    let corrupt = |e: &dyn std::fmt::Display| OpenError::Corrupt(format!("cfb: {e}"));
    let mut cfb = cfb::CompoundFile::open(Cursor::new(bytes)).map_err(|e| corrupt(&e))?;
    let name = ["/Workbook", "/Book"].into_iter().find(|n| cfb.is_stream(n)).ok_or_else(|| {
        OpenError::NotASpreadsheet("tệp OLE không có bảng tính / an OLE file without a workbook".into())
    })?;
    let mut stream = Vec::new();
    cfb.open_stream(name)
        .map_err(|e| corrupt(&e))?
        .take(limits.max_file_bytes)
        .read_to_end(&mut stream)
        .map_err(|e| corrupt(&e))?;
    let mut at = 0usize;
    while at + 4 <= stream.len() {
        let kind = u16::from_le_bytes([stream[at], stream[at + 1]]);
        let len = usize::from(u16::from_le_bytes([stream[at + 2], stream[at + 3]]));
        let data = &stream[at + 4..(at + 4 + len).min(stream.len())];
        if kind == 0x0200 {
            let area = xls_declared_area(data);
            if area > limits.max_cells_per_sheet {
                return Err(OpenError::too_large(
                    format!("một trang tính khai báo {area} ô, vượt mức {} ô", limits.max_cells_per_sheet),
                    format!("a sheet declares {area} cells > {}", limits.max_cells_per_sheet),
                ));
            }
        }
        at += 4 + len;
    }
    Ok(())
}

/// The number of cells calamine (0.38, `parse_dimensions`) reserves for a DIMENSIONS record,
/// computed as it does, wrapping arithmetic included.
fn xls_declared_area(r: &[u8]) -> u64 {
    let u16_at = |i: usize| u32::from(u16::from_le_bytes([r[i], r[i + 1]]));
    let u32_at = |i: usize| u32::from_le_bytes([r[i], r[i + 1], r[i + 2], r[i + 3]]);
    let (rf, rl, mut cf, cl) = match r.len() {
        10 => (u16_at(0), u16_at(2), u16_at(4), u16_at(6)),
        14 | 16 => (u32_at(0), u32_at(4), u16_at(8), u16_at(10)),
        _ => return 0,
    };
    if 0xFF < cf || cl < cf {
        cf = 0;
    }
    let (end_r, end_c) = if 1 <= rl && 1 <= cl { (rl - 1, cl - 1) } else { (rf, cf) };
    let rows = u64::from(end_r.wrapping_sub(rf).wrapping_add(1));
    let cols = u64::from(end_c.wrapping_sub(cf).wrapping_add(1));
    rows.saturating_mul(cols)
}

/// The largest used area (rows × columns up to the last non-empty cell) of any sheet of an
/// ODS file, from `content.xml`'s repeat attributes, without expanding anything: the reader
/// allocates that area, so it must be known before.
fn ods_used_area(zip: &mut zip::ZipArchive<Cursor<Vec<u8>>>) -> Result<u64, OpenError> {
    use quick_xml::events::Event;
    let corrupt = |e: &dyn std::fmt::Display| OpenError::Corrupt(format!("content.xml: {e}"));
    let file = zip.by_name("content.xml").map_err(|e| corrupt(&e))?;
    let mut reader = quick_xml::Reader::from_reader(BufReader::new(file));
    let mut buf = Vec::new();
    let repeat = |e: &quick_xml::events::BytesStart<'_>, name: &str| -> u64 {
        e.attributes().flatten().find(|a| a.key.as_ref() == name).and_then(|a| a.value.trim().parse().ok()).unwrap_or(1)
    };
    let (mut row, mut col, mut row_repeat) = (0u64, 0u64, 1u64);
    let (mut max_row, mut max_col, mut worst) = (0u64, 0u64, 0u64);
    let mut row_has_value = false;
    loop {
        match reader.read_event_into(&mut buf).map_err(|e| corrupt(&e))? {
            Event::Start(e) if e.name().as_ref() == "table:table" => {
                (row, max_row, max_col) = (0, 0, 0);
            }
            Event::End(e) if e.name().as_ref() == "table:table" => {
                worst = worst.max(max_row.saturating_mul(max_col));
            }
            Event::Start(e) if e.name().as_ref() == "table:table-row" => {
                row_repeat = repeat(&e, "table:number-rows-repeated");
                col = 0;
                row_has_value = false;
            }
            Event::Empty(e) if e.name().as_ref() == "table:table-row" => {
                row = row.saturating_add(repeat(&e, "table:number-rows-repeated"));
            }
            Event::End(e) if e.name().as_ref() == "table:table-row" => {
                row = row.saturating_add(row_repeat);
                if row_has_value {
                    max_row = row;
                }
            }
            Event::Start(e) if matches!(e.name().as_ref(), "table:table-cell" | "table:covered-table-cell") => {
                // A cell with content: it counts to the used area, repeats included.
                col = col.saturating_add(repeat(&e, "table:number-columns-repeated"));
                max_col = max_col.max(col);
                row_has_value = true;
            }
            Event::Empty(e) if matches!(e.name().as_ref(), "table:table-cell" | "table:covered-table-cell") => {
                let has_value = e.attributes().flatten().any(|a| a.key.as_ref() == "office:value-type");
                col = col.saturating_add(repeat(&e, "table:number-columns-repeated"));
                if has_value {
                    max_col = max_col.max(col);
                    row_has_value = true;
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(worst)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dims14(rf: u32, rl: u32, cf: u16, cl: u16) -> Vec<u8> {
        let mut r = Vec::new();
        r.extend(rf.to_le_bytes());
        r.extend(rl.to_le_bytes());
        r.extend(cf.to_le_bytes());
        r.extend(cl.to_le_bytes());
        r.extend([0, 0]);
        r
    }

    #[test]
    fn xls_dimensions_are_sized_as_the_reader_sizes_them() {
        assert_eq!(xls_declared_area(&dims14(0, 30, 0, 8)), 30 * 8);
        assert_eq!(xls_declared_area(&dims14(0, 65536, 0, 256)), 65536 * 256);
        // A first row after the last one wraps around in the reader: billions of rows.
        assert!(xls_declared_area(&dims14(5, 2, 0, 8)) > 1 << 32);
        assert_eq!(xls_declared_area(&[0; 7]), 0);
    }
}
