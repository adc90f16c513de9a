//! Reading the BaoCao and HoatDong sheets of a form into a [`Submission`](crate::model::Submission)'s content.
//!
//! The form is found by its content, not its position: the indicator table by its header
//! row, the header block by its labels above it. Labels and names are compared after
//! [`text::fold`], so diacritics, case, NFD and stray spaces do not matter.

use crate::config::Config;
use crate::ingest::workbook::{Cell, Sheet};
use crate::model::issue::{self, BadValue};
use crate::model::{Activity, CellRef, Channel, Header, Issue, Micros, ReportedRow};
use crate::text::{self, NumberError};

/// Columns of the indicator table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TableColumns {
    pub code: Option<u16>,
    pub name: Option<u16>,
    pub total: u16,
    pub male: Option<u16>,
    pub female: Option<u16>,
}

/// Where the indicator table starts and which columns hold what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableHeader {
    pub row: u32,
    pub columns: TableColumns,
}

fn role(folded: &str) -> Option<&'static str> {
    Some(match folded {
        "ma chi tieu" | "ma ct" | "ma so" | "ma" => "code",
        "ten chi tieu" | "chi tieu" | "noi dung" | "noi dung chi tieu" => "name",
        "tong so" | "tong" | "tong cong" => "total",
        "nam" => "male",
        "nu" | "trong do nu" | "trong do: nu" | "trong do, nu" => "female",
        _ => return None,
    })
}

/// Finds the indicator table's header row: a row with `Tổng số` and `Mã chỉ tiêu` or
/// `Tên chỉ tiêu`, those two possibly one row up (a two-row header with merged cells), and
/// `Nam`/`Nữ` possibly one row down (`Tổng số | Chia ra` over `Nam | Nữ`): the header row
/// is then the lower one. Where a role has two columns (last year's figures kept beside
/// this year's), `prefer` picks one.
pub fn find_table(sheet: &Sheet, prefer: &dyn Fn(&'static str, &[u16]) -> u16) -> Option<TableHeader> {
    let roles_of = |row: u32| -> Vec<(&'static str, u16)> {
        sheet
            .rows
            .get(&row)
            .map(|cells| {
                cells
                    .iter()
                    .filter_map(|(c, cell)| cell.text().and_then(|t| role(&text::fold(t))).map(|r| (r, *c)))
                    .collect()
            })
            .unwrap_or_default()
    };
    for &row in sheet.rows.keys() {
        let here = roles_of(row);
        if !here.iter().any(|(r, _)| *r == "total") {
            continue;
        }
        let mut all = here.clone();
        let mut header_row = row;
        if !here.iter().any(|(r, _)| *r == "code" || *r == "name") && row > 0 {
            all.extend(roles_of(row - 1));
        }
        if !here.iter().any(|(r, _)| *r == "male" || *r == "female") {
            let below: Vec<_> =
                roles_of(row + 1).into_iter().filter(|(r, _)| matches!(*r, "male" | "female")).collect();
            if !below.is_empty() {
                all.extend(below);
                header_row = row + 1;
            }
        }
        // Each role's column, chosen once (`prefer` notes a doubled heading), and only for
        // a row that is the header.
        let col = |name: &str| {
            let cols: Vec<u16> = all.iter().filter(|(r, _)| *r == name).map(|&(_, c)| c).collect();
            match cols.as_slice() {
                [] => None,
                [one] => Some(*one),
                many => Some(prefer(name_of(name), many)),
            }
        };
        let has = |name: &str| all.iter().any(|(r, _)| *r == name);
        if !has("code") && !has("name") {
            continue;
        }
        let Some(total) = col("total") else { continue };
        let columns =
            TableColumns { code: col("code"), name: col("name"), total, male: col("male"), female: col("female") };
        return Some(TableHeader { row: header_row, columns });
    }
    None
}

/// How a role's heading reads on the form.
fn name_of(role: &str) -> &'static str {
    match role {
        "code" => "Mã chỉ tiêu",
        "name" => "Tên chỉ tiêu",
        "total" => "Tổng số",
        "male" => "Nam",
        _ => "Nữ",
    }
}

/// Which of several columns headed alike to read: the visible one, where the reader can
/// tell hidden columns (last year's figures are kept hidden beside this year's); else the
/// rightmost, noted in `doubled` as (heading, chosen, other) for a warning.
pub fn prefer_column(
    sheet: &Sheet,
    heading: &'static str,
    cols: &[u16],
    doubled: &std::cell::RefCell<Vec<(&'static str, u16, u16)>>,
) -> u16 {
    let rightmost = cols.iter().copied().max().unwrap_or(0);
    if sheet.hidden_columns.is_some() {
        let visible: Vec<u16> = cols.iter().copied().filter(|&c| sheet.column_hidden(c) == Some(false)).collect();
        if let [one] = visible.as_slice() {
            return *one;
        }
    }
    let other = cols.iter().copied().filter(|&c| c != rightmost).max().unwrap_or(rightmost);
    doubled.borrow_mut().push((heading, rightmost, other));
    rightmost
}

/// The text lines above the table that may be the issuing body's title, top first, each
/// with its cell.
pub fn titles(sheet: &Sheet, table_row: u32) -> impl Iterator<Item = (CellRef, String)> + '_ {
    sheet
        .rows
        .range(..table_row)
        .flat_map(|(&row, cells)| cells.iter().filter_map(move |(col, c)| Some((CellRef::new(row, *col), c.text()?))))
        .flat_map(|(at, t)| t.lines().map(|l| (at, text::tidy(l))).collect::<Vec<_>>())
        .filter(|(_, t)| !t.is_empty() && t.chars().count() <= 120)
}

const LABELS: [(&str, &str); 8] = [
    ("ma don vi", "unit_code"),
    ("ten don vi", "unit_name"),
    ("ky bao cao", "period"),
    ("ngay bao cao", "report_date"),
    ("nguoi lap bieu", "preparer"),
    ("dien thoai", "phone"),
    ("so dien thoai", "phone"),
    ("don vi da bao cao", "reported_units"),
];

fn label_of(folded: &str) -> Option<&'static str> {
    LABELS.iter().find(|(l, _)| *l == folded).map(|&(_, k)| k)
}

/// Reads the labelled values above the table header row.
pub fn read_header(sheet: &Sheet, table_row: u32, is_1904: bool, issues: &mut Vec<Issue>) -> Header {
    let mut h = Header::default();
    for (&row, cells) in sheet.rows.range(..table_row) {
        for (i, (col, cell)) in cells.iter().enumerate() {
            let Some(t) = cell.text() else { continue };
            let folded = text::fold(t);
            let (key, value, at) = if let Some(key) = label_of(&folded) {
                // The next non-empty cell to the right that is not itself a label.
                let next =
                    cells[i + 1..].iter().find(|(_, c)| c.text().is_none_or(|t| label_of(&text::fold(t)).is_none()));
                match next {
                    Some((c, v)) => (key, v.clone(), CellRef::new(row, *c)),
                    None => {
                        // A blank period is told at its label.
                        if key == "period" && h.period.is_none() {
                            h.period_cell = Some(CellRef::new(row, *col));
                        }
                        continue;
                    }
                }
            } else if let Some((label, value)) = t.split_once(':') {
                match label_of(&text::fold(label)) {
                    Some(key) if !value.trim().is_empty() => {
                        (key, Cell::Text(value.trim().to_string()), CellRef::new(row, *col))
                    }
                    Some("period") if h.period.is_none() => {
                        h.period_cell = Some(CellRef::new(row, *col));
                        continue;
                    }
                    _ => continue,
                }
            } else {
                continue;
            };
            let shown = text::tidy(&value.shown());
            match key {
                "unit_code" if h.unit_code.is_none() => {
                    h.unit_code = Some(shown);
                    h.unit_code_cell = Some(at);
                }
                "unit_name" if h.unit_name.is_none() => {
                    h.unit_name = Some(shown);
                    h.unit_name_cell = Some(at);
                }
                "period" if h.period.is_none() => {
                    h.period = Some(shown);
                    h.period_cell = Some(at);
                }
                "report_date" if h.report_date_cell.is_none() => {
                    h.report_date_cell = Some(at);
                    h.report_date = read_date(&value, is_1904);
                    h.report_time = read_time(&value);
                    if h.report_date.is_none() {
                        let i = issue::report_date_unreadable(&shown);
                        issues.push(i.in_sheet(&sheet.name).at(at).with_value(&shown));
                    }
                }
                "preparer" if h.preparer.is_none() => h.preparer = Some(shown),
                // `13/14` on a consolidated report of the level below.
                "reported_units" if h.reported_units.is_none() => {
                    let counts = shown.split_once('/');
                    if counts.is_some_and(|(a, b)| a.trim().parse::<u32>().is_ok() && b.trim().parse::<u32>().is_ok()) {
                        h.reported_units = Some(shown);
                    }
                }
                "phone" if h.phone.is_none() => h.phone = Some(shown),
                _ => {}
            }
        }
    }
    h
}

/// A date cell: a real date, an Excel serial number, or `dd/mm/yyyy` text.
pub fn read_date(cell: &Cell, is_1904: bool) -> Option<chrono::NaiveDate> {
    match cell {
        Cell::Date(d) => Some(*d),
        Cell::DateTime(dt) => Some(dt.date()),
        Cell::Int(i) => text::excel_serial_to_date(*i as f64, is_1904),
        Cell::Float(f) => text::excel_serial_to_date(*f, is_1904),
        Cell::Text(t) => text::parse_date_text(t).or_else(|| text::prose_date(t)),
        _ => None,
    }
}

/// The time of day of a date cell written as a date-time, if it is one.
pub fn read_time(cell: &Cell) -> Option<chrono::NaiveTime> {
    match cell {
        Cell::DateTime(dt) => Some(dt.time()),
        Cell::Float(f) => text::excel_serial_time(*f),
        Cell::Text(t) => {
            text::parse_date_text(t).and(text::parse_time_text(t)).filter(|t| *t != chrono::NaiveTime::MIN)
        }
        _ => None,
    }
}

/// The report date written in prose (`Hà Nội, ngày 19 tháng 12 năm 2023`), for a form with
/// no `Ngày báo cáo` value: below the table (rows after `last_row`, its last indicator row),
/// the line nearest the signature; else one above the table (under the national motto).
pub fn prose_report_date(sheet: &Sheet, table_row: u32, last_row: u32) -> Option<(chrono::NaiveDate, CellRef)> {
    let found = |(&row, cells): (&u32, &Vec<(u16, Cell)>)| {
        cells.iter().find_map(|(c, cell)| Some((text::prose_date(cell.text()?)?, CellRef::new(row, *c))))
    };
    let below = sheet.rows.range(last_row.max(table_row) + 1..).rev().find_map(found);
    below.or_else(|| sheet.rows.range(..table_row).find_map(found))
}

/// The row right under the header that numbers the columns (`A | B | C | 1 | 2 | 3`,
/// `(1) (2) (3)`): part of the header, not data. Every cell is such a token; a row of bare
/// numbers must rise from left to right to be one (a row of values would not).
fn is_numbering_row(cells: &[(u16, Cell)]) -> bool {
    let small = |f: f64| f.fract() == 0.0 && (0.0..100.0).contains(&f);
    let tokens = cells.iter().all(|(_, c)| match c {
        Cell::Text(t) => text::is_numbering_token(t),
        Cell::Int(i) => small(*i as f64),
        Cell::Float(f) => small(*f),
        _ => false,
    });
    let numbers: Vec<f64> = cells
        .iter()
        .filter_map(|(_, c)| match c {
            Cell::Int(i) => Some(*i as f64),
            Cell::Float(f) => Some(*f),
            _ => None,
        })
        .collect();
    // Rising, possibly with gaps (a column deleted after numbering: 1 2 3 5 6).
    let rising = numbers.windows(2).all(|w| w[0] < w[1]);
    cells.len() >= 3 && tokens && (numbers.len() < cells.len() || rising)
}

/// Rows that end the table: the signature footer, and the progress tables that follow the
/// totals in a consolidated report sent up as a form.
const FOOTERS: [&str; 7] = [
    "nguoi lap bieu",
    "thu truong don vi",
    "thu truong co quan",
    "lanh dao don vi",
    "xac nhan cua thu truong",
    "ky ten",
    "tien do thuc hien",
];

fn is_footer(folded: &str) -> bool {
    FOOTERS.iter().any(|f| folded.starts_with(f))
}

/// Strips a leading enumerator (`1.`, `a)`, `-`) from an indicator name.
fn strip_enumerator(folded: &str) -> &str {
    let s = folded.trim_start_matches(['-', '+', '*', '•']).trim_start();
    if let Some((head, rest)) = s.split_once([' ']) {
        let h = head.trim_end_matches(['.', ')']);
        if head.len() > h.len() && h.len() <= 4 && h.chars().all(|c| c.is_ascii_alphanumeric()) {
            return rest.trim_start();
        }
    }
    s
}

/// A cell read as a value: `None` is blank.
pub enum ReadValue {
    Blank,
    Value { micros: i64, coerced: bool },
    Invalid(BadValue),
}

pub fn read_value(cell: Option<&Cell>) -> ReadValue {
    let Some(cell) = cell else { return ReadValue::Blank };
    match cell {
        Cell::Int(i) if i.abs() <= text::MAX_UNITS => ReadValue::Value { micros: i * text::MICROS, coerced: false },
        Cell::Int(_) => ReadValue::Invalid(BadValue::TooLarge),
        Cell::Float(f) | Cell::Percent(f) => match text::float_to_micros(*f) {
            // Rounded to the micro-unit: told, as any value read otherwise than typed.
            Some(micros) => ReadValue::Value { micros, coerced: text::beyond_micros(*f) },
            None => ReadValue::Invalid(BadValue::TooLarge),
        },
        Cell::Text(t) => match text::parse_number(t) {
            Ok(p) => ReadValue::Value { micros: p.micros, coerced: p.coerced || !t.trim().is_empty() },
            Err(NumberError::Ambiguous) => ReadValue::Invalid(BadValue::Ambiguous),
            Err(NumberError::TooLarge) => ReadValue::Invalid(BadValue::TooLarge),
            Err(NumberError::NotANumber) => ReadValue::Invalid(BadValue::NotANumber),
        },
        Cell::Bool(_) => ReadValue::Invalid(BadValue::Boolean),
        Cell::Date(_) | Cell::DateTime(_) => ReadValue::Invalid(BadValue::Date),
        Cell::Error(_) => ReadValue::Invalid(BadValue::ExcelError),
        Cell::FormulaWithoutValue(_) => ReadValue::Invalid(BadValue::NoStoredResult),
    }
}

/// The rows of the indicator table, with the issues of reading them.
///
/// The table ends at the signature footer, at the dated line above the signature, or after
/// the last row that holds an indicator: a row with values that matches nothing is an
/// error when an indicator row follows it, or when it carries a code; below the last
/// indicator, a row without one is a note.
pub fn read_table(sheet: &Sheet, table: TableHeader, config: &Config, issues: &mut Vec<Issue>) -> Vec<ReportedRow> {
    let cols = table.columns;
    let folded_names = &config.folded_indicator_names;
    let mut rows: Vec<ReportedRow> = Vec::new();
    // Unmatched rows that are errors only if an indicator row follows them.
    let mut pending: Vec<Issue> = Vec::new();
    let mut first = true;
    for (&row, cells) in sheet.rows.range(table.row + 1..) {
        if std::mem::take(&mut first) && is_numbering_row(cells) {
            continue;
        }
        let value_cols = [Some(cols.total), cols.male, cols.female];
        let get = |c: Option<u16>| c.and_then(|c| cells.iter().find(|(cc, _)| *cc == c).map(|(_, v)| v));
        let has_values = value_cols.iter().any(|&c| get(c).is_some());
        let code_cell = get(cols.code).map(|c| text::tidy(&c.shown())).filter(|s| !s.is_empty());
        let mut matched = code_cell.as_deref().and_then(|c| config.indicator_index(c));
        // A row with an indicator code is no footer; only the others need the closer look.
        if matched.is_none() {
            let first_text = cells.iter().find_map(|(_, c)| c.text()).unwrap_or_default();
            if is_footer(&text::fold(first_text)) || text::prose_date(first_text).is_some() {
                break;
            }
        }
        // The name is only needed when the code did not decide.
        let name_cell = if matched.is_some() { None } else { get(cols.name).and_then(|c| c.text()).map(text::tidy) };
        if let (None, None, Some(name)) = (matched, &code_cell, &name_cell) {
            let f = text::fold(name);
            let key = strip_enumerator(&f);
            matched = folded_names.iter().position(|n| n == key || n == &f);
        }
        let Some(ind) = matched else {
            let code_like = code_cell.as_deref().is_some_and(|c| looks_like_code(c, config));
            if has_values || code_like {
                let what = code_cell.clone().or(name_cell.clone()).unwrap_or_default();
                let closest = &config.indicators[closest_indicator(&what, config)];
                // A name within a third of its length of an indicator's is a mistyped row,
                // wherever it stands; so is a number no row took. Text below the last
                // indicator is a note.
                let (folded, name) = (text::fold(&what), text::fold(&closest.name));
                let near = text::edit_distance(&folded, &name) * 3 <= folded.chars().count();
                let at = CellRef::new(row, cols.code.or(cols.name).unwrap_or(0));
                let i =
                    issue::unmatched_row(row + 1, &what, closest.named()).in_sheet(&sheet.name).at(at).with_value(what);
                // The unit's own total or subtotal row (`Tổng cộng`, `Cộng`) is not data:
                // totals are recomputed.
                if code_cell.is_none() && is_total_label(&folded) {
                    continue;
                }
                let numeric = value_cols.iter().any(|&c| matches!(read_value(get(c)), ReadValue::Value { .. }));
                if code_cell.is_some() || near || numeric { issues.push(i) } else { pending.push(i) }
            }
            continue;
        };
        issues.append(&mut pending);
        let code = config.indicators[ind].code.clone();
        if let Some(prev) = rows.iter().find(|r| r.indicator() == ind) {
            let at = CellRef::new(row, cols.code.or(cols.name).unwrap_or(0));
            let i = issue::indicator_twice(&code, prev.row + 1, row + 1);
            issues.push(i.in_sheet(&sheet.name).at(at).for_indicator(&code).with_value(&code));
            continue;
        }
        let mut reported = ReportedRow::new(ind, row);
        for (b, col) in value_cols.iter().enumerate() {
            let Some(col) = *col else { continue };
            let at = CellRef::new(row, col);
            reported.locate(b, col);
            let cell = get(Some(col));
            let shown = cell.map(Cell::shown).unwrap_or_default();
            let located = |i: Issue| i.in_sheet(&sheet.name).at(at).for_indicator(&code).with_value(&shown);
            if let Some(unit) = cell.and_then(|c| contradicting_unit(c, &config.indicators[ind])) {
                let expected = &config.indicators[ind].measure_unit;
                issues.push(located(issue::wrong_value_unit(&shown, unit, expected)));
                continue;
            }
            match read_value(cell) {
                ReadValue::Blank => {}
                ReadValue::Value { micros, coerced } => {
                    reported.set_value(b, Some(Micros(micros)));
                    if coerced {
                        let v = text::format_micros(micros);
                        issues.push(located(issue::coerced(&shown, &v)));
                    }
                }
                ReadValue::Invalid(why) => issues.push(located(issue::bad_value(why, at, &code, &shown))),
            }
        }
        rows.push(reported);
    }
    rows
}

/// The unit written with a value when it contradicts the indicator's unit of measure: a
/// money scale other than the indicator's (`2.500.000 đồng` in a `triệu đồng` cell), or a
/// percentage (typed, or as the cell's number format) in a count or an amount.
fn contradicting_unit(cell: &Cell, indicator: &crate::config::Indicator) -> Option<&'static str> {
    let written = match cell {
        Cell::Text(t) => text::value_unit(t)?,
        Cell::Percent(_) => "%",
        _ => return None,
    };
    let expected = text::money_scale(&indicator.measure_unit);
    match written {
        "%" => Some("%"),
        scale if Some(scale) != expected => Some(scale),
        _ => None,
    }
}

/// A row that sums the table (`Tổng cộng`, `Cộng`, `Tổng số`): never data, since totals are
/// recomputed.
fn is_total_label(folded: &str) -> bool {
    let s = strip_enumerator(folded);
    matches!(s, "tong cong" | "cong" | "tong so" | "tong" | "cong toan don vi" | "tong cong toan don vi")
}

fn looks_like_code(s: &str, config: &Config) -> bool {
    let s = s.trim().to_ascii_uppercase();
    config.indicators.iter().any(|i| {
        let prefix: String = i.code.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
        !prefix.is_empty()
            && s.starts_with(&prefix.to_ascii_uppercase())
            && s[prefix.len()..].chars().all(|c| c.is_ascii_digit())
    })
}

/// The catalogue index of the indicator whose code or name is nearest to `what`.
pub fn closest_indicator(what: &str, config: &Config) -> usize {
    let key = text::fold(what);
    config
        .indicators
        .iter()
        .enumerate()
        .map(|(i, ind)| {
            let d = text::edit_distance(&key, &config.folded_indicator_names[i])
                .min(text::edit_distance(&key, &text::fold(&ind.code)));
            (d, i)
        })
        .min()
        .map_or(0, |(_, i)| i)
}

/// Reads the HoatDong sheet's rows, if it has the activity table.
pub fn read_activities(sheet: &Sheet, config: &Config, is_1904: bool, issues: &mut Vec<Issue>) -> Option<ActivityLog> {
    let (header_row, cols) = sheet.rows.iter().find_map(|(&row, cells)| {
        let mut cols = ActivityColumns::default();
        for (c, cell) in cells {
            let Some(t) = cell.text() else { continue };
            let slot = match activity_heading(&text::fold(t)) {
                Some("date") => &mut cols.date,
                Some("kind") => &mut cols.kind,
                Some("channel") => &mut cols.channel,
                Some("participants") => &mut cols.participants,
                Some("female") => &mut cols.female,
                Some("cost") => &mut cols.cost,
                Some("count") => &mut cols.count,
                _ => continue,
            };
            *slot = Some(*c);
        }
        (cols.date.is_some() && cols.kind.is_some()).then_some((row, cols))
    })?;
    let mut out = Vec::new();
    for (&row, cells) in sheet.rows.range(header_row + 1..) {
        let get = |c: Option<u16>| c.and_then(|c| cells.iter().find(|(cc, _)| *cc == c).map(|(_, v)| v));
        if get(cols.date).is_none() && get(cols.kind).is_none() {
            let first = cells.iter().find_map(|(_, c)| c.text()).map(text::fold).unwrap_or_default();
            if is_footer(&first) {
                break;
            }
            continue;
        }
        // An issue about the cell of column `col` in this row.
        let mut push = |i: Issue, col: Option<u16>| {
            let value = get(col).map(Cell::shown).unwrap_or_default();
            issues.push(i.in_sheet(&sheet.name).at(col.map(|c| CellRef::new(row, c))).with_value(value));
        };
        let date = get(cols.date).and_then(|c| read_date(c, is_1904));
        if date.is_none() {
            push(issue::activity_date_unreadable(row + 1), cols.date);
        }
        let kind_text = get(cols.kind).map(|c| text::tidy(&c.shown())).unwrap_or_default();
        let kind = config.activity_types.iter().position(|t| t.code.eq_ignore_ascii_case(&kind_text)).or_else(|| {
            let key = text::fold(&kind_text);
            config.folded_activity_type_names.iter().position(|name| *name == key)
        });
        if kind.is_none() {
            push(issue::activity_unknown_type(row + 1, &kind_text, config.activity_types.len()), cols.kind);
        }
        let channel = get(cols.channel).and_then(Cell::text).and_then(|t| {
            // The form's own labels first; anything else after folding.
            let channels = [Channel::InPerson, Channel::Online, Channel::Mixed];
            channels.into_iter().find(|c| c.label_vi() == t).or_else(|| match text::fold(t).as_str() {
                "truc tiep" => Some(Channel::InPerson),
                "truc tuyen" => Some(Channel::Online),
                "ket hop" => Some(Channel::Mixed),
                _ => None,
            })
        });
        let mut number = |col: Option<u16>, what_vi: &str, what_en: &str| -> Option<Micros> {
            match read_value(get(col)) {
                ReadValue::Blank => None,
                ReadValue::Value { micros, .. } if micros >= 0 => Some(Micros(micros)),
                ReadValue::Value { .. } => {
                    push(issue::activity_negative(row + 1, (what_vi, what_en)), col);
                    None
                }
                ReadValue::Invalid(why) => {
                    push(issue::bad_activity_number(why, row + 1, (what_vi, what_en)), col);
                    None
                }
            }
        };
        let participants = number(cols.participants, "số người tham gia", "participants");
        let female = number(cols.female, "số nữ tham gia", "female participants");
        let cost = number(cols.cost, "kinh phí", "cost");
        if let (Some(p), Some(f)) = (participants, female)
            && f > p
        {
            push(issue::activity_female_over(row + 1, f, p), cols.female);
        }
        // `Số hoạt động` (a consolidated report's log): how many activities the row stands
        // for; blank is one.
        let count = match read_value(get(cols.count)) {
            ReadValue::Value { micros, .. } if micros > 0 && micros % text::MICROS == 0 => {
                u32::try_from(micros / text::MICROS).unwrap_or(u32::MAX)
            }
            ReadValue::Blank => 1,
            _ => {
                push(
                    issue::bad_activity_number(BadValue::NotANumber, row + 1, ("số hoạt động", "activities")),
                    cols.count,
                );
                1
            }
        };
        out.push(Activity { row, date, kind, channel, participants, female, cost, count });
    }
    Some(ActivityLog { rows: out, date_col: cols.date.unwrap_or(0) })
}

/// The rows of a form's activity log, and the column of their dates.
pub struct ActivityLog {
    pub rows: Vec<Activity>,
    pub date_col: u16,
}

/// The column an activity-log heading names, folded.
fn activity_heading(folded: &str) -> Option<&'static str> {
    Some(match folded {
        "ngay" | "ngay to chuc" | "ngay thuc hien" => "date",
        "ma loai hoat dong" | "loai hoat dong" | "ma loai" => "kind",
        "hinh thuc" => "channel",
        "so nguoi tham gia" => "participants",
        "trong do nu" | "nu" => "female",
        f if f.starts_with("kinh phi") => "cost",
        "so hoat dong" => "count",
        _ => return None,
    })
}

/// Whether folded text is a word the form itself prints: a header label, a table heading,
/// a footer, an activity-log heading.
pub fn is_form_word(folded: &str) -> bool {
    role(folded).is_some()
        || label_of(folded).is_some()
        || is_footer(folded)
        || activity_heading(folded).is_some()
        || matches!(folded, "stt" | "don vi tinh" | "ghi chu")
}

#[derive(Default, Clone, Copy)]
struct ActivityColumns {
    date: Option<u16>,
    kind: Option<u16>,
    channel: Option<u16>,
    participants: Option<u16>,
    female: Option<u16>,
    cost: Option<u16>,
    count: Option<u16>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(rows: &[(u32, &[(u16, &str)])]) -> Sheet {
        let mut s = Sheet { name: "BaoCao".into(), ..Sheet::default() };
        for (r, cells) in rows {
            s.rows.insert(*r, cells.iter().map(|(c, t)| (*c, Cell::Text((*t).to_string()))).collect());
        }
        s
    }

    #[test]
    fn table_found_shifted_and_with_two_row_header() {
        let s = sheet(&[
            (5, &[(2, "STT"), (3, "Mã chỉ tiêu"), (4, "Tên chỉ tiêu"), (6, "Kết quả")]),
            (6, &[(6, "TỔNG SỐ"), (7, "Nam"), (8, "Nữ")]),
        ]);
        let t = find_table(&s, &|_, cols| cols[0]).unwrap();
        assert_eq!(t.row, 6);
        assert_eq!(t.columns, TableColumns { code: Some(3), name: Some(4), total: 6, male: Some(7), female: Some(8) });
    }

    #[test]
    fn header_labels_in_next_cell_or_after_colon() {
        let s = sheet(&[
            (0, &[(0, "Mã đơn vị:"), (2, "005")]),
            (1, &[(0, "Kỳ báo cáo: 2023-THD")]),
            (2, &[(1, "ngay bao cao"), (3, "18/12/2023")]),
            (3, &[(0, "Người lập biểu"), (1, "Điện thoại")]),
            (9, &[(0, "Mã chỉ tiêu"), (1, "Tổng số")]),
        ]);
        let mut issues = vec![];
        let h = read_header(&s, 9, false, &mut issues);
        assert_eq!(h.unit_code.as_deref(), Some("005"));
        assert_eq!(h.unit_code_cell, Some(CellRef::new(0, 2)));
        assert_eq!(h.period.as_deref(), Some("2023-THD"));
        assert_eq!(h.report_date, chrono::NaiveDate::from_ymd_opt(2023, 12, 18));
        // A label followed only by another label has no value.
        assert_eq!(h.preparer, None);
        assert!(issues.is_empty());
    }

    #[test]
    fn enumerators_are_stripped_from_names() {
        assert_eq!(strip_enumerator("1. so van ban"), "so van ban");
        assert_eq!(strip_enumerator("a) so van ban"), "so van ban");
        assert_eq!(strip_enumerator("- so van ban"), "so van ban");
        assert_eq!(strip_enumerator("so van ban"), "so van ban");
    }

    #[test]
    fn a_doubled_heading_is_reported_once() {
        let s = sheet(&[(5, &[(0, "Mã số"), (1, "Mã chỉ tiêu"), (2, "Tên chỉ tiêu"), (4, "Tổng số")])]);
        let doubled = std::cell::RefCell::new(vec![]);
        let prefer = |role, cols: &[u16]| prefer_column(&s, role, cols, &doubled);
        find_table(&s, &prefer).unwrap();
        assert_eq!(doubled.borrow().len(), 1, "{:?}", doubled.borrow());
    }

    #[test]
    fn a_numbering_row_and_a_split_header_are_part_of_the_header() {
        let s = sheet(&[
            (5, &[(0, "STT"), (1, "Mã chỉ tiêu"), (2, "Tên chỉ tiêu"), (4, "Tổng số"), (5, "Chia ra")]),
            (6, &[(5, "Nam"), (6, "Nữ")]),
            (7, &[(0, "A"), (1, "B"), (2, "C"), (3, "D"), (4, "(1)"), (5, "(2)"), (6, "(3)")]),
            (8, &[(0, "1"), (1, "CT01"), (4, "5")]),
        ]);
        let t = find_table(&s, &|_, cols| cols[0]).unwrap();
        assert_eq!(t.row, 6);
        assert_eq!(t.columns, TableColumns { code: Some(1), name: Some(2), total: 4, male: Some(5), female: Some(6) });
        let c = Config::embedded().unwrap();
        let mut issues = vec![];
        let rows = read_table(&s, t, &c, &mut issues);
        // The text number is read with an info; nothing about the numbering row.
        assert_eq!(issues.iter().map(|i| i.code.as_str()).collect::<Vec<_>>(), ["I001"], "{issues:?}");
        assert_eq!(rows.len(), 1);
        assert!(is_numbering_row(&s.rows[&7]));
        assert!(!is_numbering_row(&s.rows[&8]));
    }

    #[test]
    fn a_log_row_stands_for_its_so_hoat_dong_activities_and_blank_is_one() {
        let s = sheet(&[
            (0, &[(0, "Đơn vị"), (1, "Ngày"), (2, "Mã loại hoạt động"), (3, "Hình thức"), (4, "Số hoạt động")]),
            (1, &[(0, "00001"), (1, "20/11/2023"), (2, "HD01"), (3, "Trực tiếp"), (4, "3")]),
            (2, &[(0, "00004"), (1, "21/11/2023"), (2, "HD02"), (3, "Trực tuyến")]),
        ]);
        let c = Config::embedded().unwrap();
        let acts = read_activities(&s, &c, false, &mut vec![]).unwrap().rows;
        assert_eq!(acts.iter().map(|a| a.count).collect::<Vec<_>>(), [3, 1]);
        let sub = crate::model::Submission { activities: acts, ..Default::default() };
        let summary = crate::aggregate::summarise_activities(&c.periods[0], &sub);
        assert_eq!((summary.total.activities, summary.total.online), (4, 1));
    }
}
