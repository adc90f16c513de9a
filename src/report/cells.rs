//! What every report sheet shares: the formats, the cell writers (text always as text,
//! clipped to Excel's limit; blank, never zero, for a missing number or date), labels.

use chrono::NaiveDate;
use rust_xlsxwriter::{ColNum, Color, Format, FormatAlign, FormatBorder, Formula, RowNum, Worksheet, XlsxError};

use crate::config::ValueType;
use crate::model::{Lang, Severity};
use crate::outcome::{Outcome, Timeliness};

/// The last row index a worksheet can hold.
pub(crate) const MAX_ROW: RowNum = 1_048_575;
/// Excel's limit on the length of a cell's text (UTF-16 code units), with some room.
pub(crate) const MAX_TEXT: usize = 32_000;

/// The formats every report sheet shares.
pub(crate) struct Styles {
    pub title: Format,
    pub subtitle: Format,
    pub note_line: Format,
    pub bold: Format,
    pub plain: Format,
    pub header: Format,
    pub text: Format,
    pub wrap: Format,
    pub bold_text: Format,
    pub count: Format,
    pub amount: Format,
    pub percent: Format,
    pub date: Format,
    pub bold_count: Format,
    pub bold_amount: Format,
    pub bold_percent: Format,
    pub date_plain: Format,
    pub count_plain: Format,
}

impl Styles {
    pub(crate) fn new() -> Styles {
        let cell = Format::new().set_border(FormatBorder::Thin).set_align(FormatAlign::VerticalCenter);
        let count = "#,##0";
        let amount = "#,##0.0##";
        let percent = "0.0%";
        Styles {
            title: Format::new()
                .set_bold()
                .set_font_size(14)
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_text_wrap(),
            subtitle: Format::new().set_bold().set_align(FormatAlign::Center).set_text_wrap(),
            note_line: Format::new().set_italic().set_align(FormatAlign::Center).set_text_wrap(),
            bold: Format::new().set_bold(),
            plain: Format::new(),
            header: cell
                .clone()
                .set_bold()
                .set_background_color(Color::RGB(0xDDEBF7))
                .set_align(FormatAlign::Center)
                .set_text_wrap(),
            text: cell.clone(),
            wrap: cell.clone().set_text_wrap(),
            bold_text: cell.clone().set_bold(),
            count: cell.clone().set_num_format(count),
            amount: cell.clone().set_num_format(amount),
            percent: cell.clone().set_num_format(percent),
            date: cell.clone().set_num_format("dd/mm/yyyy").set_align(FormatAlign::Center),
            bold_count: cell.clone().set_bold().set_num_format(count),
            bold_amount: cell.clone().set_bold().set_num_format(amount),
            bold_percent: cell.set_bold().set_num_format(percent),
            date_plain: Format::new().set_num_format("dd/mm/yyyy").set_align(FormatAlign::Left),
            count_plain: Format::new().set_num_format(count).set_align(FormatAlign::Left),
        }
    }

    pub(crate) fn value(&self, vt: ValueType, bold: bool) -> &Format {
        match (vt, bold) {
            (ValueType::Count, false) => &self.count,
            (ValueType::Count, true) => &self.bold_count,
            (ValueType::Amount, false) => &self.amount,
            (ValueType::Amount, true) => &self.bold_amount,
        }
    }
}

/// Text cut to what a cell can hold.
pub(crate) fn clip(s: &str) -> &str {
    if s.len() <= MAX_TEXT {
        return s;
    }
    let mut units = 0;
    for (i, ch) in s.char_indices() {
        units += ch.len_utf16();
        if units > MAX_TEXT {
            return &s[..i];
        }
    }
    s
}

/// Writes text as a string cell: never a formula, whatever it starts with.
/// The height of a row whose wrapped text runs `chars` characters in a column `width`
/// characters wide: LibreOffice does not grow such rows by itself.
pub(crate) fn wrapped_height(chars: usize, width: f64) -> f64 {
    let lines = (chars as f64 / (width * 0.95).max(1.0)).ceil().max(1.0);
    15.0 * lines
}

/// A row of column headers, left to right from column A.
pub(crate) fn write_headers(ws: &mut Worksheet, row: RowNum, headers: &[&str], f: &Format) -> Result<(), XlsxError> {
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(row, c as ColNum, *h, f)?;
    }
    Ok(())
}

pub(crate) fn put_text(ws: &mut Worksheet, row: RowNum, col: ColNum, s: &str, f: &Format) -> Result<(), XlsxError> {
    ws.write_string_with_format(row, col, clip(s), f)?;
    Ok(())
}

/// Writes a date cell, or a blank cell with the same format.
pub(crate) fn put_date(
    ws: &mut Worksheet,
    row: RowNum,
    col: ColNum,
    d: Option<NaiveDate>,
    f: &Format,
) -> Result<(), XlsxError> {
    match d {
        Some(d) => ws.write_date_with_format(row, col, d, f)?,
        None => ws.write_blank(row, col, f)?,
    };
    Ok(())
}

/// Writes a number, or a blank cell (never 0) when there is none.
pub(crate) fn put_number(
    ws: &mut Worksheet,
    row: RowNum,
    col: ColNum,
    v: Option<f64>,
    f: &Format,
) -> Result<(), XlsxError> {
    match v {
        Some(v) => ws.write_number_with_format(row, col, v, f)?,
        None => ws.write_blank(row, col, f)?,
    };
    Ok(())
}

/// A share, or none when the denominator is zero.
pub(crate) fn share(part: f64, whole: f64) -> Option<f64> {
    (whole > 0.0).then(|| part / whole)
}

pub(crate) fn date_text(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

pub(crate) fn severity_label(s: Severity, lang: Lang) -> &'static str {
    match s {
        Severity::Error => lang.pick("Lỗi", "Error"),
        Severity::Warning => lang.pick("Cảnh báo", "Warning"),
        Severity::Info => lang.pick("Thông tin", "Info"),
    }
}

/// A4 landscape, one page wide.
pub(crate) fn print_setup(ws: &mut Worksheet) {
    ws.set_paper_size(9).set_landscape().set_print_fit_to_pages(1, 0);
}

pub(crate) fn sheet_names(lang: Lang) -> [&'static str; 6] {
    [
        lang.pick("Tổng hợp", "Summary"),
        lang.pick("Theo đơn vị", "By unit"),
        lang.pick("Tiến độ nộp", "Submissions"),
        lang.pick("Lỗi dữ liệu", "Data issues"),
        lang.pick("Hoạt động", "Activities"),
        lang.pick("Thông tin", "Run info"),
    ]
}

/// The status shown for a unit: the fate of its winning file, or "missing".
pub(crate) fn status_label(outcome: &Outcome, file: Option<usize>, lang: Lang) -> &'static str {
    file.and_then(|f| outcome.files.get(f)).map_or_else(|| Timeliness::Missing.label(lang), |f| f.fate.label(lang))
}

/// A sheet name as a formula reference: `'Theo đơn vị'`.
pub(crate) fn sheet_ref(name: &str) -> String {
    format!("'{}'", name.replace('\'', "''"))
}

/// Writes a formula with its cached result, so that readers that do not recalculate
/// (calamine, viewers, previews) see the number.
pub(crate) fn put_formula(
    ws: &mut Worksheet,
    row: RowNum,
    col: ColNum,
    formula: &str,
    cached: f64,
    f: &Format,
) -> Result<(), XlsxError> {
    ws.write_formula_with_format(row, col, Formula::new(formula).set_result(cached.to_string()), f)?;
    Ok(())
}
