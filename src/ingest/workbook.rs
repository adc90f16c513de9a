//! Opening a workbook, whatever its format, into plain sheets of cells.
//!
//! This file and the direct xlsx reader ([`super::xlsx`], which gives calamine's values for
//! plain .xlsx files) are the only ones that touch calamine. The format is chosen by the
//! file's magic bytes, not its extension, and the container is checked by `guard`
//! before any reader sees it. xlsx/xlsb sheets are streamed cell by cell with a cell
//! budget: a stray cell at XFD1048576 costs one cell, not a whole-sheet allocation.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use calamine::{Data, DataRef, Ods, Reader, Xls, Xlsb, Xlsx};
use chrono::NaiveDate;

use crate::config::Limits;
use crate::model::issue;
use crate::model::{Issue, OwnKind};
use crate::text;

use super::guard::{Container, Kind, sniff};
use super::xlsx::{CellStyle, DirectXlsx, Stop};
use crate::text::legacy::Legacy;

/// A cell's content as the form reader needs it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Int(i64),
    Float(f64),
    Text(String),
    Bool(bool),
    Date(NaiveDate),
    /// A number shown as a percentage by its cell's format (`100%` is 1.0).
    Percent(f64),
    /// A date with a time of day other than midnight (`15/12/2023 17:10`).
    DateTime(chrono::NaiveDateTime),
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
            Cell::DateTime(dt) => dt.format("%d/%m/%Y %H:%M").to_string(),
            Cell::Percent(f) => format!("{}%", Cell::Float(f * 100.0).shown()),
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
    /// The hidden column ranges (0-based, inclusive), where the reader can tell them (the
    /// direct xlsx reader); `None` where it cannot.
    pub hidden_columns: Option<Vec<(u16, u16)>>,
    /// The text cells (row, column) whose font is a legacy Vietnamese one (`.VnTime`,
    /// `VNI-Times`), where the reader can tell fonts (the direct xlsx reader).
    pub legacy_cells: Vec<(u32, u16, Legacy)>,
}

impl Sheet {
    /// Whether column `col` is hidden; `None` where the reader cannot tell.
    pub fn column_hidden(&self, col: u16) -> Option<bool> {
        self.hidden_columns.as_ref().map(|ranges| ranges.iter().any(|&(a, b)| (a..=b).contains(&col)))
    }

    /// The sheet as calamine alone reads it: percentages as plain numbers, hidden columns
    /// and fonts unknown. The direct reader's reading, so reduced, equals calamine's.
    pub fn as_calamine_reads(mut self) -> Sheet {
        for cells in self.rows.values_mut() {
            for (_, cell) in cells.iter_mut() {
                if let Cell::Percent(f) = cell {
                    *cell = Cell::Float(*f);
                }
            }
        }
        self.hidden_columns = None;
        self.legacy_cells.clear();
        self
    }

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

/// Why a file could not be read as a workbook. Its [`issue`](OpenError::issue) is what
/// users read; the `Display` text is for logs and tests.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    #[error("the file is empty")]
    Empty,
    /// What it is instead, as `"tiếng Việt / English"`.
    #[error("not a spreadsheet: {0}")]
    NotASpreadsheet(String),
    #[error("the file is encrypted (password-protected)")]
    Encrypted,
    /// Which limit, in each language.
    #[error("the file exceeds a limit: {en}")]
    TooLarge { vi: String, en: String },
    /// The reader's own words (English, technical); a `"tiếng Việt / English"` text is
    /// shown in both languages.
    #[error("the file is corrupt: {0}")]
    Corrupt(String),
}

impl OpenError {
    pub(super) fn too_large(vi: String, en: String) -> OpenError {
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

/// An opened workbook: its sheet names, and a way to read a sheet's cells.
pub struct Workbook {
    inner: Inner,
    /// Held while a format that loads whole sheets is open: one at a time bounds memory.
    _heavy: Option<std::sync::MutexGuard<'static, ()>>,
    pub is_1904: bool,
    pub sheet_names: Vec<String>,
    /// Whether each sheet, in `sheet_names` order, is hidden.
    pub sheet_hidden: Vec<bool>,
    /// Whether each sheet, in `sheet_names` order, is a grid of cells (not a chart sheet).
    pub sheet_grid: Vec<bool>,
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
        let (sheets, is_1904) = match &inner {
            Inner::Direct(w) => {
                let grid = w.sheet_names.iter().map(|n| w.is_grid(n));
                let sheets = w.sheet_names.iter().zip(&w.sheet_hidden).zip(grid);
                (sheets.map(|((n, h), g)| (n.clone(), *h, g)).collect(), w.is_1904)
            }
            Inner::Spent => (Vec::new(), false),
            Inner::Xlsx(w) => (described(w.sheets_metadata()), w.has_1904_epoch()),
            Inner::Xlsb(w) => (described(w.sheets_metadata()), w.has_1904_epoch()),
            Inner::Ods(w) => (described(w.sheets_metadata()), false),
            Inner::Xls(w) => (described(w.sheets_metadata()), w.has_1904_epoch()),
        };
        let sheet_names = sheets.iter().map(|(n, _, _)| n.clone()).collect();
        let sheet_hidden = sheets.iter().map(|(_, h, _)| *h).collect();
        let sheet_grid = sheets.iter().map(|(_, _, g)| *g).collect();
        Ok(Workbook {
            inner,
            _heavy: heavy,
            is_1904,
            sheet_names,
            sheet_hidden,
            sheet_grid,
            own,
            max_cells: limits.max_cells_per_sheet,
        })
    }

    /// Reads one sheet's non-empty cells.
    pub fn sheet(&mut self, name: &str) -> Result<Sheet, OpenError> {
        let is_1904 = self.is_1904;
        if let Inner::Direct(w) = &mut self.inner {
            let mut fill = Filling::new(name, self.max_cells);
            let read = |row, col, value: DataRef<'_>, formula: Option<&str>, style: CellStyle| {
                let cell = match (cell_of(&value, formula, is_1904), style.percent) {
                    (Some(Cell::Float(f)), true) => Some(Cell::Percent(f)),
                    (Some(Cell::Int(i)), true) => Some(Cell::Percent(i as f64)),
                    (cell, _) => cell,
                };
                if let (Some(Cell::Text(_)), Some(encoding)) = (&cell, style.legacy) {
                    fill.sheet.legacy_cells.push((row, u16::try_from(col).unwrap_or(u16::MAX), encoding));
                }
                fill.add(row, col, cell)
            };
            match w.cells(name, read) {
                Ok(()) => {
                    let mut sheet = fill.done();
                    sheet.hidden_columns = Some(std::mem::take(&mut w.hidden_columns));
                    return Ok(sheet);
                }
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
        Filling { sheet: Sheet { name: name.to_string(), ..Sheet::default() }, count: 0, max, name }
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

/// (name, hidden, grid) of each sheet as calamine describes it.
fn described(sheets: &[calamine::Sheet]) -> Vec<(String, bool, bool)> {
    use calamine::{SheetType, SheetVisible};
    let entry = |s: &calamine::Sheet| {
        (
            s.name.clone(),
            s.visible != SheetVisible::Visible,
            matches!(s.typ, SheetType::WorkSheet | SheetType::MacroSheet),
        )
    };
    sheets.iter().map(entry).collect()
}

/// A streamed cell as the form reader sees it: a formula whose result was never stored is
/// told apart from an empty cell.
fn cell_of(value: &DataRef<'_>, formula: Option<&str>, is_1904: bool) -> Option<Cell> {
    match (value, formula) {
        (DataRef::Empty, Some(f)) if !f.is_empty() => Some(Cell::FormulaWithoutValue(f.to_string())),
        (v, _) => from_data_ref(v, is_1904),
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
        (true, Some(dt)) if dt.time() == chrono::NaiveTime::MIN => Cell::Date(dt.date()),
        (true, Some(dt)) => Cell::DateTime(dt),
        _ => text::excel_serial_to_date(serial, is_1904).map_or(Cell::Float(serial), Cell::Date),
    }
}

fn iso_cell(s: &str) -> Cell {
    match (text::parse_date_text(s), text::parse_time_text(s)) {
        (Some(d), Some(t)) if t != chrono::NaiveTime::MIN => Cell::DateTime(d.and_time(t)),
        (Some(d), _) => Cell::Date(d),
        (None, _) => Cell::Text(s.to_string()),
    }
}

static HEAVY: std::sync::Mutex<()> = std::sync::Mutex::new(());

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
