//! Opening a workbook, whatever its format, into plain sheets of cells.
//!
//! This file and the direct xlsx reader ([`super::xlsx`], which gives calamine's values for
//! plain .xlsx files) are the only ones that touch calamine. The format is chosen by the
//! file's magic bytes, not its extension, so a renamed file gets a true reason. Zip
//! containers are checked for declared sizes before anything is inflated, and xlsx/xlsb
//! sheets are streamed cell by cell with a cell budget: a stray cell at XFD1048576 costs one
//! cell, not a whole-sheet allocation.

use std::collections::BTreeMap;
use std::io::{BufReader, Cursor, Read};

use calamine::{Data, DataRef, Ods, Reader, Xls, Xlsb, Xlsx};
use chrono::NaiveDate;

use crate::config::Limits;
use crate::model::issue;
use crate::model::{Issue, OwnKind};
use crate::text;

use super::xlsx::{DirectXlsx, Stop};

/// A cell's content as the form reader needs it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Int(i64),
    Float(f64),
    Text(String),
    Bool(bool),
    Date(NaiveDate),
    /// An Excel error value such as `#DIV/0!`.
    Error(String),
    /// A formula whose result was never stored: it would read as 0.
    FormulaWithoutValue(String),
}

impl Cell {
    /// The value as read, for issue messages.
    pub fn shown(&self) -> String {
        match self {
            Cell::Int(i) => i.to_string(),
            Cell::Float(f) => {
                if f.fract() == 0.0 && f.abs() < 1e15 {
                    format!("{f:.0}")
                } else {
                    f.to_string()
                }
            }
            Cell::Text(s) => text::nfc(s),
            Cell::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
            Cell::Date(d) => d.format("%d/%m/%Y").to_string(),
            Cell::Error(e) => e.clone(),
            Cell::FormulaWithoutValue(f) => format!("={f}"),
        }
    }

    pub fn text(&self) -> Option<&str> {
        match self {
            Cell::Text(s) => Some(s),
            _ => None,
        }
    }
}

/// A sheet as a sparse grid: only non-empty cells, by row then column.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sheet {
    pub name: String,
    pub rows: BTreeMap<u32, Vec<(u16, Cell)>>,
}

impl Sheet {
    pub fn get(&self, row: u32, col: u16) -> Option<&Cell> {
        self.rows.get(&row)?.iter().find(|(c, _)| *c == col).map(|(_, cell)| cell)
    }

    fn push(&mut self, row: u32, col: u32, cell: Cell) {
        let col = u16::try_from(col).unwrap_or(u16::MAX);
        // Cells mostly arrive row by row: the row at hand is usually the last one.
        match self.rows.last_entry() {
            Some(mut last) if *last.key() == row => last.get_mut().push((col, cell)),
            _ => self.rows.entry(row).or_default().push((col, cell)),
        }
    }

    fn sort(&mut self) {
        for cells in self.rows.values_mut() {
            cells.sort_by_key(|(c, _)| *c);
        }
    }
}

/// Why a file could not be read as a workbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenError {
    Empty,
    /// What it is instead, as `"tiếng Việt / English"`.
    NotASpreadsheet(String),
    Encrypted,
    /// Which limit, in each language.
    TooLarge {
        vi: String,
        en: String,
    },
    /// The reader's own words (English, technical); a `"tiếng Việt / English"` text is
    /// shown in both languages.
    Corrupt(String),
}

impl OpenError {
    fn too_large(vi: String, en: String) -> OpenError {
        OpenError::TooLarge { vi, en }
    }

    /// The issue that rejects the file, from the catalogue.
    pub fn issue(&self) -> Issue {
        match self {
            OpenError::Empty => issue::empty_file(),
            OpenError::NotASpreadsheet(why) => issue::not_a_spreadsheet(why),
            OpenError::Encrypted => issue::encrypted_file(),
            OpenError::TooLarge { vi, en } => issue::over_limit(vi, en),
            OpenError::Corrupt(why) => issue::corrupt_file(why),
        }
    }
}

/// The container a file really is, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Xlsx,
    Xlsb,
    Ods,
    Xls,
}

/// An opened workbook: its sheet names, and a way to read a sheet's cells.
pub struct Workbook {
    inner: Inner,
    /// Held while a format that loads whole sheets is open: one at a time bounds memory.
    _heavy: Option<std::sync::MutexGuard<'static, ()>>,
    pub is_1904: bool,
    pub sheet_names: Vec<String>,
    /// What this workbook is, when this program wrote it; `None` for every other workbook.
    pub own: Option<OwnKind>,
    max_cells: u64,
}

enum Inner {
    Direct(Box<DirectXlsx>),
    /// A direct reading given up whose bytes calamine could not open.
    Spent,
    Xlsx(Box<Xlsx<Cursor<Vec<u8>>>>),
    Xlsb(Box<Xlsb<Cursor<Vec<u8>>>>),
    Ods(Box<Ods<Cursor<Vec<u8>>>>),
    Xls(Box<Xls<Cursor<Vec<u8>>>>),
}

impl Workbook {
    /// Opens a workbook held in memory. `bytes` was read from a file of that size.
    pub fn open(bytes: Vec<u8>, limits: &Limits) -> Result<Workbook, OpenError> {
        Workbook::open_with(bytes, limits, true)
    }

    /// Opens a workbook with calamine only, never the direct xlsx reader: the reference
    /// reading the direct one is compared against.
    pub fn open_with_calamine(bytes: Vec<u8>, limits: &Limits) -> Result<Workbook, OpenError> {
        Workbook::open_with(bytes, limits, false)
    }

    /// Which reader reads this workbook now: `"direct"` or `"calamine"`.
    pub fn reader(&self) -> &'static str {
        if matches!(self.inner, Inner::Direct(_)) { "direct" } else { "calamine" }
    }

    fn open_with(bytes: Vec<u8>, limits: &Limits, direct: bool) -> Result<Workbook, OpenError> {
        if bytes.is_empty() {
            return Err(OpenError::Empty);
        }
        if bytes.len() as u64 > limits.max_file_bytes {
            return Err(OpenError::too_large(
                format!("tệp {} byte, lớn hơn mức {} byte", bytes.len(), limits.max_file_bytes),
                format!("{} bytes > {} bytes", bytes.len(), limits.max_file_bytes),
            ));
        }
        let (kind, mut bytes) = sniff(bytes, limits)?;
        let own = match (&kind, &mut bytes) {
            (Kind::Xlsx, Container::Zip(zip)) => tonghop_kind(zip),
            _ => None,
        };
        // xls and ods materialise every sheet as a dense range on open: read one at a time.
        let heavy = matches!(kind, Kind::Xls | Kind::Ods).then(|| HEAVY.lock().unwrap_or_else(|e| e.into_inner()));
        let inner = match (kind, bytes) {
            (Kind::Xlsx, Container::Zip(zip)) if direct => match DirectXlsx::from_zip(zip) {
                Ok(direct) => Inner::Direct(Box::new(direct)),
                Err((bytes, why)) => {
                    tracing::debug!("read with calamine: {}", why.0);
                    open_with_calamine(Kind::Xlsx, bytes)?
                }
            },
            (kind, container) => open_with_calamine(kind, container.into_bytes())?,
        };
        let (sheet_names, is_1904) = match &inner {
            Inner::Direct(w) => (w.sheet_names.clone(), w.is_1904),
            Inner::Spent => (Vec::new(), false),
            Inner::Xlsx(w) => (w.sheet_names(), w.has_1904_epoch()),
            Inner::Xlsb(w) => (w.sheet_names(), w.has_1904_epoch()),
            Inner::Ods(w) => (w.sheet_names(), false),
            Inner::Xls(w) => (w.sheet_names(), w.has_1904_epoch()),
        };
        Ok(Workbook { inner, _heavy: heavy, is_1904, sheet_names, own, max_cells: limits.max_cells_per_sheet })
    }

    /// Reads one sheet's non-empty cells.
    pub fn sheet(&mut self, name: &str) -> Result<Sheet, OpenError> {
        let is_1904 = self.is_1904;
        if let Inner::Direct(w) = &mut self.inner {
            let mut fill = Filling::new(name, self.max_cells);
            match w.cells(name, |row, col, value, formula| fill.add(row, col, cell_of(&value, formula, is_1904))) {
                Ok(()) => return Ok(fill.done()),
                Err(Stop::Caller(e)) => return Err(e),
                Err(Stop::Unsupported(why)) => {
                    // This file is read with calamine from here on, this sheet afresh.
                    tracing::debug!("read with calamine: {}", why.0);
                    if let Inner::Direct(w) = std::mem::replace(&mut self.inner, Inner::Spent) {
                        self.inner = open_with_calamine(Kind::Xlsx, w.into_bytes())?;
                    }
                }
            }
        }
        let mut fill = Filling::new(name, self.max_cells);
        let corrupt = |e: &dyn std::fmt::Display| OpenError::Corrupt(e.to_string());
        match &mut self.inner {
            Inner::Direct(_) | Inner::Spent => {
                return Err(OpenError::Corrupt("tệp không đọc tiếp được / the file cannot be read further".into()));
            }
            Inner::Xlsx(w) => {
                let mut reader = w.worksheet_cells_reader(name).map_err(|e| corrupt(&e))?;
                while let Some(c) = reader.next_cell_with_formula().map_err(|e| corrupt(&e))? {
                    fill.add(c.pos.0, c.pos.1, cell_of(&c.value, c.formula.as_deref(), is_1904))?;
                }
            }
            Inner::Xlsb(w) => {
                let mut reader = w.worksheet_cells_reader(name).map_err(|e| corrupt(&e))?;
                while let Some(c) = reader.next_cell().map_err(|e| corrupt(&e))? {
                    let (row, col) = c.get_position();
                    fill.add(row, col, from_data_ref(c.get_value(), is_1904))?;
                }
            }
            Inner::Ods(w) => {
                let range = w.worksheet_range(name).map_err(|e| corrupt(&e))?;
                fill.add_range(&range, is_1904)?;
            }
            Inner::Xls(w) => {
                let range = w.worksheet_range(name).map_err(|e| corrupt(&e))?;
                fill.add_range(&range, is_1904)?;
            }
        }
        Ok(fill.done())
    }
}

/// A sheet being filled, within the cell budget.
struct Filling<'a> {
    sheet: Sheet,
    count: u64,
    max: u64,
    name: &'a str,
}

impl<'a> Filling<'a> {
    fn new(name: &'a str, max: u64) -> Self {
        Filling { sheet: Sheet { name: name.to_string(), rows: BTreeMap::new() }, count: 0, max, name }
    }

    fn add(&mut self, row: u32, col: u32, cell: Option<Cell>) -> Result<(), OpenError> {
        let Some(cell) = cell else { return Ok(()) };
        self.count += 1;
        if self.count > self.max {
            let (name, max) = (self.name, self.max);
            return Err(OpenError::too_large(
                format!("trang tính \"{name}\" có hơn {max} ô"),
                format!("sheet \"{name}\" has more than {max} cells"),
            ));
        }
        self.sheet.push(row, col, cell);
        Ok(())
    }

    fn add_range(&mut self, range: &calamine::Range<Data>, is_1904: bool) -> Result<(), OpenError> {
        let (r0, c0) = range.start().unwrap_or((0, 0));
        for (r, c, v) in range.used_cells() {
            self.add(r0 + r as u32, c0 + c as u32, from_data(v, is_1904))?;
        }
        Ok(())
    }

    fn done(mut self) -> Sheet {
        self.sheet.sort();
        self.sheet
    }
}

/// A streamed cell as the form reader sees it: a formula whose result was never stored is
/// told apart from an empty cell.
fn cell_of(value: &DataRef<'_>, formula: Option<&str>, is_1904: bool) -> Option<Cell> {
    match (value, formula) {
        (DataRef::Empty, Some(f)) if !f.is_empty() => Some(Cell::FormulaWithoutValue(f.to_string())),
        (v, _) => from_data_ref(v, is_1904),
    }
}

/// A file's bytes, or the zip archive already opened over them.
enum Container {
    Zip(zip::ZipArchive<Cursor<Vec<u8>>>),
    Bytes(Vec<u8>),
}

impl Container {
    fn into_bytes(self) -> Vec<u8> {
        match self {
            Container::Zip(zip) => zip.into_inner().into_inner(),
            Container::Bytes(bytes) => bytes,
        }
    }
}

fn open_with_calamine(kind: Kind, bytes: Vec<u8>) -> Result<Inner, OpenError> {
    use calamine::{OdsError, XlsError, XlsbError, XlsxError};
    let bytes = Cursor::new(bytes);
    Ok(match kind {
        Kind::Xlsx => Inner::Xlsx(Box::new(opened(Xlsx::new(bytes), |e| matches!(e, XlsxError::Password))?)),
        Kind::Xlsb => Inner::Xlsb(Box::new(opened(Xlsb::new(bytes), |e| matches!(e, XlsbError::Password))?)),
        Kind::Ods => Inner::Ods(Box::new(opened(Ods::new(bytes), |e| matches!(e, OdsError::Password))?)),
        Kind::Xls => Inner::Xls(Box::new(opened(Xls::new(bytes), |e| matches!(e, XlsError::Password))?)),
    })
}

/// A reader's opening, its password error told apart from the others.
fn opened<T, E: std::fmt::Display>(r: Result<T, E>, is_password: impl Fn(&E) -> bool) -> Result<T, OpenError> {
    r.map_err(|e| if is_password(&e) { OpenError::Encrypted } else { OpenError::Corrupt(e.to_string()) })
}

fn from_data_ref(v: &DataRef<'_>, is_1904: bool) -> Option<Cell> {
    Some(match v {
        DataRef::Empty => return None,
        DataRef::Int(i) => Cell::Int(*i),
        DataRef::Float(f) => Cell::Float(*f),
        DataRef::String(s) => text_cell(s)?,
        DataRef::SharedString(s) => text_cell(s)?,
        DataRef::Bool(b) => Cell::Bool(*b),
        DataRef::DateTime(dt) => date_cell(dt.as_f64(), dt.is_datetime(), is_1904, dt.as_datetime()),
        DataRef::DateTimeIso(s) => iso_cell(s),
        DataRef::DurationIso(s) => Cell::Text(s.clone()),
        DataRef::Error(e) => Cell::Error(e.to_string()),
    })
}

fn from_data(v: &Data, is_1904: bool) -> Option<Cell> {
    Some(match v {
        Data::Empty => return None,
        Data::Int(i) => Cell::Int(*i),
        Data::Float(f) => Cell::Float(*f),
        Data::String(s) => text_cell(s)?,
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => date_cell(dt.as_f64(), dt.is_datetime(), is_1904, dt.as_datetime()),
        Data::DateTimeIso(s) => iso_cell(s),
        Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Error(e.to_string()),
    })
}

/// Text as stored: normalised only where it is compared ([`text::fold`]) or shown
/// ([`Cell::shown`], [`text::tidy`]), not for every cell read.
fn text_cell(s: &str) -> Option<Cell> {
    if s.trim().is_empty() { None } else { Some(Cell::Text(s.to_string())) }
}

/// A number formatted as a date. Kept as a number when it is not a date in the workbook's
/// system (a count formatted as a date by mistake stays readable as a count).
fn date_cell(serial: f64, is_datetime: bool, is_1904: bool, dt: Option<chrono::NaiveDateTime>) -> Cell {
    match (is_datetime, dt) {
        (true, Some(dt)) => Cell::Date(dt.date()),
        _ => text::excel_serial_to_date(serial, is_1904).map_or(Cell::Float(serial), Cell::Date),
    }
}

fn iso_cell(s: &str) -> Cell {
    text::parse_date_text(s).map_or_else(|| Cell::Text(s.to_string()), Cell::Date)
}

static HEAVY: std::sync::Mutex<()> = std::sync::Mutex::new(());

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// Parts whose compressed size is above this are inflated once, with a cap, before the
/// reader sees them: their declared size could lie. Below it, no part can grow past
/// ~1032 × this (deflate's largest ratio).
const VERIFY_ABOVE_COMPRESSED: u64 = 64 * 1024;
const CFB_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Tells the container from its bytes, and checks a zip's declared sizes.
fn sniff(bytes: Vec<u8>, limits: &Limits) -> Result<(Kind, Container), OpenError> {
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

/// The [`OwnKind::PROPERTY`] in `docProps/custom.xml`, if the workbook has one.
fn tonghop_kind(zip: &mut zip::ZipArchive<Cursor<Vec<u8>>>) -> Option<OwnKind> {
    use quick_xml::events::Event;
    let mut part = zip.by_name("docProps/custom.xml").ok()?;
    let mut xml = String::new();
    // The sizes were checked by sniff_zip; a property list is a few hundred bytes.
    (&mut part).take(1 << 20).read_to_string(&mut xml).ok()?;
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut in_kind = false;
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) if e.local_name().as_ref() == "property" => {
                in_kind = e.try_get_attribute("name").ok().flatten().is_some_and(|a| a.value == OwnKind::PROPERTY);
            }
            Event::Text(t) if in_kind => return OwnKind::parse(t.xml10_content().trim()),
            Event::End(e) if e.local_name().as_ref() == "property" => in_kind = false,
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// Checks a zip's declared and real sizes, and tells which workbook format it holds.
fn sniff_zip(zip: &mut zip::ZipArchive<Cursor<Vec<u8>>>, limits: &Limits) -> Result<Kind, OpenError> {
    let mut total: u64 = 0;
    let mut names = Vec::with_capacity(zip.len());
    let mut mimetype_ods = false;
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
        let name = f.name().map(|n| n.to_string()).unwrap_or_default();
        if name == "mimetype" {
            mimetype_ods = true;
        }
        names.push(name);
    }
    if total > limits.max_uncompressed_bytes {
        return Err(OpenError::too_large(
            format!("dung lượng giải nén {total} byte, lớn hơn mức {} byte", limits.max_uncompressed_bytes),
            format!("{total} bytes uncompressed > {} bytes", limits.max_uncompressed_bytes),
        ));
    }
    // Declared sizes can lie: inflate the large parts once, counting, up to the limit.
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
    if names.iter().any(|n| n == "xl/workbook.xml") {
        check_shared_string_counts(zip)?;
        Ok(Kind::Xlsx)
    } else if names.iter().any(|n| n == "xl/workbook.bin") {
        Ok(Kind::Xlsb)
    } else if mimetype_ods && names.iter().any(|n| n == "content.xml") {
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
