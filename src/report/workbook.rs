//! The consolidated workbook an official opens: summary, unit × indicator matrix,
//! submissions, data issues, activities and run information.
//!
//! Labels follow `--lang`; every string that came from an input file is written as a
//! string cell (never a formula); values are real numbers, dates real dates. Nothing here
//! reads the clock: the same outcome gives the same bytes.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use rust_xlsxwriter::utility::{cell_range, row_col_to_cell};
use rust_xlsxwriter::{
    Chart, ChartDataLabel, ChartFormat, ChartLegendPosition, ChartSolidFill, ChartType, ColNum, Color, DocProperties,
    Format, FormatAlign, FormatBorder, Formula, Note, RowNum, Workbook, Worksheet, XlsxError,
};

use super::RunMeta;
use crate::config::{Config, TargetKind, UnitType, ValueType};
use crate::model::{Breakdown, Channel, Fate, Lang, Micros, OwnKind, Severity};
use crate::outcome::{Outcome, Timeliness};

/// The last row index a worksheet can hold.
const MAX_ROW: RowNum = 1_048_575;
/// Excel's limit on the length of a cell's text (UTF-16 code units), with some room.
const MAX_TEXT: usize = 32_000;

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

    fn value(&self, vt: ValueType, bold: bool) -> &Format {
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
fn share(part: f64, whole: f64) -> Option<f64> {
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

fn sheet_names(lang: Lang) -> [&'static str; 6] {
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
fn status_label(outcome: &Outcome, file: Option<usize>, lang: Lang) -> &'static str {
    file.and_then(|f| outcome.files.get(f)).map_or_else(|| Timeliness::Missing.label(lang), |f| f.fate.label(lang))
}

/// A sheet name as a formula reference: `'Theo đơn vị'`.
fn sheet_ref(name: &str) -> String {
    format!("'{}'", name.replace('\'', "''"))
}

/// Writes a formula with its cached result, so that readers that do not recalculate
/// (calamine, viewers, previews) see the number.
fn put_formula(
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

/// The first fixed columns of the matrix: code, name, type, status.
const MATRIX_FIXED: ColNum = 4;

/// A unit row of the matrix: the unit (catalogue index) and its winning file.
type MatrixRow = (usize, Option<usize>);

/// The layout of the unit × indicator matrix (sheet 2), shared with the summary so that
/// the city totals can be formulas over the unit rows.
///
/// Rows: a header, then per unit type its units and a subtotal row, then the grand total.
/// Columns: the fixed ones, each indicator's Tổng số in catalogue order, then Nam and Nữ
/// of each indicator broken down by sex.
struct Matrix {
    /// Per unit type: (unit, winning file) rows in catalogue order.
    groups: Vec<(UnitType, Vec<MatrixRow>)>,
    /// Per indicator, the column of each breakdown it has (by [`Breakdown::index`]).
    cols: Vec<[Option<ColNum>; 3]>,
    width: ColNum,
}

impl Matrix {
    fn new(config: &Config, o: &Outcome) -> Matrix {
        // Rows: every expected unit, and any other unit with an accepted submission or a
        // value, so that the unit rows always add up to the city totals.
        let mut rows: Vec<MatrixRow> = o.units.iter().map(|u| (u.unit, u.file)).collect();
        let mut shown: BTreeSet<usize> = rows.iter().map(|r| r.0).collect();
        for (code, &f) in &o.accepted {
            if let Some(ui) = config.unit_position(code)
                && shown.insert(ui)
            {
                rows.push((ui, Some(f)));
            }
        }
        for v in o.tables.values.iter() {
            if shown.insert(v.unit) {
                rows.push((v.unit, o.accepted.get(&config.units[v.unit].code).copied()));
            }
        }
        rows.sort_by_key(|r| r.0);
        let groups = UnitType::ALL
            .into_iter()
            .map(|t| (t, rows.iter().copied().filter(|(ui, _)| config.units[*ui].unit_type == t).collect::<Vec<_>>()))
            .filter(|(_, g)| !g.is_empty())
            .collect();

        let n = config.indicators.len();
        let mut cols = vec![[None; 3]; n];
        let mut next = MATRIX_FIXED;
        for c in cols.iter_mut() {
            c[Breakdown::Total.index()] = Some(next);
            next += 1;
        }
        for (k, ind) in config.indicators.iter().enumerate() {
            if ind.by_sex {
                for b in [Breakdown::Male, Breakdown::Female] {
                    cols[k][b.index()] = Some(next);
                    next += 1;
                }
            }
        }
        Matrix { groups, cols, width: next }
    }

    fn col(&self, indicator: usize, b: Breakdown) -> Option<ColNum> {
        self.cols.get(indicator).and_then(|c| c[b.index()])
    }

    /// Every value column: (indicator, breakdown, column), in column order.
    fn columns(&self) -> Vec<(usize, Breakdown, ColNum)> {
        let mut out: Vec<_> = self
            .cols
            .iter()
            .enumerate()
            .flat_map(|(k, c)| Breakdown::ALL.into_iter().filter_map(move |b| c[b.index()].map(|col| (k, b, col))))
            .collect();
        out.sort_by_key(|x| x.2);
        out
    }

    /// Per group, its first unit row and its subtotal row; then the grand total row.
    fn blocks(&self) -> (Vec<(RowNum, RowNum)>, RowNum) {
        let mut row: RowNum = 1;
        let mut out = Vec::with_capacity(self.groups.len());
        for (_, units) in &self.groups {
            let sub = row + units.len() as RowNum;
            out.push((row, sub));
            row = sub + 1;
        }
        (out, row)
    }

    /// The unit rows of a column as formula arguments (`'Theo đơn vị'!E2:E13,…`), or
    /// none when the matrix has no unit rows.
    fn unit_ranges(&self, sheet: &str, col: ColNum) -> Option<String> {
        let (blocks, _) = self.blocks();
        let q = sheet_ref(sheet);
        let parts: Vec<String> =
            blocks.iter().map(|&(first, sub)| format!("{q}!{}", cell_range(first, col, sub - 1, col))).collect();
        (!parts.is_empty()).then(|| parts.join(","))
    }
}

/// A readable step for a count axis: 1, 2, 5, 10, 20, … with at most ten steps to `max`.
fn count_axis_step(max: u64) -> f64 {
    let mut step = 1u64;
    loop {
        for m in [1, 2, 5] {
            if max <= 10 * step * m {
                return (step * m) as f64;
            }
        }
        step = step.saturating_mul(10);
    }
}

/// The consolidated workbook of a run.
pub fn workbook_bytes(config: &Config, outcome: &Outcome, meta: &RunMeta) -> anyhow::Result<Vec<u8>> {
    workbook_bytes_with(config, outcome, meta, LOW_MEMORY_ROWS)
}

/// [`workbook_bytes`], with sheets of more than `low_memory_rows` rows per unit or per file
/// written in low-memory mode.
fn workbook_bytes_with(
    config: &Config,
    outcome: &Outcome,
    meta: &RunMeta,
    low_memory_rows: usize,
) -> anyhow::Result<Vec<u8>> {
    let st = Styles::new();
    let names = sheet_names(meta.lang);
    let mut wb = Workbook::new();
    wb.set_properties(
        &DocProperties::new()
            .set_creation_datetime(&crate::write::document_time(meta.as_of))
            .set_custom_property(OwnKind::PROPERTY, OwnKind::Report.as_str()),
    );

    let matrix = Matrix::new(config, outcome);
    // Sheets with a row per unit or per file are written in low-memory mode past
    // LOW_MEMORY_ROWS rows, so that a national run does not hold them whole.
    let low_units = outcome.units.len() > low_memory_rows;
    let low_files = outcome.files.len() > low_memory_rows;
    let sheet = |i: usize, fill: &dyn Fn(&mut Worksheet) -> Result<(), XlsxError>| -> Result<Worksheet, XlsxError> {
        let mut ws = Worksheet::new();
        ws.set_name(names[i])?;
        fill(&mut ws)?;
        Ok(ws)
    };
    // The unit × indicator matrix is the largest sheet by far. It is written row by row in
    // rust_xlsxwriter's low-memory mode (each row leaves memory once written; strings still
    // go to the shared table), on one core while the others are built on the other.
    let (low_done, rest) = rayon::join(
        || -> Result<(), XlsxError> {
            let ws = wb.add_worksheet_with_low_memory()?;
            ws.set_name(names[1])?;
            matrix_sheet(ws, config, outcome, &matrix, meta, &st)?;
            if low_units {
                let ws = wb.add_worksheet_with_low_memory()?;
                ws.set_name(names[2])?;
                submissions_sheet(ws, config, outcome, meta, &st, Fit::Measured)?;
            }
            if low_files {
                let ws = wb.add_worksheet_with_low_memory()?;
                ws.set_name(names[5])?;
                info_sheet(ws, outcome, meta, &st)?;
            }
            Ok(())
        },
        || -> Result<Vec<Worksheet>, XlsxError> {
            let mut sheets = vec![
                sheet(0, &|ws| summary_sheet(ws, names, config, outcome, &matrix, meta, &st))?,
                sheet(3, &|ws| issues_sheet(ws, outcome, meta, &st))?,
                sheet(4, &|ws| activities_sheet(ws, names[4], config, outcome, meta, &st))?,
            ];
            if !low_units {
                sheets.push(sheet(2, &|ws| submissions_sheet(ws, config, outcome, meta, &st, Fit::Auto))?);
            }
            if !low_files {
                sheets.push(sheet(5, &|ws| info_sheet(ws, outcome, meta, &st))?);
            }
            Ok(sheets)
        },
    );
    low_done?;
    for ws in rest? {
        wb.push_worksheet(ws);
    }
    // The low-memory sheets were added first: put every sheet in its place.
    wb.worksheets_mut().sort_by_key(|ws| names.iter().position(|n| *n == ws.name()));

    let t = std::time::Instant::now();
    // Deflate level 3, not 6: at 10,000 units the file is ~12 % larger and written in
    // ~0.2 s less. Any level gives the same bytes run after run.
    wb.set_zip_compression_level(3);
    let bytes = wb.save_to_buffer()?;
    tracing::debug!("report workbook saved in {:.2?}", t.elapsed());
    Ok(bytes)
}

/// Sheet 1: title block, city totals by section (formulas over sheet 2 with their cached
/// values), progress against the plan's targets with a chart of completeness by unit type.
fn summary_sheet(
    ws: &mut Worksheet,
    names: [&str; 6],
    config: &Config,
    o: &Outcome,
    mx: &Matrix,
    meta: &RunMeta,
    st: &Styles,
) -> Result<(), XlsxError> {
    let lang = meta.lang;
    let p = &o.period;
    for (c, w) in [6.0, 8.0, 62.0, 12.0, 14.0, 12.0, 12.0, 13.0].into_iter().enumerate() {
        ws.set_column_width(c as ColNum, w)?;
    }
    let center = Format::new().set_align(FormatAlign::Center).set_text_wrap();
    ws.merge_range(0, 0, 0, 2, &p.issuer, &center)?;
    ws.merge_range(1, 0, 1, 2, &p.agency, &st.subtitle)?;
    ws.merge_range(
        0,
        3,
        0,
        7,
        lang.pick("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "SOCIALIST REPUBLIC OF VIET NAM"),
        &st.subtitle,
    )?;
    ws.merge_range(
        1,
        3,
        1,
        7,
        lang.pick("Độc lập - Tự do - Hạnh phúc", "Independence - Freedom - Happiness"),
        &st.subtitle,
    )?;
    ws.merge_range(3, 0, 3, 7, lang.pick("BÁO CÁO TỔNG HỢP KẾT QUẢ", "CONSOLIDATED REPORT OF RESULTS"), &st.title)?;
    ws.merge_range(4, 0, 4, 7, lang.pick(&p.name, &p.name_en), &st.subtitle)?;
    ws.set_row_height(4, 30)?;
    let plan = if p.plan.is_empty() { String::new() } else { format!("{}; ", p.plan) };
    let line = match lang {
        Lang::Vi => format!("({plan}kỳ báo cáo từ ngày {} đến ngày {})", date_text(p.start), date_text(p.end)),
        Lang::En => format!("({plan}reporting period {} to {})", date_text(p.start), date_text(p.end)),
    };
    ws.merge_range(5, 0, 5, 7, &line, &st.note_line)?;
    let as_of = match lang {
        Lang::Vi => format!("Số liệu tính đến ngày {}", date_text(meta.as_of)),
        Lang::En => format!("Data as of {}", date_text(meta.as_of)),
    };
    ws.merge_range(6, 0, 6, 7, &as_of, &st.note_line)?;

    // The table of totals.
    let head: RowNum = 8;
    let headers = [
        lang.pick("STT", "No."),
        lang.pick("Mã", "Code"),
        lang.pick("Chỉ tiêu", "Indicator"),
        lang.pick("Đơn vị tính", "Unit"),
        lang.pick("Tổng số", "Total"),
        lang.pick("Nam", "Male"),
        lang.pick("Nữ", "Female"),
        lang.pick("Số đơn vị báo cáo", "Units reporting"),
    ];
    write_headers(ws, head, &headers, &st.header)?;
    ws.set_row_height(head, 32)?;
    let mut row = head + 1;
    let mut stt = 0;
    let mut listed = vec![false; config.indicators.len()];
    let mut groups: Vec<(Option<String>, Vec<usize>)> = config
        .sections
        .iter()
        .map(|s| {
            let members: Vec<usize> =
                config.indicators.iter().enumerate().filter(|(_, i)| i.section == s.code).map(|(k, _)| k).collect();
            (Some(format!("{}. {}", s.code, lang.pick(&s.name, &s.name_en))), members)
        })
        .collect();
    for (_, members) in &groups {
        for &k in members {
            listed[k] = true;
        }
    }
    let rest: Vec<usize> = (0..config.indicators.len()).filter(|&k| !listed[k]).collect();
    if !rest.is_empty() {
        groups.push((None, rest));
    }
    for (label, members) in &groups {
        if members.is_empty() {
            continue;
        }
        if let Some(label) = label {
            for c in 0..8 {
                ws.write_blank(row, c, &st.bold_text)?;
            }
            ws.write_string_with_format(row, 2, label, &st.bold_text)?;
            row += 1;
        }
        for &k in members {
            let ind = &config.indicators[k];
            stt += 1;
            ws.write_number_with_format(row, 0, stt, &st.count)?;
            ws.write_string_with_format(row, 1, &ind.code, &st.text)?;
            ws.write_string_with_format(row, 2, lang.pick(&ind.name, &ind.name_en), &st.wrap)?;
            ws.write_string_with_format(row, 3, &ind.measure_unit, &st.text)?;
            // Each total is a formula over the unit rows of "Theo đơn vị", with the exact
            // city total as its cached value; a total nobody reported stays empty.
            let f = st.value(ind.value_type, false);
            for (c, b) in [(4, Breakdown::Total), (5, Breakdown::Male), (6, Breakdown::Female)] {
                let v = o.tables.total(k, b).and_then(|t| t.value).filter(|_| ind.by_sex || b == Breakdown::Total);
                let ranges = mx.col(k, b).and_then(|col| mx.unit_ranges(names[1], col));
                match (v, ranges) {
                    (Some(v), Some(r)) => put_formula(ws, row, c, &format!("=SUM({r})"), v.as_f64(), f)?,
                    (v, _) => put_number(ws, row, c, v.map(Micros::as_f64), f)?,
                }
            }
            let reporting = o.tables.total(k, Breakdown::Total).map_or(0, |t| t.units_reporting);
            match mx.col(k, Breakdown::Total).and_then(|col| mx.unit_ranges(names[1], col)) {
                Some(r) => put_formula(ws, row, 7, &format!("=COUNT({r})"), f64::from(reporting), &st.count)?,
                None => {
                    ws.write_number_with_format(row, 7, reporting, &st.count)?;
                }
            }
            row += 1;
        }
    }
    let last = row - 1;
    ws.autofilter(head, 0, last.max(head), 7)?;
    ws.set_freeze_panes(head + 1, 0)?;
    ws.set_repeat_rows(head, head)?;
    print_setup(ws);

    // Progress against the plan, on a page of its own when printed: its heading is never
    // left alone at the foot of the table's last page.
    row += 1;
    ws.set_page_breaks(&[row])?;
    ws.write_string_with_format(row, 0, lang.pick("Tiến độ thực hiện", "Progress"), &st.bold)?;
    row += 1;
    let expected = o.units.len();
    let accepted = o.units.iter().filter(|u| u.accepted).count();

    let sub_header = |ws: &mut Worksheet, row: RowNum, first: &str, rest: &[&str]| -> Result<(), XlsxError> {
        ws.merge_range(row, 0, row, 2, first, &st.header)?;
        for (c, h) in rest.iter().enumerate() {
            ws.write_string_with_format(row, 3 + c as ColNum, *h, &st.header)?;
        }
        Ok(())
    };
    sub_header(
        ws,
        row,
        lang.pick("Loại đơn vị", "Unit type"),
        &[lang.pick("Phải báo cáo", "Expected"), lang.pick("Đã báo cáo", "Reported"), lang.pick("Tỷ lệ", "Share")],
    )?;
    row += 1;
    let types_first = row;
    for t in UnitType::ALL {
        let of_type: Vec<_> = o.units.iter().filter(|u| config.units[u.unit].unit_type == t).collect();
        if of_type.is_empty() {
            continue;
        }
        let done = of_type.iter().filter(|u| u.accepted).count();
        ws.merge_range(row, 0, row, 2, t.label(lang), &st.text)?;
        ws.write_number_with_format(row, 3, of_type.len() as f64, &st.count)?;
        ws.write_number_with_format(row, 4, done as f64, &st.count)?;
        put_number(ws, row, 5, share(done as f64, of_type.len() as f64), &st.percent)?;
        row += 1;
    }
    let types_last = row.checked_sub(1).filter(|&r| r >= types_first);
    ws.merge_range(row, 0, row, 2, lang.pick("Tổng cộng", "Total"), &st.bold_text)?;
    ws.write_number_with_format(row, 3, expected as f64, &st.bold_count)?;
    ws.write_number_with_format(row, 4, accepted as f64, &st.bold_count)?;
    put_number(ws, row, 5, share(accepted as f64, expected as f64), &st.bold_percent)?;
    row += 2;

    sub_header(
        ws,
        row,
        lang.pick("Thời hạn nộp báo cáo", "Timeliness"),
        &[lang.pick("Số đơn vị", "Units"), lang.pick("Tỷ lệ", "Share")],
    )?;
    row += 1;
    for t in [Timeliness::OnTime, Timeliness::Late, Timeliness::Missing] {
        let n = o.units.iter().filter(|u| u.timeliness == t).count();
        ws.merge_range(row, 0, row, 2, t.label(lang), &st.text)?;
        ws.write_number_with_format(row, 3, n as f64, &st.count)?;
        put_number(ws, row, 4, share(n as f64, expected as f64), &st.percent)?;
        row += 1;
    }
    row += 1;

    if !p.targets.is_empty() {
        sub_header(
            ws,
            row,
            lang.pick("Mục tiêu kế hoạch", "Plan target"),
            &[lang.pick("Chỉ tiêu", "Target"), lang.pick("Đạt được", "Achieved"), lang.pick("Đánh giá", "Assessment")],
        )?;
        row += 1;
        let on_time = o.units.iter().filter(|u| u.timeliness == Timeliness::OnTime).count();
        for t in &p.targets {
            let achieved = match t.kind {
                TargetKind::Completeness => share(accepted as f64, expected as f64),
                TargetKind::Timeliness => share(on_time as f64, expected as f64),
                TargetKind::IndicatorReported => {
                    let n = t.indicator.map_or(0, |k| {
                        let reported: std::collections::HashSet<usize> = o
                            .tables
                            .values
                            .iter()
                            .filter(|v| v.indicator == k && v.breakdown == Breakdown::Total && v.value.0 > 0)
                            .map(|v| v.unit)
                            .collect();
                        o.units.iter().filter(|u| u.accepted && reported.contains(&u.unit)).count()
                    });
                    share(n as f64, expected as f64)
                }
            };
            let goal = t.percent / 100.0;
            ws.merge_range(row, 0, row, 2, lang.pick(&t.label, &t.label_en), &st.wrap)?;
            ws.write_number_with_format(row, 3, goal, &st.percent)?;
            put_number(ws, row, 4, achieved, &st.percent)?;
            let verdict = match achieved {
                Some(a) if a + 1e-9 >= goal => lang.pick("Đạt", "Met"),
                Some(_) => lang.pick("Chưa đạt", "Not met"),
                None => "",
            };
            put_text(ws, row, 5, verdict, &st.text)?;
            row += 1;
        }
        row += 1;
    }

    // Completeness by unit type, below the progress tables it is drawn from.
    if let Some(last) = types_last {
        let sheet = names[0];
        let mut chart = Chart::new(ChartType::Column);
        for (c, color) in [(3, Color::RGB(0xA6A6A6)), (4, Color::RGB(0x2E75B6))] {
            chart
                .add_series()
                .set_name((sheet, types_first - 1, c))
                .set_categories((sheet, types_first, 0, last, 0))
                .set_values((sheet, types_first, c, last, c))
                .set_format(ChartFormat::new().set_solid_fill(ChartSolidFill::new().set_color(color)))
                .set_data_label(ChartDataLabel::new().show_value());
        }
        chart.title().set_name(lang.pick("Số đơn vị đã báo cáo theo loại đơn vị", "Units reported by unit type"));
        let most = UnitType::ALL
            .into_iter()
            .map(|t| o.units.iter().filter(|u| config.units[u.unit].unit_type == t).count())
            .max()
            .unwrap_or(0);
        chart.y_axis().set_min(0).set_major_unit(count_axis_step(most as u64)).set_num_format("#,##0");
        chart.legend().set_position(ChartLegendPosition::Bottom);
        chart.set_width(760).set_height(300);
        ws.insert_chart(row, 0, &chart)?;
        row += 17;
    }
    signature_block(ws, row, &o.period, meta, st)
}

/// Recipients on the left; place and date, the signer's title on the right: the close of
/// an administrative document, so the sheet can be signed and sent as it is.
fn signature_block(
    ws: &mut Worksheet,
    row: RowNum,
    p: &crate::config::Period,
    meta: &RunMeta,
    st: &Styles,
) -> Result<(), XlsxError> {
    let lang = meta.lang;
    let italic = Format::new().set_italic().set_align(FormatAlign::Center);
    let title = Format::new().set_bold().set_align(FormatAlign::Center);
    use chrono::Datelike;
    let d = meta.as_of;
    let dated = match (lang, p.place.is_empty()) {
        (Lang::Vi, false) => format!("{}, ngày {:02} tháng {:02} năm {}", p.place, d.day(), d.month(), d.year()),
        (Lang::Vi, true) => format!("Ngày {:02} tháng {:02} năm {}", d.day(), d.month(), d.year()),
        (Lang::En, false) => format!("{}, {}", p.place, date_text(d)),
        (Lang::En, true) => date_text(d),
    };
    ws.merge_range(row, 4, row, 7, &dated, &italic)?;
    if !p.signer.is_empty() {
        ws.merge_range(row + 1, 4, row + 1, 7, &p.signer, &title)?;
        ws.merge_range(
            row + 2,
            4,
            row + 2,
            7,
            lang.pick("(Ký, ghi rõ họ tên, đóng dấu)", "(Signature and seal)"),
            &italic,
        )?;
    }
    if !p.recipients.is_empty() {
        ws.write_string_with_format(row + 1, 0, lang.pick("Nơi nhận:", "Recipients:"), &st.bold_text)?;
        for (i, r) in p.recipients.iter().enumerate() {
            ws.merge_range(row + 2 + i as RowNum, 0, row + 2 + i as RowNum, 2, &format!("- {r};"), &st.text)?;
        }
    }
    Ok(())
}

/// Sheet 2: the unit × indicator matrix (Tổng số, then Nam/Nữ of the indicators broken
/// down by sex), grouped by unit type; subtotals and the grand total are formulas.
fn matrix_sheet(
    ws: &mut Worksheet,
    config: &Config,
    o: &Outcome,
    mx: &Matrix,
    meta: &RunMeta,
    st: &Styles,
) -> Result<(), XlsxError> {
    let lang = meta.lang;
    let fixed = [
        lang.pick("Mã đơn vị", "Unit code"),
        lang.pick("Tên đơn vị", "Unit name"),
        lang.pick("Loại", "Type"),
        lang.pick("Tình trạng", "Status"),
    ];
    write_headers(ws, 0, &fixed, &st.header)?;
    let columns = mx.columns();
    for &(k, b, c) in &columns {
        let ind = &config.indicators[k];
        let (head, note) = match b {
            Breakdown::Total => (ind.code.clone(), lang.pick(&ind.name, &ind.name_en).to_string()),
            Breakdown::Male | Breakdown::Female => {
                let sex = if b == Breakdown::Male { lang.pick("Nam", "Male") } else { lang.pick("Nữ", "Female") };
                (format!("{} {sex}", ind.code), format!("{} – {sex}", lang.pick(&ind.name, &ind.name_en)))
            }
        };
        ws.write_string_with_format(0, c, &head, &st.header)?;
        let text = format!("{note} ({})", ind.measure_unit);
        ws.insert_note(0, c, &Note::new(text).add_author_prefix(false).set_width(240))?;
        ws.set_column_width(c, 11)?;
    }
    for (c, w) in [10.0, 36.0, 16.0, 20.0].into_iter().enumerate() {
        ws.set_column_width(c as ColNum, w)?;
    }

    // A unit's values are one run of rows: each row of the sheet fills a slot per
    // (indicator, breakdown) from its unit's run, without hashing and without a table of
    // every unit × indicator.
    let unit_rows = o.tables.values.unit_rows(config.units.len());
    let slot = |indicator: usize, b: Breakdown| indicator * 3 + b as usize;
    let mut values: Vec<Option<Micros>> = vec![None; config.indicators.len() * 3];
    let (blocks, grand_row) = mx.blocks();
    let mut grand: Vec<Option<i64>> = vec![None; columns.len()];
    for ((t, units), &(first_row, sub_row)) in mx.groups.iter().zip(&blocks) {
        let mut sub: Vec<Option<i64>> = vec![None; columns.len()];
        for (i, &(ui, file)) in units.iter().enumerate() {
            let row = first_row + i as RowNum;
            let unit = &config.units[ui];
            ws.write_string_with_format(row, 0, unit.code.as_str(), &st.text)?;
            put_text(ws, row, 1, &unit.name, &st.text)?;
            ws.write_string_with_format(row, 2, t.label(lang), &st.text)?;
            ws.write_string_with_format(row, 3, status_label(o, file, lang), &st.text)?;
            values.fill(None);
            let (first, count) = unit_rows[ui];
            for r in first..first + count {
                let v = o.tables.values.get(r as usize);
                values[slot(v.indicator, v.breakdown)] = Some(v.value);
            }
            for (j, &(k, b, c)) in columns.iter().enumerate() {
                let v = values[slot(k, b)];
                if let Some(v) = v {
                    sub[j] = Some(sub[j].unwrap_or(0) + v.0);
                }
                put_number(ws, row, c, v.map(Micros::as_f64), st.value(config.indicators[k].value_type, false))?;
            }
        }
        for c in 0..MATRIX_FIXED {
            ws.write_blank(sub_row, c, &st.bold_text)?;
        }
        ws.write_string_with_format(
            sub_row,
            1,
            format!("{} {}", lang.pick("Cộng", "Subtotal"), t.label(lang)),
            &st.bold_text,
        )?;
        for (j, &(k, _, c)) in columns.iter().enumerate() {
            let f = st.value(config.indicators[k].value_type, true);
            match sub[j] {
                Some(v) => {
                    grand[j] = Some(grand[j].unwrap_or(0) + v);
                    let range = cell_range(first_row, c, sub_row - 1, c);
                    put_formula(ws, sub_row, c, &format!("=SUM({range})"), Micros(v).as_f64(), f)?;
                }
                None => {
                    ws.write_blank(sub_row, c, f)?;
                }
            }
        }
    }
    for c in 0..MATRIX_FIXED {
        ws.write_blank(grand_row, c, &st.bold_text)?;
    }
    ws.write_string_with_format(grand_row, 1, lang.pick("Tổng cộng", "Grand total"), &st.bold_text)?;
    for (j, &(k, _, c)) in columns.iter().enumerate() {
        let f = st.value(config.indicators[k].value_type, true);
        match grand[j] {
            Some(v) => {
                let subs: Vec<String> = blocks.iter().map(|&(_, sub_row)| row_col_to_cell(sub_row, c)).collect();
                put_formula(ws, grand_row, c, &format!("=SUM({})", subs.join(",")), Micros(v).as_f64(), f)?;
            }
            None => {
                ws.write_blank(grand_row, c, f)?;
            }
        }
    }
    // Totals by group (nội thành, ngoại thành, …), below the table and outside its filter.
    let groups: BTreeSet<&str> = o.tables.by_group.keys().map(|(g, _, _)| g.as_str()).collect();
    let mut row = grand_row + 2;
    if !groups.is_empty() {
        ws.write_string_with_format(row, 1, lang.pick("Cộng theo nhóm đơn vị", "Totals by group"), &st.bold_text)?;
        row += 1;
    }
    for g in groups {
        put_text(ws, row, 1, g, &st.bold_text)?;
        for &(k, b, c) in &columns {
            let v = o.tables.by_group.get(&(g.to_string(), k, b)).and_then(|t| t.value);
            put_number(ws, row, c, v.map(Micros::as_f64), st.value(config.indicators[k].value_type, true))?;
        }
        row += 1;
    }
    ws.autofilter(0, 0, grand_row, mx.width.max(MATRIX_FIXED + 1) - 1)?;
    ws.set_freeze_panes(1, 2)?;
    ws.set_repeat_rows(0, 0)?;
    // Too wide for one readable page: three pages across, the unit columns on each.
    ws.set_paper_size(9).set_landscape().set_print_fit_to_pages(3, 0);
    ws.set_repeat_columns(0, 1)?;
    Ok(())
}

/// Sheet 3: every expected unit's standing.
fn submissions_sheet(
    ws: &mut Worksheet,
    config: &Config,
    o: &Outcome,
    meta: &RunMeta,
    st: &Styles,
    fit: Fit,
) -> Result<(), XlsxError> {
    let lang = meta.lang;
    let headers = [
        lang.pick("Mã", "Code"),
        lang.pick("Tên đơn vị", "Unit name"),
        lang.pick("Loại", "Type"),
        lang.pick("Nhóm", "Group"),
        lang.pick("Tình trạng", "Status"),
        lang.pick("Tệp", "File"),
        lang.pick("Ngày báo cáo", "Report date"),
        lang.pick("Thời hạn", "Timeliness"),
        lang.pick("Số lỗi", "Errors"),
        lang.pick("Số cảnh báo", "Warnings"),
        lang.pick("Liên hệ", "Contact"),
    ];
    write_headers(ws, 0, &headers, &st.header)?;
    let mut row: RowNum = 1;
    for u in &o.units {
        let unit = &config.units[u.unit];
        let file = u.file.and_then(|f| o.files.get(f));
        ws.write_string_with_format(row, 0, unit.code.as_str(), &st.text)?;
        put_text(ws, row, 1, &unit.name, &st.text)?;
        ws.write_string_with_format(row, 2, unit.unit_type.label(lang), &st.text)?;
        put_text(ws, row, 3, &unit.group, &st.text)?;
        ws.write_string_with_format(row, 4, status_label(o, u.file, lang), &st.text)?;
        put_text(ws, row, 5, file.map_or("", |f| f.sub.path.as_str()), &st.text)?;
        put_date(ws, row, 6, file.and_then(|f| f.sub.header.report_date), &st.date)?;
        // A unit whose only report was rejected has sent something: say so.
        let standing = match (u.timeliness, u.file) {
            (Timeliness::Missing, Some(_)) => lang.pick("Chưa có báo cáo hợp lệ", "No valid report"),
            (t, _) => t.label(lang),
        };
        ws.write_string_with_format(row, 7, standing, &st.text)?;
        put_number(ws, row, 8, file.map(|f| f.sub.errors() as f64), &st.count)?;
        put_number(ws, row, 9, file.map(|f| f.sub.warnings() as f64), &st.count)?;
        put_text(ws, row, 10, &unit.contact, &st.text)?;
        row += 1;
    }
    ws.autofilter(0, 0, row - 1, headers.len() as ColNum - 1)?;
    ws.set_freeze_panes(1, 0)?;
    ws.set_repeat_rows(0, 0)?;
    match fit {
        Fit::Auto => {
            ws.set_autofit_max_width(360).set_autofit_max_row(AUTOFIT_ROWS).autofit();
        }
        Fit::Measured => {
            // Low-memory mode keeps one row at a time, so autofit cannot see the column:
            // measure its text on the rows autofit would have read.
            let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count() + 3).collect();
            for u in o.units.iter().take(AUTOFIT_ROWS as usize) {
                let unit = &config.units[u.unit];
                let file = u.file.and_then(|f| o.files.get(f)).map_or("", |f| f.sub.path.as_str());
                let texts =
                    [unit.code.as_str(), &unit.name, unit.unit_type.label(lang), &unit.group, file, &unit.contact];
                for (c, t) in [0, 1, 2, 3, 5, 10].into_iter().zip(texts) {
                    widths[c] = widths[c].max(t.chars().count());
                }
            }
            for (c, w) in widths.into_iter().enumerate() {
                ws.set_column_width_pixels(c as ColNum, (w as u32 * 7 + 7).min(360))?;
            }
        }
    }
    ws.set_column_width(6, 13)?;
    print_setup(ws);
    Ok(())
}

/// How a sheet's columns are sized: autofit over the cells in memory, or measured from the
/// data for a sheet written in low-memory mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fit {
    Auto,
    Measured,
}

/// The rows autofit reads, and past which a sheet with a row per unit or per file is
/// written in low-memory mode.
const AUTOFIT_ROWS: RowNum = 20_000;
const LOW_MEMORY_ROWS: usize = AUTOFIT_ROWS as usize;

/// Sheet 4: every issue of every file, by file path then as stored.
fn issues_sheet(ws: &mut Worksheet, o: &Outcome, meta: &RunMeta, st: &Styles) -> Result<(), XlsxError> {
    let lang = meta.lang;
    let headers = [
        lang.pick("Tệp", "File"),
        lang.pick("Mã đơn vị", "Unit code"),
        lang.pick("Trang tính", "Sheet"),
        lang.pick("Ô", "Cell"),
        lang.pick("Mã lỗi", "Code"),
        lang.pick("Mức độ", "Severity"),
        lang.pick("Chỉ tiêu", "Indicator"),
        lang.pick("Giá trị", "Value"),
        lang.pick("Nội dung", "Message"),
    ];
    write_headers(ws, 0, &headers, &st.header)?;
    let mut order: Vec<usize> = (0..o.files.len()).collect();
    order.sort_by(|&a, &b| o.files[a].sub.path.as_bytes().cmp(o.files[b].sub.path.as_bytes()));
    let total: usize = o.files.iter().map(|f| f.sub.issues.len()).sum();
    let mut row: RowNum = 1;
    'files: for &fi in &order {
        let f = &o.files[fi];
        for i in &f.sub.issues {
            if row >= MAX_ROW {
                let rest = total - (row as usize - 1);
                let text = match lang {
                    Lang::Vi => format!("… còn {rest} vấn đề khác, xem issues.csv"),
                    Lang::En => format!("… {rest} more issues, see issues.csv"),
                };
                ws.write_string_with_format(row, 0, text, &st.bold_text)?;
                break 'files;
            }
            put_text(ws, row, 0, &f.sub.path, &st.text)?;
            put_text(ws, row, 1, f.sub.unit.as_deref().unwrap_or(""), &st.text)?;
            put_text(ws, row, 2, &i.sheet, &st.text)?;
            put_text(ws, row, 3, &i.cell_text(), &st.text)?;
            put_text(ws, row, 4, &i.code, &st.text)?;
            ws.write_string_with_format(row, 5, severity_label(i.severity, lang), &st.text)?;
            put_text(ws, row, 6, i.indicator.as_deref().unwrap_or(""), &st.text)?;
            put_text(ws, row, 7, &i.value, &st.text)?;
            put_text(ws, row, 8, i.message(lang), &st.wrap)?;
            ws.set_row_height(row, wrapped_height(i.message(lang).chars().count(), 80.0))?;
            row += 1;
        }
    }
    let last = if row > 1 { row - 1 } else { 1 };
    ws.autofilter(0, 0, last, headers.len() as ColNum - 1)?;
    ws.set_freeze_panes(1, 0)?;
    ws.set_repeat_rows(0, 0)?;
    ws.set_autofit_max_width(300).set_autofit_max_row(20_000).autofit();
    ws.set_column_width(8, 80)?;
    print_setup(ws);
    Ok(())
}

fn week_label(k: usize, (from, to): (NaiveDate, NaiveDate), lang: Lang) -> String {
    if k == 0 {
        return lang.pick("Trước kỳ", "Before the period").to_string();
    }
    let d = |x: NaiveDate| x.format("%d/%m").to_string();
    format!("{} {k} ({}–{})", lang.pick("Tuần", "Week"), d(from), d(to))
}

/// Sheet 5: activities per week × type, by unit type, channel and unit, shares; charts of
/// the weekly timeline, the channels and the activities per district-level unit.
fn activities_sheet(
    ws: &mut Worksheet,
    sheet: &str,
    config: &Config,
    o: &Outcome,
    meta: &RunMeta,
    st: &Styles,
) -> Result<(), XlsxError> {
    let lang = meta.lang;
    let a = &o.tables.activities;
    let types = config.activity_types.len();
    let first: ColNum = 3;
    let after = first + types as ColNum;
    ws.write_string_with_format(0, 0, lang.pick("Tuần", "Week"), &st.header)?;
    ws.write_string_with_format(0, 1, lang.pick("Từ ngày", "From"), &st.header)?;
    ws.write_string_with_format(0, 2, lang.pick("Đến ngày", "To"), &st.header)?;
    for (t, at) in config.activity_types.iter().enumerate() {
        let c = first + t as ColNum;
        ws.write_string_with_format(0, c, lang.pick(&at.name, &at.name_en), &st.header)?;
        ws.set_column_width(c, 14)?;
    }
    ws.write_string_with_format(0, after, lang.pick("Tổng số hoạt động", "Activities"), &st.header)?;
    ws.write_string_with_format(0, after + 1, lang.pick("Số người tham gia", "Participants"), &st.header)?;
    ws.set_column_width(after, 12)?;
    ws.set_column_width(after + 1, 14)?;
    ws.set_row_height(0, 45)?;
    for (c, w) in [30.0, 12.0, 12.0].into_iter().enumerate() {
        ws.set_column_width(c as ColNum, w)?;
    }
    let mut row: RowNum = 1;
    let mut col_sums = vec![0u64; types];
    let (mut all_n, mut all_p, mut week_max) = (0u64, 0i64, 0u64);
    for (k, &span) in a.weeks.iter().enumerate() {
        ws.write_string_with_format(row, 0, week_label(k, span, lang), &st.text)?;
        put_date(ws, row, 1, Some(span.0), &st.date)?;
        put_date(ws, row, 2, Some(span.1), &st.date)?;
        let cells = a.by_week_type.get(k);
        let (mut n, mut p) = (0u64, 0i64);
        for (t, sum) in col_sums.iter_mut().enumerate() {
            let (count, people) = cells.and_then(|w| w.get(t)).copied().unwrap_or((0, Micros(0)));
            *sum += count;
            n += count;
            p += people.0;
            ws.write_number_with_format(row, first + t as ColNum, count as f64, &st.count)?;
        }
        ws.write_number_with_format(row, after, n as f64, &st.count)?;
        ws.write_number_with_format(row, after + 1, Micros(p).as_f64(), &st.count)?;
        week_max = week_max.max(n);
        all_n += n;
        all_p += p;
        row += 1;
    }
    let last_week = row - 1;
    ws.write_string_with_format(row, 0, lang.pick("Tổng cộng", "Total"), &st.bold_text)?;
    ws.write_blank(row, 1, &st.bold_text)?;
    ws.write_blank(row, 2, &st.bold_text)?;
    for (t, s) in col_sums.iter().enumerate() {
        ws.write_number_with_format(row, first + t as ColNum, *s as f64, &st.bold_count)?;
    }
    ws.write_number_with_format(row, after, all_n as f64, &st.bold_count)?;
    ws.write_number_with_format(row, after + 1, Micros(all_p).as_f64(), &st.bold_count)?;
    ws.autofilter(0, 0, last_week.max(1), after + 1)?;
    ws.set_freeze_panes(1, 1)?;
    row += 2;

    // By unit type.
    let headers = [
        lang.pick("Loại đơn vị", "Unit type"),
        lang.pick("Số hoạt động", "Activities"),
        lang.pick("Số người tham gia", "Participants"),
        lang.pick("Trong đó nữ", "Of whom female"),
        lang.pick("Tỷ lệ nữ", "Female share"),
        lang.pick("Trực tuyến, kết hợp", "Online or mixed"),
        lang.pick("Kinh phí (triệu đồng)", "Cost (million VND)"),
    ];
    write_headers(ws, row, &headers, &st.header)?;
    row += 1;
    let kinds: Vec<UnitType> = UnitType::ALL
        .into_iter()
        .filter(|t| o.period.expected_unit_types.contains(t) || a.by_unit_type.contains_key(t))
        .collect();
    let sums_row = |ws: &mut Worksheet, row: RowNum, label: &str, s: &crate::model::ActivitySums, bold: bool| {
        let (tx, n, p) =
            if bold { (&st.bold_text, &st.bold_count, &st.bold_percent) } else { (&st.text, &st.count, &st.percent) };
        let am = if bold { &st.bold_amount } else { &st.amount };
        ws.write_string_with_format(row, 0, label, tx)?;
        ws.write_number_with_format(row, 1, s.activities as f64, n)?;
        ws.write_number_with_format(row, 2, s.participants.as_f64(), n)?;
        ws.write_number_with_format(row, 3, s.female.as_f64(), n)?;
        put_number(ws, row, 4, share(s.female.as_f64(), s.participants.as_f64()), p)?;
        ws.write_number_with_format(row, 5, s.online as f64, n)?;
        ws.write_number_with_format(row, 6, s.cost.as_f64(), am)?;
        Ok::<(), XlsxError>(())
    };
    for t in kinds {
        let s = a.by_unit_type.get(&t).copied().unwrap_or_default();
        sums_row(ws, row, t.label(lang), &s, false)?;
        row += 1;
    }
    sums_row(ws, row, lang.pick("Tổng cộng", "Total"), &a.total, true)?;
    row += 2;

    // By channel.
    for (c, h) in [
        lang.pick("Hình thức", "Channel"),
        lang.pick("Số hoạt động", "Activities"),
        lang.pick("Số người tham gia", "Participants"),
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(row, c as ColNum, *h, &st.header)?;
    }
    row += 1;
    let channels_first = row;
    for ch in [Channel::InPerson, Channel::Online, Channel::Mixed] {
        let s = a.by_channel.get(&ch).copied().unwrap_or_default();
        ws.write_string_with_format(row, 0, lang.pick(ch.label_vi(), ch.label_en()), &st.text)?;
        ws.write_number_with_format(row, 1, s.activities as f64, &st.count)?;
        ws.write_number_with_format(row, 2, s.participants.as_f64(), &st.count)?;
        row += 1;
    }
    row += 1;

    // Shares.
    let online = lang.pick("Tỷ lệ hoạt động trực tuyến (Trực tuyến + Kết hợp)", "Online share (online + mixed)");
    ws.merge_range(row, 0, row, 2, online, &st.text)?;
    put_number(ws, row, 3, share(a.total.online as f64, a.total.activities as f64), &st.percent)?;
    row += 1;
    let female = lang.pick("Tỷ lệ nữ trong số người tham gia", "Female share of participants");
    ws.merge_range(row, 0, row, 2, female, &st.text)?;
    put_number(ws, row, 3, share(a.total.female.as_f64(), a.total.participants.as_f64()), &st.percent)?;
    row += 2;

    // Charts: the weekly timeline by type, and beside it the share of each channel.
    let charts_row = row;
    if !a.weeks.is_empty() && types > 0 {
        let mut chart = Chart::new(ChartType::ColumnStacked);
        for t in 0..types {
            let c = first + t as ColNum;
            chart
                .add_series()
                .set_name((sheet, 0, c))
                .set_categories((sheet, 1, 0, last_week, 0))
                .set_values((sheet, 1, c, last_week, c));
        }
        chart.title().set_name(lang.pick("Số hoạt động theo tuần và loại hình", "Activities per week by type"));
        // Whole steps: counts are never fractional, and small counts would get 0.5 steps.
        chart
            .y_axis()
            .set_name(lang.pick("Số hoạt động", "Activities"))
            .set_min(0)
            .set_major_unit(count_axis_step(week_max))
            .set_num_format("#,##0");
        chart.legend().set_position(ChartLegendPosition::Bottom);
        chart.set_width(840).set_height(380);
        ws.insert_chart(charts_row, 0, &chart)?;
    }
    let mut pie = Chart::new(ChartType::Doughnut);
    pie.add_series()
        .set_name(lang.pick("Hình thức", "Channel"))
        .set_categories((sheet, channels_first, 0, channels_first + 2, 0))
        .set_values((sheet, channels_first, 1, channels_first + 2, 1))
        .set_data_label(ChartDataLabel::new().show_percentage());
    pie.title().set_name(lang.pick("Hình thức tổ chức hoạt động", "Activities by channel"));
    pie.legend().set_position(ChartLegendPosition::Bottom);
    pie.set_hole_size(50);
    pie.set_width(400).set_height(380);
    ws.insert_chart_with_offset(charts_row, 0, &pie, 860, 0)?;
    row = charts_row + 20;

    // Activities by unit: district-level units first (every one with an accepted report,
    // most active first, drawn in a bar chart beside the table), then the other units with
    // activities. A unit without an accepted report is not listed: blank is not zero.
    let mut listed: BTreeSet<usize> = a.by_unit.keys().copied().collect();
    listed
        .extend(o.units.iter().filter(|u| u.accepted && config.units[u.unit].unit_type.family() == 0).map(|u| u.unit));
    let activities_of = |ui: usize| a.by_unit.get(&ui).copied().unwrap_or_default();
    let mut district: Vec<usize> =
        listed.iter().copied().filter(|&ui| config.units[ui].unit_type.family() == 0).collect();
    let mut others: Vec<usize> =
        listed.iter().copied().filter(|&ui| config.units[ui].unit_type.family() != 0).collect();
    for list in [&mut district, &mut others] {
        list.sort_by_key(|&ui| (std::cmp::Reverse(activities_of(ui).activities), ui));
    }
    if !listed.is_empty() {
        let headers = [
            lang.pick("Đơn vị", "Unit"),
            lang.pick("Mã đơn vị", "Unit code"),
            lang.pick("Loại", "Type"),
            lang.pick("Số hoạt động", "Activities"),
            lang.pick("Số người tham gia", "Participants"),
            lang.pick("Trực tuyến, kết hợp", "Online or mixed"),
        ];
        write_headers(ws, row, &headers, &st.header)?;
        ws.set_row_height(row, 30)?;
        let head = row;
        // Printed on a page of its own, so that the bar chart beside it is not cut.
        ws.set_page_breaks(&[head])?;
        row += 1;
        for &ui in district.iter().chain(&others) {
            let unit = &config.units[ui];
            let s = activities_of(ui);
            put_text(ws, row, 0, &unit.name, &st.text)?;
            ws.write_string_with_format(row, 1, unit.code.as_str(), &st.text)?;
            ws.write_string_with_format(row, 2, unit.unit_type.label(lang), &st.text)?;
            ws.write_number_with_format(row, 3, s.activities as f64, &st.count)?;
            ws.write_number_with_format(row, 4, s.participants.as_f64(), &st.count)?;
            ws.write_number_with_format(row, 5, s.online as f64, &st.count)?;
            row += 1;
        }
        if !district.is_empty() {
            let (from, to) = (head + 1, head + district.len() as RowNum);
            let most = district.iter().map(|&ui| activities_of(ui).activities).max().unwrap_or(0);
            let mut bar = Chart::new(ChartType::Bar);
            bar.add_series()
                .set_name((sheet, head, 3))
                .set_categories((sheet, from, 0, to, 0))
                .set_values((sheet, from, 3, to, 3))
                .set_gap(50)
                .set_data_label(ChartDataLabel::new().show_value());
            bar.title().set_name(lang.pick("Số hoạt động theo quận, huyện, thị xã", "Activities per district"));
            // Bar charts: y is the category axis; the most active unit on top.
            bar.y_axis().set_reverse();
            bar.x_axis().set_min(0).set_major_unit(count_axis_step(most)).set_num_format("#,##0");
            bar.legend().set_hidden();
            bar.set_width(600).set_height(80 + 20 * district.len().max(10) as u32);
            ws.insert_chart_with_offset(head, 6, &bar, 10, 0)?;
        }
    }
    print_setup(ws);
    Ok(())
}

/// Sheet 6: run metadata and every input file with its hash and fate.
fn info_sheet(ws: &mut Worksheet, o: &Outcome, meta: &RunMeta, st: &Styles) -> Result<(), XlsxError> {
    let lang = meta.lang;
    let mut row: RowNum = 0;
    ws.write_string_with_format(row, 0, lang.pick("Thông tin lần tổng hợp", "Run information"), &st.bold)?;
    row += 1;
    let pairs: [(&str, String); 4] = [
        (lang.pick("Phiên bản chương trình", "Program version"), meta.version.to_string()),
        (
            lang.pick("Kỳ báo cáo", "Period"),
            format!("{} – {}", o.period.code, lang.pick(&o.period.name, &o.period.name_en)),
        ),
        (lang.pick("Hạn nộp báo cáo", "Deadline"), date_text(o.period.deadline)),
        (lang.pick("Mã cấu hình (SHA-256)", "Configuration fingerprint (SHA-256)"), meta.config_fingerprint.clone()),
    ];
    ws.write_string_with_format(row, 0, lang.pick("Số liệu tính đến ngày", "Data as of"), &st.plain)?;
    ws.write_date_with_format(row, 1, meta.as_of, &st.date_plain)?;
    row += 1;
    for (k, v) in pairs {
        ws.write_string_with_format(row, 0, k, &st.plain)?;
        put_text(ws, row, 1, &v, &st.plain)?;
        row += 1;
    }
    row += 1;
    ws.write_string_with_format(row, 0, lang.pick("Số tệp theo tình trạng", "Files by fate"), &st.bold)?;
    row += 1;
    for fate in Fate::ALL {
        ws.write_string_with_format(row, 0, fate.label(lang), &st.plain)?;
        ws.write_number_with_format(row, 1, o.count(fate) as f64, &st.count_plain)?;
        row += 1;
    }
    ws.write_string_with_format(row, 0, lang.pick("Tổng số tệp", "Files found"), &st.bold)?;
    ws.write_number_with_format(row, 1, o.files.len() as f64, &st.count_plain)?;
    row += 2;

    ws.write_string_with_format(
        row,
        0,
        lang.pick("Thay đổi so với lần tổng hợp trước", "Changes since the previous run"),
        &st.bold,
    )?;
    row += 1;
    let c = &meta.changes;
    if !c.previous_run {
        ws.write_string_with_format(
            row,
            0,
            lang.pick("Lần tổng hợp đầu tiên vào thư mục này", "First run into these outputs"),
            &st.plain,
        )?;
        row += 1;
    } else {
        for (label, units) in [
            (lang.pick("Đơn vị mới gửi báo cáo", "Units reporting for the first time"), &c.new),
            (lang.pick("Đơn vị gửi lại báo cáo khác", "Units whose report changed"), &c.changed),
            (lang.pick("Đơn vị rút báo cáo", "Units whose report was withdrawn"), &c.withdrawn),
        ] {
            ws.write_string_with_format(row, 0, label, &st.plain)?;
            let list =
                if units.is_empty() { lang.pick("(không có)", "(none)").to_string() } else { units.join(", ") };
            put_text(ws, row, 1, &list, &st.plain)?;
            row += 1;
        }
    }
    row += 1;

    let head = row;
    let headers = [
        lang.pick("Tệp", "File"),
        "SHA-256",
        lang.pick("Mã đơn vị", "Unit code"),
        lang.pick("Kỳ báo cáo", "Period"),
        lang.pick("Tình trạng", "Fate"),
        lang.pick("Số lỗi", "Errors"),
        lang.pick("Số cảnh báo", "Warnings"),
    ];
    write_headers(ws, head, &headers, &st.header)?;
    row += 1;
    for f in &o.files {
        put_text(ws, row, 0, &f.sub.path, &st.text)?;
        put_text(ws, row, 1, &f.sub.sha256, &st.text)?;
        put_text(ws, row, 2, f.sub.unit.as_deref().unwrap_or(""), &st.text)?;
        put_text(ws, row, 3, f.sub.period.as_deref().unwrap_or(""), &st.text)?;
        ws.write_string_with_format(row, 4, f.fate.label(lang), &st.text)?;
        ws.write_number_with_format(row, 5, f.sub.errors() as f64, &st.count)?;
        ws.write_number_with_format(row, 6, f.sub.warnings() as f64, &st.count)?;
        row += 1;
    }
    ws.autofilter(head, 0, (row - 1).max(head + 1), headers.len() as ColNum - 1)?;
    ws.set_freeze_panes(head + 1, 0)?;
    ws.set_column_width(0, 40)?;
    ws.set_column_width(1, 66)?;
    for (c, w) in [(2, 12.0), (3, 12.0), (4, 22.0), (5, 9.0), (6, 11.0)] {
        ws.set_column_width(c, w)?;
    }
    print_setup(ws);
    Ok(())
}

/// A hand-built outcome for the report tests.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) mod testing {
    use std::collections::BTreeMap;
    use std::time::Duration;

    use chrono::NaiveDate;

    use crate::config::Config;
    use crate::model::{
        Activity, CellRef, Channel, Fate, Header, Issue, Lang, Micros, ReportedRow, Severity, Submission,
    };
    use crate::outcome::{FileRecord, Outcome, Timeliness, UnitStatus};
    use crate::report::RunMeta;

    pub fn date(d: u32, m: u32, y: i32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// An issue of a rule (rules.toml), on sheet BaoCao about CT06.
    pub fn rule_issue(code: &str, severity: Severity, cell: (u32, u16), value: &str) -> Issue {
        let i = Issue::from_rule(code, severity, format!("Lỗi {code} tại ô"), format!("Issue {code} in cell"));
        located(i, cell, value)
    }

    /// `i` on sheet BaoCao about CT06.
    pub fn located(i: Issue, cell: (u32, u16), value: &str) -> Issue {
        i.in_sheet("BaoCao").at(CellRef::new(cell.0, cell.1)).for_indicator("CT06").with_value(value)
    }

    fn sub(
        config: &Config,
        unit: &str,
        path: &str,
        report: NaiveDate,
        rows: &[(&str, [Option<i64>; 3])],
        issues: Vec<Issue>,
    ) -> Submission {
        Submission {
            path: path.into(),
            sha256: format!("{:0>64}", path.len()),
            sheet: "BaoCao".into(),
            header: Header { unit_code: Some(unit.into()), report_date: Some(report), ..Default::default() },
            unit: Some(crate::model::UnitCode::parse(unit).unwrap()),
            period: Some(config.periods[0].code.clone()),
            rows: rows
                .iter()
                .map(|(code, v)| ReportedRow {
                    indicator: config.indicator_index(code).unwrap(),
                    values: v.map(|x| x.map(Micros::from_units)),
                    ..Default::default()
                })
                .collect(),
            issues,
            ..Default::default()
        }
    }

    /// 001 accepted with a warning (on time) and an older superseded file; 002 accepted
    /// (late) with an amount; 003 rejected with an error whose value reads "=1+1".
    pub fn outcome(config: &Config) -> Outcome {
        let period = config.periods[0].clone();
        let a = {
            let mut s = sub(
                config,
                "001",
                "quan/001_BaDinh.xlsx",
                date(18, 12, 2023),
                &[("CT01", [Some(3), None, None]), ("CT06", [Some(100), Some(40), Some(60)])],
                vec![
                    rule_issue("W103", Severity::Warning, (13, 4), "100"),
                    located(crate::model::issue::coerced("12 buổi", "12"), (14, 4), "12 buổi"),
                ],
            );
            s.activities = vec![
                Activity {
                    row: 5,
                    date: Some(date(10, 11, 2023)),
                    kind: Some(0),
                    channel: Some(Channel::InPerson),
                    participants: Some(Micros::from_units(200)),
                    female: Some(Micros::from_units(120)),
                    cost: None,
                },
                Activity {
                    row: 6,
                    date: Some(date(16, 11, 2023)),
                    kind: Some(1),
                    channel: Some(Channel::Online),
                    participants: Some(Micros::from_units(50)),
                    female: Some(Micros::from_units(30)),
                    cost: Some(Micros(2_500_000)),
                },
            ];
            s.activity_summary = crate::aggregate::summarise_activities(&period, &s);
            s
        };
        let old = sub(
            config,
            "001",
            "quan/001_cu.xlsx",
            date(10, 12, 2023),
            &[("CT01", [Some(1), None, None])],
            vec![rule_issue("W105", Severity::Warning, (9, 4), "1")],
        );
        let b = sub(
            config,
            "002",
            "quan/002.xlsx",
            date(22, 12, 2023),
            &[("CT01", [Some(2), None, None]), ("CT25", [None, None, None])],
            vec![],
        );
        let mut b = b;
        b.rows[1].values[0] = Some(Micros(12_500_000));
        let c = sub(
            config,
            "003",
            "quan/003.xlsx",
            date(19, 12, 2023),
            &[("CT01", [Some(7), None, None])],
            vec![rule_issue("E101", Severity::Error, (19, 4), "=1+1")],
        );
        let files = vec![
            FileRecord { sub: a, fate: Fate::AcceptedWithWarnings },
            FileRecord { sub: old, fate: Fate::Superseded },
            FileRecord { sub: b, fate: Fate::Accepted },
            FileRecord { sub: c, fate: Fate::Rejected },
        ];
        let code = |c: &str| crate::model::UnitCode::parse(c).unwrap();
        let accepted: BTreeMap<_, usize> = [(code("001"), 0), (code("002"), 2)].into();
        let tables = crate::aggregate::aggregate(config, &period, &[&files[0].sub, &files[2].sub]).unwrap();
        let units = config
            .expected_units(&period)
            .map(|u| config.units.iter().position(|x| x.code == u.code).unwrap())
            .map(|ui| {
                let (file, accepted, timeliness) = match config.units[ui].code.as_str() {
                    "001" => (Some(0), true, Timeliness::OnTime),
                    "002" => (Some(2), true, Timeliness::Late),
                    "003" => (Some(3), false, Timeliness::Missing),
                    _ => (None, false, Timeliness::Missing),
                };
                UnitStatus { unit: ui, file, accepted, timeliness }
            })
            .collect();
        Outcome { period, as_of: date(21, 12, 2023), files, units, accepted, tables, read_time: Duration::ZERO }
    }

    pub fn meta(config: &Config, lang: Lang) -> RunMeta {
        RunMeta {
            version: "0.1.0-test",
            config_fingerprint: config.fingerprint.clone(),
            as_of: date(21, 12, 2023),
            lang,
            changes: Default::default(),
        }
    }

    /// Reads xlsx bytes back through a temporary file.
    pub fn open(bytes: &[u8]) -> (tempfile::TempDir, calamine::Sheets<std::io::BufReader<std::fs::File>>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.xlsx");
        std::fs::write(&path, bytes).unwrap();
        let wb = calamine::open_workbook_auto(&path).unwrap();
        (dir, wb)
    }

    /// The absolute row whose cell in `col` is the string `text`.
    pub fn find_row(r: &calamine::Range<calamine::Data>, col: u32, text: &str) -> Option<u32> {
        let (start, end) = (r.start()?, r.end()?);
        (start.0..=end.0).find(|&row| matches!(r.get_value((row, col)), Some(calamine::Data::String(s)) if s == text))
    }

    pub fn is_empty(r: &calamine::Range<calamine::Data>, row: u32, col: u32) -> bool {
        matches!(r.get_value((row, col)), None | Some(calamine::Data::Empty))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::HashMap;

    use calamine::{Data, Reader};

    use super::testing::*;
    use super::*;

    fn num(r: &calamine::Range<Data>, row: u32, col: u32) -> f64 {
        match r.get_value((row, col)) {
            Some(Data::Float(f)) => *f,
            Some(Data::Int(i)) => *i as f64,
            other => panic!("({row},{col}) is not a number: {other:?}"),
        }
    }

    #[test]
    fn workbook_reads_back() {
        let config = Config::embedded().unwrap();
        let o = outcome(&config);
        let bytes = workbook_bytes(&config, &o, &meta(&config, Lang::Vi)).unwrap();
        let (_dir, mut wb) = open(&bytes);
        assert_eq!(
            wb.sheet_names(),
            ["Tổng hợp", "Theo đơn vị", "Tiến độ nộp", "Lỗi dữ liệu", "Hoạt động", "Thông tin"]
        );

        // Summary: CT01 = 3 + 2 (003 was rejected), CT02 reported by nobody stays empty.
        let s = wb.worksheet_range("Tổng hợp").unwrap();
        let ct01 = find_row(&s, 1, "CT01").unwrap();
        assert_eq!(num(&s, ct01, 4), 5.0);
        assert_eq!(num(&s, ct01, 7), 2.0);
        assert!(is_empty(&s, ct01, 5), "CT01 is not by sex: no Nam cell");
        let ct02 = find_row(&s, 1, "CT02").unwrap();
        assert!(is_empty(&s, ct02, 4), "an unreported total is empty, not 0");
        let ct06 = find_row(&s, 1, "CT06").unwrap();
        assert_eq!((num(&s, ct06, 4), num(&s, ct06, 5), num(&s, ct06, 6)), (100.0, 40.0, 60.0));
        let ct25 = find_row(&s, 1, "CT25").unwrap();
        assert_eq!(num(&s, ct25, 4), 12.5);
        assert!(find_row(&s, 2, "I. Chỉ đạo điều hành").is_some());
        let target = find_row(&s, 0, "Tỷ lệ đơn vị ban hành kế hoạch hưởng ứng").unwrap();
        assert!((num(&s, target, 4) - 2.0 / o.units.len() as f64).abs() < 1e-12);

        // By unit: the quận subtotal sums 001 and 002; no huyện reported.
        let m = wb.worksheet_range("Theo đơn vị").unwrap();
        let col = 4 + config.indicator_index("CT01").unwrap() as u32;
        let sub = find_row(&m, 1, "Cộng Quận").unwrap();
        assert_eq!(num(&m, sub, col), 5.0);
        assert!(is_empty(&m, find_row(&m, 1, "Cộng Huyện").unwrap(), col));
        let total = find_row(&m, 1, "Tổng cộng").unwrap();
        assert_eq!(num(&m, total, col), 5.0);
        let u3 = find_row(&m, 0, "003").unwrap();
        assert_eq!(m.get_value((u3, 3)), Some(&Data::String("Bị từ chối".into())));
        assert!(is_empty(&m, u3, col));

        // Submissions: every expected unit, with report date as a date.
        let t = wb.worksheet_range("Tiến độ nộp").unwrap();
        assert_eq!(t.end().unwrap().0 as usize, o.units.len());
        let u2 = find_row(&t, 0, "002").unwrap();
        assert_eq!(t.get_value((u2, 7)), Some(&Data::String("Muộn".into())));
        assert!(matches!(t.get_value((u2, 6)), Some(Data::DateTime(_))));

        // Issues: the error's cell and its value "=1+1" as text, not a formula.
        let i = wb.worksheet_range("Lỗi dữ liệu").unwrap();
        let e = find_row(&i, 4, "E101").unwrap();
        assert_eq!(i.get_value((e, 0)), Some(&Data::String("quan/003.xlsx".into())));
        assert_eq!(i.get_value((e, 3)), Some(&Data::String("E20".into())));
        assert_eq!(i.get_value((e, 5)), Some(&Data::String("Lỗi".into())));
        assert_eq!(i.get_value((e, 7)), Some(&Data::String("=1+1".into())));
        let formulas = wb.worksheet_formula("Lỗi dữ liệu").unwrap();
        assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()));
        assert_eq!(i.end().unwrap().0, 4, "four issues (info included), one row each");

        // Activities: the launch before the period and one online session in week 1.
        let a = wb.worksheet_range("Hoạt động").unwrap();
        let before = find_row(&a, 0, "Trước kỳ").unwrap();
        assert_eq!(num(&a, before, 3), 1.0);
        assert!(find_row(&a, 0, "Tuần 1 (15/11–21/11)").is_some());

        // Run info: one row per file.
        let r = wb.worksheet_range("Thông tin").unwrap();
        assert!(find_row(&r, 0, "quan/001_cu.xlsx").is_some());
    }

    /// (row, col) of an A1 reference, `$` allowed.
    fn parse_cell(a1: &str) -> (u32, u32) {
        let a1 = a1.replace('$', "");
        let split = a1.find(|c: char| c.is_ascii_digit()).unwrap();
        let col = a1[..split].bytes().fold(0u32, |n, b| n * 26 + u32::from(b - b'A' + 1)) - 1;
        (a1[split..].parse::<u32>().unwrap() - 1, col)
    }

    /// The cells of `'Sheet'!A1:B2` (or of `A1` on `default`): (sheet, row, col).
    fn cells_of(reference: &str, default: &str) -> Vec<(String, u32, u32)> {
        let (sheet, range) = match reference.rsplit_once('!') {
            Some((s, r)) => (s.trim_matches('\'').replace("''", "'"), r),
            None => (default.to_string(), reference),
        };
        let (a, b) = range.split_once(':').unwrap_or((range, range));
        let ((r1, c1), (r2, c2)) = (parse_cell(a), parse_cell(b));
        (r1..=r2).flat_map(|r| (c1..=c2).map(move |c| (r, c))).map(|(r, c)| (sheet.clone(), r, c)).collect()
    }

    /// Evaluates the formulas this writer makes (`SUM(…)`, `COUNT(…)` over references) on
    /// the cached values of the workbook: what Excel computes when it recalculates.
    fn eval(formula: &str, here: &str, wb: &mut calamine::Sheets<std::io::BufReader<std::fs::File>>) -> f64 {
        let formula = formula.trim_start_matches('=');
        let (func, args) = formula.split_once('(').unwrap();
        let args = args.strip_suffix(')').unwrap();
        let mut sheets: HashMap<String, calamine::Range<Data>> = HashMap::new();
        let (mut sum, mut count) = (0.0, 0.0);
        for arg in args.split(',') {
            for (sheet, r, c) in cells_of(arg, here) {
                let range = sheets.entry(sheet.clone()).or_insert_with(|| wb.worksheet_range(&sheet).unwrap());
                match range.get_value((r, c)) {
                    Some(Data::Float(f)) => (sum, count) = (sum + f, count + 1.0),
                    Some(Data::Int(i)) => (sum, count) = (sum + *i as f64, count + 1.0),
                    None | Some(Data::Empty) => {}
                    other => panic!("{sheet}!({r},{c}) in {formula} is not a number: {other:?}"),
                }
            }
        }
        match func {
            "SUM" => sum,
            "COUNT" => count,
            other => panic!("unexpected function {other}"),
        }
    }

    fn formula_at(f: &calamine::Range<String>, row: u32, col: u32) -> String {
        f.get_value((row, col)).cloned().unwrap_or_default()
    }

    #[test]
    fn summary_totals_are_formulas_caching_the_city_totals() {
        let config = Config::embedded().unwrap();
        let o = outcome(&config);
        for (lang, summary, matrix) in [(Lang::Vi, "Tổng hợp", "Theo đơn vị"), (Lang::En, "Summary", "By unit")]
        {
            let bytes = workbook_bytes(&config, &o, &meta(&config, lang)).unwrap();
            let (_dir, mut wb) = open(&bytes);
            let s = wb.worksheet_range(summary).unwrap();
            let f = wb.worksheet_formula(summary).unwrap();
            let mut checked = 0;
            let mut reported = 0;
            for (k, ind) in config.indicators.iter().enumerate() {
                let row = find_row(&s, 1, &ind.code).unwrap();
                for (col, b) in [(4, Breakdown::Total), (5, Breakdown::Male), (6, Breakdown::Female)] {
                    let formula = formula_at(&f, row, col);
                    let total = o.tables.total(k, b).and_then(|t| t.value);
                    match total {
                        Some(v) => {
                            assert!(!formula.is_empty(), "{} {b:?} is a formula", ind.code);
                            assert!(formula.contains(&format!("'{matrix}'!")), "{formula}");
                            assert_eq!(num(&s, row, col), v.as_f64(), "{} {b:?}: cached = totals", ind.code);
                            let recalculated = eval(&formula, summary, &mut wb);
                            assert!((recalculated - v.as_f64()).abs() < 1e-9, "{} {b:?}: {formula}", ind.code);
                            checked += 1;
                            reported += 1;
                        }
                        None => {
                            assert!(is_empty(&s, row, col), "{} {b:?}: unreported is empty", ind.code);
                            assert!(formula.is_empty(), "{} {b:?}: unreported has no formula", ind.code);
                        }
                    }
                }
                // Units reporting: COUNT over the unit rows, cached = units_reporting.
                let units = o.tables.total(k, Breakdown::Total).unwrap().units_reporting;
                let formula = formula_at(&f, row, 7);
                assert!(formula.starts_with("COUNT("), "{formula}");
                assert_eq!(num(&s, row, 7), f64::from(units));
                assert_eq!(eval(&formula, summary, &mut wb), f64::from(units), "{}", ind.code);
                checked += 1;
            }
            // Totals, Nam/Nữ and counts: 001's CT01, CT06 ×3; 002's CT01, CT25.
            assert_eq!(reported, 5);
            // Every formula on the sheet is one of those just checked.
            assert_eq!(f.used_cells().filter(|(_, _, x)| !x.is_empty()).count(), checked);

            // The matrix: Nam/Nữ columns, subtotals and the grand total as formulas.
            let m = wb.worksheet_range(matrix).unwrap();
            let mf = wb.worksheet_formula(matrix).unwrap();
            let male = if lang == Lang::Vi { "CT06 Nam" } else { "CT06 Male" };
            let male_col = (0..m.width() as u32).find(|&c| m.get_value((0, c)) == Some(&Data::String(male.into())));
            let male_col = male_col.unwrap();
            let u1 = find_row(&m, 0, "001").unwrap();
            assert_eq!(num(&m, u1, male_col), 40.0);
            let grand = find_row(&m, 1, lang.pick("Tổng cộng", "Grand total")).unwrap();
            let mut grand_cells = 0;
            for (row, col, formula) in mf.used_cells().filter(|(_, _, x)| !x.is_empty()) {
                let (row, col) = (row as u32 + mf.start().unwrap().0, col as u32 + mf.start().unwrap().1);
                let cached = num(&m, row, col);
                assert!((eval(formula, matrix, &mut wb) - cached).abs() < 1e-9, "{formula}");
                grand_cells += usize::from(row == grand);
            }
            assert_eq!(grand_cells, reported, "one grand total formula per reported total");
        }
    }

    #[test]
    fn charts_point_at_cells_that_exist() {
        use std::io::Read;
        let config = Config::embedded().unwrap();
        let o = outcome(&config);
        let bytes = workbook_bytes(&config, &o, &meta(&config, Lang::Vi)).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
        let charts: Vec<String> = zip
            .file_names()
            .map(|n| n.unwrap().into_owned())
            .filter(|n| n.starts_with("xl/charts/chart") && n.ends_with(".xml"))
            .collect();
        // Completeness on Tổng hợp; weekly timeline, channels and districts on Hoạt động.
        assert_eq!(charts.len(), 4, "{charts:?}");
        let (_dir, mut wb) = open(&bytes);
        let mut refs = 0;
        for name in &charts {
            let mut xml = String::new();
            zip.by_name(name).unwrap().read_to_string(&mut xml).unwrap();
            for part in xml.split("<c:f>").skip(1) {
                let reference = part.split("</c:f>").next().unwrap();
                let reference = reference.replace("&apos;", "'");
                for (sheet, r, c) in cells_of(&reference, "") {
                    let range = wb.worksheet_range(&sheet).unwrap();
                    assert!(!is_empty(&range, r, c), "{name}: {reference} ({r},{c}) is empty");
                }
                refs += 1;
            }
        }
        assert!(refs >= 4 * 2);
    }

    #[test]
    fn activities_by_unit_lists_district_units_most_active_first() {
        let config = Config::embedded().unwrap();
        let o = outcome(&config);
        let bytes = workbook_bytes(&config, &o, &meta(&config, Lang::Vi)).unwrap();
        let (_dir, mut wb) = open(&bytes);
        let a = wb.worksheet_range("Hoạt động").unwrap();
        let head = find_row(&a, 0, "Đơn vị").unwrap();
        // 001 held both activities; every district-level unit with an accepted report has a
        // row, and no unit without one (blank is not zero).
        assert_eq!(a.get_value((head + 1, 1)), Some(&Data::String("001".into())));
        assert_eq!(num(&a, head + 1, 3), 2.0);
        assert_eq!(num(&a, head + 1, 4), 250.0);
        assert_eq!(num(&a, head + 1, 5), 1.0);
        let mut listed: BTreeSet<usize> = o.tables.activities.by_unit.keys().copied().collect();
        listed.extend(
            o.units.iter().filter(|u| u.accepted && config.units[u.unit].unit_type.family() == 0).map(|u| u.unit),
        );
        assert!(listed.len() < o.units.len());
        assert_eq!(a.end().unwrap().0, head + listed.len() as u32);
        for r in head + 1..=head + listed.len() as u32 {
            let code = a.get_value((r, 1)).unwrap().to_string();
            let ui = config.unit_position(&code).unwrap();
            assert!(listed.contains(&ui), "{code} is listed without an accepted report");
        }
    }

    #[test]
    fn count_axis_steps_are_whole() {
        assert_eq!(count_axis_step(0), 1.0);
        assert_eq!(count_axis_step(3), 1.0);
        assert_eq!(count_axis_step(10), 1.0);
        assert_eq!(count_axis_step(11), 2.0);
        assert_eq!(count_axis_step(122), 20.0);
        assert_eq!(count_axis_step(4_000), 500.0);
    }

    #[test]
    fn same_outcome_same_bytes() {
        let config = Config::embedded().unwrap();
        let o = outcome(&config);
        let m = meta(&config, Lang::Vi);
        assert_eq!(workbook_bytes(&config, &o, &m).unwrap(), workbook_bytes(&config, &o, &m).unwrap());
    }

    #[test]
    fn sheets_written_in_low_memory_mode_hold_the_same_cells_in_the_same_order() {
        let config = Config::embedded().unwrap();
        let o = outcome(&config);
        let m = meta(&config, Lang::Vi);
        let standard = workbook_bytes_with(&config, &o, &m, usize::MAX).unwrap();
        let low = workbook_bytes_with(&config, &o, &m, 0).unwrap();
        let (_a, mut a) = open(&standard);
        let (_b, mut b) = open(&low);
        assert_eq!(a.sheet_names(), b.sheet_names());
        for name in ["Tiến độ nộp", "Thông tin"] {
            let (x, y) = (a.worksheet_range(name).unwrap(), b.worksheet_range(name).unwrap());
            assert!(x.height() > 3, "{name} has rows");
            assert_eq!(x, y, "{name}");
        }
    }

    #[test]
    fn english_labels() {
        let config = Config::embedded().unwrap();
        let o = outcome(&config);
        let bytes = workbook_bytes(&config, &o, &meta(&config, Lang::En)).unwrap();
        let (_dir, mut wb) = open(&bytes);
        assert_eq!(wb.sheet_names(), ["Summary", "By unit", "Submissions", "Data issues", "Activities", "Run info"]);
        let m = wb.worksheet_range("By unit").unwrap();
        assert!(find_row(&m, 1, "Subtotal Urban districts").is_some());
    }

    #[test]
    fn long_text_is_clipped_on_a_char_boundary() {
        let s = "ệ".repeat(40_000);
        let c = clip(&s);
        assert_eq!(c.chars().count(), MAX_TEXT);
        assert_eq!(clip("abc"), "abc");
    }
}
