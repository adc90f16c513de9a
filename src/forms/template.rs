//! The form a unit fills in (SPEC §3): sheets BaoCao, HoatDong and HuongDan, blank or
//! pre-filled.
//!
//! Everything the reader in [`crate::ingest::form`] looks for is found by content, so the
//! layout here only has to keep to the labels and header rows; the rest (styles, data
//! validation, instructions) is for the clerk. Text that comes from the configuration or a
//! fill is always written as a string, never as a formula, and the document time is fixed,
//! so the same inputs give the same bytes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, DataValidationRule, DocProperties, Formula, Workbook, Worksheet,
};

use super::layout::{
    ACTIVITY_HEADER, ACTIVITY_ROWS, ACTIVITY_WIDTHS, AMOUNT_FORMAT, CHANNELS, COL_CODE, COL_MEASURE, COL_NAME,
    COL_NOTE, COL_STT, COL_TOTAL, COUNT_FORMAT, DATE_FORMAT, SHEET_ACTIVITIES, SHEET_GUIDE, SHEET_REPORT, Styles,
    TABLE_HEADER, TABLE_WIDTHS, file_name,
};
use crate::config::{Config, Indicator, Period, Unit, ValueType};
use crate::model::Channel;
use crate::text::legacy::{self, Legacy};

/// What to pre-fill in a form.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FormFill {
    /// What to write in the Mã đơn vị cell; `None` leaves it blank.
    pub unit_code_text: Option<String>,
    pub report_date: Option<NaiveDate>,
    pub preparer: String,
    pub phone: String,
    /// Indicator index in the catalogue, and its Tổng số, Nam, Nữ cells.
    pub values: Vec<(usize, [Option<CellFill>; 3])>,
    pub activities: Vec<ActivityFill>,
    /// How the form departs from the template, as offices make them.
    pub style: RealStyle,
}

/// The conventions of forms as Vietnamese offices really make them (`tonghop sample
/// --styles real`); the default is the template itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RealStyle {
    /// A row numbering the columns under the table header (`A | B | C | D | (1) | …`).
    pub numbering_row: bool,
    /// No Ngày báo cáo value: the date only on the line above the signature.
    pub date_in_signature: bool,
    /// No unit code or name: the issuing body's title (`UBND QUẬN CẦU GIẤY`) names the unit.
    pub title_only: bool,
    /// Every text of the form typed in a legacy font.
    pub encoding: Option<Legacy>,
    /// A chart sheet after the form.
    pub chart_sheet: bool,
}

/// One value cell's content.
#[derive(Debug, Clone, PartialEq)]
pub enum CellFill {
    Number(f64),
    /// Written as a string, as a clerk might type it (`abc`, `1.234`).
    Text(String),
}

/// One row of the HoatDong sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityFill {
    pub date: NaiveDate,
    pub kind_code: String,
    pub name: String,
    pub place: String,
    pub channel: Channel,
    pub participants: u32,
    pub female: u32,
    pub cost: f64,
}

/// Writes one blank form per unit (`None` = every configured unit; `Some(codes)` = those)
/// into `dir`, named `<code>_<ascii slug of unit name>.xlsx`. Returns the paths written.
pub fn write_templates(config: &Config, period: &Period, dir: &Path, units: Option<&[String]>) -> Result<Vec<PathBuf>> {
    let chosen: Vec<&Unit> = match units {
        None => config.units.iter().collect(),
        Some(codes) => {
            let mut chosen: Vec<&Unit> = Vec::new();
            for typed in codes {
                let unit = config.find_unit(typed);
                match unit {
                    Some(u) if !chosen.iter().any(|c| c.code == u.code) => chosen.push(u),
                    Some(_) => {}
                    None => bail!("unknown unit code `{typed}`"),
                }
            }
            chosen
        }
    };
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut written = Vec::with_capacity(chosen.len());
    for unit in chosen {
        let bytes = form_bytes(config, period, unit, None)?;
        let path = dir.join(file_name(unit, ""));
        crate::write::write_file(&path, &bytes).with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

/// The bytes of one unit's form; `fill` = values and header to pre-fill (`None` for a blank
/// template, which still carries the unit's code and name).
pub fn form_bytes(config: &Config, period: &Period, unit: &Unit, fill: Option<&FormFill>) -> Result<Vec<u8>> {
    let st = Styles::new();
    let mut wb = Workbook::new();
    let props = DocProperties::new()
        .set_creation_datetime(&crate::write::document_time(period.start))
        .set_title(format!("Biểu mẫu báo cáo {} - {}", period.code, unit.name))
        .set_author(if period.agency.is_empty() { "tonghop".to_string() } else { period.agency.clone() });
    wb.set_properties(&props);

    let mut guide = Worksheet::new();
    guide.set_name(SHEET_GUIDE)?;
    let type_rows = write_guide(&mut guide, &st, config, period, unit)?;

    let mut report = Worksheet::new();
    report.set_name(SHEET_REPORT)?;
    write_report(&mut report, &st, config, period, unit, fill)?;

    let mut acts = Worksheet::new();
    acts.set_name(SHEET_ACTIVITIES)?;
    let encoding = fill.and_then(|f| f.style.encoding);
    let activities = fill.map_or(&[][..], |f| &f.activities);
    write_activities(&mut acts, &st, (config, period, unit), activities, type_rows, encoding)?;

    wb.push_worksheet(report);
    wb.push_worksheet(acts);
    wb.push_worksheet(guide);
    if fill.is_some_and(|f| f.style.chart_sheet) {
        let mut chart = rust_xlsxwriter::Chart::new(rust_xlsxwriter::ChartType::Column);
        let first = TABLE_HEADER_ROW + 1;
        chart.add_series().set_name("Tổng số").set_values((SHEET_REPORT, first, COL_TOTAL, first + 10, COL_TOTAL));
        let mut sheet = Worksheet::new_chartsheet();
        sheet.set_name("Biểu đồ")?;
        sheet.insert_chart(0, 0, &chart)?;
        wb.push_worksheet(sheet);
    }
    Ok(wb.save_to_buffer()?)
}

fn count_validation() -> Result<DataValidation> {
    Ok(DataValidation::new()
        .allow_whole_number(DataValidationRule::GreaterThanOrEqualTo(0))
        .set_input_title("Số nguyên ≥ 0")?
        .set_input_message("Nhập số nguyên ≥ 0; để trống nếu không có số liệu, ghi 0 nếu bằng 0.")?
        .set_error_title("Giá trị không hợp lệ")?
        .set_error_message("Ô này chỉ nhận số nguyên không âm (0, 1, 2, …), không ghi kèm chữ hay đơn vị tính.")?)
}

fn amount_validation() -> Result<DataValidation> {
    Ok(DataValidation::new()
        .allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(0.0))
        .set_input_title("Số ≥ 0, đơn vị triệu đồng")?
        .set_input_message(
            "Nhập số ≥ 0 theo đơn vị triệu đồng, dấu phẩy là dấu thập phân (ví dụ 12,5); để trống nếu không có số liệu, ghi 0 nếu bằng 0.",
        )?
        .set_error_title("Giá trị không hợp lệ")?
        .set_error_message("Ô này chỉ nhận số không âm, đơn vị triệu đồng (ví dụ 12,5).")?)
}

fn date_validation(message: &str) -> Result<DataValidation> {
    let (lo, hi) = (NaiveDate::from_ymd_opt(2000, 1, 1), NaiveDate::from_ymd_opt(2099, 12, 31));
    let (Some(lo), Some(hi)) = (lo, hi) else { bail!("invalid constant date") };
    Ok(DataValidation::new()
        .allow_date(DataValidationRule::Between(lo, hi))
        .set_input_title("Ngày dạng dd/mm/yyyy")?
        .set_input_message(message)?
        .set_error_title("Ngày không hợp lệ")?
        .set_error_message("Hãy nhập ngày theo dạng ngày/tháng/năm (dd/mm/yyyy), ví dụ 18/12/2023.")?)
}

fn dmy(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

fn write_cell(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    value: Option<&CellFill>,
    format: &rust_xlsxwriter::Format,
) -> Result<()> {
    match value {
        Some(CellFill::Number(n)) => ws.write_number_with_format(row, col, *n, format)?,
        Some(CellFill::Text(t)) => ws.write_string_with_format(row, col, t, format)?,
        None => ws.write_blank(row, col, format)?,
    };
    Ok(())
}

/// The indicators in table order: grouped by section in configuration order, then any whose
/// section is not configured.
fn table_groups(config: &Config, period: &Period) -> Vec<(Option<String>, Vec<usize>)> {
    let mut groups: Vec<(Option<String>, Vec<usize>)> = Vec::new();
    // Indicators out of the catalogue during the period are not on its form.
    let mut placed: Vec<bool> = config.indicators.iter().map(|i| !i.valid.covers(period)).collect();
    for sec in &config.sections {
        let inds: Vec<usize> =
            (0..config.indicators.len()).filter(|&i| config.indicators[i].section == sec.code && !placed[i]).collect();
        for &i in &inds {
            placed[i] = true;
        }
        if !inds.is_empty() {
            groups.push((Some(format!("{}. {}", sec.code, sec.name)), inds));
        }
    }
    let rest: Vec<usize> = (0..config.indicators.len()).filter(|&i| !placed[i]).collect();
    if !rest.is_empty() {
        groups.push((None, rest));
    }
    groups
}

/// The row of the table header on BaoCao (zero-based).
pub const TABLE_HEADER_ROW: u32 = 10;

fn write_report(
    ws: &mut Worksheet,
    st: &Styles,
    config: &Config,
    period: &Period,
    unit: &Unit,
    fill: Option<&FormFill>,
) -> Result<()> {
    for (c, w) in TABLE_WIDTHS.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    let style = fill.map(|f| f.style).unwrap_or_default();
    // Text as the clerk's font stores it.
    let t = |s: &str| match style.encoding {
        Some(e) => legacy::encode(s, e),
        None => s.to_string(),
    };
    let last = (TABLE_HEADER.len() - 1) as u16;
    ws.merge_range(0, 0, 0, last, &t(&format!("BÁO CÁO KẾT QUẢ THỰC HIỆN\n{}", period.name)), &st.title)?;
    ws.set_row_height(0, 48)?;
    ws.merge_range(1, 0, 1, last, &t(&period.plan), &st.subtitle)?;
    if style.title_only {
        let body = unit.name.to_uppercase();
        let title = if config.unit_type(unit.unit_type).territorial { format!("UBND {body}") } else { body };
        ws.write_string_with_format(2, COL_STT, t(&title), &st.label)?;
    }

    let code_text = match fill {
        None => Some(unit.code.to_string()),
        Some(_) if style.title_only => None,
        Some(f) => f.unit_code_text.clone(),
    };
    let labels: [(&str, Option<String>); 6] = [
        ("Mã đơn vị:", code_text),
        ("Tên đơn vị:", Some(unit.name.clone()).filter(|_| !style.title_only)),
        ("Kỳ báo cáo:", Some(period.code.to_string())),
        ("Ngày báo cáo:", None),
        ("Người lập biểu:", fill.map(|f| f.preparer.clone())),
        ("Điện thoại:", fill.map(|f| f.phone.clone())),
    ];
    for (row, (label, value)) in (3u32..).zip(labels) {
        ws.write_string_with_format(row, COL_CODE, t(label), &st.label)?;
        if label == "Ngày báo cáo:" {
            match fill.and_then(|f| f.report_date).filter(|_| !style.date_in_signature) {
                Some(d) => ws.write_datetime_with_format(row, COL_NAME, d, &st.date_value)?,
                None => ws.write_blank(row, COL_NAME, &st.date_value)?,
            };
            let msg = format!("Ghi ngày lập báo cáo theo dạng dd/mm/yyyy. Hạn gửi báo cáo: {}.", dmy(period.deadline));
            ws.add_data_validation(row, COL_NAME, row, COL_NAME, &date_validation(&msg)?)?;
        } else if let Some(v) = value.filter(|v| !v.trim().is_empty()) {
            ws.write_string_with_format(row, COL_NAME, t(&v), &st.value)?;
        }
    }

    let head = TABLE_HEADER_ROW;
    for (c, h) in TABLE_HEADER.iter().enumerate() {
        ws.write_string_with_format(head, c as u16, t(h), &st.head)?;
    }
    ws.set_row_height(head, 30)?;
    ws.set_freeze_panes(head + 1, 0)?;
    ws.set_repeat_rows(head, head)?;
    let mut row = head + 1;
    if style.numbering_row {
        const LETTERS: [&str; 4] = ["A", "B", "C", "D"];
        for c in 0..=last {
            let token = LETTERS.get(c as usize).map_or_else(|| format!("({})", c - 3), |l| (*l).to_string());
            ws.write_string_with_format(row, c, token, &st.cell_center)?;
        }
        row += 1;
    }

    let count_dv = count_validation()?;
    let amount_dv = amount_validation()?;
    let values: HashMap<usize, &[Option<CellFill>; 3]> =
        fill.map(|f| f.values.iter().map(|(i, v)| (*i, v)).collect()).unwrap_or_default();
    let mut stt = 0u32;
    for (heading, inds) in table_groups(config, period) {
        if let Some(heading) = heading {
            for c in 0..=last {
                if c == COL_NAME {
                    ws.write_string_with_format(row, c, t(&heading), &st.section)?;
                } else {
                    ws.write_blank(row, c, &st.section_blank)?;
                }
            }
            row += 1;
        }
        for i in inds {
            let ind: &Indicator = &config.indicators[i];
            stt += 1;
            ws.write_number_with_format(row, COL_STT, stt, &st.cell_center)?;
            ws.write_string_with_format(row, COL_CODE, &ind.code, &st.cell_center)?;
            ws.write_string_with_format(row, COL_NAME, t(&ind.name), &st.cell_wrap)?;
            ws.write_string_with_format(row, COL_MEASURE, t(&ind.measure_unit), &st.cell_center)?;
            let number_format = match ind.value_type {
                ValueType::Count => &st.count,
                ValueType::Amount => &st.amount,
            };
            let cells = values.get(&i);
            for b in 0..3u16 {
                let format = if b > 0 && !ind.by_sex { &st.grey } else { number_format };
                write_cell(ws, row, COL_TOTAL + b, cells.and_then(|v| v[b as usize].as_ref()), format)?;
            }
            let last_value = if ind.by_sex { COL_TOTAL + 2 } else { COL_TOTAL };
            let dv = match ind.value_type {
                ValueType::Count => &count_dv,
                ValueType::Amount => &amount_dv,
            };
            ws.add_data_validation(row, COL_TOTAL, row, last_value, dv)?;
            if ind.required_for.contains(&unit.unit_type) {
                ws.write_string_with_format(row, COL_NOTE, t("Bắt buộc"), &st.note)?;
            } else {
                ws.write_blank(row, COL_NOTE, &st.cell)?;
            }
            row += 1;
        }
    }
    if let Some(d) = fill.and_then(|f| f.report_date).filter(|_| style.date_in_signature) {
        use chrono::Datelike;
        let place = if period.place.is_empty() { String::new() } else { format!("{}, ", period.place) };
        let line = format!("{place}ngày {} tháng {} năm {}", d.day(), d.month(), d.year());
        ws.merge_range(row, COL_TOTAL + 1, row, last, &t(&line), &st.footer_hint)?;
    }
    row += 1;
    ws.write_string_with_format(row, COL_NAME, t("Người lập biểu"), &st.footer)?;
    ws.merge_range(row, COL_TOTAL + 1, row, last, &t("Thủ trưởng đơn vị"), &st.footer)?;
    row += 1;
    ws.write_string_with_format(row, COL_NAME, t("(Ký, ghi rõ họ tên)"), &st.footer_hint)?;
    ws.merge_range(row, COL_TOTAL + 1, row, last, &t("(Ký tên, đóng dấu)"), &st.footer_hint)?;

    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    Ok(())
}

/// First data row of the activity table (zero-based); the header is the row above.
pub const ACTIVITY_FIRST_ROW: u32 = 4;

fn write_activities(
    ws: &mut Worksheet,
    st: &Styles,
    (config, period, unit): (&Config, &Period, &Unit),
    acts: &[ActivityFill],
    type_rows: Option<(u32, u32)>,
    encoding: Option<Legacy>,
) -> Result<()> {
    let t = |s: &str| match encoding {
        Some(e) => legacy::encode(s, e),
        None => s.to_string(),
    };
    for (c, w) in ACTIVITY_WIDTHS.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    let last = (ACTIVITY_HEADER.len() - 1) as u16;
    ws.merge_range(0, 0, 0, last, &t(&format!("CÁC HOẠT ĐỘNG ĐÃ TỔ CHỨC\n{}", unit.name)), &st.title)?;
    ws.set_row_height(0, 36)?;
    let hint = format!(
        "Mỗi hoạt động ghi một dòng. Ngày ghi theo dạng dd/mm/yyyy, từ {} đến {}. Mã loại hoạt động xem danh mục ở sheet {SHEET_GUIDE}.",
        dmy(period.activity_start),
        dmy(period.end)
    );
    ws.merge_range(1, 0, 1, last, &t(&hint), &st.subtitle)?;
    let head = ACTIVITY_FIRST_ROW - 1;
    for (c, h) in ACTIVITY_HEADER.iter().enumerate() {
        ws.write_string_with_format(head, c as u16, t(h), &st.head)?;
    }
    ws.set_row_height(head, 30)?;
    ws.set_freeze_panes(head + 1, 0)?;
    ws.set_repeat_rows(head, head)?;

    let plain = |f: &str| rust_xlsxwriter::Format::new().set_num_format(f);
    ws.set_column_format(1, &plain(DATE_FORMAT))?;
    ws.set_column_format(6, &plain(COUNT_FORMAT))?;
    ws.set_column_format(7, &plain(COUNT_FORMAT))?;
    ws.set_column_format(8, &plain(AMOUNT_FORMAT))?;

    for (i, a) in acts.iter().enumerate() {
        let row = ACTIVITY_FIRST_ROW + i as u32;
        ws.write_number_with_format(row, 0, (i + 1) as f64, &st.cell_center)?;
        ws.write_datetime_with_format(row, 1, a.date, &st.date_cell)?;
        ws.write_string_with_format(row, 2, &a.kind_code, &st.cell_center)?;
        ws.write_string_with_format(row, 3, t(&a.name), &st.cell_wrap)?;
        ws.write_string_with_format(row, 4, t(&a.place), &st.cell_wrap)?;
        ws.write_string_with_format(row, 5, t(a.channel.label_vi()), &st.cell_center)?;
        ws.write_number_with_format(row, 6, a.participants, &st.count)?;
        ws.write_number_with_format(row, 7, a.female, &st.count)?;
        ws.write_number_with_format(row, 8, a.cost, &st.amount)?;
        ws.write_blank(row, 9, &st.cell)?;
    }

    let first = ACTIVITY_FIRST_ROW;
    let last_row = first + (ACTIVITY_ROWS.max(acts.len() as u32 + 50)) - 1;
    let msg = format!(
        "Ngày tổ chức hoạt động, dạng dd/mm/yyyy, trong khoảng {} - {}.",
        dmy(period.activity_start),
        dmy(period.end)
    );
    ws.add_data_validation(first, 1, last_row, 1, &date_validation(&msg)?)?;
    let codes: Vec<&str> = config.activity_types.iter().map(|t| t.code.as_str()).collect();
    if !codes.is_empty() {
        let list = match DataValidation::new().allow_list_strings(&codes) {
            Ok(dv) => Some(dv),
            Err(_) => type_rows.map(|(a, b)| {
                DataValidation::new().allow_list_formula(Formula::new(format!(
                    "={SHEET_GUIDE}!$B${}:$B${}",
                    a + 1,
                    b + 1
                )))
            }),
        };
        if let Some(dv) = list {
            let dv = dv
                .set_input_title("Mã loại hoạt động")?
                .set_input_message(format!("Chọn mã loại hoạt động (xem danh mục ở sheet {SHEET_GUIDE})."))?
                .set_error_title("Mã không có trong danh mục")?
                .set_error_message(format!("Hãy chọn một mã loại hoạt động trong danh mục ở sheet {SHEET_GUIDE}."))?;
            ws.add_data_validation(first, 2, last_row, 2, &dv)?;
        }
    }
    let channel_dv = DataValidation::new()
        .allow_list_strings(&CHANNELS)?
        .set_input_title("Hình thức")?
        .set_input_message("Chọn Trực tiếp, Trực tuyến hoặc Kết hợp.")?
        .set_error_title("Hình thức không hợp lệ")?
        .set_error_message("Hình thức chỉ là Trực tiếp, Trực tuyến hoặc Kết hợp.")?;
    ws.add_data_validation(first, 5, last_row, 5, &channel_dv)?;
    let people_dv = DataValidation::new()
        .allow_whole_number(DataValidationRule::GreaterThanOrEqualTo(0))
        .set_input_title("Số nguyên ≥ 0")?
        .set_input_message("Số người, ghi số nguyên ≥ 0. Số nữ không lớn hơn số người tham gia.")?
        .set_error_title("Giá trị không hợp lệ")?
        .set_error_message("Ô này chỉ nhận số nguyên không âm.")?;
    ws.add_data_validation(first, 6, last_row, 7, &people_dv)?;
    let cost_dv = DataValidation::new()
        .allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(0.0))
        .set_input_title("Triệu đồng")?
        .set_input_message("Kinh phí theo đơn vị triệu đồng, dấu phẩy là dấu thập phân (ví dụ 12,5).")?
        .set_error_title("Giá trị không hợp lệ")?
        .set_error_message("Ô này chỉ nhận số không âm, đơn vị triệu đồng.")?
        .set_error_style(DataValidationErrorStyle::Stop);
    ws.add_data_validation(first, 8, last_row, 8, &cost_dv)?;

    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    Ok(())
}

struct Lines<'a> {
    ws: &'a mut Worksheet,
    row: u32,
}

impl Lines<'_> {
    fn put(&mut self, text: &str, format: &rust_xlsxwriter::Format) -> Result<u32> {
        self.ws.write_string_with_format(self.row, 0, text, format)?;
        self.row += 1;
        Ok(self.row - 1)
    }
    fn skip(&mut self) {
        self.row += 1;
    }
}

/// Writes the instructions; returns the rows listing the activity type codes in column B
/// (used as the list source when the codes do not fit an inline list).
fn write_guide(
    ws: &mut Worksheet,
    st: &Styles,
    config: &Config,
    period: &Period,
    unit: &Unit,
) -> Result<Option<(u32, u32)>> {
    ws.set_column_width(0, 110)?;
    ws.set_column_width(1, 10)?;
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    let mut g = Lines { ws, row: 0 };
    let t = &st.guide_text;
    let h = &st.guide_heading;
    g.put("HƯỚNG DẪN ĐIỀN BIỂU MẪU BÁO CÁO", &st.guide_title)?;
    g.put(&format!("{} ({})", period.name, period.code), h)?;
    if !period.plan.is_empty() {
        g.put(&format!("Thực hiện {}.", period.plan), t)?;
    }
    g.put(&format!("Đơn vị: {} (mã {}).", unit.name, unit.code), t)?;
    g.put(
        &format!(
            "Thời gian thực hiện: từ {} đến {}. Hạn gửi báo cáo: {} (báo cáo có Ngày báo cáo sau ngày này được tính là nộp muộn).",
            dmy(period.start),
            dmy(period.end),
            dmy(period.deadline)
        ),
        h,
    )?;
    g.skip();

    g.put("1. Thông tin chung (sheet BaoCao, phần đầu)", h)?;
    for text in [
        "- Mã đơn vị, Tên đơn vị và Kỳ báo cáo đã được điền sẵn: không sửa, không xóa. Mã đơn vị được ghi dạng chữ để giữ các số 0 ở đầu (ví dụ 001).",
        "- Ngày báo cáo: ghi ngày lập báo cáo theo dạng ngày/tháng/năm (dd/mm/yyyy), ví dụ 18/12/2023. Nếu gửi lại bản đã sửa, ghi Ngày báo cáo mới: bản có Ngày báo cáo muộn nhất được sử dụng.",
        "- Người lập biểu, Điện thoại: ghi họ tên và số điện thoại của người có thể giải đáp về số liệu.",
    ] {
        g.put(text, t)?;
    }
    g.skip();

    g.put("2. Bảng chỉ tiêu (sheet BaoCao)", h)?;
    for text in [
        "- Để trống ô nếu đơn vị không có số liệu (chưa báo cáo); ghi 0 nếu kết quả bằng 0. Ô trống và số 0 có ý nghĩa khác nhau.",
        "- Chỉ tiêu đếm (văn bản, buổi, người, lượt, …) ghi số nguyên, không kèm chữ hay đơn vị tính (ghi 12, không ghi \"12 buổi\").",
        "- Chỉ tiêu kinh phí ghi theo đơn vị triệu đồng; dấu phẩy là dấu thập phân, dấu chấm phân cách hàng nghìn (ví dụ 12,5 là 12 triệu 500 nghìn đồng; 1.234 là một nghìn hai trăm ba mươi bốn triệu đồng).",
        "- Chỉ tiêu chia theo giới tính: Nam + Nữ = Tổng số; số Nữ không được lớn hơn Tổng số. Các ô Nam, Nữ tô xám là chỉ tiêu không chia theo giới tính: để trống.",
        "- Số liệu là tổng cộng trong kỳ báo cáo của cả đơn vị. Không dùng công thức liên kết sang tệp khác.",
        "- Không đổi tên, xóa, thêm hay đổi thứ tự các dòng, cột, sheet của biểu mẫu; không sửa Mã chỉ tiêu và Tên chỉ tiêu.",
        "- Cột Ghi chú ghi \"Bắt buộc\" ở các chỉ tiêu đơn vị phải báo cáo (ghi 0 nếu không có).",
    ] {
        g.put(text, t)?;
    }
    g.skip();

    g.put("3. Các chỉ tiêu bắt buộc đối với đơn vị", h)?;
    let required: Vec<&Indicator> =
        config.indicators.iter().filter(|i| i.required_for.contains(&unit.unit_type)).collect();
    if required.is_empty() {
        g.put("Đơn vị không có chỉ tiêu bắt buộc; báo cáo các chỉ tiêu có số liệu.", t)?;
    }
    for ind in required {
        g.put(&format!("- {}: {} ({})", ind.code, ind.name, ind.measure_unit), t)?;
    }
    g.skip();

    g.put("4. Danh sách hoạt động (sheet HoatDong)", h)?;
    for text in [
        "- Mỗi hoạt động ghi một dòng, bắt đầu từ dòng ngay dưới dòng tiêu đề cột.".to_string(),
        format!(
            "- Ngày: ghi theo dạng dd/mm/yyyy. Chỉ tính các hoạt động từ {} đến {}.",
            dmy(period.activity_start),
            dmy(period.end)
        ),
        "- Mã loại hoạt động: chọn theo danh mục dưới đây.".to_string(),
        "- Hình thức: Trực tiếp, Trực tuyến hoặc Kết hợp.".to_string(),
        "- Số người tham gia và Trong đó nữ: số nguyên; số nữ không lớn hơn số người tham gia.".to_string(),
        "- Kinh phí: đơn vị triệu đồng, dấu phẩy là dấu thập phân.".to_string(),
    ] {
        g.put(&text, t)?;
    }
    g.skip();
    g.put("Danh mục loại hoạt động", h)?;
    let inline_fits = config.activity_types.iter().map(|a| a.code.chars().count() + 1).sum::<usize>() <= 256;
    let mut type_rows: Option<(u32, u32)> = None;
    for a in &config.activity_types {
        let r = g.put(&format!("{} - {}", a.code, a.name), t)?;
        if !inline_fits {
            g.ws.write_string(r, 1, &a.code)?;
        }
        type_rows = Some(type_rows.map_or((r, r), |(f, _)| (f, r)));
    }
    g.skip();
    g.put("5. Gửi báo cáo", h)?;
    let agency = if period.agency.is_empty() { "cơ quan tổng hợp" } else { period.agency.as_str() };
    g.put(
        &format!(
            "Lưu tệp dạng Excel (.xlsx), giữ nguyên tên tệp, và gửi về {agency} chậm nhất ngày {}.",
            dmy(period.deadline)
        ),
        t,
    )?;
    Ok(if inline_fits { None } else { type_rows })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{Found, ReadContext};

    #[test]
    fn blank_template_reads_back_with_code_and_no_values() {
        let config = Config::embedded().unwrap();
        let period = &config.periods[0];
        let dir = tempfile::tempdir().unwrap();
        let codes = vec!["005".to_string(), "S01".to_string(), "1".to_string()];
        let written = write_templates(&config, period, dir.path(), Some(&codes)).unwrap();
        let names: Vec<String> =
            written.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(
            names,
            ["005_Quan_Cau_Giay.xlsx", "S01_So_Lao_dong_Thuong_binh_va_Xa_hoi.xlsx", "001_Quan_Ba_Dinh.xlsx"]
        );
        for (path, code) in written.iter().zip(["005", "S01", "001"]) {
            let rel = path.file_name().unwrap().to_string_lossy().into_owned();
            let found = Found { rel, abs: path.clone(), ignored: None };
            let sub = crate::ingest::read(&found, &ReadContext::for_period(&config, period));
            assert_eq!(sub.sheet, SHEET_REPORT);
            assert_eq!(sub.unit.as_deref(), Some(code), "{:?}", sub.issues);
            assert_eq!(sub.header.unit_code.as_deref(), Some(code));
            assert_eq!(sub.header.unit_name.as_deref(), Some(config.unit(code).unwrap().name.as_str()));
            assert_eq!(sub.period.as_deref(), Some(period.code.as_str()));
            assert_eq!(sub.header.report_date, None);
            assert_eq!(sub.header.preparer, None);
            assert_eq!(sub.rows.len(), config.indicators.len());
            assert!(sub.rows.iter().all(|r| r.values() == [None, None, None]));
            assert_eq!(sub.activity_sheet.as_deref(), Some(SHEET_ACTIVITIES));
            assert!(sub.activities.is_empty());
            assert!(sub.issues.is_empty(), "{:?}", sub.issues);
            // The indicator rows keep catalogue order, with section headings between.
            let ct01 = &sub.rows[0];
            assert_eq!(ct01.cell(0).to_string(), format!("E{}", TABLE_HEADER_ROW + 3));
        }
        // A blank template is rejected for its blank required indicators, nothing else.
        let found = Found { rel: names[0].clone(), abs: written[0].clone(), ignored: None };
        let mut sub = crate::ingest::read(&found, &ReadContext::for_period(&config, period));
        crate::validate::validate(&mut sub, &config, period);
        assert!(sub.issues.iter().all(|i| i.code == "E030"), "{:?}", sub.issues);
        assert_eq!(sub.errors(), 4);
    }

    #[test]
    fn templates_are_deterministic_and_reject_unknown_units() {
        let config = Config::embedded().unwrap();
        let period = &config.periods[0];
        let unit = config.unit("D02").unwrap();
        let a = form_bytes(&config, period, unit, None).unwrap();
        let b = form_bytes(&config, period, unit, None).unwrap();
        assert_eq!(a, b);
        let dir = tempfile::tempdir().unwrap();
        assert!(write_templates(&config, period, dir.path(), Some(&["999".to_string()])).is_err());
        let all = write_templates(&config, period, dir.path(), None).unwrap();
        assert_eq!(all.len(), config.units.len());
    }

    #[test]
    fn filled_header_and_text_cells_read_back() {
        let config = Config::embedded().unwrap();
        let period = &config.periods[0];
        let unit = config.unit("001").unwrap();
        let ct18 = config.indicator_index("CT18").unwrap();
        let ct02 = config.indicator_index("CT02").unwrap();
        let fill = FormFill {
            unit_code_text: None,
            report_date: NaiveDate::from_ymd_opt(2023, 12, 18),
            preparer: "Nguyễn Thị Hoa".into(),
            phone: "0912 345 678".into(),
            values: vec![
                (ct18, [Some(CellFill::Number(12.5)), None, None]),
                (ct02, [Some(CellFill::Text("1.234".into())), None, None]),
            ],
            activities: vec![ActivityFill {
                date: NaiveDate::from_ymd_opt(2023, 11, 20).unwrap(),
                kind_code: "HD02".into(),
                name: "=1+1".into(),
                place: "Nhà văn hóa".into(),
                channel: Channel::Mixed,
                participants: 120,
                female: 80,
                cost: 3.5,
            }],
            style: RealStyle::default(),
        };
        let bytes = form_bytes(&config, period, unit, Some(&fill)).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("001_x.xlsx");
        std::fs::write(&path, bytes).unwrap();
        let sub = crate::ingest::read(
            &Found { rel: "001_x.xlsx".into(), abs: path, ignored: None },
            &ReadContext::for_period(&config, period),
        );
        assert_eq!(sub.header.unit_code, None);
        assert_eq!(sub.unit.as_deref(), Some("001"));
        assert!(sub.issues.iter().any(|i| i.code == "W001"));
        assert_eq!(sub.header.report_date, fill.report_date);
        assert_eq!(sub.header.preparer.as_deref(), Some("Nguyễn Thị Hoa"));
        assert_eq!(sub.header.phone.as_deref(), Some("0912 345 678"));
        let v = |i| sub.value(i, crate::model::Breakdown::Total).map(|m| m.0);
        assert_eq!(v(ct18), Some(12_500_000));
        assert_eq!(v(ct02), Some(1_234_000_000));
        assert!(sub.issues.iter().any(|i| i.code == "I001"));
        assert_eq!(sub.activities.len(), 1);
        let a = &sub.activities[0];
        assert_eq!(a.date, NaiveDate::from_ymd_opt(2023, 11, 20));
        assert_eq!(a.kind, Some(1));
        assert_eq!(a.channel, Some(Channel::Mixed));
        assert_eq!(a.participants.map(|m| m.0), Some(120_000_000));
        assert_eq!(a.female.map(|m| m.0), Some(80_000_000));
        assert_eq!(a.cost.map(|m| m.0), Some(3_500_000));
    }
}
