//! Forms made the way Vietnamese offices make them: the column-numbering row, a split
//! header, the date in the signature line, the unit named only in the title, chart sheets,
//! last year's figures kept hidden, legacy fonts, money in the wrong unit, two forms sent
//! the same day. Each is built cell by cell and read end to end by the program.

#![allow(clippy::unwrap_used)]

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet};

use crate::common::Workdir;

/// A cell as written on a sheet.
#[derive(Clone, Debug)]
enum X {
    S(String),
    N(f64),
    /// A number shown as a percentage (`0%` format).
    Pct(f64),
    /// A date-time (y, m, d, h, min).
    At(u16, u8, u8, u16, u8),
}

fn s(t: &str) -> X {
    X::S(t.to_string())
}

/// A sheet: cells, hidden columns, whether it is hidden.
#[derive(Clone, Debug, Default)]
struct Grid {
    name: String,
    hidden: bool,
    hidden_columns: Vec<u16>,
    cells: Vec<(u32, u16, X)>,
}

impl Grid {
    fn set(&mut self, row: u32, col: u16, x: X) -> &mut Grid {
        self.cells.retain(|(r, c, _)| (*r, *c) != (row, col));
        self.cells.push((row, col, x));
        self
    }

    /// Writes a text cell; an empty text clears the cell.
    fn text(&mut self, row: u32, col: u16, t: &str) -> &mut Grid {
        if t.is_empty() {
            self.cells.retain(|(r, c, _)| (*r, *c) != (row, col));
            return self;
        }
        self.set(row, col, s(t))
    }

    /// Every text cell passed through `f` (a legacy font's encoding).
    fn map_text(&mut self, f: impl Fn(&str) -> String) {
        for (_, _, x) in &mut self.cells {
            if let X::S(t) = x {
                *t = f(t);
            }
        }
    }

    fn write(&self, ws: &mut Worksheet) {
        ws.set_name(&self.name).unwrap();
        let pct = Format::new().set_num_format("0%");
        let when = Format::new().set_num_format("dd/mm/yyyy hh:mm");
        for (r, c, x) in &self.cells {
            match x {
                X::S(t) => ws.write_string(*r, *c, t).map(|_| ()).unwrap(),
                X::N(n) => ws.write_number(*r, *c, *n).map(|_| ()).unwrap(),
                X::Pct(n) => ws.write_number_with_format(*r, *c, *n, &pct).map(|_| ()).unwrap(),
                X::At(y, m, d, h, min) => {
                    let at = ExcelDateTime::from_ymd(*y, *m, *d).unwrap().and_hms(*h, *min, 0).unwrap();
                    ws.write_datetime_with_format(*r, *c, at, &when).map(|_| ()).unwrap()
                }
            }
        }
        for c in &self.hidden_columns {
            ws.set_column_hidden(*c).unwrap();
        }
        if self.hidden {
            ws.set_hidden(true);
        }
    }
}

fn workbook(sheets: &[Grid]) -> Vec<u8> {
    let mut wb = Workbook::new();
    // The active sheet cannot be hidden: the first visible one is made active.
    let active = sheets.iter().position(|g| !g.hidden);
    for (i, g) in sheets.iter().enumerate() {
        let ws = wb.add_worksheet();
        g.write(ws);
        if Some(i) == active {
            ws.set_active(true);
        }
    }
    wb.save_to_buffer().unwrap()
}

/// An official form as offices lay it out: the issuing body's title top left and the
/// national motto top right; no `Mã đơn vị`, `Kỳ báo cáo` or `Ngày báo cáo` cells; a
/// header `STT | Mã chỉ tiêu | Tên chỉ tiêu | Đơn vị tính | Tổng số | Chia ra` over `Nam |
/// Nữ`, then the column-numbering row; the date on the line above the signature, in the
/// Tổng số column. District indicators CT01, CT03, CT05, CT06 filled.
fn official(title: &str, date_line: &str) -> Grid {
    let mut g = Grid { name: "BaoCao".into(), ..Grid::default() };
    g.text(0, 0, title).text(0, 4, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM").text(1, 4, "Độc lập - Tự do - Hạnh phúc");
    g.text(3, 0, "BÁO CÁO KẾT QUẢ THÁNG HÀNH ĐỘNG VÌ BÌNH ĐẲNG GIỚI NĂM 2023");
    for (c, h) in ["STT", "Mã chỉ tiêu", "Tên chỉ tiêu", "Đơn vị tính", "Tổng số", "Chia ra"].iter().enumerate()
    {
        g.text(5, c as u16, h);
    }
    g.text(6, 5, "Nam").text(6, 6, "Nữ");
    for (c, h) in ["A", "B", "C", "D", "(1)", "(2)", "(3)"].iter().enumerate() {
        g.text(7, c as u16, h);
    }
    let rows: [(&str, &str, [Option<f64>; 3]); 4] = [
        ("CT01", "Số văn bản chỉ đạo, kế hoạch triển khai được ban hành", [Some(3.0), None, None]),
        ("CT03", "Số lễ phát động, mít tinh hưởng ứng", [Some(1.0), None, None]),
        ("CT05", "Số buổi truyền thông trực tiếp, nói chuyện chuyên đề", [Some(10.0), None, None]),
        ("CT06", "Số người tham gia truyền thông trực tiếp", [Some(100.0), Some(40.0), Some(60.0)]),
    ];
    for (k, (code, name, values)) in rows.iter().enumerate() {
        let r = 8 + k as u32;
        g.set(r, 0, X::N((k + 1) as f64)).text(r, 1, code).text(r, 2, name);
        for (j, v) in values.iter().enumerate() {
            if let Some(v) = v {
                g.set(r, 4 + j as u16, X::N(*v));
            }
        }
    }
    g.text(13, 4, date_line);
    g.text(14, 1, "Người lập biểu").text(14, 4, "Thủ trưởng đơn vị");
    g
}

fn csv_where(w: &Workdir, name: &str, key: &str, value: &str) -> Vec<std::collections::HashMap<String, String>> {
    w.csv(name).into_iter().filter(|r| r[key] == value).collect()
}

fn fate(w: &Workdir, path: &str) -> String {
    csv_where(w, "files.csv", "path", path).first().map(|r| r["fate"].clone()).unwrap_or_default()
}

fn unit_of(w: &Workdir, path: &str) -> String {
    csv_where(w, "files.csv", "path", path).first().map(|r| r["unit_code"].clone()).unwrap_or_default()
}

fn codes(w: &Workdir, path: &str) -> Vec<String> {
    csv_where(w, "issues.csv", "path", path).into_iter().map(|r| r["code"].clone()).collect()
}

fn value(w: &Workdir, unit: &str, ind: &str, b: &str) -> Option<String> {
    w.csv("values.csv")
        .into_iter()
        .find(|r| r["unit_code"] == unit && r["indicator"] == ind && r["breakdown"] == b)
        .map(|r| r["value"].clone())
}

#[test]
fn an_official_form_with_numbering_row_split_header_title_and_signature_date_is_read() {
    let w = Workdir::new();
    // Cầu Giấy on time (19/12), Đông Anh in prose a day after the deadline (21/12), the
    // Department of Health with `…, ngày dd/mm/yyyy` and the city after its name.
    w.write(
        "inputs/bao_cao_cau_giay.xlsx",
        &workbook(&[official("UBND QUẬN CẦU GIẤY", "Hà Nội, ngày 19 tháng 12 năm 2023")]),
    );
    w.write(
        "inputs/dong_anh.xlsx",
        &workbook(&[official("ỦY BAN NHÂN DÂN HUYỆN ĐÔNG ANH", "Đông Anh, ngày 21 tháng 12 năm 2023")]),
    );
    w.write("inputs/so_y_te.xlsx", &workbook(&[official("SỞ Y TẾ HÀ NỘI", "Hà Nội, ngày 18/12/2023")]));
    let out = w.run(&[]);
    assert!(out.status.success(), "{}", crate::common::stderr(&out));
    let cau_giay = "bao_cao_cau_giay.xlsx";
    assert!(fate(&w, cau_giay).starts_with("accepted"), "{:?}", codes(&w, cau_giay));
    assert_eq!(unit_of(&w, cau_giay), "005");
    assert_eq!(unit_of(&w, "dong_anh.xlsx"), "017");
    assert_eq!(unit_of(&w, "so_y_te.xlsx"), "S05");
    // The unit from the title is a warning; neither the numbering row nor the date line is
    // an unmatched row (E015), and the date is no unreadable value.
    let found = codes(&w, cau_giay);
    assert!(found.contains(&"W001".to_string()), "{found:?}");
    assert!(!found.iter().any(|c| c.starts_with('E')), "{found:?}");
    let w001 = csv_where(&w, "issues.csv", "code", "W001");
    // Told at the title's cell.
    assert!(w001.iter().any(|r| r["value"] == "UBND QUẬN CẦU GIẤY" && r["cell"] == "A1"), "{w001:?}");
    // The split header: Nam and Nữ under `Chia ra`.
    assert_eq!(value(&w, "005", "CT06", "male").as_deref(), Some("40"));
    assert_eq!(value(&w, "005", "CT06", "female").as_deref(), Some("60"));
    assert_eq!(value(&w, "005", "CT01", "total").as_deref(), Some("3"));
    // The prose date decides lateness.
    assert_eq!(w.run_json()["late_units"], serde_json::json!(["017"]));
}

#[test]
fn a_date_line_above_the_table_and_a_date_time_report_date_are_read() {
    let w = Workdir::new();
    // Under the national motto, the usual place on many forms.
    let mut g = official("UBND QUẬN BA ĐÌNH", "");
    g.text(2, 4, "Hà Nội, ngày 22 tháng 12 năm 2023");
    w.write("inputs/ba_dinh.xlsx", &workbook(&[g]));
    assert!(w.run(&[]).status.success());
    assert!(fate(&w, "ba_dinh.xlsx").starts_with("accepted"), "{:?}", codes(&w, "ba_dinh.xlsx"));
    assert_eq!(w.run_json()["late_units"], serde_json::json!(["001"]));
}

/// A form with `Mã đơn vị` and `Ngày báo cáo` cells, the date as `value`.
fn dated(unit: &str, value: X) -> Grid {
    let mut g = official("", "");
    g.text(2, 0, "Mã đơn vị:").text(2, 1, unit).text(3, 0, "Ngày báo cáo:").set(3, 1, value);
    g
}

#[test]
fn on_the_same_day_the_later_time_wins_and_text_dates_are_day_first() {
    let w = Workdir::new();
    let mut draft = dated("001", X::At(2023, 12, 15, 9, 5));
    draft.set(8, 4, X::N(99.0));
    // The draft's path is the greater one: only the time can make the final win.
    w.write("inputs/001_ban_dau.xlsx", &workbook(&[draft]));
    w.write("inputs/001_ban_cuoi.xlsx", &workbook(&[dated("001", X::At(2023, 12, 15, 17, 10))]));
    // Text date-times and dates with `-`, `.` and ISO.
    let mut text_draft = dated("002", s("16/12/2023 08:00"));
    text_draft.set(8, 4, X::N(99.0));
    w.write("inputs/002_z.xlsx", &workbook(&[text_draft]));
    w.write("inputs/002_a.xlsx", &workbook(&[dated("002", s("16/12/2023 17:10"))]));
    w.write("inputs/003.xlsx", &workbook(&[dated("003", s("21-12-2023"))]));
    w.write("inputs/004.xlsx", &workbook(&[dated("004", s("21.12.2023"))]));
    w.write("inputs/006.xlsx", &workbook(&[dated("006", s("2023-12-21"))]));
    w.write("inputs/007.xlsx", &workbook(&[dated("007", s("19-12-2023"))]));
    assert!(w.run(&[]).status.success());
    assert!(fate(&w, "001_ban_cuoi.xlsx").starts_with("accepted"));
    assert_eq!(fate(&w, "001_ban_dau.xlsx"), "superseded");
    assert_eq!(value(&w, "001", "CT01", "total").as_deref(), Some("3"));
    assert!(fate(&w, "002_a.xlsx").starts_with("accepted"));
    assert_eq!(fate(&w, "002_z.xlsx"), "superseded");
    assert_eq!(w.run_json()["late_units"], serde_json::json!(["003", "004", "006"]));
}

#[test]
fn a_chart_sheet_is_skipped_and_the_form_beside_it_is_read() {
    let w = Workdir::new();
    let mut wb = Workbook::new();
    let mut g = official("UBND QUẬN TÂY HỒ", "Hà Nội, ngày 19 tháng 12 năm 2023");
    g.text(2, 0, "Mã đơn vị:").text(2, 1, "003");
    g.write(wb.add_worksheet());
    let mut chart = rust_xlsxwriter::Chart::new(rust_xlsxwriter::ChartType::Column);
    chart.add_series().set_values(("BaoCao", 8, 4, 11, 4));
    let sheet = wb.add_chartsheet();
    sheet.set_name("Biểu đồ").unwrap();
    sheet.insert_chart(0, 0, &chart).unwrap();
    w.write("inputs/003.xlsx", &wb.save_to_buffer().unwrap());
    assert!(w.run(&[]).status.success());
    assert!(fate(&w, "003.xlsx").starts_with("accepted"), "{:?}", codes(&w, "003.xlsx"));
    let i006 = csv_where(&w, "issues.csv", "code", "I006");
    assert_eq!(i006.len(), 1);
    assert_eq!(i006[0]["sheet"], "Biểu đồ");
    assert_eq!(value(&w, "003", "CT05", "total").as_deref(), Some("10"));
}

#[test]
fn last_years_hidden_columns_and_hidden_sheet_are_not_read_but_a_hidden_only_form_is() {
    let w = Workdir::new();
    // 2022's Tổng số | Nam | Nữ in hidden columns E..G, before 2023's in H..J.
    let mut cols = official("", "Hà Nội, ngày 19 tháng 12 năm 2023");
    cols.text(2, 0, "Mã đơn vị:").text(2, 1, "001");
    let moved: Vec<_> = cols.cells.iter().filter(|(r, c, _)| *r >= 5 && *r <= 12 && *c >= 4).cloned().collect();
    for (r, c, x) in moved {
        let old = match &x {
            X::N(n) => X::N(n + 1000.0),
            other => other.clone(),
        };
        cols.set(r, c + 3, x);
        cols.set(r, c, old);
    }
    cols.hidden_columns = vec![4, 5, 6];
    w.write("inputs/001.xlsx", &workbook(&[cols]));
    // An old copy on the hidden sheet named BaoCao, this year's on `BaoCao (2)`.
    let mut old = official("", "");
    old.text(2, 0, "Mã đơn vị:").text(2, 1, "002").set(8, 4, X::N(77.0));
    old.hidden = true;
    let mut new = official("", "Hà Nội, ngày 19 tháng 12 năm 2023");
    new.text(2, 0, "Mã đơn vị:").text(2, 1, "002");
    new.name = "BaoCao (2)".into();
    w.write("inputs/002.xlsx", &workbook(&[old, new]));
    // The form only on a hidden sheet: read, with a warning.
    let mut only = official("", "");
    only.text(2, 0, "Mã đơn vị:").text(2, 1, "003");
    only.hidden = true;
    let visible = Grid { name: "Ghi chu".into(), cells: vec![(0, 0, s("Xem trang BaoCao"))], ..Grid::default() };
    w.write("inputs/003.xlsx", &workbook(&[visible, only]));
    assert!(w.run(&[]).status.success());
    assert_eq!(value(&w, "001", "CT01", "total").as_deref(), Some("3"));
    assert_eq!(value(&w, "001", "CT06", "female").as_deref(), Some("60"));
    assert!(!codes(&w, "001.xlsx").contains(&"W006".to_string()), "the reader tells hidden columns");
    assert_eq!(
        value(&w, "002", "CT01", "total").as_deref(),
        Some("3"),
        "{:?}",
        csv_where(&w, "issues.csv", "path", "002.xlsx")
    );
    assert!(fate(&w, "003.xlsx").starts_with("accepted"));
    assert!(codes(&w, "003.xlsx").contains(&"W005".to_string()));
    assert!(!codes(&w, "002.xlsx").contains(&"W005".to_string()));
}

#[test]
fn where_hidden_columns_cannot_be_told_the_rightmost_is_read_with_a_warning() {
    let w = Workdir::new();
    let mut g = official("", "Hà Nội, ngày 19 tháng 12 năm 2023");
    g.text(2, 0, "Mã đơn vị:").text(2, 1, "001");
    // A second Tổng số column to the left, last year's, not hidden.
    g.text(5, 7, "Tổng số").set(8, 7, X::N(4.0)).set(9, 7, X::N(1.0)).set(10, 7, X::N(11.0)).set(11, 7, X::N(101.0));
    g.text(7, 7, "(4)");
    w.write("inputs/001.xlsx", &workbook(&[g]));
    assert!(w.run(&[]).status.success());
    assert_eq!(value(&w, "001", "CT01", "total").as_deref(), Some("4"));
    let w006 = csv_where(&w, "issues.csv", "code", "W006");
    assert_eq!(w006.len(), 1, "{w006:?}");
    assert!(w006[0]["message"].contains("cột H") && w006[0]["message"].contains("cột E"), "{}", w006[0]["message"]);
}

#[test]
fn forms_typed_in_tcvn3_and_vni_are_converted_even_without_a_code_column() {
    use tonghop::text::legacy::{Legacy, encode};
    let w = Workdir::new();
    // TCVN3 and no Mã chỉ tiêu column: rows are matched by their converted names, the unit
    // by its converted title.
    let mut tcvn3 = official("UBND QUẬN HOÀN KIẾM", "Hà Nội, ngày 19 tháng 12 năm 2023");
    tcvn3.cells.retain(|(_, c, _)| *c != 1);
    tcvn3.map_text(|t| encode(t, Legacy::Tcvn3));
    w.write("inputs/hoan_kiem.xlsx", &workbook(&[tcvn3]));
    let mut vni = official("UBND QUẬN TÂY HỒ", "Hà Nội, ngày 19 tháng 12 năm 2023");
    vni.map_text(|t| encode(t, Legacy::Vni));
    vni.set(8, 4, X::N(7.0));
    w.write("inputs/tay_ho.xlsx", &workbook(&[vni]));
    assert!(w.run(&[]).status.success());
    assert!(fate(&w, "hoan_kiem.xlsx").starts_with("accepted"), "{:?}", codes(&w, "hoan_kiem.xlsx"));
    assert_eq!(unit_of(&w, "hoan_kiem.xlsx"), "002");
    assert_eq!(value(&w, "002", "CT06", "female").as_deref(), Some("60"));
    assert_eq!(value(&w, "002", "CT05", "total").as_deref(), Some("10"));
    assert_eq!(unit_of(&w, "tay_ho.xlsx"), "003");
    assert_eq!(value(&w, "003", "CT01", "total").as_deref(), Some("7"));
    let i007 = csv_where(&w, "issues.csv", "code", "I007");
    assert_eq!(i007.len(), 2, "{i007:?}");
    assert!(i007.iter().any(|r| r["message"].contains("TCVN3")));
    assert!(i007.iter().any(|r| r["message"].contains("VNI")));
    // The title the unit was taken from is quoted converted.
    // (.VnTimeH capitals other than Ă Â Đ Ê Ô Ơ Ư are lowercase codes: they convert so.)
    let w001 = csv_where(&w, "issues.csv", "code", "W001");
    assert!(w001.iter().any(|r| r["value"].to_lowercase() == "ubnd quận hoàn kiếm"), "{w001:?}");
}

#[test]
fn money_in_another_scale_and_percentages_are_errors_naming_both_units() {
    let w = Workdir::new();
    let mut g = official("", "Hà Nội, ngày 19 tháng 12 năm 2023");
    g.text(2, 0, "Mã đơn vị:").text(2, 1, "001");
    // CT25 is in triệu đồng; CT02 a count.
    g.text(12, 1, "CT25").text(12, 2, "Tổng kinh phí thực hiện").text(12, 4, "2.500.000 đồng");
    w.write("inputs/001.xlsx", &workbook(&[g.clone()]));
    g.text(2, 1, "002").text(12, 1, "CT02").text(12, 2, "").text(12, 4, "100%");
    w.write("inputs/002.xlsx", &workbook(&[g.clone()]));
    g.text(2, 1, "003").set(12, 4, X::Pct(1.0));
    w.write("inputs/003.xlsx", &workbook(&[g.clone()]));
    // The indicator's own scale and space thousands keep working.
    g.text(2, 1, "004").text(12, 1, "CT25").text(12, 4, "12,5 triệu đồng").text(11, 4, "12 480");
    w.write("inputs/004.xlsx", &workbook(&[g]));
    assert!(w.run(&[]).status.success());
    for (path, written) in [("001.xlsx", "đồng"), ("002.xlsx", "phần trăm"), ("003.xlsx", "phần trăm")] {
        let e = csv_where(&w, "issues.csv", "path", path).into_iter().find(|r| r["code"] == "E026");
        let e = e.unwrap_or_else(|| panic!("{path}: {:?}", codes(&w, path)));
        assert!(e["message"].contains(written), "{}", e["message"]);
        assert!(e["cell"] == "E13", "{e:?}");
        assert_eq!(fate(&w, path), "rejected");
    }
    let money = csv_where(&w, "issues.csv", "path", "001.xlsx").into_iter().find(|r| r["code"] == "E026").unwrap();
    assert!(money["message"].contains("triệu đồng"), "{}", money["message"]);
    assert!(fate(&w, "004.xlsx").starts_with("accepted"), "{:?}", codes(&w, "004.xlsx"));
    assert_eq!(value(&w, "004", "CT25", "total").as_deref(), Some("12.5"));
    assert_eq!(value(&w, "004", "CT06", "total").as_deref(), Some("12480"));
}

#[test]
fn a_zip_among_the_inputs_is_ignored_with_a_word_to_unpack_it() {
    let w = Workdir::new();
    let mut g = official("", "Hà Nội, ngày 19 tháng 12 năm 2023");
    g.text(2, 0, "Mã đơn vị:").text(2, 1, "001");
    w.write("inputs/001.xlsx", &workbook(&[g]));
    w.write("inputs/bao_cao_cac_quan.zip", b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0");
    assert!(w.run(&[]).status.success());
    assert_eq!(fate(&w, "bao_cao_cac_quan.zip"), "ignored");
    assert_eq!(codes(&w, "bao_cao_cac_quan.zip"), ["I008"]);
}

#[test]
fn cells_in_a_legacy_font_are_converted_by_their_font_and_unicode_beside_them_is_kept() {
    use tonghop::config::Config;
    use tonghop::ingest::{Found, ReadContext, read};
    use tonghop::text::legacy::{Legacy, encode};
    // The template's header in Unicode; the unit name and the preparer's note typed in
    // .VnTime; a Unicode note whose letters are all Latin-1 (`Tôi là`), which a decoding
    // by trial alone would garble.
    let vntime = Format::new().set_font_name(".VnTime");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("BaoCao").unwrap();
    ws.write_string(2, 0, "Tên đơn vị:").unwrap();
    ws.write_string_with_format(2, 1, encode("Quận Hoàn Kiếm", Legacy::Tcvn3), &vntime).unwrap();
    ws.write_string(3, 0, "Người lập biểu:").unwrap();
    ws.write_string(3, 1, "Tôi là").unwrap();
    for (c, h) in ["STT", "Mã chỉ tiêu", "Tên chỉ tiêu", "Đơn vị tính", "Tổng số"].iter().enumerate() {
        ws.write_string(5, c as u16, *h).unwrap();
    }
    ws.write_string(6, 1, "CT01").unwrap();
    ws.write_string_with_format(6, 2, encode("Số văn bản chỉ đạo", Legacy::Tcvn3), &vntime).unwrap();
    ws.write_number(6, 4, 3.0).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hk.xlsx");
    std::fs::write(&path, wb.save_to_buffer().unwrap()).unwrap();
    let config = Config::embedded().unwrap();
    let found = Found { rel: "hk.xlsx".into(), abs: path, ignored: None };
    let sub = read(&found, &ReadContext::for_period(&config, &config.periods[0]));
    assert_eq!(sub.unit.as_deref(), Some("002"), "{:?}", sub.issues);
    assert_eq!(sub.header.unit_name.as_deref(), Some("Quận Hoàn Kiếm"));
    assert_eq!(sub.header.preparer.as_deref(), Some("Tôi là"));
    assert_eq!(sub.issues.iter().filter(|i| i.code == "I007").count(), 1);
}

// ---------------------------------------------------------------------------------------
// The edges of these conventions: notes, totals and dates around the table, names that
// are not units, money words, three forms on one day.

fn coded(unit: &str, date_line: &str) -> Grid {
    let mut g = official("", date_line);
    g.text(2, 0, "Mã đơn vị:").text(2, 1, unit);
    g
}

#[test]
fn a_value_row_below_the_last_indicator_with_the_unit_in_its_name_is_not_silently_dropped() {
    let w = Workdir::new();
    // CT25 typed without its code, its name followed by the unit as many offices write it.
    let mut g = coded("001", "Hà Nội, ngày 19 tháng 12 năm 2023");
    g.text(12, 2, "Tổng kinh phí thực hiện (triệu đồng)").set(12, 4, X::N(50.0));
    w.write("inputs/001.xlsx", &workbook(&[g.clone()]));
    // The same, abbreviated.
    g.text(2, 1, "002").text(12, 2, "Tổng kinh phí");
    w.write("inputs/002.xlsx", &workbook(&[g]));
    assert!(w.run(&[]).status.success());
    for (path, unit) in [("001.xlsx", "001"), ("002.xlsx", "002")] {
        let read = value(&w, unit, "CT25", "total");
        let found = codes(&w, path);
        assert!(
            read.is_some() || found.contains(&"E015".to_string()),
            "{path}: 50 triệu đồng neither read nor reported: value {read:?}, issues {found:?}, fate {}",
            fate(&w, path)
        );
    }
}

#[test]
fn a_data_cut_off_line_or_a_dated_note_is_not_the_report_date() {
    let w = Workdir::new();
    // Signed on 21/12 (late); a note under the table gives the data's cut-off date.
    let mut g = coded("001", "Hà Nội, ngày 21 tháng 12 năm 2023");
    g.text(12, 1, "Số liệu tính đến ngày 15/12/2023");
    w.write("inputs/001.xlsx", &workbook(&[g]));
    // Signed on 21/12 (late); the Ghi chú of a row dates the event it counts.
    let mut g = coded("002", "Hà Nội, ngày 21 tháng 12 năm 2023");
    g.text(5, 7, "Ghi chú").text(8, 7, "Ban hành ngày 05/12/2023");
    w.write("inputs/002.xlsx", &workbook(&[g]));
    assert!(w.run(&[]).status.success());
    assert_eq!(w.run_json()["late_units"], serde_json::json!(["001", "002"]));
}

#[test]
fn the_title_names_the_unit_when_ten_don_vi_holds_a_name_that_is_no_unit() {
    let w = Workdir::new();
    let mut g = official("UBND QUẬN CẦU GIẤY", "Hà Nội, ngày 19 tháng 12 năm 2023");
    g.text(2, 0, "Tên đơn vị:").text(2, 1, "Phòng Văn hóa và Thông tin");
    w.write("inputs/bao_cao.xlsx", &workbook(&[g]));
    assert!(w.run(&[]).status.success());
    assert_eq!(unit_of(&w, "bao_cao.xlsx"), "005", "{:?}", codes(&w, "bao_cao.xlsx"));
}

#[test]
fn money_scale_words_without_dong_or_spelled_ti_are_errors_on_a_trieu_dong_indicator() {
    let w = Workdir::new();
    for (unit, written) in [("001", "500 nghìn"), ("002", "2,5 tỉ đồng"), ("003", "300 ngàn"), ("004", "1,2 tỉ")]
    {
        let mut g = coded(unit, "Hà Nội, ngày 19 tháng 12 năm 2023");
        g.text(12, 1, "CT25").text(12, 2, "Tổng kinh phí thực hiện").text(12, 4, written);
        w.write(&format!("inputs/{unit}.xlsx"), &workbook(&[g]));
    }
    assert!(w.run(&[]).status.success());
    let mut wrong = vec![];
    for unit in ["001", "002", "003", "004"] {
        let path = format!("{unit}.xlsx");
        if !codes(&w, &path).contains(&"E026".to_string()) {
            wrong.push((unit, value(&w, unit, "CT25", "total"), codes(&w, &path)));
        }
    }
    assert!(wrong.is_empty(), "read in triệu đồng with no error: {wrong:?}");
}

#[test]
fn a_later_time_on_the_same_day_is_not_beaten_by_an_earlier_one_through_a_date_only_copy() {
    let w = Workdir::new();
    let mut a = dated("001", X::At(2023, 12, 15, 17, 10));
    a.set(8, 4, X::N(1.0));
    let mut b = dated("001", s("15/12/2023"));
    b.set(8, 4, X::N(2.0));
    let mut c = dated("001", X::At(2023, 12, 15, 9, 5));
    c.set(8, 4, X::N(3.0));
    w.write("inputs/001_a.xlsx", &workbook(&[a]));
    w.write("inputs/001_b.xlsx", &workbook(&[b]));
    w.write("inputs/001_c.xlsx", &workbook(&[c]));
    assert!(w.run(&[]).status.success());
    // 17:10 beats 09:05; the date-only copy ties with both. Whatever wins, the 09:05 draft
    // must not beat the 17:10 final.
    assert_ne!(fate(&w, "001_c.xlsx").get(..8), Some("accepted"), "the 09:05 draft won over the 17:10 final");
}

#[test]
fn a_blank_ngay_bao_cao_beside_the_date_line_on_the_same_row_is_read() {
    let w = Workdir::new();
    let mut g = coded("001", "");
    // The label left blank, the signature date typed at the right of the same row.
    g.text(3, 0, "Ngày báo cáo:").text(3, 4, "Hà Nội, ngày 21 tháng 12 năm 2023");
    w.write("inputs/001.xlsx", &workbook(&[g]));
    assert!(w.run(&[]).status.success());
    assert!(!codes(&w, "001.xlsx").contains(&"W004".to_string()), "{:?}", codes(&w, "001.xlsx"));
    assert_eq!(w.run_json()["late_units"], serde_json::json!(["001"]));
}

#[test]
fn a_numbering_row_with_a_gap_left_by_a_deleted_column_is_header() {
    let w = Workdir::new();
    let mut g = coded("001", "Hà Nội, ngày 19 tháng 12 năm 2023");
    // The unit deleted a column after numbering: 1 2 3 5 6 7 8.
    for (c, n) in [1.0, 2.0, 3.0, 5.0, 6.0, 7.0, 8.0].iter().enumerate() {
        g.set(7, c as u16, X::N(*n));
    }
    w.write("inputs/001.xlsx", &workbook(&[g]));
    assert!(w.run(&[]).status.success());
    assert!(fate(&w, "001.xlsx").starts_with("accepted"), "{:?}", csv_where(&w, "issues.csv", "path", "001.xlsx"));
}

#[test]
fn the_preparers_name_is_no_title() {
    let w = Workdir::new();
    // A template-style form with no code, no unit name and no title: the preparer's name
    // (a person) must not identify a district.
    let mut g = official("", "Hà Nội, ngày 19 tháng 12 năm 2023");
    g.text(2, 0, "Người lập biểu:").text(2, 1, "Hoàng Mai Anh");
    w.write("inputs/bao_cao.xlsx", &workbook(&[g]));
    assert!(w.run(&[]).status.success());
    assert_eq!(unit_of(&w, "bao_cao.xlsx"), "", "{:?}", csv_where(&w, "issues.csv", "path", "bao_cao.xlsx"));
}

#[test]
fn trong_do_nu_heading_is_read_not_silently_dropped() {
    let w = Workdir::new();
    let mut g = coded("001", "Hà Nội, ngày 19 tháng 12 năm 2023");
    g.text(5, 5, "").text(6, 5, "").text(6, 6, "").text(5, 5, "Trong đó: Nữ");
    g.cells.retain(|(r, c, _)| !((*r == 7 && *c == 6) || (*c == 5 && *r >= 8)));
    // CT06: 100 people, 60 women, under `Trong đó: Nữ` in column F.
    g.set(11, 5, X::N(60.0));
    w.write("inputs/001.xlsx", &workbook(&[g]));
    assert!(w.run(&[]).status.success());
    assert_eq!(value(&w, "001", "CT06", "female").as_deref(), Some("60"), "{:?}", codes(&w, "001.xlsx"));
}

#[test]
fn an_abbreviated_last_indicator_with_a_value_is_not_silently_dropped() {
    let w = Workdir::new();
    let mut g = coded("002", "Hà Nội, ngày 19 tháng 12 năm 2023");
    g.text(12, 2, "Tổng kinh phí").set(12, 4, X::N(50.0));
    w.write("inputs/002.xlsx", &workbook(&[g]));
    assert!(w.run(&[]).status.success());
    let found = codes(&w, "002.xlsx");
    assert!(found.contains(&"E015".to_string()), "value {:?}, issues {found:?}", value(&w, "002", "CT25", "total"));
}

#[test]
fn a_date_line_under_the_motto_is_no_issuing_body() {
    let w = Workdir::new();
    // The police's title written with `TP.`, which matches no configured name; the date
    // line under the motto names the district it sits in.
    let mut g = official("CÔNG AN TP. HÀ NỘI", "");
    g.text(2, 4, "Hoàn Kiếm, ngày 19 tháng 12 năm 2023");
    w.write("inputs/bao_cao.xlsx", &workbook(&[g]));
    // The labour department's title written without spaces around the hyphen.
    w.write(
        "inputs/ldtbxh.xlsx",
        &workbook(&[official("SỞ LAO ĐỘNG-THƯƠNG BINH VÀ XÃ HỘI", "Hà Nội, ngày 19 tháng 12 năm 2023")]),
    );
    assert!(w.run(&[]).status.success());
    let (police, labour) = (unit_of(&w, "bao_cao.xlsx"), unit_of(&w, "ldtbxh.xlsx"));
    assert!(police != "002" && labour == "S01", "police read as {police:?}, labour as {labour:?}");
}

#[test]
fn hiding_the_columns_to_the_sheets_edge_many_times_costs_a_pair_each() {
    // `<col min="9" max="16384" hidden="1"/>` hides I:XFD; a file repeating it 100,000 times
    // (1 MB) once cost 3 GB to read. It is read like any other form.
    let w = Workdir::new();
    let form = crate::common::Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]);
    // Widths that differ, so that the part does not compress past the ratio limit.
    let mut x = 7u64;
    let cols: String = (0..100_000)
        .map(|_| {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            format!(r#"<col min="9" max="16384" width="{}.{}" hidden="1"/>"#, x >> 60, (x >> 20) % 100_000)
        })
        .collect();
    let bytes = crate::common::edit_part(form.bytes(), "xl/worksheets/sheet1.xml", |xml| {
        xml.replacen("<sheetData", &format!("<cols>{cols}</cols><sheetData"), 1)
    });
    w.write("inputs/001.xlsx", &bytes);
    let out = w.run(&[]);
    assert!(out.status.success(), "{}", crate::common::stderr(&out));
    assert!(fate(&w, "001.xlsx").starts_with("accepted"), "{:?}", codes(&w, "001.xlsx"));
    assert_eq!(value(&w, "001", "CT05", "total").as_deref(), Some("10"));
}
