//! What every generated form shares: sheet names, column headers, cell styles, file names.

use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::config::Unit;

pub const SHEET_REPORT: &str = "BaoCao";
pub const SHEET_ACTIVITIES: &str = "HoatDong";
pub const SHEET_GUIDE: &str = "HuongDan";

/// The indicator table's header row, columns A..H.
pub const TABLE_HEADER: [&str; 8] =
    ["STT", "Mã chỉ tiêu", "Tên chỉ tiêu", "Đơn vị tính", "Tổng số", "Nam", "Nữ", "Ghi chú"];
pub const TABLE_WIDTHS: [f64; 8] = [6.0, 16.0, 60.0, 12.0, 12.0, 12.0, 12.0, 14.0];
pub const COL_STT: u16 = 0;
pub const COL_CODE: u16 = 1;
pub const COL_NAME: u16 = 2;
pub const COL_MEASURE: u16 = 3;
/// Tổng số; Nam and Nữ follow.
pub const COL_TOTAL: u16 = 4;
pub const COL_NOTE: u16 = 7;

/// The activity log's header row, columns A..J.
pub const ACTIVITY_HEADER: [&str; 10] = [
    "STT",
    "Ngày",
    "Mã loại hoạt động",
    "Tên hoạt động",
    "Địa điểm",
    "Hình thức",
    "Số người tham gia",
    "Trong đó nữ",
    "Kinh phí (triệu đồng)",
    "Ghi chú",
];
pub const ACTIVITY_WIDTHS: [f64; 10] = [6.0, 12.0, 12.0, 45.0, 30.0, 12.0, 12.0, 12.0, 12.0, 20.0];
/// Rows below the activity header that get data validation in a form.
pub const ACTIVITY_ROWS: u32 = 200;
pub const CHANNELS: [&str; 3] = ["Trực tiếp", "Trực tuyến", "Kết hợp"];

pub const DATE_FORMAT: &str = "dd/mm/yyyy";
pub const COUNT_FORMAT: &str = "#,##0";
pub const AMOUNT_FORMAT: &str = "#,##0.0";

/// The cell styles of a form.
pub struct Styles {
    pub title: Format,
    pub subtitle: Format,
    pub label: Format,
    pub value: Format,
    pub date_value: Format,
    pub head: Format,
    pub section: Format,
    pub section_blank: Format,
    pub cell: Format,
    pub cell_center: Format,
    pub cell_wrap: Format,
    pub count: Format,
    pub amount: Format,
    pub grey: Format,
    pub note: Format,
    pub date_cell: Format,
    pub footer: Format,
    pub footer_hint: Format,
    pub guide_title: Format,
    pub guide_heading: Format,
    pub guide_text: Format,
}

impl Default for Styles {
    fn default() -> Self {
        Styles::new()
    }
}

impl Styles {
    pub fn new() -> Styles {
        let border = |f: Format| f.set_border(FormatBorder::Thin).set_align(FormatAlign::VerticalCenter);
        Styles {
            title: Format::new()
                .set_bold()
                .set_font_size(13)
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_text_wrap(),
            subtitle: Format::new().set_italic().set_align(FormatAlign::Center),
            label: Format::new().set_bold(),
            value: Format::new().set_align(FormatAlign::Left),
            date_value: Format::new().set_num_format(DATE_FORMAT).set_align(FormatAlign::Left),
            head: border(Format::new())
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_background_color(Color::RGB(0xDDEBF7)),
            section: border(Format::new()).set_bold().set_background_color(Color::RGB(0xF2F2F2)),
            section_blank: border(Format::new()).set_background_color(Color::RGB(0xF2F2F2)),
            cell: border(Format::new()),
            cell_center: border(Format::new()).set_align(FormatAlign::Center),
            cell_wrap: border(Format::new()).set_text_wrap(),
            count: border(Format::new()).set_num_format(COUNT_FORMAT),
            amount: border(Format::new()).set_num_format(AMOUNT_FORMAT),
            grey: border(Format::new()).set_background_color(Color::RGB(0xBFBFBF)),
            note: border(Format::new()).set_italic().set_font_color(Color::RGB(0xC00000)),
            date_cell: border(Format::new()).set_num_format(DATE_FORMAT).set_align(FormatAlign::Center),
            footer: Format::new().set_bold().set_align(FormatAlign::Center),
            footer_hint: Format::new().set_italic().set_align(FormatAlign::Center),
            guide_title: Format::new().set_bold().set_font_size(13),
            guide_heading: Format::new().set_bold().set_text_wrap(),
            guide_text: Format::new().set_text_wrap().set_align(FormatAlign::Top),
        }
    }
}

/// An ASCII slug of a name: diacritics dropped (`đ` → `d`), case kept, every run of other
/// characters one `_`. `Quận Cầu Giấy` → `Quan_Cau_Giay`.
pub fn slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        let c = match c {
            'đ' => 'd',
            'Đ' => 'D',
            _ => c,
        };
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

/// A string safe as one path component: only ASCII letters, digits, `_`, `-`, `.`, and not
/// `.`/`..`.
pub fn safe_component(s: &str) -> String {
    let out: String =
        s.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') { c } else { '_' }).collect();
    if out.is_empty() || out.chars().all(|c| c == '.') { format!("_{out}") } else { out }
}

/// `<code>_<slug of name><suffix>.xlsx`, e.g. `005_Quan_Cau_Giay.xlsx`.
pub fn file_name(unit: &Unit, suffix: &str) -> String {
    let code = safe_component(&unit.code);
    let slug = slug(&unit.name);
    if slug.is_empty() { format!("{code}{suffix}.xlsx") } else { format!("{code}_{slug}{suffix}.xlsx") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_ascii() {
        assert_eq!(slug("Quận Cầu Giấy"), "Quan_Cau_Giay");
        assert_eq!(slug("Sở Lao động - Thương binh và Xã hội"), "So_Lao_dong_Thuong_binh_va_Xa_hoi");
        assert_eq!(slug("Ủy ban MTTQ Việt Nam Thành phố"), "Uy_ban_MTTQ_Viet_Nam_Thanh_pho");
        assert_eq!(slug("Đoàn  (thể)!"), "Doan_the");
        assert_eq!(safe_component(".."), "_..");
        assert_eq!(safe_component("a/b"), "a_b");
    }
}
